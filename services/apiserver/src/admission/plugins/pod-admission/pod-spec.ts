import { StatusError } from '../../../api/errors';
import { isPlainObject, type KubeObject } from '../../../api/object';
import type { PodSpec } from '../../../generated/k8s.io.api.core.v1';
import type { AdmissionAttributes } from '../../interface';

/** Whether the request is a write to the pods resource itself (no subresource). */
export function isPodMainResource(a: AdmissionAttributes): boolean {
  return a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '';
}

/** The spec of the pod being admitted, created when missing so a plugin can fill it in. */
export function podSpecOf(pod: KubeObject): PodSpec {
  if (!isPlainObject(pod.spec)) pod.spec = {};
  return pod.spec as PodSpec;
}

/**
 * An error upstream's plugins return as a plain Go error: the handler answers it
 * as a 500 with no reason and the error's text as message.
 */
export function plainAdmissionError(message: string): StatusError {
  return new StatusError(500, '', message);
}

/**
 * The entries of a list from a request body that are objects. Go decodes a `null`
 * entry as the zero value, which validation then refuses; skipping it here keeps a
 * plugin from failing on it first.
 */
export function entries<T extends object>(list: readonly (T | null)[] | undefined): T[] {
  return Array.isArray(list) ? list.filter((e): e is T => isPlainObject(e)) : [];
}
