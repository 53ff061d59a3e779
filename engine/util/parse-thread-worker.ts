/**
 * The parse thread's entry point (util/parse-thread.ts starts it): parses the files it was given,
 * in order, posts each table back as soon as it is parsed, and ends. Each file is parsed by the
 * same function the main thread would call, so the tables, digests and errors are the same.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DataError, RosteropsError } from '../errors.js';
import { parseCsvBytesColumns, parseCsvFileColumns, type ParsedFile } from './csv-file.js';
import type { CsvColumns } from './csv.js';
import { openLazyZip, type LazyZip } from './lazy-zip.js';
import type { ParseJob, ParseOutcome } from './parse-thread.js';

const port = parentPort!;
const jobs = (workerData as { jobs: ParseJob[] }).jobs;
const zips = new Map<string, LazyZip>();

for (let index = 0; index < jobs.length; index++) {
  const outcome = outcomeOf(jobs[index]!);
  // The codes are moved, not copied: the thread has no use for them once they are sent.
  const moved = 'parsed' in outcome ? [...new Set(outcome.parsed.table.columns.map((c) => c.codes.buffer as ArrayBuffer))] : [];
  port.postMessage({ index, outcome }, moved);
}

function outcomeOf(job: ParseJob): ParseOutcome {
  try {
    return { parsed: parse(job) };
  } catch (err) {
    if (err instanceof RosteropsError) {
      return { error: { kind: 'data', code: err.code, message: err.message, location: err.location, hint: err.hint, diagnostics: err.diagnostics } };
    }
    const e = err instanceof Error ? err : new Error(String(err));
    return { error: { kind: 'internal', message: e.message, stack: e.stack } };
  }
}

function parse(job: ParseJob): ParsedFile<CsvColumns> {
  if (job.entry === undefined) return parseCsvFileColumns(job.path, job.label);
  let zip = zips.get(job.path);
  if (!zip) {
    // The main thread listed this zip before starting the thread; reading it can still fail.
    const bad = job.badZip ?? { code: 'csv.unreadable', message: `cannot read ${job.path}`, hint: 'Check that the archive is complete.' };
    zip = openLazyZip(readFileSync(job.path), (err) => new DataError(bad.code, `${bad.message}: ${err.message}`, { file: job.path }, bad.hint, { cause: err }));
    zips.set(job.path, zip);
  }
  return parseCsvBytesColumns(zip.read(job.entry), job.label);
}
