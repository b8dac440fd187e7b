import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import { errorText, isStatus, microTimeNow, parseTime, sleep, specOf, type LeaderController } from './util';
import { logError } from '../logging/line-log';

/** Label marking kube-apiserver identity leases (upstream's key and value). */
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const IDENTITY_LABEL_VALUE = 'kube-apiserver';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const IDENTITY_NAMESPACE = 'kube-system';

export interface ReplicaIdentity {
  /** Lease name, `apiserver-<26 base32 characters>` as kube-apiserver names it. */
  leaseName: string;
  /** `<leaseName>_<uuid>`, new for every process; also this replica's leader election identity. */
  holderIdentity: string;
  hostname: string;
}

function base32Lower(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * kube-apiserver names its identity lease after a hash of the hostname (the first
 * 16 bytes of SHA-256, unpadded lowercase base32). Several kapi replicas may share
 * a host, so kapi hashes `hostname/advertiseAddress:port` instead: stable across
 * restarts of one replica (which then takes its lease over, as upstream does on a
 * restart), distinct for replicas on one host.
 */
export function replicaIdentity(opts: { advertiseAddress: string; port: number; hostname?: string }): ReplicaIdentity {
  const hostname = opts.hostname ?? os.hostname();
  const digest = createHash('sha256').update(`${hostname}/${opts.advertiseAddress}:${opts.port}`).digest();
  const leaseName = `apiserver-${base32Lower(digest.subarray(0, 16))}`;
  return { leaseName, hostname, holderIdentity: `${leaseName}_${randomUUID()}` };
}

export interface IdentityLeaseOptions {
  durationSeconds: number;
  renewIntervalMs: number;
  log?: (line: string) => void;
}

/**
 * Holds this replica's identity Lease in kube-system: created (or taken over) at
 * start, renewTime refreshed every renew interval, deleted on a graceful stop.
 */
export class IdentityLease {
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  private lastRenew = 0;
  private readonly log: (line: string) => void;

  constructor(
    private readonly leases: GenericStore,
    readonly identity: ReplicaIdentity,
    private readonly opts: IdentityLeaseOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
  }

  async start(): Promise<void> {
    try {
      await this.renew();
    } catch (e) {
      logError(this.log, `identity lease: ${errorText(e)}`);
    }
    this.loop = this.run();
  }

  /** Fails when the lease has not been renewed for a whole lease duration. */
  async check(): Promise<void> {
    if (performance.now() - this.lastRenew > this.opts.durationSeconds * 1000) {
      throw new Error(`identity lease ${this.identity.leaseName} is not being renewed`);
    }
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.loop;
    try {
      const cur = await this.leases.get(IDENTITY_NAMESPACE, this.identity.leaseName);
      if (specOf(cur).holderIdentity !== this.identity.holderIdentity) return;
      await this.leases.delete(IDENTITY_NAMESPACE, this.identity.leaseName, {
        preconditions: { uid: cur.metadata?.uid },
      });
    } catch (e) {
      if (!isStatus(e, 404)) logError(this.log, `identity lease: delete on stop failed: ${errorText(e)}`);
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopSignal.signal;
    while (!signal.aborted) {
      await sleep(this.opts.renewIntervalMs, signal);
      if (signal.aborted) return;
      try {
        await this.renew();
      } catch (e) {
        logError(this.log, `identity lease: renew failed: ${errorText(e)}`);
      }
    }
  }

  private spec(): Record<string, unknown> {
    return {
      holderIdentity: this.identity.holderIdentity,
      leaseDurationSeconds: this.opts.durationSeconds,
      renewTime: microTimeNow(),
    };
  }

  private labels(existing?: Record<string, string>): Record<string, string> {
    return { ...(existing ?? {}), [IDENTITY_LABEL]: IDENTITY_LABEL_VALUE, [HOSTNAME_LABEL]: this.identity.hostname };
  }

  private async renew(): Promise<void> {
    const name = this.identity.leaseName;
    try {
      await this.leases.updateWith(IDENTITY_NAMESPACE, name, (cur) => ({
        ...cur,
        metadata: { ...(cur.metadata ?? {}), labels: this.labels(cur.metadata?.labels) },
        spec: { ...specOf(cur), ...this.spec() },
      }));
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      try {
        await this.leases.create(IDENTITY_NAMESPACE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: IDENTITY_NAMESPACE, labels: this.labels() },
          spec: this.spec(),
        });
      } catch (err) {
        if (!isStatus(err, 409)) throw err;
        return; // created meanwhile by a previous incarnation; renewed on the next tick
      }
    }
    this.lastRenew = performance.now();
  }
}

/**
 * Deletes identity leases whose holders stopped renewing them (renewTime plus
 * leaseDurationSeconds in the past): upstream's apiserver lease GC, checking every
 * period (the identity lease duration).
 */
export class IdentityLeaseGC implements LeaderController {
  readonly name = 'identity-lease-gc';
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: GenericStore,
    private readonly periodMs: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.collect(signal);
        } catch (e) {
          logError(this.log, `identity lease gc: ${errorText(e)}`);
        }
        await sleep(this.periodMs, signal);
      }
    })();
  }

  stopped(): Promise<void> {
    return this.loop;
  }

  async collect(signal?: AbortSignal): Promise<number> {
    const list = await this.leases.list(IDENTITY_NAMESPACE, {
      labelMatch: (labels) => labels?.[IDENTITY_LABEL] === IDENTITY_LABEL_VALUE,
    });
    let removed = 0;
    for (const lease of (list.items as KubeObject[]) ?? []) {
      if (signal?.aborted) break;
      const spec = specOf(lease);
      const renewed = parseTime(spec.renewTime);
      const duration = typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0;
      if (!Number.isNaN(renewed) && renewed + duration * 1000 > Date.now()) continue;
      try {
        await this.leases.delete(IDENTITY_NAMESPACE, lease.metadata?.name ?? '', {
          preconditions: { uid: lease.metadata?.uid, resourceVersion: lease.metadata?.resourceVersion },
        });
        removed++;
        this.log(`identity lease gc: deleted expired lease ${lease.metadata?.name ?? ''}`);
      } catch (e) {
        if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
      }
    }
    return removed;
  }
}
