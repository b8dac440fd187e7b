import { formatHelp, OptionsError, parseOptions } from './options';
import { Logger } from './logging/logger';
import { lineLog } from './logging/line-log';
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
  // logs go to stderr as kube-apiserver's do; stdout carries only the ready lines tools wait for
  const logger = new Logger(parsed.logging);
  const announce = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const replica = await startReplica(parsed, lineLog(logger), { logger, announce }).catch((e: unknown) => {
    logger.line('E', `kapi: failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      // a second signal gives up on the graceful stop, as kube-apiserver does
      logger.line('E', `kapi: second ${signal}, exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.line('I', `kapi: ${signal} received, draining requests`);
    replica
      .stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        logger.line('E', `kapi: shutdown error: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
