/**
 * The parse thread's entry point (util/parse-thread.ts starts it): parses the files it was given,
 * in order, posts each table back as soon as it is parsed, and ends. Each file is parsed by
 * `parseJob`, as the main thread would parse it, so the tables, digests and errors are the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RosteropsError } from '../errors.js';
import type { LazyZip } from './lazy-zip.js';
import { parseJob, type ParseJob } from './parse-job.js';
import { CLAIMED_BY_THREAD, packForTransfer, UNCLAIMED, type ParseOutcome, type ThreadMessage } from './parse-thread.js';

const port = parentPort!;
const { jobs, claims } = workerData as { jobs: ParseJob[]; claims: Int32Array };
const zips = new Map<string, LazyZip>();

for (let index = 0; index < jobs.length; index++) {
  // A file the main thread asked for before this thread got to it is the main thread's to parse.
  if (Atomics.compareExchange(claims, index, UNCLAIMED, CLAIMED_BY_THREAD) !== UNCLAIMED) {
    port.postMessage({ index, skipped: true } satisfies ThreadMessage);
    continue;
  }
  const outcome = outcomeOf(jobs[index]!);
  // Typed arrays are moved, not copied: the thread has no use for them once they are sent.
  const moved = 'parsed' in outcome ? packForTransfer(outcome.parsed.table) : [];
  port.postMessage({ index, outcome } satisfies ThreadMessage, moved);
}

function outcomeOf(job: ParseJob): ParseOutcome {
  try {
    return { parsed: parseJob(job, zips) };
  } catch (err) {
    if (err instanceof RosteropsError) {
      return { error: { kind: 'data', code: err.code, message: err.message, location: err.location, hint: err.hint, diagnostics: err.diagnostics } };
    }
    return { error: { kind: 'internal' } }; // the main thread parses the file again and meets the same failure there
  }
}
