// The ConversionReview a conversion webhook receives and the checks its answer must
// pass before kapi trusts the objects in it (upstream's webhookConverter rules).
import { randomUUID } from 'node:crypto';
import { isPlainObject, type KubeObject } from '../../api/object';
import type { FieldError } from '../../api/errors';
import { validateAnnotations, validateLabels } from '../validation/objectmeta';

/** The ConversionReview versions kapi speaks. */
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** A broken answer; the message is upstream's text after "conversion webhook for <gvk> ...". */
export class InvalidConversion extends Error {}

export interface ConversionRequest {
  uid: string;
  /** v1 or v1beta1: the first of conversionReviewVersions kapi speaks */
  version: string;
  body: Buffer;
}

/** The first of the definition's conversionReviewVersions kapi speaks, in the definition's order. */
export function conversionReviewVersion(accepted: readonly string[] | undefined): string | undefined {
  return (accepted ?? []).find((v) => REVIEW_VERSIONS.includes(v));
}

export function buildConversionReview(
  version: string,
  objects: readonly KubeObject[],
  desiredAPIVersion: string,
): ConversionRequest {
  const uid = randomUUID();
  const review = {
    kind: 'ConversionReview',
    apiVersion: `apiextensions.k8s.io/${version}`,
    request: { uid, desiredAPIVersion, objects },
  };
  return { uid, version, body: Buffer.from(JSON.stringify(review)) };
}

function errorsText(errs: FieldError[]): string {
  const parts = errs.map((e) => `${e.field}: ${e.message}`);
  return parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
}

/**
 * The converted objects of a well-formed, successful answer. v1 answers must name
 * their kind and echo the uid; v1beta1 ones never had to, so they are not asked to.
 * Failures are "failed: <why>" material (InvalidConversion).
 */
export function convertedObjectsOf(json: unknown, req: ConversionRequest): unknown[] {
  const review = isPlainObject(json) ? json : {};
  if (req.version === 'v1') {
    const gvk = `${String(review.apiVersion ?? '')}, Kind=${String(review.kind ?? '')}`;
    const got = review.apiVersion === undefined && review.kind === undefined ? '/, Kind=' : gvk;
    if (review.apiVersion !== 'apiextensions.k8s.io/v1' || review.kind !== 'ConversionReview') {
      throw new InvalidConversion(
        `expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${got}`,
      );
    }
  }
  const response = review.response;
  if (!isPlainObject(response)) throw new InvalidConversion('no response provided');
  if (req.version === 'v1' && response.uid !== req.uid) {
    throw new InvalidConversion(`expected response.uid="${req.uid}", got "${String(response.uid ?? '')}"`);
  }
  const result = isPlainObject(response.result) ? response.result : {};
  if (result.status !== 'Success') {
    if (typeof result.message === 'string' && result.message) throw new InvalidConversion(result.message);
    throw new InvalidConversion(`response.result.status was '${String(result.status ?? '')}', not 'Success'`);
  }
  return Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
}

type Loose = Record<string, unknown>;

function metaOf(o: Loose): Loose {
  return isPlainObject(o.metadata) ? o.metadata : {};
}

/** Identity must survive conversion: kind, name, namespace and uid. */
function identityChange(original: KubeObject, converted: Loose): string | undefined {
  const a = metaOf(original as Loose);
  const b = metaOf(converted);
  const pairs: Array<[string, unknown, unknown]> = [
    ['kind', original.kind ?? '', converted.kind ?? ''],
    ['name', a.name ?? '', b.name ?? ''],
    ['namespace', a.namespace ?? '', b.namespace ?? ''],
    ['UID', a.uid ?? '', b.uid ?? ''],
  ];
  for (const [what, x, y] of pairs) if (x !== y) return `must have the same ${what}: ${String(x)} != ${String(y)}`;
  return undefined;
}

/**
 * The converted object with the original's metadata, except labels and annotations,
 * which the webhook may change (but only to valid ones).
 */
function restoreMetadata(original: KubeObject, converted: Loose): KubeObject {
  const response = converted.metadata;
  if (response === undefined) throw new InvalidConversion('missing metadata in converted object');
  if (!isPlainObject(response)) throw new InvalidConversion('invalid metadata in converted object');
  const meta = JSON.parse(JSON.stringify(original.metadata ?? {})) as Loose;
  for (const field of ['labels', 'annotations'] as const) {
    const given = response[field];
    if (given === undefined || given === null) {
      delete meta[field];
      continue;
    }
    if (!isPlainObject(given)) throw new InvalidConversion(`invalid metadata.${field} in converted object`);
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(given)) {
      if (typeof v !== 'string') {
        throw new InvalidConversion(
          `metadata.${field}[${k}] must be a string, but is ${goTypeName(v)} in converted object`,
        );
      }
      strings[k] = v;
    }
    const errs =
      field === 'labels'
        ? validateLabels(strings, 'metadata.labels')
        : validateAnnotations(strings, 'metadata.annotation');
    if (errs.length > 0) throw new InvalidConversion(errorsText(errs));
    meta[field] = strings;
  }
  return { ...converted, metadata: meta } as KubeObject;
}

function goTypeName(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (isPlainObject(v)) return 'map[string]interface {}';
  return '<nil>';
}

/**
 * Each converted object checked against the one sent: the desired apiVersion, the
 * same kind and identity, metadata restored. Messages name the object as upstream
 * does: a list's items from index 1 (upstream counts one ahead), a single object
 * as "object at index 0" or "object".
 */
export function acceptConverted(
  sent: readonly KubeObject[],
  received: readonly unknown[],
  desiredAPIVersion: string,
  asList: boolean,
): KubeObject[] {
  return sent.map((original, i) => {
    const r = received[i];
    if (!isPlainObject(r)) {
      throw new InvalidConversion(`returned invalid converted object at index ${i}: not a JSON object`);
    }
    const indexed = asList ? `converted object at index ${i + 1}` : 'object at index 0';
    if (r.apiVersion !== desiredAPIVersion) {
      throw new InvalidConversion(
        `returned invalid ${indexed}: invalid groupVersion (expected ${desiredAPIVersion}, received ${String(r.apiVersion ?? '')})`,
      );
    }
    if (r.kind !== original.kind) {
      throw new InvalidConversion(
        `returned invalid ${indexed}: invalid kind (expected ${String(original.kind ?? '')}, received ${String(r.kind ?? '')})`,
      );
    }
    const changed = identityChange(original, r);
    if (changed) throw new InvalidConversion(`returned invalid ${asList ? indexed : 'object'}: ${changed}`);
    try {
      return restoreMetadata(original, r);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new InvalidConversion(`returned invalid metadata${asList ? ` in object at index ${i + 1}` : ''}: ${why}`);
    }
  });
}
