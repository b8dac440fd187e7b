import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KubeObject } from '../src/api/object';
import type { ManagedFieldsEntry } from '../src/generated/k8s.io.apimachinery.pkg.apis.meta.v1';
import { StatusError } from '../src/api/errors';
import { loadSchemaSet } from '../src/schema/load';
import {
  FieldSet,
  managerFromRequest,
  serverSideApply,
  toFieldSet,
  typeModel,
  updateManagedFields,
  validateFieldManager,
} from '../src/apply';
import { deploymentStrategy } from '../src/registry/strategies/deployments';

const schemas = loadSchemaSet();
const DEPLOYMENT = 'k8s.io.api.apps.v1.Deployment';
const CONFIGMAP = 'k8s.io.api.core.v1.ConfigMap';
const SERVICE = 'k8s.io.api.core.v1.Service';
const T0 = new Date('2024-05-01T10:00:00Z');
const T1 = new Date('2024-05-01T10:00:05Z');
const T2 = new Date('2024-05-01T10:00:09Z');
const STATUS = FieldSet.of([{ field: 'status' }]);

function nginx(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

/** What `kubectl apply --server-side` of the nginx Deployment records (kube-apiserver 1.3x). */
const NGINX_APPLY_FIELDS = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    },
  },
};

/** What `kubectl create` of the nginx Deployment records (manager kubectl-create, Update). */
const NGINX_CREATE_FIELDS = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:progressDeadlineSeconds': {},
    'f:replicas': {},
    'f:revisionHistoryLimit': {},
    'f:selector': {},
    'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
    'f:template': {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:image': {},
            'f:imagePullPolicy': {},
            'f:name': {},
            'f:ports': {
              '.': {},
              'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
            },
            'f:resources': {},
            'f:terminationMessagePath': {},
            'f:terminationMessagePolicy': {},
          },
        },
        'f:dnsPolicy': {},
        'f:restartPolicy': {},
        'f:schedulerName': {},
        'f:securityContext': {},
        'f:terminationGracePeriodSeconds': {},
      },
    },
  },
};

function entries(obj: KubeObject): ManagedFieldsEntry[] {
  return obj.metadata?.managedFields ?? [];
}

function entry(obj: KubeObject, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined {
  return entries(obj).find((e) => e.manager === manager && e.operation === operation);
}

function apply(
  current: KubeObject | undefined,
  cfg: KubeObject,
  manager: string,
  extra: { force?: boolean; time?: Date; type?: string } = {},
): KubeObject {
  const type = extra.type ?? DEPLOYMENT;
  const apiVersion = typeof cfg.apiVersion === 'string' ? cfg.apiVersion : 'v1';
  const out = serverSideApply(schemas, type, current, cfg, {
    manager,
    apiVersion,
    force: extra.force,
    time: extra.time ?? T0,
    ignored: type === DEPLOYMENT ? STATUS : undefined,
  });
  // what the store does next: defaulting (only for deployments here) and identity
  if (type === DEPLOYMENT) deploymentStrategy.applyDefaults?.(out);
  out.metadata = { ...out.metadata, uid: current?.metadata?.uid ?? 'uid-1' };
  return out;
}

function catchStatus(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

function spec(obj: KubeObject): JsonObject {
  return obj.spec as JsonObject;
}

test('field set of the nginx Deployment equals upstream FieldsV1 of kubectl apply --server-side', () => {
  const model = typeModel(schemas);
  const set = toFieldSet(model, model.root(DEPLOYMENT), nginx() as JsonObject);
  const { 'f:apiVersion': _a, 'f:kind': _k, ...rest } = set.toFieldsV1() as Record<string, unknown>;
  void _a;
  void _k;
  const meta = rest['f:metadata'] as Record<string, unknown>;
  delete meta['f:name'];
  assert.deepEqual(rest, NGINX_APPLY_FIELDS);
  // the key order upstream writes
  assert.equal(
    JSON.stringify(NGINX_APPLY_FIELDS),
    JSON.stringify(
      (() => {
        const out = serverSideApply(schemas, DEPLOYMENT, undefined, nginx(), {
          manager: 'kubectl',
          apiVersion: 'apps/v1',
          time: T0,
        });
        return entries(out)[0].fieldsV1;
      })(),
    ),
  );
});

test('create by apply: one Apply entry, time in RFC 3339 seconds, object from the configuration', () => {
  const out = apply(undefined, nginx(), 'kubectl');
  assert.deepEqual(entries(out), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: NGINX_APPLY_FIELDS,
    },
  ]);
  assert.equal(spec(out).replicas, 3);
});

test('create by update records what upstream records for kubectl create', () => {
  const obj = nginx();
  deploymentStrategy.applyDefaults?.(obj);
  deploymentStrategy.prepareForCreate?.(obj);
  const out = updateManagedFields(schemas, DEPLOYMENT, undefined, obj, {
    manager: 'kubectl-create',
    apiVersion: 'apps/v1',
    time: T0,
    ignored: STATUS,
  });
  assert.deepEqual(entries(out), [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: NGINX_CREATE_FIELDS,
    },
  ]);
});

test('two appliers of different fields both own theirs; re-apply is a no-op that keeps the time', () => {
  const a = apply(undefined, nginx(), 'alice');
  const bob: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', annotations: { team: 'web' } },
    spec: { minReadySeconds: 5 },
  };
  const b = apply(a, bob, 'bob', { time: T1 });
  assert.equal(spec(b).minReadySeconds, 5);
  assert.equal(b.metadata?.annotations?.team, 'web');
  assert.equal(spec(b).replicas, 3);
  assert.deepEqual(entry(b, 'bob')?.fieldsV1, {
    'f:metadata': { 'f:annotations': { 'f:team': {} } },
    'f:spec': { 'f:minReadySeconds': {} },
  });
  assert.deepEqual(entry(b, 'alice')?.fieldsV1, NGINX_APPLY_FIELDS);
  assert.deepEqual(
    entries(b).map((e) => e.manager),
    ['alice', 'bob'],
  );
  const again = apply(b, bob, 'bob', { time: T2 });
  assert.equal(entry(again, 'bob')?.time, '2024-05-01T10:00:05Z');
});

test('a second applier changing a field of the first gets 409 with upstream message and causes', () => {
  const a = apply(undefined, nginx(), 'alice');
  const cfg: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment' },
    spec: { replicas: 5 },
  };
  const err = catchStatus(() => apply(a, cfg, 'bob'));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  assert.deepEqual(err.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
  ]);
  const status = err.toStatus();
  assert.equal(status.code, 409);

  // the same value is no conflict: both own it
  const same = apply(a, { ...cfg, spec: { replicas: 3 } }, 'bob');
  assert.deepEqual(entry(same, 'bob')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.ok(JSON.stringify(entry(same, 'alice')?.fieldsV1).includes('f:replicas'));
});

test('conflicts with an Update manager name its apiVersion; several conflicts are listed per manager', () => {
  const created = nginx();
  deploymentStrategy.applyDefaults?.(created);
  const obj = updateManagedFields(schemas, DEPLOYMENT, undefined, created, {
    manager: 'kubectl-client-side-apply',
    apiVersion: 'apps/v1',
    time: T0,
    ignored: STATUS,
  });
  obj.metadata = { ...obj.metadata, uid: 'u' };
  const cfg = nginx();
  (cfg.spec as JsonObject).replicas = 4;
  (cfg.spec as JsonObject).minReadySeconds = 3;
  ((cfg.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers[0].image = 'nginx:2';
  const err = catchStatus(() => apply(obj, cfg, 'mgr'));
  assert.equal(
    err.message,
    'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="nginx"].image',
  );
  assert.deepEqual(
    err.details?.causes?.map((c) => c.field),
    ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image'],
  );
  assert.equal(err.details?.causes?.[0].message, 'conflict with "kubectl-client-side-apply" using apps/v1');
});

test('force moves ownership to the applier', () => {
  const a = apply(undefined, nginx(), 'alice');
  const cfg: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment' },
    spec: { replicas: 5 },
  };
  const b = apply(a, cfg, 'bob', { force: true, time: T1 });
  assert.equal(spec(b).replicas, 5);
  assert.deepEqual(entry(b, 'bob')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.ok(!JSON.stringify(entry(b, 'alice')?.fieldsV1).includes('f:replicas'));
  // alice applying her old value again now conflicts with bob
  const err = catchStatus(() => apply(b, nginx(), 'alice'));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "bob": .spec.replicas');
});

test('a field dropped from the applied configuration is removed unless another manager owns it', () => {
  const cfg = nginx();
  (cfg.spec as JsonObject).minReadySeconds = 7;
  cfg.metadata = { ...cfg.metadata, annotations: { a: '1', b: '2' } };
  const a = apply(undefined, cfg, 'alice');
  const b = apply(
    a,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment', annotations: { b: '2' } } },
    'bob',
  );
  const next = nginx();
  const out = apply(b, next, 'alice', { time: T1 });
  assert.equal(spec(out).minReadySeconds, undefined);
  assert.deepEqual(out.metadata?.annotations, { b: '2' });
  assert.equal(spec(out).replicas, 3);
  assert.deepEqual(entry(out, 'alice')?.fieldsV1, NGINX_APPLY_FIELDS);
});

test('an associative list item dropped from the configuration is removed; items of others stay, merged by key', () => {
  const a = apply(undefined, nginx(), 'alice');
  const sidecar: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment' },
    spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } },
  };
  const b = apply(a, sidecar, 'bob');
  const containers = () => ((spec(b).template as JsonObject).spec as { containers: JsonObject[] }).containers;
  assert.deepEqual(
    containers().map((c) => c.name),
    ['nginx', 'sidecar'],
  );
  // bob adds env to alice's container: co-owned item, his own field
  const withEnv: KubeObject = {
    ...sidecar,
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'sidecar', image: 'busybox' },
            { name: 'nginx', env: [{ name: 'X', value: '1' }] },
          ],
        },
      },
    },
  };
  const c = apply(b, withEnv, 'bob');
  const cs = ((spec(c).template as JsonObject).spec as { containers: JsonObject[] }).containers;
  assert.deepEqual(cs.find((x) => x.name === 'nginx')?.env, [{ name: 'X', value: '1' }]);
  assert.equal(cs.find((x) => x.name === 'nginx')?.image, 'nginx:1.14.2');
  // bob stops applying the sidecar: removed; nginx keeps alice's fields
  const d = apply(
    c,
    { ...sidecar, spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'X', value: '1' }] }] } } } },
    'bob',
  );
  const ds = ((spec(d).template as JsonObject).spec as { containers: JsonObject[] }).containers;
  assert.deepEqual(
    ds.map((x) => x.name),
    ['nginx'],
  );
});

test('Update takes fields away from an Apply manager without conflict', () => {
  const a = apply(undefined, nginx(), 'alice');
  const edited = JSON.parse(JSON.stringify(a)) as KubeObject;
  (edited.spec as JsonObject).replicas = 10;
  const u = updateManagedFields(schemas, DEPLOYMENT, a, edited, {
    manager: 'kubectl-edit',
    apiVersion: 'apps/v1',
    time: T1,
    ignored: STATUS,
  });
  assert.deepEqual(entry(u, 'kubectl-edit', 'Update')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.ok(!JSON.stringify(entry(u, 'alice')?.fieldsV1).includes('f:replicas'));
  // sorted as upstream: Apply entries first, then by time
  assert.deepEqual(
    entries(u).map((e) => `${e.operation}:${e.manager}`),
    ['Apply:alice', 'Update:kubectl-edit'],
  );
  // an update that changes nothing leaves managedFields alone
  const again = updateManagedFields(schemas, DEPLOYMENT, u, JSON.parse(JSON.stringify(u)) as KubeObject, {
    manager: 'other',
    apiVersion: 'apps/v1',
    time: T2,
  });
  assert.deepEqual(entries(again), entries(u));
  // removing a field removes it from its owners
  const removed = JSON.parse(JSON.stringify(u)) as KubeObject;
  delete (removed.spec as JsonObject).replicas;
  const r = updateManagedFields(schemas, DEPLOYMENT, u, removed, { manager: 'x', apiVersion: 'apps/v1', time: T2 });
  assert.equal(entry(r, 'kubectl-edit', 'Update'), undefined);
});

test('managedFields sent by the client are used; [] resets; a subresource ignores them', () => {
  const a = apply(undefined, nginx(), 'kubectl-client-side-apply');
  const sent = JSON.parse(JSON.stringify(a)) as KubeObject;
  const mf = entries(sent);
  mf[0].manager = 'kubectl';
  const u = updateManagedFields(schemas, DEPLOYMENT, a, sent, { manager: 'kubectl', apiVersion: 'apps/v1', time: T1 });
  assert.deepEqual(
    entries(u).map((e) => e.manager),
    ['kubectl'],
  );
  const reset = JSON.parse(JSON.stringify(a)) as KubeObject;
  reset.metadata = { ...reset.metadata, managedFields: [] };
  assert.equal(
    updateManagedFields(schemas, DEPLOYMENT, a, reset, { manager: 'm', apiVersion: 'apps/v1' }).metadata?.managedFields,
    undefined,
  );
  const st = updateManagedFields(schemas, DEPLOYMENT, a, sent, {
    manager: 'ctl',
    apiVersion: 'apps/v1',
    subresource: 'status',
    time: T1,
  });
  assert.deepEqual(
    entries(st).map((e) => e.manager),
    ['kubectl-client-side-apply'],
  );
});

test('status writes record subresource status', () => {
  const a = apply(undefined, nginx(), 'alice');
  const next = JSON.parse(JSON.stringify(a)) as KubeObject;
  next.status = { replicas: 3, readyReplicas: 3 };
  const out = updateManagedFields(schemas, DEPLOYMENT, a, next, {
    manager: 'kube-controller-manager',
    apiVersion: 'apps/v1',
    subresource: 'status',
    time: T1,
  });
  assert.deepEqual(entry(out, 'kube-controller-manager', 'Update'), {
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: '2024-05-01T10:00:05Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } },
    subresource: 'status',
  });
});

test('sets are unioned and owned per value; atomic maps are replaced whole', () => {
  const base: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', finalizers: ['a.io/x'] },
    spec: { template: { spec: { nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'c', image: 'i' }] } } },
  };
  const a = apply(undefined, base, 'alice');
  assert.deepEqual((entry(a, 'alice')?.fieldsV1 as JsonObject)['f:metadata'], { 'f:finalizers': { 'v:"a.io/x"': {} } });
  const ns = (((entry(a, 'alice')?.fieldsV1 as JsonObject)['f:spec'] as JsonObject)['f:template'] as JsonObject)[
    'f:spec'
  ] as JsonObject;
  assert.deepEqual(ns['f:nodeSelector'], {});
  const b = apply(
    a,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', finalizers: ['b.io/y'] } },
    'bob',
  );
  assert.deepEqual(b.metadata?.finalizers, ['a.io/x', 'b.io/y']);
  // alice replaces the atomic nodeSelector: no merge of keys
  const cfg = JSON.parse(JSON.stringify(base)) as KubeObject;
  ((cfg.spec as JsonObject).template as { spec: JsonObject }).spec.nodeSelector = { zone: 'b' };
  const c = apply(b, cfg, 'alice');
  assert.deepEqual(((spec(c).template as JsonObject).spec as JsonObject).nodeSelector, { zone: 'b' });
  // a granular map (labels) merges per key
  const l1 = apply(
    undefined,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: '1' } }, data: { k: 'v' } },
    'alice',
    { type: CONFIGMAP },
  );
  const l2 = apply(l1, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { b: '2' } } }, 'bob', {
    type: CONFIGMAP,
  });
  assert.deepEqual(l2.metadata?.labels, { a: '1', b: '2' });
  assert.deepEqual((l2 as JsonObject).data, { k: 'v' });
});

test('Service ports are keyed by port and protocol (defaulted key field)', () => {
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: {
      ports: [
        { port: 80, targetPort: 8080 },
        { port: 53, protocol: 'UDP' },
      ],
    },
  };
  const out = apply(undefined, svc, 'alice', { type: SERVICE });
  assert.deepEqual((entry(out, 'alice')?.fieldsV1 as JsonObject)['f:spec'], {
    'f:ports': {
      'k:{"port":53,"protocol":"UDP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} },
      'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} },
    },
  });
});

test('hostile configurations: missing key fields and duplicates are 400 (upstream: 500, but bad input is never a 500 here); managedFields in the body are 400', () => {
  const bad = nginx();
  ((bad.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers.push({ image: 'x' });
  const e1 = catchStatus(() => apply(undefined, { ...bad, metadata: { name: 'n', namespace: 'default' } }, 'alice'));
  assert.equal(e1.code, 400);
  assert.equal(e1.reason, 'BadRequest');
  assert.equal(
    e1.message,
    'failed to create typed patch object (default/n; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  );
  const dup = nginx();
  const cs = ((dup.spec as JsonObject).template as { spec: { containers: JsonObject[] } }).spec.containers;
  cs.push({ ...cs[0] });
  (cs[0] as JsonObject).env = [
    { name: 'A', value: '1' },
    { name: 'A', value: '2' },
  ];
  const e2 = catchStatus(() => apply(undefined, dup, 'alice'));
  assert.equal(
    e2.message,
    'failed to create typed patch object (/nginx-deployment; apps/v1, Kind=Deployment): errors:\n' +
      '  .spec.template.spec.containers[name="nginx"].env: duplicate entries for key [name="A"]\n' +
      '  .spec.template.spec.containers: duplicate entries for key [name="nginx"]',
  );
  const withMf = nginx();
  withMf.metadata = { ...withMf.metadata, managedFields: [] };
  const e3 = catchStatus(() => apply(undefined, withMf, 'alice'));
  assert.equal(e3.code, 400);
  assert.equal(e3.message, 'metadata.managedFields must be nil');
});

test('kubectl --server-side after client-side apply: no conflicts on unchanged last-applied fields', () => {
  const cfg = nginx();
  const created = JSON.parse(JSON.stringify(cfg)) as KubeObject;
  created.metadata = {
    ...created.metadata,
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(cfg) + '\n' },
  };
  deploymentStrategy.applyDefaults?.(created);
  const obj = updateManagedFields(schemas, DEPLOYMENT, undefined, created, {
    manager: 'kubectl-client-side-apply',
    apiVersion: 'apps/v1',
    time: T0,
    ignored: STATUS,
  });
  obj.metadata = { ...obj.metadata, uid: 'u' };
  const next = nginx();
  (next.spec as JsonObject).replicas = 5;
  const out = apply(obj, next, 'kubectl', { time: T1 });
  assert.equal(spec(out).replicas, 5);
  assert.deepEqual(entry(out, 'kubectl')?.fieldsV1, NGINX_APPLY_FIELDS);
  const annotation = out.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
  assert.equal((JSON.parse(annotation) as { spec: { replicas: number } }).spec.replicas, 5);
  // another manager gets the conflict
  const err = catchStatus(() => apply(obj, next, 'helm'));
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
});

test('objects without managedFields: updates are not tracked; the first apply gives existing fields to before-first-apply', () => {
  const old: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u' }, data: { a: '1' } };
  const next: KubeObject = { ...old, data: { a: '2' } };
  const u = updateManagedFields(schemas, CONFIGMAP, old, next, { manager: 'm', apiVersion: 'v1' });
  assert.equal(u.metadata?.managedFields, undefined);
  const err = catchStatus(() =>
    serverSideApply(
      schemas,
      CONFIGMAP,
      old,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '3' } },
      { manager: 'x', apiVersion: 'v1' },
    ),
  );
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a');
});

test('FieldsV1 round-trips, with upstream key order and . markers', () => {
  const text =
    '{"f:metadata":{"f:annotations":{".":{},"f:x":{}},"f:finalizers":{"v:\\"b\\"":{},"v:\\"a\\"":{}}},' +
    '"f:spec":{"f:ports":{"k:{\\"protocol\\":\\"TCP\\",\\"port\\":80}":{".":{},"f:port":{}},"i:2":{}}}}';
  const set = FieldSet.fromFieldsV1(JSON.parse(text) as JsonObject);
  assert.equal(
    JSON.stringify(set.toFieldsV1()),
    '{"f:metadata":{"f:annotations":{".":{},"f:x":{}},"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}},' +
      '"f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{}},"i:2":{}}}}',
  );
  assert.ok(FieldSet.fromFieldsV1(set.toFieldsV1()).equals(set));
  const other = FieldSet.of([{ field: 'metadata' }, { field: 'annotations' }, { field: 'x' }]);
  assert.deepEqual(set.intersection(other).toFieldsV1(), { 'f:metadata': { 'f:annotations': { 'f:x': {} } } });
  assert.equal(set.difference(set).empty(), true);
  assert.equal(set.union(other).size(), set.size());
  assert.throws(() => FieldSet.fromFieldsV1(JSON.parse('{"k:{bad":{}}') as JsonObject));
});

test('managerFromRequest and fieldManager validation', () => {
  assert.equal(managerFromRequest('mine', 'kubectl/v1.30.0 (linux/amd64)'), 'mine');
  assert.equal(managerFromRequest(null, 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerFromRequest(null, 'Go-http-client/2.0'), 'Go-http-client');
  assert.equal(managerFromRequest(null, undefined), '');
  assert.equal(managerFromRequest(null, 'x'.repeat(200)).length, 128);
  const e = validateFieldManager('', 'patch', true);
  assert.equal(e?.code, 422);
  assert.equal(
    e?.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
  assert.equal(validateFieldManager('ok', 'patch', true), undefined);
  assert.equal(
    validateFieldManager('y'.repeat(129), 'create')?.message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
  );
});

test('atomic structs are one leaf unless the field makes them granular', () => {
  const model = typeModel(schemas);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'i' }], affinity: { nodeAffinity: {} } },
  } as JsonObject;
  const podSet = toFieldSet(model, model.root('k8s.io.api.core.v1.Pod'), pod).toFieldsV1() as JsonObject;
  assert.deepEqual((podSet['f:spec'] as JsonObject)['f:affinity'], { 'f:nodeAffinity': {} });
  const pv = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'v' },
    spec: { claimRef: { name: 'c', namespace: 'n' } },
  } as JsonObject;
  const pvSet = toFieldSet(model, model.root('k8s.io.api.core.v1.PersistentVolume'), pv).toFieldsV1() as JsonObject;
  assert.deepEqual((pvSet['f:spec'] as JsonObject)['f:claimRef'], { 'f:name': {}, 'f:namespace': {} });
  const ev = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e' },
    involvedObject: { kind: 'Pod', name: 'p' },
  } as JsonObject;
  const evSet = toFieldSet(model, model.root('k8s.io.api.core.v1.Event'), ev).toFieldsV1() as JsonObject;
  assert.deepEqual(evSet['f:involvedObject'], {});
});
