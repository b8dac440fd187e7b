import { errorText, sleep, type LeaderController } from './util';
import { logError } from '../logging/line-log';

/** Upstream's repairLoopInterval for the ClusterIP and NodePort repair loops. */
export const REPAIR_INTERVAL_MS = 3 * 60_000;

/**
 * Runs the service IP / node port allocator repair at leadership start and then
 * every interval. The repair itself comes from the services registry.
 */
export class AllocatorRepair implements LeaderController {
  readonly name = 'allocator-repair';
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly repair: () => Promise<void>,
    private readonly intervalMs = REPAIR_INTERVAL_MS,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.repair();
        } catch (e) {
          logError(this.log, `allocator repair: ${errorText(e)}`);
        }
        await sleep(this.intervalMs, signal);
      }
    })();
  }

  stopped(): Promise<void> {
    return this.loop;
  }
}
