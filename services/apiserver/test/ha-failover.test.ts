import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { loadSchemaSet } from '../src/schema/load';
import { storageCodecFor } from '../src/storage/protobuf-codec';
import { ApiClient } from './helpers/client';
import {
  haproxyBinary,
  kubeconfigTls,
  startCluster,
  waitUntil,
  type ClusterReplica,
  type KubeconfigTls,
  type LocalCluster,
} from './helpers/cluster';

// Failover under load on the `make cluster` topology: 3 etcd members, 3 replicas
// behind HAProxy (TCP, /readyz health checks). 20 writers and 50 informer-style
// watchers go through HAProxy while one replica, then another, then the leader
// are SIGKILLed (each restarted a few seconds later) and finally one etcd member
// is SIGKILLed. Afterwards every acknowledged write is in etcd and in a fresh
// list, and every watcher saw exactly etcd's history of the namespace since its
// last list: increasing resourceVersions, nothing twice, nothing skipped, and a
// final state equal to a fresh list.

const NS = 'ha-failover';
const WRITERS = 20;
const WATCHERS = 50;
/** Pause between one writer's operations, so 50 watchers in this process keep up on 2 cores. */
const WRITER_PAUSE_MS = 15;
const REQUEST_TIMEOUT_MS = 20_000;
const PREFIX = `/registry/configmaps/${NS}/`;

interface ObjectMeta {
  name: string;
  resourceVersion: string;
}
interface ConfigMap {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}
interface WatchEvent {
  type: string;
  object: { kind?: string; code?: number; metadata?: ObjectMeta; data?: Record<string, string> };
}

let cluster: LocalCluster;
let tls: KubeconfigTls;

before(async () => {
  haproxyBinary(); // fails loudly when haproxy is missing: the Makefile's deps step installs it
  cluster = await startCluster({
    etcdMembers: 3,
    replicas: 3,
    haproxy: true,
    // keep etcd's full history so the watchers can be checked against it event by event
    replicaArgs: ['--etcd-compaction-interval=0', '--identity-lease-renew-interval-seconds=2'],
  });
  tls = kubeconfigTls(cluster.kubeconfig);
  const api = new ApiClient(cluster.kubeconfig);
  const r = await api.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  api.close();
  assert.equal(r.status, 201, r.body.toString());
});

after(async () => {
  await cluster?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- writers

interface WriterStats {
  acked: Map<string, number>;
  ackTimes: number[];
  retries: number;
  gaveUp: number;
  unexpected: string[];
}

/** Retryable: the request may or may not have reached etcd. */
function retryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

async function runWriter(id: number, stopAt: () => boolean, stats: WriterStats): Promise<void> {
  let client = new ApiClient(cluster.kubeconfig);
  let n = 0;
  let current = '';
  let created = 0;
  try {
    while (!stopAt()) {
      n++;
      const create = current === '' || n % 4 === 1;
      const name = create ? `w${id}-${created}` : current;
      const value = String(n);
      const started = Date.now();
      let acked = false;
      for (let attempt = 0; !acked; attempt++) {
        if (Date.now() - started > 60_000) {
          stats.gaveUp++;
          break;
        }
        try {
          const res = await withTimeout(
            create
              ? client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  metadata: { name },
                  data: { n: value },
                })
              : client.request(
                  'PATCH',
                  `/api/v1/namespaces/${NS}/configmaps/${name}`,
                  JSON.stringify({ data: { n: value } }),
                  { 'content-type': 'application/merge-patch+json' },
                ),
            REQUEST_TIMEOUT_MS,
            'write',
          );
          if ((create && res.status === 201) || (!create && res.status === 200)) {
            acked = true;
          } else if (create && res.status === 409 && attempt > 0) {
            // an earlier attempt landed (same name, same value)
            acked = true;
          } else if (retryableStatus(res.status)) {
            stats.retries++;
            await sleep(100);
          } else {
            stats.unexpected.push(`${name} n=${value}: ${res.status} ${res.body.toString().slice(0, 300)}`);
            break;
          }
        } catch {
          // connection reset/refused or timed out: a fresh connection, then the same write again
          stats.retries++;
          client.close();
          client = new ApiClient(cluster.kubeconfig);
          await sleep(100);
        }
      }
      if (acked) {
        stats.acked.set(name, n);
        stats.ackTimes.push(Date.now());
        if (create) {
          current = name;
          created++;
        }
      }
      await sleep(WRITER_PAUSE_MS);
    }
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------- watchers

interface Watcher {
  id: number;
  state: Map<string, number>;
  lastRV: number;
  /** resourceVersion of the latest (re)list; events are checked against etcd from here on. */
  listRV: number;
  eventRVs: number[];
  events: number;
  reconnects: number;
  relists: number;
  violations: string[];
  stopped: boolean;
  done?: Promise<void>;
  abort?: () => void;
}

function requestJson(path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, tls.server),
      { method: 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function relist(w: Watcher): Promise<void> {
  for (;;) {
    try {
      const res = await requestJson(`/api/v1/namespaces/${NS}/configmaps`, REQUEST_TIMEOUT_MS);
      if (res.status === 200) {
        const list = JSON.parse(res.body) as { metadata: { resourceVersion: string }; items: ConfigMap[] };
        w.state = new Map(list.items.map((i) => [i.metadata.name, Number(i.metadata.resourceVersion)]));
        w.lastRV = Number(list.metadata.resourceVersion);
        w.listRV = w.lastRV;
        w.eventRVs = [];
        return;
      }
    } catch {
      // retried below
    }
    if (w.stopped) return;
    await sleep(200);
  }
}

function applyEvent(w: Watcher, ev: WatchEvent): 'ok' | 'gone' | 'error' {
  if (ev.type === 'ERROR') return ev.object.code === 410 ? 'gone' : 'error';
  const rv = Number(ev.object.metadata?.resourceVersion);
  if (ev.type === 'BOOKMARK') {
    if (rv < w.lastRV) w.violations.push(`bookmark rv ${rv} after rv ${w.lastRV}`);
    w.lastRV = Math.max(w.lastRV, rv);
    return 'ok';
  }
  const name = ev.object.metadata?.name ?? '';
  w.events++;
  if (!(rv > w.lastRV)) w.violations.push(`${ev.type} ${name} rv ${rv} not after rv ${w.lastRV} (seen twice?)`);
  if (ev.type === 'ADDED' && w.state.has(name)) w.violations.push(`ADDED ${name} rv ${rv} already known`);
  if (ev.type === 'MODIFIED' && !w.state.has(name)) w.violations.push(`MODIFIED ${name} rv ${rv} never added`);
  if (ev.type === 'DELETED') w.state.delete(name);
  else w.state.set(name, rv);
  w.eventRVs.push(rv);
  w.lastRV = Math.max(w.lastRV, rv);
  return 'ok';
}

/** One watch request from w.lastRV; resolves when the stream ends ('gone' on 410). */
function watchOnce(w: Watcher): Promise<'ended' | 'gone'> {
  return new Promise((resolve) => {
    const path = `/api/v1/namespaces/${NS}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${w.lastRV}`;
    let settled = false;
    const finish = (r: 'ended' | 'gone'): void => {
      if (settled) return;
      settled = true;
      w.abort = undefined;
      req.destroy();
      resolve(r);
    };
    const req = https.request(
      new URL(path, tls.server),
      { method: 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, agent: false },
      (res) => {
        if (res.statusCode === 410) return finish('gone');
        if (res.statusCode !== 200) {
          res.resume();
          return finish('ended');
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              w.violations.push(`unparseable watch line: ${line.slice(0, 200)}`);
              return finish('ended');
            }
            const r = applyEvent(w, ev);
            if (r === 'gone') return finish('gone');
            if (r === 'error') return finish('ended');
          }
        });
        res.on('end', () => finish('ended'));
        res.on('error', () => finish('ended'));
        res.on('close', () => finish('ended'));
      },
    );
    req.on('error', () => finish('ended'));
    w.abort = () => finish('ended');
    req.end();
  });
}

async function runWatcher(w: Watcher): Promise<void> {
  await relist(w);
  while (!w.stopped) {
    const r = await watchOnce(w);
    if (w.stopped) break;
    w.reconnects++;
    if (r === 'gone') {
      w.relists++;
      await relist(w);
    } else {
      await sleep(50 + Math.random() * 100);
    }
  }
}

// ---------------------------------------------------------------- etcd

function etcdClient(): Etcd3 {
  return new Etcd3({ hosts: cluster.etcd.filter((m) => m.alive()).map((m) => m.clientUrl) });
}

/** Every event revision under PREFIX after `fromRev`, up to `lastRev` (etcd's history; nothing is compacted). */
async function etcdHistory(client: Etcd3, fromRev: number, lastRev: number): Promise<number[]> {
  const revs: number[] = [];
  if (lastRev <= fromRev) return revs;
  const watcher = await client
    .watch()
    .prefix(PREFIX)
    .startRevision(String(fromRev + 1))
    .create();
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        watcher.on('data', (res) => {
          for (const ev of res.events) {
            const rev = Number(ev.kv.mod_revision);
            if (ev.type === 'Delete') revs.push(Number(res.header.revision));
            else revs.push(rev);
            if (rev >= lastRev) resolve();
          }
        });
      }),
      30_000,
      'etcd history replay',
    );
  } finally {
    await watcher.cancel();
  }
  return revs;
}

// ---------------------------------------------------------------- the test

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Longest pause between consecutive acknowledgements in [from, to). */
function longestAckGap(ackTimes: number[], from: number, to: number): number {
  let prev = from;
  let gap = 0;
  for (const t of ackTimes) {
    if (t < from) continue;
    if (t >= to) break;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev);
}

test('failover under load: acknowledged writes survive, watchers see every event once', async (t) => {
  const log = (line: string): void => t.diagnostic(line);
  const haproxy = cluster.haproxy;
  assert.ok(haproxy, 'HAProxy runs in front of the replicas');

  // watchers first: each lists the (empty) namespace, then watches from the list's RV
  const watchers: Watcher[] = Array.from({ length: WATCHERS }, (_, id) => ({
    id,
    state: new Map(),
    lastRV: 0,
    listRV: 0,
    eventRVs: [],
    events: 0,
    reconnects: 0,
    relists: 0,
    violations: [],
    stopped: false,
  }));
  for (const w of watchers) w.done = runWatcher(w);
  await waitUntil('watchers to list', async () => watchers.every((w) => w.listRV > 0) || undefined, 20_000);

  const stats: WriterStats = { acked: new Map(), ackTimes: [], retries: 0, gaveUp: 0, unexpected: [] };
  let stopWriters = false;
  const loadStart = Date.now();
  const writers = Array.from({ length: WRITERS }, (_, id) => runWriter(id, () => stopWriters, stats));

  const at = async (secondsIntoLoad: number): Promise<void> => {
    const wait = loadStart + secondsIntoLoad * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const kills: Array<{ what: string; at: number; downAfterMs?: number; leaderAfterMs?: number }> = [];

  const killReplica = async (r: ClusterReplica, what: string): Promise<void> => {
    const killedAt = Date.now();
    await r.kill();
    const entry: (typeof kills)[number] = { what: `${what} ${r.name}`, at: killedAt };
    kills.push(entry);
    await waitUntil(
      `HAProxy to mark ${r.name} DOWN`,
      async () => ((await haproxy.serverStatus())[r.name]?.startsWith('DOWN') ? true : undefined),
      15_000,
    );
    entry.downAfterMs = Date.now() - killedAt;
    log(
      `${entry.what} SIGKILLed at +${((killedAt - loadStart) / 1000).toFixed(1)} s; HAProxy DOWN after ${entry.downAfterMs} ms`,
    );
  };
  const restart = async (r: ClusterReplica): Promise<void> => {
    const t0 = Date.now();
    await r.restart();
    await waitUntil(
      `HAProxy to mark ${r.name} UP`,
      async () => ((await haproxy.serverStatus())[r.name] === 'UP' ? true : undefined),
      15_000,
    );
    log(`${r.name} restarted; ready and UP in HAProxy after ${Date.now() - t0} ms`);
  };

  try {
    const leader0 = await cluster.leader();
    assert.ok(leader0, 'a leader holds kube-system/kapi-controller-manager');
    const followers = cluster.replicas.filter((r) => r !== leader0);

    await at(5);
    await killReplica(followers[0], 'replica');
    await at(10);
    await restart(followers[0]);

    await at(16);
    await killReplica(followers[1], 'replica');
    await at(21);
    await restart(followers[1]);

    await at(28);
    const holder = await cluster.leaderHolder();
    const leader = await cluster.leader();
    assert.ok(holder && leader, 'a leader before the leader kill');
    await killReplica(leader, 'leader');
    const leaderKill = kills[kills.length - 1];
    // another replica (or a later incarnation of this one) takes the Lease over once it expires
    const newHolder = await waitUntil(
      'a new leader',
      async () => {
        const h = await cluster.leaderHolder();
        return h && h !== holder ? h : undefined;
      },
      30_000,
    );
    leaderKill.leaderAfterMs = Date.now() - leaderKill.at;
    const newLeader = cluster.replicas.find((r) => newHolder.startsWith(`${r.leaseName}_`));
    log(`new leader ${newLeader?.name ?? newHolder} after ${leaderKill.leaderAfterMs} ms`);
    await at(46);
    await restart(leader);

    await at(50);
    const member = cluster.etcd[0];
    const etcdKilledAt = Date.now();
    await member.kill();
    kills.push({ what: `etcd member ${member.name}`, at: etcdKilledAt });
    log(`etcd member ${member.name} SIGKILLed at +${((etcdKilledAt - loadStart) / 1000).toFixed(1)} s`);

    await at(60);
  } finally {
    stopWriters = true;
    await Promise.all(writers);
  }
  const loadEnd = Date.now();
  const loadSeconds = (loadEnd - loadStart) / 1000;

  // ---- numbers
  stats.ackTimes.sort((a, b) => a - b);
  const totalAcks = stats.ackTimes.length;
  log(
    `load ${loadSeconds.toFixed(1)} s: ${totalAcks} acknowledged writes (${(totalAcks / loadSeconds).toFixed(0)}/s), ` +
      `${stats.acked.size} objects, ${stats.retries} retries, ${stats.gaveUp} given up`,
  );
  for (const k of kills) {
    const gap = longestAckGap(stats.ackTimes, k.at, Math.min(loadEnd, k.at + 10_000));
    const inWindow = stats.ackTimes.filter((x) => x >= k.at && x < k.at + 5000).length;
    log(
      `after ${k.what}: longest pause between acks ${gap} ms; ${(inWindow / 5).toFixed(0)} writes/s over the next 5 s`,
    );
  }
  const baseline = stats.ackTimes.filter((x) => x >= loadStart + 1000 && x < loadStart + 6000).length / 5;
  log(`before any kill: ${baseline.toFixed(0)} writes/s`);
  assert.deepEqual(stats.unexpected.slice(0, 10), [], 'writers saw only success or retryable failures');

  // ---- every acknowledged write is in a fresh list and in etcd
  const api = new ApiClient(cluster.kubeconfig);
  const fresh = await waitUntil(
    'a fresh list',
    async () => {
      const res = await api.request('GET', `/api/v1/namespaces/${NS}/configmaps`);
      return res.status === 200 ? res.json<{ metadata: { resourceVersion: string }; items: ConfigMap[] }>() : undefined;
    },
    20_000,
  );
  api.close();
  const listed = new Map(fresh.items.map((i) => [i.metadata.name, i]));
  const missingInList: string[] = [];
  for (const [name, n] of stats.acked) {
    const item = listed.get(name);
    if (!item || Number(item.data?.n) < n) missingInList.push(`${name} n>=${n}: ${item ? item.data?.n : 'missing'}`);
  }
  assert.deepEqual(missingInList.slice(0, 10), [], `${missingInList.length} acknowledged writes missing from a list`);

  const etcd = etcdClient();
  try {
    const codec = storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet());
    const raw = await etcd.getAll().prefix(PREFIX).buffers();
    const inEtcd = new Map<string, { n: number; rv: number }>();
    const kvs = await etcd.getAll().prefix(PREFIX).exec();
    const modRev = new Map(kvs.kvs.map((kv) => [kv.key.toString(), Number(kv.mod_revision)]));
    for (const [key, value] of Object.entries(raw)) {
      const obj = codec.decode(value) as { data?: Record<string, string> };
      inEtcd.set(key.slice(PREFIX.length), { n: Number(obj.data?.n), rv: modRev.get(key) ?? 0 });
    }
    const missingInEtcd: string[] = [];
    for (const [name, n] of stats.acked) {
      const e = inEtcd.get(name);
      if (!e || e.n < n) missingInEtcd.push(`${name} n>=${n}: ${e ? e.n : 'missing'}`);
    }
    assert.deepEqual(missingInEtcd.slice(0, 10), [], `${missingInEtcd.length} acknowledged writes missing from etcd`);
    // the list is etcd: same names, same resourceVersions (mod revisions)
    const listDiff = [...inEtcd].filter(([name, e]) => Number(listed.get(name)?.metadata.resourceVersion) !== e.rv);
    assert.equal(fresh.items.length, inEtcd.size, 'the fresh list holds exactly the objects in etcd');
    assert.deepEqual(listDiff.slice(0, 10), [], 'the fresh list has etcd mod revisions as resourceVersions');
    log(`etcd holds ${inEtcd.size} objects; all ${stats.acked.size} acknowledged objects at or past their acked value`);

    // ---- watchers converge to the fresh list
    const expected = new Map([...listed].map(([name, i]) => [name, Number(i.metadata.resourceVersion)]));
    const sameAsList = (w: Watcher): boolean =>
      w.state.size === expected.size && [...expected].every(([name, rv]) => w.state.get(name) === rv);
    const convergeStart = Date.now();
    try {
      await waitUntil(
        'every watcher to reach the fresh list',
        async () => watchers.every(sameAsList) || undefined,
        30_000,
      );
    } finally {
      for (const w of watchers) {
        w.stopped = true;
        w.abort?.();
      }
      await Promise.all(watchers.map((w) => w.done));
    }
    log(`watchers matched the fresh list ${Date.now() - convergeStart} ms after the load stopped`);

    // ---- each watcher saw exactly etcd's history since its last list: nothing skipped, nothing twice
    const lastRev = Math.max(0, ...expected.values());
    const fromRev = Math.min(...watchers.map((w) => w.listRV));
    const history = await etcdHistory(etcd, fromRev, lastRev);
    const problems: string[] = [];
    for (const w of watchers) {
      problems.push(...w.violations.map((v) => `watcher ${w.id}: ${v}`));
      const want = history.filter((rev) => rev > w.listRV);
      if (want.length !== w.eventRVs.length || want.some((rev, i) => w.eventRVs[i] !== rev)) {
        const seen = new Set(w.eventRVs);
        const skipped = want.filter((rev) => !seen.has(rev));
        problems.push(
          `watcher ${w.id}: saw ${w.eventRVs.length} events since rv ${w.listRV}, etcd has ${want.length}; ` +
            `skipped ${skipped.slice(0, 5).join(',')}${skipped.length > 5 ? '...' : ''}`,
        );
      }
    }
    const reconnects = watchers.reduce((s, w) => s + w.reconnects, 0);
    const relists = watchers.reduce((s, w) => s + w.relists, 0);
    const events = watchers.reduce((s, w) => s + w.events, 0);
    const perWatcher = watchers.map((w) => w.reconnects).sort((a, b) => a - b);
    log(
      `watchers: ${events} events delivered (${history.length} in etcd's history × ${WATCHERS}), ` +
        `${reconnects} reconnects (per watcher p50 ${percentile(perWatcher, 50)}, max ${percentile(perWatcher, 100)}), ` +
        `${relists} re-lists after 410`,
    );
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} watcher problems`);
  } finally {
    etcd.close();
  }

  // ---- the kubernetes Endpoints and HAProxy agree on the live replicas
  const live = cluster
    .aliveReplicas()
    .map((r) => `${r.ip}:${r.port}`)
    .sort();
  const endpointsApi = new ApiClient(cluster.kubeconfig);
  try {
    await waitUntil(
      'default/kubernetes Endpoints and HAProxy to list the live replicas',
      async () => {
        const res = await endpointsApi.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
        if (res.status !== 200) return undefined;
        const subsets =
          res.json<{ subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }> }>()
            .subsets ?? [];
        const eps = subsets
          .flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)))
          .sort();
        const status = await haproxy.serverStatus();
        const up = cluster.replicas
          .filter((r) => status[r.name] === 'UP')
          .map((r) => `${r.ip}:${r.port}`)
          .sort();
        return JSON.stringify(eps) === JSON.stringify(live) && JSON.stringify(up) === JSON.stringify(live)
          ? true
          : undefined;
      },
      30_000,
    );
  } finally {
    endpointsApi.close();
  }
});
