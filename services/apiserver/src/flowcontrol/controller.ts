import type { UserInfo } from '../authn/user';
import { nameAndGroupsKey } from '../api/user-key';
import type { RequestInfo } from '../endpoints/request-info';
import type { FlowSchema, PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS } from './bootstrap';
import { nominalConcurrencyLimits } from './concurrency';
import { compareFlowSchemas, flowDistinguisher, matchesFlowSchema } from './match';
import { QueueSet, type QueuingConfig } from './queueset';
import { flowHash } from './shuffle-shard';
import { DroppedRequests } from './dropped-requests';
import { ObjectCounts } from './object-counts';
import { maxSeatsFor } from './work-estimate';

export interface LevelState {
  name: string;
  uid: string;
  exempt: boolean;
  concurrencyLimit: number;
  /** the widest a single request may be */
  maxSeats: number;
  /** undefined for exempt levels */
  queues?: QueueSet;
}

export interface Classification {
  schemaName: string;
  schemaUID: string;
  level: LevelState;
  /** with the schema's name, the flow (hashed only where a level queues) */
  distinguisher: string;
  /** flowHash(schemaName, distinguisher): the flow's shuffle-sharding hash */
  flowHash: bigint;
}

const MAX_CACHED_CLASSIFICATIONS = 10_000;

/** Everything of a request the schemas match on: the user's name and groups, and the request's attributes. */
function classificationKey(user: UserInfo, info: RequestInfo): string {
  const request = info.isResourceRequest
    ? `r\0${info.verb}\0${info.apiGroup}\0${info.resource}\0${info.subresource}\0${info.namespace}`
    : `n\0${info.verb}\0${info.path}`;
  return `${nameAndGroupsKey(user)}\0${request}`;
}

const UNLIMITED: QueuingConfig = {
  concurrencyLimit: Number.MAX_SAFE_INTEGER,
  queues: 1,
  handSize: 1,
  queueLengthLimit: Number.MAX_SAFE_INTEGER,
};

function queuingOf(pl: PriorityLevelConfiguration, limit: number): QueuingConfig {
  const response = pl.spec?.limited?.limitResponse;
  const q = response?.type === 'Queue' ? response.queuing : undefined;
  if (!q) return { concurrencyLimit: limit, queues: 0, handSize: 0, queueLengthLimit: 0 };
  const queues = q.queues ?? 64;
  return {
    concurrencyLimit: limit,
    queues,
    handSize: Math.min(q.handSize ?? 8, queues),
    queueLengthLimit: q.queueLengthLimit ?? 50,
  };
}

function classification(
  schemaName: string,
  schemaUID: string,
  level: LevelState,
  distinguisher: string,
): Classification {
  return { schemaName, schemaUID, level, distinguisher, flowHash: flowHash(schemaName, distinguisher) };
}

/**
 * Upstream's APF configuration controller as the filter sees it: the current
 * FlowSchemas (sorted, dangling ones left out) and one state per priority level
 * (its concurrency limit and queues). The mandatory objects are used in their
 * bootstrap form until (and whenever) the cluster has no copy of them.
 */
export class FlowControl {
  private schemas: FlowSchema[] = [];
  private levels = new Map<string, LevelState>();
  private schemaObjects = new Map<string, FlowSchema>();
  private levelObjects = new Map<string, PriorityLevelConfiguration>();
  /** stored objects per resource, for the list work estimate */
  readonly objectCounts = new ObjectCounts();
  /** rejections per level, for Retry-After */
  readonly dropped = new DroppedRequests();
  /**
   * Classifications depend only on the schemas and levels and on the key's attributes, so a
   * client's repeated requests skip the schema walk and the flow hash until the configuration
   * changes (every change rebuilds and empties this).
   */
  private readonly classified = new Map<string, Classification>();

  constructor(
    private readonly serverConcurrencyLimit: number,
    readonly requestWaitLimitMs: number,
  ) {
    this.rebuild();
  }

  upsertFlowSchema(fs: FlowSchema): void {
    this.schemaObjects.set(fs.metadata?.name ?? '', fs);
    this.rebuild();
  }

  removeFlowSchema(name: string): void {
    this.schemaObjects.delete(name);
    this.rebuild();
  }

  upsertPriorityLevel(pl: PriorityLevelConfiguration): void {
    this.levelObjects.set(pl.metadata?.name ?? '', pl);
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
    if (schemas) this.schemaObjects = new Map(schemas.map((o) => [o.metadata?.name ?? '', o]));
    if (levels) this.levelObjects = new Map(levels.map((o) => [o.metadata?.name ?? '', o]));
    this.rebuild();
  }

  level(name: string): LevelState | undefined {
    return this.levels.get(name);
  }

  /** The first matching schema in evaluation order; the mandatory catch-all when none does. Shared: do not mutate. */
  classify(user: UserInfo, info: RequestInfo): Classification {
    const key = classificationKey(user, info);
    const cached = this.classified.get(key);
    if (cached) return cached;
    if (this.classified.size >= MAX_CACHED_CLASSIFICATIONS) this.classified.clear();
    const c = this.evaluate(user, info);
    this.classified.set(key, c);
    return c;
  }

  private evaluate(user: UserInfo, info: RequestInfo): Classification {
    for (const fs of this.schemas) {
      if (!matchesFlowSchema(fs, user, info)) continue;
      const level = this.levels.get(fs.spec?.priorityLevelConfiguration?.name ?? '');
      if (!level) continue;
      return classification(fs.metadata?.name ?? '', fs.metadata?.uid ?? '', level, flowDistinguisher(fs, user, info));
    }
    const catchAll = MANDATORY_FLOW_SCHEMAS[1];
    const level = this.levels.get('catch-all') as LevelState;
    return classification(catchAll.metadata?.name ?? '', '', level, user.name);
  }

  private rebuild(): void {
    this.classified.clear();
    const levelObjects = new Map(this.levelObjects);
    for (const m of MANDATORY_PRIORITY_LEVELS)
      if (!levelObjects.has(m.metadata?.name ?? '')) levelObjects.set(m.metadata?.name ?? '', m);
    const levels = [...levelObjects.values()];
    const limits = nominalConcurrencyLimits(this.serverConcurrencyLimit, levels);
    const next = new Map<string, LevelState>();
    for (const pl of levels) {
      const name = pl.metadata?.name ?? '';
      const exempt = pl.spec?.type === 'Exempt';
      const limit = limits.get(name) ?? 0;
      const old = this.levels.get(name);
      const state: LevelState = {
        name,
        uid: pl.metadata?.uid ?? '',
        exempt,
        concurrencyLimit: limit,
        maxSeats: maxSeatsFor(limit),
      };
      if (!exempt) {
        const cfg = queuingOf(pl, limit);
        // requests waiting or running keep their level's accounting across edits
        if (old?.queues) {
          old.queues.reconfigure(cfg);
          state.queues = old.queues;
        } else state.queues = new QueueSet(cfg);
      }
      next.set(name, state);
    }
    // requests still waiting at a level that went away or became exempt are let through
    for (const [name, old] of this.levels) {
      if (old.queues && !next.get(name)?.queues) old.queues.reconfigure(UNLIMITED);
    }
    this.levels = next;
    const schemaObjects = new Map(this.schemaObjects);
    for (const m of MANDATORY_FLOW_SCHEMAS)
      if (!schemaObjects.has(m.metadata?.name ?? '')) schemaObjects.set(m.metadata?.name ?? '', m);
    this.schemas = [...schemaObjects.values()]
      .filter((fs) => next.has(fs.spec?.priorityLevelConfiguration?.name ?? ''))
      .sort(compareFlowSchemas);
  }
}
