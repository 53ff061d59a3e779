/** What the API modules share: the account, stored files, the SIS strand, reports and faults. */
import type { FaultBook } from './faults.js';
import type { FileStore } from './files.js';
import type { ReportRunner } from './report-runner.js';
import type { Scheduler } from './scheduler.js';
import type { SisProcessor } from './sis-processor.js';
import type { Store } from './store.js';
import type { LeakyBucket } from './throttle.js';

export interface EmulatorCore {
  store: Store;
  files: FileStore;
  sis: SisProcessor;
  reports: ReportRunner;
  faults: FaultBook;
  scheduler: Scheduler;
  bucket: LeakyBucket;
  timeZone: string;
  processingDelayMs: number;
  nextSisBatchId(): number;
}
