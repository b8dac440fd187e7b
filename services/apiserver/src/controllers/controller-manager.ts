import { setMaxListeners } from 'node:events';
import type { GenericStore } from '../registry/generic-store';
import { LeaderElector, type LeaderElectionConfig } from './leader-election';
import { errorText, type LeaderController } from './util';
import { logError } from '../logging/line-log';

export const CONTROLLER_LEASE_NAME = 'kapi-controller-manager';
export const CONTROLLER_LEASE_NAMESPACE = 'kube-system';

export interface ControllerManagerOptions {
  leases: GenericStore;
  identity: string;
  controllers: LeaderController[];
  leaseName?: string;
  leaseNamespace?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  isStaleHolder?(holder: string): boolean;
  log?: (line: string) => void;
}

/**
 * Runs the cluster-wide controllers on exactly one replica: they start when this
 * replica acquires the leader Lease and are stopped (their signal aborted and
 * their in-flight work awaited) before it campaigns again after losing it.
 */
export class ControllerManager {
  readonly elector: LeaderElector;
  private running: LeaderController[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ControllerManagerOptions) {
    this.log = opts.log ?? (() => undefined);
    const config: LeaderElectionConfig = {
      leases: opts.leases,
      namespace: opts.leaseNamespace ?? CONTROLLER_LEASE_NAMESPACE,
      name: opts.leaseName ?? CONTROLLER_LEASE_NAME,
      identity: opts.identity,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      isStaleHolder: opts.isStaleHolder,
      log: this.log,
      onStartedLeading: (signal) => this.startControllers(signal),
      onStoppedLeading: () => this.stopControllers(),
    };
    this.elector = new LeaderElector(config);
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop(true);
  }

  /** Crash simulation for tests: stop without releasing the lease. */
  async abandon(): Promise<void> {
    await this.elector.abandon();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  private startControllers(signal: AbortSignal): void {
    // every informer and timer of every controller listens to this one signal
    setMaxListeners(0, signal);
    this.running = [];
    for (const c of this.opts.controllers) {
      try {
        c.start(signal);
        this.running.push(c);
      } catch (e) {
        logError(this.log, `controller ${c.name} failed to start: ${errorText(e)}`);
      }
    }
    this.log(`controllers started: ${this.running.map((c) => c.name).join(', ')}`);
  }

  private async stopControllers(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(
      running.map((c) =>
        c.stopped().catch((e: unknown) => logError(this.log, `controller ${c.name} failed to stop: ${errorText(e)}`)),
      ),
    );
    this.log('controllers stopped');
  }
}
