import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const WIDGETS_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    kind: Widget
    shortNames: [wd]
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    selectableFields:
    - jsonPath: .spec.color
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Color
      type: string
      jsonPath: .spec.color
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "!has(self.replicas) || self.replicas <= 100"
              message: replicas must be at most 100
            properties:
              replicas: {type: integer, minimum: 0}
              color: {type: string}
              size: {type: string, default: M}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;

const GADGETS_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.org
spec:
  group: example.org
  scope: Cluster
  names:
    plural: gadgets
    kind: Gadget
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;

const widget = (name: string, replicas: number, color = 'blue'): string =>
  JSON.stringify({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default' },
    spec: { replicas, color },
  });

interface Obj {
  metadata: { name: string; generation?: number; resourceVersion: string; namespace?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('CustomResourceDefinitions (real kubectl, two replicas on one etcd)', () => {
  let etcd: RunningEtcd;
  let one: ReplicaProcess;
  let two: ReplicaProcess;
  let kc: string;
  let client: ApiClient;
  let client2: ApiClient;
  let kv: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    const args = ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`];
    [one, two] = await Promise.all([startReplicaProcess({ args }), startReplicaProcess({ args })]);
    kc = one.kubeconfig;
    client = new ApiClient(kc);
    client2 = new ApiClient(two.kubeconfig);
    kv = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    client?.close();
    client2?.close();
    kv?.close();
    await Promise.all([one?.cleanup(), two?.cleanup()]);
    await etcd?.stop();
  });

  it('kubectl apply creates the CRD, which becomes established with upstream conditions', async () => {
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], WIDGETS_CRD), /widgets.example.com created/);
    await kubectlOk(kc, ['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']);
    const crd = JSON.parse(await kubectlOk(kc, ['get', 'crd', 'widgets.example.com', '-o', 'json'])) as {
      spec: { names: Record<string, unknown>; conversion: unknown };
      status: {
        conditions: Array<Record<string, string>>;
        acceptedNames: Record<string, unknown>;
        storedVersions: string[];
      };
    };
    assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
    assert.equal(crd.spec.names.listKind, 'WidgetList');
    assert.equal(crd.spec.names.singular, 'widget');
    const byType = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c]));
    assert.deepEqual(
      [byType.NamesAccepted.status, byType.NamesAccepted.reason, byType.NamesAccepted.message],
      ['True', 'NoConflicts', 'no conflicts found'],
    );
    assert.deepEqual(
      [byType.Established.status, byType.Established.reason, byType.Established.message],
      ['True', 'InitialNamesAccepted', 'the initial names have been accepted'],
    );
    assert.deepEqual(crd.status.acceptedNames, crd.spec.names);
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    const table = await kubectlOk(kc, ['get', 'crd']);
    assert.match(table, /^NAME\s+CREATED AT\n/);
    assert.match(table, /widgets\.example\.com\s+\d{4}-\d\d-\d\dT/);
  });

  it('refuses an invalid CRD with upstream messages', async () => {
    const bad = WIDGETS_CRD.replace('name: widgets.example.com', 'name: things.example.com').replace(
      'storage: true',
      'storage: false',
    );
    const r = await kubectl(kc, ['apply', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The CustomResourceDefinition "things.example.com" is invalid/);
    assert.match(
      r.stderr,
      /metadata.name: Invalid value: "things.example.com": must be spec.names.plural\+"."\+spec.group/,
    );
    assert.match(r.stderr, /spec.versions: Invalid value: .*must have exactly one version marked as storage version/);
  });

  it('kubectl apply, get (printer columns), -o yaml and patch an instance', async () => {
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], widget('w1', 3)), /widget.example.com\/w1 created/);
    const table = await kubectlOk(kc, ['get', 'widgets']);
    assert.match(table, /^NAME\s+REPLICAS\s+COLOR\n/);
    assert.match(table, /\nw1\s+3\s+blue\n/);
    assert.match(await kubectlOk(kc, ['get', 'wd', 'w1', '-o', 'yaml']), /generation: 1\n[\s\S]*replicas: 3/);
    await kubectlOk(kc, ['apply', '-f', '-'], widget('w1', 5));
    const got = JSON.parse(await kubectlOk(kc, ['get', 'widget', 'w1', '-o', 'json'])) as Obj;
    assert.equal(got.spec?.replicas, 5);
    assert.equal(got.metadata.generation, 2);
    await kubectlOk(kc, [
      'patch',
      'wd',
      'w1',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/color","value":"red"}]',
    ]);
    assert.match(await kubectlOk(kc, ['get', 'wd', 'w1']), /w1\s+5\s+red/);
    const smp = await kubectl(kc, ['patch', 'wd', 'w1', '--type=strategic', '-p', '{"spec":{"color":"x"}}']);
    assert.notEqual(smp.code, 0);
    assert.match(
      smp.stderr,
      /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
    );
  });

  it('validates, prunes and defaults instances against the version schema', async () => {
    const bad = widget('w9', 1).replace('"replicas":1', '"replicas":"three"');
    const r = await kubectl(kc, ['apply', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The Widget "w9" is invalid: \n\* spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"\n\* <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation/,
    );
    const neg = await kubectl(kc, ['apply', '-f', '-'], widget('w9', -1));
    assert.match(
      neg.stderr,
      /spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/,
    );
    const cel = await kubectl(kc, ['apply', '-f', '-'], widget('w9', 101));
    assert.match(cel.stderr, /The Widget "w9" is invalid: spec: Invalid value: "object": replicas must be at most 100/);
    const col = '/apis/example.com/v1/namespaces/default/widgets';
    const body = { ...(JSON.parse(widget('w8', 1)) as Obj), spec: { replicas: 1, bogus: true } };
    const strict = await client.request('POST', `${col}?fieldValidation=Strict`, body);
    assert.equal(strict.status, 400);
    assert.equal(strict.json<{ message: string }>().message, 'strict decoding error: unknown field "spec.bogus"');
    const warned = await client.request('POST', col, body);
    assert.equal(warned.status, 201);
    assert.equal(String(warned.headers.warning), '299 - "unknown field \\"spec.bogus\\""');
    assert.deepEqual(warned.json<Obj>().spec, { replicas: 1, size: 'M' });
    assert.equal((await client.request('DELETE', `${col}/w8`)).status, 200);
  });

  it('serves every served version of the same objects, stored at the storage version', async () => {
    const beta = await client.request('GET', '/apis/example.com/v1beta1/namespaces/default/widgets/w1');
    assert.equal(beta.status, 200);
    assert.equal(beta.json<{ apiVersion: string }>().apiVersion, 'example.com/v1beta1');
    const group = (await client.request('GET', '/apis/example.com')).json<{
      preferredVersion: { version: string };
      versions: Array<{ version: string }>;
    }>();
    assert.equal(group.preferredVersion.version, 'v1');
    assert.deepEqual(
      group.versions.map((v) => v.version),
      ['v1', 'v1beta1'],
    );
  });

  it('publishes the version schemas in OpenAPI v3 and v2 (kubectl explain)', async () => {
    const explain = await kubectlOk(kc, ['explain', 'widgets.spec']);
    assert.match(explain, /KIND:\s+Widget/);
    assert.match(explain, /replicas\s+<integer>/);
    assert.match(explain, /color\s+<string>/);
    const v3 = (await client.request('GET', '/openapi/v3/apis/example.com/v1')).json<{
      components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown }> };
      paths: Record<string, { patch?: { requestBody: { content: Record<string, unknown> } } }>;
    }>();
    assert.deepEqual(v3.components.schemas['com.example.v1.Widget']['x-kubernetes-group-version-kind'], [
      { group: 'example.com', kind: 'Widget', version: 'v1' },
    ]);
    assert.ok(v3.components.schemas['com.example.v1.WidgetList']);
    const patch = v3.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    assert.deepEqual(Object.keys(patch?.requestBody.content ?? {}).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
    ]);
    const v2 = (await client.request('GET', '/openapi/v2')).json<{ definitions: Record<string, unknown> }>();
    assert.ok(v2.definitions['com.example.v1.Widget']);
  });

  it('server-side apply owns schema fields one by one (conflicts as upstream)', async () => {
    const doc = (spec: string): string =>
      `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: s1, namespace: default}\nspec: ${spec}\n`;
    await kubectlOk(kc, ['apply', '--server-side', '--field-manager=a', '-f', '-'], doc('{replicas: 2}'));
    await kubectlOk(kc, ['apply', '--server-side', '--field-manager=b', '-f', '-'], doc('{color: red}'));
    const obj = JSON.parse(await kubectlOk(kc, ['get', 'wd', 's1', '-o', 'json', '--show-managed-fields'])) as {
      spec: Record<string, unknown>;
      metadata: { managedFields: Array<{ manager: string; fieldsV1: unknown }> };
    };
    assert.deepEqual(obj.spec, { replicas: 2, color: 'red', size: 'M' });
    const byManager = Object.fromEntries(obj.metadata.managedFields.map((m) => [m.manager, m.fieldsV1]));
    assert.deepEqual(byManager.a, { 'f:spec': { 'f:replicas': {} } });
    assert.deepEqual(byManager.b, { 'f:spec': { 'f:color': {} } });
    const r = await kubectl(kc, ['apply', '--server-side', '--field-manager=a', '-f', '-'], doc('{color: blue}'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "b": \.spec\.color/);
    await kubectlOk(kc, ['delete', 'wd', 's1']);
  });

  it('stores instances as JSON at /registry/<group>/<plural>/<ns>/<name>', async () => {
    const raw = await kv.get('/registry/example.com/widgets/default/w1').buffer();
    assert.ok(raw, 'the key exists');
    const stored = JSON.parse(raw.toString('utf8')) as Obj & { apiVersion: string; kind: string };
    assert.equal(stored.apiVersion, 'example.com/v1');
    assert.equal(stored.kind, 'Widget');
    assert.equal(stored.spec?.replicas, 5);
  });

  it('defaults what it reads from storage', async () => {
    const stored = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w7', namespace: 'default', uid: '7a1d0c5e-0000-4000-8000-000000000007' },
      spec: { replicas: 1, color: 'blue' },
    };
    await kv.put('/registry/example.com/widgets/default/w7').value(JSON.stringify(stored));
    const got = await until('the written object to be read', async () => {
      const r = await client.request('GET', '/apis/example.com/v1/namespaces/default/widgets/w7');
      return r.status === 200 ? r.json<Obj>() : undefined;
    });
    assert.deepEqual(got.spec, { replicas: 1, color: 'blue', size: 'M' });
    await kv.delete().key('/registry/example.com/widgets/default/w7');
  });

  it('splits spec and status: the main resource ignores status, /status ignores the rest', async () => {
    const base = '/apis/example.com/v1/namespaces/default/widgets/w1';
    const cur = (await client.request('GET', base)).json<Obj>();
    const put = await client.request('PUT', base, { ...cur, status: { ready: true } });
    assert.equal(put.status, 200);
    assert.equal(put.json<Obj>().status, undefined);
    assert.equal(put.json<Obj>().metadata.generation, cur.metadata.generation, 'no spec change, same generation');
    const st = await client.request('PATCH', `${base}/status`, '{"status":{"replicas":2},"spec":{"replicas":9}}', {
      'content-type': 'application/merge-patch+json',
    });
    assert.equal(st.status, 200);
    assert.deepEqual(st.json<Obj>().status, { replicas: 2 });
    assert.equal(st.json<Obj>().spec?.replicas, 5);
    const scale = (await client.request('GET', `${base}/scale`)).json<{ spec: unknown; status: unknown }>();
    assert.deepEqual([scale.spec, scale.status], [{ replicas: 5 }, { replicas: 2 }]);
    const proto = await client.request('GET', base, undefined, { accept: 'application/vnd.kubernetes.protobuf' });
    assert.equal(proto.status, 406);
  });

  it('lists with field and label selectors and watches through the API', async () => {
    const col = '/apis/example.com/v1/namespaces/default/widgets';
    const list = (await client.request('GET', col)).json<{ kind: string; metadata: { resourceVersion: string } }>();
    assert.equal(list.kind, 'WidgetList');
    const watch = client.request(
      'GET',
      `${col}?watch=1&timeoutSeconds=2&resourceVersion=${list.metadata.resourceVersion}`,
    );
    const w2 = JSON.parse(widget('w2', 1)) as Obj & { metadata: { labels?: Record<string, string> } };
    w2.metadata.labels = { tier: 'gold' };
    assert.equal((await client.request('POST', col, w2)).status, 201);
    const lines = (await watch).body.toString('utf8').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { type: string; object: Obj });
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [['ADDED', 'w2']],
    );
    const names = async (q: string): Promise<string[]> =>
      (await client.request('GET', `${col}?${q}`)).json<{ items: Obj[] }>().items.map((i) => i.metadata.name);
    assert.deepEqual(await names('labelSelector=tier%3Dgold'), ['w2']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dw1'), ['w1']);
    assert.deepEqual(await names('fieldSelector=spec.color%3Dblue'), ['w2']);
    const unsupported = await client.request('GET', `${col}?fieldSelector=spec.size%3DM`);
    assert.equal(unsupported.status, 400);
    assert.match(unsupported.json<{ message: string }>().message, /field label not supported: spec.size/);
  });

  it('serves a CRD created on one replica on the other within seconds', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], GADGETS_CRD);
    const path = '/apis/example.org/v1alpha1/gadgets';
    const created = await until('the second replica to serve gadgets', async () => {
      const r = await client2.request('POST', path, {
        apiVersion: 'example.org/v1alpha1',
        kind: 'Gadget',
        metadata: { name: 'g1', namespace: 'ignored' },
        spec: { anything: { goes: [1, 2] } },
      });
      return r.status === 201 ? r.json<Obj>() : undefined;
    });
    assert.equal(created.metadata.namespace, undefined, 'cluster-scoped objects carry no namespace');
    assert.deepEqual(created.spec, { anything: { goes: [1, 2] } });
    const disc = (await client2.request('GET', '/apis/example.org/v1alpha1')).json<{
      resources: Array<{ name: string; namespaced: boolean }>;
    }>();
    assert.deepEqual(
      disc.resources.map((r) => [r.name, r.namespaced]),
      [['gadgets', false]],
    );
    assert.match(await kubectlOk(two.kubeconfig, ['get', 'gadgets']), /^NAME\s+AGE\ng1\s+/);
  });

  it('deleting a namespace deletes the custom resources in it', async () => {
    await kubectlOk(kc, ['create', 'namespace', 'crd-ns']);
    const w = JSON.parse(widget('in-ns', 1)) as Obj;
    w.metadata.namespace = 'crd-ns';
    await kubectlOk(kc, ['apply', '-f', '-'], JSON.stringify(w));
    await kubectlOk(kc, ['delete', 'namespace', 'crd-ns', '--timeout=30s']);
    assert.deepEqual(await kv.getAll().prefix('/registry/example.com/widgets/crd-ns/').keys(), []);
  });

  it('a replica started later serves the custom resources from its first request', async () => {
    await two.cleanup();
    two = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    client2.close();
    client2 = new ApiClient(two.kubeconfig);
    const r = await client2.request('GET', '/apis/example.org/v1alpha1/gadgets/g1');
    assert.equal(r.status, 200);
  });

  it('deleting a CRD deletes its instances before it goes, on every replica', async () => {
    await kubectlOk(kc, ['delete', 'crd', 'widgets.example.com', '--timeout=30s']);
    assert.equal(
      (await client.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'))
        .status,
      404,
    );
    const keys = await kv.getAll().prefix('/registry/example.com/widgets/').keys();
    assert.deepEqual(keys, []);
    await until('the other replica to stop serving widgets', async () =>
      (await client2.request('GET', '/apis/example.com/v1/widgets')).status === 404 ? true : undefined,
    );
    const r = await kubectl(kc, ['get', 'widgets']);
    assert.notEqual(r.code, 0);
    // created again, the definition starts with no objects, and serves new ones
    await kubectlOk(kc, ['apply', '-f', '-'], WIDGETS_CRD);
    await kubectlOk(kc, ['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']);
    const col = '/apis/example.com/v1/namespaces/default/widgets';
    const items = await until('widgets to be served again', async () => {
      const l = await client.request('GET', col);
      return l.status === 200 ? l.json<{ items: Obj[] }>().items : undefined;
    });
    assert.deepEqual(items, []);
    assert.equal((await client.request('POST', col, JSON.parse(widget('again', 1)) as Obj)).status, 201);
    assert.deepEqual(
      (await client.request('GET', col)).json<{ items: Obj[] }>().items.map((i) => i.metadata.name),
      ['again'],
    );
  });
});
