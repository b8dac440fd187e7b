import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { itemEncodings } from '../src/codec/item-memo';
import { encodeMessage } from '../src/codec/protobuf';
import { loadSchemaSet } from '../src/schema/load';
import { messageForApiVersionKind } from '../src/schema/kinds';
import { createCacheItemCodec } from '../src/storage/cache-item-codec';
import { CacheEntry, DecodedWorkingSet } from '../src/storage/decoded-working-set';
import { createProtobufStorageCodec } from '../src/storage/protobuf-codec';
import { objectFixtures } from './schema-fixtures';

const schemas = loadSchemaSet();

describe('watch cache packing', () => {
  test('every fixture kind comes back from its packed bytes as storage decodes it', () => {
    const storage = createProtobufStorageCodec(schemas);
    const codec = createCacheItemCodec(schemas);
    let protobufKinds = 0;
    for (const f of objectFixtures()) {
      const bytes = fs.readFileSync(f.pbPath);
      let stored: KubeObject;
      try {
        stored = storage.decode(bytes);
      } catch {
        continue; // kinds without a message in proto/ (apiextensions' own) are stored as JSON
      }
      const packed = codec.pack(stored);
      assert.ok(packed.type.messageType, `${f.name} packs as protobuf`);
      protobufKinds++;
      const back = codec.unpack(packed);
      assert.deepEqual(back, stored, f.name);
      assert.deepEqual(Object.keys(back).slice(0, 2), ['kind', 'apiVersion'], `${f.name}: TypeMeta first, as storage`);
      // the packed string is the protobuf item, a byte per character
      const item = encodeMessage(schemas, packed.type.messageType, stored);
      assert.equal(packed.bytes.length, item.length, f.name);
      assert.deepEqual(Buffer.from(packed.bytes, 'latin1'), Buffer.from(item), f.name);
      // the packed instance is served as it is: its protobuf item is remembered
      assert.deepEqual(Buffer.from(itemEncodings(stored).pb ?? []), Buffer.from(item), `${f.name}: bytes remembered`);
    }
    assert.ok(protobufKinds > 100, `${protobufKinds} kinds checked`);
  });

  test('kinds without a message, and JSON storage, pack as JSON with their shape intact', () => {
    const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3, é: 'ü' } };
    for (const codec of [createCacheItemCodec(schemas), createCacheItemCodec(undefined)]) {
      const packed = codec.pack(custom);
      assert.equal(packed.type.messageType, undefined);
      assert.deepEqual(codec.unpack(packed), custom);
    }
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    const json = createCacheItemCodec(undefined);
    const packed = json.pack(cm);
    assert.equal(packed.type.messageType, undefined, 'JSON storage keeps JSON even for built-in kinds');
    assert.deepEqual(Object.keys(json.unpack(packed)), ['apiVersion', 'kind', 'metadata', 'data']);
    assert.equal(messageForApiVersionKind(schemas, 'v1', 'ConfigMap') !== undefined, true);
  });

  test('one shared kind record per apiVersion and kind', () => {
    const codec = createCacheItemCodec(schemas);
    const a = codec.pack({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = codec.pack({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    assert.equal(a.type, b.type);
  });
});

describe('decoded working set', () => {
  const entry = (n: number, size: number): CacheEntry =>
    new CacheEntry(
      { bytes: 'x'.repeat(size), type: { apiVersion: 'v1', kind: 'ConfigMap', messageType: undefined } },
      n,
    );
  const decodeOf = (counter: { n: number }) => (e: CacheEntry) => {
    counter.n++;
    return { metadata: { name: String(e.revision) } };
  };

  test('keeps decoded objects within its byte budget, least recently read dropped first', () => {
    const set = new DecodedWorkingSet(300);
    const decodes = { n: 0 };
    const decode = decodeOf(decodes);
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => entry(n, 100));
    const oa = set.obtain(a, decode);
    set.obtain(b, decode);
    set.obtain(c, decode);
    assert.equal(decodes.n, 3);
    assert.equal(set.obtain(a, decode), oa, 'a hit returns the same instance');
    assert.equal(decodes.n, 3);
    set.obtain(d, decode); // over budget: b is the least recently read
    assert.equal(set.usedBytes, 300);
    assert.equal(set.size, 3);
    assert.equal(b.decoded, undefined);
    assert.ok(a.decoded && c.decoded && d.decoded);
    set.obtain(b, decode);
    assert.equal(decodes.n, 5, 'b is decoded again');
    assert.equal(c.decoded, undefined, 'and c made room');
  });

  test('drop forgets an entry; a zero budget keeps nothing', () => {
    const set = new DecodedWorkingSet(1000);
    const e = entry(1, 10);
    set.obtain(e, decodeOf({ n: 0 }));
    set.drop(e);
    assert.equal(set.size, 0);
    assert.equal(set.usedBytes, 0);
    assert.equal(e.decoded, undefined);
    const none = new DecodedWorkingSet(0);
    const counter = { n: 0 };
    none.obtain(e, decodeOf(counter));
    none.obtain(e, decodeOf(counter));
    assert.equal(counter.n, 2);
    assert.equal(none.size, 0);
  });

  test('long runs of reads, hits, drops and emptying evict in least recently read order', () => {
    const set = new DecodedWorkingSet(1000);
    const entries = Array.from({ length: 300 }, (_, i) => entry(i, 10 + (i % 7) * 10));
    // the reference: an array of the kept entries, least recently read first
    let model: CacheEntry[] = [];
    const decode = decodeOf({ n: 0 });
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) as number;
    for (let step = 0; step < 20_000; step++) {
      const e = entries[rnd(entries.length)];
      if (step % 97 === 0) {
        set.drop(e);
        model = model.filter((x) => x !== e);
      } else if (step % 1999 === 0) {
        // everything dropped: eviction must start over on what comes next
        for (const x of model) set.drop(x);
        model = [];
      } else {
        set.obtain(e, decode);
        model = [...model.filter((x) => x !== e), e];
        let used = model.reduce((n, x) => n + x.bytes.length, 0);
        while (used > 1000) used -= model.shift()?.bytes.length ?? 0;
      }
      if (step % 50 === 0) {
        assert.deepEqual(
          entries.filter((x) => x.decoded !== undefined).map((x) => x.revision),
          [...model].sort((x, y) => x.revision - y.revision).map((x) => x.revision),
          `step ${step}`,
        );
        assert.equal(
          set.usedBytes,
          model.reduce((n, x) => n + x.bytes.length, 0),
        );
      }
    }
  });

  test('an object larger than the whole budget is served but not kept', () => {
    const set = new DecodedWorkingSet(50);
    const e = entry(1, 100);
    const obj = set.obtain(e, decodeOf({ n: 0 }));
    assert.equal(obj.metadata?.name, '1');
    assert.equal(set.size, 0);
    assert.equal(e.decoded, undefined);
  });
});
