import { updateDanglingConditions } from '../flowcontrol/dangling';
import { ensureApfConfiguration } from '../flowcontrol/ensurer';
import type { GenericStore } from '../registry/generic-store';
import { runInformer, type InformerHandlers } from './informer';
import { errorText, sleep, type LeaderController } from './util';

/** A safety net besides the watches, as upstream's ensurer also re-checks periodically. */
const INTERVAL_MS = 60_000;
/** Coalesces the burst of events a pass itself causes. */
const DEBOUNCE_MS = 200;

/**
 * Keeps the API Priority and Fairness bootstrap configuration in place on the
 * leader: one pass at start, again whenever a FlowSchema or
 * PriorityLevelConfiguration changes or is deleted, and once a minute; also
 * each FlowSchema's Dangling condition (upstream writes it from every replica,
 * one writer is enough here).
 */
export class ApfConfigurationController implements LeaderController {
  readonly name = 'apf-configuration-controller';
  private tasks: Promise<void>[] = [];

  constructor(
    private readonly levels: () => GenericStore | undefined,
    private readonly schemas: () => GenericStore | undefined,
    private readonly log: (line: string) => void = () => undefined,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  start(signal: AbortSignal): void {
    const levels = this.levels();
    const schemas = this.schemas();
    if (!levels || !schemas) return;
    let wake: (() => void) | undefined;
    let pending = false;
    const kick = (): void => {
      pending = true;
      wake?.();
    };
    const handlers: InformerHandlers = { onList: kick, onEvent: kick };
    this.tasks = [
      (async () => {
        while (!signal.aborted) {
          pending = false;
          try {
            await ensureApfConfiguration(levels, schemas);
            await updateDanglingConditions(levels, schemas);
          } catch (e) {
            if (!signal.aborted) this.log(`apf configuration: ${errorText(e)}`);
          }
          await sleep(DEBOUNCE_MS, signal);
          if (pending) continue;
          await new Promise<void>((resolve) => {
            wake = resolve;
            void sleep(this.intervalMs, signal).then(resolve);
          });
          wake = undefined;
        }
      })(),
      runInformer(levels, signal, handlers, this.log),
      runInformer(schemas, signal, handlers, this.log),
    ];
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
  }
}
