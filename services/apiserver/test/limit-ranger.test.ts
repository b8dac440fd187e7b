import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newRecorder } from '../src/admission/interface';
import { goFixed6 } from '../src/admission/limit-ranger/constraints';
import { podLimits, podRequests } from '../src/admission/limit-ranger/resource-lists';
import { limitRanger } from '../src/admission/plugins/limit-ranger';
import { canonicalQuantity, formatQuantity } from '../src/api/quantity-format';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';
import { buildAuthorizer } from '../src/authz/modes';
import type { GenericStore } from '../src/registry/generic-store';
import { limitranges } from '../src/registry/kinds/core/limitranges';
import { persistentvolumeclaims } from '../src/registry/kinds/core/persistentvolumeclaims';
import { pods } from '../src/registry/kinds/core/pods';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
interface ContainerSpec {
  name: string;
  resources?: Resources;
  restartPolicy?: string;
}

function podObject(name: string, containers: ContainerSpec[], initContainers: ContainerSpec[] = []): KubeObject {
  const withImage = (c: ContainerSpec): Record<string, unknown> => ({ image: 'busybox', ...c });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: containers.map(withImage),
      ...(initContainers.length > 0 ? { initContainers: initContainers.map(withImage) } : {}),
    },
  };
}

function limitRangeObject(name: string, limits: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'LimitRange', metadata: { name }, spec: { limits } };
}

function claimObject(name: string, storage: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}

interface ContainerOut {
  name: string;
  resources?: Resources;
}

function containersOf(pod: KubeObject, field = 'containers'): ContainerOut[] {
  return ((pod.spec as Record<string, unknown>)[field] as ContainerOut[] | undefined) ?? [];
}

describe('LimitRanger over real stores', () => {
  let stores: AdmissionStores;
  let podStore: GenericStore;
  let ranges: GenericStore;
  let claims: GenericStore;

  before(async () => {
    stores = await admissionStores({
      kinds: [pods, limitranges, persistentvolumeclaims],
      plugins: [limitRanger],
      authorizer: buildAuthorizer(['AlwaysAllow']),
    });
    podStore = stores.store('', 'pods');
    ranges = stores.store('', 'limitranges');
    claims = stores.store('', 'persistentvolumeclaims');
  });

  after(async () => {
    await stores?.close();
  });

  const createPod = (ns: string, pod: KubeObject): Promise<KubeObject> =>
    podStore.create(ns, pod, { user: alice, recorder: newRecorder() });

  /** The refusal's message, after checking it is upstream's 403 Forbidden. */
  async function refusal(write: Promise<unknown>): Promise<string> {
    try {
      await write;
    } catch (e) {
      assert.ok(e instanceof StatusError, String(e));
      assert.equal(e.code, 403);
      assert.equal(e.reason, 'Forbidden');
      return e.message;
    }
    assert.fail('the write was admitted');
  }

  test('a namespace without LimitRanges leaves a pod untouched', async () => {
    const out = await createPod('bare', podObject('plain', [{ name: 'c' }]));
    assert.equal(out.metadata?.annotations?.['kubernetes.io/limit-ranger'], undefined);
    assert.deepEqual(containersOf(out)[0].resources ?? {}, {});
  });

  test('container defaults fill what containers and init containers lack, and the pod is annotated', async () => {
    await ranges.create(
      'defaults',
      limitRangeObject('defaults', [
        { type: 'Container', default: { cpu: '0.5', memory: '262144Ki' }, defaultRequest: { cpu: '100m' } },
      ]),
    );
    const out = await createPod(
      'defaults',
      podObject(
        'web',
        [{ name: 'app' }, { name: 'capped', resources: { limits: { cpu: '1' } } }],
        [{ name: 'setup', resources: { requests: { memory: '64Mi' } } }],
      ),
    );
    assert.equal(
      out.metadata?.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; ' +
        'memory request for container capped; memory limit for container capped; ' +
        'cpu request for init container setup; cpu, memory limit for init container setup',
    );
    const [app, capped] = containersOf(out);
    // defaultRequest's memory comes from default: LimitRange defaulting copies limits to requests;
    // the copies are in canonical text
    assert.deepEqual(app.resources, {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '256Mi' },
    });
    // the pod's own defaulting already made its limit its request
    assert.deepEqual(capped.resources, {
      limits: { cpu: '1', memory: '256Mi' },
      requests: { cpu: '1', memory: '256Mi' },
    });
    assert.deepEqual(containersOf(out, 'initContainers')[0].resources, {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '64Mi' },
    });
    const stored = await podStore.get('defaults', 'web');
    assert.equal(containersOf(stored)[0].resources?.limits?.cpu, '500m');
  });

  test('a pod that sets everything itself gets no annotation', async () => {
    const full = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
    const out = await createPod('defaults', podObject('full', [{ name: 'c', resources: full }]));
    assert.equal(out.metadata?.annotations?.['kubernetes.io/limit-ranger'], undefined);
  });

  test('Container max, min and ratio refusals carry upstream messages', async () => {
    await ranges.create(
      'bounds',
      limitRangeObject('bounds', [
        {
          type: 'Container',
          max: { cpu: '1' },
          min: { memory: '100Mi' },
          maxLimitRequestRatio: { cpu: '2' },
          default: { cpu: '1', memory: '200Mi' },
          defaultRequest: { cpu: '500m', memory: '200Mi' },
        },
      ]),
    );
    assert.equal(
      await refusal(createPod('bounds', podObject('big', [{ name: 'c', resources: { limits: { cpu: '2' } } }]))),
      'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    );
    assert.equal(
      await refusal(
        createPod('bounds', podObject('small', [{ name: 'c', resources: { requests: { memory: '51200Ki' } } }])),
      ),
      'pods "small" is forbidden: minimum memory usage per Container is 100Mi, but request is 50Mi',
    );
    assert.equal(
      await refusal(
        createPod(
          'bounds',
          podObject('skewed', [{ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '1' } } }]),
        ),
      ),
      'pods "skewed" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
    );
    // several broken bounds: one aggregate, in brackets, container by container (min, max, ratio)
    assert.equal(
      await refusal(
        createPod(
          'bounds',
          podObject(
            'both',
            [{ name: 'c', resources: { requests: { cpu: '0.25' } } }],
            [{ name: 'i', resources: { limits: { cpu: '3', memory: '10Mi' } } }],
          ),
        ),
      ),
      'pods "both" is forbidden: [cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000, ' +
        'minimum memory usage per Container is 100Mi, but request is 10Mi, maximum cpu usage per Container is 1, but limit is 3]',
    );
    // a generateName create is named by the name generated for it
    const generated = podObject('', [{ name: 'c', resources: { limits: { cpu: '2' } } }]);
    generated.metadata = { generateName: 'gen-' };
    assert.match(
      await refusal(createPod('bounds', generated)),
      /^pods "gen-[a-z0-9]{5}" is forbidden: maximum cpu usage per Container is 1, but limit is 2$/,
    );
    const ok = await createPod('bounds', podObject('fits', [{ name: 'c' }]));
    assert.equal(containersOf(ok)[0].resources?.limits?.cpu, '1');
  });

  test('a max or ratio with nothing to hold to it asks for the value', async () => {
    await ranges.create(
      'missing',
      limitRangeObject('missing', [{ type: 'Pod', max: { memory: '1Gi' }, maxLimitRequestRatio: { cpu: '3' } }]),
    );
    assert.equal(
      await refusal(createPod('missing', podObject('bare', [{ name: 'c' }]))),
      'pods "bare" is forbidden: [maximum memory usage per Pod is 1Gi.  No limit is specified, ' +
        'cpu max limit to request ratio per Pod is 3, but no request is specified or request is 0]',
    );
    assert.equal(
      await refusal(
        createPod(
          'missing',
          podObject('nolimit', [{ name: 'c', resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } } }]),
        ),
      ),
      'pods "nolimit" is forbidden: cpu max limit to request ratio per Pod is 3, but no limit is specified or limit is 0',
    );
  });

  test("every LimitRange of the namespace applies: one's defaults, another's bounds", async () => {
    await ranges.create('two', limitRangeObject('a-defaults', [{ type: 'Container', default: { cpu: '1' } }]));
    await ranges.create('two', limitRangeObject('b-floor', [{ type: 'Pod', min: { memory: '1Gi' } }]));
    assert.equal(
      await refusal(createPod('two', podObject('lean', [{ name: 'c' }]))),
      'pods "lean" is forbidden: minimum memory usage per Pod is 1Gi.  No request is specified',
    );
    const out = await createPod(
      'two',
      podObject('sized', [{ name: 'c', resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } }]),
    );
    assert.deepEqual(containersOf(out)[0].resources?.limits, { cpu: '1', memory: '1Gi' });
    assert.equal(
      out.metadata?.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu request for container c; cpu limit for container c',
    );
  });

  test('Pod bounds hold the sum over containers', async () => {
    await ranges.create(
      'podwide',
      limitRangeObject('podwide', [{ type: 'Pod', max: { cpu: '1' }, min: { memory: '1Gi' } }]),
    );
    const each = { requests: { cpu: '600m', memory: '64Mi' }, limits: { cpu: '600m', memory: '64Mi' } };
    assert.equal(
      await refusal(
        createPod(
          'podwide',
          podObject('pair', [
            { name: 'a', resources: each },
            { name: 'b', resources: each },
          ]),
        ),
      ),
      'pods "pair" is forbidden: [minimum memory usage per Pod is 1Gi, but request is 128Mi, ' +
        'maximum cpu usage per Pod is 1, but limit is 1200m]',
    );
    const half = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
    const out = await createPod(
      'podwide',
      podObject('halves', [
        { name: 'a', resources: half },
        { name: 'b', resources: half },
      ]),
    );
    assert.equal(out.metadata?.name, 'halves');
  });

  test('pod updates are not judged again', async () => {
    const before = await createPod('later', podObject('early', [{ name: 'c', resources: { limits: { cpu: '4' } } }]));
    await ranges.create('later', limitRangeObject('cap', [{ type: 'Container', max: { cpu: '1' } }]));
    const labelled = { ...before, metadata: { ...before.metadata, labels: { touched: 'yes' } } };
    const { object: out } = await podStore.update('later', 'early', labelled, { user: alice, recorder: newRecorder() });
    assert.equal(out.metadata?.labels?.touched, 'yes');
    assert.equal(containersOf(out)[0].resources?.limits?.cpu, '4');
  });

  test('claims are held to PersistentVolumeClaim min and max on create and update', async () => {
    const held = claimObject('leaving', '50Gi');
    held.metadata = { ...held.metadata, finalizers: ['example.com/hold'] };
    await claims.create('storage', held, { user: alice, recorder: newRecorder() });
    const early = await claims.create('storage', claimObject('early', '50Gi'), {
      user: alice,
      recorder: newRecorder(),
    });
    await ranges.create(
      'storage',
      limitRangeObject('storage', [
        { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
      ]),
    );
    const write = (name: string, storage: string): Promise<KubeObject> =>
      claims.create('storage', claimObject(name, storage), { user: alice, recorder: newRecorder() });
    assert.equal(
      await refusal(write('small', '500Mi')),
      'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi',
    );
    assert.equal(
      await refusal(write('large', '20Gi')),
      'persistentvolumeclaims "large" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    );
    assert.equal((await write('fits', '5Gi')).metadata?.name, 'fits');
    // an update of a claim out of bounds is judged too (unlike a pod's)
    const labelled = { ...early, metadata: { ...early.metadata, labels: { touched: 'yes' } } };
    assert.equal(
      await refusal(claims.update('storage', 'early', labelled, { user: alice, recorder: newRecorder() })),
      'persistentvolumeclaims "early" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 50Gi',
    );
    // a claim being deleted is left alone: its finalizer can still be removed
    const { object: leaving } = await claims.delete('storage', 'leaving', { user: alice, recorder: newRecorder() });
    assert.ok(leaving.metadata?.deletionTimestamp);
    const released = { ...leaving, metadata: { ...leaving.metadata, finalizers: [] } };
    await claims.update('storage', 'leaving', released, { user: alice, recorder: newRecorder() });
  });
});

describe('LimitRanger helpers', () => {
  test('quantities print in their canonical text', () => {
    const cases: [string, string][] = [
      ['0.5', '500m'],
      ['1000m', '1'],
      ['1000', '1k'],
      ['1500', '1500'],
      ['2048', '2048'],
      ['1.5Gi', '1536Mi'],
      ['1024Ki', '1Mi'],
      ['0.5Ki', '512'],
      ['1e3', '1e3'],
      ['1.5e3', '1500'],
      ['100Mi', '100Mi'],
      ['0', '0'],
    ];
    for (const [text, want] of cases) assert.equal(canonicalQuantity(text), want, text);
    assert.equal(formatQuantity({ nanos: 1_500_000_000n, format: 'DecimalSI' }), '1500m');
  });

  test("ratios print as Go's %f: an exact half rounds to even", () => {
    assert.equal(goFixed6(4), '4.000000');
    assert.equal(goFixed6(385 / 128), '3.007812');
    assert.equal(goFixed6(2 / 3), '0.666667');
    assert.equal(goFixed6(9.9999996), '10.000000');
  });

  test('pod totals count sidecars with the app containers and other init containers one at a time', () => {
    const c = (cpu: string, restartPolicy?: string): ContainerSpec & { resources: Resources } => ({
      name: 'x',
      restartPolicy,
      resources: { requests: { cpu }, limits: { cpu } },
    });
    const text = (l: ReturnType<typeof podRequests>): string | undefined => {
      const q = l.get('cpu');
      return q && formatQuantity(q);
    };
    // app 1 + sidecar 500m = 1500m; the init step 2 (with the 500m sidecar before it: 2500m) is the peak
    assert.equal(text(podRequests([c('1')], [c('500m', 'Always'), c('2')])), '2500m');
    assert.equal(text(podLimits([c('1')], [c('2'), c('500m', 'Always')])), '2');
    assert.equal(text(podRequests([c('1'), c('250m')], [])), '1250m');
  });
});
