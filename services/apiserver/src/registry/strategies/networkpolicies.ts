import type { FieldError } from '../../api/errors';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../generated/k8s.io.api.networking.v1';
import { child, forbidden, index, invalid, notSupported, required } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isValidPortName, isValidPortNum, nameIsDNSSubdomain } from '../validation/names';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { SUPPORTED_PORT_PROTOCOLS } from './net-validation';

const POLICY_TYPES = ['Egress', 'Ingress'];

/** SetDefaults_NetworkPolicy: ports speak TCP; Ingress is always a policy type, Egress when egress rules exist. */
export function applyNetworkPolicyDefaults(np: NetworkPolicy): void {
  const spec = (np.spec ??= {});
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
    for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
  }
  if (!spec.policyTypes || spec.policyTypes.length === 0) {
    spec.policyTypes = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function validatePort(port: NetworkPolicyPort, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const protocol = port.protocol;
  if (protocol !== undefined && !SUPPORTED_PORT_PROTOCOLS.includes(protocol as 'TCP')) {
    errs.push(notSupported(child(path, 'protocol'), protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  const p = port.port;
  if (typeof p === 'number') {
    for (const msg of isValidPortNum(p)) errs.push(invalid(child(path, 'port'), p, msg));
    if (port.endPort !== undefined && port.endPort < p) {
      errs.push(invalid(child(path, 'endPort'), port.endPort, 'must be greater than or equal to `port`'));
    }
  } else if (typeof p === 'string') {
    for (const msg of isValidPortName(p)) errs.push(invalid(child(path, 'port'), p, msg));
    if (port.endPort !== undefined)
      errs.push(invalid(child(path, 'endPort'), port.endPort, 'may not be specified when `port` is non-numeric'));
  } else if (port.endPort !== undefined) {
    errs.push(invalid(child(path, 'endPort'), port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  if (peer.podSelector) {
    count++;
    errs.push(...validateLabelSelector(asLabelSelector(peer.podSelector), child(path, 'podSelector')));
  }
  if (peer.namespaceSelector) {
    count++;
    errs.push(...validateLabelSelector(asLabelSelector(peer.namespaceSelector), child(path, 'namespaceSelector')));
  }
  if (peer.ipBlock) {
    count++;
    if (!peer.ipBlock.cidr) errs.push(required(`${path}.ipBlock.cidr`));
  }
  if (count === 0) errs.push(required(path, 'must specify a peer'));
  else if (peer.ipBlock && count > 1) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicySpec(np: NetworkPolicy): FieldError[] {
  const spec = np.spec ?? {};
  const errs = validateLabelSelector(asLabelSelector(spec.podSelector), 'spec.podSelector');
  (spec.ingress ?? []).forEach((rule, i) => {
    const path = index('spec.ingress', i);
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, index(child(path, 'ports'), j))));
    (rule.from ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, index(child(path, 'from'), j))));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    const path = index('spec.egress', i);
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, index(child(path, 'ports'), j))));
    (rule.to ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, index(child(path, 'to'), j))));
  });
  const types = spec.policyTypes ?? [];
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(index('spec.policyTypes', i), t, POLICY_TYPES));
  });
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const networkPolicyStrategy: KindStrategy = forStore<NetworkPolicy>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  applyDefaults: applyNetworkPolicyDefaults,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateNetworkPolicySpec(obj)];
  },
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateNetworkPolicySpec(obj)];
  },
});
