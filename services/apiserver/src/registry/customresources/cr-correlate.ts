import type { JsonValue } from '../../api/object';
import { isPlainObject } from '../../api/object';
import { deepEqual } from '../../apply/typed-fields';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** Whether two JSON values are equal (for ratcheting: an unchanged value keeps passing). */
export function unchanged(value: unknown, old: unknown): boolean {
  return old !== undefined && deepEqual(value as JsonValue, old as JsonValue);
}

/** The old item a new map-list item stands for (same keys): what oldSelf is for a rule on the items. */
export function correlatedItem(s: JSONSchemaProps, item: unknown, oldItems: unknown): unknown {
  if (!Array.isArray(oldItems) || s['x-kubernetes-list-type'] !== 'map' || !isPlainObject(item)) return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  return oldItems.find((o) => isPlainObject(o) && keys.every((k) => o[k] === item[k]));
}

/**
 * The old item ratcheting compares a new item with, as upstream's CorrelatedObject: by
 * keys in a map list, by index in a list without a list type; items of sets and atomic
 * lists correlate with nothing.
 */
export function ratchetItem(s: JSONSchemaProps, item: unknown, i: number, oldItems: unknown): unknown {
  if (!Array.isArray(oldItems)) return undefined;
  switch (s['x-kubernetes-list-type']) {
    case 'map':
      return correlatedItem(s, item, oldItems);
    case 'set':
    case 'atomic':
      return undefined;
    default:
      return oldItems[i];
  }
}
