import { ALLOWED, forbidden, setters, type Check, type CheckFn } from './check';
import { allContainers, goQuote, joinQuote, pluralize, sortedUnique } from './pod-shape';

/** The Baseline level of the Pod Security Standards, with each behaviour change at the version it came in. */

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedAppArmorAnnotation(v: string): boolean {
  return v === '' || v === 'runtime/default' || v.startsWith('localhost/');
}

function allowedAppArmorType(t: string): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

const appArmorProfile: CheckFn = (meta, spec) => {
  const badValues = new Set<string>();
  const podBad =
    spec.securityContext?.appArmorProfile !== undefined &&
    !allowedAppArmorType(spec.securityContext.appArmorProfile.type ?? '');
  if (podBad) badValues.add(spec.securityContext?.appArmorProfile?.type ?? '');
  const badContainers: string[] = [];
  for (const c of allContainers(spec)) {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedAppArmorType(p.type ?? '')) {
      badContainers.push(c.name);
      badValues.add(p.type ?? '');
    }
  }
  const who = setters(podBad, badContainers);
  const annotations = Object.entries(meta.annotations)
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v))
    .map(([k, v]) => `${k}=${goQuote(v)}`);
  const values = sortedUnique(badValues);
  if (annotations.length > 0) {
    values.push(...sortedUnique(annotations));
    who.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (who.length === 0) return ALLOWED;
  return forbidden(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    `${who.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  );
};

const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const extra = (c.securityContext?.capabilities?.add ?? []).filter((x) => !DEFAULT_CAPABILITIES.has(x));
    if (extra.length > 0) {
      bad.push(c.name);
      extra.forEach((x) => caps.add(x));
    }
  }
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'non-default capabilities',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`,
  );
};

const hostNamespaces: CheckFn = (_meta, spec) => {
  const set: string[] = [];
  if (spec.hostNetwork) set.push('hostNetwork=true');
  if (spec.hostPID) set.push('hostPID=true');
  if (spec.hostIPC) set.push('hostIPC=true');
  return set.length === 0 ? ALLOWED : forbidden('host namespaces', set.join(', '));
};

const hostPathVolumes: CheckFn = (_meta, spec) => {
  const names = spec.volumes
    .filter((v) => v.hostPath !== undefined && v.hostPath !== null)
    .map((v) => String(v.name ?? ''));
  if (names.length === 0) return ALLOWED;
  return forbidden('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`);
};

const hostPorts: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of allContainers(spec)) {
    const used = (c.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== 0);
    if (used.length > 0) {
      bad.push(c.name);
      used.forEach((p) => ports.add(String(p.hostPort)));
    }
  }
  if (bad.length === 0) return ALLOWED;
  const list = sortedUnique(ports);
  return forbidden(
    'hostPort',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  );
};

const privileged: CheckFn = (_meta, spec) => {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.privileged === true)
    .map((c) => c.name);
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'privileged',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`,
  );
};

const procMount: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of allContainers(spec)) {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== 'Default') {
      bad.push(c.name);
      types.add(pm);
    }
  }
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'procMount',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}`,
  );
};

function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckFn {
  return (_meta, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: { type?: string; user?: string; role?: string }): boolean => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) {
        ok = false;
        badTypes.add(o.type ?? '');
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOpts = spec.securityContext?.seLinuxOptions;
    const podBad = podOpts !== undefined && !valid(podOpts);
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.seLinuxOptions !== undefined && !valid(c.securityContext.seLinuxOptions))
      .map((c) => c.name);
    const who = setters(podBad, bad);
    if (who.length === 0) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size > 0)
      data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedUnique(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbidden(
      'seLinuxOptions',
      `${who.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    );
  };
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompAnnotation(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

/** Before 1.19 seccomp was set by annotations. */
const seccompBaseline_1_0: CheckFn = (meta, spec) => {
  const bad = new Set<string>();
  const pod = meta.annotations[SECCOMP_POD_ANNOTATION];
  if (pod !== undefined && !validSeccompAnnotation(pod)) bad.add(`${SECCOMP_POD_ANNOTATION}=${goQuote(pod)}`);
  for (const c of allContainers(spec)) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
    const v = meta.annotations[key];
    if (v !== undefined && !validSeccompAnnotation(v)) bad.add(`${key}=${goQuote(v)}`);
  }
  if (bad.size === 0) return ALLOWED;
  return forbidden(
    'seccompProfile',
    `forbidden ${pluralize('annotation', 'annotations', bad.size)} ${sortedUnique(bad).join(', ')}`,
  );
};

export function validSeccompType(t: string | undefined): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

const seccompBaseline_1_19: CheckFn = (_meta, spec) => {
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.seccompProfile;
  const podBad = podProfile !== undefined && !validSeccompType(podProfile.type);
  if (podBad) badValues.add(podProfile?.type ?? '');
  const bad: string[] = [];
  for (const c of allContainers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p && !validSeccompType(p.type)) {
      bad.push(c.name);
      badValues.add(p.type ?? '');
    }
  }
  const who = setters(podBad, bad);
  if (who.length === 0) return ALLOWED;
  return forbidden(
    'seccompProfile',
    `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
  );
};

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowed: readonly string[]): CheckFn {
  const ok = new Set(allowed);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name ?? '').filter((n) => !ok.has(n));
    return bad.length === 0 ? ALLOWED : forbidden('forbidden sysctls', bad.join(', '));
  };
}

const windowsHostProcess: CheckFn = (_meta, spec) => {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
    .map((c) => c.name);
  const who = setters(spec.securityContext?.windowsOptions?.hostProcess === true, bad);
  if (who.length === 0) return ALLOWED;
  return forbidden('hostProcess', `${who.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
};

export const BASELINE_CHECKS: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumMinor: 0, check: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minimumMinor: 0, check: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumMinor: 0, check: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimumMinor: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumMinor: 0, check: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumMinor: 0, check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ minimumMinor: 0, check: procMount }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { minimumMinor: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, check: seccompBaseline_1_0 },
      { minimumMinor: 19, check: seccompBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, check: sysctls(SYSCTLS_1_0) },
      { minimumMinor: 27, check: sysctls(SYSCTLS_1_27) },
      { minimumMinor: 29, check: sysctls(SYSCTLS_1_29) },
      { minimumMinor: 32, check: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumMinor: 0, check: windowsHostProcess }] },
];
