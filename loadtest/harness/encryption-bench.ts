/**
 * Secret creates per second through the default admission chain and with Secrets
 * encrypted at rest, against the same replica setup with neither: admission off
 * (every default plugin disabled) and no encryption is the baseline; then the
 * default chain alone, the chain with aesgcm, and the chain with KMS v2 through
 * the real plugin (gRPC on a unix socket). Every arm is its own replica on a
 * fresh embedded store, all started up front; rounds alternate between the arms
 * so that machine noise falls on all of them alike. Reports each arm's rate and
 * its ratio to the baseline (target >= 0.7).
 *
 *   node dist/loadtest/harness/encryption-bench.js   (part of `make bench`)
 *   ENC_BENCH_CREATES=500 ENC_BENCH_ROUNDS=3 ENC_BENCH_CONCURRENCY=16 (the defaults)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ON_PLUGINS } from '../../services/apiserver/src/admission/chain';
import { startKmsPlugin } from '../../services/kms-plugin/src/kms-plugin';
import { ApiClient } from '../../services/apiserver/test/helpers/client';
import { startReplicaProcess, type ReplicaProcess } from '../../services/apiserver/test/helpers/replica';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const CREATES = num('ENC_BENCH_CREATES', 500);
const ROUNDS = num('ENC_BENCH_ROUNDS', 3);
const CONCURRENCY = num('ENC_BENCH_CONCURRENCY', 16);
const DATA = { token: randomBytes(192).toString('base64') };

interface Arm {
  name: string;
  client: ApiClient;
  replica: ReplicaProcess;
  ns: string;
  created: number;
  seconds: number;
}

async function create(arm: Arm, name: string): Promise<void> {
  const res = await arm.client.request('POST', `/api/v1/namespaces/${arm.ns}/secrets`, {
    metadata: { name },
    data: DATA,
  });
  if (res.status !== 201) throw new Error(`${arm.name} create ${name}: ${res.status} ${res.body.toString()}`);
}

/** One round of CREATES creates, CONCURRENCY in flight; its time is added to the arm's. */
async function round(arm: Arm): Promise<void> {
  let next = 0;
  const base = arm.created;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= CREATES) return;
        await create(arm, `s-${base + i}`);
      }
    }),
  );
  arm.seconds += Number(process.hrtime.bigint() - start) / 1e9;
  arm.created += CREATES;
}

async function startArm(dir: string, name: string, args: string[], config?: string): Promise<Arm> {
  const all = [...args];
  if (config) {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, config);
    all.push(`--encryption-provider-config=${file}`);
  }
  const replica = await startReplicaProcess({ dataDir: path.join(dir, `data-${name}`), args: all, timeoutMs: 60_000 });
  const client = new ApiClient(replica.kubeconfig);
  const ns = 'bench';
  const r = await client.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body.toString()}`);
  const arm: Arm = { name, client, replica, ns, created: 0, seconds: 0 };
  // warm-up creates so JIT, connections and (for KMS) the seed are in place before timing
  for (let i = 0; i < 50; i++) await create(arm, `warm-${i}`);
  return arm;
}

const configFor = (provider: string): string => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - ${provider}
  - identity: {}
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-enc-bench-'));
  const plugin = await startKmsPlugin(path.join(dir, 'kms.sock'), path.join(dir, 'kek'));
  const arms: Arm[] = [];
  try {
    console.log(
      `admission and encryption bench: ${ROUNDS} rounds of ${CREATES} Secret creates per arm, ${CONCURRENCY} in flight, embedded store`,
    );
    arms.push(await startArm(dir, 'baseline', [`--disable-admission-plugins=${[...DEFAULT_ON_PLUGINS].join(',')}`]));
    arms.push(await startArm(dir, 'admission', []));
    arms.push(
      await startArm(
        dir,
        'admission+aesgcm',
        [],
        configFor(`aesgcm: {keys: [{name: k1, secret: ${randomBytes(32).toString('base64')}}]}`),
      ),
    );
    arms.push(
      await startArm(
        dir,
        'admission+kmsv2',
        [],
        configFor(`kms: {apiVersion: v2, name: bench, endpoint: "unix://${path.join(dir, 'kms.sock')}"}`),
      ),
    );
    for (let r = 0; r < ROUNDS; r++) {
      for (const arm of arms) await round(arm);
    }
    const rate = (a: Arm): number => a.created / a.seconds;
    const base = rate(arms[0]);
    for (const a of arms) {
      const ratio = rate(a) / base;
      const mark = a === arms[0] ? '' : ratio >= 0.7 ? '  PASS (>= 0.7x)' : '  FAIL (below 0.7x)';
      console.log(
        `${a.name.padEnd(18)} ${rate(a).toFixed(0).padStart(8)} creates/s   ratio ${ratio.toFixed(2)}x${mark}`,
      );
    }
  } finally {
    for (const a of arms) await a.replica.stop();
    await plugin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
