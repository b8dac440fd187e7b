import type { ObjectMeta } from '../generated/k8s.io.apimachinery.pkg.apis.meta.v1';

export type { ObjectMeta };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * kapi keeps every object in its Kubernetes JSON shape (what `kubectl get -o json`
 * prints). Generated interfaces in ../generated narrow this for typed code; the
 * generic machinery only relies on the metadata, typed as the generated
 * ObjectMeta. Metadata validation (registry/validation/objectmeta.ts) still reads
 * it defensively, since a custom resource's metadata is not decoded by a schema.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
