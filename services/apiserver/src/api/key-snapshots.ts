/**
 * Object.keys of a map of 200,000 members costs about half as much as parsing it (V8 keeps such an
 * object as a hash table and sorts its keys into insertion order on every call), and a create's
 * decode, validation and size check each enumerate the same map. A map that nothing will change
 * any more can be frozen with its key list, so that ownKeys answers from the list: frozen, its
 * keys can never differ from it.
 */

const snapshots = new WeakMap<object, readonly string[]>();

/** Object.keys(map); a map of at least `minKeys` keys is also frozen and its list remembered. */
export function keysFreezingLarge(map: object, minKeys: number): readonly string[] {
  const keys = Object.keys(map);
  if (keys.length >= minKeys) {
    Object.freeze(map);
    snapshots.set(map, keys);
  }
  return keys;
}

/** Object.keys(map), from the remembered list when there is one. Never modify the result. */
export function ownKeys(map: object): readonly string[] {
  return snapshots.get(map) ?? Object.keys(map);
}
