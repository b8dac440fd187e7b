import { formatHelp, OptionsError, parseOptions } from './options';
import { startReplica } from './server/replica';

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (e) {
    if (e instanceof OptionsError || e instanceof Error) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  if ('help' in parsed) {
    process.stdout.write(formatHelp());
    return;
  }
  const replica = await startReplica(parsed).catch((e: unknown) => {
    process.stderr.write(`kapi: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      // a second signal gives up on the graceful stop, as kube-apiserver does
      process.stderr.write(`kapi: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`kapi: ${signal} received, draining requests\n`);
    replica
      .stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`kapi: shutdown error: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
