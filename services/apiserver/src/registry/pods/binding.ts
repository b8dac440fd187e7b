import { newBadRequest, newConflict, newInternalError, newInvalid, type FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { timeNow } from '../../api/time';
import type { GenericStore, WriteParams } from '../generic-store';
import {
  ensureObject,
  objectAt,
  objectsAt,
  stringAt,
  stringMapAt,
  validateMetaUpdate,
  type Obj,
} from '../strategies/common';
import { notSupported, required } from '../validation/field';

/** What a subresource that acted answers, as upstream's `&metav1.Status{Status: Success}` after a create. */
export function createdStatus(): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/** ValidatePodBinding: a target that is a Node, by name. */
function validateBinding(binding: Obj): FieldError[] {
  const target = objectAt(binding, 'target');
  const kind = stringAt(target, 'kind');
  const errs: FieldError[] = [];
  if (kind !== '' && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (stringAt(target, 'name') === '') errs.push(required('target.name'));
  return errs;
}

/**
 * Sets or refreshes one status condition the way podutil.UpdatePodCondition
 * does: the transition time moves only when the condition's status changes.
 */
export function setPodCondition(pod: Obj, condition: Obj): void {
  const status = ensureObject(pod, 'status');
  const conditions = objectsAt(status, 'conditions');
  const now = timeNow();
  const existing = conditions.find((c) => c.type === condition.type);
  if (!existing) {
    status.conditions = [...conditions, { lastProbeTime: null, lastTransitionTime: now, ...condition }];
    return;
  }
  if (existing.status !== condition.status) existing.lastTransitionTime = now;
  Object.assign(existing, condition);
}

/** POST pods/<name>/binding (core/v1 Binding): assigns an unassigned pod to a node, once. */
export async function bindPod(
  pods: GenericStore,
  namespace: string,
  name: string,
  binding: Obj,
  params: WriteParams,
): Promise<KubeObject> {
  const bindingName = stringAt(objectAt(binding, 'metadata'), 'name');
  if (bindingName !== name) throw newBadRequest('name in URL does not match name in Binding object');
  const errs = validateBinding(binding);
  if (errs.length > 0) throw newInvalid('Binding', '', bindingName, errs);
  const node = stringAt(objectAt(binding, 'target'), 'name');
  const uid = stringAt(objectAt(binding, 'metadata'), 'uid');
  const annotations = stringMapAt(objectAt(binding, 'metadata'), 'annotations') ?? {};
  await pods.updateWith(
    namespace,
    name,
    (pod) => {
      const meta = ensureObject(pod, 'metadata');
      if (uid !== '' && meta.uid !== uid) {
        throw newConflict(
          pods.gr,
          name,
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(meta.uid)}`,
        );
      }
      if (meta.deletionTimestamp) {
        throw newInternalError(`pod ${name} is being deleted, cannot be assigned to a host`);
      }
      const spec = ensureObject(pod, 'spec');
      const assigned = stringAt(spec, 'nodeName');
      if (assigned !== '') throw newConflict(pods.gr, name, `pod ${name} is already assigned to node "${assigned}"`);
      if (objectsAt(spec, 'schedulingGates').length > 0) {
        throw newConflict(pods.gr, name, `pod ${name} has non-empty .spec.schedulingGates`);
      }
      spec.nodeName = node;
      if (Object.keys(annotations).length > 0) {
        meta.annotations = { ...stringMapAt(meta, 'annotations'), ...annotations };
      }
      setPodCondition(pod, { type: 'PodScheduled', status: 'True' });
      return pod;
    },
    // the pod's update rules forbid a nodeName change; binding is the one way to make it
    { ...params, subresource: 'binding', statusOnly: true, validateUpdate: validateMetaUpdate },
  );
  return createdStatus();
}
