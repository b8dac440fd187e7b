import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/api/object';
import type { KindStrategy } from '../src/registry/strategies/common';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import { computePodQOS } from '../src/registry/strategies/pod-qos';
import { POD_UPDATE_FORBIDDEN } from '../src/registry/strategies/pod-update';
import { validateEphemeralContainersWrite, withEphemeralContainersOf } from '../src/registry/strategies/pods';
import { podStatusCells } from '../src/registry/tables/pod-status';
import { podTable } from '../src/registry/tables/pods';

type Json = Record<string, unknown>;

function strategyOf(group: string, resource: string): KindStrategy {
  const def = BUILTIN_KINDS.find((k) => k.info.group === group && k.info.resource === resource);
  assert.ok(def, `${group}/${resource} is served`);
  return def.strategy;
}

const pods = strategyOf('', 'pods');

function created(obj: KubeObject, s: KindStrategy = pods): KubeObject {
  s.applyDefaults?.(obj);
  s.prepareForCreate?.(obj);
  return obj;
}

function errorsOf(obj: KubeObject, s: KindStrategy = pods): string[] {
  return s.validate(created(obj, s)).map((e) => `${e.type} ${e.field}`);
}

const pod = (spec: Json = {}, meta: Json = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'default', ...meta },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});

describe('pod defaults and create preparation', () => {
  test('a typical pod gets SetDefaults_Pod/PodSpec/Container of 1.32 and a Pending status', () => {
    const p = created(
      pod({
        containers: [
          {
            name: 'c',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '1', memory: '1Gi' } },
          },
          { name: 'latest', image: 'nginx' },
        ],
      }),
    );
    const spec = p.spec as Json;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    const [c, latest] = spec.containers as Json[];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(latest.imagePullPolicy, 'Always');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    // requests default from limits
    assert.deepEqual((c.resources as Json).requests, { cpu: '1', memory: '1Gi' });
    assert.deepEqual(latest.resources, {});
    // the second container has no limits: not Guaranteed
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'Burstable' });
    assert.deepEqual(pods.validate(p), []);
  });

  test('client status is replaced; scheduling gates add the SchedulingGated condition', () => {
    const p = created({ ...pod({ schedulingGates: [{ name: 'wait' }] }), status: { phase: 'Running' } });
    const status = p.status as Json;
    assert.equal(status.phase, 'Pending');
    assert.equal(status.qosClass, 'BestEffort');
    const [cond] = status.conditions as Json[];
    assert.equal(cond.type, 'PodScheduled');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'SchedulingGated');
  });

  test('hostNetwork pods default hostPort to containerPort; serviceAccount mirrors serviceAccountName', () => {
    const p = created(
      pod({
        hostNetwork: true,
        serviceAccountName: 'sa',
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 53, protocol: 'UDP' }] }],
      }),
    );
    const spec = p.spec as Json;
    assert.equal(((spec.containers as Json[])[0].ports as Json[])[0].hostPort, 53);
    assert.equal(spec.serviceAccount, 'sa');
  });

  test('QoS classes as upstream computes them', () => {
    const withRes = (resources: Json): Json => ({ containers: [{ name: 'c', image: 'i', resources }] });
    assert.equal(computePodQOS(withRes({})), 'BestEffort');
    assert.equal(computePodQOS(withRes({ requests: { cpu: '0' } })), 'BestEffort');
    assert.equal(computePodQOS(withRes({ requests: { cpu: '100m' } })), 'Burstable');
    const same = { cpu: '1', memory: '1Gi' };
    assert.equal(computePodQOS(withRes({ requests: same, limits: same })), 'Guaranteed');
    assert.equal(computePodQOS(withRes({ requests: { cpu: '1000m', memory: '1Gi' }, limits: same })), 'Guaranteed');
    assert.equal(computePodQOS(withRes({ requests: { cpu: '500m', memory: '1Gi' }, limits: same })), 'Burstable');
    assert.equal(computePodQOS(withRes({ limits: { cpu: '1' } })), 'Burstable');
  });
});

interface Case {
  name: string;
  obj: KubeObject;
  /** the one error expected: "<type> <field>" */
  want: string;
  /** errors the same bad value causes elsewhere */
  also?: string[];
}

const c = (extra: Json): Json => ({ name: 'c', image: 'i', ...extra });

// One bad field per case, at upstream's field path with upstream's error type.
const CASES: Case[] = [
  { name: 'no containers', obj: pod({ containers: [] }), want: 'FieldValueRequired spec.containers' },
  {
    name: 'container without image',
    obj: pod({ containers: [{ name: 'c' }] }),
    want: 'FieldValueRequired spec.containers[0].image',
  },
  {
    name: 'bad container name',
    obj: pod({ containers: [c({ name: 'C_1' })] }),
    want: 'FieldValueInvalid spec.containers[0].name',
  },
  {
    name: 'duplicate container name',
    obj: pod({ containers: [c({}), c({})] }),
    want: 'FieldValueDuplicate spec.containers[1].name',
  },
  {
    name: 'bad restartPolicy',
    obj: pod({ restartPolicy: 'Sometimes' }),
    want: 'FieldValueNotSupported spec.restartPolicy',
  },
  { name: 'bad dnsPolicy', obj: pod({ dnsPolicy: 'Nope' }), want: 'FieldValueNotSupported spec.dnsPolicy' },
  {
    name: 'port out of range',
    obj: pod({ containers: [c({ ports: [{ containerPort: 70000 }] })] }),
    want: 'FieldValueInvalid spec.containers[0].ports[0].containerPort',
  },
  {
    name: 'request above limit',
    obj: pod({ containers: [c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] }),
    want: 'FieldValueInvalid spec.containers[0].resources.requests[cpu]',
  },
  {
    name: 'negative memory limit',
    obj: pod({ containers: [c({ resources: { limits: { memory: '-1' } } })] }),
    // the request defaulted from the limit is refused too, as upstream
    want: 'FieldValueInvalid spec.containers[0].resources.limits[memory]',
    also: ['FieldValueInvalid spec.containers[0].resources.requests[memory]'],
  },
  {
    name: 'resource that is not for containers',
    obj: pod({ containers: [c({ resources: { limits: { pods: '1' } } })] }),
    want: 'FieldValueInvalid spec.containers[0].resources.limits[pods]',
    also: ['FieldValueInvalid spec.containers[0].resources.requests[pods]'],
  },
  {
    name: 'toleration without key and operator Equal',
    obj: pod({ tolerations: [{ operator: 'Equal', value: 'v' }] }),
    want: 'FieldValueInvalid spec.tolerations[0].operator',
  },
  {
    name: 'toleration with an unknown effect',
    obj: pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] }),
    want: 'FieldValueNotSupported spec.tolerations[0].effect',
  },
  {
    name: 'tolerationSeconds without NoExecute',
    obj: pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] }),
    want: 'FieldValueInvalid spec.tolerations[0].effect',
  },
  {
    name: 'ephemeral containers on create',
    obj: pod({ ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }),
    want: 'FieldValueForbidden spec.ephemeralContainers',
  },
  {
    name: 'image with surrounding whitespace',
    obj: pod({ containers: [c({ image: ' nginx' })] }),
    want: 'FieldValueInvalid spec.containers[0].image',
  },
  {
    name: 'mount of an unknown volume',
    obj: pod({ containers: [c({ volumeMounts: [{ name: 'v', mountPath: '/v' }] })] }),
    // kapi's notFound reports NotFound as Invalid with the "Not found" text
    want: 'FieldValueInvalid spec.containers[0].volumeMounts[0].name',
  },
  { name: 'bad pod name', obj: pod({}, { name: 'Bad_Name' }), want: 'FieldValueInvalid metadata.name' },
  { name: 'bad nodeName', obj: pod({ nodeName: 'Not A Node' }), want: 'FieldValueInvalid spec.nodeName' },
  {
    name: 'activeDeadlineSeconds 0',
    obj: pod({ activeDeadlineSeconds: 0 }),
    want: 'FieldValueInvalid spec.activeDeadlineSeconds',
  },
];

describe('pod validation: one bad field per case', () => {
  for (const tc of CASES) {
    test(tc.name, () => assert.deepEqual(errorsOf(tc.obj), [tc.want, ...(tc.also ?? [])]));
  }
});

describe('pod update rules', () => {
  const stored = (): KubeObject => {
    const p = created(pod({ tolerations: [{ key: 'a', operator: 'Exists' }], activeDeadlineSeconds: 100 }));
    p.metadata = { ...p.metadata, uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '5' };
    return p;
  };
  const updateErrors = (change: (spec: Json) => void): string[] => {
    const old = stored();
    const next = JSON.parse(JSON.stringify(old)) as KubeObject;
    change(next.spec as Json);
    pods.applyDefaults?.(next);
    pods.prepareForUpdate?.(next, old);
    return pods.validateUpdate(next, old).map((e) => `${e.type} ${e.field}`);
  };

  test('images, a shorter deadline, added tolerations and removed gates may change', () => {
    assert.deepEqual(
      updateErrors((s) => {
        (s.containers as Json[])[0].image = 'nginx:1.28';
        s.activeDeadlineSeconds = 50;
        s.tolerations = [...(s.tolerations as Json[]), { key: 'b', operator: 'Exists' }];
      }),
      [],
    );
  });

  test('any other spec change is the one Forbidden error with upstream message', () => {
    const old = stored();
    const next = JSON.parse(JSON.stringify(old)) as KubeObject;
    (next.spec as Json).restartPolicy = 'Never';
    const errs = pods.validateUpdate(next, old);
    assert.equal(errs.length, 1);
    assert.equal(errs[0].type, 'FieldValueForbidden');
    assert.equal(errs[0].field, 'spec');
    assert.ok(errs[0].message.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN}\n`), errs[0].message);
    assert.match(errs[0].message, /restartPolicy/);
  });

  test('deadline may not grow or go away; tolerations may not be removed; containers not added', () => {
    assert.deepEqual(
      updateErrors((s) => (s.activeDeadlineSeconds = 200)),
      ['FieldValueInvalid spec.activeDeadlineSeconds'],
    );
    assert.deepEqual(
      updateErrors((s) => delete s.activeDeadlineSeconds),
      ['FieldValueInvalid spec.activeDeadlineSeconds'],
    );
    assert.deepEqual(
      updateErrors((s) => (s.tolerations = [])),
      ['FieldValueForbidden spec.tolerations'],
    );
    assert.deepEqual(
      updateErrors((s) => (s.containers = [...(s.containers as Json[]), { name: 'd', image: 'i' }])),
      ['FieldValueForbidden spec.containers'],
    );
  });

  test('scheduling gates may only be removed', () => {
    const old = created(pod({ schedulingGates: [{ name: 'a' }] }));
    const removed = JSON.parse(JSON.stringify(old)) as KubeObject;
    (removed.spec as Json).schedulingGates = [];
    assert.deepEqual(pods.validateUpdate(removed, old), []);
    const added = JSON.parse(JSON.stringify(old)) as KubeObject;
    (added.spec as Json).schedulingGates = [{ name: 'a' }, { name: 'b' }];
    assert.deepEqual(
      pods.validateUpdate(added, old).map((e) => `${e.type} ${e.field}`),
      ['FieldValueForbidden spec.schedulingGates'],
    );
  });

  test('a main-resource update keeps the stored status', () => {
    const old = stored();
    (old.status as Json).phase = 'Running';
    const next = { ...JSON.parse(JSON.stringify(old)), status: { phase: 'Failed' } } as KubeObject;
    pods.prepareForUpdate?.(next, old);
    assert.equal((next.status as Json).phase, 'Running');
  });

  test('ephemeralcontainers: only that list is taken; additions only', () => {
    const old = stored();
    const request = JSON.parse(JSON.stringify(old)) as KubeObject;
    (request.spec as Json).ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
    (request.spec as Json).restartPolicy = 'Never';
    const merged = withEphemeralContainersOf(old, request) as KubeObject;
    pods.applyDefaults?.(merged);
    assert.equal((merged.spec as Json).restartPolicy, 'Always');
    assert.deepEqual(validateEphemeralContainersWrite(merged, old), []);
    const removed = withEphemeralContainersOf(merged, { spec: { ephemeralContainers: [] } }) as KubeObject;
    assert.deepEqual(
      validateEphemeralContainersWrite(removed, merged).map((e) => `${e.type} ${e.field}`),
      ['FieldValueForbidden spec.ephemeralContainers'],
    );
    const withPorts = withEphemeralContainersOf(old, {
      spec: { ephemeralContainers: [{ name: 'd', image: 'b', ports: [{ containerPort: 80 }] }] },
    }) as KubeObject;
    pods.applyDefaults?.(withPorts);
    assert.deepEqual(
      validateEphemeralContainersWrite(withPorts, old).map((e) => `${e.type} ${e.field}`),
      ['FieldValueForbidden spec.ephemeralContainers[0].ports'],
    );
  });

  test('status writes: podIP and podIPs kept paired, addresses and nominated node validated', () => {
    const old = stored();
    const statusWrite = (status: Json): string[] => {
      const next = { ...JSON.parse(JSON.stringify(old)), status } as KubeObject;
      pods.applyDefaults?.(next);
      return pods.validateUpdate(next, old).map((e) => `${e.type} ${e.field}`);
    };
    const synced = {
      ...JSON.parse(JSON.stringify(old)),
      status: { phase: 'Running', podIP: '10.0.0.5' },
    } as KubeObject;
    pods.applyDefaults?.(synced);
    assert.deepEqual((synced.status as Json).podIPs, [{ ip: '10.0.0.5' }]);
    assert.deepEqual(statusWrite({ phase: 'Running', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] }), []);
    assert.deepEqual(statusWrite({ podIPs: [{ ip: '10.0.0.300' }] }), ['FieldValueInvalid status.podIPs[0]']);
    assert.deepEqual(statusWrite({ podIPs: [{ ip: '10.0.0.5' }, { ip: '10.0.0.6' }] }), [
      'FieldValueInvalid status.podIPs',
    ]);
    assert.deepEqual(statusWrite({ nominatedNodeName: 'Bad Node' }), ['FieldValueInvalid status.nominatedNodeName']);
  });

  test('selectable fields as upstream names them', () => {
    const p = stored();
    (p.spec as Json).nodeName = 'n1';
    (p.status as Json).podIPs = [{ ip: '10.0.0.1' }];
    assert.deepEqual(pods.selectableFields?.(p), {
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'false',
      'status.phase': 'Pending',
      'status.podIP': '10.0.0.1',
      'status.nominatedNodeName': '',
    });
  });
});

describe('pod STATUS column as upstream printPod computes it', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const cells = (spec: Json, status: Json, meta: Json = {}) =>
    podStatusCells({ metadata: { name: 'p', ...meta }, spec, status }, now);
  const one = { containers: [{ name: 'c' }] };

  test('pending, running and ready, waiting reasons, terminated exit codes', () => {
    assert.deepEqual(cells(one, { phase: 'Pending' }), { ready: '0/1', status: 'Pending', restarts: '0' });
    assert.deepEqual(
      cells(one, {
        phase: 'Running',
        containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
      }),
      { ready: '1/1', status: 'Running', restarts: '0' },
    );
    assert.equal(
      cells(one, {
        phase: 'Pending',
        containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }],
      }).status,
      'ImagePullBackOff',
    );
    assert.equal(
      cells(one, { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 2 } } }] })
        .status,
      'ExitCode:2',
    );
    assert.equal(
      cells(one, {
        phase: 'Failed',
        containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, signal: 9 } } }],
      }).status,
      'Signal:9',
    );
  });

  test('init containers: Init:i/n, Init:<reason>, restarts with last restart age', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] };
    assert.equal(
      cells(spec, {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0 } } },
          { name: 'i2', state: { running: {} } },
        ],
      }).status,
      'Init:1/2',
    );
    assert.equal(
      cells(spec, {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 3 }],
      }).status,
      'Init:CrashLoopBackOff',
    );
    assert.deepEqual(
      cells(one, {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'c',
            ready: true,
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:55:00Z' } },
          },
        ],
      }).restarts,
      '2 (5m ago)',
    );
  });

  test('Terminating, and Unknown for NodeLost', () => {
    const deleting = { deletionTimestamp: '2026-01-01T00:59:00Z' };
    assert.equal(cells(one, { phase: 'Running' }, deleting).status, 'Terminating');
    assert.equal(cells(one, { phase: 'Running', reason: 'NodeLost' }, deleting).status, 'Unknown');
    assert.equal(cells(one, { phase: 'Succeeded' }, deleting).status, 'Succeeded');
  });

  test('wide columns: IP, node, nominated node, readiness gates', () => {
    const p: KubeObject = {
      metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'n1', readinessGates: [{ conditionType: 'x' }], containers: [{ name: 'c' }] },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.9' }], conditions: [{ type: 'x', status: 'True' }] },
    };
    assert.deepEqual(
      podTable.columns.map((col) => col.name),
      ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    );
    assert.deepEqual(podTable.cells(p, now), ['p', '0/1', 'Running', '0', '60m', '10.0.0.9', 'n1', '<none>', '1/1']);
  });
});

describe('podtemplates and poddisruptionbudgets', () => {
  const templates = strategyOf('', 'podtemplates');
  const pdbs = strategyOf('policy', 'poddisruptionbudgets');
  const pdb = (spec: Json): KubeObject => ({ metadata: { name: 'b', namespace: 'default' }, spec });

  test('a PodTemplate is defaulted and validated as a workload template', () => {
    const t = created(
      {
        metadata: { name: 't', namespace: 'default' },
        template: { spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
      templates,
    );
    assert.equal(((t.template as Json).spec as Json).restartPolicy, 'Always');
    assert.deepEqual(templates.validate(t), []);
    assert.deepEqual(
      errorsOf({ metadata: { name: 't', namespace: 'default' }, template: { spec: { containers: [] } } }, templates),
      ['FieldValueRequired template.spec.containers'],
    );
  });

  test('a PDB starts with a zero status and generation 1', () => {
    const b = created(pdb({ minAvailable: 1, selector: { matchLabels: { app: 'a' } } }), pdbs);
    assert.deepEqual(b.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    assert.equal(b.metadata?.generation, 1);
    assert.deepEqual(pdbs.validate(b), []);
  });

  for (const [name, spec, want] of [
    ['both minAvailable and maxUnavailable', { minAvailable: 1, maxUnavailable: 1 }, 'FieldValueInvalid spec'],
    ['negative minAvailable', { minAvailable: -1 }, 'FieldValueInvalid spec.minAvailable'],
    ['maxUnavailable over 100%', { maxUnavailable: '150%' }, 'FieldValueInvalid spec.maxUnavailable'],
    ['minAvailable not a percent', { minAvailable: 'half' }, 'FieldValueInvalid spec.minAvailable'],
    [
      'bad selector operator',
      { minAvailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } },
      'FieldValueInvalid spec.selector.matchExpressions[0].operator',
    ],
    [
      'unknown unhealthyPodEvictionPolicy',
      { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' },
      'FieldValueNotSupported spec.unhealthyPodEvictionPolicy',
    ],
  ] as const) {
    test(`PDB: ${name}`, () => assert.deepEqual(errorsOf(pdb(spec), pdbs), [want]));
  }

  test('PDB status counters may not go negative', () => {
    const old = created(pdb({ minAvailable: 1 }), pdbs);
    const next = { ...JSON.parse(JSON.stringify(old)), status: { disruptionsAllowed: -1 } } as KubeObject;
    assert.deepEqual(
      pdbs.validateUpdate(next, old).map((e) => `${e.type} ${e.field}`),
      ['FieldValueInvalid status.disruptionsAllowed'],
    );
  });
});
