import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { deploymentStrategy } from '../src/registry/strategies/deployments';
import { defaultImagePullPolicy } from '../src/registry/strategies/podtemplate-defaults';

function nginx(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
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

function created(obj: KubeObject): KubeObject {
  deploymentStrategy.applyDefaults?.(obj);
  deploymentStrategy.prepareForCreate?.(obj);
  return obj;
}

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

test('the nginx example defaults exactly as kube-apiserver', () => {
  const obj = created(nginx());
  assert.deepEqual(obj.spec, {
    progressDeadlineSeconds: 600,
    replicas: 3,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'nginx' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
      spec: {
        containers: [
          {
            image: 'nginx:1.14.2',
            imagePullPolicy: 'IfNotPresent',
            name: 'nginx',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata?.generation, 1);
  assert.deepEqual(deploymentStrategy.validate(obj), []);
});

test('replicas default to 1 and explicit values are kept', () => {
  const obj = nginx();
  const spec = obj.spec as Record<string, unknown>;
  delete spec.replicas;
  spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } };
  spec.revisionHistoryLimit = 0;
  deploymentStrategy.applyDefaults?.(obj);
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 0);
});

test('Recreate strategy gets no rollingUpdate', () => {
  const obj = nginx();
  (obj.spec as Record<string, unknown>).strategy = { type: 'Recreate' };
  deploymentStrategy.applyDefaults?.(obj);
  assert.deepEqual((obj.spec as Record<string, unknown>).strategy, { type: 'Recreate' });
});

test('image pull policy follows the tag', () => {
  const cases: Array<[string, string]> = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.14.2', 'IfNotPresent'],
    ['registry.example.com:5000/team/app', 'Always'],
    ['registry.example.com:5000/team/app:v1', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
    ['nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'Always'],
    ['', 'IfNotPresent'],
    ['NGINX', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) assert.equal(defaultImagePullPolicy(image), want, image);
});

test('probes, env field refs and volumes get their defaults', () => {
  const obj = nginx();
  const template = (obj.spec as { template: { spec: Record<string, unknown> } }).template;
  template.spec.volumes = [{ name: 'scratch' }, { name: 'conf', configMap: { name: 'c' } }];
  template.spec.initContainers = [{ name: 'init', image: 'busybox' }];
  (template.spec.containers as Record<string, unknown>[])[0].livenessProbe = { httpGet: { port: 80 } };
  (template.spec.containers as Record<string, unknown>[])[0].env = [
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  deploymentStrategy.applyDefaults?.(obj);
  assert.deepEqual(template.spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'conf', configMap: { name: 'c', defaultMode: 420 } },
  ]);
  const [container] = template.spec.containers as Record<string, unknown>[];
  assert.deepEqual(container.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(container.env, [
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } },
  ]);
  const [init] = template.spec.initContainers as Record<string, unknown>[];
  assert.equal(init.imagePullPolicy, 'Always');
  assert.equal(init.terminationMessagePolicy, 'File');
});

type Mutation = (spec: Record<string, unknown>, obj: KubeObject) => void;

function tmplSpec(spec: Record<string, unknown>): Record<string, unknown> {
  return (spec.template as { spec: Record<string, unknown> }).spec;
}

function firstContainer(spec: Record<string, unknown>): Record<string, unknown> {
  return (tmplSpec(spec).containers as Record<string, unknown>[])[0];
}

test('Deployment validation', () => {
  const cases: Array<{ name: string; mutate: Mutation; want: string[] }> = [
    {
      name: 'invalid name',
      mutate: (_s, o) => {
        o.metadata = { ...o.metadata, name: 'Bad_Name' };
      },
      want: ['FieldValueInvalid metadata.name'],
    },
    {
      name: 'missing selector',
      mutate: (s) => delete s.selector,
      want: ['FieldValueRequired spec.selector', 'FieldValueInvalid spec.template.metadata.labels'],
    },
    {
      name: 'empty selector',
      mutate: (s) => (s.selector = {}),
      want: ['FieldValueInvalid spec.selector'],
    },
    {
      name: 'selector does not match template',
      mutate: (s) => (s.selector = { matchLabels: { app: 'other' } }),
      want: ['FieldValueInvalid spec.template.metadata.labels'],
    },
    {
      name: 'invalid selector operator',
      mutate: (s) => (s.selector = { matchExpressions: [{ key: 'app', operator: 'Is' }] }),
      want: ['FieldValueInvalid spec.selector.matchExpressions[0].operator', 'FieldValueInvalid spec.selector'],
    },
    { name: 'negative replicas', mutate: (s) => (s.replicas = -1), want: ['FieldValueInvalid spec.replicas'] },
    {
      name: 'no containers',
      mutate: (s) => (tmplSpec(s).containers = []),
      want: ['FieldValueRequired spec.template.spec.containers'],
    },
    {
      name: 'container without name and image',
      mutate: (s) => {
        delete firstContainer(s).name;
        delete firstContainer(s).image;
      },
      want: [
        'FieldValueRequired spec.template.spec.containers[0].name',
        'FieldValueRequired spec.template.spec.containers[0].image',
      ],
    },
    {
      name: 'container name not a DNS label',
      mutate: (s) => (firstContainer(s).name = 'Web_1'),
      want: ['FieldValueInvalid spec.template.spec.containers[0].name'],
    },
    {
      name: 'duplicate container names',
      mutate: (s) => {
        const c = tmplSpec(s).containers as Record<string, unknown>[];
        c.push({ ...c[0], ports: [] });
      },
      want: ['FieldValueDuplicate spec.template.spec.containers[1].name'],
    },
    {
      name: 'port out of range',
      mutate: (s) => (firstContainer(s).ports = [{ containerPort: 70000, protocol: 'TCP' }]),
      want: ['FieldValueInvalid spec.template.spec.containers[0].ports[0].containerPort'],
    },
    {
      name: 'unsupported protocol',
      mutate: (s) => (firstContainer(s).ports = [{ containerPort: 80, protocol: 'HTTP' }]),
      want: ['FieldValueNotSupported spec.template.spec.containers[0].ports[0].protocol'],
    },
    {
      name: 'restartPolicy Never',
      mutate: (s) => (tmplSpec(s).restartPolicy = 'Never'),
      want: ['FieldValueNotSupported spec.template.spec.restartPolicy'],
    },
    {
      name: 'bad template label',
      mutate: (s) => {
        (s.template as { metadata: { labels: Record<string, string> } }).metadata.labels['bad key'] = 'x';
      },
      want: ['FieldValueInvalid spec.template.labels'],
    },
    {
      name: 'maxUnavailable and maxSurge both zero',
      mutate: (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } }),
      want: ['FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable'],
    },
    {
      name: 'maxUnavailable over 100%',
      mutate: (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 1 } }),
      want: ['FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable'],
    },
    {
      name: 'bad percent',
      mutate: (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 'half', maxSurge: 1 } }),
      want: ['FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable'],
    },
    {
      name: 'Recreate with rollingUpdate',
      mutate: (s) => (s.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      want: ['FieldValueForbidden spec.strategy.rollingUpdate'],
    },
    {
      name: 'unknown strategy type',
      mutate: (s) => (s.strategy = { type: 'BlueGreen' }),
      want: ['FieldValueNotSupported spec.strategy'],
    },
    {
      name: 'progress deadline not above minReadySeconds',
      mutate: (s) => {
        s.minReadySeconds = 700;
      },
      want: ['FieldValueInvalid spec.progressDeadlineSeconds'],
    },
    {
      name: 'mount of an unknown volume',
      mutate: (s) => (firstContainer(s).volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      want: ['FieldValueInvalid spec.template.spec.containers[0].volumeMounts[0].name'],
    },
    {
      name: 'probe without handler',
      mutate: (s) => (firstContainer(s).readinessProbe = { periodSeconds: 5 }),
      want: ['FieldValueRequired spec.template.spec.containers[0].readinessProbe'],
    },
  ];
  for (const c of cases) {
    const obj = nginx();
    c.mutate(obj.spec as Record<string, unknown>, obj);
    created(obj);
    assert.deepEqual(summary(deploymentStrategy.validate(obj)), c.want, c.name);
  }
});

test('Deployment error messages match upstream text', () => {
  const obj = nginx();
  (obj.spec as Record<string, unknown>).selector = { matchLabels: { app: 'other' } };
  created(obj);
  const [mismatch] = deploymentStrategy.validate(obj);
  assert.equal(
    mismatch.message,
    'Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
  );
  const never = nginx();
  tmplSpec(never.spec as Record<string, unknown>).restartPolicy = 'Never';
  created(never);
  assert.equal(deploymentStrategy.validate(never)[0].message, 'Unsupported value: "Never": supported values: "Always"');
});

test('update: status kept, generation bumped only on spec or annotation change, selector immutable', () => {
  const old = created(nginx());
  old.metadata = { ...old.metadata, uid: 'u', resourceVersion: '10', generation: 4 };
  old.status = { replicas: 3, observedGeneration: 4 };

  const same = JSON.parse(JSON.stringify(old)) as KubeObject;
  same.status = { replicas: 99 };
  deploymentStrategy.applyDefaults?.(same);
  deploymentStrategy.prepareForUpdate?.(same, old);
  assert.deepEqual(same.status, old.status);
  assert.equal(same.metadata?.generation, 4);

  const labelsOnly = JSON.parse(JSON.stringify(old)) as KubeObject;
  labelsOnly.metadata = { ...labelsOnly.metadata, labels: { app: 'nginx', extra: 'x' } };
  deploymentStrategy.prepareForUpdate?.(labelsOnly, old);
  assert.equal(labelsOnly.metadata?.generation, 4);

  const annotated = JSON.parse(JSON.stringify(old)) as KubeObject;
  annotated.metadata = { ...annotated.metadata, annotations: { note: 'x' } };
  deploymentStrategy.prepareForUpdate?.(annotated, old);
  assert.equal(annotated.metadata?.generation, 5);

  const scaled = JSON.parse(JSON.stringify(old)) as KubeObject;
  (scaled.spec as Record<string, unknown>).replicas = 5;
  scaled.metadata = { ...scaled.metadata, generation: 1 };
  deploymentStrategy.prepareForUpdate?.(scaled, old);
  assert.equal(scaled.metadata?.generation, 5);
  assert.deepEqual(deploymentStrategy.validateUpdate(scaled, old), []);

  const reselected = JSON.parse(JSON.stringify(old)) as KubeObject;
  const spec = reselected.spec as { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
  spec.selector = { matchLabels: { app: 'nginx', tier: 'web' } };
  spec.template.metadata.labels.tier = 'web';
  deploymentStrategy.prepareForUpdate?.(reselected, old);
  const errs = deploymentStrategy.validateUpdate(reselected, old);
  assert.deepEqual(summary(errs), ['FieldValueInvalid spec.selector']);
  assert.match(errs[0].message, /: field is immutable$/);
});
