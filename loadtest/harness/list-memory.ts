/**
 * Memory of large lists: seeds LISTMEM_OBJECTS configmaps (default 100,000, shaped
 * like the bench's, with the managedFields entry a create through the API adds)
 * straight into a fresh embedded data dir, starts a replica on it, fills its watch
 * cache, then for JSON and protobuf lists every object once and reports how far the
 * replica's RSS peaked above where it was (VmHWM, restarted before each list) and
 * where it settled afterwards; then LISTMEM_CONCURRENT (default 16) JSON lists at
 * once. The replica runs with a V8 heap of LISTMEM_HEAP_MIB (default 1024, through
 * NODE_OPTIONS), so the concurrent lists prove they fit in a 1 GiB heap. How long the
 * watch cache takes to fill (until its /metrics gauge appears) is reported. Targets (issue 13):
 * peak growth ≤ 64 MiB, settled within 32 MiB; the concurrent lists complete.
 *
 *   npx tsc -p tsconfig.json && node dist/loadtest/harness/list-memory.js
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { seedConfigMaps } from '../../services/apiserver/test/helpers/configmap-seeder';
import { startReplica, type Replica } from './replica';
import { processCpuMs } from './stats';

const num = (name: string, dflt: number): number => {
  const v = process.env[name];
  return v ? Number(v) : dflt;
};
const OBJECTS = num('LISTMEM_OBJECTS', 100_000);
const CONCURRENT = num('LISTMEM_CONCURRENT', 16);
const SETTLE_MS = num('LISTMEM_SETTLE_MS', 10_000);
const HEAP_MIB = num('LISTMEM_HEAP_MIB', 1024);
const NS = 'listmem';
const MiB = 1024 * 1024;
const PEAK_TARGET = 64 * MiB;
const SETTLED_TARGET = 32 * MiB;

const log = (msg: string): void => console.log(`[list-memory ${(performance.now() / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(m[1]) * 1024;
}

const cpuSeconds = (pid: number): number => processCpuMs(pid) / 1000;

/** The lowest RSS over ms of idling: an upper bound of what the process keeps (no forced GC). */
async function settledRss(pid: number, ms: number): Promise<number> {
  let low = statusBytes(pid, 'VmRSS');
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await sleep(250);
    low = Math.min(low, statusBytes(pid, 'VmRSS'));
  }
  return low;
}

/** What `kubectl create configmap` plus kapi's own metadata makes, ~600 bytes of JSON. */
function benchConfigMap(name: string): Record<string, unknown> {
  return {
    metadata: {
      labels: { app: 'bench', tier: 'loadtest' },
      managedFields: [
        {
          manager: 'bench',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-12-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': { '.': {}, 'f:app.properties': {}, 'f:config.yaml': {} },
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } },
          },
        },
      ],
    },
    data: {
      'app.properties': 'log.level=info\nfeature.x=enabled\nfeature.y=disabled\nworkers=4\n',
      'config.yaml': `name: ${name}\nreplicas: 3\nendpoints:\n  - https://example.invalid:8443\n`,
    },
  };
}

/** The replica's /metrics text. */
function metricsText(r: Replica): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(new URL('/metrics', r.url), { ...r.client, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Waits until the configmaps watch cache is ready: its resource version gauge appears once it is. */
async function cacheReady(r: Replica): Promise<void> {
  const series = /^apiserver_watch_cache_resource_version\{resource="configmaps"\} /m;
  while (!series.test(await metricsText(r))) await sleep(100);
}

/** One full list, its body read and dropped as it arrives; resolves with the bytes received. */
function listOnce(r: Replica, accept: string): Promise<number> {
  const url = new URL(`/api/v1/namespaces/${NS}/configmaps`, r.url);
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...r.client, headers: { accept }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

interface Measured {
  name: string;
  bodyMiB: number;
  ms: number;
  peakGrowthMiB: number;
  settledGrowthMiB: number;
  pass: boolean;
}

async function measure(r: Replica, name: string, lists: number, accept: string): Promise<Measured> {
  const before = await settledRss(r.pid, SETTLE_MS);
  // Linux: 5 in clear_refs restarts VmHWM from the current RSS
  writeFileSync(`/proc/${r.pid}/clear_refs`, '5');
  const t0 = performance.now();
  const sizes = await Promise.all(Array.from({ length: lists }, () => listOnce(r, accept)));
  const ms = performance.now() - t0;
  const peakRss = statusBytes(r.pid, 'VmHWM');
  const peak = peakRss - before;
  const settled = (await settledRss(r.pid, SETTLE_MS)) - before;
  const m: Measured = {
    name,
    bodyMiB: sizes[0] / MiB,
    ms,
    peakGrowthMiB: peak / MiB,
    settledGrowthMiB: settled / MiB,
    pass: lists > 1 ? true : peak <= PEAK_TARGET && settled <= SETTLED_TARGET,
  };
  log(
    `${name}: ${m.bodyMiB.toFixed(1)} MiB body in ${ms.toFixed(0)} ms; peak RSS +${m.peakGrowthMiB.toFixed(1)} MiB, settled +${m.settledGrowthMiB.toFixed(1)} MiB (RSS ${(before / MiB).toFixed(0)} MiB before, ${(peakRss / MiB).toFixed(0)} MiB at the peak)`,
  );
  return m;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-listmem-'));
  let replica: Replica | undefined;
  try {
    log(`seeding ${OBJECTS} configmaps into ${dataDir}`);
    await seedConfigMaps(dataDir, NS, OBJECTS, benchConfigMap);
    const spawned = performance.now();
    replica = await startReplica(120_000, dataDir, { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` });
    log(`replica pid ${replica.pid} (heap limit ${HEAP_MIB} MiB); filling the watch cache`);
    // the fill starts with the replica: this is from its ready line, a lower bound
    const fillStart = performance.now();
    const fillCpuStart = cpuSeconds(replica.pid);
    await cacheReady(replica);
    const fillMs = performance.now() - fillStart;
    const totalCpu = cpuSeconds(replica.pid);
    const fillCpu = totalCpu - fillCpuStart;
    const sinceSpawn = `${((performance.now() - spawned) / 1000).toFixed(1)} s and ${totalCpu.toFixed(1)} s of CPU after the replica was started`;
    log(
      `watch cache ready ${fillMs.toFixed(0)} ms after the replica was, ${fillCpu.toFixed(1)} s of its CPU (${sinceSpawn})`,
    );
    const firstStart = performance.now();
    await listOnce(replica, 'application/json');
    log(`first list took ${(performance.now() - firstStart).toFixed(0)} ms`);
    const results = [
      await measure(replica, 'JSON list', 1, 'application/json'),
      await measure(replica, 'protobuf list', 1, 'application/vnd.kubernetes.protobuf'),
      await measure(replica, `${CONCURRENT} concurrent JSON lists`, CONCURRENT, 'application/json'),
    ];
    console.log('');
    console.log(
      `watch cache fill of ${OBJECTS} objects (replica ready to cache ready): ${fillMs.toFixed(0)} ms, replica CPU ${fillCpu.toFixed(1)} s; ready ${sinceSpawn}`,
    );
    console.log(`replica heap limit: --max-old-space-size=${HEAP_MIB}`);
    console.log(
      `| list of ${OBJECTS.toLocaleString('en-US')} configmaps | body MiB | time ms | peak RSS growth MiB | settled growth MiB | target | result |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
    for (const m of results) {
      const target = m.name.includes('concurrent') ? 'completes' : 'peak ≤ 64, settled ≤ 32';
      console.log(
        `| ${m.name} | ${m.bodyMiB.toFixed(1)} | ${m.ms.toFixed(0)} | ${m.peakGrowthMiB.toFixed(1)} | ${m.settledGrowthMiB.toFixed(1)} | ${target} | ${m.pass ? 'PASS' : '**FAIL**'} |`,
      );
    }
    if (results.some((m) => !m.pass)) process.exitCode = 1;
  } catch (e) {
    // e.g. the replica ran out of heap: its last words say so
    if (replica) console.error(`replica output (tail):\n${replica.output().slice(-4000)}`);
    throw e;
  } finally {
    await replica?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
