// How long startKapi() (services/apiserver/src/testing/start-kapi.ts) takes to
// resolve, as a controller's test sees it. Each sample is a fresh Node process
// that loads the module and then calls startKapi() three times:
//   cold        first in-process call: schemas parsed, the PKI from the seed cache
//               (and once more with KAPI_TESTING_PKI_CACHE=off: four RSA keys generated)
//   warm        second in-process call: what every later test of the file pays
//   child       startKapi({ mode: 'child-process' }) from that warm process
// and reports wall time and this process's CPU time over the call (for the child
// mode the parent's CPU time is no measure, so wall only).
// Usage after the build: node dist/loadtest/harness/start-kapi-time.js [samples]
import { execFileSync } from 'node:child_process';
import os from 'node:os';

interface Sample {
  importMs: number;
  cold: { wallMs: number; cpuMs: number };
  warm: { wallMs: number; cpuMs: number };
  childWallMs: number;
}

async function sample(): Promise<Sample> {
  const t0 = performance.now();
  // the import a test file makes; timed apart from the calls
  const { startKapi } = await import('../../services/apiserver/src/testing/start-kapi');
  const importMs = performance.now() - t0;
  const timed = async (
    mode: 'in-process' | 'child-process',
  ): Promise<{ wallMs: number; cpuMs: number; stop: () => Promise<void> }> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const server = await startKapi({ mode });
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000, stop: server.stop };
  };
  const cold = await timed('in-process');
  const warm = await timed('in-process');
  const child = await timed('child-process');
  await Promise.all([cold.stop(), warm.stop(), child.stop()]);
  const pick = (s: { wallMs: number; cpuMs: number }) => ({ wallMs: s.wallMs, cpuMs: s.cpuMs });
  return { importMs, cold: pick(cold), warm: pick(warm), childWallMs: child.wallMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  if (process.argv[2] === '--sample') {
    void sample().then((s) => {
      process.stdout.write(JSON.stringify(s));
      process.exit(0);
    });
    return;
  }
  const runs = Number(process.argv[2] ?? '5');
  const run = (env: NodeJS.ProcessEnv): Sample[] =>
    Array.from({ length: runs }, () => {
      const out = execFileSync(process.execPath, [__filename, '--sample'], { encoding: 'utf8', env });
      return JSON.parse(out) as Sample;
    });
  const noCache = run({ ...process.env, KAPI_TESTING_PKI_CACHE: 'off' });
  const samples = run(process.env);
  const ms = (xs: number[]): string => `${Math.round(median(xs))} ms`;
  console.log(`startKapi, median of ${runs} (load average ${os.loadavg()[0].toFixed(1)} at the end):`);
  console.log(`  import of the module          ${ms(samples.map((s) => s.importMs))}`);
  console.log(
    `  cold, in-process, no PKI cache ${ms(noCache.map((s) => s.cold.wallMs))} wall, ${ms(noCache.map((s) => s.cold.cpuMs))} CPU`,
  );
  console.log(
    `  cold, in-process              ${ms(samples.map((s) => s.cold.wallMs))} wall, ${ms(samples.map((s) => s.cold.cpuMs))} CPU`,
  );
  console.log(
    `  warm, in-process              ${ms(samples.map((s) => s.warm.wallMs))} wall, ${ms(samples.map((s) => s.warm.cpuMs))} CPU`,
  );
  console.log(`  child-process (warm parent)   ${ms(samples.map((s) => s.childWallMs))} wall`);
}

main();
