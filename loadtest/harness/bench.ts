/**
 * `make bench`: kapi (one replica, embedded store) against a bare fastify HTTPS handler serving the
 * same bytes, measured in the same run. HTTP/2 over mutual TLS, as kubectl and client-go talk to the
 * API server. Prints a table with PASS/FAIL per target and always exits 0 (it is a benchmark) unless
 * the harness itself cannot run.
 */
import type { ClientHttp2Session } from 'node:http2';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startBare, type BareServer, type BarePaths, type CapturedBytes } from './bare';
import { connect, openLineStream, request, runLoad, type ClientTls, type Request, type Stream } from './h2';
import { startReplica, type Replica } from './replica';
import { emptyResult, fmt, merge, Samples, table, throughput, type RunResult } from './stats';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

const CONFIG = {
  objects: num('BENCH_OBJECTS', 1000),
  roundMs: num('BENCH_ROUND_MS', 3000),
  warmupMs: num('BENCH_WARMUP_MS', 1000),
  /** Rounds per target; rounds alternate bare, kapi, bare, kapi, ... */
  rounds: num('BENCH_ROUNDS', 2),
  sessions: num('BENCH_SESSIONS', 4),
  getConcurrency: num('BENCH_GET_CONCURRENCY', 32),
  listConcurrency: num('BENCH_LIST_CONCURRENCY', 1),
  createConcurrency: num('BENCH_CREATE_CONCURRENCY', 16),
  watchers: num('BENCH_WATCHERS', 100),
  watchEvents: num('BENCH_WATCH_EVENTS', 20),
  watchTimeoutMs: 5000,
  /** Hard stop for the whole run. */
  deadlineMs: num('BENCH_DEADLINE_MS', 240_000),
};

const NS = 'bench';
const NS_CREATE = 'bench-create';
const NS_WATCH = 'bench-watch';
const PATHS: BarePaths = {
  get: `/api/v1/namespaces/${NS}/configmaps/cm-00000`,
  list: `/api/v1/namespaces/${NS}/configmaps`,
  create: `/api/v1/namespaces/${NS_CREATE}/configmaps`,
  watch: `/api/v1/namespaces/${NS_WATCH}/configmaps`,
};
const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };

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

interface Target {
  name: 'bare' | 'kapi';
  url: string;
  sessions: ClientHttp2Session[];
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

/** Runs `count` requests with `concurrency` in flight; used to seed. */
async function runCount(
  sessions: ClientHttp2Session[],
  count: number,
  concurrency: number,
  next: (i: number) => Request,
  ok: number[],
): Promise<void> {
  let i = 0;
  const worker = async (w: number): Promise<void> => {
    while (i < count) {
      const req = next(i++);
      await mustRequest(sessions[w % sessions.length], req, ok);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
}

interface Pair {
  bare: RunResult;
  kapi: RunResult;
}

/** Warm both up, then alternate bare, kapi, bare, kapi, ... for CONFIG.rounds rounds each. */
async function interleaved(
  targets: Target[],
  concurrency: number,
  next: (t: Target) => (i: number) => Request,
  expectStatus: number,
): Promise<Pair> {
  const out: Pair = { bare: emptyResult(), kapi: emptyResult() };
  for (const t of targets) {
    await runLoad({ sessions: t.sessions, concurrency, durationMs: CONFIG.warmupMs, next: next(t), expectStatus });
  }
  for (let r = 0; r < CONFIG.rounds; r++) {
    for (const t of targets) {
      const res = await runLoad({
        sessions: t.sessions,
        concurrency,
        durationMs: CONFIG.roundMs,
        next: next(t),
        expectStatus,
      });
      merge(out[t.name], res);
    }
  }
  return out;
}

interface WatchResult {
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

function eventName(line: Buffer): { type: string; name: string } | undefined {
  try {
    const ev = JSON.parse(line.toString()) as { type?: string; object?: { metadata?: { name?: string } } };
    return { type: ev.type ?? '', name: ev.object?.metadata?.name ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * Watch fan-out: CONFIG.watchers watchers (one HTTP/2 connection each, like as many separate clients)
 * on each target; one create per round; every watcher must see the ADDED event. Rounds alternate
 * between the targets.
 */
async function watchFanOut(
  targets: Target[],
  tls: ClientTls,
  rvFor: (t: Target) => string,
  bareEventName: string,
): Promise<Record<Target['name'], WatchResult>> {
  let expected = '';
  let pendingAt: number[] = [];
  let pendingCount = 0;
  let onAllDelivered: (() => void) | undefined;
  let current: Target['name'] = 'bare';

  const sets: WatchSet[] = [];
  for (const t of targets) {
    const sessions = await openSessions(t.url, tls, CONFIG.watchers);
    const path = `${PATHS.watch}?watch=true&resourceVersion=${rvFor(t)}`;
    const streams = sessions.map((s, idx) =>
      openLineStream(s, path, (line, at) => {
        if (current !== t.name || pendingAt[idx] >= 0) return;
        const ev = eventName(line);
        if (!ev || ev.type !== 'ADDED' || ev.name !== expected) return;
        pendingAt[idx] = at;
        if (--pendingCount === 0) onAllDelivered?.();
      }),
    );
    const statuses = await Promise.all(streams.map((s) => s.ready));
    const bad = statuses.filter((s) => s !== 200);
    if (bad.length > 0) throw new Error(`${t.name}: ${bad.length} watch requests failed (${bad[0]})`);
    sets.push({
      target: t,
      sessions,
      streams,
      result: { fromSend: new Samples(), fromResponse: new Samples(), createLatency: new Samples(), missed: 0 },
    });
  }

  const round = async (set: WatchSet, i: number, record: boolean): Promise<void> => {
    const t = set.target;
    current = t.name;
    const name = `cm-w-${t.name}-${i}`;
    expected = t.name === 'kapi' ? name : bareEventName;
    pendingAt = new Array<number>(CONFIG.watchers).fill(-1);
    pendingCount = CONFIG.watchers;
    const delivered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), CONFIG.watchTimeoutMs);
      onAllDelivered = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    const t0 = performance.now();
    await mustRequest(t.sessions[0], { method: 'POST', path: PATHS.watch, body: configMap(name) }, [201]);
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

  try {
    for (const set of sets) for (let w = 0; w < 3; w++) await round(set, -1 - w, false);
    for (let i = 0; i < CONFIG.watchEvents; i++) {
      for (const set of sets) {
        await round(set, i, true);
        await new Promise((r) => setTimeout(r, 10));
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

const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const lat = (s: Samples): string => `${fmt(s.percentile(50), 2)} / ${fmt(s.percentile(99), 2)}`;

function report(get: Pair, list: Pair, create: Pair, watch: Record<Target['name'], WatchResult>): void {
  const getRatio = throughput(get.kapi) / throughput(get.bare);
  const listRatio = list.kapi.latency.mean() / list.bare.latency.mean();
  const createRatio = throughput(create.kapi) / throughput(create.bare);
  const watchP99 = watch.kapi.fromSend.percentile(99);
  const row = (name: string, p: Pair, ratio: string, target: string, result: string): string[] => [
    name,
    fmt(throughput(p.bare)),
    fmt(throughput(p.kapi)),
    lat(p.bare.latency),
    lat(p.kapi.latency),
    `${p.bare.errors}/${p.kapi.errors}`,
    ratio,
    target,
    result,
  ];
  const rows = [
    row(
      `get (c=${CONFIG.getConcurrency})`,
      get,
      `${fmt(getRatio, 2)} (throughput kapi/bare)`,
      '>= 0.5',
      pass(getRatio >= 0.5),
    ),
    row(
      `list ${CONFIG.objects} (c=${CONFIG.listConcurrency})`,
      list,
      `${fmt(listRatio, 2)} (mean time kapi/bare)`,
      '<= 3',
      pass(listRatio <= 3),
    ),
    row(
      `create (c=${CONFIG.createConcurrency})`,
      create,
      `${fmt(createRatio, 3)} (throughput kapi/bare)`,
      '(none)',
      'info',
    ),
    [
      `watch fan-out (${CONFIG.watchers} watchers x ${CONFIG.watchEvents} events)`,
      '-',
      '-',
      lat(watch.bare.fromSend),
      lat(watch.kapi.fromSend),
      `${watch.bare.missed}/${watch.kapi.missed} missed`,
      `p99 ${fmt(watchP99, 2)} ms`,
      'p99 < 50 ms',
      pass(watchP99 < 50 && watch.kapi.missed === 0),
    ],
  ];
  const header = [
    'scenario',
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
  console.log(table(header, rows));
  console.log('');
  console.log(
    `watch delivery is measured from sending the create to each watcher's receipt of the ADDED event; ` +
      `from the create's response instead: bare ${lat(watch.bare.fromResponse)} ms, kapi ${lat(watch.kapi.fromResponse)} ms ` +
      `(create latency p50/p99: bare ${lat(watch.bare.createLatency)} ms, kapi ${lat(watch.kapi.createLatency)} ms).`,
  );
  console.log(
    `bytes per response: get ${fmt(get.kapi.bytes / Math.max(1, get.kapi.requests), 0)}, ` +
      `list ${fmt(list.kapi.bytes / Math.max(1, list.kapi.requests), 0)}.`,
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpus = os.cpus();
  console.log(
    `kapi bench ${new Date(started).toISOString()} — ${cpus.length} x ${cpus[0]?.model ?? '?'}, node ${process.version}, ` +
      `HTTP/2 over mutual TLS, ${CONFIG.sessions} connections per load target, ` +
      `${CONFIG.rounds} x ${CONFIG.roundMs} ms rounds per target (interleaved bare/kapi) after ${CONFIG.warmupMs} ms warm-up`,
  );

  let replica: Replica | undefined;
  let bare: BareServer | undefined;
  const toClose: ClientHttp2Session[] = [];
  const cleanup = async (): Promise<void> => {
    for (const s of toClose) if (!s.closed) s.destroy();
    await bare?.close().catch(() => undefined);
    bare = undefined;
    await replica?.stop().catch(() => undefined);
    replica = undefined;
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    log(`deadline of ${CONFIG.deadlineMs} ms reached: stopping`);
    void cleanup().finally(() => process.exit(1));
  }, CONFIG.deadlineMs);
  watchdog.unref();

  try {
    log('starting kapi (embedded store)');
    replica = await startReplica();
    log(`kapi pid ${replica.pid} at ${replica.url}`);
    const tls = replica.client;
    const kapiSessions = await openSessions(replica.url, tls, CONFIG.sessions);
    toClose.push(...kapiSessions);
    const admin = kapiSessions[0];

    for (const ns of [NS, NS_CREATE, NS_WATCH]) {
      const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      await mustRequest(admin, { method: 'POST', path: '/api/v1/namespaces', body }, [201, 409]);
    }
    const seedStart = performance.now();
    await runCount(
      kapiSessions,
      CONFIG.objects,
      16,
      (i) => ({
        method: 'POST',
        path: `/api/v1/namespaces/${NS}/configmaps`,
        body: configMap(`cm-${String(i).padStart(5, '0')}`),
      }),
      [201],
    );
    log(`seeded ${CONFIG.objects} configmaps in ${fmt(performance.now() - seedStart, 0)} ms`);

    // Capture the exact bytes kapi serves.
    const getRes = await request(admin, { method: 'GET', path: PATHS.get, headers: { accept: 'application/json' } });
    const listRes = await request(admin, { method: 'GET', path: PATHS.list, headers: { accept: 'application/json' } });
    if (getRes.status !== 200 || listRes.status !== 200) {
      throw new Error(`capture failed: get ${getRes.status}, list ${listRes.status}`);
    }
    const items = (JSON.parse(listRes.body.toString()) as { items?: unknown[] }).items?.length ?? 0;
    if (items !== CONFIG.objects) throw new Error(`list returned ${items} items, want ${CONFIG.objects}`);
    const watchList = JSON.parse(
      (await mustRequest(admin, { method: 'GET', path: PATHS.watch }, [200])).toString(),
    ) as {
      metadata?: { resourceVersion?: string };
    };
    const watchRv = watchList.metadata?.resourceVersion ?? '0';

    // One kapi watch event, to replay from the bare server.
    const captureSession = await connect(replica.url, tls);
    toClose.push(captureSession);
    const captureName = 'cm-w-capture';
    const watchEvent = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no watch event from kapi within 5 s')), 5000);
      const stream = openLineStream(captureSession, `${PATHS.watch}?watch=true&resourceVersion=${watchRv}`, (line) => {
        const ev = eventName(line);
        if (ev?.type === 'ADDED' && ev.name === captureName) {
          clearTimeout(timer);
          stream.close();
          resolve(Buffer.concat([line, Buffer.from('\n')]));
        }
      });
      const trigger = async (): Promise<void> => {
        const status = await stream.ready;
        if (status !== 200) throw new Error(`watch: ${status}`);
        await mustRequest(admin, { method: 'POST', path: PATHS.watch, body: configMap(captureName) }, [201]);
      };
      trigger().catch(reject);
    });
    captureSession.close();
    const captured: CapturedBytes = {
      getBody: getRes.body,
      getContentType: String(getRes.headers['content-type'] ?? 'application/json'),
      listBody: listRes.body,
      listContentType: String(listRes.headers['content-type'] ?? 'application/json'),
      watchEvent,
    };
    log(
      `captured get ${captured.getBody.length} B, list ${captured.listBody.length} B, watch event ${watchEvent.length} B`,
    );

    bare = await startBare(replica.serving, PATHS, captured);
    log(`bare fastify at ${bare.url}`);
    const bareSessions = await openSessions(bare.url, tls, CONFIG.sessions);
    toClose.push(...bareSessions);
    const targets: Target[] = [
      { name: 'bare', url: bare.url, sessions: bareSessions },
      { name: 'kapi', url: replica.url, sessions: kapiSessions },
    ];
    // Same bytes both ways, or the comparison means nothing.
    const bareGet = await request(bareSessions[0], { method: 'GET', path: PATHS.get });
    const bareList = await request(bareSessions[0], { method: 'GET', path: PATHS.list });
    if (!bareGet.body.equals(captured.getBody) || !bareList.body.equals(captured.listBody)) {
      throw new Error('bare server does not serve the captured bytes');
    }

    const get = () => (): Request => ({ method: 'GET', path: PATHS.get, headers: { accept: 'application/json' } });
    const list = () => (): Request => ({ method: 'GET', path: PATHS.list, headers: { accept: 'application/json' } });
    let created = 0;
    const create = (t: Target) => (): Request => ({
      method: 'POST',
      path: PATHS.create,
      headers: JSON_HEADERS,
      body: configMap(`cm-c-${t.name}-${created++}`),
    });

    log(`get: ${CONFIG.getConcurrency} in flight`);
    const getRes2 = await interleaved(targets, CONFIG.getConcurrency, get, 200);
    log(`list of ${CONFIG.objects}: ${CONFIG.listConcurrency} in flight`);
    const listRes2 = await interleaved(targets, CONFIG.listConcurrency, list, 200);
    log(`create: ${CONFIG.createConcurrency} in flight`);
    const createRes = await interleaved(targets, CONFIG.createConcurrency, create, 201);
    log(`watch fan-out: ${CONFIG.watchers} watchers per target, ${CONFIG.watchEvents} events each`);
    const captureEvent = eventName(watchEvent);
    const watch = await watchFanOut(targets, tls, (t) => (t.name === 'kapi' ? watchRv : '0'), captureEvent?.name ?? '');

    report(getRes2, listRes2, createRes, watch);
    console.log(`\ntotal ${fmt((Date.now() - started) / 1000, 1)} s`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
