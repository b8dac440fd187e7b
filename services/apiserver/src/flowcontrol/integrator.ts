import type { Clock } from './clock';

/** What a seat demand integrator saw over one adjustment period. */
export interface IntegratorResults {
  /** seconds */
  duration: number;
  average: number;
  deviation: number;
  max: number;
}

/**
 * Upstream's fairqueuing Integrator: the time integral of a piecewise constant
 * value (a level's seats in use plus seats waiting) and of its square, so an
 * adjustment period's mean, standard deviation and high watermark come out in
 * O(1) per change.
 */
export class SeatDemandIntegrator {
  private value = 0;
  private since: number;
  private start: number;
  private integral = 0;
  private squares = 0;
  private max = 0;

  constructor(private readonly clock: Clock) {
    this.since = this.start = clock.now();
  }

  /** `now` saves a clock read when the caller has one. */
  set(value: number, now = this.clock.now()): void {
    this.accumulate(now);
    this.value = value;
    if (value > this.max) this.max = value;
  }

  /** The period's results; the next period starts now, at the current value. */
  reset(): IntegratorResults {
    this.accumulate(this.clock.now());
    const duration = (this.since - this.start) / 1000;
    const average = duration > 0 ? this.integral / duration : 0;
    const variance = duration > 0 ? this.squares / duration - average * average : 0;
    const results = { duration, average, deviation: Math.sqrt(Math.max(0, variance)), max: this.max };
    this.start = this.since;
    this.integral = this.squares = 0;
    this.max = this.value;
    return results;
  }

  private accumulate(now: number): void {
    const dt = (now - this.since) / 1000;
    if (dt > 0) {
      this.integral += this.value * dt;
      this.squares += this.value * this.value * dt;
    }
    this.since = now;
  }
}
