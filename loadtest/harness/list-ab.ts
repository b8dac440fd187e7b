/**
 * The server's own cost of a list, without the bench's other arms in the process:
 * `node dist/loadtest/harness/list-ab.js [REPO_ROOT ...]` starts one replica per
 * built checkout given (default: this one), seeds 1,000 configmaps (LISTAB_OBJECTS,
 * half of them labelled g=1), and times 3 x 300 sequential lists per encoding
 * (LISTAB_LISTS), with the replica's CPU per list from /proc; LISTAB_QUERY is added to
 * the list's path (e.g. `?resourceVersion=0&labelSelector=g%3D1`). Give two checkouts
 * (e.g. a worktree of an older commit, built) to compare them.
 */

const OBJECTS = Number(process.env.LISTAB_OBJECTS ?? 1000);
const LISTS = Number(process.env.LISTAB_LISTS ?? 300);
const QUERY = process.env.LISTAB_QUERY ?? '';
import path from 'node:path';
import type * as H2 from './h2';
import type * as ReplicaModule from './replica';
import { processCpuMs } from './stats';

async function measure(root: string): Promise<string> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startReplica } = require(path.join(root, 'dist/loadtest/harness/replica.js')) as typeof ReplicaModule;
  const h2 = require(path.join(root, 'dist/loadtest/harness/h2.js')) as typeof H2;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const r = await startReplica();
  try {
    const s = await h2.connect(r.url, r.client);
    const post = (p: string, body: unknown): Promise<H2.Response> =>
      h2.request(s, {
        method: 'POST',
        path: p,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      });
    await post('/api/v1/namespaces', { metadata: { name: 'b' } });
    const pad = 'x'.repeat(400);
    for (let i = 0; i < OBJECTS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, OBJECTS - i) }, (_, j) =>
          post('/api/v1/namespaces/b/configmaps', {
            metadata: { name: `cm-${i + j}`, labels: { g: String((i + j) % 2) } },
            data: { a: pad },
          }),
        ),
      );
    }
    const out: Record<string, string[]> = {};
    for (let round = 0; round < 3; round++) {
      for (const enc of ['json', 'protobuf'] as const) {
        const n = LISTS;
        const c0 = processCpuMs(r.pid);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const res = await h2.request(
            s,
            { method: 'GET', path: `/api/v1/namespaces/b/configmaps${QUERY}`, headers: { accept: h2.ACCEPT[enc] } },
            false,
          );
          if (res.status !== 200) throw new Error(`list answered ${res.status}`);
        }
        const ms = (performance.now() - t0) / n;
        const cpu = (processCpuMs(r.pid) - c0) / n;
        (out[enc] ??= []).push(`${ms.toFixed(2)} ms (CPU ${cpu.toFixed(2)} ms)`);
      }
    }
    s.close();
    return `${root}: JSON ${out.json.join(', ')}; protobuf ${out.protobuf.join(', ')}`;
  } finally {
    await r.stop();
  }
}

async function main(): Promise<void> {
  const roots = process.argv.length > 2 ? process.argv.slice(2) : [path.resolve(__dirname, '../../..')];
  for (const root of roots) console.log(await measure(root));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
