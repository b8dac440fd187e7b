/**
 * Runs one compaction step per interval, one at a time, until stopped. Both
 * backends keep one interval of history: each step compacts to the revision
 * the previous step observed, so a watcher that is less than one interval
 * behind can still resume.
 */
export interface PeriodicTask {
  stop(): Promise<void>;
}

export function startPeriodic(
  intervalMs: number,
  step: () => Promise<void>,
  onError: (e: unknown) => void,
): PeriodicTask {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = step()
        .catch(onError)
        .finally(() => schedule());
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** kube-apiserver's default --etcd-compaction-interval. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;
