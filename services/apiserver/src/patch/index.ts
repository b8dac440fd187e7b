/**
 * The patch engine behind PATCH requests: applies a JSON patch (RFC 6902), a JSON merge
 * patch (RFC 7386) or a strategic merge patch to an object in its Kubernetes JSON shape.
 * It never mutates `current` or `patch`; every bad patch is a StatusError with the code
 * kube-apiserver uses (400, 413, 415 or 422). The result still has to be decoded against
 * the schema by the caller, as upstream decodes the patched JSON into the typed object.
 */
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { SchemaSet } from '../schema/model';
import { patchRejected } from './errors';
import { applyJsonPatch } from './json-patch';
import { checkPatchDocument } from './json-value';
import { applyMergePatch } from './merge-patch';
import { applyStrategicMergePatch } from './strategic-merge';

export type PatchType = 'json-patch' | 'merge-patch' | 'strategic-merge-patch';

export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
};

export function applyPatch(
  schemas: SchemaSet,
  messageType: string,
  type: PatchType,
  current: KubeObject,
  patch: unknown,
): KubeObject {
  checkPatchDocument(patch);
  try {
    switch (type) {
      case 'json-patch':
        return applyJsonPatch(current, patch);
      case 'merge-patch':
        return applyMergePatch(current, patch);
      case 'strategic-merge-patch':
        return applyStrategicMergePatch(schemas, messageType, current, patch);
    }
  } catch (err) {
    if (err instanceof StatusError) throw err;
    // a patch must never take the request down with a 500; whatever slipped past the checks is the patch's fault
    throw patchRejected(err instanceof Error ? err.message : String(err));
  }
}

export { MAX_JSON_PATCH_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS } from './json-patch';
export { MAX_PATCH_DEPTH } from './json-value';
export { PatchRejectedError, REJECTED_PATCH_MESSAGE } from './errors';
export { decodePatchedObject } from './decode-result';
