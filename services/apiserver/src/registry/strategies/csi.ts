import type { FieldError } from '../../api/errors';
import type { CSIDriver, CSINode, CSIStorageCapacity } from '../../generated/k8s.io.api.storage.v1';
import { child, duplicate, index, invalid, notSupported, required, validateNonnegative } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import { validateImmutableField } from '../validation/objectmeta';
import { validateNonnegativeQuantity } from '../validation/resources';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { validateCSIDriverName } from './csi-names';

export const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
export const VOLUME_LIFECYCLE_MODES = ['Ephemeral', 'Persistent'];
const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
const CSI_NODE_ID_MAX_LENGTH = 192;

const clusterMeta = { namespaced: false, nameValidator: nameIsDNSSubdomain };

/** SetDefaults_CSIDriver; seLinuxMount because SELinuxMountReadWriteOncePod is on by default in 1.32. */
export function applyCSIDriverDefaults(obj: CSIDriver): void {
  const spec = (obj.spec ??= {});
  spec.attachRequired ??= true;
  spec.podInfoOnMount ??= false;
  spec.storageCapacity ??= false;
  spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
  if (!spec.volumeLifecycleModes || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  spec.requiresRepublish ??= false;
  spec.seLinuxMount ??= false;
}

function requireSet(value: unknown, path: string): FieldError[] {
  return value === undefined || value === null ? [required(path)] : [];
}

function validateTokenRequests(driver: CSIDriver): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (driver.spec?.tokenRequests ?? []).forEach((tr, i) => {
    const path = index('spec.tokenRequests', i);
    const audience = tr.audience ?? '';
    if (seen.has(audience)) {
      errs.push(duplicate(child(path, 'audience'), audience));
      return;
    }
    seen.add(audience);
    const seconds = tr.expirationSeconds;
    if (seconds === undefined) return;
    if (seconds < MIN_TOKEN_EXPIRATION_SECONDS) {
      errs.push(invalid(child(path, 'expirationSeconds'), seconds, 'may not specify a duration less than 10 minutes'));
    }
    if (seconds > MAX_TOKEN_EXPIRATION_SECONDS) {
      errs.push(
        invalid(child(path, 'expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'),
      );
    }
  });
  return errs;
}

export function validateCSIDriverSpec(driver: CSIDriver): FieldError[] {
  const spec = driver.spec ?? {};
  // upstream's path really is attachedRequired
  const errs = [
    ...requireSet(spec.attachRequired, 'spec.attachedRequired'),
    ...requireSet(spec.podInfoOnMount, 'spec.podInfoOnMount'),
    ...requireSet(spec.storageCapacity, 'spec.storageCapacity'),
    ...requireSet(spec.requiresRepublish, 'spec.requiresRepublish'),
  ];
  if (spec.fsGroupPolicy !== undefined && !FS_GROUP_POLICIES.includes(spec.fsGroupPolicy)) {
    errs.push(notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, FS_GROUP_POLICIES));
  }
  for (const mode of spec.volumeLifecycleModes ?? []) {
    if (!VOLUME_LIFECYCLE_MODES.includes(mode)) {
      errs.push(notSupported('spec.volumeLifecycleModes', mode, VOLUME_LIFECYCLE_MODES));
    }
  }
  errs.push(...validateTokenRequests(driver));
  return errs;
}

export const csiDriverStrategy: KindStrategy = forStore<CSIDriver>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  applyDefaults: applyCSIDriverDefaults,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [
      ...validateMetaCreate(obj, clusterMeta),
      ...validateCSIDriverName(obj.metadata?.name ?? '', 'name'),
      ...validateCSIDriverSpec(obj),
    ];
  },
  validateUpdate(obj, old) {
    const spec = obj.spec ?? {};
    const oldSpec = old.spec ?? {};
    // kubelet and the attach controller act on these once; changing them would strand volumes
    return [
      ...validateMetaUpdate(obj, old),
      ...validateCSIDriverSpec(obj),
      ...validateImmutableField(spec.attachRequired, oldSpec.attachRequired, 'spec.attachedRequired'),
      ...validateImmutableField(spec.fsGroupPolicy, oldSpec.fsGroupPolicy, 'spec.fsGroupPolicy'),
      ...validateImmutableField(spec.volumeLifecycleModes, oldSpec.volumeLifecycleModes, 'spec.volumeLifecycleModes'),
    ];
  },
});

function validateCSINodeDrivers(node: CSINode): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (node.spec?.drivers ?? []).forEach((driver, i) => {
    const path = index('spec.drivers', i);
    const name = driver.name ?? '';
    const nodeID = driver.nodeID ?? '';
    errs.push(...validateCSIDriverName(name, child(path, 'name')));
    if (nodeID === '') errs.push(required(child(path, 'nodeID')));
    else if (nodeID.length > CSI_NODE_ID_MAX_LENGTH) {
      errs.push(invalid(child(path, 'nodeID'), nodeID, `must be ${CSI_NODE_ID_MAX_LENGTH} characters or less`));
    }
    const count = driver.allocatable?.count;
    errs.push(...validateNonnegative(count, child(child(path, 'allocatable'), 'count')));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    names.add(name);
    const keys = new Set<string>();
    for (const k of driver.topologyKeys ?? []) {
      if (k === '') errs.push(required(path));
      if (keys.has(k)) errs.push(duplicate(path, k));
      keys.add(k);
      for (const msg of isQualifiedName(k)) errs.push(invalid(path, driver.topologyKeys ?? [], msg));
    }
  });
  return errs;
}

export const csiNodeStrategy: KindStrategy = forStore<CSINode>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, clusterMeta), ...validateCSINodeDrivers(obj)];
  },
  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old), ...validateCSINodeDrivers(obj)];
    // a driver may come and go, but a registered one keeps its node ID and topology
    const oldDrivers = new Map((old.spec?.drivers ?? []).map((d) => [d.name ?? '', d]));
    (obj.spec?.drivers ?? []).forEach((driver, i) => {
      const before = oldDrivers.get(driver.name ?? '');
      if (!before) return;
      const path = index('spec.drivers', i);
      errs.push(...validateImmutableField(driver.nodeID, before.nodeID, child(path, 'nodeID')));
      errs.push(...validateImmutableField(driver.topologyKeys, before.topologyKeys, child(path, 'topologyKeys')));
    });
    return errs;
  },
});

function validateCapacityFields(capacity: CSIStorageCapacity): FieldError[] {
  const errs = validateLabelSelector(asLabelSelector(capacity.nodeTopology), 'nodeTopology');
  const className = capacity.storageClassName ?? '';
  for (const msg of nameIsDNSSubdomain(className, false)) errs.push(invalid('storageClassName', className, msg));
  if (capacity.capacity !== undefined) errs.push(...validateNonnegativeQuantity(capacity.capacity, 'capacity'));
  if (capacity.maximumVolumeSize !== undefined) {
    errs.push(...validateNonnegativeQuantity(capacity.maximumVolumeSize, 'maximumVolumeSize'));
  }
  return errs;
}

export const csiStorageCapacityStrategy: KindStrategy = forStore<CSIStorageCapacity>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [
      ...validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
      ...validateCapacityFields(obj),
    ];
  },
  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validateCapacityFields(obj),
      ...validateImmutableField(obj.nodeTopology, old.nodeTopology, 'nodeTopology'),
      ...validateImmutableField(obj.storageClassName, old.storageClassName, 'storageClassName'),
    ];
  },
});
