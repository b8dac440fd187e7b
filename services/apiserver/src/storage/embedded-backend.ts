import Database from 'better-sqlite3';
import { join } from 'node:path';
import type {
  Backend,
  BackendEvent,
  BackendWatch,
  BackendWatchHandlers,
  BackendWatchOptions,
  DeleteResult,
  KV,
  RangeOptions,
  RangeResult,
  RangeStat,
  WriteResult,
} from './backend';
import { prefixEnd } from './backend';
import { DEFAULT_COMPACTION_INTERVAL_MS, startPeriodic, type PeriodicTask } from './compactor';
import { StorageError } from './errors';
import { ensurePrivateDir, preparePrivateDatabase } from './private-files';

export interface EmbeddedBackendOptions {
  dataDir: string;
  /** 0 disables periodic compaction. */
  compactionIntervalMs?: number;
  /** How often keys created with a TTL are checked for expiry. */
  ttlSweepIntervalMs?: number;
}

/**
 * One row per change, as kine keeps it: the row id is the revision. A key's
 * current state is its newest row; a delete is a row with deleted = 1 that
 * still carries the last value, so watchers can report what was deleted.
 * created = 1 marks the row that created the key (its create revision is its id).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  value BLOB,
  old_value BLOB
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS kapi_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
`;

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  value: Buffer | null;
  old_value: Buffer | null;
}

function createRevisionOf(row: Row): number {
  return row.created ? row.id : row.create_revision;
}

function rowToKV(row: Row): KV {
  return {
    key: row.name,
    value: row.value ?? Buffer.alloc(0),
    createRevision: createRevisionOf(row),
    modRevision: row.id,
  };
}

function rowToEvent(row: Row): BackendEvent {
  const prevKv: KV | undefined =
    row.prev_revision > 0 && !row.created
      ? {
          key: row.name,
          value: row.old_value ?? Buffer.alloc(0),
          createRevision: row.create_revision,
          modRevision: row.prev_revision,
        }
      : undefined;
  if (row.deleted) {
    return {
      type: 'delete',
      kv: { key: row.name, value: Buffer.alloc(0), createRevision: 0, modRevision: row.id },
      prevKv,
      revision: row.id,
    };
  }
  return { type: 'put', kv: rowToKV(row), prevKv, revision: row.id };
}

interface LocalWatcher {
  start: string;
  end: string;
  handlers: BackendWatchHandlers;
  active: boolean;
}

/** A write's answer, and the row it appended when it did. */
interface Written<R> {
  result: R;
  row?: Row;
}

interface PendingWrite {
  op: () => Written<unknown>;
  resolve: (result: unknown) => void;
  reject: (e: unknown) => void;
}

/** Keys are compared as SQLite compares TEXT (bytewise UTF-8), as etcd compares keys. */
export class EmbeddedBackend implements Backend {
  readonly name = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly watchers = new Set<LocalWatcher>();
  private compactor?: PeriodicTask;
  private ttlSweeper?: PeriodicTask;
  private lastObservedRevision = 0;
  private revision = 0;
  private closed = false;
  private readonly stmts: ReturnType<EmbeddedBackend['prepare']>;
  private readonly pending: PendingWrite[] = [];
  private commits = 0;
  /** One transaction over a batch of writes, each in a savepoint (a nested transaction). */
  private readonly groupCommit: (
    batch: PendingWrite[],
    outcomes: Array<{ written: Written<unknown> } | { error: unknown }>,
  ) => void;

  /** A connection setting as SQLite reports it (for checks of the durability settings). */
  pragmaValue(name: 'synchronous' | 'journal_mode'): unknown {
    return this.db.pragma(name, { simple: true });
  }

  async startupWrites<T>(fn: () => Promise<T>): Promise<T> {
    // nothing written meanwhile has been acknowledged to a client, and all of it is rewritten on the next start
    this.db.pragma('synchronous = NORMAL');
    const before = this.revision;
    try {
      return await fn();
    } finally {
      this.db.pragma('synchronous = FULL');
      // one flush for the lot: the checkpoint syncs the WAL and writes it into the database file;
      // a restart that found everything in place wrote nothing unsynced and spares the fsyncs
      if (this.revision !== before) this.db.pragma('wal_checkpoint(FULL)');
    }
  }

  private constructor(opts: EmbeddedBackendOptions) {
    // the store holds every Secret: nobody but the owner may read it (the WAL included)
    ensurePrivateDir(opts.dataDir);
    const file = join(opts.dataDir, 'kapi.db');
    preparePrivateDatabase(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a write is acknowledged only after the WAL is fsynced, so it survives SIGKILL and power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // SQLite's stock 2 MiB page cache rather than better-sqlite3's 16 MiB: with the watch
    // cache in front, this store sees writes and paged or exact-revision reads only.
    this.db.pragma('cache_size = -2000');
    this.db.exec(SCHEMA);
    this.stmts = this.prepare();
    const one = this.db.transaction((op: () => Written<unknown>) => op());
    const all = this.db.transaction(
      (batch: PendingWrite[], outcomes: Array<{ written: Written<unknown> } | { error: unknown }>) => {
        for (const w of batch) {
          try {
            outcomes.push({ written: one(w.op) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      },
    );
    this.groupCommit = (batch, outcomes) => all.immediate(batch, outcomes);
    this.revision = this.stmts.maxRevision.get()?.seq ?? 0;
    const interval = opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    if (interval > 0) {
      this.compactor = startPeriodic(
        interval,
        () => this.compactionStep(),
        () => undefined,
      );
    }
    this.ttlSweeper = startPeriodic(
      opts.ttlSweepIntervalMs ?? 1000,
      async () => this.sweepExpired(),
      () => undefined,
    );
  }

  static async open(opts: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
    return new EmbeddedBackend(opts);
  }

  private prepare() {
    const db = this.db;
    // Newest row per key among rows up to a revision, restricted to [start, end).
    const latestIds = `SELECT MAX(id) AS id FROM kine WHERE name >= @start AND name < @end AND id <= @rev GROUP BY name`;
    return {
      latest: db.prepare<[string], Row>(`SELECT * FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1`),
      rangeLimited: db.prepare<{ start: string; end: string; rev: number; limit: number }, Row>(
        `SELECT k.* FROM kine k JOIN (${latestIds}) m ON k.id = m.id WHERE k.deleted = 0 ORDER BY k.name LIMIT @limit`,
      ),
      rangeCount: db.prepare<{ start: string; end: string; rev: number }, { n: number }>(
        `SELECT COUNT(*) AS n FROM kine k JOIN (${latestIds}) m ON k.id = m.id WHERE k.deleted = 0`,
      ),
      rangeStat: db.prepare<{ start: string; end: string; rev: number }, { n: number; maxId: number | null }>(
        `SELECT COUNT(*) AS n, MAX(k.id) AS maxId FROM kine k JOIN (${latestIds}) m ON k.id = m.id WHERE k.deleted = 0`,
      ),
      maxRevision: db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'kine'`),
      insert: db.prepare<
        [string, number, number, number, number, number, Buffer | null, Buffer | null],
        { id: number }
      >(
        `INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, value, old_value)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      since: db.prepare<{ after: number; start: string; end: string }, Row>(
        `SELECT * FROM kine WHERE id > @after AND name >= @start AND name < @end ORDER BY id`,
      ),
      getMeta: db.prepare<[string], { v: number }>(`SELECT v FROM kapi_meta WHERE k = ?`),
      setMeta: db.prepare<[string, number], void>(
        `INSERT INTO kapi_meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`,
      ),
      compactRows: db.prepare<{ rev: number }, void>(
        `DELETE FROM kine WHERE id <= @rev AND (deleted = 1 OR id NOT IN (SELECT MAX(id) FROM kine WHERE id <= @rev GROUP BY name))`,
      ),
      expired: db.prepare<[number], Row>(
        `SELECT k.* FROM kine k JOIN (SELECT MAX(id) AS id FROM kine GROUP BY name) m ON k.id = m.id
         WHERE k.deleted = 0 AND k.lease > 0 AND k.lease <= ?`,
      ),
    };
  }

  private ensureOpen(key: string): void {
    if (this.closed) throw new StorageError('Unreachable', key, 'embedded store is closed');
  }

  /**
   * The store's revision, kept in memory: this process is the store's only writer (its watchers
   * are fed from its own write path too), so the last committed row is the revision.
   */
  private revisionNow(): number {
    return this.revision;
  }

  private compactedRevision(): number {
    return this.stmts.getMeta.get('compact_rev')?.v ?? 0;
  }

  private latestLive(key: string): Row | undefined {
    const row = this.stmts.latest.get(key);
    return row && !row.deleted ? row : undefined;
  }

  /** Inserts one log row and fans it out; runs inside a transaction. */
  private append(
    name: string,
    flags: { created: boolean; deleted: boolean },
    prev: Row | undefined,
    value: Buffer | null,
    lease = 0,
  ): Row {
    const createRevision = prev && !prev.deleted ? createRevisionOf(prev) : 0;
    const prevRevision = prev?.id ?? 0;
    const oldValue = prev && !prev.deleted ? prev.value : null;
    const { id } = this.stmts.insert.get(
      name,
      flags.created ? 1 : 0,
      flags.deleted ? 1 : 0,
      createRevision,
      prevRevision,
      lease,
      value,
      oldValue,
    ) as { id: number };
    return {
      id,
      name,
      created: flags.created ? 1 : 0,
      deleted: flags.deleted ? 1 : 0,
      create_revision: createRevision,
      prev_revision: prevRevision,
      lease,
      value,
      old_value: oldValue,
    };
  }

  /** Called after the write's transaction committed, so watchers never see a rolled-back row. */
  private notify(row: Row): void {
    if (row.id > this.revision) this.revision = row.id;
    const event = rowToEvent(row);
    for (const w of this.watchers) {
      if (!w.active) continue;
      if (row.name < w.start || row.name >= w.end) {
        // Every write is a progress notification for the other watchers: in one process it
        // costs nothing, and it lets watch caches prove freshness without asking the store.
        const onProgress = w.handlers.onProgress;
        if (onProgress) queueMicrotask(() => w.active && onProgress.call(w.handlers, row.id));
        continue;
      }
      // Microtasks run in queue order, so each watcher sees events in revision order.
      queueMicrotask(() => {
        if (w.active) w.handlers.onEvents([event]);
      });
    }
  }

  async get(key: string): Promise<{ kv?: KV; revision: number }> {
    this.ensureOpen(key);
    const row = this.latestLive(key);
    return { kv: row ? rowToKV(row) : undefined, revision: this.revisionNow() };
  }

  private checkReadable(key: string, revision: number): void {
    if (revision > this.revisionNow())
      throw new StorageError('TooLargeResourceVersion', key, 'Too large resource version');
    if (revision < this.compactedRevision()) {
      throw new StorageError('Expired', key, 'The resourceVersion for the provided list is too old.');
    }
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.ensureOpen(prefix);
    const read = this.db.transaction(() => {
      const current = this.revisionNow();
      const rev = opts.revision && opts.revision > 0 ? opts.revision : current;
      if (opts.revision) this.checkReadable(prefix, opts.revision);
      const args = { start: opts.startKey ?? prefix, end: prefixEnd(prefix), rev };
      const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
      const rows = this.stmts.rangeLimited.all({ ...args, limit: limit > 0 ? limit + 1 : -1 });
      const more = limit > 0 && rows.length > limit;
      const kvs = (more ? rows.slice(0, limit) : rows).map(rowToKV);
      const count = more ? (this.stmts.rangeCount.get(args)?.n ?? kvs.length) : kvs.length;
      return { kvs, revision: rev, more, count };
    });
    return read();
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen(prefix);
    return this.stmts.rangeCount.get({ start: prefix, end: prefixEnd(prefix), rev: this.revisionNow() })?.n ?? 0;
  }

  async rangeStat(prefix: string): Promise<RangeStat> {
    this.ensureOpen(prefix);
    const read = this.db.transaction((): RangeStat => {
      const rev = this.revisionNow();
      const row = this.stmts.rangeStat.get({ start: prefix, end: prefixEnd(prefix), rev });
      return { revision: rev, count: row?.n ?? 0, maxModRevision: row?.maxId ?? 0 };
    });
    return read();
  }

  async create(key: string, value: Buffer, opts: { ttlSeconds?: number } = {}): Promise<WriteResult> {
    this.ensureOpen(key);
    const lease = opts.ttlSeconds && opts.ttlSeconds > 0 ? Date.now() + opts.ttlSeconds * 1000 : 0;
    return this.inNextCommit((): Written<WriteResult> => {
      const prev = this.stmts.latest.get(key);
      if (prev && !prev.deleted) return { result: { ok: false, current: rowToKV(prev) } };
      const row = this.append(key, { created: true, deleted: false }, prev, value, lease);
      return { result: { ok: true, revision: row.id }, row };
    });
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<WriteResult> {
    this.ensureOpen(key);
    return this.inNextCommit((): Written<WriteResult> => {
      const prev = this.latestLive(key);
      if (!prev || prev.id !== expectedModRevision) {
        return { result: { ok: false, current: prev ? rowToKV(prev) : undefined } };
      }
      const row = this.append(key, { created: false, deleted: false }, prev, value, prev.lease);
      return { result: { ok: true, revision: row.id }, row };
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.ensureOpen(key);
    return this.inNextCommit(() => this.deleteRow(key, expectedModRevision));
  }

  /** Transactions committed by writes (a group commit counts once), for tests and metrics. */
  get writeCommits(): number {
    return this.commits;
  }

  /**
   * Runs a write in the next group commit: the writes issued in one turn of the event
   * loop share one transaction, and so one fsync of the WAL, instead of one each. Each
   * runs in a savepoint of its own (one that throws fails alone), each is answered only
   * once the transaction committed, and watchers hear of them in revision order.
   */
  private inNextCommit<R>(op: () => Written<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ op, resolve, reject } as PendingWrite);
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    if (this.closed) {
      for (const w of batch) w.reject(new StorageError('Unreachable', '', 'embedded store is closed'));
      return;
    }
    const outcomes: Array<{ written: Written<unknown> } | { error: unknown }> = [];
    try {
      this.groupCommit(batch, outcomes);
    } catch (e) {
      // the commit itself failed: nothing of the batch was stored
      for (const w of batch) w.reject(e);
      return;
    }
    this.commits++;
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if ('error' in o) return w.reject(o.error);
      if (o.written.row) this.notify(o.written.row);
      w.resolve(o.written.result);
    });
  }

  private deleteRow(key: string, expectedModRevision?: number): Written<DeleteResult> {
    const prev = this.latestLive(key);
    if (!prev || (expectedModRevision !== undefined && prev.id !== expectedModRevision)) {
      return { result: { ok: false, current: prev ? rowToKV(prev) : undefined } };
    }
    const row = this.append(key, { created: false, deleted: true }, prev, prev.value);
    return { result: { ok: true, revision: row.id, prevKv: rowToKV(prev) }, row };
  }

  private deleteNow(key: string, expectedModRevision?: number): Written<DeleteResult> {
    return this.db.transaction(() => this.deleteRow(key, expectedModRevision)).immediate();
  }

  async watch(keyOrPrefix: string, opts: BackendWatchOptions, handlers: BackendWatchHandlers): Promise<BackendWatch> {
    this.ensureOpen(keyOrPrefix);
    if (opts.afterRevision < this.compactedRevision()) {
      throw new StorageError('Expired', keyOrPrefix, 'The resourceVersion for the provided watch is too old.');
    }
    const watcher: LocalWatcher = {
      start: keyOrPrefix,
      end: opts.recursive ? prefixEnd(keyOrPrefix) : keyOrPrefix + '\u0000',
      handlers,
      active: true,
    };
    // Replay and registration happen in one synchronous step: no write can slip between them.
    const backlog = this.stmts.since.all({ after: opts.afterRevision, start: watcher.start, end: watcher.end });
    this.watchers.add(watcher);
    if (backlog.length > 0) {
      const events = backlog.map(rowToEvent);
      queueMicrotask(() => {
        if (watcher.active) handlers.onEvents(events);
      });
    }
    return {
      cancel: async () => {
        watcher.active = false;
        this.watchers.delete(watcher);
      },
    };
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen('');
    return this.revisionNow();
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen('');
    const run = this.db.transaction(() => {
      if (revision <= this.compactedRevision()) return;
      const target = Math.min(revision, this.revisionNow());
      this.stmts.compactRows.run({ rev: target });
      this.stmts.setMeta.run('compact_rev', target);
    });
    run.immediate();
    // Like etcd, a watcher that has not yet caught up past the compacted revision is cut off; in-process
    // watchers always have (events are delivered from the write path), so none is affected.
  }

  /** Compacts to the revision seen one interval ago (the same rhythm as the etcd compactor). */
  async compactionStep(): Promise<void> {
    if (this.closed) return;
    const target = this.lastObservedRevision;
    this.lastObservedRevision = this.revisionNow();
    if (target > 0) await this.compact(target);
  }

  /** Deletes keys whose TTL has passed, as etcd's lease expiry would. */
  sweepExpired(): void {
    if (this.closed) return;
    for (const row of this.stmts.expired.all(Date.now())) {
      const { row: written } = this.deleteNow(row.name, row.id);
      if (written) this.notify(written);
    }
  }

  async storageSize(): Promise<number> {
    this.ensureOpen('');
    const pages = Number(this.db.pragma('page_count', { simple: true }));
    const pageSize = Number(this.db.pragma('page_size', { simple: true }));
    return pages * pageSize;
  }

  async healthCheck(): Promise<void> {
    this.ensureOpen('');
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // writes already accepted are committed and answered before the store closes
    this.commitPending();
    this.closed = true;
    await this.compactor?.stop();
    await this.ttlSweeper?.stop();
    for (const w of this.watchers) w.active = false;
    this.watchers.clear();
    this.db.close();
  }
}
