import { Writer } from 'protobufjs/minimal';
import type { KubeObject } from '../api/object';
import { encodeUnknown } from '../codec/envelope';
import { encodeMessage } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
import { itemEncodings as entry } from '../codec/item-memo';

const LIST_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta';

function withoutTypeMeta(obj: KubeObject): KubeObject {
  if (obj.apiVersion === undefined && obj.kind === undefined) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export function itemJson(obj: KubeObject): Buffer {
  const e = entry(obj);
  if (!e.json) e.json = Buffer.from(JSON.stringify(withoutTypeMeta(obj)));
  return e.json;
}

export function itemProtobuf(schemas: SchemaSet, messageType: string, obj: KubeObject): Uint8Array {
  const e = entry(obj);
  // a message has no apiVersion or kind fields: they are not written
  if (!e.pb) e.pb = encodeMessage(schemas, messageType, obj);
  return e.pb;
}

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** `{"kind":..,"apiVersion":..,` then the cached member bytes, as upstream orders them. */
export function objectJson(obj: KubeObject, tm: TypeMeta, newline = true): Buffer {
  const body = itemJson(obj);
  const head = Buffer.from(`{"kind":${JSON.stringify(tm.kind)},"apiVersion":${JSON.stringify(tm.apiVersion)}`);
  const rest = body.length > 2 ? Buffer.concat([Buffer.from(','), body.subarray(1)]) : Buffer.from('}');
  return Buffer.concat(newline ? [head, rest, Buffer.from('\n')] : [head, rest]);
}

export function objectProtobuf(schemas: SchemaSet, messageType: string, obj: KubeObject, tm: TypeMeta): Buffer {
  return Buffer.from(encodeUnknown(tm, itemProtobuf(schemas, messageType, obj)));
}

export function listJson(items: KubeObject[], tm: TypeMeta, listMeta: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      `{"kind":${JSON.stringify(tm.kind)},"apiVersion":${JSON.stringify(tm.apiVersion)},"metadata":${JSON.stringify(listMeta)},"items":[`,
    ),
  ];
  items.forEach((item, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(itemJson(item));
  });
  parts.push(Buffer.from(']}\n'));
  return Buffer.concat(parts);
}

/** A List message: ListMeta (1) then each item (2) from its cached bytes. */
export function listProtobuf(
  schemas: SchemaSet,
  itemMessageType: string,
  items: KubeObject[],
  tm: TypeMeta,
  listMeta: Record<string, unknown>,
): Buffer {
  const w = Writer.create();
  w.uint32(0x0a).bytes(encodeMessage(schemas, LIST_META, listMeta as KubeObject));
  for (const item of items) w.uint32(0x12).bytes(itemProtobuf(schemas, itemMessageType, item));
  return Buffer.from(encodeUnknown(tm, w.finish()));
}
