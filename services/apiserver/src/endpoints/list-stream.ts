import { Writer } from 'protobufjs/minimal';
import type { KubeObject } from '../api/object';
import { PROTOBUF_MAGIC } from '../codec/envelope';
import { encodeMessage } from '../codec/protobuf';
import { encodeYaml, goYamlKeyLess } from '../codec/yaml';
import type { SchemaSet } from '../schema/model';
import type { LazyItems } from '../storage/interface';
import { itemJson, itemProtobuf, type TypeMeta } from './object-encoder';
import type { ArrayDocument } from './transforms';

const LIST_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta';

/**
 * The bytes of listJson, produced piece by piece: the envelope, then one item at a
 * time (each decoded and encoded only when the writer asks for it), then the tail.
 */
export function* listJsonChunks(items: LazyItems, tm: TypeMeta, listMeta: Record<string, unknown>): Generator<Buffer> {
  yield Buffer.from(
    `{"kind":${JSON.stringify(tm.kind)},"apiVersion":${JSON.stringify(tm.apiVersion)},"metadata":${JSON.stringify(listMeta)},"items":[`,
  );
  for (let i = 0; i < items.length; i++) {
    const item = items.at(i);
    if (item === undefined) continue;
    const bytes = itemJson(item);
    yield i > 0 ? Buffer.concat([COMMA, bytes]) : bytes;
  }
  yield Buffer.from(']}\n');
}

const COMMA = Buffer.from(',');

/**
 * `JSON.stringify(wholeDocument(doc)) + "\n"`, one element at a time: the array
 * field is the head's last member, as the document objects are built.
 */
export function* documentJsonChunks(doc: ArrayDocument): Generator<Buffer> {
  const head = JSON.stringify(doc.head);
  yield Buffer.from(`${head === '{}' ? '{' : `${head.slice(0, -1)},`}${JSON.stringify(doc.field)}:[`);
  let first = true;
  for (const el of doc.elements()) {
    yield Buffer.from(first ? JSON.stringify(el) : `,${JSON.stringify(el)}`);
    first = false;
  }
  yield Buffer.from(']}\n');
}

/**
 * `encodeYaml(wholeDocument(doc))`, one element at a time. Keys are sorted
 * (go-yaml's order), so the head's members go before or after the array by
 * name; a sequence is not indented under its key, so each element is written
 * as the one-element sequence it would be at the top level.
 */
export function* documentYamlChunks(doc: ArrayDocument): Generator<Buffer> {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  let hasBefore = false;
  let hasAfter = false;
  for (const [k, v] of Object.entries(doc.head)) {
    // undefined members are left out of a document, as the whole encoding drops them
    if (v === undefined) continue;
    if (goYamlKeyLess(k, doc.field)) {
      before[k] = v;
      hasBefore = true;
    } else {
      after[k] = v;
      hasAfter = true;
    }
  }
  if (hasBefore) yield Buffer.from(encodeYaml(before));
  let empty = true;
  for (const el of doc.elements()) {
    if (empty) yield Buffer.from(`${encodeYaml({ [doc.field]: [] }).replace(/ \[\]\n$/, '\n')}`);
    empty = false;
    yield Buffer.from(encodeYaml([el]));
  }
  if (empty) yield Buffer.from(encodeYaml({ [doc.field]: [] }));
  if (hasAfter) yield Buffer.from(encodeYaml(after));
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function lengthDelimited(tag: number, body: Uint8Array): Buffer {
  const w = Writer.create();
  w.uint32(tag).uint32(body.length);
  const head = w.finish();
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Encoded items the sizing pass may keep for the writing pass (a bounded copy of a small list's body). */
const KEEP_ENCODED_BYTES = 8 * 1024 * 1024;

/**
 * A List in the `k8s\0` envelope written item by item: runtime.Unknown's raw field
 * is length-prefixed, so a first pass sizes every item (keeping the bytes only while
 * they stay under KEEP_ENCODED_BYTES), then the envelope head, ListMeta (field 1) and each item (field 2, a
 * repeated field may be written one element at a time) follow, as upstream's
 * streaming protobuf list encoder orders them.
 */
export function* listProtobufChunks(
  schemas: SchemaSet,
  itemMessageType: string,
  items: LazyItems,
  tm: TypeMeta,
  listMeta: Record<string, unknown>,
  keepEncodedBytes = KEEP_ENCODED_BYTES,
): Generator<Buffer> {
  const metaField = lengthDelimited(0x0a, encodeMessage(schemas, LIST_META, listMeta as KubeObject));
  let rawLength = metaField.length;
  // the first pass keeps what it encoded while that stays small, so an ordinary list is encoded once
  let kept: Array<Uint8Array | undefined> | undefined = [];
  let keptBytes = 0;
  const bytesAt = (i: number): Uint8Array | undefined => {
    const stored = items.protobufAt?.(i, itemMessageType);
    if (stored) return stored;
    const item = items.at(i);
    return item === undefined ? undefined : itemProtobuf(schemas, itemMessageType, item);
  };
  for (let i = 0; i < items.length; i++) {
    const bytes = bytesAt(i);
    if (bytes === undefined) continue;
    const n = bytes.length;
    rawLength += 1 + varintLength(n) + n;
    if (kept) {
      keptBytes += n;
      if (keptBytes > keepEncodedBytes) kept = undefined;
      else kept[i] = bytes;
    }
  }
  const head = Writer.create();
  head.uint32(0x0a).fork();
  head.uint32(0x0a).string(tm.apiVersion ?? '');
  head.uint32(0x12).string(tm.kind ?? '');
  head.ldelim();
  head.uint32(0x12).uint32(rawLength);
  yield Buffer.concat([PROTOBUF_MAGIC, head.finish(), metaField]);
  let written = metaField.length;
  for (let i = 0; i < items.length; i++) {
    const bytes = kept?.[i] ?? bytesAt(i);
    if (bytes === undefined) continue;
    const field = lengthDelimited(0x12, bytes);
    written += field.length;
    yield field;
  }
  if (written !== rawLength) throw new Error(`list changed while it was written (${written} != ${rawLength} bytes)`);
  // contentEncoding (3) and contentType (4), empty, as the buffered envelope writes them
  yield Buffer.from([0x1a, 0x00, 0x22, 0x00]);
}
