import type { Logger } from './logger';

/**
 * What components take to log with: a function of one line (klog.Info).
 * The one a Logger makes also carries `error`, so failures print as E lines;
 * a plain function (tests pass `() => undefined`) takes both.
 */
export type LineLog = (line: string) => void;

interface LineLogWithError {
  (line: string): void;
  error: (line: string) => void;
}

/** The line functions kapi's components are handed, writing through logger. */
export function lineLog(logger: Logger): LineLog {
  const log = ((line: string) => logger.line('I', line)) as LineLogWithError;
  log.error = (line: string) => logger.line('E', line);
  return log;
}

/** Logs a failure: an error line where log came from a Logger, a plain line otherwise. */
export function logError(log: LineLog, line: string): void {
  const withError = log as Partial<LineLogWithError> & LineLog;
  if (typeof withError.error === 'function') withError.error(line);
  else log(line);
}

/** A log that prefixes its lines and keeps their severity. */
export function prefixedLog(log: LineLog, prefix: string): LineLog {
  const out = ((line: string) => log(prefix + line)) as LineLogWithError;
  out.error = (line: string) => logError(log, prefix + line);
  return out;
}
