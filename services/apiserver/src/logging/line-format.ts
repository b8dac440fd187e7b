import { goQuote } from './go-format';

/** klog's severities: info, warning, error. */
export type Severity = 'I' | 'W' | 'E';

export interface Caller {
  /** the source file's base name, e.g. httplog.js */
  file: string;
  /** the directory it is in (base name only), for the JSON format's short caller */
  dir: string;
  line: number;
}

export interface LogEntry {
  severity: Severity;
  /** wall-clock time, milliseconds since the epoch with a fraction down to microseconds */
  timeMs: number;
  caller: Caller;
  msg: string;
  /**
   * true for InfoS/ErrorS-style calls (message quoted, key/values after it);
   * false for a printf-style line, printed as given
   */
  structured: boolean;
  /** the verbosity the line was logged at (0 unless behind a V(n) check) */
  v: number;
  /** ErrorS's error; undefined for info lines and errors logged without one */
  err?: unknown;
  /** alternating keys and values */
  kv: readonly unknown[];
}

const MISSING = '(MISSING)';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** klog's header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] */
function textHeader(e: LogEntry, pid: number): string {
  const d = new Date(Math.floor(e.timeMs));
  const micros = Math.floor((e.timeMs - Math.floor(e.timeMs / 1000) * 1000) * 1000);
  return (
    `${e.severity}${pad(d.getMonth() + 1, 2)}${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(Math.min(micros, 999_999), 6)} ` +
    `${String(pid).padStart(7, ' ')} ${e.caller.file}:${e.caller.line}] `
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** klog's string value: quoted on one line, or a tab-indented block between < and > when it has line breaks. */
function textString(s: string): string {
  if (!s.includes('\n')) return goQuote(s);
  const lines = s.split('\n');
  const last = lines.pop() ?? '';
  let out = '<\n' + lines.map((l) => `\t${l}\n`).join('');
  out += last === '' ? ' >' : `\t${last}\n >`;
  return out;
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return textString(v);
  if (v instanceof Error) return textString(v.message);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    // a value with its own String(): Go's fmt.Stringer
    const own = (v as { toString: () => string }).toString;
    if (own !== Object.prototype.toString && own !== Array.prototype.toString) return textString(String(v));
  }
  return JSON.stringify(v) ?? '<nil>';
}

function textPairs(kv: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < kv.length; i += 2) {
    const value = i + 1 < kv.length ? kv[i + 1] : MISSING;
    out += ` ${String(kv[i])}=${textValue(value)}`;
  }
  return out;
}

/** One line as klog's text format writes it, newline included. */
export function formatTextLine(e: LogEntry, pid: number): string {
  let body: string;
  if (e.structured) {
    body = goQuote(e.msg);
    if (e.err !== undefined && e.err !== null) body += ` err=${textString(errorText(e.err))}`;
    body += textPairs(e.kv);
  } else {
    body = e.msg;
  }
  const line = textHeader(e, pid) + body;
  return line.endsWith('\n') ? line : line + '\n';
}

function jsonValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(String(v));
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    const own = (v as { toString: () => string }).toString;
    if (own !== Object.prototype.toString && own !== Array.prototype.toString) return JSON.stringify(String(v));
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * One line as component-base's JSON format (zap through zapr) writes it: ts in
 * milliseconds since the epoch, caller as dir/file:line, msg, then "v" for info
 * lines, the key/values in order, and "err" last for errors.
 */
export function formatJsonLine(e: LogEntry): string {
  let out = `{"ts":${e.timeMs},"caller":${JSON.stringify(`${e.caller.dir}/${e.caller.file}:${e.caller.line}`)}`;
  out += `,"msg":${JSON.stringify(e.msg.endsWith('\n') ? e.msg.slice(0, -1) : e.msg)}`;
  if (e.severity !== 'E') out += `,"v":${e.v}`;
  for (let i = 0; i < e.kv.length; i += 2) {
    const value = i + 1 < e.kv.length ? e.kv[i + 1] : MISSING;
    out += `,${JSON.stringify(String(e.kv[i]))}:${jsonValue(value)}`;
  }
  if (e.severity === 'E' && e.err !== undefined && e.err !== null) out += `,"err":${JSON.stringify(errorText(e.err))}`;
  return out + '}\n';
}
