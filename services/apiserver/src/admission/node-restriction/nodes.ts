import { semanticEqual } from '../../registry/validation/objectmeta';
import { admissionForbidden, type AdmissionAttributes } from '../interface';
import { forbiddenNodeLabels, modifiedLabels } from './node-labels';
import { asObject, q } from './values';

/**
 * nodes (and their subresources): a node writes only its own Node, never with a
 * configSource (its authorizer scope follows the Node's spec), never changing its
 * taints or owner references, and never claiming labels that steer workloads.
 */
export function admitNode(nodeName: string, a: AdmissionAttributes): void {
  const who = q(nodeName);
  if (a.name !== nodeName) throw admissionForbidden(a, `node ${who} is not allowed to modify node ${q(a.name)}`);
  if (a.operation === 'CREATE') {
    const node = a.object;
    if (!node) throw admissionForbidden(a, 'unexpected type <nil>');
    if (asObject(node.spec)?.configSource != null) {
      throw admissionForbidden(a, `node ${who} is not allowed to create pods with a non-nil configSource`);
    }
    const forbidden = forbiddenNodeLabels(modifiedLabels(node.metadata?.labels, undefined));
    if (forbidden.length > 0) {
      throw admissionForbidden(a, `node ${who} is not allowed to set the following labels: ${forbidden.join(', ')}`);
    }
    return;
  }
  if (a.operation !== 'UPDATE') return;
  const node = a.object;
  const old = a.oldObject;
  if (!node || !old) throw admissionForbidden(a, 'unexpected type <nil>');
  const spec = asObject(node.spec);
  const oldSpec = asObject(old.spec);
  // an old kubelet may drop the field on a status write, so only a non-nil change counts
  if (spec?.configSource != null && !semanticEqual(spec.configSource, oldSpec?.configSource)) {
    throw admissionForbidden(a, `node ${who} is not allowed to update configSource to a new non-nil configSource`);
  }
  if (!semanticEqual(spec?.taints, oldSpec?.taints)) {
    throw admissionForbidden(a, `node ${who} is not allowed to modify taints`);
  }
  // an owner reference to something that goes away would have the garbage collector delete the Node
  if (!semanticEqual(node.metadata?.ownerReferences, old.metadata?.ownerReferences)) {
    throw admissionForbidden(a, `node ${who} is not allowed to modify ownerReferences`);
  }
  const forbidden = forbiddenNodeLabels(modifiedLabels(node.metadata?.labels, old.metadata?.labels));
  if (forbidden.length > 0) {
    // upstream's message starts without the node's name
    throw admissionForbidden(a, `is not allowed to modify labels: ${forbidden.join(', ')}`);
  }
}
