/**
 * Timers for the emulator's background work (SIS batches, reports), so `close()` can cancel
 * everything still pending. A delay of 0 still defers to the next turn of the event loop: an API
 * answer never contains work that Canvas would do in a background job.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private closed = false;

  schedule(fn: () => void, delayMs: number): void {
    if (this.closed) return;
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        fn();
      }, delayMs);
      this.timers.add(t);
    } else {
      const i = setImmediate(() => {
        this.immediates.delete(i);
        fn();
      });
      this.immediates.add(i);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
  }
}
