import type { Logger } from './logger';

/**
 * What components take to log with: a function of one line (klog.Info).
 * The one a Logger makes also carries `error` and `warning`, so failures
 * print as E and W lines; a plain function (tests pass `() => undefined`)
 * takes every line.
 */
export type LineLog = (line: string) => void;

interface SeverityLineLog {
  (line: string): void;
  error: (line: string) => void;
  warning: (line: string) => void;
}

/** The line functions kapi's components are handed, writing through logger. */
export function lineLog(logger: Logger): LineLog {
  const log = ((line: string) => logger.line('I', line)) as SeverityLineLog;
  log.error = (line: string) => logger.line('E', line);
  log.warning = (line: string) => logger.line('W', line);
  return log;
}

function bySeverity(log: LineLog, severity: 'error' | 'warning', line: string): void {
  const f = (log as Partial<SeverityLineLog>)[severity];
  if (typeof f === 'function') f(line);
  else log(line);
}

/** Logs a failure: an E line where log came from a Logger, a plain line otherwise. */
export function logError(log: LineLog, line: string): void {
  bySeverity(log, 'error', line);
}

/** Logs something an operator should look at: a W line where log came from a Logger. */
export function logWarning(log: LineLog, line: string): void {
  bySeverity(log, 'warning', line);
}

/** A log that prefixes its lines and keeps their severity. */
export function prefixedLog(log: LineLog, prefix: string): LineLog {
  const out = ((line: string) => log(prefix + line)) as SeverityLineLog;
  out.error = (line: string) => logError(log, prefix + line);
  out.warning = (line: string) => logWarning(log, prefix + line);
  return out;
}
