import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { loadSchemaSet } from '../src/schema/load';
import { createCacheItemCodec } from '../src/storage/cache-item-codec';
import { labelsFromMessage } from '../src/storage/packed-labels';
import { createProtobufStorageCodec } from '../src/storage/protobuf-codec';
import { objectFixtures } from './schema-fixtures';

const schemas = loadSchemaSet();
const codec = createCacheItemCodec(schemas);

test('labels read from the packed bytes equal the unpacked object’s, for every fixture kind', () => {
  assert.ok(codec.labelsOf);
  const storage = createProtobufStorageCodec(schemas);
  let withLabels = 0;
  let read = 0;
  for (const f of objectFixtures()) {
    let stored: KubeObject;
    try {
      stored = storage.decode(fs.readFileSync(f.pbPath));
    } catch {
      continue;
    }
    for (const labels of [stored.metadata?.labels, undefined, { a: 'b', 'x.io/y': '', z: 'é' }]) {
      const obj: KubeObject = { ...stored, metadata: { ...stored.metadata, labels } };
      if (labels === undefined) delete obj.metadata?.labels;
      const packed = codec.pack(obj);
      const fromBytes = codec.labelsOf(packed);
      if (fromBytes === null) continue;
      read++;
      assert.deepEqual(fromBytes, codec.unpack(packed).metadata?.labels, f.name);
      if (fromBytes) withLabels++;
    }
  }
  assert.ok(read > 300, `${read} packed objects read`);
  assert.ok(withLabels > 200, `${withLabels} of them with labels`);
});

test('JSON-packed objects, and bytes not laid out as one metadata message, are left to decoding', () => {
  assert.ok(codec.labelsOf);
  const custom = codec.pack({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', labels: { a: 'b' } },
  });
  assert.equal(codec.labelsOf(custom), null);
  assert.equal(createCacheItemCodec(undefined).labelsOf, undefined);

  const packed = codec.pack({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } } });
  const bytes = Buffer.from(packed.bytes, 'latin1');
  assert.deepEqual(labelsFromMessage(bytes, 1, 11), { a: 'b' });
  // metadata twice (a decoder would merge them), truncated, a group wire type, an overlong varint
  assert.equal(labelsFromMessage(Buffer.concat([bytes, bytes]), 1, 11), null);
  assert.equal(labelsFromMessage(bytes.subarray(0, bytes.length - 1), 1, 11), null);
  assert.equal(labelsFromMessage(Buffer.from([0x0b, 0x0c]), 1, 11), null);
  assert.equal(
    labelsFromMessage(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, 11),
    null,
  );
  // no metadata, or metadata without labels: none
  assert.equal(labelsFromMessage(Buffer.alloc(0), 1, 11), undefined);
  assert.equal(labelsFromMessage(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x63]), 1, 11), undefined);
  // a repeated key: the later value, as decoding gives
  const twice = Buffer.from([
    0x0a, 0x10, 0x5a, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x31, 0x5a, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x32,
  ]);
  assert.deepEqual(labelsFromMessage(twice, 1, 11), { k: '2' });
});
