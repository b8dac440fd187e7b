import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chargedUsage, planCharges, QuotaFailure, QuotaRefusal } from '../src/admission/resource-quota/check';
import { parseQuotaConfiguration } from '../src/admission/resource-quota/config';
import { persistentVolumeClaimEvaluator } from '../src/admission/resource-quota/persistent-volume-claims';
import { podEvaluator } from '../src/admission/resource-quota/pods';
import { evaluatorFor, groupResourceOfName } from '../src/admission/resource-quota/registry';
import { parseResourceList, prettyPrint, toRecord } from '../src/admission/resource-quota/resource-list';
import { serviceEvaluator } from '../src/admission/resource-quota/services';
import { formatQuantity, parseQuantity, quantityFormatOf } from '../src/api/quantity';
import type { KubeObject } from '../src/api/object';
import type { ResourceQuota } from '../src/generated/k8s.io.api.core.v1';

const canonical = (text: string): string => formatQuantity(parseQuantity(text) as bigint, quantityFormatOf(text));

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, spec = {}): ResourceQuota {
  return {
    metadata: { name, namespace: 'ns' },
    spec: { hard, ...spec },
    status: { hard, used: used ?? Object.fromEntries(Object.keys(hard).map((k) => [k, '0'])) },
  };
}

function pod(containers: KubeObject[], extra: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: 'p', namespace: 'ns' }, spec: { containers, ...extra } };
}

const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): KubeObject => ({
  name,
  image: 'x',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});

const usage = (obj: KubeObject, now = Date.now()): Record<string, string> =>
  toRecord(evaluatorFor({ group: '', resource: 'pods' }).usage(obj, now));

describe('quantity text as Quantity.String()', () => {
  test('canonical forms', () => {
    assert.equal(canonical('1'), '1');
    assert.equal(canonical('1000'), '1k');
    assert.equal(canonical('1500'), '1500');
    assert.equal(canonical('0.5'), '500m');
    assert.equal(canonical('1.5Gi'), '1536Mi');
    assert.equal(canonical('2048Ki'), '2Mi');
    assert.equal(canonical('1e3'), '1e3');
    assert.equal(canonical('100Mi'), '100Mi');
    // BinarySI below 1024 prints as DecimalSI
    assert.equal(formatQuantity(parseQuantity('512') as bigint, 'BinarySI'), '512');
  });
  test('a zero used takes the format of what is added', () => {
    const q = quota('q', { 'limits.memory': '1Gi' });
    const next = chargedUsage(q, parseResourceList({ 'limits.memory': '512Mi' }), '');
    assert.deepEqual(toRecord(next), { 'limits.memory': '512Mi' });
  });
});

describe('pod evaluator', () => {
  test('compute usage: requests, limits, cpu/memory as requests, hugepages and extended resources', () => {
    const p = pod([
      c(
        'a',
        { cpu: '250m', memory: '64Mi', 'hugepages-2Mi': '4Mi', 'example.com/gpu': '1' },
        { cpu: '1', memory: '128Mi' },
      ),
      c('b', { cpu: '250m', 'ephemeral-storage': '1Gi' }, { 'ephemeral-storage': '2Gi' }),
    ]);
    assert.deepEqual(usage(p), {
      'count/pods': '1',
      pods: '1',
      cpu: '500m',
      'requests.cpu': '500m',
      'limits.cpu': '1',
      memory: '64Mi',
      'requests.memory': '64Mi',
      'limits.memory': '128Mi',
      'ephemeral-storage': '1Gi',
      'requests.ephemeral-storage': '1Gi',
      'limits.ephemeral-storage': '2Gi',
      'hugepages-2Mi': '4Mi',
      'requests.hugepages-2Mi': '4Mi',
      'requests.example.com/gpu': '1',
    });
  });

  test('init containers count at their largest step; sidecars run alongside', () => {
    const p = pod([c('main', { cpu: '100m' })], {
      initContainers: [
        { ...c('init', { cpu: '1' }) },
        { ...c('sidecar', { cpu: '200m' }), restartPolicy: 'Always' },
        { ...c('late', { cpu: '900m' }) },
      ],
      overhead: { cpu: '10m' },
    });
    // max(main+sidecar = 300m, init = 1, late+sidecar = 1100m) + overhead
    assert.equal(usage(p).cpu, '1110m');
  });

  test('terminal pods count only as count/pods', () => {
    const p = { ...pod([c('a', { cpu: '1' })]), status: { phase: 'Succeeded' } };
    assert.deepEqual(usage(p), { 'count/pods': '1' });
    const failed = { ...pod([c('a', { cpu: '1' })]), status: { phase: 'Failed' } };
    assert.deepEqual(usage(failed), { 'count/pods': '1' });
  });

  test('a pod past its deletion grace period is not charged', () => {
    const deleting = {
      ...pod([c('a', { cpu: '1' })]),
      metadata: { name: 'p', deletionTimestamp: '2020-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 },
    };
    assert.deepEqual(usage(deleting), { 'count/pods': '1' });
    assert.equal(usage(deleting, Date.parse('2020-01-01T00:00:10Z')).pods, '1');
  });

  test('constraints name every missing value and container, sorted', () => {
    const p = pod([c('web', { memory: '1Mi' }, { cpu: '1' }), c('a')], {
      initContainers: [c('init', { cpu: '1', memory: '1Mi' }, { cpu: '1' })],
    });
    assert.equal(
      podEvaluator.constraints(['requests.cpu', 'limits.cpu', 'requests.memory', 'pods', 'requests.storage'], p),
      'must specify limits.cpu for: a; requests.cpu for: a,web; requests.memory for: a',
    );
    assert.equal(podEvaluator.constraints(['pods', 'requests.ephemeral-storage'], pod([c('x')])), undefined);
  });

  test('scopes', () => {
    const best = pod([c('a')]);
    const burst = pod([c('a', { cpu: '1' })], { activeDeadlineSeconds: 10, priorityClassName: 'high' });
    const s = (scopeName: string, operator = 'Exists', values?: string[]) => ({ scopeName, operator, values });
    assert.equal(podEvaluator.matchesScope(s('BestEffort'), best), true);
    assert.equal(podEvaluator.matchesScope(s('NotBestEffort'), best), false);
    assert.equal(podEvaluator.matchesScope(s('NotBestEffort'), burst), true);
    assert.equal(podEvaluator.matchesScope(s('Terminating'), burst), true);
    assert.equal(podEvaluator.matchesScope(s('NotTerminating'), best), true);
    assert.equal(podEvaluator.matchesScope(s('PriorityClass'), burst), true);
    assert.equal(podEvaluator.matchesScope(s('PriorityClass'), best), false);
    assert.equal(podEvaluator.matchesScope(s('PriorityClass', 'In', ['high']), burst), true);
    assert.equal(podEvaluator.matchesScope(s('PriorityClass', 'NotIn', ['high']), burst), false);
    assert.equal(podEvaluator.matchesScope(s('PriorityClass', 'NotIn', ['high']), best), true);
  });
});

describe('other evaluators', () => {
  test('services count load balancers and node ports', () => {
    const svc = (type: string, ports: number, extra = {}): KubeObject => ({
      spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })), ...extra },
    });
    assert.deepEqual(toRecord(serviceEvaluator.usage(svc('ClusterIP', 2), 0)), {
      'count/services': '1',
      services: '1',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
    });
    assert.equal(toRecord(serviceEvaluator.usage(svc('NodePort', 2), 0))['services.nodeports'], '2');
    const lb = toRecord(serviceEvaluator.usage(svc('LoadBalancer', 3, { allocateLoadBalancerNodePorts: false }), 0));
    assert.equal(lb['services.loadbalancers'], '1');
    assert.equal(lb['services.nodeports'], '0');
  });

  test('claims count storage, also per storage class, in whole bytes', () => {
    const pvc: KubeObject = {
      spec: { storageClassName: 'fast', resources: { requests: { storage: '1.5Gi' } } },
      status: { allocatedResources: { storage: '2Gi' } },
    };
    assert.deepEqual(toRecord(persistentVolumeClaimEvaluator.usage(pvc, 0)), {
      'count/persistentvolumeclaims': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '2Gi',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '2Gi',
    });
    const fractional: KubeObject = { spec: { resources: { requests: { storage: '1500m' } } } };
    assert.equal(toRecord(persistentVolumeClaimEvaluator.usage(fractional, 0))['requests.storage'], '2');
  });

  test('count/ names and legacy names map to their resource', () => {
    assert.deepEqual(groupResourceOfName('count/deployments.apps'), { group: 'apps', resource: 'deployments' });
    assert.deepEqual(groupResourceOfName('count/configmaps'), { group: '', resource: 'configmaps' });
    assert.deepEqual(groupResourceOfName('configmaps'), { group: '', resource: 'configmaps' });
    assert.deepEqual(groupResourceOfName('requests.cpu'), { group: '', resource: 'pods' });
    assert.deepEqual(groupResourceOfName('gold.storageclass.storage.k8s.io/requests.storage'), {
      group: '',
      resource: 'persistentvolumeclaims',
    });
    assert.equal(groupResourceOfName('services.loadbalancers')?.resource, 'services');
    const deploys = evaluatorFor({ group: 'apps', resource: 'deployments' });
    assert.deepEqual(toRecord(deploys.usage({}, 0)), { 'count/deployments.apps': '1' });
  });
});

describe('quota checks and their messages', () => {
  const cms = evaluatorFor({ group: '', resource: 'configmaps' });
  const create = (object: KubeObject) => ({ operation: 'CREATE' as const, subresource: '', object, nowMs: 0 });

  test('exceeded quota names requested, used and limited of the exceeded resources only', () => {
    const q = quota(
      'q',
      { pods: '2', configmaps: '3', 'count/configmaps': '10' },
      { pods: '0', configmaps: '3', 'count/configmaps': '3' },
    );
    const plan = planCharges([q], cms, create({ metadata: { name: 'x' } }));
    assert.equal(plan.length, 1);
    assert.deepEqual(toRecord(plan[0].delta), { configmaps: '1', 'count/configmaps': '1' });
    assert.throws(
      () => chargedUsage(q, plan[0].delta, ''),
      (e: unknown) =>
        e instanceof QuotaRefusal &&
        e.message === 'exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
    );
    const roomy = quota('q', { configmaps: '5' }, { configmaps: '3' });
    assert.deepEqual(toRecord(chargedUsage(roomy, plan[0].delta, '')), { configmaps: '4' });
  });

  test('a quota without usage yet refuses with status unknown', () => {
    const q: ResourceQuota = {
      metadata: { name: 'fresh' },
      status: { hard: { configmaps: '1', 'count/configmaps': '1' }, used: {} },
    };
    assert.throws(
      () => planCharges([q], cms, create({})),
      (e: unknown) =>
        e instanceof Error && e.message === 'status unknown for quota: fresh, resources: configmaps,count/configmaps',
    );
  });

  test('a quota whose status has no hard yet, or outside its scopes, is not charged', () => {
    const noStatus: ResourceQuota = { metadata: { name: 'new' }, spec: { hard: { configmaps: '0' } } };
    assert.deepEqual(planCharges([noStatus], cms, create({})), []);
    const scoped = quota('s', { pods: '1' }, { pods: '1' }, { scopes: ['BestEffort'] });
    assert.deepEqual(planCharges([scoped], podEvaluator, create(pod([c('a', { cpu: '1' })]))), []);
    assert.equal(planCharges([scoped], podEvaluator, create(pod([c('a')]))).length, 1);
    // scopes select pods: a scoped quota never charges other objects
    const scopedCount = quota('sc', { 'count/configmaps': '0' }, undefined, { scopes: ['NotTerminating'] });
    assert.deepEqual(planCharges([scopedCount], cms, create({})), []);
  });

  test('compute quota refuses pods without the values with upstream text', () => {
    const q = quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' });
    assert.throws(
      () => planCharges([q], podEvaluator, create(pod([c('c')]))),
      (e: unknown) =>
        e instanceof Error &&
        e.message === 'failed quota: compute: must specify limits.memory for: c; requests.cpu for: c',
    );
  });

  test('an update is charged by what it adds', () => {
    const q = quota('storage', { 'requests.storage': '10Gi' }, { 'requests.storage': '8Gi' });
    const claim = (size: string): KubeObject => ({
      metadata: { name: 'c', resourceVersion: '5' },
      spec: { resources: { requests: { storage: size } } },
    });
    const plan = planCharges([q], persistentVolumeClaimEvaluator, {
      operation: 'UPDATE',
      subresource: '',
      object: claim('3Gi'),
      oldObject: claim('1Gi'),
      nowMs: 0,
    });
    assert.deepEqual(toRecord(plan[0].delta), { 'requests.storage': '2Gi' });
    assert.deepEqual(toRecord(chargedUsage(q, plan[0].delta, '')), { 'requests.storage': '10Gi' });
    const bigger = planCharges([q], persistentVolumeClaimEvaluator, {
      operation: 'UPDATE',
      subresource: '',
      object: claim('4Gi'),
      oldObject: claim('1Gi'),
      nowMs: 0,
    });
    assert.throws(
      () => chargedUsage(q, bigger[0].delta, ''),
      /exceeded quota: storage, requested: requests.storage=3Gi, used: requests.storage=8Gi, limited: requests.storage=10Gi/,
    );
  });

  test('limited resources: consumption no quota covers is refused', () => {
    const limited = parseQuotaConfiguration({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'ResourceQuotaConfiguration',
      limitedResources: [
        { resource: 'pods', matchContains: ['requests.cpu'] },
        {
          resource: 'pods',
          matchScopes: [{ scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services', 'x'] }],
        },
      ],
    });
    const greedy = pod([c('a', { cpu: '1' })]);
    assert.throws(
      () => planCharges([], podEvaluator, create(greedy), limited),
      (e: unknown) => e instanceof QuotaRefusal && e.message === 'insufficient quota to consume: requests.cpu',
    );
    // a quota limiting requests.cpu covers it
    const covering = quota('cpu', { 'requests.cpu': '2' });
    assert.equal(planCharges([covering], podEvaluator, create(greedy), limited).length, 1);
    // best effort pods consume no cpu
    assert.deepEqual(planCharges([], podEvaluator, create(pod([c('a')])), limited), []);
    const critical = pod([c('a')], { priorityClassName: 'cluster-services' });
    assert.throws(
      () => planCharges([], podEvaluator, create(critical), limited),
      (e: unknown) =>
        e instanceof QuotaFailure &&
        e.message === 'insufficient quota to match these scopes: [{PriorityClass In [cluster-services x]}]',
    );
    const scoped = quota('pc', { pods: '5' }, undefined, {
      scopeSelector: {
        matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['cluster-services'] }],
      },
    });
    assert.equal(planCharges([scoped], podEvaluator, create(critical), limited).length, 1);
  });

  test('prettyPrint sorts by name', () => {
    assert.equal(prettyPrint(parseResourceList({ pods: '1', cpu: '100m', 'a/b': '2' })), 'a/b=2,cpu=100m,pods=1');
  });
});
