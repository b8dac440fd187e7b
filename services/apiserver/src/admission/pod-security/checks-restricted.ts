import { ALLOWED, forbidden, isWindowsPod, setters, type Check, type CheckFn } from './check';
import { validSeccompType } from './checks-baseline';
import { allContainers, joinQuote, pluralize, sortedUnique } from './pod-shape';

/** The Restricted level of the Pod Security Standards (on top of Baseline), with its version windows. */

/** From 1.25 a pod that declares spec.os.name=windows skips the Linux-only restricted checks: pod validation refuses those fields for Windows pods anyway. */
function linuxOnly(check: CheckFn): CheckFn {
  return (meta, spec) => (isWindowsPod(spec) ? ALLOWED : check(meta, spec));
}

const allowPrivilegeEscalation: CheckFn = (_meta, spec) => {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
    .map((c) => c.name);
  if (bad.length === 0) return ALLOWED;
  return forbidden(
    'allowPrivilegeEscalation != false',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  );
};

const capabilitiesRestricted: CheckFn = (_meta, spec) => {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of allContainers(spec)) {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDropAll.push(c.name);
      continue;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const extra = (capabilities.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
    if (extra.length > 0) {
      adding.push(c.name);
      extra.forEach((x) => caps.add(x));
    }
  }
  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(
      `${pluralize('container', 'containers', missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  }
  if (adding.length > 0) {
    details.push(
      `${pluralize('container', 'containers', adding.length)} ${joinQuote(adding)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`,
    );
  }
  return details.length === 0 ? ALLOWED : forbidden('unrestricted capabilities', details.join('; '));
};

/** The inline volume sources restricted allows; any other source is refused, named by its field. */
const ALLOWED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

const restrictedVolumes: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes) {
    if ([...ALLOWED_VOLUME_SOURCES].some((s) => present(v[s]))) continue;
    bad.push(typeof v.name === 'string' ? v.name : '');
    types.add(RESTRICTED_VOLUME_SOURCES.find((s) => present(v[s])) ?? 'unknown');
  }
  if (bad.length === 0) return ALLOWED;
  const list = sortedUnique(types);
  return forbidden(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
  );
};

const runAsNonRoot: CheckFn = (_meta, spec) => {
  const podValue = spec.securityContext?.runAsNonRoot;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of allContainers(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v !== undefined) {
      if (!v) explicitlyBad.push(c.name);
    } else if (podValue !== true) {
      implicitlyBad.push(c.name);
    }
  }
  const who = setters(podValue === false, explicitlyBad);
  if (who.length > 0) {
    return forbidden('runAsNonRoot != true', `${who.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  }
  if (implicitlyBad.length > 0) {
    return forbidden(
      'runAsNonRoot != true',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.runAsNonRoot=true`,
    );
  }
  return ALLOWED;
};

const runAsUser: CheckFn = (_meta, spec) => {
  const bad = allContainers(spec)
    .filter((c) => c.securityContext?.runAsUser === 0)
    .map((c) => c.name);
  const who = setters(spec.securityContext?.runAsUser === 0, bad);
  return who.length === 0 ? ALLOWED : forbidden('runAsUser=0', `${who.join(' and ')} must not set runAsUser=0`);
};

const seccompRestricted: CheckFn = (_meta, spec) => {
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.seccompProfile;
  const podBad = podProfile !== undefined && !validSeccompType(podProfile.type);
  const podSet = podProfile !== undefined && !podBad;
  if (podBad) badValues.add(podProfile?.type ?? '');
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of allContainers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccompType(p.type)) {
        explicitlyBad.push(c.name);
        badValues.add(p.type ?? '');
      }
    } else if (!podSet) {
      implicitlyBad.push(c.name);
    }
  }
  const who = setters(podBad, explicitlyBad);
  if (who.length > 0) {
    return forbidden(
      'seccompProfile',
      `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
    );
  }
  if (implicitlyBad.length > 0) {
    return forbidden(
      'seccompProfile',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  }
  return ALLOWED;
};

export const RESTRICTED_CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimumMinor: 8, check: allowPrivilegeEscalation },
      { minimumMinor: 25, check: linuxOnly(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { minimumMinor: 22, check: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { minimumMinor: 25, check: linuxOnly(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [{ minimumMinor: 0, check: restrictedVolumes, overrides: ['hostPathVolumes'] }],
  },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumMinor: 0, check: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ minimumMinor: 23, check: runAsUser }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { minimumMinor: 19, check: seccompRestricted, overrides: ['seccompProfile_baseline'] },
      { minimumMinor: 25, check: linuxOnly(seccompRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
];
