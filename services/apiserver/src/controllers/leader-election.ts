import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import { errorText, isStatus, microTimeNow, sleep, specOf, withTimeout } from './util';
import { logError } from '../logging/line-log';

/** client-go's defaults, used by kube-controller-manager and kube-scheduler. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface LeaderElectionConfig {
  /** The coordination.k8s.io/v1 leases store. */
  leases: GenericStore;
  namespace: string;
  name: string;
  /** Written to spec.holderIdentity while this elector leads. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called once leadership is acquired; the signal aborts when it is lost or given up. */
  onStartedLeading(signal: AbortSignal): void;
  /** Awaited after leadership is lost or given up, before another acquisition is attempted. */
  onStoppedLeading?(): Promise<void> | void;
  /**
   * True for holders known to be dead without waiting for the lease to expire,
   * e.g. an earlier incarnation of this replica (same identity lease name, on a
   * port this process now holds).
   */
  isStaleHolder?(holder: string): boolean;
  log?: (line: string) => void;
}

interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Leader election over a Lease object, with client-go's rules: a candidate only
 * takes a lease whose record it has seen unchanged for leaseDurationSeconds (its
 * own clock, so skew between replicas does not matter); the leader renews every
 * retry period and gives up when it could not renew for renewDeadline, which is
 * shorter than the lease duration, so two leaders never overlap. Writes are
 * conditional on the resourceVersion read.
 */
export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: (line: string) => void;
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  private leadership: AbortController | undefined;
  private readonly running = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = config.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = config.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('renewDeadline must be less than leaseDuration');
    this.log = config.log ?? (() => undefined);
  }

  get identity(): string {
    return this.config.identity;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops campaigning. With release (the default, client-go's ReleaseOnCancel) a
   * held lease is handed back at once so another replica need not wait for it to expire.
   */
  async stop(release = true): Promise<void> {
    this.running.abort();
    await this.loop;
    if (this.leading) {
      await this.loseLeadership();
      if (release) await this.release();
    }
  }

  /** Simulates a crash: stops renewing and leading without touching the lease (tests). */
  async abandon(): Promise<void> {
    await this.stop(false);
  }

  private async run(): Promise<void> {
    const signal = this.running.signal;
    while (!signal.aborted) {
      // acquire
      while (!signal.aborted && !this.leading) {
        if (await this.attempt(this.renewDeadlineMs)) {
          this.leading = true;
          this.leadership = new AbortController();
          this.log(`leader election: ${this.config.identity} became leader of ${this.leaseKey()}`);
          try {
            this.config.onStartedLeading(this.leadership.signal);
          } catch (e) {
            logError(this.log, `leader election: onStartedLeading failed: ${errorText(e)}`);
          }
        } else {
          await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
        }
      }
      // renew
      let lastRenew = performance.now();
      while (!signal.aborted && this.leading) {
        await sleep(this.retryPeriodMs, signal);
        if (signal.aborted) break;
        const left = this.renewDeadlineMs - (performance.now() - lastRenew);
        const ok = left > 0 && (await this.attempt(left));
        if (ok) {
          lastRenew = performance.now();
        } else if (performance.now() - lastRenew >= this.renewDeadlineMs) {
          logError(this.log, `leader election: ${this.config.identity} failed to renew ${this.leaseKey()}; stopping`);
          await this.loseLeadership();
        }
      }
    }
  }

  private leaseKey(): string {
    return `${this.config.namespace}/${this.config.name}`;
  }

  private async loseLeadership(): Promise<void> {
    this.leading = false;
    this.leadership?.abort();
    this.leadership = undefined;
    try {
      await this.config.onStoppedLeading?.();
    } catch (e) {
      logError(this.log, `leader election: onStoppedLeading failed: ${errorText(e)}`);
    }
  }

  private async attempt(timeoutMs: number): Promise<boolean> {
    try {
      return await withTimeout(this.tryAcquireOrRenew(), timeoutMs);
    } catch (e) {
      if (!isStatus(e, 409)) logError(this.log, `leader election: ${this.leaseKey()}: ${errorText(e)}`);
      return false;
    }
  }

  private desired(old: LeaseRecord | undefined): LeaseRecord {
    const now = microTimeNow();
    const mine = old?.holderIdentity === this.config.identity;
    return {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime: mine && old?.acquireTime ? old.acquireTime : now,
      renewTime: now,
      leaseTransitions: old === undefined ? 0 : (old.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
  }

  /** One round of client-go's tryAcquireOrRenew; true when this elector holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name } = this.config;
    let current: KubeObject;
    try {
      current = await leases.get(namespace, name);
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      const spec = this.desired(undefined);
      await leases.create(namespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { ...spec },
      });
      this.observe(spec);
      return true;
    }
    const record = specOf(current) as LeaseRecord;
    this.observe(record);
    const holder = record.holderIdentity ?? '';
    const durationMs = (record.leaseDurationSeconds ?? 0) * 1000;
    const stale = this.config.isStaleHolder?.(holder) ?? false;
    if (
      holder !== '' &&
      holder !== this.config.identity &&
      !stale &&
      this.observedAt + durationMs > performance.now()
    ) {
      return false;
    }
    const spec = this.desired(record);
    const rv = current.metadata?.resourceVersion;
    const updated = await leases.updateWith(namespace, name, (cur) => {
      const next: KubeObject = { ...cur, spec: { ...specOf(cur), ...spec } };
      next.metadata = { ...(cur.metadata ?? {}), resourceVersion: rv };
      return next;
    });
    this.observe(specOf(updated.object) as LeaseRecord);
    return true;
  }

  private observe(record: LeaseRecord): void {
    const text = JSON.stringify([
      record.holderIdentity ?? '',
      record.leaseDurationSeconds ?? 0,
      record.acquireTime ?? '',
      record.renewTime ?? '',
      record.leaseTransitions ?? 0,
    ]);
    if (text !== this.observedRecord) {
      this.observedRecord = text;
      this.observedAt = performance.now();
    }
  }

  /** Hands the lease back: empty holder, one-second duration (client-go's release). */
  private async release(): Promise<void> {
    const { leases, namespace, name } = this.config;
    try {
      const current = await leases.get(namespace, name);
      const record = specOf(current) as LeaseRecord;
      if (record.holderIdentity !== this.config.identity) return;
      const now = microTimeNow();
      const rv = current.metadata?.resourceVersion;
      await withTimeout(
        leases.updateWith(namespace, name, (cur) => {
          const spec: Record<string, unknown> = {
            ...specOf(cur),
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
            holderIdentity: '',
            leaseTransitions: record.leaseTransitions ?? 0,
          };
          return { ...cur, spec, metadata: { ...(cur.metadata ?? {}), resourceVersion: rv } };
        }),
        this.renewDeadlineMs,
      );
      this.log(`leader election: ${this.config.identity} released ${this.leaseKey()}`);
    } catch (e) {
      logError(this.log, `leader election: release of ${this.leaseKey()} failed: ${errorText(e)}`);
    }
  }
}
