import type { KubeObject } from '../../api/object';
import { podReferences } from '../../authz/node-graph';
import { admissionForbidden, type AdmissionAttributes } from '../interface';
import { isNotFound, type NodeRestrictionReads } from './reads';
import { asObject, objects, q, str } from './values';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

type Json = Record<string, unknown>;

const nodeNameOf = (pod: KubeObject | undefined): string => str(asObject(pod?.spec)?.nodeName);

/** The stored pod a delete or an eviction names; a lookup error other than NotFound is a refusal. */
async function existingPod(a: AdmissionAttributes, reads: NodeRestrictionReads, name: string): Promise<KubeObject> {
  try {
    return await reads.pod(a.namespace, name);
  } catch (e) {
    if (isNotFound(e)) throw e;
    throw admissionForbidden(a, (e as Error).message);
  }
}

/** pods (no subresource): a node creates its mirror pods and deletes the pods bound to it, nothing else. */
export async function admitPod(nodeName: string, a: AdmissionAttributes, reads: NodeRestrictionReads): Promise<void> {
  if (a.operation === 'CREATE') return admitMirrorPodCreate(nodeName, a, reads);
  if (a.operation === 'DELETE') {
    const pod = await existingPod(a, reads, a.name);
    if (nodeNameOf(pod) !== nodeName) {
      throw admissionForbidden(a, `node ${q(nodeName)} can only delete pods with spec.nodeName set to itself`);
    }
    return;
  }
  throw admissionForbidden(
    a,
    `unexpected operation ${q(a.operation)}, node ${q(nodeName)} can only create and delete mirror pods`,
  );
}

/** The single owner a mirror pod may have: its node, as controller, without blockOwnerDeletion, by UID. */
async function checkMirrorPodOwner(
  nodeName: string,
  a: AdmissionAttributes,
  reads: NodeRestrictionReads,
  owners: Json[],
): Promise<void> {
  const who = q(nodeName);
  if (owners.length > 1) {
    throw admissionForbidden(a, `node ${who} can only create pods with a single owner reference set to itself`);
  }
  const owner = owners[0];
  if (!owner) throw admissionForbidden(a, `node ${who} can only create pods with an owner reference set to itself`);
  if (str(owner.apiVersion) !== 'v1' || str(owner.kind) !== 'Node' || str(owner.name) !== nodeName) {
    throw admissionForbidden(a, `node ${who} can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) {
    throw admissionForbidden(a, `node ${who} can only create pods with a controller owner reference set to itself`);
  }
  if (owner.blockOwnerDeletion === true) {
    throw admissionForbidden(a, `node ${who} must not set blockOwnerDeletion on an owner reference`);
  }
  let node: KubeObject;
  try {
    node = await reads.node(nodeName);
  } catch (e) {
    if (isNotFound(e)) throw e;
    throw admissionForbidden(a, `error looking up node ${nodeName} to verify uid: ${(e as Error).message}`);
  }
  const ownerUID = str(owner.uid);
  const nodeUID = node.metadata?.uid ?? '';
  // upstream's wording calls the owner's UID the expected one
  if (ownerUID !== nodeUID) {
    throw admissionForbidden(a, `node ${nodeName} UID mismatch: expected ${ownerUID} got ${nodeUID}`);
  }
}

/**
 * A mirror pod stands for a static pod the kubelet runs from a file: it must be
 * bound to its node, owned by it, and reach no other API object (the Node
 * authorizer's graph would otherwise hand the node whatever the pod names).
 */
async function admitMirrorPodCreate(
  nodeName: string,
  a: AdmissionAttributes,
  reads: NodeRestrictionReads,
): Promise<void> {
  const pod = a.object;
  if (!pod) throw admissionForbidden(a, 'unexpected type <nil>');
  const who = q(nodeName);
  const annotations = pod.metadata?.annotations ?? {};
  if (!(MIRROR_POD_ANNOTATION in annotations)) {
    throw admissionForbidden(
      a,
      `pod does not have ${q(MIRROR_POD_ANNOTATION)} annotation, node ${who} can only create mirror pods`,
    );
  }
  if (nodeNameOf(pod) !== nodeName) {
    throw admissionForbidden(a, `node ${who} can only create pods with spec.nodeName set to itself`);
  }
  await checkMirrorPodOwner(nodeName, a, reads, objects(pod.metadata?.ownerReferences));
  const spec = asObject(pod.spec) ?? {};
  // the v1 conversion reads the deprecated serviceAccount when serviceAccountName is empty
  if ((str(spec.serviceAccountName) || str(spec.serviceAccount)) !== '') {
    throw admissionForbidden(a, `node ${who} can not create pods that reference a service account`);
  }
  const refs = podReferences(pod);
  if (refs.some((r) => r.startsWith('secret/'))) {
    throw admissionForbidden(a, `node ${who} can not create pods that reference secrets`);
  }
  if (refs.some((r) => r.startsWith('configmap/'))) {
    throw admissionForbidden(a, `node ${who} can not create pods that reference configmaps`);
  }
  const volumes = objects(spec.volumes);
  const bundles = volumes.some((v) =>
    objects(asObject(v.projected)?.sources).some((s) => asObject(s.clusterTrustBundle) !== undefined),
  );
  if (bundles) throw admissionForbidden(a, `node ${who} can not create pods that reference clustertrustbundles`);
  if (volumes.some((v) => asObject(v.persistentVolumeClaim) !== undefined)) {
    throw admissionForbidden(a, `node ${who} can not create pods that reference persistentvolumeclaims`);
  }
}

/** Claim statuses compared by name and claim name, in order. */
function sameResourceClaimStatuses(a: Json[], b: Json[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) => str(x.name) === str(b[i].name) && (x.resourceClaimName ?? null) === (b[i].resourceClaimName ?? null),
    )
  );
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => k in y && x[k] === y[k]);
}

/** pods/status: only for pods bound to the node, and without relabelling or re-pointing resource claims. */
export function admitPodStatus(nodeName: string, a: AdmissionAttributes): void {
  if (a.operation !== 'UPDATE') throw admissionForbidden(a, `unexpected operation ${q(a.operation)}`);
  const old = a.oldObject;
  if (!old) throw admissionForbidden(a, 'unexpected type <nil>');
  const who = q(nodeName);
  if (nodeNameOf(old) !== nodeName) {
    throw admissionForbidden(a, `node ${who} can only update pod status for pods with spec.nodeName set to itself`);
  }
  const next = a.object;
  if (!next) throw admissionForbidden(a, 'unexpected type <nil>');
  if (!sameLabels(old.metadata?.labels, next.metadata?.labels)) {
    throw admissionForbidden(a, `node ${who} cannot update labels through pod status`);
  }
  const claims = (o: KubeObject): Json[] => objects(asObject(o.status)?.resourceClaimStatuses);
  if (!sameResourceClaimStatuses(claims(old), claims(next))) {
    throw admissionForbidden(a, `node ${who} cannot update resource claim statues`);
  }
}

/** pods/eviction: only of pods bound to the node. */
export async function admitPodEviction(
  nodeName: string,
  a: AdmissionAttributes,
  reads: NodeRestrictionReads,
): Promise<void> {
  if (a.operation !== 'CREATE') throw admissionForbidden(a, `unexpected operation ${a.operation}`);
  const eviction = a.object;
  if (!eviction) throw admissionForbidden(a, 'unexpected type <nil>');
  // the URL's pod name wins over the Eviction's own
  const podName = a.name || (eviction.metadata?.name ?? '');
  if (!podName) throw admissionForbidden(a, 'could not determine pod from request data');
  const pod = await existingPod(a, reads, podName);
  if (nodeNameOf(pod) !== nodeName) {
    throw admissionForbidden(a, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
  }
}
