import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/api/object';
import type { KindStrategy } from '../src/registry/strategies/common';
import { BUILTIN_KINDS } from '../src/registry/kinds';

function strategyOf(group: string, resource: string): KindStrategy {
  const def = BUILTIN_KINDS.find((k) => k.info.group === group && k.info.resource === resource);
  assert.ok(def, `${group}/${resource} is served`);
  return def.strategy;
}

function errorsOf(group: string, resource: string, obj: KubeObject): string[] {
  const s = strategyOf(group, resource);
  s.applyDefaults?.(obj);
  s.prepareForCreate?.(obj);
  return s.validate(obj).map((e) => `${e.type} ${e.field}`);
}

const podTemplate = (restartPolicy?: string) => ({
  metadata: { labels: { app: 'a' } },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'i' }] },
});

interface Case {
  name: string;
  group: string;
  resource: string;
  obj: KubeObject;
  /** the one error expected: "<type> <field>" */
  want: string;
}

const meta = (name: string, namespaced = true) => (namespaced ? { name, namespace: 'default' } : { name });

// One bad field per case, checked against upstream's field path and error type.
const CASES: Case[] = [
  {
    name: 'ReplicaSet with a negative replica count',
    group: 'apps',
    resource: 'replicasets',
    obj: {
      metadata: meta('r'),
      spec: { replicas: -1, selector: { matchLabels: { app: 'a' } }, template: podTemplate() },
    },
    want: 'FieldValueInvalid spec.replicas',
  },
  {
    name: 'StatefulSet with an unknown podManagementPolicy',
    group: 'apps',
    resource: 'statefulsets',
    obj: {
      metadata: meta('s'),
      spec: { podManagementPolicy: 'Sometimes', selector: { matchLabels: { app: 'a' } }, template: podTemplate() },
    },
    want: 'FieldValueInvalid spec.podManagementPolicy',
  },
  {
    name: 'Job whose pods restart Always',
    group: 'batch',
    resource: 'jobs',
    obj: { metadata: meta('j'), spec: { template: podTemplate('Always') } },
    want: 'FieldValueNotSupported spec.template.spec.restartPolicy',
  },
  {
    name: 'CronJob without a schedule',
    group: 'batch',
    resource: 'cronjobs',
    obj: { metadata: meta('c'), spec: { jobTemplate: { spec: { template: podTemplate('Never') } } } },
    want: 'FieldValueRequired spec.schedule',
  },
  {
    name: 'PriorityClass above the user maximum',
    group: 'scheduling.k8s.io',
    resource: 'priorityclasses',
    obj: { metadata: meta('p', false), value: 1_000_000_001 },
    want: 'FieldValueForbidden value',
  },
  {
    name: 'StorageClass without a provisioner',
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    obj: { metadata: meta('s', false) },
    want: 'FieldValueRequired provisioner',
  },
  {
    name: 'PersistentVolumeClaim without access modes',
    group: '',
    resource: 'persistentvolumeclaims',
    obj: { metadata: meta('c'), spec: { resources: { requests: { storage: '1Gi' } } } },
    want: 'FieldValueRequired spec.accessModes',
  },
  {
    name: 'NetworkPolicy with an unknown policy type',
    group: 'networking.k8s.io',
    resource: 'networkpolicies',
    obj: { metadata: meta('n'), spec: { podSelector: {}, policyTypes: ['Sideways'] } },
    want: 'FieldValueNotSupported spec.policyTypes[0]',
  },
  {
    name: 'LimitRange with a domainless resource containers do not have',
    group: '',
    resource: 'limitranges',
    obj: { metadata: meta('l'), spec: { limits: [{ type: 'Pod', max: { pods: '1' } }] } },
    want: 'FieldValueInvalid spec.limits[0].max[pods]',
  },
];

for (const c of CASES) {
  test(`refused: ${c.name}`, () => {
    assert.deepEqual(errorsOf(c.group, c.resource, c.obj), [c.want]);
  });
}

test('a typical Job, CronJob and StorageClass get upstream defaults', () => {
  const job: KubeObject = { metadata: meta('j'), spec: { template: podTemplate('Never') } };
  assert.deepEqual(errorsOf('batch', 'jobs', job), []);
  const spec = job.spec as Record<string, unknown>;
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  const cj: KubeObject = {
    metadata: meta('c'),
    spec: { schedule: '@hourly', jobTemplate: { spec: { template: podTemplate('OnFailure') } } },
  };
  assert.deepEqual(errorsOf('batch', 'cronjobs', cj), []);
  assert.equal((cj.spec as Record<string, unknown>).concurrencyPolicy, 'Allow');
  const sc: KubeObject = { metadata: meta('s', false), provisioner: 'example.com/x' };
  assert.deepEqual(errorsOf('storage.k8s.io', 'storageclasses', sc), []);
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
});

test("a StatefulSet's template pod spec is not validated, as upstream: claim-template mounts pass", () => {
  const sts = (containers: object[]): KubeObject => ({
    metadata: meta('db'),
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template: { metadata: { labels: { app: 'a' } }, spec: { containers } },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });
  // "data" is no template volume: a Deployment or ReplicaSet would be refused for it
  assert.deepEqual(
    errorsOf(
      'apps',
      'statefulsets',
      sts([{ name: 'c', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/d' }] }]),
    ),
    [],
  );
  const rs: KubeObject = {
    metadata: meta('r'),
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template: {
        metadata: { labels: { app: 'a' } },
        spec: { containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] },
      },
    },
  };
  assert.deepEqual(errorsOf('apps', 'replicasets', rs), [
    'FieldValueInvalid spec.template.spec.containers[0].volumeMounts[0].name',
  ]);
  // the template's labels are still checked
  const badLabel = sts([{ name: 'c', image: 'i' }]);
  const tmpl = (badLabel.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
  tmpl.metadata.labels['-bad'] = 'x';
  assert.deepEqual(errorsOf('apps', 'statefulsets', badLabel), ['FieldValueInvalid spec.template.labels']);
});
