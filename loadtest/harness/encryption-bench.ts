/**
 * Secret creates per second with encryption at rest, against the same replica
 * setup without it: no encryption, aesgcm, and KMS v2 through the real plugin
 * (gRPC on a unix socket). Each arm is a fresh replica on a fresh embedded store.
 * Reports each arm's rate and its ratio to the unencrypted one (target >= 0.7).
 *
 *   node dist/loadtest/harness/encryption-bench.js
 *   ENC_BENCH_CREATES=2000 ENC_BENCH_CONCURRENCY=16 (defaults 1000 and 16)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKmsPlugin } from '../../services/kms-plugin/src/kms-plugin';
import { ApiClient } from '../../services/apiserver/test/helpers/client';
import { startReplicaProcess } from '../../services/apiserver/test/helpers/replica';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const CREATES = num('ENC_BENCH_CREATES', 1000);
const CONCURRENCY = num('ENC_BENCH_CONCURRENCY', 16);

async function createRate(client: ApiClient, arm: string): Promise<number> {
  const ns = `bench-${arm}`;
  const r = await client.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body.toString()}`);
  const data = { token: randomBytes(192).toString('base64') };
  // a few warm-up creates so JIT and connections are in place before timing
  for (let i = 0; i < 20; i++) {
    await client.request('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: `warm-${i}` }, data });
  }
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= CREATES) return;
        const res = await client.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
          metadata: { name: `s-${i}` },
          data,
        });
        if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${res.body.toString()}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return CREATES / seconds;
}

async function arm(dir: string, name: string, config?: string): Promise<number> {
  const args: string[] = [];
  if (config) {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, config);
    args.push(`--encryption-provider-config=${file}`);
  }
  const replica = await startReplicaProcess({ dataDir: path.join(dir, `data-${name}`), args, timeoutMs: 60_000 });
  try {
    return await createRate(new ApiClient(replica.kubeconfig), name);
  } finally {
    await replica.stop();
  }
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
  try {
    console.log(`encryption bench: ${CREATES} Secret creates per arm, ${CONCURRENCY} in flight, embedded store`);
    const none = await arm(dir, 'none');
    const gcm = await arm(
      dir,
      'aesgcm',
      configFor(`aesgcm: {keys: [{name: k1, secret: ${randomBytes(32).toString('base64')}}]}`),
    );
    const kms = await arm(
      dir,
      'kmsv2',
      configFor(`kms: {apiVersion: v2, name: bench, endpoint: "unix://${path.join(dir, 'kms.sock')}"}`),
    );
    const row = (n: string, rate: number): string =>
      `${n.padEnd(16)} ${rate.toFixed(0).padStart(8)} creates/s   ratio ${(rate / none).toFixed(2)}x${rate / none >= 0.7 ? '' : '  (below 0.7x target)'}`;
    console.log(row('no encryption', none));
    console.log(row('aesgcm', gcm));
    console.log(row('kms v2', kms));
  } finally {
    await plugin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
