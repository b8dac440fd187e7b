import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../src/codec/protobuf';
import { decodeObject } from '../src/codec/json';
import { loadSchemaSet } from '../src/schema/load';
import { messageForKind } from '../src/schema/kinds';
import { sharedFixturesDir } from '../src/schema/paths';

const schemas = loadSchemaSet();
const SERVED = [
  'core.v1.ConfigMap',
  'core.v1.Secret',
  'core.v1.Namespace',
  'core.v1.Event',
  'coordination.k8s.io.v1.Lease',
  'apps.v1.Deployment',
];
const ITERATIONS = 3000;

function fixture(name: string, ext: string): Buffer {
  return readFileSync(path.join(sharedFixturesDir(), 'objects', `${name}.${ext}`));
}

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function mutate(input: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(input);
  switch (Math.floor(rnd() * 6)) {
    case 0: // bit flips
      for (let i = 0; i < 1 + rnd() * 8; i++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 1: // truncation
      return b.subarray(0, Math.floor(rnd() * b.length));
    case 2: {
      // a huge length prefix (2 GiB) spliced in at a random offset
      const at = 4 + Math.floor(rnd() * (b.length - 4));
      return Buffer.concat([b.subarray(0, at), Buffer.from([0x12, 0x80, 0x80, 0x80, 0x80, 0x08]), b.subarray(at)]);
    }
    case 3: {
      // duplicate a random slice (nesting / repeated fields)
      const from = Math.floor(rnd() * b.length);
      const len = Math.floor(rnd() * Math.min(64, b.length - from));
      return Buffer.concat([b, b.subarray(from, from + len)]);
    }
    case 4: // random bytes after the magic
      return Buffer.concat([
        b.subarray(0, 4),
        Buffer.from(Array.from({ length: Math.floor(rnd() * 128) }, () => Math.floor(rnd() * 256))),
      ]);
    default: {
      // overwrite a varint with 0xff bytes (over-long varints)
      const at = 4 + Math.floor(rnd() * (b.length - 4));
      b.fill(0xff, at, Math.min(b.length, at + 10));
      return b;
    }
  }
}

test(`protobuf decoder fuzz: ${ITERATIONS} mutations of every served fixture are decoded or refused with a 400`, () => {
  const rnd = prng(0x6b387300);
  let decoded = 0;
  let refused = 0;
  for (const name of SERVED) {
    const pb = fixture(name, 'pb');
    for (let i = 0; i < ITERATIONS / SERVED.length; i++) {
      const input = mutate(pb, rnd);
      try {
        const obj = decodeObjectProtobuf(schemas, input);
        // whatever decodes must re-encode without throwing anything but a Status
        try {
          encodeObjectProtobuf(schemas, obj);
        } catch (e) {
          assert.ok(e instanceof StatusError && e.code < 500, `${name} re-encode: ${String(e)}`);
        }
        decoded++;
      } catch (e) {
        assert.ok(e instanceof StatusError && e.code === 400, `${name} mutation ${i}: ${String(e)}`);
        refused++;
      }
    }
  }
  assert.ok(decoded > 0 && refused > 0, `decoded ${decoded}, refused ${refused}`);
});

test('JSON decoder fuzz: mutated fixture values keep to 400s', () => {
  const rnd = prng(7);
  const values: unknown[] = [null, true, 1.5, -1, 'x', [], {}, [1, 'a'], { a: { b: [] } }, 2 ** 64, '2008-01-01', ''];
  for (const name of SERVED) {
    const [group, version, kind] = name.startsWith('core.')
      ? ['', 'v1', name.split('.')[2]]
      : [name.split('.').slice(0, -2).join('.'), name.split('.').slice(-2)[0], name.split('.').slice(-1)[0]];
    const mt = messageForKind(schemas, group, version, kind);
    assert.ok(mt, name);
    const base = JSON.parse(fixture(name, 'json').toString()) as Record<string, unknown>;
    for (let i = 0; i < 300; i++) {
      const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      // replace a random member somewhere in the tree with a value of another type
      let cur: Record<string, unknown> = copy;
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(cur);
        if (keys.length === 0) break;
        const k = keys[Math.floor(rnd() * keys.length)];
        const next = cur[k];
        if (depth > 0 && (rnd() < 0.35 || typeof next !== 'object' || next === null)) {
          cur[k] = values[Math.floor(rnd() * values.length)];
          break;
        }
        cur = (Array.isArray(next) ? (next[0] as Record<string, unknown>) : (next as Record<string, unknown>)) ?? {};
        if (typeof cur !== 'object' || cur === null) break;
      }
      try {
        decodeObject(schemas, mt, copy);
      } catch (e) {
        assert.ok(e instanceof StatusError && e.code === 400, `${name}: ${String(e)}`);
      }
    }
  }
});
