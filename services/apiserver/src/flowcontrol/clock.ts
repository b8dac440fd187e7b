/** Time as the queue sets see it: milliseconds, and timers that can be cancelled. A fake one makes tests deterministic. */
export interface Clock {
  now(): number;
  /** Runs fn after ms; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    // a queued request's deadline must not keep a stopping process alive
    timer.unref();
    return () => clearTimeout(timer);
  },
};
