/**
 * How much one watcher may have buffered for a consumer that does not keep up,
 * and for how long (upstream's cacher: a bounded per-watcher channel, and a
 * watcher that cannot take events within a time budget is closed "due to
 * unresponsiveness"). The fan-out never waits for a consumer, so the bounds are
 * what keeps one stalled client from growing the process without limit.
 */
export interface WatcherLimits {
  /** Buffered events at which the watcher is closed at once (its consumer drains what is buffered, then the stream ends). */
  maxEvents: number;
  /** Buffered bytes (the objects' packed size) at which the watcher is closed at once. */
  maxBytes: number;
  /**
   * A watcher holding at least half of either bound counts as full; one that stays
   * full this long is closed and its buffer released, as is the buffer of a closed
   * watcher whose consumer has not drained it by then.
   */
  stallTimeoutMs: number;
}

export const DEFAULT_WATCHER_LIMITS: WatcherLimits = {
  maxEvents: 10_000,
  maxBytes: 32 * 1024 * 1024,
  stallTimeoutMs: 5_000,
};

/**
 * Counts a buffer against WatcherLimits and runs the stall timer. The owner
 * calls add/remove as events enter and leave the buffer and closes the watcher
 * when told to.
 */
export class BacklogMeter {
  events = 0;
  bytes = 0;
  private extraEvents = 0;
  private extraBytes = 0;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: WatcherLimits,
    /** Called when the buffer stayed full past the stall timeout. */
    private readonly onStall: () => void,
    /** false: never closed at once for size, only for staying full (a consumer known to pull, e.g. the cache itself). */
    private readonly hardBound = true,
  ) {}

  /** Raises the bounds for events the watcher starts with (its initial state, already bounded by the cache). */
  allowExtra(events: number, bytes: number): void {
    this.extraEvents += events;
    this.extraBytes += bytes;
  }

  /** Whether one more event of this size would go over a bound. */
  wouldOverflow(bytes: number): boolean {
    if (!this.hardBound) return false;
    return (
      this.events + 1 > this.limits.maxEvents + this.extraEvents ||
      (this.events > 0 && this.bytes + bytes > this.limits.maxBytes + this.extraBytes)
    );
  }

  get full(): boolean {
    return (
      this.events >= (this.limits.maxEvents + this.extraEvents) / 2 ||
      this.bytes >= (this.limits.maxBytes + this.extraBytes) / 2
    );
  }

  add(bytes: number): void {
    this.events++;
    this.bytes += bytes;
    if (!this.stallTimer && this.full) {
      this.stallTimer = setTimeout(() => {
        this.stallTimer = undefined;
        if (this.full) this.onStall();
      }, this.limits.stallTimeoutMs);
      this.stallTimer.unref();
    }
  }

  remove(bytes: number): void {
    this.events = Math.max(0, this.events - 1);
    this.bytes = Math.max(0, this.bytes - bytes);
    if (this.stallTimer && !this.full) this.clearTimer();
  }

  /** The buffer was emptied at once (dropped). */
  reset(): void {
    this.events = 0;
    this.bytes = 0;
    this.clearTimer();
  }

  clearTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
