import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import type { RequestInfo } from '../src/endpoints/request-info';
import type { ApiResponse } from '../src/endpoints/types';
import {
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from '../src/flowcontrol/bootstrap';
import { nominalConcurrencyLimits } from '../src/flowcontrol/concurrency';
import { FlowControl } from '../src/flowcontrol/controller';
import { updateDanglingConditions } from '../src/flowcontrol/dangling';
import { DroppedRequests } from '../src/flowcontrol/dropped-requests';
import { ensureApfConfiguration } from '../src/flowcontrol/ensurer';
import { matchesNonResourceRule, matchesResourceRule, matchesSubject } from '../src/flowcontrol/match';
import { QueueSet } from '../src/flowcontrol/queueset';
import { dealHand, flowHash, fnv1a64 } from '../src/flowcontrol/shuffle-shard';
import { estimateSeats, maxSeatsFor } from '../src/flowcontrol/work-estimate';
import type { FlowSchema } from '../src/generated/k8s.io.api.flowcontrol.v1';
import type { GenericStore } from '../src/registry/generic-store';
import { flowschemas } from '../src/registry/kinds/flowcontrol.apiserver.k8s.io/flowschemas';
import { prioritylevelconfigurations } from '../src/registry/kinds/flowcontrol.apiserver.k8s.io/prioritylevelconfigurations';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { loadSchemaSet } from '../src/schema/load';
import { withMaxInFlightLimit } from '../src/server/filters/max-in-flight';
import { withPriorityAndFairness } from '../src/server/filters/priority-and-fairness';
import type { RequestContext } from '../src/server/filters/types';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

function resourceInfo(verb: string, group: string, resource: string, namespace = '', subresource = ''): RequestInfo {
  return {
    isResourceRequest: true,
    path: '/x',
    verb,
    apiPrefix: group ? 'apis' : 'api',
    apiGroup: group,
    apiVersion: 'v1',
    namespace,
    resource,
    subresource,
    name: '',
    parts: [],
  };
}

function nonResourceInfo(verb: string, p: string): RequestInfo {
  return { ...resourceInfo(verb, '', ''), isResourceRequest: false, path: p };
}

const user = (name: string, ...groups: string[]): UserInfo => ({ name, groups });
const sa = (ns: string, name: string): UserInfo =>
  user(
    `system:serviceaccount:${ns}:${name}`,
    'system:serviceaccounts',
    `system:serviceaccounts:${ns}`,
    'system:authenticated',
  );

describe('APF matching', () => {
  test('subjects: users, groups, service accounts and their wildcards', () => {
    assert.ok(matchesSubject({ kind: 'User', user: { name: 'alice' } }, user('alice')));
    assert.ok(!matchesSubject({ kind: 'User', user: { name: 'alice' } }, user('bob')));
    assert.ok(matchesSubject({ kind: 'User', user: { name: '*' } }, user('bob')));
    assert.ok(matchesSubject({ kind: 'Group', group: { name: 'devs' } }, user('bob', 'devs')));
    assert.ok(!matchesSubject({ kind: 'Group', group: { name: 'ops' } }, user('bob', 'devs')));
    assert.ok(matchesSubject({ kind: 'Group', group: { name: '*' } }, user('bob')));
    const any = { kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name: '*' } };
    assert.ok(matchesSubject(any, sa('kube-system', 'x')));
    assert.ok(!matchesSubject(any, sa('default', 'x')));
    assert.ok(!matchesSubject(any, user('system:serviceaccount:kube-system')));
    const one = { kind: 'ServiceAccount', serviceAccount: { namespace: 'ns', name: 'robot' } };
    assert.ok(matchesSubject(one, sa('ns', 'robot')));
    assert.ok(!matchesSubject(one, sa('ns', 'robot2')));
  });

  test('resource rules: verbs, groups, subresources, cluster scope and namespaces', () => {
    const rule = { verbs: ['get'], apiGroups: [''], resources: ['nodes/status', 'pods'], namespaces: ['a'] };
    assert.ok(matchesResourceRule(rule, resourceInfo('get', '', 'pods', 'a')));
    assert.ok(!matchesResourceRule(rule, resourceInfo('list', '', 'pods', 'a')));
    assert.ok(!matchesResourceRule(rule, resourceInfo('get', 'apps', 'pods', 'a')));
    assert.ok(!matchesResourceRule(rule, resourceInfo('get', '', 'pods', 'b')));
    assert.ok(!matchesResourceRule(rule, resourceInfo('get', '', 'pods', 'a', 'log')), 'pods/log is not pods');
    assert.ok(!matchesResourceRule(rule, resourceInfo('get', '', 'nodes', '', 'status')), 'no clusterScope');
    assert.ok(matchesResourceRule({ ...rule, clusterScope: true }, resourceInfo('get', '', 'nodes', '', 'status')));
    const all = { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] };
    assert.ok(matchesResourceRule(all, resourceInfo('delete', 'apps', 'deployments', 'z', 'scale')));
  });

  test('non-resource rules: exact paths and /prefix/* patterns', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    assert.ok(matchesNonResourceRule(rule, nonResourceInfo('get', '/healthz')));
    assert.ok(!matchesNonResourceRule(rule, nonResourceInfo('get', '/healthz/ping')));
    assert.ok(matchesNonResourceRule(rule, nonResourceInfo('get', '/apis')));
    assert.ok(matchesNonResourceRule(rule, nonResourceInfo('get', '/apis/apps/v1')));
    assert.ok(!matchesNonResourceRule(rule, nonResourceInfo('post', '/healthz')));
    assert.ok(!matchesNonResourceRule(rule, nonResourceInfo('get', '/apisx')));
  });

  test('the bootstrap configuration classifies requests as upstream does', () => {
    const fc = new FlowControl(600, 15_000);
    fc.replaceAll(
      [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS],
      [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS],
    );
    const cases: Array<[UserInfo, RequestInfo, string, string]> = [
      [
        user('admin', 'system:masters', 'system:authenticated'),
        resourceInfo('list', '', 'pods', 'a'),
        'exempt',
        'exempt',
      ],
      [user('system:anonymous', 'system:unauthenticated'), nonResourceInfo('get', '/readyz'), 'probes', 'exempt'],
      [sa('default', 'robot'), resourceInfo('list', '', 'pods', 'default'), 'service-accounts', 'workload-low'],
      [
        sa('kube-system', 'x'),
        resourceInfo('update', 'coordination.k8s.io', 'leases', 'kube-system'),
        'system-leader-election',
        'leader-election',
      ],
      [sa('kube-system', 'x'), resourceInfo('list', '', 'pods', 'a'), 'kube-system-service-accounts', 'workload-high'],
      [
        user('system:node:n1', 'system:nodes', 'system:authenticated'),
        resourceInfo('patch', '', 'nodes', '', 'status'),
        'system-node-high',
        'node-high',
      ],
      [
        user('system:node:n1', 'system:nodes', 'system:authenticated'),
        resourceInfo('get', '', 'pods', 'a'),
        'system-nodes',
        'system',
      ],
      [
        user('system:kube-controller-manager', 'system:authenticated'),
        resourceInfo('update', '', 'endpoints', 'a'),
        'endpoint-controller',
        'workload-high',
      ],
      [
        user('system:kube-scheduler', 'system:authenticated'),
        resourceInfo('create', '', 'bindings', 'a'),
        'kube-scheduler',
        'workload-high',
      ],
      [user('alice', 'system:authenticated'), resourceInfo('get', '', 'pods', 'a'), 'global-default', 'global-default'],
    ];
    for (const [u, info, schema, level] of cases) {
      const c = fc.classify(u, info);
      assert.deepEqual(
        [c.schemaName, c.level.name],
        [schema, level],
        `${u.name} ${info.verb} ${info.resource || info.path}`,
      );
    }
    // ByUser and ByNamespace put requests into flows accordingly
    const a1 = fc.classify(user('alice', 'system:authenticated'), resourceInfo('get', '', 'pods', 'a'));
    const a2 = fc.classify(user('alice', 'system:authenticated'), resourceInfo('get', '', 'pods', 'b'));
    const b1 = fc.classify(user('bob', 'system:authenticated'), resourceInfo('get', '', 'pods', 'a'));
    assert.equal(a1.distinguisher, a2.distinguisher);
    assert.notEqual(a1.distinguisher, b1.distinguisher);
    const ns = (n: string): string =>
      fc.classify(user('system:kube-scheduler'), resourceInfo('get', '', 'pods', n)).distinguisher;
    assert.deepEqual([ns('a'), ns('b')], ['a', 'b'], 'kube-scheduler is ByNamespace');
  });

  test('lower precedence wins, ties go to the name first; dangling schemas are skipped', () => {
    const fc = new FlowControl(600, 15_000);
    const mk = (name: string, precedence: number, level: string): FlowSchema => ({
      metadata: { name, uid: `uid-${name}` },
      spec: {
        priorityLevelConfiguration: { name: level },
        matchingPrecedence: precedence,
        rules: [
          {
            subjects: [{ kind: 'User', user: { name: 'alice' } }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    });
    fc.replaceAll([mk('b', 100, 'catch-all'), mk('a', 100, 'catch-all'), mk('c', 50, 'missing')], undefined);
    const c = fc.classify(user('alice'), nonResourceInfo('get', '/version'));
    assert.equal(c.schemaName, 'a');
    assert.equal(c.schemaUID, 'uid-a');
    assert.equal(
      fc.classify(user('bob', 'system:authenticated'), nonResourceInfo('get', '/version')).schemaName,
      'catch-all',
    );
  });

  test('a remembered classification gives way as soon as the schemas change', () => {
    const fc = new FlowControl(600, 15_000);
    const alice = user('alice', 'system:authenticated');
    const get = resourceInfo('get', '', 'pods', 'a');
    const before = fc.classify(alice, get);
    // only the mandatory configuration: everything ordinary is catch-all, by user
    assert.equal(before.schemaName, 'catch-all');
    assert.equal(before.flowHash, flowHash('catch-all', 'alice'));
    assert.equal(fc.classify(alice, get), before, 'the same request is answered from memory');
    // another request of the same user, or the same request of another, is classified on its own
    assert.equal(fc.classify(alice, resourceInfo('get', '', 'pods', 'b')).distinguisher, 'alice');
    assert.equal(fc.classify(user('bob', 'system:authenticated'), get).distinguisher, 'bob');
    const mine: FlowSchema = {
      metadata: { name: 'alice-first', uid: 'uid-alice' },
      spec: {
        priorityLevelConfiguration: { name: 'exempt' },
        matchingPrecedence: 10,
        distinguisherMethod: { type: 'ByNamespace' },
        rules: [
          {
            subjects: [{ kind: 'User', user: { name: 'alice' } }],
            resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }],
          },
        ],
      },
    };
    fc.upsertFlowSchema(mine);
    const after = fc.classify(alice, get);
    assert.deepEqual([after.schemaName, after.level.name, after.distinguisher], ['alice-first', 'exempt', 'a']);
    assert.equal(after.flowHash, flowHash('alice-first', 'a'));
    fc.removeFlowSchema('alice-first');
    assert.equal(fc.classify(alice, get).schemaName, 'catch-all');
  });
});

describe('APF shuffle sharding and concurrency', () => {
  test('a hand is handSize distinct queues, the same for the same flow', () => {
    for (let i = 0; i < 500; i++) {
      const hash = flowHash('fs', `user-${i}`);
      const hand = dealHand(hash, 64, 6);
      assert.equal(new Set(hand).size, 6);
      assert.ok(hand.every((q) => q >= 0 && q < 64));
      assert.deepEqual(dealHand(hash, 64, 6), hand);
    }
    assert.notDeepEqual(dealHand(flowHash('fs', 'alice'), 128, 6), dealHand(flowHash('fs', 'bob'), 128, 6));
    assert.deepEqual(dealHand(0n, 10, 3), [0, 1, 2]);
    assert.throws(() => dealHand(1n, 4, 5));
  });

  test('the flow hash is 64-bit FNV-1a', () => {
    // published FNV-1a 64 test vectors
    assert.equal(fnv1a64(Buffer.from('')), 0xcbf29ce484222325n);
    assert.equal(fnv1a64(Buffer.from('a')), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64(Buffer.from('foobar')), 0x85944171f73967e8n);
    // against the definition, over every byte value and the carries of long inputs
    const reference = (bytes: Uint8Array): bigint => {
      let h = 0xcbf29ce484222325n;
      for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
      return h;
    };
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(fnv1a64(all), reference(all));
    for (let n = 0; n < 200; n += 7) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 0xff);
      assert.equal(fnv1a64(bytes), reference(bytes), `length ${n}`);
    }
  });

  test('nominal limits split the server limit by shares, rounding up', () => {
    const limits = nominalConcurrencyLimits(600, [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]);
    assert.deepEqual(Object.fromEntries(limits), {
      exempt: 0,
      'catch-all': 13,
      system: 74,
      'node-high': 98,
      'leader-election': 25,
      'workload-high': 98,
      'workload-low': 245,
      'global-default': 49,
    });
  });
});

describe('APF list work estimate', () => {
  const q = (s: string): URLSearchParams => new URLSearchParams(s);
  test('a list takes one seat per 100 stored objects, between 1 and the level maximum', () => {
    const list = resourceInfo('list', '', 'configmaps', 'a');
    assert.equal(estimateSeats(list, q(''), 0, 10), 1);
    assert.equal(estimateSeats(list, q(''), 250, 10), 3);
    assert.equal(estimateSeats(list, q(''), 5000, 10), 10);
    assert.equal(estimateSeats(list, q(''), 5000, 4), 4);
    assert.equal(estimateSeats(list, q(''), undefined, 10), 1, 'no count yet');
    // a paginated list goes to etcd: twice the page, or the whole set plus the page with selectors
    assert.equal(estimateSeats(list, q('limit=150'), 1000, 10), 3);
    assert.equal(estimateSeats(list, q('limit=150&labelSelector=a%3Db'), 500, 10), 7);
    assert.equal(estimateSeats(list, q('limit=150&resourceVersion=0'), 500, 10), 5, 'served by the cache');
    assert.equal(estimateSeats(resourceInfo('get', '', 'configmaps', 'a'), q(''), 5000, 10), 1);
    const watch = resourceInfo('watch', '', 'configmaps', 'a');
    assert.equal(estimateSeats(watch, q(''), 5000, 10), 1);
    assert.equal(estimateSeats(watch, q('sendInitialEvents=true'), 500, 10), 5);
  });

  test('a request takes at most 15% of its level, 1 to 10 seats', () => {
    assert.deepEqual([0, 1, 13, 25, 49, 98, 245].map(maxSeatsFor), [1, 1, 2, 4, 8, 10, 10]);
  });
});

describe('APF Retry-After', () => {
  test('starts at 1, doubles under sustained rejection, comes back down when it stops', () => {
    let now = 1000;
    const d = new DroppedRequests(() => now);
    const burst = (n: number): number => {
      let r = 0;
      for (let i = 0; i < n; i++) r = d.recordAndGetRetryAfter('tiny');
      return r;
    };
    assert.equal(burst(10), 1, 'the first second never raises it');
    now++;
    assert.equal(burst(10), 2, '10 drops in the last second: doubled');
    now++;
    assert.equal(burst(10), 2, 'not twice within one period');
    now += 1;
    assert.equal(burst(10), 4);
    assert.equal(d.recordAndGetRetryAfter('other'), 1, 'levels are apart');
    now += 10;
    assert.equal(burst(1), 3, 'a quiet period lowers it by one');
  });
});

describe('APF queue set', () => {
  test('free seats go round-robin to the queues, so a small flow is not stuck behind a big one', async () => {
    const qs = new QueueSet({ concurrencyLimit: 1, queues: 8, handSize: 1, queueLengthLimit: 100 });
    const done: string[] = [];
    const first = await qs.acquire(flowHash('s', 'warm'), 1, 10_000);
    assert.ok(first);
    const run = async (flow: string): Promise<void> => {
      const release = await qs.acquire(flowHash('s', flow), 1, 10_000);
      assert.ok(release);
      done.push(flow);
      release();
    };
    // alice and bob must land in different queues for the test to mean anything
    assert.notDeepEqual(dealHand(flowHash('s', 'alice'), 8, 1), dealHand(flowHash('s', 'bob'), 8, 1));
    const all = [...Array.from({ length: 10 }, () => run('alice')), run('bob'), run('bob')];
    first();
    await Promise.all(all);
    assert.ok(done.lastIndexOf('bob') <= 4, done.join(','));
  });

  test('a full queue, a Reject level and the wait limit refuse', async () => {
    const qs = new QueueSet({ concurrencyLimit: 1, queues: 1, handSize: 1, queueLengthLimit: 1 });
    const running = await qs.acquire(1n, 1, 1000);
    assert.ok(running);
    const queued = qs.acquire(2n, 1, 50);
    assert.equal(await qs.acquire(3n, 1, 1000), undefined, 'queue full');
    assert.equal(await queued, undefined, 'waited too long');
    running();
    const reject = new QueueSet({ concurrencyLimit: 1, queues: 0, handSize: 0, queueLengthLimit: 0 });
    const held = await reject.acquire(1n, 1, 1000);
    assert.ok(held);
    assert.equal(await reject.acquire(2n, 1, 1000), undefined);
    held();
    assert.ok(await reject.acquire(2n, 1, 1000));
  });

  test('waiters are counted as they queue, run and time out; a free seat is taken at once only with nobody waiting', async () => {
    const qs = new QueueSet({ concurrencyLimit: 1, queues: 4, handSize: 2, queueLengthLimit: 10 });
    const running = qs.tryStart(1);
    assert.ok(running);
    assert.equal(qs.tryStart(1), undefined, 'no seat left');
    const next = qs.acquire(1n, 1, 10_000);
    const late = qs.acquire(2n, 1, 20);
    assert.equal(qs.waiting, 2);
    assert.equal(await late, undefined, 'timed out');
    assert.equal(qs.waiting, 1);
    running();
    const release = await next;
    assert.ok(release);
    assert.equal(qs.waiting, 0);
    assert.equal(qs.seatsInUse, 1);
    release();
    assert.equal(qs.seatsInUse, 0);
    const again = qs.tryStart(1);
    assert.ok(again, 'a free seat with nobody queued');
    const queued = qs.acquire(3n, 1, 10_000);
    qs.reconfigure({ concurrencyLimit: 1, queues: 8, handSize: 2, queueLengthLimit: 10 });
    assert.equal(qs.waiting, 1, 'a waiter is dealt onto the new queues');
    again();
    assert.ok(await queued);
    assert.equal(qs.waiting, 0);
  });
});

function ctxFor(u: UserInfo, info: RequestInfo): RequestContext {
  return {
    req: { method: 'GET', path: info.path, query: new URLSearchParams(), headers: {} },
    info,
    user: u,
    peerCertificates: [],
    transport: { http2: false, goaway: () => undefined },
  };
}

const ok = (): ApiResponse => ({ kind: 'buffered', status: 200, headers: {}, body: Buffer.from('ok') });

describe('APF and max-in-flight filters', () => {
  test('limited requests beyond seats and queues get upstream 429; exempt ones pass; headers on both', async () => {
    const fc = new FlowControl(600, 15_000);
    const tiny = {
      metadata: { name: 'tiny', uid: 'pl-uid' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, limitResponse: { type: 'Reject' } } },
    };
    const fs: FlowSchema = {
      metadata: { name: 'tiny', uid: 'fs-uid' },
      spec: {
        priorityLevelConfiguration: { name: 'tiny' },
        matchingPrecedence: 10,
        rules: [
          {
            subjects: [{ kind: 'User', user: { name: 'flooder' } }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    };
    fc.replaceAll([fs], [tiny]);
    const limit = fc.level('tiny')?.concurrencyLimit ?? 0;
    assert.equal(limit, Math.ceil((600 * 1) / 6));
    const gates: Array<() => void> = [];
    const handler = withPriorityAndFairness(fc)(
      () => new Promise<ApiResponse>((resolve) => gates.push(() => resolve(ok()))),
    );
    const info = nonResourceInfo('get', '/version');
    const held = Array.from({ length: limit }, () => handler(ctxFor(user('flooder'), info)));
    const refused = await handler(ctxFor(user('flooder'), info));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers['x-kubernetes-pf-flowschema-uid'], 'fs-uid');
    assert.equal(refused.headers['x-kubernetes-pf-prioritylevel-uid'], 'pl-uid');
    assert.equal(
      refused.kind === 'buffered' && refused.body.toString(),
      'Too many requests, please try again later.\n',
    );
    const admin = handler(ctxFor(user('root', 'system:masters'), info));
    await new Promise((r) => setImmediate(r));
    for (const g of gates.splice(0)) g();
    const res = await Promise.all([...held, admin]);
    assert.ok(res.every((r) => r.status === 200));
    assert.equal(res[0].headers['x-kubernetes-pf-flowschema-uid'], 'fs-uid');
  });

  test('max-in-flight: read-only and mutating limits apart; system:masters over the limit', async () => {
    const gates: Array<() => void> = [];
    const handler = withMaxInFlightLimit(
      1,
      1,
    )(() => new Promise<ApiResponse>((resolve) => gates.push(() => resolve(ok()))));
    const get = resourceInfo('get', '', 'pods', 'a');
    const first = handler(ctxFor(user('u'), get));
    assert.equal((await handler(ctxFor(user('u'), get))).status, 429);
    const create = handler(ctxFor(user('u'), resourceInfo('create', '', 'pods', 'a')));
    const master = handler(ctxFor(user('root', 'system:masters'), get));
    await new Promise((r) => setImmediate(r));
    assert.equal(gates.length, 3);
    for (const g of gates.splice(0)) g();
    assert.deepEqual(
      (await Promise.all([first, create, master])).map((r) => r.status),
      [200, 200, 200],
    );
  });
});

describe('APF configuration ensurer (embedded store)', () => {
  let dir: string;
  let opened: OpenedStorage;
  let levels: GenericStore;
  let schemas: GenericStore;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-apf-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    const deps = {
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      admission: new AdmissionChain(),
    };
    levels = makeStore(prioritylevelconfigurations, deps);
    schemas = makeStore(flowschemas, deps);
  });
  after(async () => {
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const names = async (store: GenericStore): Promise<string[]> =>
    (((await store.list('', {})).items as KubeObject[]) ?? []).map((o) => o.metadata?.name ?? '').sort();

  test('creates everything, restores mandatory specs, respects autoupdate=false, removes stale ones', async () => {
    await ensureApfConfiguration(levels, schemas);
    assert.equal((await names(schemas)).length, 13);
    assert.deepEqual(await names(levels), [
      'catch-all',
      'exempt',
      'global-default',
      'leader-election',
      'node-high',
      'system',
      'workload-high',
      'workload-low',
    ]);
    const before = await levels.get('', 'system');
    // a second pass writes nothing
    await ensureApfConfiguration(levels, schemas);
    assert.equal((await levels.get('', 'system')).metadata?.resourceVersion, before.metadata?.resourceVersion);

    const edit = async (store: GenericStore, name: string, f: (o: KubeObject) => void): Promise<void> => {
      await store.updateWith('', name, (cur) => {
        const o = structuredClone(cur);
        f(o);
        return o;
      });
    };
    await edit(
      levels,
      'catch-all',
      (o) => ((o.spec as { limited: { nominalConcurrencyShares: number } }).limited.nominalConcurrencyShares = 99),
    );
    await edit(levels, 'system', (o) => {
      (o.spec as { limited: { nominalConcurrencyShares: number } }).limited.nominalConcurrencyShares = 99;
      o.metadata = { ...o.metadata, annotations: { 'apf.kubernetes.io/autoupdate-spec': 'false' } };
    });
    await edit(
      levels,
      'node-high',
      (o) => ((o.spec as { limited: { nominalConcurrencyShares: number } }).limited.nominalConcurrencyShares = 99),
    );
    await schemas.create('', {
      metadata: { name: 'stale', annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } },
      spec: { priorityLevelConfiguration: { name: 'gone' }, matchingPrecedence: 500 },
    });
    await schemas.delete('', 'probes');
    await ensureApfConfiguration(levels, schemas);
    const shares = async (n: string): Promise<unknown> =>
      ((await levels.get('', n)).spec as { limited: { nominalConcurrencyShares: number } }).limited
        .nominalConcurrencyShares;
    assert.equal(await shares('catch-all'), 5, 'mandatory restored');
    assert.equal(await shares('system'), 99, 'opted out');
    assert.equal(await shares('node-high'), 40, 'still annotated true: restored');
    const all = await names(schemas);
    assert.ok(all.includes('probes') && !all.includes('stale'));

    await schemas.create('', {
      metadata: { name: 'mine' },
      spec: { priorityLevelConfiguration: { name: 'nowhere' }, matchingPrecedence: 500 },
    });
    await updateDanglingConditions(levels, schemas);
    const cond = (o: KubeObject): unknown =>
      (o.status as { conditions: Array<{ status: string; reason: string }> }).conditions[0];
    assert.deepEqual(
      { ...(cond(await schemas.get('', 'mine')) as object), lastTransitionTime: undefined },
      {
        type: 'Dangling',
        status: 'True',
        reason: 'NotFound',
        message:
          'This FlowSchema references the PriorityLevelConfiguration object named "nowhere" but there is no such object',
        lastTransitionTime: undefined,
      },
    );
    assert.equal((cond(await schemas.get('', 'exempt')) as { status: string }).status, 'False');
  });
});
