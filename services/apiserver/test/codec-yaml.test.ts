import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encodeYaml, goYamlKeyLess } from '../src/codec/yaml';
import { objectFixtures } from './schema-fixtures';

test('every JSON fixture encodes to its YAML fixture byte for byte', () => {
  const fixtures = objectFixtures();
  assert.ok(fixtures.length >= 175);
  for (const fx of fixtures) {
    const obj = JSON.parse(readFileSync(fx.jsonPath, 'utf8')) as unknown;
    const want = readFileSync(fx.jsonPath.replace(/\.json$/, '.yaml'), 'utf8');
    assert.equal(encodeYaml(obj), want, fx.name);
  }
});

test("go-yaml v2's key order: digit runs by value, non-letters before letters", () => {
  const keys = ['b', 'a10', 'a2', 'A', '_x', 'a', 'a02', 'aa'];
  const sorted = [...keys].sort((x, y) => (x === y ? 0 : goYamlKeyLess(x, y) ? -1 : 1));
  assert.deepEqual(sorted, ['_x', 'A', 'a', 'a2', 'a02', 'a10', 'aa', 'b']);
});

test('strings YAML 1.1 would read as something else are quoted', () => {
  const out = encodeYaml({ t: '2008-01-01T01:01:01Z', b: 'yes', c: '10', o: 'on', s: 'plain', e: '', y: 1 });
  assert.equal(out, 'b: "yes"\nc: "10"\ne: ""\no: "on"\ns: plain\nt: "2008-01-01T01:01:01Z"\n"y": 1\n');
});

test('an object shared in two places is written twice, never as an anchor and alias', () => {
  const shared = { a: 1 };
  assert.equal(encodeYaml({ x: shared, y: [shared] }), 'x:\n  a: 1\n"y":\n- a: 1\n');
});
