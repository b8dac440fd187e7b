import type { FieldError } from '../../api/errors';
import type { Node, NodeConfigSource, NodeSpec, Taint } from '../../generated/k8s.io.api.core.v1';
import {
  child,
  duplicate,
  forbidden,
  GoValue,
  goQuote,
  index,
  invalid,
  key,
  notSupported,
  required,
} from '../validation/field';
import { isConfigMapKey, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from '../validation/names';
import { validateNamespaceName } from '../validation/objectmeta';
import { validateResourceQuantityValue } from '../validation/resources';
import {
  deepClone,
  forStore,
  keepOldGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';
import { parseIPSloppy } from './net-validation';
import { STATUS_PATHS } from './spec-status';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

const PODCIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid';
const PROVIDER_ID_CHANGE = 'node updates may not change providerID except from "" to valid';

/**
 * v1 carries the pod CIDR twice (podCIDR, podCIDRs); the internal type keeps only
 * the list, so a round trip through upstream fills each from the other.
 */
function reconcilePodCIDRs(spec: NodeSpec): void {
  const list = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
  if (list.length === 0 && spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
  else if (list.length > 0) spec.podCIDR = list[0];
}

/** SetDefaults_NodeStatus: a node that reports capacity and no allocatable can allocate all of it. */
export function applyNodeDefaults(node: Node): void {
  if (node.spec) reconcilePodCIDRs(node.spec);
  const status = node.status;
  if (status && status.allocatable === undefined && status.capacity !== undefined) {
    status.allocatable = deepClone(status.capacity);
  }
}

/** Go's %#v of a []string. */
function goStrings(list: readonly string[]): GoValue {
  return new GoValue(`[]string{${list.map(goQuote).join(', ')}}`);
}

/** Go's %#v of a core.Taint, the value of upstream's duplicate-taint error. */
function goTaint(t: Taint): GoValue {
  const added = t.timeAdded ? `time.Date(${t.timeAdded})` : '(*v1.Time)(nil)';
  return new GoValue(
    `core.Taint{Key:${goQuote(t.key ?? '')}, Value:${goQuote(t.value ?? '')}, Effect:${goQuote(t.effect ?? '')}, TimeAdded:${added}}`,
  );
}

function isCIDR(value: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const ip = m ? parseIPSloppy(m[1]) : undefined;
  return !!m && !!ip && Number(m[2]) <= (ip.family === 4 ? 32 : 128);
}

function familyOf(cidr: string): number | undefined {
  return parseIPSloppy(cidr.split('/')[0])?.family;
}

/** validateNodeTaints: key a label name, value a label value, a known effect, unique by key and effect. */
export function validateNodeTaints(taints: readonly Taint[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const p = index(path, i);
    const k = t.key ?? '';
    for (const msg of isQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, msg));
    for (const msg of isValidLabelValue(t.value ?? '')) errs.push(invalid(child(p, 'value'), t.value ?? '', msg));
    const effect = t.effect ?? '';
    if (effect === '') errs.push(required(child(p, 'effect')));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
    const id = JSON.stringify([effect, k]);
    if (seen.has(id)) {
      const dup = duplicate(p, goTaint(t));
      errs.push({ ...dup, message: `${dup.message}: taints must be unique by key and effect pair` });
      return;
    }
    seen.add(id);
  });
  return errs;
}

function validatePodCIDRs(spec: NodeSpec): FieldError[] {
  const list = spec.podCIDRs ?? [];
  if (list.length === 0) return [];
  const path = 'spec.podCIDRs';
  const errs: FieldError[] = [];
  list.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalid(index(path, i), goStrings(list), 'must be valid CIDR'));
  });
  if (list.length > 1) {
    const families = list.map(familyOf);
    const dualStack =
      list.length === 2 && families[0] !== undefined && families[1] !== undefined && families[0] !== families[1];
    if (!dualStack) errs.push(invalid(path, goStrings(list), 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(index(path, i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** ValidateNodeResources: every capacity and allocatable quantity is a valid amount of its resource. */
function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['capacity', 'allocatable'] as const) {
    const list = node.status?.[field] ?? {};
    for (const [name, q] of Object.entries(list)) {
      errs.push(...validateResourceQuantityValue(name, q, key(`status.${field}`, name)));
    }
  }
  return errs;
}

function validateConfigSource(source: NodeConfigSource, path: string): FieldError[] {
  const cm = source.configMap;
  if (!cm)
    return [
      invalid(
        path,
        new GoValue('core.NodeConfigSource{ConfigMap:(*core.ConfigMapNodeConfigSource)(nil)}'),
        'exactly one reference subfield must be non-nil',
      ),
    ];
  const p = child(path, 'configMap');
  const errs: FieldError[] = [];
  if (cm.uid) errs.push(forbidden(child(p, 'uid'), 'uid must not be set in spec'));
  if (cm.resourceVersion) errs.push(forbidden(child(p, 'resourceVersion'), 'resourceVersion must not be set in spec'));
  if (!cm.namespace) errs.push(required(child(p, 'namespace'), 'namespace must be set'));
  else
    for (const msg of validateNamespaceName(cm.namespace, false))
      errs.push(invalid(child(p, 'namespace'), cm.namespace, msg));
  if (!cm.name) errs.push(required(child(p, 'name'), 'name must be set'));
  else for (const msg of nameIsDNSSubdomain(cm.name, false)) errs.push(invalid(child(p, 'name'), cm.name, msg));
  if (!cm.kubeletConfigKey) errs.push(required(child(p, 'kubeletConfigKey'), 'kubeletConfigKey must be set'));
  else
    for (const msg of isConfigMapKey(cm.kubeletConfigKey))
      errs.push(invalid(child(p, 'kubeletConfigKey'), cm.kubeletConfigKey, msg));
  return errs;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

/** ValidateNode. Upstream reports taint errors under metadata.taints, and so does kapi. */
export function validateNode(node: Node): FieldError[] {
  const spec = node.spec ?? {};
  return [
    ...validateMetaCreate(node, metaRules),
    ...(spec.taints?.length ? validateNodeTaints(spec.taints, 'metadata.taints') : []),
    ...validateNodeResources(node),
    ...validatePodCIDRs(spec),
  ];
}

/** ValidateNodeUpdate: podCIDRs and providerID are set once, externalID never changes. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const spec = node.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs = [...validateMetaUpdate(node, old), ...validateNodeResources(node)];
  const seen = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const id = JSON.stringify([a.type ?? '', a.address ?? '']);
    if (seen.has(id)) {
      const value = new GoValue(`core.NodeAddress{Type:${goQuote(a.type ?? '')}, Address:${goQuote(a.address ?? '')}}`);
      errs.push(duplicate(index('status.addresses', i), value));
    }
    seen.add(id);
  });
  const oldCIDRs = oldSpec.podCIDRs ?? [];
  if (oldCIDRs.length > 0) {
    const cidrs = spec.podCIDRs ?? [];
    if (cidrs.length !== oldCIDRs.length) errs.push(forbidden('spec.podCIDRs', PODCIDR_CHANGE));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden('spec.podCIDRs', PODCIDR_CHANGE)));
  }
  if (oldSpec.providerID && oldSpec.providerID !== (spec.providerID ?? '')) {
    errs.push(forbidden('spec.providerID', PROVIDER_ID_CHANGE));
  }
  if (spec.configSource) errs.push(...validateConfigSource(spec.configSource, 'spec.configSource'));
  if (spec.taints?.length) errs.push(...validateNodeTaints(spec.taints, 'metadata.taints'));
  if ((spec.externalID ?? '') !== (oldSpec.externalID ?? ''))
    errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

/**
 * Fields of features that are off in 1.32 or retired: the dynamic kubelet config
 * source (kept only where a stored node already has one) and status.features
 * (SupplementalGroupsPolicy, alpha).
 */
function dropDisabledFields(node: Node, old: Node | undefined): void {
  if (!old) {
    if (node.spec) delete node.spec.configSource;
    if (node.status) delete node.status.config;
  } else if (!old.spec?.configSource && node.spec) {
    delete node.spec.configSource;
  }
  if (node.status && !old?.status?.features) delete node.status.features;
}

export const nodeStrategy: KindStrategy = forStore<Node>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  // the kubelet registers its node with status in one create, so create keeps status
  statusPaths: STATUS_PATHS,
  applyDefaults: applyNodeDefaults,

  prepareForCreate(obj) {
    dropDisabledFields(obj, undefined);
  },

  prepareForUpdate(obj, old) {
    if (old.status === undefined) delete obj.status;
    else obj.status = deepClone(old.status);
    keepOldGeneration(obj, old);
    dropDisabledFields(obj, old);
  },

  validate: validateNode,
  validateUpdate: validateNodeUpdate,

  selectableFields(obj) {
    return { 'spec.unschedulable': String(obj.spec?.unschedulable ?? false) };
  },
});
