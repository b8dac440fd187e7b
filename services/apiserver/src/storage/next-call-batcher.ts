/**
 * Runs fn for a batch of callers. A caller that arrives while a call is in flight
 * waits for the next call rather than joining it, because the answer must be read
 * after the caller arrived (linearizable reads).
 */
export class NextCallBatcher<T> {
  private running?: Promise<T>;
  private queued?: Promise<T>;

  constructor(private readonly fn: () => Promise<T>) {}

  run(): Promise<T> {
    if (!this.running) {
      const p = this.fn();
      this.running = p;
      const clear = (): void => {
        if (this.running === p) this.running = undefined;
      };
      p.then(clear, clear);
      return p;
    }
    if (!this.queued) {
      const q = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.queued = q.then(() => {
        this.queued = undefined;
        return this.run();
      });
    }
    return this.queued;
  }
}
