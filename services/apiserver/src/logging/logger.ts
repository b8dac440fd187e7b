import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatJsonLine, formatTextLine, type Caller, type LogEntry, type Severity } from './line-format';

export type LogFormat = 'text' | 'json';

/** One --vmodule item: files whose name matches pattern log at up to verbosity. */
export interface VModuleItem {
  pattern: string;
  verbosity: number;
}

/** component-base's LoggingConfiguration, the part kapi takes from the command line. */
export interface LoggingOptions {
  /** --logging-format */
  format: LogFormat;
  /** -v / --v */
  verbosity: number;
  /** --vmodule */
  vmodule: VModuleItem[];
}

export const DEFAULT_LOGGING: LoggingOptions = { format: 'text', verbosity: 0, vmodule: [] };

export interface LoggerOutput {
  write(line: string): void;
}

const UNKNOWN_CALLER: Caller = { file: '???', dir: '???', line: 1 };
const THIS_DIR = __dirname;

/** The first frame of the stack outside this directory: who called the logger. */
function callerOf(): Caller {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  Error.captureStackTrace(holder, callerOf);
  Error.stackTraceLimit = limit;
  for (const frame of (holder.stack ?? '').split('\n').slice(1)) {
    const m = /\(?([^\s()]+):(\d+):\d+\)?\s*$/.exec(frame);
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    if (path.dirname(file) === THIS_DIR || file.startsWith('node:')) continue;
    return { file: path.basename(file), dir: path.basename(path.dirname(file)), line: Number(m[2]) };
  }
  return UNKNOWN_CALLER;
}

/** klog's file matching for -vmodule: the base name without extension, or the full path when the pattern has a slash. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function moduleName(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

const wallClockMs = (): number => performance.timeOrigin + performance.now();

/**
 * kapi's klog: lines in klog's text format (or component-base's JSON format)
 * on stderr, info lines behind V(n) written only at -v=n or above.
 */
export class Logger {
  private readonly vmodule: Array<{ re: RegExp; withPath: boolean; verbosity: number }>;
  private readonly maxModuleVerbosity: number;

  constructor(
    readonly options: LoggingOptions = DEFAULT_LOGGING,
    private readonly out: LoggerOutput = process.stderr,
    private readonly clock: () => number = wallClockMs,
    private readonly pid: number = process.pid,
  ) {
    this.vmodule = options.vmodule.map((m) => ({
      re: globToRegExp(m.pattern),
      withPath: m.pattern.includes('/'),
      verbosity: m.verbosity,
    }));
    this.maxModuleVerbosity = Math.max(0, ...options.vmodule.map((m) => m.verbosity));
  }

  /**
   * Whether V(level) logs from the given source module (a file name, with or
   * without extension): -v, or a --vmodule pattern matching it.
   */
  enabled(level: number, module?: string): boolean {
    if (this.options.verbosity >= level) return true;
    if (this.maxModuleVerbosity < level || module === undefined) return false;
    const name = moduleName(module);
    for (const m of this.vmodule) {
      if (m.re.test(m.withPath ? module.replace(/\.[^./]+$/, '') : name)) return m.verbosity >= level;
    }
    return false;
  }

  /** klog.InfoS: a quoted message and key/value pairs. */
  info(msg: string, ...kv: unknown[]): void {
    this.emit('I', 0, msg, true, undefined, kv);
  }

  /** klog.ErrorS: err (may be undefined) is printed as err="...". */
  error(err: unknown, msg: string, ...kv: unknown[]): void {
    this.emit('E', 0, msg, true, err, kv);
  }

  /** klog.Info / klog.Warning / klog.Error with a ready-made line: printed as given. */
  line(severity: Severity, text: string): void {
    this.emit(severity, 0, text, false, undefined, []);
  }

  /** klog.V(level): logs only when enabled for the calling file. */
  v(level: number): { enabled: boolean; info: (msg: string, ...kv: unknown[]) => void } {
    const on = this.options.verbosity >= level || (this.maxModuleVerbosity >= level && this.enabledHere(level));
    return {
      enabled: on,
      info: (msg, ...kv) => {
        if (on) this.emit('I', level, msg, true, undefined, kv);
      },
    };
  }

  /** For a caller that knows its own source: logs at level without looking at the stack for vmodule. */
  infoAt(level: number, caller: Caller | undefined, msg: string, kv: readonly unknown[]): void {
    this.write({
      severity: 'I',
      timeMs: this.clock(),
      caller: caller ?? callerOf(),
      msg,
      structured: true,
      v: level,
      kv,
    });
  }

  private enabledHere(level: number): boolean {
    const c = callerOf();
    return this.enabled(level, c.file);
  }

  private emit(
    severity: Severity,
    v: number,
    msg: string,
    structured: boolean,
    err: unknown,
    kv: readonly unknown[],
  ): void {
    this.write({ severity, timeMs: this.clock(), caller: callerOf(), msg, structured, v, err, kv });
  }

  private write(entry: LogEntry): void {
    this.out.write(this.options.format === 'json' ? formatJsonLine(entry) : formatTextLine(entry, this.pid));
  }
}
