// `node dist/loadtest/harness/k6-runtime/cli.js run [-e KEY=VALUE]... script.ts`, as `k6 run`.
import { runK6 } from './run';

async function main(argv: string[]): Promise<number> {
  const args = argv[0] === 'run' ? argv.slice(1) : argv;
  const env: Record<string, string> = {};
  let script = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-e' || a === '--env') {
      const [k, ...v] = (args[++i] ?? '').split('=');
      env[k] = v.join('=');
    } else if (a.startsWith('--compatibility-mode')) {
      // TypeScript is always transpiled here, as k6's experimental_enhanced mode does
      if (a === '--compatibility-mode') i++;
    } else script = a;
  }
  if (!script) {
    process.stderr.write('usage: cli.js run [-e KEY=VALUE]... script\n');
    return 2;
  }
  const result = await runK6(script, { env });
  process.stdout.write(result.summary);
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(104);
  },
);
