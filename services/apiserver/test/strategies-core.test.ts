import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import {
  configMapStrategy,
  eventStrategy,
  genericClusterStrategy,
  genericNamespacedStrategy,
  leaseStrategy,
  namespaceStrategy,
  secretStrategy,
  strategyFor,
  strategyOrGeneric,
} from '../src/registry/strategies';

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function clone(o: KubeObject): KubeObject {
  return JSON.parse(JSON.stringify(o)) as KubeObject;
}

test('strategyFor maps group/resource to strategies', () => {
  assert.equal(strategyFor('', 'namespaces'), namespaceStrategy);
  assert.equal(strategyFor('', 'configmaps'), configMapStrategy);
  assert.equal(strategyFor('', 'secrets'), secretStrategy);
  assert.equal(strategyFor('', 'events'), eventStrategy);
  assert.equal(strategyFor('coordination.k8s.io', 'leases'), leaseStrategy);
  assert.equal(strategyFor('apps', 'deployments')?.namespaced, true);
  assert.equal(strategyFor('apps', 'configmaps'), undefined);
  assert.equal(strategyOrGeneric('', 'pods', true), genericNamespacedStrategy);
  assert.equal(strategyOrGeneric('rbac.authorization.k8s.io', 'clusterroles', false), genericClusterStrategy);
});

test('generic strategies validate ObjectMeta only, with path-segment names', () => {
  assert.deepEqual(genericNamespacedStrategy.validate({ metadata: { name: 'Any_Name', namespace: 'x' } }), []);
  assert.deepEqual(summary(genericNamespacedStrategy.validate({ metadata: { name: 'a/b', namespace: 'x' } })), [
    'FieldValueInvalid metadata.name',
  ]);
  assert.deepEqual(summary(genericClusterStrategy.validate({ metadata: { name: 'a', namespace: 'x' } })), [
    'FieldValueForbidden metadata.namespace',
  ]);
});

test('namespace create: finalizer, phase and name label', () => {
  const ns: KubeObject = { metadata: { name: 'team-a' } };
  namespaceStrategy.applyDefaults?.(ns);
  namespaceStrategy.prepareForCreate?.(ns);
  assert.deepEqual(ns.metadata?.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.equal(ns.metadata?.generation, undefined);
  assert.deepEqual(namespaceStrategy.validate(ns), []);
  assert.deepEqual(namespaceStrategy.selectableFields?.(ns), { 'status.phase': 'Active', name: 'team-a' });

  const custom: KubeObject = { metadata: { name: 'b' }, spec: { finalizers: ['example.com/x'] } };
  namespaceStrategy.prepareForCreate?.(custom);
  assert.deepEqual(custom.spec, { finalizers: ['example.com/x', 'kubernetes'] });
});

test('namespace validation', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'subdomain is not a label', obj: { metadata: { name: 'a.b' } }, want: ['FieldValueInvalid metadata.name'] },
    {
      name: 'namespace on a namespace',
      obj: { metadata: { name: 'a', namespace: 'b' } },
      want: ['FieldValueForbidden metadata.namespace'],
    },
    {
      name: 'unqualified non-standard finalizer',
      obj: { metadata: { name: 'a' }, spec: { finalizers: ['custom'] } },
      want: ['FieldValueInvalid spec.finalizers'],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(namespaceStrategy.validate(c.obj)), c.want, c.name);
});

test('namespace update keeps finalizers and status', () => {
  const old: KubeObject = {
    metadata: { name: 'a', resourceVersion: '1' },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
  const next: KubeObject = {
    metadata: { name: 'a', resourceVersion: '1' },
    spec: {},
    status: { phase: 'Terminating' },
  };
  namespaceStrategy.prepareForUpdate?.(next, old);
  assert.deepEqual(next.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(next.status, { phase: 'Active' });
});

const cm = (extra: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'cfg', namespace: 'default' },
  ...extra,
});

test('configmap validation', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'valid', obj: cm({ data: { 'app.properties': 'x' }, binaryData: { bin: b64('y') } }), want: [] },
    { name: 'bad key', obj: cm({ data: { 'bad key': 'x' } }), want: ['FieldValueInvalid data[bad key]'] },
    { name: 'bad binary key', obj: cm({ binaryData: { '..': b64('x') } }), want: ['FieldValueInvalid binaryData[..]'] },
    {
      name: 'key in both',
      obj: cm({ data: { k: 'x' }, binaryData: { k: b64('y') } }),
      want: ['FieldValueInvalid data[k]'],
    },
    { name: 'too large', obj: cm({ data: { k: 'x'.repeat(1024 * 1024 + 1) } }), want: ['FieldValueTooLong '] },
    {
      name: 'bad name',
      obj: { metadata: { name: 'Cfg', namespace: 'default' } },
      want: ['FieldValueInvalid metadata.name'],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(configMapStrategy.validate(c.obj)), c.want, c.name);
  const [keyErr] = configMapStrategy.validate(cm({ data: { 'bad key': 'x' } }));
  assert.equal(
    keyErr.message,
    `Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  );
});

test('immutable configmap', () => {
  const old = cm({ data: { a: '1' }, immutable: true });
  old.metadata = { ...old.metadata, resourceVersion: '3' };
  const cases: Array<{ name: string; change: Record<string, unknown>; want: string[] }> = [
    { name: 'unchanged', change: {}, want: [] },
    { name: 'data', change: { data: { a: '2' } }, want: ['FieldValueForbidden data'] },
    { name: 'binaryData', change: { binaryData: { b: b64('x') } }, want: ['FieldValueForbidden binaryData'] },
    { name: 'unset immutable', change: { immutable: false }, want: ['FieldValueForbidden immutable'] },
  ];
  for (const c of cases) {
    const next = { ...clone(old), ...c.change };
    configMapStrategy.prepareForUpdate?.(next, old);
    assert.deepEqual(summary(configMapStrategy.validateUpdate(next, old)), c.want, c.name);
  }
  const [err] = configMapStrategy.validateUpdate({ ...clone(old), data: {} }, old);
  assert.equal(err.message, 'Forbidden: field is immutable when `immutable` is set');
  const mutable = cm({ data: { a: '1' } });
  assert.deepEqual(configMapStrategy.validateUpdate({ ...clone(mutable), data: { a: '2' } }, mutable), []);
});

const secret = (extra: Record<string, unknown>): KubeObject => ({
  metadata: { name: 's', namespace: 'default' },
  ...extra,
});

test('secret defaults: type Opaque and stringData merged into data', () => {
  const s = secret({ data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new', c: 'ç' } });
  secretStrategy.applyDefaults?.(s);
  assert.equal(s.type, 'Opaque');
  assert.equal(s.stringData, undefined);
  assert.deepEqual(s.data, { a: b64('new'), b: b64('keep'), c: b64('ç') });
  assert.deepEqual(secretStrategy.selectableFields?.(s), { type: 'Opaque' });
});

test('secret validation by type', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'opaque', obj: secret({ type: 'Opaque', data: { k: b64('v') } }), want: [] },
    {
      name: 'bad key',
      obj: secret({ type: 'Opaque', data: { 'a b': b64('v') } }),
      want: ['FieldValueInvalid data[a b]'],
    },
    {
      name: 'service account token needs the annotation',
      obj: secret({ type: 'kubernetes.io/service-account-token' }),
      want: ['FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]'],
    },
    {
      name: 'dockerconfigjson missing',
      obj: secret({ type: 'kubernetes.io/dockerconfigjson' }),
      want: ['FieldValueRequired data[.dockerconfigjson]'],
    },
    {
      name: 'dockerconfigjson not json',
      obj: secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } }),
      want: ['FieldValueInvalid data[.dockerconfigjson]'],
    },
    {
      name: 'dockerconfigjson ok',
      obj: secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } }),
      want: [],
    },
    {
      name: 'basic-auth needs username or password',
      obj: secret({ type: 'kubernetes.io/basic-auth' }),
      want: ['FieldValueRequired data[username]', 'FieldValueRequired data[password]'],
    },
    {
      name: 'basic-auth password only',
      obj: secret({ type: 'kubernetes.io/basic-auth', data: { password: '' } }),
      want: [],
    },
    {
      name: 'ssh-auth needs a key',
      obj: secret({ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }),
      want: ['FieldValueRequired data[ssh-privatekey]'],
    },
    {
      name: 'tls needs cert and key',
      obj: secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }),
      want: ['FieldValueRequired data[tls.key]'],
    },
    {
      name: 'too large',
      obj: secret({ type: 'Opaque', data: { k: Buffer.alloc(1024 * 1024 + 1).toString('base64') } }),
      want: ['FieldValueTooLong data'],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(secretStrategy.validate(c.obj)), c.want, c.name);
  const [redacted] = secretStrategy.validate(
    secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } }),
  );
  assert.match(redacted.message, /^Invalid value: "<secret contents redacted>": /);
});

test('secret update: type immutable, immutable data', () => {
  const old = secret({ type: 'Opaque', data: { a: b64('1') }, immutable: true });
  old.metadata = { ...old.metadata, resourceVersion: '1' };
  const retyped = { ...clone(old), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } };
  assert.deepEqual(summary(secretStrategy.validateUpdate(retyped, old)), [
    'FieldValueInvalid type',
    'FieldValueForbidden data',
  ]);
  const viaStringData = { ...clone(old), stringData: { a: 'changed' } };
  secretStrategy.applyDefaults?.(viaStringData);
  secretStrategy.prepareForUpdate?.(viaStringData, old);
  assert.deepEqual(summary(secretStrategy.validateUpdate(viaStringData, old)), ['FieldValueForbidden data']);
});

const event = (extra: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'web.17a8b', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1' },
  reason: 'Started',
  type: 'Normal',
  source: { component: 'kubelet' },
  ...extra,
});

test('event validation', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'valid', obj: event({}), want: [] },
    {
      name: 'namespace mismatch',
      obj: event({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'web' } }),
      want: ['FieldValueInvalid involvedObject.namespace'],
    },
    {
      name: 'cluster-scoped object in default',
      obj: event({ involvedObject: { kind: 'Node', name: 'n1' } }),
      want: [],
    },
    {
      name: 'new-style event needs reporter fields',
      obj: event({ eventTime: '2024-01-01T00:00:00.000000Z', reason: '' }),
      want: [
        'FieldValueRequired reportingController',
        // an empty qualified name fails both the emptiness and the format rule, as upstream
        'FieldValueInvalid reportingController',
        'FieldValueInvalid reportingController',
        'FieldValueRequired reportingInstance',
        'FieldValueRequired action',
        'FieldValueRequired reason',
      ],
    },
    {
      name: 'new-style event complete',
      obj: event({
        eventTime: '2024-01-01T00:00:00.000000Z',
        reportingComponent: 'example.com/ctrl',
        reportingInstance: 'ctrl-1',
        action: 'Sync',
      }),
      want: [],
    },
    {
      name: 'event name may be any path segment',
      obj: { ...event({}), metadata: { name: 'web.17A8B', namespace: 'default' } },
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(eventStrategy.validate(c.obj)), c.want, c.name);
});

test('event selectable fields', () => {
  assert.deepEqual(eventStrategy.selectableFields?.(event({})), {
    'involvedObject.kind': 'Pod',
    'involvedObject.namespace': 'default',
    'involvedObject.name': 'web',
    'involvedObject.uid': 'u1',
    'involvedObject.apiVersion': 'v1',
    'involvedObject.resourceVersion': '',
    'involvedObject.fieldPath': '',
    reason: 'Started',
    reportingComponent: '',
    source: 'kubelet',
    type: 'Normal',
  });
  const noSource = event({ source: {}, reportingComponent: 'ctrl' });
  assert.equal(eventStrategy.selectableFields?.(noSource).source, 'ctrl');
  assert.equal(eventStrategy.allowCreateOnUpdate, true);
});

const lease = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'kube-controller-manager', namespace: 'kube-system' },
  spec,
});

test('lease validation and update policy', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'valid', obj: lease({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 }), want: [] },
    {
      name: 'zero duration',
      obj: lease({ leaseDurationSeconds: 0 }),
      want: ['FieldValueInvalid spec.leaseDurationSeconds'],
    },
    {
      name: 'negative transitions',
      obj: lease({ leaseTransitions: -1 }),
      want: ['FieldValueInvalid spec.leaseTransitions'],
    },
    {
      name: 'bad name',
      obj: { metadata: { name: 'A', namespace: 'x' }, spec: {} },
      want: ['FieldValueInvalid metadata.name'],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(leaseStrategy.validate(c.obj)), c.want, c.name);
  assert.equal(
    leaseStrategy.validate(lease({ leaseDurationSeconds: 0 }))[0].message,
    'Invalid value: 0: must be greater than 0',
  );
  assert.equal(leaseStrategy.allowCreateOnUpdate, true);
  assert.equal(leaseStrategy.allowUnconditionalUpdate, false);
  const alpha = lease({ strategy: 'OldestEmulationVersion', preferredHolder: 'x', holderIdentity: 'a' });
  leaseStrategy.prepareForCreate?.(alpha);
  assert.deepEqual(alpha.spec, { holderIdentity: 'a' });
});
