// `make bench`, k6 part: every scenario in loadtest/k6 runs through the k6-compatible runtime against one
// fresh replica, printing k6's end-of-test summary for each. The scenario files are the ones a user hands
// to `k6 run`.
// Environment:
//   K6_BENCH_DURATION   per-scenario duration (default 10s)
//   K6_BENCH_SCENARIOS  comma-separated scenario names (default: all .ts files in loadtest/k6)
//   K6_BENCH_STRICT=1   exit 99 when any scenario crossed a threshold (default: report only)
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { runK6, THRESHOLDS_FAILED } from './k6-runtime/run';
import { repoRoot, startReplica } from './replica';

async function main(): Promise<number> {
  const dir = path.join(repoRoot(), 'loadtest/k6');
  const wanted = (process.env.K6_BENCH_SCENARIOS ?? '').split(',').filter((s) => s !== '');
  const scripts = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .filter((name) => wanted.length === 0 || wanted.includes(name));
  const duration = process.env.K6_BENCH_DURATION ?? '10s';
  const replica = await startReplica();
  const outcomes: Array<{ name: string; exitCode: number; iterations: number }> = [];
  try {
    for (const name of scripts) {
      process.stdout.write(`\n=== k6 run -e DURATION=${duration} loadtest/k6/${name}.ts\n`);
      const result = await runK6(path.join(dir, `${name}.ts`), {
        env: { KAPI_URL: replica.url, KAPI_DATA_DIR: replica.dataDir, DURATION: duration },
        log: (line) => process.stdout.write(line + '\n'),
      });
      process.stdout.write(result.summary);
      outcomes.push({ name, exitCode: result.exitCode, iterations: result.iterations });
    }
  } finally {
    await replica.stop();
  }
  process.stdout.write('\n| scenario | iterations | exit code |\n| --- | --- | --- |\n');
  for (const o of outcomes) process.stdout.write(`| ${o.name} | ${o.iterations} | ${o.exitCode} |\n`);
  const crossed = outcomes.some((o) => o.exitCode !== 0);
  return crossed && process.env.K6_BENCH_STRICT === '1' ? THRESHOLDS_FAILED : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
