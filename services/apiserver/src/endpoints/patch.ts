import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { applyPatch as applyPatchDocument, decodePatchedObject } from '../patch';
import type { SchemaSet } from '../schema/model';
import { fieldWarnings, type FieldValidation } from './body';
import type { InputMedia } from './negotiation';

/**
 * Applies a PATCH body to the current object and re-decodes the result, so a patch
 * is held to the same type and unknown-field checks as a full body.
 */
export function applyPatch(
  schemas: SchemaSet,
  target: { messageType: string; apiVersion: string; kind: string },
  media: InputMedia,
  current: KubeObject,
  patch: unknown,
  validation: FieldValidation,
  duplicates: string[] = [],
): { object: KubeObject; warnings: string[] } {
  if (media !== 'json-patch' && media !== 'merge-patch' && media !== 'strategic-merge-patch') {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
    );
  }
  const patched = applyPatchDocument(schemas, target.messageType, media, current, patch);
  const { object, unknownFields } = decodePatchedObject(schemas, target.messageType, patched);
  const warnings = fieldWarnings(unknownFields, validation, duplicates);
  return { object: { apiVersion: target.apiVersion, kind: target.kind, ...object }, warnings };
}
