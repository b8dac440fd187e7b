import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { generate } from '../../../tools/gen-proto';
import { messageForKind, packageForGroupVersion, parseApiVersion } from '../src/schema/kinds';
import { loadSchemaSet } from '../src/schema/load';
import { wireDir } from './schema-fixtures';

interface WireField {
  name: string;
  number: number;
  label: string;
  type: string;
  kind: string;
  keyType?: string;
  valueType?: string;
  valueKind?: string;
  markers: Record<string, unknown>;
  goType?: string;
  json?: { name: string; omitempty?: boolean; inline?: boolean };
}

interface WirePackage {
  package: string;
  messages: Record<string, { fields: WireField[]; markers: Record<string, unknown> }>;
}

function wirePackages(): WirePackage[] {
  return fs
    .readdirSync(wireDir())
    .filter((f) => f.startsWith('k8s.io.') && !f.includes('testapigroup'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(wireDir(), f), 'utf8')) as WirePackage);
}

test('committed proto/ carries every wire fact (names, numbers, types, JSON tags, Go types, markers)', () => {
  const schemas = loadSchemaSet();
  let messages = 0;
  for (const pkg of wirePackages()) {
    for (const [name, wm] of Object.entries(pkg.messages)) {
      const m = schemas.message(`${pkg.package}.${name}`);
      messages++;
      assert.deepEqual(m.markers, wm.markers, `${m.fullName} markers`);
      assert.deepEqual(
        m.fields.map((f) => f.name),
        wm.fields.map((f) => f.name),
        `${m.fullName} field order`,
      );
      wm.fields.forEach((wf, i) => {
        const f = m.fields[i];
        const where = `${m.fullName}.${wf.name}`;
        assert.equal(f.number, wf.number, where);
        assert.equal(f.label, wf.label, where);
        assert.equal(f.kind, wf.kind, where);
        assert.equal(f.type, wf.type, where);
        assert.equal(f.keyType, wf.keyType, where);
        assert.equal(f.valueType, wf.valueType, where);
        assert.equal(f.valueKind, wf.valueKind, where);
        assert.equal(f.goType, wf.goType, where);
        assert.deepEqual(f.markers, wf.markers, `${where} markers`);
        assert.equal(f.jsonName, wf.json ? wf.json.name : '-', where);
        assert.equal(f.omitempty, wf.json?.omitempty === true, where);
        assert.equal(f.inline, wf.json?.inline === true, where);
      });
    }
  }
  assert.equal(messages, [...schemas.all()].length);
  assert.ok(messages > 1100);
});

test('generator output is what is committed', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-proto-'));
  try {
    const written = generate(wireDir(), out);
    assert.equal(written.length, 69);
    const committed = path.join(__dirname, '..', '..', '..', '..', 'proto');
    for (const rel of written) {
      assert.equal(
        fs.readFileSync(path.join(out, rel), 'utf8'),
        fs.readFileSync(path.join(committed, rel), 'utf8'),
        rel,
      );
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('pointer, custom JSON forms and markers of well-known fields', () => {
  const s = loadSchemaSet();
  const cm = s.message('k8s.io.api.core.v1.ConfigMap');
  const byName = new Map(cm.fields.map((f) => [f.name, f]));
  assert.equal(byName.get('metadata')?.pointer, false);
  assert.equal(byName.get('immutable')?.pointer, true);
  assert.equal(byName.get('data')?.pointer, true);
  const ports = s.message('k8s.io.api.core.v1.PodSpec').fields.find((f) => f.name === 'containers');
  assert.equal(ports?.markers.patchMergeKey, 'name');
  assert.equal(ports?.markers.patchStrategy, 'merge');
  const svcPorts = s.message('k8s.io.api.core.v1.ServiceSpec').fields.find((f) => f.name === 'ports');
  assert.deepEqual(svcPorts?.markers.listMapKey, ['port', 'protocol']);
  assert.equal(svcPorts?.markers.listType, 'map');
  assert.equal(s.message('k8s.io.apimachinery.pkg.apis.meta.v1.Time').customJson, 'Time');
  assert.equal(s.message('k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime').customJson, 'MicroTime');
  assert.equal(s.message('k8s.io.apimachinery.pkg.util.intstr.IntOrString').customJson, 'IntOrString');
  assert.equal(s.message('k8s.io.api.authentication.v1.ExtraValue').customJson, 'StringArray');
  assert.equal(s.message('k8s.io.apimachinery.pkg.runtime.RawExtension').customJson, 'RawJSON');
  assert.equal(s.message('k8s.io.api.core.v1.Pod').customJson, undefined);
  assert.equal(s.has('k8s.io.apimachinery.pkg.apis.testapigroup.v1.Carp'), false);
  assert.strictEqual(loadSchemaSet(), s, 'cached');
});

test('messageForKind maps API groups to proto packages', () => {
  const s = loadSchemaSet();
  const cases: Array<[string, string, string, string | undefined]> = [
    ['', 'v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap'],
    ['apps', 'v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment'],
    ['coordination.k8s.io', 'v1', 'Lease', 'k8s.io.api.coordination.v1.Lease'],
    ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'k8s.io.api.rbac.v1.ClusterRole'],
    ['internal.apiserver.k8s.io', 'v1alpha1', 'StorageVersion', 'k8s.io.api.apiserverinternal.v1alpha1.StorageVersion'],
    [
      'apiextensions.k8s.io',
      'v1',
      'CustomResourceDefinition',
      'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    ],
    ['apiregistration.k8s.io', 'v1', 'APIService', 'k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService'],
    ['', 'v1', 'Status', 'k8s.io.apimachinery.pkg.apis.meta.v1.Status'],
    ['apps', 'v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['', 'v1', 'WatchEvent', 'k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent'],
    ['example.com', 'v1', 'Widget', undefined],
    ['', 'v1', 'Not A Kind', undefined],
  ];
  for (const [group, version, kind, want] of cases) assert.equal(messageForKind(s, group, version, kind), want, kind);
  assert.equal(packageForGroupVersion('flowcontrol.apiserver.k8s.io', 'v1'), 'k8s.io.api.flowcontrol.v1');
  assert.deepEqual(parseApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  assert.deepEqual(parseApiVersion('v1'), { group: '', version: 'v1' });
});
