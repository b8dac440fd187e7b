import { createReadStream, createWriteStream, promises as fsp, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { AuditBackend, AuditEvent } from './types';
import { logError } from '../logging/line-log';

export interface LogBackendOptions {
  /** '-' is stdout */
  path: string;
  /** MB before rotation; 0 is lumberjack's default of 100 */
  maxSizeMB: number;
  /** old files kept; 0 keeps all */
  maxBackups: number;
  /** days an old file is kept; 0 keeps them regardless of age */
  maxAgeDays: number;
  format: 'json' | 'legacy';
  /** gzip each backup to <backup>.gz, as lumberjack's Compress */
  compress?: boolean;
  /** --audit-log-mode=batch: events past this many waiting lines are dropped rather than queued */
  bufferSize?: number;
  log: (line: string) => void;
}

const MB = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** lumberjack's backup stamp: 2006-01-02T15-04-05.000, UTC. */
function backupStamp(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

function parseStamp(s: string): number | undefined {
  const m = STAMP.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, ms] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, se, ms);
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** RFC 3339 with nanoseconds, trailing fractional zeros dropped, as Go's RFC3339Nano. */
function rfc3339Nano(micro: string): string {
  return micro.replace(/\.(\d*?)0+Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** Upstream's EventString, the legacy one-line format. */
export function legacyLine(ev: AuditEvent): string {
  let username = '<none>';
  let groups = '<none>';
  if (ev.user.username) {
    username = ev.user.username;
    if (ev.user.groups && ev.user.groups.length > 0) groups = ev.user.groups.map(goQuote).join(',');
  }
  let asUser = '<self>';
  let asGroups = '<lookup>';
  if (ev.impersonatedUser) {
    asUser = ev.impersonatedUser.username ?? '';
    if (ev.impersonatedUser.groups) asGroups = ev.impersonatedUser.groups.map(goQuote).join(',');
  }
  const namespace = ev.objectRef?.namespace || '<none>';
  const response = ev.responseStatus ? String(ev.responseStatus.code ?? 0) : '<deferred>';
  const ip = ev.sourceIPs?.[0] ?? '<unknown>';
  return (
    `${rfc3339Nano(ev.requestReceivedTimestamp)} AUDIT: id=${goQuote(ev.auditID)} stage=${goQuote(ev.stage)} ` +
    `ip=${goQuote(ip)} method=${goQuote(ev.verb)} user=${goQuote(username)} groups=${goQuote(groups)} ` +
    `as=${goQuote(asUser)} asgroups=${goQuote(asGroups)} user-agent=${goQuote(ev.userAgent ?? '')} ` +
    `namespace=${namespace} uri=${goQuote(ev.requestURI)} response="${response}"`
  );
}

/** Replaces a file with its gzip (same mode), as lumberjack compresses backups. */
async function gzipFile(file: string): Promise<void> {
  await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`, { mode: 0o600 }));
  await fsp.rm(file, { force: true });
}

/**
 * Upstream's log backend over lumberjack: one line per event, the file rotated
 * to <name>-<stamp><ext> before a write would pass --audit-log-maxsize.
 * Lines queue in memory and one writer drains them, so requests never wait on the disk.
 */
export class LogBackend implements AuditBackend {
  private queue: string[] = [];
  private writing?: Promise<void>;
  private file?: fsp.FileHandle;
  private size = 0;
  private lastStamp = 0;
  private stopped = false;
  private dropped = 0;
  private readonly maxBytes: number;

  constructor(private readonly opts: LogBackendOptions) {
    this.maxBytes = (opts.maxSizeMB > 0 ? opts.maxSizeMB : DEFAULT_MAX_SIZE_MB) * MB;
    if (opts.path !== '-') mkdirSync(path.dirname(path.resolve(opts.path)), { recursive: true, mode: 0o700 });
  }

  processEvents(events: AuditEvent[]): void {
    if (this.stopped) return;
    for (const ev of events) {
      if (this.opts.bufferSize !== undefined && this.queue.length >= this.opts.bufferSize) {
        if (this.dropped++ % 1000 === 0) logError(this.opts.log, 'kapi: audit log buffer is full; dropping events');
        continue;
      }
      this.queue.push(`${this.opts.format === 'legacy' ? legacyLine(ev) : JSON.stringify(ev)}\n`);
    }
    this.kick();
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain()
      .catch((e: unknown) => logError(this.opts.log, `kapi: audit log write failed: ${String(e)}`))
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      if (this.opts.path === '-') {
        await new Promise<void>((resolve) => process.stdout.write(lines.join(''), () => resolve()));
        continue;
      }
      await this.writeLines(lines);
    }
  }

  /** Lines in chunks that fit the current file, rotating between them. */
  private async writeLines(lines: string[]): Promise<void> {
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const file = await this.openFile();
      await file.write(Buffer.concat(chunk));
      this.size += chunkBytes;
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      const bytes = Buffer.from(line, 'utf8');
      await this.openFile();
      if (this.size + chunkBytes + bytes.length > this.maxBytes && this.size + chunkBytes > 0) {
        await flush();
        await this.rotate();
      }
      chunk.push(bytes);
      chunkBytes += bytes.length;
    }
    await flush();
  }

  private async openFile(): Promise<fsp.FileHandle> {
    if (this.file) return this.file;
    const file = await fsp.open(this.opts.path, 'a', 0o600);
    this.size = (await file.stat()).size;
    this.file = file;
    return file;
  }

  private async rotate(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    // two rotations in one millisecond must not share a backup name
    const ms = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = ms;
    const { dir, name, ext } = path.parse(path.resolve(this.opts.path));
    const backup = path.join(dir, `${name}-${backupStamp(new Date(ms))}${ext}`);
    await fsp.rename(this.opts.path, backup);
    this.size = 0;
    if (this.opts.compress) await gzipFile(backup);
    await this.removeOldBackups();
  }

  private async removeOldBackups(): Promise<void> {
    const { maxBackups, maxAgeDays } = this.opts;
    if (maxBackups <= 0 && maxAgeDays <= 0) return;
    const { dir, name, ext } = path.parse(path.resolve(this.opts.path));
    const backups: Array<{ file: string; at: number }> = [];
    for (const f of await fsp.readdir(dir)) {
      const tail = f.endsWith(`${ext}.gz`) ? `${ext}.gz` : ext;
      if (!f.startsWith(`${name}-`) || !f.endsWith(tail) || f.length <= name.length + 1 + tail.length) continue;
      const at = parseStamp(f.slice(name.length + 1, f.length - tail.length));
      if (at !== undefined) backups.push({ file: path.join(dir, f), at });
    }
    backups.sort((a, b) => b.at - a.at);
    const cutoff = Date.now() - maxAgeDays * 24 * 3600 * 1000;
    const doomed = backups.filter((b, i) => (maxBackups > 0 && i >= maxBackups) || (maxAgeDays > 0 && b.at < cutoff));
    await Promise.all(doomed.map((b) => fsp.rm(b.file, { force: true })));
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    while (this.writing) await this.writing;
    await this.file?.close();
    this.file = undefined;
  }
}
