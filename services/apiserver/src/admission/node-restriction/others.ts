import type { KubeObject } from '../../api/object';
import { NODE_LEASE_NAMESPACE } from '../../authz/node';
import { deepClone } from '../../registry/strategies/common';
import { semanticEqual } from '../../registry/validation/objectmeta';
import { admissionForbidden, type AdmissionAttributes } from '../interface';
import { isNotFound, type NodeRestrictionReads } from './reads';
import { asObject, q, str } from './values';

type Json = Record<string, unknown>;

/** What a node may change in a claim's status: the capacity, the conditions and the expansion-recovery fields. */
function withoutNodeWritableFields(pvc: KubeObject): Json {
  const c = deepClone(pvc) as Json;
  const m = asObject(c.metadata);
  if (m) {
    // an unconditional update leaves resourceVersion empty; managedFields are not judged
    delete m.resourceVersion;
    delete m.managedFields;
  }
  const s = asObject(c.status);
  if (s) {
    delete s.capacity;
    delete s.conditions;
    // RecoverVolumeExpansionFailure is on in 1.32
    delete s.allocatedResourceStatuses;
    delete s.allocatedResources;
  }
  return c;
}

/** The paths where two JSON values differ, for the refusal's detail (upstream prints a Go struct diff). */
function differingPaths(a: unknown, b: unknown, at: string, out: string[]): void {
  if (semanticEqual(a, b)) return;
  const x = asObject(a);
  const y = asObject(b);
  if (!x || !y) {
    out.push(at || '.');
    return;
  }
  for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    differingPaths(x[k], y[k], at ? `${at}.${k}` : k, out);
  }
}

/** persistentvolumeclaims/status: the node reports capacity and conditions and may touch nothing else. */
export function admitPVCStatus(nodeName: string, a: AdmissionAttributes): void {
  if (a.operation !== 'UPDATE') throw admissionForbidden(a, `unexpected operation ${q(a.operation)}`);
  const old = a.oldObject;
  const next = a.object;
  if (!old || !next) throw admissionForbidden(a, 'unexpected type <nil>');
  const o = withoutNodeWritableFields(old);
  const n = withoutNodeWritableFields(next);
  if (semanticEqual(o, n)) return;
  const paths: string[] = [];
  differingPaths(o, n, '', paths);
  throw admissionForbidden(
    a,
    `node ${q(nodeName)} is not allowed to update fields other than status.quantity and status.conditions: ${paths.join(', ')}`,
  );
}

/**
 * serviceaccounts/token: a node asks only for tokens bound to a pod that is
 * scheduled on it (the API server then binds the token to the node too).
 */
export async function admitServiceAccountToken(
  nodeName: string,
  a: AdmissionAttributes,
  reads: NodeRestrictionReads,
): Promise<void> {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  const tr = a.object;
  if (!tr) throw admissionForbidden(a, 'unexpected type <nil>');
  const ref = asObject(asObject(tr.spec)?.boundObjectRef);
  if (!ref || str(ref.apiVersion) !== 'v1' || str(ref.kind) !== 'Pod' || str(ref.name) === '') {
    throw admissionForbidden(a, 'node requested token not bound to a pod');
  }
  const uid = str(ref.uid);
  if (uid === '') throw admissionForbidden(a, 'node requested token with a pod binding without a uid');
  let pod: KubeObject;
  try {
    pod = await reads.pod(a.namespace, str(ref.name));
  } catch (e) {
    if (isNotFound(e)) throw e;
    throw admissionForbidden(a, (e as Error).message);
  }
  if (uid !== (pod.metadata?.uid ?? '')) {
    throw admissionForbidden(
      a,
      `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  if (str(asObject(pod.spec)?.nodeName) !== nodeName) {
    throw admissionForbidden(a, 'node requested token bound to a pod scheduled on a different node');
  }
}

/** The name a request acts on: a create's comes from its object. */
function targetName(a: AdmissionAttributes): string {
  return a.operation === 'CREATE' ? (a.object?.metadata?.name ?? '') : a.name;
}

/** leases.coordination.k8s.io: only the node's own heartbeat Lease in kube-node-lease. */
export function admitLease(nodeName: string, a: AdmissionAttributes): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE) {
    throw admissionForbidden(a, `can only access leases in the ${q(NODE_LEASE_NAMESPACE)} system namespace`);
  }
  if (targetName(a) !== nodeName) {
    throw admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
  }
}

/** csinodes.storage.k8s.io: only the CSINode named after the node. */
export function admitCSINode(nodeName: string, a: AdmissionAttributes): void {
  if (targetName(a) !== nodeName) {
    throw admissionForbidden(a, 'can only access CSINode with the same name as the requesting node');
  }
}
