/**
 * `make bench`: kapi (one replica, embedded store) against a bare fastify HTTPS handler serving the
 * same bytes, measured in the same run, in JSON and protobuf. HTTP/2 over mutual TLS, as kubectl and
 * client-go talk to the API server. Also: a list of 10,000 configmaps with resourceVersion=0, watch
 * fan-out to 1,000 watchers, the replica's memory per stored configmap (on a fresh replica), and
 * get/list/watch of a custom resource next to a ConfigMap of the same size (bench-cr.ts).
 * Prints tables with PASS/FAIL per target and always exits 0 (it is a benchmark) unless the harness
 * itself cannot run or its deadline is reached.
 */
import Database from 'better-sqlite3';
import http2, { type ClientHttp2Session } from 'node:http2';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBare, type BareServer, type Captured, type CapturedBytes } from './bare';
import {
  ACCEPT,
  connect,
  openEventStream,
  request,
  runLoad,
  type ClientTls,
  type Encoding,
  type Request,
  type Sender,
  type Stream,
} from './h2';
import { http1Client, type Http1Client } from './h1';
import { IndexingSession } from './h2-indexing-client';
import type { CacheBytes } from './cache-bytes';
import { crScenario } from './bench-cr';
import { listItems, unwrap, watchEvent as pbWatchEvent } from './pb';
import { startReplica, type Replica } from './replica';
import { emptyResult, fmt, merge, processCpuMs, Samples, table, throughput, type RunResult } from './stats';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

const ALL_SCENARIOS = ['get', 'list', 'create', 'watch', 'list10k', 'watch1k', 'mem', 'cr'] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];

function scenarios(): Set<Scenario> {
  const raw = process.env.BENCH_SCENARIOS;
  if (!raw) return new Set(ALL_SCENARIOS);
  const out = new Set<Scenario>();
  for (const s of raw.split(',').map((x) => x.trim().toLowerCase())) {
    const found = ALL_SCENARIOS.find((a) => a === s);
    if (!found) throw new Error(`BENCH_SCENARIOS: unknown scenario ${s} (known: ${ALL_SCENARIOS.join(',')})`);
    out.add(found);
  }
  return out;
}

const CONFIG = {
  scenarios: scenarios(),
  objects: num('BENCH_OBJECTS', 1000),
  roundMs: num('BENCH_ROUND_MS', 3000),
  warmupMs: num('BENCH_WARMUP_MS', 1000),
  /** Rounds per arm; rounds alternate bare, kapi (JSON), bare, kapi (protobuf), ... */
  rounds: num('BENCH_ROUNDS', 2),
  sessions: num('BENCH_SESSIONS', 4),
  /** ServiceAccount against admin: ABBA blocks of slices this long, this many blocks per comparison. */
  pairSliceMs: num('BENCH_PAIR_SLICE_MS', 400),
  pairBlocks: num('BENCH_PAIR_BLOCKS', 6),
  getConcurrency: num('BENCH_GET_CONCURRENCY', 32),
  listConcurrency: num('BENCH_LIST_CONCURRENCY', 1),
  createConcurrency: num('BENCH_CREATE_CONCURRENCY', 16),
  /** Creates in flight while seeding (list10k, mem). */
  seedConcurrency: num('BENCH_SEED_CONCURRENCY', 64),
  watchers: num('BENCH_WATCHERS', 100),
  watchEvents: num('BENCH_WATCH_EVENTS', 20),
  list10kObjects: num('BENCH_LIST10K_OBJECTS', 10_000),
  list10kRoundMs: num('BENCH_LIST10K_ROUND_MS', 2000),
  watch1kWatchers: num('BENCH_WATCH1K_WATCHERS', 1000),
  watch1kSessions: num('BENCH_WATCH1K_SESSIONS', 4),
  watch1kEvents: num('BENCH_WATCH1K_EVENTS', 10),
  memObjects: num('BENCH_MEM_OBJECTS', 20_000),
  /** Seeding for the memory scenario stops after this long, whatever was created by then counts. */
  memSeedMs: num('BENCH_MEM_SEED_MS', 60_000),
  memSettleMs: num('BENCH_MEM_SETTLE_MS', 10_000),
  watchTimeoutMs: 5000,
  /** Hard stop for the whole run (the cr scenario adds about a minute, the paired ServiceAccount runs three). */
  deadlineMs: num('BENCH_DEADLINE_MS', 720_000),
};

const NS = 'bench';
const NS_CREATE = 'bench-create';
const NS_WATCH = 'bench-watch';
const NS_WATCH1K = 'bench-watch1k';
const NS_10K = 'bench-10k';
const NS_MEM = 'bench-mem';
const NS_MEM_WARM = 'bench-mem-warm';
const PATHS = {
  get: `/api/v1/namespaces/${NS}/configmaps/cm-00000`,
  list: `/api/v1/namespaces/${NS}/configmaps`,
  create: `/api/v1/namespaces/${NS_CREATE}/configmaps`,
  watch: `/api/v1/namespaces/${NS_WATCH}/configmaps`,
  watch1k: `/api/v1/namespaces/${NS_WATCH1K}/configmaps`,
  list10k: `/api/v1/namespaces/${NS_10K}/configmaps`,
};
const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };
const ENCODINGS: Encoding[] = ['json', 'protobuf'];

/** A configmap of a typical small size (~600 bytes of JSON once kapi adds its metadata). */
function configMap(name: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { app: 'bench', tier: 'loadtest' } },
      data: {
        'app.properties': 'log.level=info\nfeature.x=enabled\nfeature.y=disabled\nworkers=4\n',
        'config.yaml': `name: ${name}\nreplicas: 3\nendpoints:\n  - https://example.invalid:8443\n`,
      },
    }),
  );
}

const log = (msg: string): void => console.log(`[bench ${(performance.now() / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Target {
  /** 'bare' and 'kapi' against each other; other names for arms on one server (e.g. the CR scenario's). */
  name: string;
  url: string;
  sessions: ClientHttp2Session[];
  /** Sent with every request (a bearer token for the ServiceAccount arms). */
  headers?: Record<string, string>;
  /** Drive this target with these instead of `sessions` (the HPACK-indexing client's connections). */
  senders?: Sender[];
  /** To open `sessions` again when the server has closed them (see reopenClosed). */
  tls?: ClientTls;
}

/** Sessions reopenClosed opened, for the run's end to close. */
const reopened: ClientHttp2Session[] = [];

/**
 * kapi, like any fastify server, closes a connection idle for 72 s. A c=1 arm drives only the
 * first of its target's sessions, so the others can sit out a long phase; they are opened
 * again before the target is next driven instead of failing every request sent on them.
 */
async function reopenClosed(t: Target): Promise<void> {
  if (!t.tls) return;
  for (let i = 0; i < t.sessions.length; i++) {
    if (!t.sessions[i].closed && !t.sessions[i].destroyed) continue;
    t.sessions[i] = await connect(t.url, t.tls);
    reopened.push(t.sessions[i]);
  }
}

async function openSessions(url: string, tls: ClientTls, n: number): Promise<ClientHttp2Session[]> {
  return Promise.all(Array.from({ length: n }, () => connect(url, tls)));
}

async function mustRequest(session: ClientHttp2Session, req: Request, ok: number[]): Promise<Buffer> {
  const res = await request(session, { ...req, headers: { ...JSON_HEADERS, ...req.headers } });
  if (!ok.includes(res.status)) {
    throw new Error(`${req.method} ${req.path}: ${res.status} ${res.body.toString().slice(0, 500)}`);
  }
  return res.body;
}

/** Runs up to `count` requests with `concurrency` in flight, stopping early at `deadline`; returns how many ran. */
async function runCount(
  sessions: ClientHttp2Session[],
  count: number,
  concurrency: number,
  next: (i: number) => Request,
  ok: number[],
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let i = 0;
  let done = 0;
  const worker = async (w: number): Promise<void> => {
    while (i < count && performance.now() < deadline) {
      const req = next(i++);
      await mustRequest(sessions[w % sessions.length], req, ok);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return done;
}

async function seed(sessions: ClientHttp2Session[], ns: string, count: number, prefix = 'cm-', pad = 5): Promise<void> {
  const t0 = performance.now();
  await runCount(
    sessions,
    count,
    CONFIG.seedConcurrency,
    (i) => ({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: configMap(`${prefix}${String(i).padStart(pad, '0')}`),
    }),
    [201],
  );
  const ms = performance.now() - t0;
  log(`seeded ${count} configmaps in ${ns} in ${fmt(ms, 0)} ms (${fmt((count * 1000) / ms, 0)}/s)`);
}

async function ensureNamespace(session: ClientHttp2Session, ns: string): Promise<void> {
  const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  await mustRequest(session, { method: 'POST', path: '/api/v1/namespaces', body }, [201, 409]);
}

/** One arm of an interleaved measurement: a target driven with one kind of request. */
export interface Arm {
  key: string;
  target: Target;
  next: (i: number) => Request;
}

/** Warm every arm up, then run the arms in turn, CONFIG.rounds rounds each. */
async function interleaved(
  arms: Arm[],
  concurrency: number,
  expectStatus: number,
  roundMs = CONFIG.roundMs,
): Promise<Map<string, RunResult>> {
  const out = new Map<string, RunResult>(arms.map((a) => [a.key, emptyResult()]));
  for (const a of arms) {
    await reopenClosed(a.target);
    await runLoad({
      sessions: a.target.sessions,
      senders: a.target.senders,
      concurrency,
      durationMs: CONFIG.warmupMs,
      next: a.next,
      expectStatus,
    });
  }
  for (let r = 0; r < CONFIG.rounds; r++) {
    for (const a of arms) {
      await reopenClosed(a.target);
      const res = await runLoad({
        sessions: a.target.sessions,
        senders: a.target.senders,
        concurrency,
        durationMs: roundMs,
        next: a.next,
        expectStatus,
      });
      const into = out.get(a.key);
      if (into) merge(into, res);
    }
  }
  return out;
}

/** What paired() measured of each arm, in the order given. */
interface PairedResult {
  results: RunResult[];
  /** The server's CPU time (user + system) while each arm ran. */
  serverCpuMs: number[];
}

/**
 * Arms on one server in mirrored blocks of short slices (A B C C B A ...), so that drift over
 * the run (other load on the machine, the CPU's clock, the heap growing) falls on every arm
 * alike instead of on whichever happened to run later. The server's CPU time per arm says
 * what its requests cost the server, apart from what they cost the client sharing the machine.
 */
async function paired(
  arms: Arm[],
  concurrency: number,
  expectStatus: number,
  serverPid: number,
): Promise<PairedResult> {
  const results = arms.map(() => emptyResult());
  const serverCpuMs = arms.map(() => 0);
  const run = async (arm: Arm, durationMs: number): Promise<RunResult> => {
    await reopenClosed(arm.target);
    return runLoad({
      sessions: arm.target.sessions,
      senders: arm.target.senders,
      concurrency,
      durationMs,
      next: arm.next,
      expectStatus,
    });
  };
  for (const arm of arms) await run(arm, CONFIG.warmupMs);
  const order = [...arms.keys(), ...[...arms.keys()].reverse()];
  for (let block = 0; block < CONFIG.pairBlocks; block++) {
    for (const i of order) {
      const cpu0 = processCpuMs(serverPid);
      merge(results[i], await run(arms[i], CONFIG.pairSliceMs));
      serverCpuMs[i] += processCpuMs(serverPid) - cpu0;
    }
  }
  return { results, serverCpuMs };
}

const getReq =
  (p: string, enc: Encoding, extra: Record<string, string> = {}) =>
  (): Request => ({
    method: 'GET',
    path: p,
    headers: { accept: ACCEPT[enc], ...extra },
  });

/** Arms bare/kapi x JSON/protobuf for one GET path, keys `<target>/<encoding>`. */
function getArms(targets: Target[], p: string): Arm[] {
  const arms: Arm[] = [];
  for (const enc of ENCODINGS) {
    for (const t of targets) arms.push({ key: `${t.name}/${enc}`, target: t, next: getReq(p, enc) });
  }
  return arms;
}

/**
 * The admin certificate and the ServiceAccount token through h2-indexing-client.ts, which indexes
 * request headers as client-go's HTTP/2 transport does, so the token crosses the wire (and the
 * server's HPACK decoder) once per connection instead of Huffman-coded on every request.
 */
async function indexingTargets(
  url: string,
  tls: ClientTls,
  token: Record<string, string>,
): Promise<{ admin: Target; sa: Target; sessions: IndexingSession[] }> {
  const open = (creds: ClientTls): Promise<IndexingSession[]> =>
    Promise.all(Array.from({ length: CONFIG.sessions }, () => IndexingSession.connect(url, creds)));
  const adminSessions = await open(tls);
  const saSessions = await open({ ca: tls.ca });
  const senders = (ss: IndexingSession[]): Sender[] => ss.map((s) => (req: Request) => s.request(req, false));
  return {
    admin: { name: 'kapi', url, sessions: [], senders: senders(adminSessions) },
    sa: { name: 'kapi', url, sessions: [], senders: senders(saSessions), headers: token },
    sessions: [...adminSessions, ...saSessions],
  };
}

/**
 * A non-admin client: a ServiceAccount allowed get/list of configmaps in `ns`
 * through a Role, authenticating with a token from the TokenRequest API, so its
 * requests go through token verification and RBAC evaluation.
 */
async function serviceAccountTarget(
  url: string,
  admin: ClientHttp2Session,
  tls: ClientTls,
  ns: string,
): Promise<Target> {
  const post = async (p: string, body: object): Promise<Buffer> =>
    mustRequest(
      admin,
      { method: 'POST', path: p, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(body)) },
      [201, 409],
    );
  await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'bench-reader' } });
  await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    metadata: { name: 'bench-reader' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  });
  await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    metadata: { name: 'bench-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'bench-reader', namespace: ns }],
  });
  const tr = JSON.parse(
    (
      await post(`/api/v1/namespaces/${ns}/serviceaccounts/bench-reader/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      })
    ).toString(),
  ) as { status: { token: string } };
  const headers = { authorization: `Bearer ${tr.status.token}` };
  const sessions = await openSessions(url, { ca: tls.ca }, CONFIG.sessions);
  // the binding reaches the replica's RBAC index through its informer
  for (let i = 0; i < 100; i++) {
    const r = await request(sessions[0], {
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/configmaps?limit=1`,
      headers,
    });
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return { name: 'kapi', url, sessions, headers, tls: { ca: tls.ca } };
}

export interface WatchResult {
  /** Delivery delay from sending the create until each watcher has the event. */
  fromSend: Samples;
  /** Delivery delay from the create's response (negative: the event arrived first). */
  fromResponse: Samples;
  createLatency: Samples;
  missed: number;
}

interface WatchSet {
  target: Target;
  sessions: ClientHttp2Session[];
  streams: Stream[];
  result: WatchResult;
}

function decodeEvent(enc: Encoding, ev: Buffer): { type: string; name: string } | undefined {
  if (enc === 'protobuf') return pbWatchEvent(ev);
  try {
    const e = JSON.parse(ev.toString()) as { type?: string; object?: { metadata?: { name?: string } } };
    return { type: e.type ?? '', name: e.object?.metadata?.name ?? '' };
  } catch {
    return undefined;
  }
}

export interface FanOut {
  path: string;
  /** Per target name: where it watches and creates, and what it creates (default: path and a configmap). */
  perTarget?: Record<string, { path: string; body: (name: string) => Buffer }>;
  encoding: Encoding;
  watchers: number;
  /** Connections per target; the watchers' streams are spread over them round-robin. */
  sessions: number;
  events: number;
  rvFor: (t: Target) => Promise<string>;
  bareEventName: string;
}

/**
 * Watch fan-out: `watchers` watch streams over `sessions` connections on each target; one create
 * per round; every watcher must see the ADDED event. Rounds alternate between the targets.
 */
async function watchFanOut(
  targets: Target[],
  tls: ClientTls,
  opts: FanOut,
): Promise<Record<Target['name'], WatchResult>> {
  let expected = '';
  let pendingAt: number[] = [];
  let pendingCount = 0;
  let onAllDelivered: (() => void) | undefined;
  let current: Target['name'] = 'bare';

  const sets: WatchSet[] = [];
  try {
    for (const t of targets) {
      const sessions = await openSessions(t.url, tls, opts.sessions);
      const set: WatchSet = {
        target: t,
        sessions,
        streams: [],
        result: { fromSend: new Samples(), fromResponse: new Samples(), createLatency: new Samples(), missed: 0 },
      };
      sets.push(set);
      const p = `${opts.perTarget?.[t.name]?.path ?? opts.path}?watch=true&resourceVersion=${await opts.rvFor(t)}`;
      for (let idx = 0; idx < opts.watchers; idx++) {
        set.streams.push(
          openEventStream(sessions[idx % sessions.length], p, opts.encoding, (raw, at) => {
            if (current !== t.name || pendingAt[idx] >= 0) return;
            const ev = decodeEvent(opts.encoding, raw);
            if (!ev || ev.type !== 'ADDED' || ev.name !== expected) return;
            pendingAt[idx] = at;
            if (--pendingCount === 0) onAllDelivered?.();
          }),
        );
      }
      const statuses = await Promise.all(set.streams.map((s) => s.ready.catch(() => -1)));
      const bad = statuses.filter((s) => s !== 200);
      if (bad.length > 0) throw new Error(`${t.name}: ${bad.length} watch requests failed (${bad[0]})`);
    }

    const round = async (set: WatchSet, i: number, record: boolean): Promise<void> => {
      const t = set.target;
      current = t.name;
      const name = `cm-w-${opts.encoding}-${t.name}-${i}`;
      const own = opts.perTarget?.[t.name];
      expected = t.name === 'kapi' || own ? name : opts.bareEventName;
      pendingAt = new Array<number>(opts.watchers).fill(-1);
      pendingCount = opts.watchers;
      const delivered = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), CONFIG.watchTimeoutMs);
        onAllDelivered = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      const t0 = performance.now();
      const create = { method: 'POST', path: own?.path ?? opts.path, body: (own?.body ?? configMap)(name) };
      await mustRequest(t.sessions[0], create, [201]);
      const t1 = performance.now();
      await delivered;
      onAllDelivered = undefined;
      if (!record) return;
      set.result.createLatency.add(t1 - t0);
      for (const at of pendingAt) {
        if (at < 0) {
          set.result.missed++;
        } else {
          set.result.fromSend.add(at - t0);
          set.result.fromResponse.add(at - t1);
        }
      }
    };

    for (const set of sets) for (let w = 0; w < 3; w++) await round(set, -1 - w, false);
    for (let i = 0; i < opts.events; i++) {
      for (const set of sets) {
        await round(set, i, true);
        await sleep(10);
      }
    }
  } finally {
    for (const set of sets) {
      for (const s of set.streams) s.close();
      for (const s of set.sessions) s.close();
    }
  }
  const out = {} as Record<Target['name'], WatchResult>;
  for (const set of sets) out[set.target.name] = set.result;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Memory

function procStatus(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Waits `ms` with the replica idle, sampling its RSS every 500 ms; returns the last and the lowest sample. */
async function settle(pid: number, ms: number): Promise<{ last: number; min: number }> {
  let min = Number.POSITIVE_INFINITY;
  let last = 0;
  const end = performance.now() + ms;
  do {
    await sleep(500);
    last = procStatus(pid).rss;
    min = Math.min(min, last);
  } while (performance.now() < end);
  return { last, min };
}

interface MemResult {
  requested: number;
  created: number;
  seedMs: number;
  before: { last: number; min: number };
  after: { last: number; min: number };
  peak: number;
  /** RSS after one JSON list of every seeded object (rv=0, from the cache) and a settle: the decoded working set filled. */
  afterRead: { last: number; min: number };
  /** The cache's own heap bytes, measured apart from the replica (cache-bytes.ts). */
  cache: CacheBytes;
  /** Average length of the stored value (kapi.db, the kine table), or undefined if it could not be read. */
  storedValue: number | undefined;
  storedRows: number;
  /** Protobuf GET body (the `k8s\0` envelope) and the ConfigMap message inside it, of one sample object. */
  getProtobuf: number;
  itemProtobuf: number;
}

function measureCacheBytes(dataDir: string): CacheBytes {
  const script = path.join(__dirname, 'cache-bytes.js');
  const out = execFileSync(process.execPath, [script, dataDir, '/registry/configmaps/'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return JSON.parse(out) as CacheBytes;
}

/** Average stored value length of the configmaps in `ns`, read from the replica's SQLite file (read-only). */
function storedValueSize(dataDir: string, ns: string): { avg: number; rows: number } | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(path.join(dataDir, 'kapi.db'), { readonly: true, fileMustExist: true });
    // The seeded objects only (not kube-root-ca.crt).
    const prefix = `/registry/configmaps/${ns}/cm-`;
    const row = db
      .prepare<[string, string], { n: number; avg: number | null }>(
        'SELECT COUNT(*) AS n, AVG(LENGTH(value)) AS avg FROM kine WHERE name >= ? AND name < ? AND created = 1 AND deleted = 0',
      )
      .get(prefix, `${prefix.slice(0, -1)}.`);
    return row && row.avg !== null ? { avg: row.avg, rows: row.n } : undefined;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * A fresh replica: warm it up with 1,000 creates in another namespace, settle and sample its RSS,
 * seed CONFIG.memObjects configmaps (CONFIG.seedConcurrency in flight, time-bounded), settle and
 * sample again. No server code: the replica's RSS is read from /proc/<pid>/status.
 */
async function memScenario(track: (r: Replica | undefined) => void): Promise<MemResult> {
  log('mem: starting a fresh kapi (embedded store)');
  const replica = await startReplica();
  track(replica);
  const sessions = await openSessions(replica.url, replica.client, CONFIG.sessions);
  try {
    const admin = sessions[0];
    await ensureNamespace(admin, NS_MEM);
    await ensureNamespace(admin, NS_MEM_WARM);
    await seed(sessions, NS_MEM_WARM, 1000, 'warm-');
    log(`mem: settling ${CONFIG.memSettleMs} ms before seeding`);
    const before = await settle(replica.pid, CONFIG.memSettleMs);
    const t0 = performance.now();
    const created = await runCount(
      sessions,
      CONFIG.memObjects,
      CONFIG.seedConcurrency,
      (i) => ({
        method: 'POST',
        path: `/api/v1/namespaces/${NS_MEM}/configmaps`,
        body: configMap(`cm-${String(i).padStart(6, '0')}`),
      }),
      [201],
      t0 + CONFIG.memSeedMs,
    );
    const seedMs = performance.now() - t0;
    log(
      `mem: created ${created} of ${CONFIG.memObjects} configmaps in ${fmt(seedMs, 0)} ms; settling ${CONFIG.memSettleMs} ms`,
    );
    const after = await settle(replica.pid, CONFIG.memSettleMs);
    const peak = procStatus(replica.pid).hwm;
    const sample = `/api/v1/namespaces/${NS_MEM}/configmaps/cm-000000`;
    const pbGet = await mustRequest(
      admin,
      { method: 'GET', path: sample, headers: { accept: ACCEPT.protobuf } },
      [200],
    );
    const stored = storedValueSize(replica.dataDir, NS_MEM);
    log('mem: reading every object once (one list from the cache), then settling');
    const all = await mustRequest(
      admin,
      {
        method: 'GET',
        path: `/api/v1/namespaces/${NS_MEM}/configmaps?resourceVersion=0`,
        headers: { accept: ACCEPT.json },
      },
      [200],
    );
    log(`mem: listed ${fmt(all.length / (1024 * 1024), 1)} MiB of JSON`);
    const afterRead = await settle(replica.pid, CONFIG.memSettleMs);
    log('mem: stopping the replica and filling one watch cache from its data in a process of its own');
    await replica.stop(5000, true);
    const cache = measureCacheBytes(replica.dataDir);
    return {
      requested: CONFIG.memObjects,
      created,
      seedMs,
      before,
      after,
      peak,
      afterRead,
      cache,
      storedValue: stored?.avg,
      storedRows: stored?.rows ?? 0,
      getProtobuf: pbGet.length,
      itemProtobuf: unwrap(pbGet).length,
    };
  } finally {
    for (const s of sessions) if (!s.closed) s.destroy();
    await replica.stop().catch(() => undefined);
    track(undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const lat = (s: Samples): string => `${fmt(s.percentile(50), 2)} / ${fmt(s.percentile(99), 2)}`;
const mib = (b: number): string => `${fmt(b / (1024 * 1024), 1)} MiB`;

const report = {
  rows: [] as string[][],
  lines: [] as string[],
  memRows: [] as string[][],
  sizes: [] as string[],
};

function printReport(): void {
  const header = [
    'scenario',
    'enc',
    'bare req/s',
    'kapi req/s',
    'bare p50/p99 ms',
    'kapi p50/p99 ms',
    'errors b/k',
    'ratio',
    'target',
    'result',
  ];
  console.log('');
  if (report.rows.length > 0) console.log(table(header, report.rows));
  if (report.memRows.length > 0) {
    console.log('');
    console.log(
      table(
        [
          'memory',
          'objects',
          'seed/s',
          'RSS before',
          'RSS after',
          'peak RSS',
          'B/object',
          'stored value B',
          'ratio',
          'target',
          'result',
        ],
        report.memRows,
      ),
    );
  }
  console.log('');
  for (const l of report.lines) console.log(l);
  if (report.sizes.length > 0) console.log(`bytes per response: ${report.sizes.join(', ')}.`);
}

function pairRow(
  name: string,
  enc: Encoding,
  bare: RunResult,
  kapi: RunResult,
  ratio: string,
  target: string,
  result: string,
): string[] {
  return [
    name,
    enc,
    fmt(throughput(bare)),
    fmt(throughput(kapi)),
    lat(bare.latency),
    lat(kapi.latency),
    `${bare.errors}/${kapi.errors}`,
    ratio,
    target,
    result,
  ];
}

function watchRow(name: string, enc: Encoding, w: Record<Target['name'], WatchResult>, target?: number): string[] {
  const p99 = w.kapi.fromSend.percentile(99);
  return [
    name,
    enc,
    '-',
    '-',
    lat(w.bare.fromSend),
    lat(w.kapi.fromSend),
    `${w.bare.missed}/${w.kapi.missed} missed`,
    `p99 ${fmt(p99, 2)} ms`,
    target === undefined ? '(none)' : `p99 < ${target} ms`,
    target === undefined ? (w.kapi.missed === 0 ? 'info' : 'info (missed)') : pass(p99 < target && w.kapi.missed === 0),
  ];
}

const must = (m: Map<string, RunResult>, k: string): RunResult => {
  const r = m.get(k);
  if (!r) throw new Error(`no result for ${k}`);
  return r;
};

// ---------------------------------------------------------------------------------------------

async function capture(session: ClientHttp2Session, p: string, enc: Encoding): Promise<Captured> {
  const res = await request(session, { method: 'GET', path: p, headers: { accept: ACCEPT[enc] } });
  if (res.status !== 200) throw new Error(`capture ${enc} ${p}: ${res.status} ${res.body.toString().slice(0, 300)}`);
  const contentType = String(res.headers['content-type'] ?? '');
  if (enc === 'protobuf' && !contentType.startsWith('application/vnd.kubernetes.protobuf')) {
    throw new Error(`capture ${p}: asked for protobuf, got ${contentType}`);
  }
  return { body: res.body, contentType };
}

function countItems(c: Captured, enc: Encoding): number {
  if (enc === 'protobuf') return listItems(c.body).length;
  return (JSON.parse(c.body.toString()) as { items?: unknown[] }).items?.length ?? 0;
}

async function listRv(session: ClientHttp2Session, p: string): Promise<string> {
  const body = await mustRequest(session, { method: 'GET', path: p }, [200]);
  return (JSON.parse(body.toString()) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? '0';
}

/** Creates one configmap on `p` and returns kapi's ADDED event for it in both encodings. */
async function captureWatchEvent(
  replica: Replica,
  tls: ClientTls,
  admin: ClientHttp2Session,
  p: string,
  name: string,
): Promise<Record<Encoding, Buffer>> {
  const rv = await listRv(admin, p);
  const session = await connect(replica.url, tls);
  const streams: Stream[] = [];
  try {
    const got = ENCODINGS.map(
      (enc) =>
        new Promise<Buffer>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${enc} watch event from kapi within 5 s`)), 5000);
          const s = openEventStream(session, `${p}?watch=true&resourceVersion=${rv}`, enc, (ev) => {
            const e = decodeEvent(enc, ev);
            if (e?.type === 'ADDED' && e.name === name) {
              clearTimeout(timer);
              const framed =
                enc === 'json'
                  ? Buffer.concat([ev, Buffer.from('\n')])
                  : Buffer.concat([Buffer.from([0, 0, 0, 0]), ev]);
              if (enc === 'protobuf') framed.writeUInt32BE(ev.length, 0);
              resolve(framed);
            }
          });
          streams.push(s);
        }),
    );
    const statuses = await Promise.all(streams.map((s) => s.ready));
    if (statuses.some((s) => s !== 200)) throw new Error(`watch: ${statuses.join(',')}`);
    await mustRequest(admin, { method: 'POST', path: p, body: configMap(name) }, [201]);
    const [json, protobuf] = await Promise.all(got);
    return { json, protobuf };
  } finally {
    for (const s of streams) s.close();
    session.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpus = os.cpus();
  const sel = CONFIG.scenarios;
  console.log(
    `kapi bench ${new Date(started).toISOString()} — ${cpus.length} x ${cpus[0]?.model ?? '?'}, node ${process.version}, ` +
      `HTTP/2 over mutual TLS, ${CONFIG.sessions} connections per load target, ` +
      `${CONFIG.rounds} x ${CONFIG.roundMs} ms rounds per arm (interleaved bare/kapi, JSON/protobuf) after ${CONFIG.warmupMs} ms warm-up; ` +
      `scenarios ${[...sel].join(',')}`,
  );
  if (sel.has('mem') && CONFIG.memObjects < 100_000) {
    console.log(
      `note: the memory scenario seeds ${CONFIG.memObjects} configmaps (the issue's figure is 100,000; ` +
        `BENCH_MEM_OBJECTS=100000 BENCH_MEM_SEED_MS=180000 for that, about 3 minutes on its own) to keep the whole run near 3 minutes`,
    );
  }

  const replicas = new Set<Replica>();
  let bare: BareServer | undefined;
  const toClose: ClientHttp2Session[] = [];
  const cleanup = async (): Promise<void> => {
    for (const s of [...toClose, ...reopened]) if (!s.closed) s.destroy();
    await bare?.close().catch(() => undefined);
    bare = undefined;
    for (const r of replicas) await r.stop().catch(() => undefined);
    replicas.clear();
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    log(`deadline of ${CONFIG.deadlineMs} ms reached: stopping; results so far:`);
    printReport();
    void cleanup().finally(() => process.exit(1));
  }, CONFIG.deadlineMs);
  watchdog.unref();

  try {
    const needsMain = [...sel].some((s) => s !== 'mem');
    if (needsMain) await mainScenarios(replicas, (b) => (bare = b), toClose);
    toClose.push(...reopened.splice(0));
    // Free the CPU and memory of the first replica before measuring a fresh one.
    for (const s of toClose) if (!s.closed) s.destroy();
    await bare?.close().catch(() => undefined);
    bare = undefined;
    for (const r of replicas) await r.stop().catch(() => undefined);
    replicas.clear();

    if (sel.has('mem')) {
      let memReplica: Replica | undefined;
      try {
        const m = await memScenario((r) => {
          if (memReplica) replicas.delete(memReplica);
          memReplica = r;
          if (r) replicas.add(r);
        });
        const growth = m.after.min - m.before.min;
        const perObject = growth / Math.max(1, m.created);
        const value = m.storedValue ?? m.getProtobuf;
        const ratio = perObject / value;
        const partial = m.created < m.requested ? ` (of ${m.requested}: seeding time bound)` : '';
        const cacheRatio = m.cache.bytesPerObject / value;
        report.memRows.push([
          "watch cache's own bytes",
          fmt(m.cache.objects, 0),
          '-',
          mib(m.cache.heapBefore),
          mib(m.cache.heapAfter),
          '-',
          fmt(m.cache.bytesPerObject, 0),
          fmt(value, 0),
          `${fmt(cacheRatio, 2)}x`,
          '<= 2.5x',
          pass(cacheRatio <= 2.5),
        ]);
        report.memRows.push([
          'replica RSS growth / objects',
          `${m.created}${partial}`,
          fmt((m.created * 1000) / m.seedMs, 0),
          mib(m.before.min),
          mib(m.after.min),
          mib(m.peak),
          fmt(perObject, 0),
          fmt(value, 0),
          `${fmt(ratio, 2)}x`,
          '-',
          'info',
        ]);
        const perObjectRead = (m.afterRead.min - m.before.min) / Math.max(1, m.created);
        report.memRows.push([
          'after one list of all',
          `${m.created}${partial}`,
          '-',
          mib(m.before.min),
          mib(m.afterRead.min),
          '-',
          fmt(perObjectRead, 0),
          fmt(value, 0),
          `${fmt(perObjectRead / value, 2)}x`,
          '-',
          'info',
        ]);
        report.lines.push(
          `memory: a fresh replica, warmed with 1,000 creates, settled ${CONFIG.memSettleMs} ms, then ${m.created} configmaps ` +
            `created ${CONFIG.seedConcurrency} in flight over ${CONFIG.sessions} HTTP/2 connections and settled again; RSS ` +
            `(VmRSS, lowest sample while settling) ${mib(m.before.min)} -> ${mib(m.after.min)} (last samples ` +
            `${mib(m.before.last)} -> ${mib(m.after.last)}). Stored value: ${
              m.storedValue === undefined
                ? `kapi.db unreadable, protobuf GET body used (${m.getProtobuf} B)`
                : `mean length of ${m.storedRows} values in kapi.db ${fmt(m.storedValue, 1)} B`
            }; protobuf GET body ${m.getProtobuf} B, ConfigMap message inside it ${m.itemProtobuf} B. RSS growth ` +
            `counts everything the process kept (caches, V8 heap not yet collected, SQLite pages), not only the watch cache. ` +
            `The second row is after one JSON list of every seeded object from the cache and another settle: the cache's ` +
            `decoded working set (bounded by packed bytes, 8 MiB by default) is then full. The first row is the issue's ` +
            `figure: the replica stopped, a process of its own (cache-bytes.ts) opened its data and filled one watch ` +
            `cache for configmaps; V8 heap plus off-heap bytes after full collections, before and after, per cached ` +
            `object (mean packed size ${fmt(m.cache.packedPerObject, 0)} B).`,
        );
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        log(`mem scenario failed: ${msg}`);
        report.memRows.push(["watch cache's own bytes", '-', '-', '-', '-', '-', '-', '-', '-', '<= 2.5x', 'error']);
        report.lines.push(`memory scenario failed: ${msg}`);
      }
    }

    printReport();
    console.log(`\ntotal ${fmt((Date.now() - started) / 1000, 1)} s`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Everything measured on one replica next to the bare server: get, list, create, watch, list10k, watch1k; and cr. */
async function mainScenarios(
  replicas: Set<Replica>,
  setBare: (b: BareServer) => void,
  toClose: ClientHttp2Session[],
): Promise<void> {
  const sel = CONFIG.scenarios;
  log('starting kapi (embedded store)');
  const replica = await startReplica();
  replicas.add(replica);
  log(`kapi pid ${replica.pid} at ${replica.url}`);
  const tls = replica.client;
  const kapiSessions = await openSessions(replica.url, tls, CONFIG.sessions);
  toClose.push(...kapiSessions);
  const admin = kapiSessions[0];

  for (const ns of [NS, NS_CREATE, NS_WATCH, NS_WATCH1K, NS_10K]) await ensureNamespace(admin, ns);
  if (sel.has('get') || sel.has('list')) await seed(kapiSessions, NS, CONFIG.objects);

  // Capture the exact bytes kapi serves, in both encodings.
  const gets: CapturedBytes['gets'] = [];
  const captured = new Map<string, Record<Encoding, Captured>>();
  const captureBoth = async (key: string, p: string, wantItems?: number): Promise<void> => {
    const both = { json: await capture(admin, p, 'json'), protobuf: await capture(admin, p, 'protobuf') };
    // At least the seeded objects; the namespace may also hold kube-root-ca.crt.
    for (const enc of ENCODINGS) {
      const n = countItems(both[enc], enc);
      if (wantItems !== undefined && (n < wantItems || n > wantItems + 1)) {
        throw new Error(`${enc} list ${p} returned ${n} items, want ${wantItems}`);
      }
    }
    captured.set(key, both);
    gets.push({ path: p.split('?')[0], ...both });
    report.sizes.push(`${key} JSON ${both.json.body.length} B / protobuf ${both.protobuf.body.length} B`);
  };
  if (sel.has('get') || sel.has('list')) {
    await captureBoth('get', PATHS.get);
    await captureBoth(`list ${CONFIG.objects}`, PATHS.list, CONFIG.objects);
  }
  if (sel.has('list10k')) {
    await seed(kapiSessions, NS_10K, CONFIG.list10kObjects);
    await captureBoth(`list ${CONFIG.list10kObjects}`, `${PATHS.list10k}?resourceVersion=0`, CONFIG.list10kObjects);
  }
  const watchEvent = await captureWatchEvent(replica, tls, admin, PATHS.watch, 'cm-w-capture');
  const bareEventName = decodeEvent('json', watchEvent.json)?.name ?? '';
  if (decodeEvent('protobuf', watchEvent.protobuf.subarray(4))?.name !== bareEventName) {
    throw new Error('the protobuf watch event does not carry the created object');
  }
  report.sizes.push(`watch event JSON ${watchEvent.json.length} B / protobuf ${watchEvent.protobuf.length} B`);
  log(`captured ${report.sizes.join(', ')}`);

  const bare = await startBare(
    replica.serving,
    { create: PATHS.create, watch: [PATHS.watch, PATHS.watch1k] },
    { gets, watchEvent },
  );
  setBare(bare);
  log(`bare fastify at ${bare.url}`);
  const bareSessions = await openSessions(bare.url, tls, CONFIG.sessions);
  toClose.push(...bareSessions);
  const targets: Target[] = [
    { name: 'bare', url: bare.url, sessions: bareSessions, tls },
    { name: 'kapi', url: replica.url, sessions: kapiSessions, tls },
  ];
  // Same bytes both ways, or the comparison means nothing.
  for (const g of gets) {
    for (const enc of ENCODINGS) {
      const res = await request(bareSessions[0], { method: 'GET', path: g.path, headers: { accept: ACCEPT[enc] } });
      const want = g[enc]?.body;
      if (!want || !res.body.equals(want)) throw new Error(`bare server does not serve the captured ${enc} ${g.path}`);
    }
  }

  const sa = sel.has('get') || sel.has('list') ? await serviceAccountTarget(replica.url, admin, tls, NS) : undefined;
  if (sa) toClose.push(...sa.sessions);
  const h1Target = (c: Http1Client): Target => ({ name: 'kapi', url: replica.url, sessions: [], senders: [c.sender] });
  /**
   * The ServiceAccount token against the admin certificate (authentication and RBAC cost), in
   * paired ABBA slices, with each client transport: Node's http2 client, the client-go-like indexing
   * client, and HTTP/1.1 keep-alive as client-node and the Python client use.
   */
  const saRows = async (name: string, p: string, concurrency: number, byThroughput: boolean): Promise<void> => {
    if (!sa?.headers) return;
    const token = sa.headers;
    // connections of their own for each scenario: a server closes those left idle for 72 s
    const ix = await indexingTargets(replica.url, tls, token);
    const h1 = {
      admin: http1Client(replica.url, tls, concurrency),
      sa: http1Client(replica.url, { ca: tls.ca }, concurrency),
    };
    // The token's bytes in a header kapi ignores, kept out of the HPACK table as nghttp2 keeps
    // Authorization: an admin arm that costs the transport what the token does, and nothing else.
    const padding = { 'x-kapi-bench-padding': token.authorization, [http2.sensitiveHeaders]: ['x-kapi-bench-padding'] };
    const compareTransport = async (c: {
      label: string;
      admin: Target;
      sa: Target;
      control: boolean;
    }): Promise<void> => {
      for (const enc of ENCODINGS) {
        const arms: Arm[] = [
          { key: 'admin', target: c.admin, next: getReq(p, enc) },
          { key: 'sa', target: c.sa, next: getReq(p, enc, token) },
        ];
        if (c.control) arms.push({ key: 'padded', target: c.admin, next: getReq(p, enc, padding) });
        const { results, serverCpuMs } = await paired(arms, concurrency, 200, replica.pid);
        const [k, s, padded] = results;
        const rate = (x: RunResult, y: RunResult): number =>
          byThroughput ? throughput(x) / throughput(y) : x.latency.mean() / y.latency.mean();
        const ratio = rate(s, k);
        const ok = (r: number): boolean => (byThroughput ? r >= 0.9 : r <= 1.1);
        const what = byThroughput ? 'throughput' : 'mean time';
        const perRequest = serverCpuMs.map((ms, i) => (ms * 1000) / Math.max(1, results[i].requests));
        report.lines.push(
          `${name} ${enc}, ${c.label}: server CPU per request ${arms.map((a, i) => `${a.key} ${fmt(perRequest[i], 1)} µs`).join(', ')}`,
        );
        const row = (label: string, base: RunResult, ratioText: string, gate: boolean, result: string): string[] => [
          label,
          enc,
          fmt(throughput(base)),
          fmt(throughput(s)),
          lat(base.latency),
          lat(s.latency),
          `${base.errors}/${s.errors}`,
          ratioText,
          gate ? (byThroughput ? '>= 0.9' : '<= 1.1') : '(none)',
          result,
        ];
        const label = `${name} as ServiceAccount, ${c.label}`;
        if (!padded) {
          report.rows.push(row(label, k, `${fmt(ratio, 2)} (${what} sa/admin)`, true, pass(ok(ratio))));
          continue;
        }
        // With this client the token costs the transport more than authentication and RBAC do:
        // the gate is against the admin arm carrying the same bytes, the plain ratio is shown.
        report.rows.push(row(`${label}, vs admin`, k, `${fmt(ratio, 2)} (${what} sa/admin)`, false, 'info'));
        const fair = rate(s, padded);
        report.rows.push(
          row(`${label}, vs admin + same bytes`, padded, `${fmt(fair, 2)} (${what} sa/padded)`, true, pass(ok(fair))),
        );
      }
    };
    const clients = [
      { label: 'HPACK-indexing client', admin: ix.admin, sa: ix.sa, control: false },
      { label: "Node's http2 client", admin: targets[1], sa, control: byThroughput },
      { label: 'HTTP/1.1 keep-alive', admin: h1Target(h1.admin), sa: h1Target(h1.sa), control: byThroughput },
    ];
    try {
      for (const c of clients) await compareTransport(c);
    } finally {
      for (const s of ix.sessions) s.close();
      h1.admin.close();
      h1.sa.close();
    }
  };
  if (sel.has('get')) {
    log(`get: ${CONFIG.getConcurrency} in flight, JSON and protobuf, admin certificate and ServiceAccount token`);
    const r = await interleaved(getArms(targets, PATHS.get), CONFIG.getConcurrency, 200);
    log('get: ServiceAccount token against admin certificate, paired slices');
    await saRows(`get (c=${CONFIG.getConcurrency})`, PATHS.get, CONFIG.getConcurrency, true);
    for (const enc of ENCODINGS) {
      const b = must(r, `bare/${enc}`);
      const k = must(r, `kapi/${enc}`);
      const ratio = throughput(k) / throughput(b);
      report.rows.push(
        pairRow(
          `get (c=${CONFIG.getConcurrency})`,
          enc,
          b,
          k,
          `${fmt(ratio, 2)} (throughput k/b)`,
          '>= 0.5',
          pass(ratio >= 0.5),
        ),
      );
    }
  }
  if (sel.has('list')) {
    log(`list of ${CONFIG.objects}: ${CONFIG.listConcurrency} in flight, JSON and protobuf`);
    const r = await interleaved(getArms(targets, PATHS.list), CONFIG.listConcurrency, 200);
    log(`list of ${CONFIG.objects}: ServiceAccount token against admin certificate, paired slices`);
    await saRows(`list ${CONFIG.objects} (c=${CONFIG.listConcurrency})`, PATHS.list, CONFIG.listConcurrency, false);
    for (const enc of ENCODINGS) {
      const b = must(r, `bare/${enc}`);
      const k = must(r, `kapi/${enc}`);
      const ratio = k.latency.mean() / b.latency.mean();
      report.rows.push(
        pairRow(
          `list ${CONFIG.objects} (c=${CONFIG.listConcurrency})`,
          enc,
          b,
          k,
          `${fmt(ratio, 2)} (mean time k/b)`,
          '<= 3',
          pass(ratio <= 3),
        ),
      );
    }
    const pb = must(r, 'kapi/protobuf').latency.mean();
    const js = must(r, 'kapi/json').latency.mean();
    report.rows.push([
      `list ${CONFIG.objects}: protobuf vs JSON`,
      'pb/json',
      '-',
      '-',
      '-',
      `${fmt(pb, 2)} vs ${fmt(js, 2)} mean`,
      '-',
      `${fmt(pb / js, 2)} (mean time)`,
      '<= 1',
      pass(pb <= js),
    ]);
    report.lines.push(
      `protobuf list of ${CONFIG.objects}: kapi mean ${fmt(pb, 2)} ms against JSON ${fmt(js, 2)} ms in the same run ` +
        `(ratio ${fmt(pb / js, 2)}) — protobuf list <= JSON list: ${pass(pb <= js)}`,
    );
  }
  if (sel.has('create')) {
    log(`create: ${CONFIG.createConcurrency} in flight (JSON)`);
    let created = 0;
    const arms: Arm[] = targets.map((t) => ({
      key: t.name,
      target: t,
      next: (): Request => ({
        method: 'POST',
        path: PATHS.create,
        headers: JSON_HEADERS,
        body: configMap(`cm-c-${t.name}-${created++}`),
      }),
    }));
    const r = await interleaved(arms, CONFIG.createConcurrency, 201);
    const b = must(r, 'bare');
    const k = must(r, 'kapi');
    report.rows.push(
      pairRow(
        `create (c=${CONFIG.createConcurrency})`,
        'json',
        b,
        k,
        `${fmt(throughput(k) / throughput(b), 3)} (throughput k/b)`,
        '(none)',
        'info',
      ),
    );
  }
  const rvFor = (p: string) => async (t: Target) => (t.name === 'kapi' ? listRv(admin, p) : '0');
  if (sel.has('watch')) {
    for (const enc of ENCODINGS) {
      log(`watch fan-out (${enc}): ${CONFIG.watchers} watchers, one connection each, ${CONFIG.watchEvents} events`);
      const w = await watchFanOut(targets, tls, {
        path: PATHS.watch,
        encoding: enc,
        watchers: CONFIG.watchers,
        sessions: CONFIG.watchers,
        events: CONFIG.watchEvents,
        rvFor: rvFor(PATHS.watch),
        bareEventName,
      });
      report.rows.push(watchRow(`watch ${CONFIG.watchers} conns x ${CONFIG.watchEvents} events`, enc, w, 50));
      report.lines.push(
        `watch ${CONFIG.watchers} (${enc}) delivery from the create's response instead of its request: bare ` +
          `${lat(w.bare.fromResponse)} ms, kapi ${lat(w.kapi.fromResponse)} ms (create p50/p99: bare ` +
          `${lat(w.bare.createLatency)} ms, kapi ${lat(w.kapi.createLatency)} ms).`,
      );
    }
  }
  if (sel.has('list10k')) {
    const n = CONFIG.list10kObjects;
    log(`list of ${n} with resourceVersion=0: 1 in flight, JSON and protobuf`);
    const arms = getArms(targets, `${PATHS.list10k}?resourceVersion=0`);
    const r = await interleaved(arms, 1, 200, CONFIG.list10kRoundMs);
    for (const enc of ENCODINGS) {
      const b = must(r, `bare/${enc}`);
      const k = must(r, `kapi/${enc}`);
      const ratio = k.latency.mean() / b.latency.mean();
      report.rows.push(
        pairRow(`list ${n} rv=0 (c=1)`, enc, b, k, `${fmt(ratio, 2)} (mean time k/b)`, '(none)', 'info'),
      );
    }
    const pb = must(r, 'kapi/protobuf').latency.mean();
    const js = must(r, 'kapi/json').latency.mean();
    // The same list without resourceVersion (a consistent read): if rv=0 is served from the watch
    // cache it should be clearly cheaper than this.
    const consistent: Record<Encoding, Samples> = { json: new Samples(), protobuf: new Samples() };
    for (let i = 0; i < 5; i++) {
      for (const enc of ENCODINGS) {
        const t0 = performance.now();
        const res = await request(
          admin,
          { method: 'GET', path: PATHS.list10k, headers: { accept: ACCEPT[enc] } },
          false,
        );
        if (res.status === 200) consistent[enc].add(performance.now() - t0);
      }
    }
    report.lines.push(
      `list of ${n} with resourceVersion=0: kapi mean ${fmt(js, 1)} ms JSON, ${fmt(pb, 1)} ms protobuf ` +
        `(protobuf/JSON ${fmt(pb / js, 2)}); without resourceVersion (consistent read, 5 each): mean ` +
        `${fmt(consistent.json.mean(), 1)} ms JSON, ${fmt(consistent.protobuf.mean(), 1)} ms protobuf.`,
    );
  }
  if (sel.has('watch1k')) {
    for (const enc of ENCODINGS) {
      log(
        `watch fan-out (${enc}): ${CONFIG.watch1kWatchers} watchers over ${CONFIG.watch1kSessions} connections, ` +
          `${CONFIG.watch1kEvents} events`,
      );
      const w = await watchFanOut(targets, tls, {
        path: PATHS.watch1k,
        encoding: enc,
        watchers: CONFIG.watch1kWatchers,
        sessions: CONFIG.watch1kSessions,
        events: CONFIG.watch1kEvents,
        rvFor: rvFor(PATHS.watch1k),
        bareEventName,
      });
      report.rows.push(
        watchRow(
          `watch ${CONFIG.watch1kWatchers} over ${CONFIG.watch1kSessions} conns x ${CONFIG.watch1kEvents} events`,
          enc,
          w,
        ),
      );
    }
  }
  if (sel.has('cr')) {
    const kapi = targets[1];
    await crScenario({
      kapi,
      tls,
      rounds: CONFIG.rounds,
      getConcurrency: CONFIG.getConcurrency,
      objects: CONFIG.objects,
      watchers: CONFIG.watchers,
      watchEvents: CONFIG.watchEvents,
      request: (req, ok) => mustRequest(admin, req, ok),
      createAll: (count, next) =>
        runCount(kapiSessions, count, CONFIG.seedConcurrency, next, [201]).then(() => undefined),
      interleaved: (arms, concurrency) => interleaved(arms, concurrency, 200),
      fanOut: (arms, perTarget) =>
        watchFanOut(arms, tls, {
          path: '',
          perTarget,
          encoding: 'json',
          watchers: CONFIG.watchers,
          sessions: CONFIG.watchers,
          events: CONFIG.watchEvents,
          rvFor: (t) => listRv(admin, perTarget[t.name].path),
          bareEventName: '',
        }),
      rows: report.rows,
      lines: report.lines,
    });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
