// Start-up time to ready: spawns `kapi` on the embedded store (all built-in kinds
// registered) and times process spawn -> the "kapi ready" line, several times, for a
// fresh data dir (PKI and store created) and for a restart over the same data dir.
// Usage after the build: node dist/loadtest/harness/startup.js [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processCpuMs } from './stats';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(REPO_ROOT, 'services/apiserver/bin/kapi.js');

interface Sample {
  /** spawn -> ready line, wall clock */
  wallMs: number;
  /** the child's user + system CPU time at that moment (Linux /proc), less sensitive to a busy machine */
  cpuMs: number;
}

function timeToReady(dataDir: string, extraArgs: string[] = []): Promise<Sample> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [...extraArgs, BIN, '--secure-port=0', `--data-dir=${dataDir}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready within 60 s:\n${out}`));
    }, 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!/kapi ready/.test(out)) return;
      const sample = { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: processCpuMs(child.pid ?? 0) };
      clearTimeout(timer);
      child.once('exit', () => resolve(sample));
      child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!/kapi ready/.test(out)) reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const extraArgs = process.argv.slice(3);
  const fresh: Sample[] = [];
  const restart: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-startup-'));
    try {
      fresh.push(await timeToReady(dir, extraArgs));
      restart.push(await timeToReady(dir, extraArgs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const report = (label: string, xs: Sample[]): void => {
    const wall = xs.map((x) => x.wallMs);
    const cpu = xs.map((x) => x.cpuMs);
    const show = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `${label}: wall median ${median(wall).toFixed(0)} ms (${show(wall)}); CPU median ${median(cpu).toFixed(0)} ms (${show(cpu)})`,
    );
  };
  report('fresh data dir', fresh);
  report('restart       ', restart);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
