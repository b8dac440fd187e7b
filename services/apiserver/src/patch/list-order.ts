/**
 * The element order of a merged list, as upstream's strategic merge patch settles it:
 * elements named by the patch (or by its $setElementOrder list) follow that order; the
 * others keep their order from the live list; the two runs are then interleaved, a live
 * element going first only when both it and the next patch element are in the live list
 * and it comes earlier there.
 */
export const NO_KEY = Symbol('no merge key');
export type ElementKey = string | number | boolean | null | typeof NO_KEY;

export function firstIndexes(keys: Iterable<ElementKey>): Map<ElementKey, number> {
  const index = new Map<ElementKey, number>();
  let i = 0;
  for (const key of keys) {
    if (key !== NO_KEY && !index.has(key)) index.set(key, i);
    i++;
  }
  return index;
}

function sortedBy<T>(items: T[], keyOf: (item: T) => ElementKey, order: Map<ElementKey, number>): T[] {
  const rank = (item: T) => order.get(keyOf(item)) ?? Number.MAX_SAFE_INTEGER;
  return items
    .map((item, i) => ({ item, i, r: rank(item) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.item);
}

export function orderMergedList<T>(
  merged: T[],
  keyOf: (item: T) => ElementKey,
  patchOrder: Map<ElementKey, number>,
  liveOrder: Map<ElementKey, number>,
): T[] {
  const named: T[] = [];
  const liveOnly: T[] = [];
  for (const item of merged) {
    const key = keyOf(item);
    (key !== NO_KEY && patchOrder.has(key) ? named : liveOnly).push(item);
  }
  const right = sortedBy(named, keyOf, patchOrder);
  const left = sortedBy(liveOnly, keyOf, liveOrder);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = liveOrder.get(keyOf(left[i]));
    const ri = liveOrder.get(keyOf(right[j]));
    if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  while (i < left.length) out.push(left[i++]);
  while (j < right.length) out.push(right[j++]);
  return out;
}
