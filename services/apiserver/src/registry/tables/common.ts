import { isPlainObject, type KubeObject } from '../../api/object';
import { timestampSince } from './human-duration';
import { column, type TableColumn } from './types';

/** Field documentation that upstream puts in column descriptions (the API reference text). */
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn = (extra: { priority?: number } = {}): TableColumn =>
  column('Name', 'string', NAME_DESCRIPTION, { format: 'name', ...extra });

export const ageColumn = (): TableColumn => column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Go prints a missing string field as its zero value, "". */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function integer(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

export function keyCount(value: unknown): number {
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

export const nameOf = (obj: KubeObject): string => text(obj.metadata?.name);

export const ageOf = (obj: KubeObject, now: number): string => timestampSince(obj.metadata?.creationTimestamp, now);
