import type { FieldError } from '../../api/errors';
import { child, duplicate, forbidden, index, invalid, notSupported, required, tooLong } from '../validation/field';
import { inclusiveRangeError, isDNS1123Subdomain } from '../validation/names';
import { arrayAt, objectAt, objectsAt, stringAt, type Obj } from './common';

/**
 * The pod and container security context rules of upstream's ValidatePodSpec
 * (validatePodSpecSecurityContext, ValidateSecurityContext, validateHostUsers,
 * the per-OS restrictions of spec.os, validateWindowsHostProcessPod), shared by
 * pods and every workload's template.
 */

const MAX_INT32 = 2147483647;
const ID_RANGE = inclusiveRangeError(0, MAX_INT32);

/** IsValidUserID/IsValidGroupID: both accept 0 to MaxInt32. */
function validateID(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'number') return [];
  return value < 0 || value > MAX_INT32 ? [invalid(path, value, ID_RANGE)] : [];
}

/** Every container of the pod with its path, in upstream's visiting order. */
export function containersWithPaths(spec: Obj, specPath: string): Array<{ c: Obj; path: string }> {
  const out: Array<{ c: Obj; path: string }> = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    objectsAt(spec, list).forEach((c, i) => out.push({ c, path: index(child(specPath, list), i) }));
  }
  return out;
}

/** path.IsAbs and a `..` element: what a node would refuse for a local profile path. */
export function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'));
  if (target.split('/').includes('..')) errs.push(invalid(path, target, "must not contain '..'"));
  return errs;
}

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

export function validateSeccompProfileField(profile: Obj | undefined, path: string): FieldError[] {
  if (!profile) return [];
  const errs: FieldError[] = [];
  const type = stringAt(profile, 'type');
  if (type === '') errs.push(required(child(path, 'type'), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, SECCOMP_TYPES));
  const localPath = child(path, 'localhostProfile');
  const local = profile.localhostProfile;
  if (type === 'Localhost') {
    if (typeof local !== 'string') errs.push(required(localPath, 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(local, localPath));
  } else if (local !== undefined && local !== null) {
    errs.push(invalid(localPath, profile, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

const APPARMOR_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const MAX_APPARMOR_LOCALHOST_PROFILE = 4095;

export function validateAppArmorProfileField(profile: Obj | undefined, path: string): FieldError[] {
  if (!profile) return [];
  const errs: FieldError[] = [];
  const type = stringAt(profile, 'type');
  const localPath = child(path, 'localhostProfile');
  const local = profile.localhostProfile;
  switch (type) {
    case 'Localhost':
      if (typeof local !== 'string') {
        errs.push(required(localPath, 'must be set when AppArmor type is Localhost'));
        break;
      }
      if (local.trim() !== local) errs.push(invalid(localPath, local, 'must not be padded with whitespace'));
      else if (local === '') errs.push(required(localPath, 'must be set when AppArmor type is Localhost'));
      if (Buffer.byteLength(local) > MAX_APPARMOR_LOCALHOST_PROFILE) {
        errs.push(tooLong(localPath, MAX_APPARMOR_LOCALHOST_PROFILE));
      }
      break;
    case 'RuntimeDefault':
    case 'Unconfined':
      if (local !== undefined && local !== null) {
        errs.push(invalid(localPath, local, 'can only be set when AppArmor type is Localhost'));
      }
      break;
    case '':
      errs.push(required(child(path, 'type'), 'type is required when appArmorProfile is set'));
      break;
    default:
      errs.push(notSupported(child(path, 'type'), type, APPARMOR_TYPES));
  }
  return errs;
}

const MAX_GMSA_SPEC_KIB = 64;
const MAX_RUN_AS_DOMAIN = 256;
const MAX_RUN_AS_USER = 104;
const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
const NETBIOS_DOMAIN = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
const DNS_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const DNS_DOMAIN = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
const BAD_USER_CHARS = /["/\\:;|=,+*?<>@[\]]/;
const ONLY_DOTS_SPACES = /^[. ]+$/;

function validateRunAsUserName(name: string, path: string): FieldError[] {
  const bad = (msg: string): FieldError => invalid(path, name, msg);
  if (name.length === 0) return [bad('runAsUserName cannot be an empty string')];
  if (CONTROL_CHARS.test(name)) return [bad('runAsUserName cannot contain control characters')];
  const parts = name.split('\\');
  if (parts.length > 2) return [bad('runAsUserName cannot contain more than one backslash')];
  const hasDomain = parts.length === 2;
  const domain = hasDomain ? parts[0] : '';
  const user = hasDomain ? parts[1] : parts[0];
  const errs: FieldError[] = [];
  if (domain.length >= MAX_RUN_AS_DOMAIN) {
    errs.push(bad(`runAsUserName's Domain length must be under ${MAX_RUN_AS_DOMAIN} characters`));
  }
  if (hasDomain && !(NETBIOS_DOMAIN.test(domain) || DNS_DOMAIN.test(domain))) {
    errs.push(bad("runAsUserName's Domain doesn't match the NetBios nor the DNS format"));
  }
  if (user.length === 0) errs.push(bad("runAsUserName's User cannot be empty"));
  else if (user.length > MAX_RUN_AS_USER) {
    errs.push(bad(`runAsUserName's User length must not be longer than ${MAX_RUN_AS_USER} characters`));
  }
  if (ONLY_DOTS_SPACES.test(user)) errs.push(bad("runAsUserName's User cannot contain only periods or spaces"));
  if (BAD_USER_CHARS.test(user)) {
    errs.push(bad('runAsUserName\'s User cannot contain the following characters: "/\\:;|=,+*?<>@[]'));
  }
  return errs;
}

function validateWindowsOptions(options: Obj | undefined, path: string): FieldError[] {
  if (!options) return [];
  const errs: FieldError[] = [];
  const specName = options.gmsaCredentialSpecName;
  if (typeof specName === 'string') {
    for (const msg of isDNS1123Subdomain(specName))
      errs.push(invalid(child(path, 'gmsaCredentialSpecName'), specName, msg));
  }
  const spec = options.gmsaCredentialSpec;
  if (typeof spec === 'string') {
    const p = child(path, 'gmsaCredentialSpec');
    if (spec.length === 0) errs.push(invalid(p, spec, 'gmsaCredentialSpec cannot be an empty string'));
    else if (Buffer.byteLength(spec) > MAX_GMSA_SPEC_KIB * 1024) {
      errs.push(invalid(p, spec, `gmsaCredentialSpec size must be under ${MAX_GMSA_SPEC_KIB} KiB`));
    }
  }
  const userName = options.runAsUserName;
  if (typeof userName === 'string') errs.push(...validateRunAsUserName(userName, child(path, 'runAsUserName')));
  return errs;
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_RE = new RegExp(`^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`);
const SYSCTL_MAX_LENGTH = 253;
const SYSCTL_NAME_ERROR = `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_RE.source}`;

/** A sysctl written with slashes (net/ipv4/ip_forward) names the same key as its dotted form. */
function normalizeSysctl(name: string): string {
  const firstSep = name.search(/[./]/);
  if (firstSep < 0 || name[firstSep] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/** Which of the host's namespaces a sysctl lives in (component-helpers' GetNamespace). */
function sysctlNamespace(name: string): 'net' | 'ipc' | '' {
  const n = normalizeSysctl(name);
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) {
    return 'ipc';
  }
  return n.startsWith('net.') ? 'net' : '';
}

function validateSysctls(sysctls: Obj[], spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  sysctls.forEach((s, i) => {
    const name = stringAt(s, 'name');
    const p = child(index(path, i), 'name');
    if (name === '') errs.push(required(p));
    else if (name.length > SYSCTL_MAX_LENGTH || !SYSCTL_RE.test(name)) errs.push(invalid(p, name, SYSCTL_NAME_ERROR));
    else if (seen.has(name)) errs.push(duplicate(p, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net') {
      errs.push(invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    } else if (spec.hostIPC === true && ns === 'ipc') {
      errs.push(invalid(p, name, "may not be specified when 'hostIPC' is true"));
    }
    seen.add(name);
  });
  return errs;
}

const FS_GROUP_CHANGE_POLICIES = ['Always', 'OnRootMismatch'];

/** validatePodSpecSecurityContext, with v1's spec-level host namespace flags. */
export function validatePodSecurityContext(spec: Obj, specPath: string): FieldError[] {
  const sc = objectAt(spec, 'securityContext');
  if (!sc) return [];
  const path = child(specPath, 'securityContext');
  const errs = [
    ...validateID(sc.fsGroup, child(path, 'fsGroup')),
    ...validateID(sc.runAsUser, child(path, 'runAsUser')),
    ...validateID(sc.runAsGroup, child(path, 'runAsGroup')),
  ];
  arrayAt(sc, 'supplementalGroups').forEach((gid, i) =>
    errs.push(...validateID(gid, index(child(path, 'supplementalGroups'), i))),
  );
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(
      invalid(child(path, 'shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'),
    );
  }
  const sysctls = objectsAt(sc, 'sysctls');
  if (sysctls.length > 0) errs.push(...validateSysctls(sysctls, spec, child(path, 'sysctls')));
  const fsGroupChangePolicy = sc.fsGroupChangePolicy;
  if (typeof fsGroupChangePolicy === 'string' && !FS_GROUP_CHANGE_POLICIES.includes(fsGroupChangePolicy)) {
    errs.push(notSupported(child(path, 'fsGroupChangePolicy'), fsGroupChangePolicy, FS_GROUP_CHANGE_POLICIES));
  }
  errs.push(...validateSeccompProfileField(objectAt(sc, 'seccompProfile'), child(path, 'seccompProfile')));
  errs.push(...validateWindowsOptions(objectAt(sc, 'windowsOptions'), child(path, 'windowsOptions')));
  errs.push(...validateAppArmorProfileField(objectAt(sc, 'appArmorProfile'), child(path, 'appArmorProfile')));
  return errs;
}

/** The default for hostUsers is true: only an explicit false asks for a user namespace. */
export function podUsesHostUsers(spec: Obj): boolean {
  return spec.hostUsers !== false;
}

const PROC_MOUNT_TYPES = ['Default', 'Unmasked'];

/** ValidateSecurityContext of one container. */
export function validateContainerSecurityContext(sc: Obj | undefined, path: string, hostUsers: boolean): FieldError[] {
  if (!sc) return [];
  const errs = [
    ...validateID(sc.runAsUser, child(path, 'runAsUser')),
    ...validateID(sc.runAsGroup, child(path, 'runAsGroup')),
  ];
  const procMount = sc.procMount;
  if (typeof procMount === 'string') {
    if (!PROC_MOUNT_TYPES.includes(procMount)) {
      errs.push(notSupported(child(path, 'procMount'), procMount, PROC_MOUNT_TYPES));
    }
    if (hostUsers && procMount === 'Unmasked') {
      errs.push(invalid(child(path, 'procMount'), procMount, '`hostUsers` must be false to use `Unmasked`'));
    }
  }
  errs.push(...validateSeccompProfileField(objectAt(sc, 'seccompProfile'), child(path, 'seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    for (const cap of arrayAt(objectAt(sc, 'capabilities'), 'add')) {
      if (cap === 'CAP_SYS_ADMIN') {
        errs.push(
          invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'),
        );
      }
    }
  }
  errs.push(...validateWindowsOptions(objectAt(sc, 'windowsOptions'), child(path, 'windowsOptions')));
  errs.push(...validateAppArmorProfileField(objectAt(sc, 'appArmorProfile'), child(path, 'appArmorProfile')));
  return errs;
}

/** validateHostUsers: a pod in its own user namespace may not share the host's others. */
export function validateHostUsers(spec: Obj, specPath: string): FieldError[] {
  if (podUsesHostUsers(spec)) return [];
  const msg = 'when `pod.Spec.HostUsers` is false';
  const errs: FieldError[] = [];
  // upstream's paths for PID and IPC are capitalised; kept so clients see the same fields
  if (spec.hostNetwork === true) errs.push(forbidden(child(specPath, 'hostNetwork'), msg));
  if (spec.hostPID === true) errs.push(forbidden(child(specPath, 'HostPID'), msg));
  if (spec.hostIPC === true) errs.push(forbidden(child(specPath, 'HostIPC'), msg));
  return errs;
}

const WINDOWS_FORBIDDEN_CONTAINER_SC = [
  'appArmorProfile',
  'seLinuxOptions',
  'seccompProfile',
  'capabilities',
  'readOnlyRootFilesystem',
  'privileged',
  'allowPrivilegeEscalation',
  'procMount',
  'runAsUser',
  'runAsGroup',
];
const WINDOWS_ONLY = 'cannot be set for a windows pod';

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Where each pod-level setting a Windows pod may not use is reported, in upstream's order. */
const WINDOWS_FORBIDDEN_POD_FIELDS: ReadonlyArray<readonly [string, 'sc' | 'spec', string]> = [
  ['appArmorProfile', 'sc', 'securityContext.appArmorProfile'],
  ['seLinuxOptions', 'sc', 'securityContext.seLinuxOptions'],
  ['hostUsers', 'spec', 'hostUsers'],
  ['hostPID', 'spec', 'hostPID'],
  ['hostIPC', 'spec', 'hostIPC'],
  ['seccompProfile', 'sc', 'securityContext.seccompProfile'],
  ['fsGroup', 'sc', 'securityContext.fsGroup'],
  ['fsGroupChangePolicy', 'sc', 'securityContext.fsGroupChangePolicy'],
  ['sysctls', 'sc', 'securityContext.sysctls'],
  ['shareProcessNamespace', 'spec', 'shareProcessNamespace'],
  ['runAsUser', 'sc', 'securityContext.runAsUser'],
  ['runAsGroup', 'sc', 'securityContext.runAsGroup'],
  ['supplementalGroups', 'sc', 'securityContext.supplementalGroups'],
  ['supplementalGroupsPolicy', 'sc', 'securityContext.supplementalGroupsPolicy'],
  ['seLinuxChangePolicy', 'sc', 'securityContext.seLinuxChangePolicy'],
];

function podFieldSet(owner: Obj, f: string): boolean {
  const v = owner[f];
  if (f === 'sysctls') return Array.isArray(v) && v.length > 0;
  if (f === 'hostPID' || f === 'hostIPC') return v === true;
  return isSet(v);
}

function validateWindowsPod(spec: Obj, specPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const sc = objectAt(spec, 'securityContext') ?? {};
  for (const [f, owner, at] of WINDOWS_FORBIDDEN_POD_FIELDS) {
    if (podFieldSet(owner === 'sc' ? sc : spec, f)) errs.push(forbidden(child(specPath, at), WINDOWS_ONLY));
  }
  for (const { c, path } of containersWithPaths(spec, specPath)) {
    const csc = objectAt(c, 'securityContext');
    if (!csc) continue;
    for (const f of WINDOWS_FORBIDDEN_CONTAINER_SC) {
      if (isSet(csc[f])) errs.push(forbidden(child(child(path, 'securityContext'), f), WINDOWS_ONLY));
    }
  }
  return errs;
}

function validateLinuxPod(spec: Obj, specPath: string): FieldError[] {
  const msg = 'windows options cannot be set for a linux pod';
  const errs: FieldError[] = [];
  if (isSet(objectAt(spec, 'securityContext')?.windowsOptions)) {
    errs.push(forbidden(child(child(specPath, 'securityContext'), 'windowsOptions'), msg));
  }
  for (const { c, path } of containersWithPaths(spec, specPath)) {
    if (isSet(objectAt(c, 'securityContext')?.windowsOptions)) {
      errs.push(forbidden(child(child(path, 'securityContext'), 'windowsOptions'), msg));
    }
  }
  return errs;
}

const OS_NAMES = ['linux', 'windows'];

/** validateOS, then the rules of the chosen OS. */
export function validatePodOS(spec: Obj, specPath: string): FieldError[] {
  const os = objectAt(spec, 'os');
  if (!os) return [];
  const path = child(specPath, 'os');
  const name = stringAt(os, 'name');
  if (name === '') return [required(child(path, 'name'), 'cannot be empty')];
  if (!OS_NAMES.includes(name)) return [notSupported(path, name, OS_NAMES)];
  return name === 'linux' ? validateLinuxPod(spec, specPath) : validateWindowsPod(spec, specPath);
}

function hostProcessOf(sc: unknown): boolean | undefined {
  const v = objectAt(sc, 'windowsOptions')?.hostProcess;
  return typeof v === 'boolean' ? v : undefined;
}

/**
 * validateWindowsHostProcessPod: one hostProcess value for the whole pod, on
 * the host network. Behaves as --allow-privileged=true (kapi has no such flag).
 */
export function validateWindowsHostProcessPod(spec: Obj, specPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const podHostProcess = hostProcessOf(objectAt(spec, 'securityContext'));
  let count = 0;
  let hostProcessCount = 0;
  for (const { c, path } of containersWithPaths(spec, specPath)) {
    count++;
    const mine = hostProcessOf(objectAt(c, 'securityContext'));
    if (podHostProcess !== undefined && mine !== undefined && podHostProcess !== mine) {
      errs.push(
        invalid(
          child(child(child(path, 'securityContext'), 'windowsOptions'), 'hostProcess'),
          mine,
          `pod hostProcess value must be identical if both are specified, was ${String(podHostProcess)}`,
        ),
      );
    }
    if (mine === true || (mine === undefined && podHostProcess === true)) hostProcessCount++;
  }
  if (hostProcessCount > 0) {
    if (hostProcessCount !== count) {
      errs.push(
        invalid(
          specPath,
          '',
          'If pod contains any hostProcess containers then all containers must be HostProcess containers',
        ),
      );
    }
    if (spec.hostNetwork !== true) {
      errs.push(
        invalid(
          child(specPath, 'hostNetwork'),
          false,
          'hostNetwork must be true if pod contains any hostProcess containers',
        ),
      );
    }
  }
  return errs;
}
