import type { KubeObject } from '../api/object';

/** Encoded bytes of one object version, without its TypeMeta (as list items are written). */
export interface ItemEncodings {
  json?: Buffer;
  pb?: Uint8Array;
}

/**
 * Kept against the object's identity: the watch cache hands out one frozen instance
 * per version, so a list or a watch fan-out encodes each version once per format
 * and then copies bytes. The cache also records here the protobuf bytes it packed
 * a watch event's instance into, so serving that instance in protobuf costs no encode.
 */
const memo = new WeakMap<object, ItemEncodings>();

export function itemEncodings(obj: KubeObject): ItemEncodings {
  let e = memo.get(obj);
  if (!e) {
    e = {};
    memo.set(obj, e);
  }
  return e;
}
