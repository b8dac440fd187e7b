import { StatusError } from '../api/errors';
import type { Attributes } from './types';

/** What the user may not do, worded as kube-apiserver's forbidden responses. */
export function forbiddenReasonText(a: Attributes): string {
  const user = JSON.stringify(a.user?.name ?? '');
  if (!a.isResourceRequest) return `User ${user} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const head = `User ${user} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)}`;
  return a.namespace ? `${head} in the namespace ${JSON.stringify(a.namespace)}` : `${head} at the cluster scope`;
}

/**
 * The full metav1.Status message of a 403: apimachinery's NewForbidden around
 * the text above, with the authorizers' reason appended when there is one.
 */
export function forbiddenMessage(a: Attributes, reason: string): string {
  const text = reason ? `${forbiddenReasonText(a)}: ${reason}` : forbiddenReasonText(a);
  const group = a.isResourceRequest ? a.apiGroup : '';
  const resource = a.isResourceRequest ? a.resource : '';
  if (!group && !resource) return `forbidden: ${text}`;
  const qualified = group ? `${resource}.${group}` : resource;
  return a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${text}` : `${qualified} is forbidden: ${text}`;
}

/**
 * The 403 itself. Upstream always sends `details` (empty for non-resource
 * paths), so the keys are present even when their values are omitted.
 */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const group = a.isResourceRequest ? a.apiGroup : '';
  const resource = a.isResourceRequest ? a.resource : '';
  return new StatusError(403, 'Forbidden', forbiddenMessage(a, reason), {
    name: a.name || undefined,
    group: group || undefined,
    kind: resource || undefined,
  });
}
