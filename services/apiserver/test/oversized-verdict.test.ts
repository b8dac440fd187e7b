/**
 * The shortcuts of the oversized-create worker (endpoints/oversized-thread.ts) must never change an
 * answer: large maps frozen with their key lists, duplicate keys told by the member count, and the
 * storage limit decided on a lower bound of the protobuf encoding. Each case runs the worker's steps
 * (decode with frozen maps, the store's verdict, its 413) and the ordinary create on a real embedded
 * store and compares the Status or the stored object; the size bound and the member count are also
 * checked against the encoder and the duplicate scan they stand in for.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { ownKeys } from '../src/api/key-snapshots';
import type { KubeObject } from '../src/api/object';
import { scanJsonText } from '../src/codec/json-depth';
import { findDuplicateFields, hasNoRepeatedMembers } from '../src/codec/json-duplicates';
import { protobufSizeExceeds } from '../src/codec/protobuf-size';
import { decodeBody, type FieldValidation } from '../src/endpoints/body';
import type { GenericStore } from '../src/registry/generic-store';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { loadSchemaSet } from '../src/schema/load';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';
import { DEFAULT_MAX_VALUE_BYTES, sizeLimitCheck } from '../src/storage/store';

const schemas = loadSchemaSet();
const codec = storageCodecFor('application/vnd.kubernetes.protobuf', schemas);
const LIMIT = DEFAULT_MAX_VALUE_BYTES;
let dataDir: string;
let opened: OpenedStorage;
let store: GenericStore;

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-verdict-'));
  opened = await openStorage({ backend: 'embedded', dataDir }, codec);
  const def = BUILTIN_KINDS.find((d) => d.info.group === '' && d.info.resource === 'configmaps');
  assert.ok(def);
  store = makeStore(def, {
    security: newSecurityServices(),
    storage: opened.storage,
    backend: opened.backend,
    prefix: opened.prefix,
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
  });
  store.enableFieldManagement(schemas);
});

after(async () => {
  await opened.storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const TARGET = { group: '', version: 'v1', kind: 'ConfigMap', messageType: 'k8s.io.api.core.v1.ConfigMap' };

type Outcome =
  | { status: { code: number; reason: string; message: string }; warnings?: string[] }
  | { data: unknown; warnings: string[] };

function statusOf(e: unknown): Outcome {
  assert.ok(e instanceof StatusError, String(e));
  return { status: { code: e.code, reason: e.reason, message: e.message } };
}

/** The ordinary create of a JSON body: decode, then the full create (no early check). */
async function ordinary(body: Buffer, validation: FieldValidation = 'Warn'): Promise<Outcome> {
  try {
    const { object, warnings } = decodeBody(schemas, 'json', body, TARGET, validation);
    const created = await store.create('default', object, { manager: 'probe' });
    await store.delete('default', created.metadata?.name ?? '', {});
    return { data: created.data, warnings };
  } catch (e) {
    return statusOf(e);
  }
}

/**
 * What the replica answers for the body: the worker's steps (a decode with frozen maps, the store's
 * verdict) and its 413 when the verdict says so; the ordinary create otherwise. Whether the worker
 * answered is returned beside.
 */
async function served(body: Buffer, validation: FieldValidation = 'Warn'): Promise<[Outcome, boolean]> {
  let verdict;
  try {
    const { object } = decodeBody(schemas, 'json', body, TARGET, validation, { freezeLargeMaps: true });
    verdict = await store.sizeLimitVerdict('default', object, { manager: 'probe', bodyBytes: body.length });
  } catch {
    verdict = undefined; // the worker leaves errors to the ordinary path
  }
  if (!verdict) return [await ordinary(body, validation), false];
  try {
    await store.refuseOversized(verdict);
  } catch (e) {
    return [statusOf(e), true];
  }
  assert.fail('refuseOversized returned');
}

function configMapBody(data: string, name = 'cm'): Buffer {
  return Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":${data}}`);
}

function keys(n: number, prefix = 'k', value = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`${prefix}${i.toString(36)}`] = value;
  return out;
}

/** The largest value length (0..max) for which `fits` holds, given it holds at 0 and not at max. */
async function largestFitting(max: number, fits: (len: number) => Promise<boolean>): Promise<number> {
  let lo = 0;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const TOO_LARGE = {
  code: 413,
  reason: 'RequestEntityTooLarge',
  message: 'Request entity too large: the encoded object is larger than the storage limit of 1572864 bytes',
};

test('the size bound never passes the limit when the encoding does not, whatever the text', () => {
  const samples: Record<string, string>[] = [
    keys(3000, 'ascii-key-', 'v'.repeat(300)),
    // 3-byte UTF-8 characters, surrogate pairs (4 bytes for two units) and lone surrogates (3 bytes)
    keys(2000, 'é€-', '\u{1F600}'.repeat(100) + '\ud800'),
    keys(200_000),
    { big: 'x'.repeat(LIMIT) },
  ];
  for (const data of samples) {
    const labels = Object.keys(data).length < 10_000 ? data : undefined;
    const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels }, data };
    const encoded = codec.encode(obj).length;
    for (const limit of [encoded - 1, encoded, encoded + 1, Math.floor(encoded / 2)]) {
      if (protobufSizeExceeds(schemas, obj, limit))
        assert.ok(encoded > limit, `bound over ${limit}, encoded ${encoded}`);
    }
    if (encoded > 2 * LIMIT) assert.ok(protobufSizeExceeds(schemas, obj, LIMIT), 'a map twice the limit is found');
  }
  // kinds without a message (stored as JSON) have no bound
  assert.equal(protobufSizeExceeds(schemas, { apiVersion: 'x/v1', kind: 'X', data: keys(200_000) }, 10), false);
  assert.equal(jsonStorageCodec.sizeExceeds, undefined);
});

test('the storage limit: an object encoded to exactly the limit fits, one byte more is refused', async () => {
  const check = sizeLimitCheck(codec);
  const cm = (len: number, n: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'edge' },
    data: { ...keys(n), pad: 'p'.repeat(len) },
  });
  // many keys and one long value, and few keys and one long value
  for (const n of [120_000, 1000]) {
    const base = codec.encode(cm(0, n)).length;
    assert.ok(base < LIMIT - 100_000, `${n} keys: ${base} bytes`);
    // a value of 16384..2097151 bytes has a 3-byte length, so each byte more is one byte encoded
    const start = 100_000;
    const len = start + LIMIT - codec.encode(cm(start, n)).length;
    assert.equal(codec.encode(cm(len, n)).length, LIMIT);
    assert.equal(check(cm(len, n)), undefined, `${n} keys: exactly the limit fits`);
    assert.equal(
      check(cm(len + 1, n))?.message,
      'the encoded object is larger than the storage limit of 1572864 bytes',
    );
  }
});

test('a ConfigMap just under the limit is stored, one just over gets the same 413, at both boundaries', async () => {
  // the ordinary create's boundary (managedFields included) and the worker's (its check leaves them out)
  const values = (len: number): string => JSON.stringify({ ...keys(1100, 'key-'.repeat(60)), pad: 'v'.repeat(len) });
  const ordinaryLen = await largestFitting(
    1024 * 1024 - 1,
    async (l) => 'data' in (await ordinary(configMapBody(values(l)))),
  );
  const under = await served(configMapBody(values(ordinaryLen)));
  assert.ok('data' in under[0], JSON.stringify(under[0]).slice(0, 300));
  assert.equal(under[1], false, 'the worker lets a fitting object through');
  assert.deepEqual(under[0], await ordinary(configMapBody(values(ordinaryLen))));
  const over = await served(configMapBody(values(ordinaryLen + 1)));
  assert.deepEqual(over[0], { status: TOO_LARGE });

  // over 1 MiB of data is the 422 of ConfigMap validation, which comes before any size
  const big = (len: number): string => JSON.stringify({ ...keys(2300, 'key-'.repeat(60)), pad: 'v'.repeat(len) });
  const workerLen = await largestFitting(1024 * 1024, async (l) => !(await served(configMapBody(big(l))))[1]);
  for (const len of [workerLen, workerLen + 1]) {
    const [answer, byWorker] = await served(configMapBody(big(len)));
    assert.equal(byWorker, len > workerLen);
    assert.deepEqual(answer, { status: TOO_LARGE });
    assert.deepEqual(answer, await ordinary(configMapBody(big(len))));
  }
  const tooMuchData = await served(configMapBody(big(1024 * 1024 + 1)));
  assert.equal(tooMuchData[1], false);
  assert.equal((tooMuchData[0] as { status: { code: number } }).status.code, 422);
  assert.match(JSON.stringify(tooMuchData[0]), /Too long: may not be more than 1048576 bytes/);
});

test('hostile 200,000-key bodies: the worker answers as the ordinary create, and leaves what it cannot', async () => {
  const huge = JSON.stringify(keys(200_000)).slice(1, -1);
  const names = '"__proto__":"p","constructor":"c","toString":"t"';
  const cases: Array<[string, string, FieldValidation, boolean]> = [
    [
      'a repeated key, prototype names, a huge value',
      `{${huge},"k0":"a",${names},"big":"${'v'.repeat(900_000)}"}`,
      'Warn',
      true,
    ],
    ['a repeated key, Strict', `{${huge},"k0":"again"}`, 'Strict', false],
    ['the same key escaped, Strict', `{${huge},"\\u006b0":"x"}`, 'Strict', false],
    ['a repeated __proto__', `{${huge},"__proto__":"p","__proto__":{"x":1}}`, 'Warn', false],
    ['a non-string value', `{${huge},"n":1}`, 'Warn', false],
    ['a bad key', `{${huge},"bad key":"x"}`, 'Warn', false],
  ];
  for (const [what, data, validation, worker] of cases) {
    const body = configMapBody(data, 'hostile');
    const expected = await ordinary(body, validation);
    const [answer, byWorker] = await served(body, validation);
    const { warnings: _, ...status } = expected as { warnings?: string[] };
    assert.deepEqual(answer, status, what);
    assert.equal(byWorker, worker, `${what}: answered by the worker`);
  }
  await assert.rejects(store.get('default', 'hostile'), (e: unknown) => (e as StatusError).code === 404);
});

test('frozen maps decode as the ordinary decode: same object, same warnings, keys listed once', () => {
  const data = `{${JSON.stringify(keys(5000)).slice(1, -1)},"__proto__":"p","constructor":"c"}`;
  const labels = JSON.stringify(keys(2000));
  const texts = [
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","labels":${labels}},"data":${data}}`,
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f"},"data":{${JSON.stringify(keys(3000)).slice(1, -1)},"k1":"b"},"bogus":1}`,
  ];
  for (const text of texts) {
    const body = Buffer.from(text);
    const plain = decodeBody(schemas, 'json', body, TARGET, 'Warn');
    const frozen = decodeBody(schemas, 'json', body, TARGET, 'Warn', { freezeLargeMaps: true });
    assert.deepEqual(frozen, plain);
    const map = frozen.object.data as Record<string, string>;
    assert.ok(Object.isFrozen(map));
    assert.deepEqual(ownKeys(map), Object.keys(map));
    assert.throws(() => {
      map.added = 'x';
    }, TypeError);
    assert.ok(!Object.isFrozen(plain.object.data), 'the ordinary decode freezes nothing');
  }
});

test('the member count finds a repeated name exactly when the duplicate scan does', () => {
  const texts = [
    '{"a":1,"b":2}',
    '{"a":1,"a":2}',
    '{"a":{"x":1,"y":2},"a":3}',
    '{"a":3,"a":{"x":1}}',
    '{"a":[{"x":1},{"x":1,"x":2}]}',
    '{"a":"k:v","b":"\\":\\""}',
    '{"a":1,"\\u0061":2}',
    '{"__proto__":1,"__proto__":2}',
    '{"__proto__":{"a":1},"b":{"a":1}}',
    '{"1":1,"0":2,"1":3}',
    '[{"a":1},[{"b":2,"b":3}]]',
    '[1,2,3]',
    '"x"',
    '{"deep":{"er":{"est":{"a":1,"b":{"c":[{}]}}}}}',
  ];
  for (const text of texts) {
    const unique = hasNoRepeatedMembers(JSON.parse(text), scanJsonText(text));
    assert.equal(unique, findDuplicateFields(text).length === 0, text);
  }
});
