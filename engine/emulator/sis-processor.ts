/**
 * The per-account SIS job strand (canvas-sis.md §1.1 processing model): batches in `created` are
 * processed strictly in creation order, one at a time; a running batch blocks the next.
 */
import { runImport, type RunEnvironment } from './importer/run.js';
import type { Scheduler } from './scheduler.js';
import { nowIso } from './store.js';
import type { SisBatch } from './sis-batch.js';

export class SisProcessor {
  private readonly batches: SisBatch[] = [];
  private running = false;
  private waiting = false;

  constructor(private readonly env: RunEnvironment, private readonly scheduler: Scheduler, private readonly delayMs: () => number) {}

  get all(): readonly SisBatch[] {
    return this.batches;
  }

  enqueue(batch: SisBatch): void {
    this.batches.push(batch);
    this.kick();
  }

  /** Starts the next created batch after the processing delay, unless one is running or waiting. */
  kick(): void {
    if (this.running || this.waiting) return;
    if (!this.batches.some((b) => b.workflowState === 'created')) return;
    this.waiting = true;
    this.scheduler.schedule(() => {
      this.waiting = false;
      const next = this.batches.find((b) => b.workflowState === 'created');
      if (next) this.start(next);
    }, this.delayMs());
  }

  private start(batch: SisBatch): void {
    this.running = true;
    batch.workflowState = 'importing';
    batch.progress = 0;
    batch.startedAt = nowIso();
    batch.touch();
    const steps = runImport(batch, this.env);
    const step = (): void => {
      let done: boolean;
      try {
        done = steps.next().done === true;
      } catch (err) {
        // An unexpected exception ends the batch `failed` with data.error_message (SisBatch#process rescue).
        batch.data.error_message = err instanceof Error ? err.message : String(err);
        batch.workflowState = 'failed';
        batch.endedAt = nowIso();
        batch.touch();
        done = true;
      }
      if (done) {
        this.running = false;
        this.kick();
      } else {
        this.scheduler.schedule(step, this.delayMs());
      }
    };
    step();
  }
}
