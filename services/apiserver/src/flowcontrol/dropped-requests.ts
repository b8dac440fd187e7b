/** The longest Retry-After upstream ever suggests, in seconds. */
const MAX_RETRY_AFTER = 32;

interface SecondCount {
  second: number;
  count: number;
}

/**
 * One priority level's recent rejections and the Retry-After they lead to, as
 * upstream's dropped-requests tracker: doubled (at most once per Retry-After
 * period) while at least 3×Retry-After requests were refused in the last
 * Retry-After seconds, lowered by one while fewer than Retry-After were.
 */
class LevelDrops {
  private history: SecondCount[] = [];
  private currentSecond = 0;
  private currentCount = 0;
  private lastIncrease = 0;
  retryAfter = 1;

  record(second: number): void {
    if (second === this.currentSecond) {
      this.currentCount++;
      return;
    }
    this.pushHistory(this.currentSecond, this.currentCount);
    this.currentSecond = second;
    this.currentCount = 1;
    // the new second has no complete count yet, so the seconds before it decide
    this.adjust(second);
  }

  private pushHistory(second: number, count: number): void {
    this.history.push({ second, count });
    const keep = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER);
    this.history = this.history.filter((h) => second - h.second <= keep);
  }

  private adjust(now: number): void {
    let dropped = 0;
    for (const h of this.history) if (now - h.second <= this.retryAfter && h.second < now) dropped += h.count;
    if (now - this.lastIncrease >= this.retryAfter && dropped >= 3 * this.retryAfter) {
      this.retryAfter = Math.min(2 * this.retryAfter, MAX_RETRY_AFTER);
      this.lastIncrease = now;
    } else if (dropped < this.retryAfter && this.retryAfter > 1) {
      this.retryAfter--;
    }
  }
}

/** Per priority level: the Retry-After a rejected request is answered with. */
export class DroppedRequests {
  private levels = new Map<string, LevelDrops>();

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  /** Records a rejection at `level` and returns the Retry-After (seconds) to answer it with. */
  recordAndGetRetryAfter(level: string): number {
    let drops = this.levels.get(level);
    if (!drops) this.levels.set(level, (drops = new LevelDrops()));
    drops.record(this.nowSeconds());
    return drops.retryAfter;
  }
}
