/**
 * The parts of a pod (or pod template) the Pod Security checks read, typed
 * loosely: admission sees the object as JSON, and a field of the wrong shape
 * must read as unset rather than crash a check (validation refuses it later).
 */

export interface SecurityContextView {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name?: string }[];
}

export interface ContainerView {
  name: string;
  image?: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContextView;
}

export interface PodSpecView {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  runtimeClassName?: string;
  os?: { name?: string };
  securityContext?: SecurityContextView;
  containers: ContainerView[];
  initContainers: ContainerView[];
  ephemeralContainers: ContainerView[];
  volumes: Record<string, unknown>[];
}

export interface PodMetaView {
  name?: string;
  annotations: Record<string, string>;
  ownerReferences?: { uid?: string; controller?: boolean }[];
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function arr(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.flatMap((x) => (obj(x) ? [obj(x) as Record<string, unknown>] : [])) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function securityContext(v: unknown): SecurityContextView | undefined {
  const sc = obj(v);
  if (!sc) return undefined;
  const caps = obj(sc.capabilities);
  const se = obj(sc.seLinuxOptions);
  const seccomp = obj(sc.seccompProfile);
  const apparmor = obj(sc.appArmorProfile);
  const win = obj(sc.windowsOptions);
  return {
    privileged: bool(sc.privileged),
    allowPrivilegeEscalation: bool(sc.allowPrivilegeEscalation),
    runAsNonRoot: bool(sc.runAsNonRoot),
    runAsUser: num(sc.runAsUser),
    procMount: str(sc.procMount),
    capabilities: caps ? { add: strings(caps.add), drop: strings(caps.drop) } : undefined,
    seLinuxOptions: se ? { type: str(se.type), user: str(se.user), role: str(se.role) } : undefined,
    seccompProfile: seccomp ? { type: str(seccomp.type) ?? '' } : undefined,
    appArmorProfile: apparmor ? { type: str(apparmor.type) ?? '' } : undefined,
    windowsOptions: win ? { hostProcess: bool(win.hostProcess) } : undefined,
    sysctls: Array.isArray(sc.sysctls) ? arr(sc.sysctls).map((s) => ({ name: str(s.name) ?? '' })) : undefined,
  };
}

function container(c: Record<string, unknown>): ContainerView {
  return {
    name: str(c.name) ?? '',
    image: str(c.image),
    ports: arr(c.ports).map((p) => ({ hostPort: num(p.hostPort) })),
    securityContext: securityContext(c.securityContext),
  };
}

export function podSpecView(spec: unknown): PodSpecView {
  const s = obj(spec) ?? {};
  return {
    hostNetwork: bool(s.hostNetwork),
    hostPID: bool(s.hostPID),
    hostIPC: bool(s.hostIPC),
    runtimeClassName: str(s.runtimeClassName),
    os: obj(s.os) ? { name: str((s.os as Record<string, unknown>).name) } : undefined,
    securityContext: securityContext(s.securityContext),
    containers: arr(s.containers).map(container),
    initContainers: arr(s.initContainers).map(container),
    ephemeralContainers: arr(s.ephemeralContainers).map(container),
    volumes: arr(s.volumes),
  };
}

export function podMetaView(metadata: unknown): PodMetaView {
  const m = obj(metadata) ?? {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(m.annotations) ?? {})) if (typeof v === 'string') annotations[k] = v;
  return {
    name: str(m.name),
    annotations,
    ownerReferences: arr(m.ownerReferences).map((r) => ({ uid: str(r.uid), controller: bool(r.controller) })),
  };
}

/** Containers, init containers and ephemeral containers, in that order, as upstream's visitor walks them. */
export function allContainers(spec: PodSpecView): ContainerView[] {
  return [...spec.initContainers, ...spec.containers, ...spec.ephemeralContainers];
}

export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** Go's sort.Strings: byte order, not locale order. */
export function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Upstream quotes values with Go's %q; for the label and annotation values here JSON quoting is the same. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
