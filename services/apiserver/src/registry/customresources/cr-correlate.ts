import type { JsonValue } from '../../api/object';
import { isPlainObject } from '../../api/object';
import { deepEqual } from '../../apply/typed-fields';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** Whether two JSON values are equal (for ratcheting: an unchanged value keeps passing). */
export function unchanged(value: unknown, old: unknown): boolean {
  return old !== undefined && deepEqual(value as JsonValue, old as JsonValue);
}

/**
 * The old item a new list item correlates with, as upstream correlates them for
 * transition rules and ratcheting: by its keys in a map list, by its value in a set;
 * items of atomic lists correlate with nothing.
 */
export function correlatedItem(s: JSONSchemaProps, item: unknown, oldItems: unknown): unknown {
  if (!Array.isArray(oldItems)) return undefined;
  const type = s['x-kubernetes-list-type'];
  if (type === 'map' && isPlainObject(item)) {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    return oldItems.find((o) => isPlainObject(o) && keys.every((k) => o[k] === item[k]));
  }
  if (type === 'set') return oldItems.find((o) => unchanged(item, o));
  return undefined;
}
