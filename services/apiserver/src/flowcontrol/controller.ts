import type { UserInfo } from '../authn/user';
import type { RequestInfo } from '../endpoints/request-info';
import type { FlowSchema, PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import { allocateSeats, type AllocationItem } from './allocation';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS } from './bootstrap';
import { levelLimits, nominalShares, SeatDemandStats, type LevelLimits } from './borrowing';
import { ClassificationCache } from './classification-cache';
import { realClock, type Clock } from './clock';
import { DroppedRequests } from './dropped-requests';
import { compareFlowSchemas, flowDistinguisher, matchesFlowSchema } from './match';
import { ObjectCounts } from './object-counts';
import {
  NOOP_OBSERVER,
  type FlowControlObserver,
  type FlowSeries,
  type KindSeries,
  type LevelSeries,
} from './observer';
import { QueueSet, type QueuingConfig } from './queueset';
import { flowHash } from './shuffle-shard';
import { WatchTracker } from './watch-tracker';
import { maxSeatsFor } from './work-estimate';

export interface LevelState {
  name: string;
  uid: string;
  exempt: boolean;
  config: QueuingConfig;
  limits: LevelLimits;
  /** the seats it may use now: nominal, moved by borrowing between lower and upper */
  currentLimit: number;
  /** the widest a single request may be */
  maxSeats: number;
  /** its queues; an exempt level's run everything and only count */
  queues: QueueSet;
  readonly stats: SeatDemandStats;
  readonly series: LevelSeries;
}

export interface Classification {
  schemaName: string;
  schemaUID: string;
  level: LevelState;
  /** with the schema's name, the flow */
  distinguisher: string;
  /** the flow's shuffle sharding hash (0 where the level has no queues to deal) */
  hash: bigint;
  /** the (level, schema) pair's metric series */
  flow: FlowSeries;
  /** the request kind's (read or write) series */
  kind: KindSeries;
  /** X-Kubernetes-PF-FlowSchema-UID and X-Kubernetes-PF-PriorityLevel-UID */
  headers: Readonly<Record<string, string>>;
}

export const FLOW_SCHEMA_UID_HEADER = 'x-kubernetes-pf-flowschema-uid';
export const PRIORITY_LEVEL_UID_HEADER = 'x-kubernetes-pf-prioritylevel-uid';

const EXEMPT: QueuingConfig = { queues: -1, handSize: 0, queueLengthLimit: 0 };

function queuingOf(pl: PriorityLevelConfiguration): QueuingConfig {
  if (pl.spec?.type === 'Exempt') return EXEMPT;
  const response = pl.spec?.limited?.limitResponse;
  const q = response?.type === 'Queue' ? response.queuing : undefined;
  if (!q) return { queues: 0, handSize: 0, queueLengthLimit: 0 };
  const queues = q.queues ?? 64;
  return { queues, handSize: Math.min(q.handSize ?? 8, queues), queueLengthLimit: q.queueLengthLimit ?? 50 };
}

const READ_ONLY_VERBS = new Set(['get', 'list', 'watch']);

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';

/**
 * Upstream's APF configuration controller as the filter sees it: the current
 * FlowSchemas (sorted, dangling ones left out) and one state per priority
 * level (limits, queues, seat demand). The mandatory objects are used in
 * their bootstrap form until (and whenever) the cluster has no copy of them.
 * adjustBorrowing, run every 10 s, moves seats from levels that do not use
 * them to levels that want more, within each level's lendable and
 * borrowable bounds.
 */
export class FlowControl {
  private schemas: FlowSchema[] = [];
  private levels = new Map<string, LevelState>();
  private schemaObjects = new Map<string, FlowSchema>();
  private levelObjects = new Map<string, PriorityLevelConfiguration>();
  private nominalSum = 0;
  private readonly cache = new ClassificationCache<Classification>();
  /** stored objects per resource, for the list work estimate */
  readonly objectCounts = new ObjectCounts();
  /** rejections per level, for Retry-After */
  readonly dropped = new DroppedRequests();
  /** watches being served, for the cost of writes */
  readonly watches = new WatchTracker();

  constructor(
    private readonly serverConcurrencyLimit: number,
    readonly requestWaitLimitMs: number,
    private readonly observer: FlowControlObserver = NOOP_OBSERVER,
    private readonly clock: Clock = realClock,
  ) {
    this.rebuild();
  }

  upsertFlowSchema(fs: FlowSchema): void {
    this.schemaObjects.set(nameOf(fs), fs);
    this.rebuild();
  }

  removeFlowSchema(name: string): void {
    this.schemaObjects.delete(name);
    this.rebuild();
  }

  upsertPriorityLevel(pl: PriorityLevelConfiguration): void {
    this.levelObjects.set(nameOf(pl), pl);
    this.rebuild();
  }

  removePriorityLevel(name: string): void {
    this.levelObjects.delete(name);
    this.rebuild();
  }

  /** Replaces everything (an informer's relist). */
  replaceAll(
    schemas: readonly FlowSchema[] | undefined,
    levels: readonly PriorityLevelConfiguration[] | undefined,
  ): void {
    if (schemas) this.schemaObjects = new Map(schemas.map((o) => [nameOf(o), o]));
    if (levels) this.levelObjects = new Map(levels.map((o) => [nameOf(o), o]));
    this.rebuild();
  }

  level(name: string): LevelState | undefined {
    return this.levels.get(name);
  }

  /** The first matching schema in evaluation order; the mandatory catch-all when none does. */
  classify(user: UserInfo, info: RequestInfo): Classification {
    const known = this.cache.get(user, info);
    if (known) return known;
    const c = this.classifyUncached(user, info);
    this.cache.set(user, info, c);
    return c;
  }

  private classifyUncached(user: UserInfo, info: RequestInfo): Classification {
    for (const fs of this.schemas) {
      if (!matchesFlowSchema(fs, user, info)) continue;
      const level = this.levels.get(fs.spec?.priorityLevelConfiguration?.name ?? '');
      if (level) return this.classification(fs, level, flowDistinguisher(fs, user, info), info.verb);
    }
    const catchAll = this.levels.get('catch-all') as LevelState;
    return this.classification(MANDATORY_FLOW_SCHEMAS[1], catchAll, user.name, info.verb);
  }

  private classification(fs: FlowSchema, level: LevelState, distinguisher: string, verb: string): Classification {
    const schemaName = nameOf(fs);
    const schemaUID = fs.metadata?.uid ?? '';
    // as upstream, only a level with queues to deal among hashes its flows
    const dealt = level.config.queues > 1;
    return {
      schemaName,
      schemaUID,
      level,
      distinguisher,
      hash: dealt ? flowHash(schemaName, distinguisher) : 0n,
      flow: this.observer.flow(level.name, schemaName),
      kind: this.observer.kind(READ_ONLY_VERBS.has(verb) ? 'readOnly' : 'mutating'),
      headers: { [FLOW_SCHEMA_UID_HEADER]: schemaUID, [PRIORITY_LEVEL_UID_HEADER]: level.uid },
    };
  }

  /**
   * Upstream's periodic seat reallocation: each level's seat demand over the
   * period sets a target; seats are shared out in proportion to targets so
   * they sum to the nominal total, never below what a level may not lend nor
   * above what it may borrow.
   */
  adjustBorrowing(): void {
    this.reallocate();
  }

  /** Also run on every configuration change, as upstream's controller does. */
  private reallocate(): void {
    const levels = [...this.levels.values()];
    const items: AllocationItem[] = levels.map((l) => {
      l.stats.update(l.queues.demand.reset());
      // what a level recently used (up to its nominal) is not taken from it
      const lowerBound = Math.max(l.limits.lower, Math.min(l.limits.nominal, l.stats.highWatermark));
      return { lowerBound, upperBound: l.limits.upper, target: Math.max(lowerBound, l.stats.smoothed) };
    });
    let seats: number[];
    let fairFrac = 0;
    try {
      ({ seats, fairFrac } = allocateSeats(this.nominalSum, items));
    } catch {
      // an impossible problem (it cannot arise from valid configuration) keeps the present limits
      seats = levels.map((l) => l.currentLimit);
    }
    levels.forEach((l, i) => {
      l.currentLimit = Math.round(seats[i]);
      if (!l.exempt) l.queues.setConcurrencyLimit(l.currentLimit);
      l.series.denominators(
        l.currentLimit > 0 ? l.currentLimit : Math.max(1, Math.round(this.serverConcurrencyLimit / 10)),
        Math.max(1, l.config.queueLengthLimit) * Math.max(1, l.config.queues),
      );
      l.series.adjustment({
        highWatermark: l.stats.highWatermark,
        average: l.stats.average,
        stdDev: l.stats.stdDev,
        smoothed: l.stats.smoothed,
        target: items[i].target,
        currentLimit: l.currentLimit,
      });
    });
    this.observer.fairFrac(fairFrac);
  }

  private rebuild(): void {
    const levelObjects = new Map(this.levelObjects);
    for (const m of MANDATORY_PRIORITY_LEVELS) if (!levelObjects.has(nameOf(m))) levelObjects.set(nameOf(m), m);
    const levels = [...levelObjects.values()];
    const shareSum = levels.reduce((s, pl) => s + nominalShares(pl), 0);
    const next = new Map<string, LevelState>();
    let nominalSum = 0;
    let waitingRoom = 0;
    for (const pl of levels) {
      const name = nameOf(pl);
      const config = queuingOf(pl);
      const limits = levelLimits(this.serverConcurrencyLimit, shareSum, pl);
      nominalSum += limits.nominal;
      if (config.queues > 0) waitingRoom += config.queues * config.queueLengthLimit;
      const old = this.levels.get(name);
      const maxSeats = maxSeatsFor(limits.nominal, config.queues > 0 ? config.handSize : undefined);
      const series = old?.series ?? this.observer.level(name);
      series.limits(limits.nominal, limits.lower, limits.upper);
      let state: LevelState;
      if (old) {
        // requests waiting or running keep their level's accounting across edits
        old.queues.reconfigure(config);
        state = { ...old, uid: pl.metadata?.uid ?? '', exempt: config.queues < 0, config, limits, maxSeats };
      } else {
        const currentLimit = limits.nominal - Math.floor(limits.lendable / 2);
        state = {
          name,
          uid: pl.metadata?.uid ?? '',
          exempt: config.queues < 0,
          config,
          limits,
          currentLimit,
          maxSeats,
          queues: new QueueSet(config, currentLimit, this.clock, series),
          stats: new SeatDemandStats(),
          series,
        };
      }
      next.set(name, state);
    }
    // requests still waiting at a level that went away are let through
    for (const [name, old] of this.levels) if (!next.has(name)) old.queues.reconfigure(EXEMPT);
    this.levels = next;
    this.nominalSum = nominalSum;
    // with no queuing level at all (before the configuration is read) there is no room: 1 keeps the ratio finite
    this.observer.capacity(Math.max(1, waitingRoom), Math.max(1, nominalSum));
    const schemaObjects = new Map(this.schemaObjects);
    for (const m of MANDATORY_FLOW_SCHEMAS) if (!schemaObjects.has(nameOf(m))) schemaObjects.set(nameOf(m), m);
    this.schemas = [...schemaObjects.values()]
      .filter((fs) => next.has(fs.spec?.priorityLevelConfiguration?.name ?? ''))
      .sort(compareFlowSchemas);
    this.cache.clear();
    this.reallocate();
  }
}
