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
// is SIGKILLed. The replicas compact etcd every few seconds, and two waves of
// watchers drop their watch and stay away until etcd has compacted past their
// resourceVersion, so their resumed watch must be answered 410 Gone and they
// must re-list. Afterwards every acknowledged write is in etcd and in a fresh
// list, and every watcher saw exactly etcd's history of the namespace within
// each of its list+watch segments: increasing resourceVersions, nothing twice,
// nothing skipped, and a final state equal to a fresh list.

const NS = 'ha-failover';
const WRITERS = 20;
const WATCHERS = 50;
/** Pause between one writer's operations, so 50 watchers in this process keep up on 2 cores. */
const WRITER_PAUSE_MS = 15;
const REQUEST_TIMEOUT_MS = 20_000;
const PREFIX = `/registry/configmaps/${NS}/`;
/**
 * The replicas' compactor period. Each step compacts to the revision the previous
 * step saw, so 5-10 s of history stays: ample for a watcher reconnecting after a
 * replica kill, short enough that a paused watcher is compacted away within seconds.
 */
const COMPACTION_INTERVAL = '5s';
/** Watchers that go away until their resourceVersion is compacted, per wave. */
const PAUSED_PER_WAVE = 10;

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
    replicaArgs: [`--etcd-compaction-interval=${COMPACTION_INTERVAL}`, '--identity-lease-renew-interval-seconds=2'],
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

/** One list and the watch events that followed it, up to the next list. */
interface Segment {
  listRV: number;
  eventRVs: number[];
  /** The watcher's resourceVersion when the segment ended (a 410); undefined while it is current. */
  endRV?: number;
}

interface Watcher {
  id: number;
  state: Map<string, number>;
  lastRV: number;
  /** resourceVersion of the latest (re)list. */
  listRV: number;
  segments: Segment[];
  events: number;
  reconnects: number;
  relists: number;
  goneHttp: number;
  goneEvent: number;
  violations: string[];
  stopped: boolean;
  /** Set by the test: drop the watch and come back only once etcd compacted past lastRV. */
  pauseRequested: boolean;
  /** Resumed from a compacted resourceVersion and not yet answered 410. */
  expectGone: boolean;
  /** How long its pause lasted, for the log. */
  pausedMs: number;
  /** Times this watcher came back from a pause and was answered 410. */
  goneAfterPause: number;
  pauses: number;
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
        const rv = Number(list.metadata.resourceVersion);
        // a list without resourceVersion is a consistent read: never older than what was already seen
        if (rv < w.lastRV) w.violations.push(`list at rv ${rv} after rv ${w.lastRV} was seen`);
        const current = w.segments[w.segments.length - 1];
        if (current) current.endRV = w.lastRV;
        w.state = new Map(list.items.map((i) => [i.metadata.name, Number(i.metadata.resourceVersion)]));
        w.lastRV = rv;
        w.listRV = rv;
        w.segments.push({ listRV: rv, eventRVs: [] });
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
  if (w.expectGone) {
    // the ring of the watch cache is far shorter than a compaction interval of writes, so a
    // compacted resourceVersion can only be answered by etcd, and etcd no longer has its events
    w.violations.push(`${ev.type} rv ${rv} on a watch from compacted rv ${w.lastRV} (want 410 Gone)`);
    w.expectGone = false;
  }
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
  w.segments[w.segments.length - 1].eventRVs.push(rv);
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
        if (res.statusCode === 410) {
          w.goneHttp++;
          return finish('gone');
        }
        if (res.statusCode !== 200) {
          res.resume();
          return finish('ended');
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (settled) return;
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
            if (r === 'gone') {
              w.goneEvent++;
              return finish('gone');
            }
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

async function runWatcher(
  w: Watcher,
  untilCompacted: (rv: number, stopped: () => boolean) => Promise<void>,
): Promise<void> {
  await relist(w);
  while (!w.stopped) {
    if (w.pauseRequested) {
      // an informer that lost its connection for longer than etcd keeps history
      w.pauseRequested = false;
      w.pauses++;
      const pausedAt = Date.now();
      try {
        await untilCompacted(w.lastRV, () => w.stopped);
        w.expectGone = true;
      } catch (e) {
        w.violations.push((e as Error).message);
      }
      w.pausedMs = Date.now() - pausedAt;
      if (w.stopped) break;
    }
    const r = await watchOnce(w);
    if (w.stopped) break;
    w.reconnects++;
    if (r === 'gone') {
      if (w.expectGone) w.goneAfterPause++;
      w.expectGone = false;
      w.relists++;
      await relist(w);
    } else if (!w.pauseRequested) {
      await sleep(50 + Math.random() * 100);
    }
  }
}

// ---------------------------------------------------------------- etcd

function etcdClient(): Etcd3 {
  return new Etcd3({ hosts: cluster.etcd.filter((m) => m.alive()).map((m) => m.clientUrl) });
}

/** The etcd members the test never kills: the recorder's and the compaction probe's connections stay put. */
function survivorsClient(): Etcd3 {
  return new Etcd3({ hosts: cluster.etcd.slice(1).map((m) => m.clientUrl) });
}

interface HistoryRecorder {
  /** Revision of every event under PREFIX after startRev, in order. */
  revs: number[];
  /** Puts per key since its last delete (from its version at startRev): its version in etcd when no event was missed. */
  puts: Map<string, number>;
  startRev: number;
  lastRev: number;
  problems: string[];
  stop(): Promise<void>;
}

/**
 * etcd's history of the namespace, recorded live from before the first list. The
 * replicas compact it away while the test runs, so replaying it afterwards (as the
 * watchers' reference) is impossible; a watch that is open all along is never
 * compacted, and the etcd3 client resumes it from its last revision on a reconnect.
 */
async function recordHistory(client: Etcd3): Promise<HistoryRecorder> {
  // the namespace already holds what its controllers created (kube-root-ca.crt)
  const head = await client.getAll().prefix(PREFIX).exec();
  const startRev = Number(head.header.revision);
  const rec: HistoryRecorder = {
    revs: [],
    puts: new Map(head.kvs.map((kv) => [kv.key.toString(), Number(kv.version)])),
    startRev,
    lastRev: startRev,
    problems: [],
    stop: async () => undefined,
  };
  const watcher = await client
    .watch()
    .prefix(PREFIX)
    .startRevision(String(startRev + 1))
    .create();
  watcher.on('data', (res) => {
    for (const ev of res.events) {
      const rev = Number(ev.kv.mod_revision);
      if (!(rev > rec.lastRev)) rec.problems.push(`recorder: rev ${rev} after rev ${rec.lastRev}`);
      const key = ev.kv.key.toString();
      rec.puts.set(key, ev.type === 'Delete' ? 0 : (rec.puts.get(key) ?? 0) + 1);
      rec.revs.push(rev);
      rec.lastRev = Math.max(rec.lastRev, rev);
    }
  });
  watcher.on('error', (err) => rec.problems.push(`recorder: ${err.message}`));
  let stopped = false;
  rec.stop = async () => {
    if (stopped) return;
    stopped = true;
    await watcher.cancel();
  };
  return rec;
}

/** Whether etcd has compacted `rv` away: a range at a compacted revision fails, as the replicas' check does. */
async function compactedAway(client: Etcd3, rv: number): Promise<boolean> {
  try {
    await client.get(PREFIX).revision(String(rv)).exec();
    return false;
  } catch (e) {
    if (/compacted/i.test((e as Error).message)) return true;
    throw e;
  }
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

  const survivors = survivorsClient();
  const recorder = await recordHistory(survivors);
  const untilCompacted = async (rv: number, stopped: () => boolean): Promise<void> => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      try {
        if (stopped() || (await compactedAway(survivors, rv))) return;
      } catch {
        // an etcd hiccup: ask again
      }
      if (Date.now() > deadline) throw new Error(`etcd not compacted past rv ${rv} within 45 s of a pause`);
      await sleep(500);
    }
  };

  // watchers first: each lists the namespace (only kube-root-ca.crt so far), then watches from the list's RV
  const watchers: Watcher[] = Array.from({ length: WATCHERS }, (_, id) => ({
    id,
    state: new Map(),
    lastRV: 0,
    listRV: 0,
    segments: [],
    events: 0,
    reconnects: 0,
    relists: 0,
    goneHttp: 0,
    goneEvent: 0,
    violations: [],
    stopped: false,
    pauseRequested: false,
    expectGone: false,
    goneAfterPause: 0,
    pauses: 0,
    pausedMs: 0,
  }));
  for (const w of watchers) w.done = runWatcher(w, untilCompacted);
  const stopWatchers = async (): Promise<void> => {
    for (const w of watchers) {
      w.stopped = true;
      w.abort?.();
    }
    await Promise.all(watchers.map((w) => w.done));
  };
  // also when an assertion fails early, so no watcher outlives the cluster
  t.after(async () => {
    await stopWatchers();
    await recorder.stop();
    survivors.close();
  });
  await waitUntil('watchers to list', async () => watchers.every((w) => w.listRV > 0) || undefined, 20_000);
  const paused = new Set<Watcher>();
  const pauseWave = (wave: number): void => {
    const ws = watchers.slice(wave * PAUSED_PER_WAVE, (wave + 1) * PAUSED_PER_WAVE);
    for (const w of ws) {
      paused.add(w);
      w.pauseRequested = true;
      w.abort?.();
    }
    log(
      `watchers ${ws[0].id}-${ws[ws.length - 1].id} dropped their watch at +${((Date.now() - loadStart) / 1000).toFixed(1)} s ` +
        `(rv ${Math.min(...ws.map((w) => w.lastRV))}); back once etcd compacted past it`,
    );
  };

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

    await at(3);
    pauseWave(0);
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
    // their 410 and re-list come while the Lease is still held by the dead leader
    pauseWave(1);
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

    // the recorded history is the watchers' reference, so first it must be complete: a key's
    // version counts its puts, and the recorder saw each of them
    const lastRev = Math.max(0, ...modRev.values());
    await waitUntil(
      'the history recorder to reach the last write',
      async () => recorder.lastRev >= lastRev || undefined,
      20_000,
    );
    await recorder.stop();
    const unrecorded = kvs.kvs
      .filter((kv) => recorder.puts.get(kv.key.toString()) !== Number(kv.version))
      .map(
        (kv) => `${kv.key.toString()}: version ${kv.version}, recorded ${recorder.puts.get(kv.key.toString()) ?? 0}`,
      );
    assert.deepEqual(recorder.problems.slice(0, 10), [], 'the history recorder saw increasing revisions, no errors');
    assert.deepEqual(unrecorded.slice(0, 10), [], `${unrecorded.length} keys with writes the history recorder missed`);

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
      await stopWatchers();
    }
    log(`watchers matched the fresh list ${Date.now() - convergeStart} ms after the load stopped`);

    // ---- within each list+watch segment a watcher saw exactly etcd's history: nothing skipped, nothing twice
    const history = recorder.revs;
    const problems: string[] = [];
    for (const w of watchers) {
      problems.push(...w.violations.map((v) => `watcher ${w.id}: ${v}`));
      for (const seg of w.segments) {
        if (seg.listRV < recorder.startRev) {
          problems.push(
            `watcher ${w.id}: listed at rv ${seg.listRV}, before the recorder started (${recorder.startRev})`,
          );
          continue;
        }
        // a segment cut short by a 410 owes every event up to the last resourceVersion it saw
        const end = seg.endRV ?? Infinity;
        const want = history.filter((rev) => rev > seg.listRV && rev <= end);
        if (want.length !== seg.eventRVs.length || want.some((rev, i) => seg.eventRVs[i] !== rev)) {
          const seen = new Set(seg.eventRVs);
          const skipped = want.filter((rev) => !seen.has(rev));
          problems.push(
            `watcher ${w.id}: saw ${seg.eventRVs.length} events in (${seg.listRV}, ${end}], etcd has ${want.length}; ` +
              `skipped ${skipped.slice(0, 5).join(',')}${skipped.length > 5 ? '...' : ''}`,
          );
        }
      }
    }
    const reconnects = watchers.reduce((s, w) => s + w.reconnects, 0);
    const relists = watchers.reduce((s, w) => s + w.relists, 0);
    const events = watchers.reduce((s, w) => s + w.events, 0);
    const goneHttp = watchers.reduce((s, w) => s + w.goneHttp, 0);
    const goneEvent = watchers.reduce((s, w) => s + w.goneEvent, 0);
    const unpausedRelists = watchers.filter((w) => !paused.has(w)).reduce((s, w) => s + w.relists, 0);
    const perWatcher = watchers.map((w) => w.reconnects).sort((a, b) => a - b);
    log(
      `watchers: ${events} events delivered (${history.length} in etcd's history × ${WATCHERS}, less what ` +
        `re-listing watchers got from lists), ${reconnects} reconnects (per watcher p50 ${percentile(perWatcher, 50)}, ` +
        `max ${percentile(perWatcher, 100)}), ${relists} re-lists after 410 (${goneHttp} HTTP 410, ` +
        `${goneEvent} ERROR events; ${unpausedRelists} by watchers never paused)`,
    );
    const pausedMs = [...paused].map((w) => w.pausedMs).sort((a, b) => a - b);
    log(`paused watchers waited ${pausedMs[0]}-${pausedMs[pausedMs.length - 1]} ms for etcd to compact their rv`);
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} watcher problems`);
    // every paused watcher came back to a compacted resourceVersion, was told 410 and re-listed
    // (and converged above from that list)
    const notGone = [...paused]
      .filter((w) => w.pauses !== 1 || w.goneAfterPause !== 1 || w.segments.length < 2)
      .map(
        (w) => `watcher ${w.id}: ${w.pauses} pauses, ${w.goneAfterPause} 410s after one, ${w.segments.length} lists`,
      );
    assert.equal(paused.size, 2 * PAUSED_PER_WAVE);
    assert.deepEqual(notGone, [], 'each paused watcher was answered 410 and re-listed');
    assert.ok(relists >= paused.size, `${relists} re-lists after 410`);
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
