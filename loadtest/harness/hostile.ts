/**
 * The hostile-body figures of issue 9, against a real replica on the embedded store:
 *   - how long a create of a 200,000-key ConfigMap takes to be refused (413, the storage limit),
 *     one request at a time after a warm-up (target: 300 ms);
 *   - /healthz latency, polled on a connection of its own, while four such creates run at once
 *     (target: p99 under 100 ms).
 * Run: `node dist/loadtest/harness/hostile.js` after the build; HOSTILE_ROUNDS sets the rounds.
 * It is a measurement, never a test: the functional check (413 and intact data) is in
 * services/apiserver/test/hostile-bodies.test.ts.
 */
import type { ClientHttp2Session } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { connect, request } from './h2';
import { startReplica } from './replica';
import { Samples, fmt } from './stats';

const KEYS = 200_000;
const ROUNDS = Number(process.env.HOSTILE_ROUNDS ?? 5);
const NS = '/api/v1/namespaces/default/configmaps';

function body(name: string): Buffer {
  const data: Record<string, string> = {};
  for (let i = 0; i < KEYS; i++) data[`k${i.toString(36)}`] = '';
  return Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }));
}

async function create(session: ClientHttp2Session, payload: Buffer): Promise<number> {
  const start = performance.now();
  const res = await request(session, {
    method: 'POST',
    path: NS,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: payload,
  });
  const ms = performance.now() - start;
  if (res.status !== 413) throw new Error(`expected 413, got ${res.status}: ${res.body.toString().slice(0, 300)}`);
  return ms;
}

async function main(): Promise<void> {
  const replica = await startReplica();
  const sessions: ClientHttp2Session[] = [];
  try {
    for (let i = 0; i < 5; i++) sessions.push(await connect(replica.url, replica.client));
    const health = await connect(replica.url, replica.client);
    sessions.push(health);
    const payload = body('huge');
    console.log(`body: ${payload.length} bytes, ${KEYS} keys`);
    for (let i = 0; i < 3; i++) await create(sessions[0], payload); // warm-up: JIT, caches

    const single = new Samples();
    for (let i = 0; i < ROUNDS * 2; i++) single.add(await create(sessions[0], payload));

    const healthz = new Samples();
    const parallel = new Samples();
    for (let round = 0; round < ROUNDS; round++) {
      let done = false;
      const poll = (async () => {
        while (!done) {
          const start = performance.now();
          const res = await request(health, { method: 'GET', path: '/healthz' });
          healthz.add(performance.now() - start);
          if (res.status !== 200) throw new Error(`/healthz: ${res.status}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const start = performance.now();
      await Promise.all([1, 2, 3, 4].map((i) => create(sessions[i], payload)));
      parallel.add(performance.now() - start);
      done = true;
      await poll;
    }
    console.log(
      `single 200,000-key create refused: n=${single.count} p50 ${fmt(single.percentile(50))} ms, ` +
        `mean ${fmt(single.mean())} ms, max ${fmt(single.percentile(100))} ms (target 300 ms)`,
    );
    console.log(`4 in parallel, all refused: mean ${fmt(parallel.mean())} ms per round of four`);
    console.log(
      `/healthz during 4 in parallel: n=${healthz.count} p50 ${fmt(healthz.percentile(50))} ms, ` +
        `p99 ${fmt(healthz.percentile(99))} ms, max ${fmt(healthz.percentile(100))} ms (target p99 < 100 ms)`,
    );
  } finally {
    for (const s of sessions) s.close();
    await replica.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
