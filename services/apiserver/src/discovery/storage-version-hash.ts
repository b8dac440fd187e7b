import { createHash } from 'node:crypto';

/**
 * The opaque per-resource hash clients (the storage version migrator) compare to notice a
 * change of storage version. Upstream derives it from the storage group/version/kind only,
 * so equal inputs give byte-equal discovery documents on every replica.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}
