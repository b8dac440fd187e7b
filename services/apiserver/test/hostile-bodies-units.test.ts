import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { FieldSet } from '../src/apply/fieldset';
import { serverSideApply, updateManagedFields } from '../src/apply';
import { findExcessNesting, MAX_JSON_NESTING_DEPTH, valueDepthExceeds } from '../src/codec/json-depth';
import { parseFieldsV1Json } from '../src/codec/fieldsv1-json';
import { decodeObject, encodeJson, MAX_STRICT_ERRORS } from '../src/codec/json';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../src/codec/protobuf';
import { decodeBody, fieldWarnings, parseJsonBody, parseYamlBody, yamlDuplicates } from '../src/endpoints/body';
import { warningHeaders, warningHeaderValue, WARNING_ITEM_RUNES, WARNING_TOTAL_RUNES } from '../src/endpoints/warnings';
import { applyPatch } from '../src/patch';
import { validateConfigMap } from '../src/registry/strategies/configmaps';
import { loadSchemaSet } from '../src/schema/load';
import type { JsonValue, KubeObject } from '../src/api/object';

const schemas = loadSchemaSet();
const CONFIGMAP = 'k8s.io.api.core.v1.ConfigMap';
const PROTO_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

function header(text: string): string {
  return `299 - "${text}"`;
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `not a StatusError: ${String(e)}`);
    return e;
  }
  assert.fail('no error');
}

// ---- warnings -------------------------------------------------------------------------

test('warnings: deduplicated by text, quotes and backslashes escaped, control characters refused', () => {
  assert.deepEqual(warningHeaders([]), {});
  assert.deepEqual(warningHeaders(['a', 'b', 'a', '']), { warning: [header('a'), header('b')] });
  assert.deepEqual(warningHeaders(['say "hi" \\ bye']), { warning: ['299 - "say \\"hi\\" \\\\ bye"'] });
  assert.equal(warningHeaderValue('line\nbreak'), undefined);
  assert.equal(warningHeaderValue('tab\there'), undefined);
  assert.deepEqual(warningHeaders(['x\u0007', 'ok']), { warning: [header('ok')] });
});

test('warnings: non-ASCII text goes out as its UTF-8 bytes (a Latin-1 header string)', () => {
  const [value] = warningHeaders(['unknown field "日本"']).warning;
  assert.equal(Buffer.from(value, 'latin1').toString('utf8'), '299 - "unknown field \\"日本\\""');
  // every char fits in a byte, so Node can write it as a header
  assert.ok([...value].every((c) => c.charCodeAt(0) < 256));
});

test('warnings: under 4096 runes all are whole; past it all are cut to 256 runes and the rest dropped', () => {
  const long = (c: string): string => c.repeat(1000);
  // 4 x 1000 runes fit
  const fits = warningHeaders([long('a'), long('b'), long('c'), long('d')]).warning;
  assert.deepEqual(fits, [long('a'), long('b'), long('c'), long('d')].map(header));
  // the fifth crosses the total: everything so far is replayed truncated, then new ones truncated
  const many = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(998)}`);
  const out = warningHeaders(many).warning;
  for (const h of out) {
    const text = JSON.parse(h.slice('299 - '.length)) as string;
    assert.equal([...text].length, WARNING_ITEM_RUNES);
  }
  // written stops growing once the total is reached: 16 x 256 = 4096
  assert.equal(out.length, WARNING_TOTAL_RUNES / WARNING_ITEM_RUNES);
  assert.ok(out[0].startsWith('299 - "00'));
  assert.ok(out[15].startsWith('299 - "15'));
});

test('warnings: the upstream truncation example, scaled (short ones survive whole, order kept)', () => {
  const w = warningHeaders([
    ...Array.from({ length: 15 }, (_, i) => `w${String(i).padStart(2, '0')}-${'y'.repeat(269)}`),
    'short one',
    ...Array.from({ length: 5 }, (_, i) => `z${i}-${'y'.repeat(270)}`),
  ]).warning;
  // 15 x 273 runes = 4095 fit; the 16th (9 runes) crosses: replay at <= 256 each
  assert.equal(w[15], header('short one'));
  // after the replay 15 x 256 + 9 = 3849 runes are written; each further one adds 256 while below 4096
  assert.equal(w.length, 17);
  const texts = w.map((h) => JSON.parse(h.slice(6)) as string);
  assert.ok(texts.slice(0, 15).every((t) => [...t].length === WARNING_ITEM_RUNES));
});

test('warnings: 100,000 unknown fields produce a header list bounded by the rune budget', () => {
  const unknown = Array.from({ length: 100_000 }, (_, i) => `.spec.bogus${i}`);
  const warnings = fieldWarnings(unknown, 'Warn');
  assert.ok(warnings.length <= MAX_STRICT_ERRORS);
  const headers = warningHeaders(warnings).warning;
  const bytes = headers.reduce((n, h) => n + h.length, 0);
  assert.ok(bytes < 8 * 1024, `${bytes} bytes of warning headers`);
});

test('strict field validation with 100,000 unknown fields is one bounded 400', () => {
  const data: Record<string, string> = {};
  const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data };
  for (let i = 0; i < 100_000; i++) body[`bogus${i}`] = 1;
  const expected = { group: '', version: 'v1', kind: 'ConfigMap', messageType: CONFIGMAP };
  const err = statusOf(() => decodeBody(schemas, 'json', Buffer.from(JSON.stringify(body)), expected, 'Strict'));
  assert.equal(err.code, 400);
  assert.ok(err.message.startsWith('strict decoding error: unknown field "bogus0", unknown field "bogus1"'));
  assert.equal(err.message.split('unknown field').length - 1, MAX_STRICT_ERRORS);
  assert.ok(err.message.length < 4000, `${err.message.length} chars`);
  const warned = decodeBody(schemas, 'json', Buffer.from(JSON.stringify(body)), expected, 'Warn');
  assert.equal(warned.warnings.length, MAX_STRICT_ERRORS);
});

// ---- depth ----------------------------------------------------------------------------

test('JSON nesting: 10,000 levels pass, 10,001 are a 400 naming the depth, a million never overflow', () => {
  const nest = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  assert.equal(findExcessNesting(nest(MAX_JSON_NESTING_DEPTH)), undefined);
  assert.deepEqual(findExcessNesting(nest(MAX_JSON_NESTING_DEPTH + 1)), {
    char: '[',
    offset: MAX_JSON_NESTING_DEPTH,
  });
  // brackets inside strings do not count, escaped quotes do not end them
  assert.equal(findExcessNesting(`["${'['.repeat(20_000)}\\"${'{'.repeat(20_000)}"]`), undefined);
  for (const n of [MAX_JSON_NESTING_DEPTH + 1, 1_000_000]) {
    const text = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"deep":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
    const err = statusOf(() => parseJsonBody(Buffer.from(text)));
    assert.equal(err.code, 400);
    assert.match(err.message, /exceeded max depth/);
  }
});

test('YAML nesting: flow collections too deep for the parser and values past 10,000 levels are 400s', () => {
  for (const n of [MAX_JSON_NESTING_DEPTH + 1, 200_000]) {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndeep: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    const err = statusOf(() => parseYamlBody(Buffer.from(yaml)));
    assert.equal(err.code, 400);
    assert.match(err.message, /exceeded max depth|error converting YAML/);
  }
  let deep: unknown = 1;
  for (let i = 0; i < MAX_JSON_NESTING_DEPTH + 5; i++) deep = [deep];
  assert.equal(valueDepthExceeds(deep), true);
  assert.equal(valueDepthExceeds({ a: [{ b: 1 }] }), false);
});

test('apply bodies that are JSON text are read as JSON, duplicates still found', () => {
  const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1","a":"2"}}';
  assert.deepEqual(parseYamlBody(Buffer.from(text)), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x' },
    data: { a: '2' },
  });
  assert.deepEqual(yamlDuplicates(Buffer.from(text)), ['data.a']);
  // a YAML flow mapping is not JSON and still parses as YAML
  assert.deepEqual(parseYamlBody(Buffer.from('{a: 1}')), { a: 1 });
  assert.deepEqual(yamlDuplicates(Buffer.from('a: 1\na: 2\n')), ['a']);
});

// ---- keys that name Object.prototype members -------------------------------------------

function protoMap(): Record<string, string> {
  return JSON.parse(`{${PROTO_KEYS.map((k, i) => `"${k}":"v${i}"`).join(',')}}`) as Record<string, string>;
}

function assertProtoMap(m: unknown, what: string): void {
  assert.ok(typeof m === 'object' && m !== null, what);
  assert.equal(Object.getPrototypeOf(m), Object.prototype, `${what}: prototype replaced`);
  assert.deepEqual(Object.keys(m).sort(), [...PROTO_KEYS].sort(), what);
  PROTO_KEYS.forEach((k, i) => assert.equal(Object.getOwnPropertyDescriptor(m, k)?.value, `v${i}`, `${what}.${k}`));
}

function protoConfigMap(): KubeObject {
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'p', namespace: 'default' },
      data: '@DATA@',
    }).replace('"@DATA@"', JSON.stringify(protoMap())),
  ) as KubeObject;
}

test('Object.prototype names are ordinary ConfigMap keys: decode, validate, JSON and protobuf', () => {
  const obj = protoConfigMap();
  assertProtoMap(obj.data, 'parsed');
  const { object } = decodeObject(schemas, CONFIGMAP, obj);
  assertProtoMap(object.data, 'decoded');
  assert.deepEqual(validateConfigMap({ ...object, metadata: { name: 'p', namespace: 'default' } }), []);
  const back = JSON.parse(encodeJson(schemas, CONFIGMAP, object)) as KubeObject;
  assertProtoMap(back.data, 'json round trip');
  const pb = decodeObjectProtobuf(schemas, encodeObjectProtobuf(schemas, object));
  assertProtoMap(pb.data, 'protobuf round trip');
  // binaryData keys are checked for clashes with data by own keys only
  const binary = { ...object, binaryData: { other: 'AA==' }, metadata: { name: 'p', namespace: 'default' } };
  assert.deepEqual(validateConfigMap(binary), []);
});

test('Object.prototype names survive managedFields bookkeeping, apply and every patch type', () => {
  const { object } = decodeObject(schemas, CONFIGMAP, protoConfigMap());
  const created = updateManagedFields(schemas, CONFIGMAP, undefined, object, { manager: 'm', apiVersion: 'v1' });
  const fields = created.metadata?.managedFields?.[0]?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(fields['f:data']).sort(), ['.', ...PROTO_KEYS.map((k) => `f:${k}`)].sort());
  assert.ok(!FieldSet.fromFieldsV1(fields as unknown as JsonValue).empty());

  // apply by another manager that owns only one key keeps every other key
  const applied = serverSideApply(
    schemas,
    CONFIGMAP,
    created,
    JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"},"data":{"extra":"x"}}') as KubeObject,
    { manager: 'applier', apiVersion: 'v1' },
  );
  const data = applied.data as Record<string, string>;
  assert.equal(Object.getPrototypeOf(data), Object.prototype);
  for (const k of PROTO_KEYS) assert.ok(Object.hasOwn(data, k), `apply lost ${k}`);
  assert.equal(data.extra, 'x');

  // patches that set one key and remove another
  const setK = JSON.parse('{"data":{"constructor":"new","__proto__":"p2"}}') as Record<string, unknown>;
  for (const type of ['merge-patch', 'strategic-merge-patch'] as const) {
    const patched = applyPatch(schemas, CONFIGMAP, type, created, setK) as KubeObject;
    const d = patched.data as Record<string, string>;
    assert.equal(Object.getPrototypeOf(d), Object.prototype, type);
    assert.equal(Object.getOwnPropertyDescriptor(d, '__proto__')?.value, 'p2', type);
    assert.equal(d.constructor, 'new', type);
    assert.equal(d.toString, 'v1', type);
  }
  const jp = applyPatch(schemas, CONFIGMAP, 'json-patch', created, [
    { op: 'replace', path: '/data/__proto__', value: 'j' },
    { op: 'remove', path: '/data/valueOf' },
    { op: 'add', path: '/data/propertyIsEnumerable', value: 'added' },
  ]) as KubeObject;
  const jd = jp.data as Record<string, string>;
  assert.equal(Object.getPrototypeOf(jd), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(jd, '__proto__')?.value, 'j');
  assert.equal(Object.hasOwn(jd, 'valueOf'), false);
  assert.equal(jd.propertyIsEnumerable, 'added');
});

test('FieldsV1 text reads as JSON.parse reads it, compact or not', () => {
  const cases = [
    '{}',
    '{"f:data":{".":{},"f:a":{},"f:__proto__":{}},"f:metadata":{"f:labels":{"f:x":{}}}}',
    '{"f:a":{},"f:a":{"f:b":{}}}',
    '{ "f:a": {} }',
    '{"f:a\\"b":{}}',
    '{"k:{\\"name\\":\\"x\\"}":{".":{},"f:image":{}}}',
    '{"f:a":1}',
    '{"f:a":{}}x',
  ];
  for (const text of cases) {
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      assert.throws(() => parseFieldsV1Json(text), SyntaxError, text);
      continue;
    }
    const got = parseFieldsV1Json(text);
    assert.deepEqual(got, expected, text);
    assert.equal(JSON.stringify(got), JSON.stringify(expected), text);
  }
  const proto = parseFieldsV1Json('{"__proto__":{"f:x":{}}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ['__proto__']);
  // a big map's leaves are one shared frozen object
  const big = parseFieldsV1Json(
    `{"f:data":{${Array.from({ length: 1000 }, (_, i) => `"f:k${i}":{}`).join(',')}}}`,
  ) as Record<string, Record<string, unknown>>;
  assert.equal(Object.keys(big['f:data']).length, 1000);
  assert.ok(Object.isFrozen(big['f:data']['f:k1']));
});
