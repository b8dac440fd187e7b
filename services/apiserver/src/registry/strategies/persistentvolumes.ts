import type { FieldError } from '../../api/errors';
import { timeNow } from '../../api/time';
import type { PersistentVolume, PersistentVolumeSpec } from '../../generated/k8s.io.api.core.v1';
import { child, forbidden, GoValue, invalid, key, notSupported, required } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual, validateImmutableField } from '../validation/objectmeta';
import { validatePositiveQuantity, validateResourceQuantityValue } from '../validation/resources';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { keepOldStatus, STATUS_PATHS } from './spec-status';
import { validateAccessModes, validateVolumeMode } from './volume-modes';

export const PV_RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

/** The PersistentVolumeSource members: a PV has exactly one, in upstream's checking order. */
export const PV_SOURCES = [
  'hostPath',
  'glusterfs',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
  'gcePersistentDisk',
  'awsElasticBlockStore',
] as const;

type SpecRecord = Record<string, unknown>;

/** SetDefaults_PersistentVolume and the defaults of the volume sources that have them. */
export function applyPersistentVolumeDefaults(pv: PersistentVolume): void {
  const spec = (pv.spec ??= {});
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  if (spec.hostPath) spec.hostPath.type ??= '';
  if (spec.iscsi) spec.iscsi.iscsiInterface ||= 'default';
  if (spec.rbd) {
    spec.rbd.pool ||= 'rbd';
    spec.rbd.user ||= 'admin';
    spec.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (spec.azureDisk) {
    spec.azureDisk.cachingMode ??= 'ReadWrite';
    spec.azureDisk.fsType ??= 'ext4';
    spec.azureDisk.readOnly ??= false;
    spec.azureDisk.kind ??= 'Shared';
  }
}

function presentSources(spec: PersistentVolumeSpec): string[] {
  const record = spec as SpecRecord;
  return PV_SOURCES.filter((s) => record[s] !== undefined && record[s] !== null);
}

function validateSourceFields(spec: PersistentVolumeSpec, source: string): FieldError[] {
  const path = `spec.${source}`;
  switch (source) {
    case 'hostPath': {
      const errs: FieldError[] = [];
      const p = spec.hostPath?.path ?? '';
      if (p === '') errs.push(required(child(path, 'path')));
      else if (p.split('/').includes('..')) errs.push(invalid(child(path, 'path'), p, "must not contain '..'"));
      const type = spec.hostPath?.type ?? '';
      if (!HOST_PATH_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, HOST_PATH_TYPES));
      return errs;
    }
    case 'local': {
      const errs: FieldError[] = [];
      if (!spec.local?.path) errs.push(required(child(path, 'path')));
      if (!spec.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
      return errs;
    }
    case 'nfs': {
      const errs: FieldError[] = [];
      if (!spec.nfs?.server) errs.push(required(child(path, 'server')));
      const p = spec.nfs?.path ?? '';
      if (p === '') errs.push(required(child(path, 'path')));
      else if (!p.startsWith('/')) errs.push(invalid(child(path, 'path'), p, 'must be an absolute path'));
      return errs;
    }
    case 'csi': {
      const errs: FieldError[] = [];
      if (!spec.csi?.driver) errs.push(required(child(path, 'driver')));
      if (!spec.csi?.volumeHandle) errs.push(required(child(path, 'volumeHandle')));
      return errs;
    }
    default:
      return [];
  }
}

function validateCapacity(spec: PersistentVolumeSpec): FieldError[] {
  const capacity = spec.capacity ?? {};
  const names = Object.keys(capacity);
  const errs: FieldError[] = [];
  if (names.length === 0) errs.push(required('spec.capacity'));
  if (!names.includes('storage') || names.length > 1) {
    const shown = names.map((n) => `"${n}":${capacity[n]}`).join(', ');
    errs.push(notSupported('spec.capacity', new GoValue(`core.ResourceList{${shown}}`), ['storage']));
  }
  for (const name of names) {
    const p = key('spec.capacity', name);
    errs.push(
      ...validateResourceQuantityValue(name, capacity[name], p),
      ...validatePositiveQuantity(capacity[name], p),
    );
  }
  return errs;
}

export function validatePersistentVolumeSpec(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec ?? {};
  const errs = [...validateAccessModes(spec.accessModes, 'spec.accessModes'), ...validateCapacity(spec)];
  const className = spec.storageClassName ?? '';
  if (className) {
    for (const msg of nameIsDNSSubdomain(className, false)) errs.push(invalid('spec.storageClassName', className, msg));
  }
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  const reclaim = spec.persistentVolumeReclaimPolicy ?? '';
  if (reclaim && !PV_RECLAIM_POLICIES.includes(reclaim)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', reclaim, PV_RECLAIM_POLICIES));
  }
  const sources = presentSources(spec);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  sources.forEach((source, i) => {
    if (i > 0) errs.push(forbidden(`spec.${source}`, 'may not specify more than 1 volume type'));
    else errs.push(...validateSourceFields(spec, source));
  });
  if (reclaim === 'Recycle' && spec.hostPath && /^\/+$/.test(spec.hostPath.path ?? '')) {
    errs.push(
      forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath volume with path '/'"),
    );
  }
  return errs;
}

function sourcesOf(spec: PersistentVolumeSpec | undefined): SpecRecord {
  const record = (spec ?? {}) as SpecRecord;
  const out: SpecRecord = {};
  for (const s of PV_SOURCES) if (record[s] !== undefined) out[s] = record[s];
  return out;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const persistentVolumeStrategy: KindStrategy = forStore<PersistentVolume>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: STATUS_PATHS,
  applyDefaults: applyPersistentVolumeDefaults,

  prepareForCreate(obj) {
    // a new volume waits for the binder; the phase timestamp is on by default since 1.31
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: timeNow() };
  },

  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    keepOldGeneration(obj, old);
  },

  prepareForStatusUpdate(obj, old) {
    // A phase change without a client-set transition time gets the server's time.
    const status = obj.status ?? {};
    const phase = status.phase ?? '';
    const oldPhase = old.status?.phase ?? '';
    const given = status.lastPhaseTransitionTime;
    const oldTime = old.status?.lastPhaseTransitionTime;
    if (phase === oldPhase && !given) {
      if (oldTime) obj.status = { ...status, lastPhaseTransitionTime: oldTime };
    } else if (phase !== oldPhase && (!given || given === oldTime)) {
      obj.status = { ...status, lastPhaseTransitionTime: timeNow() };
    }
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validatePersistentVolumeSpec(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old), ...validatePersistentVolumeSpec(obj)];
    // pods and the attach controller already use the volume's source
    if (!semanticEqual(sourcesOf(obj.spec), sourcesOf(old.spec))) {
      errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
    }
    errs.push(...validateImmutableField(obj.spec?.volumeMode, old.spec?.volumeMode, 'volumeMode'));
    if (old.spec?.nodeAffinity) {
      errs.push(...validateImmutableField(obj.spec?.nodeAffinity, old.spec.nodeAffinity, 'nodeAffinity'));
    }
    return errs;
  },
});
