import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateSchemaSetFile } from '../../../tools/gen-schema-set';
import { loadSchemaSet, parseSchemaSet } from '../src/schema/load';
import { defaultProtoDir } from '../src/schema/paths';
import { SCHEMA_SET_FILE, schemaSetFilePath } from '../src/schema/schema-set-file';

test('committed proto/schema-set.json is what gen-schema-set writes from the .proto files', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-schema-set-'));
  try {
    fs.cpSync(defaultProtoDir(), copy, { recursive: true, filter: (src) => path.basename(src) !== SCHEMA_SET_FILE });
    const written = generateSchemaSetFile(copy);
    assert.equal(
      fs.readFileSync(written, 'utf8'),
      fs.readFileSync(schemaSetFilePath(defaultProtoDir()), 'utf8'),
      'proto/schema-set.json is stale: run node dist/tools/gen-schema-set.js',
    );
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

test('a replica reads from schema-set.json the same messages, in the same order, as parsing proto/', () => {
  const parsed = [...parseSchemaSet().all()];
  const loaded = [...loadSchemaSet().all()];
  assert.ok(loaded.length > 1000, `${loaded.length} messages`);
  assert.deepStrictEqual(loaded, parsed);
  assert.equal(loadSchemaSet().message('k8s.io.api.core.v1.Pod').fields[1].name, 'spec');
});

test('a proto dir without schema-set.json is parsed from its .proto files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-proto-only-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'a.proto'),
      'syntax = "proto2";\npackage x.y;\nmessage M {\n  optional string name = 1 [(k8s.json) = "name,omitempty"];\n}\n',
    );
    const m = loadSchemaSet(dir).message('x.y.M');
    assert.deepEqual(
      m.fields.map((f) => [f.name, f.number, f.jsonName, f.omitempty]),
      [['name', 1, 'name', true]],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
