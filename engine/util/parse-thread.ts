/**
 * Parsing CSV files on a second thread while the main thread does other work. `plan` reads the
 * SIS export, transforms it, then reads the Canvas report: the Canvas files do not depend on the
 * SIS side, so a large report is parsed on a worker thread from the start and is ready when the
 * planner gets to it (at 200,000 students, about 2.7 s of parsing leave the main thread, and a
 * plan takes ~1.5 s less on a two-core machine: the two threads slow each other down somewhat).
 * Parsing is the part worth moving: it is most of the reading time, and its result (typed arrays
 * of codes plus each column's distinct values) crosses threads cheaply, the codes moved rather
 * than copied. Everything after it (checking and converting rows) stays on the main thread and
 * is unchanged.
 *
 * The thread parses with the functions the main thread would call, and its errors come back as
 * the same typed errors, raised where the main thread would have raised them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DataError, type Diagnostic, type Location } from '../errors.js';
import type { ParsedFile } from './csv-file.js';
import type { CsvColumns } from './csv.js';

/** A file on disk, or an entry of a zip on disk; `label` names it in messages. */
export interface ParseJob {
  path: string;
  label: string;
  entry?: string;
  /** For a zip entry: the error a damaged archive gives (fflate's reason is added to the message). */
  badZip?: { code: string; message: string; hint: string };
}

export type ParseOutcome =
  | { parsed: ParsedFile<CsvColumns> }
  | { error: { kind: 'data'; code: string; message: string; location: Location; hint: string | undefined; diagnostics: Diagnostic[] } | { kind: 'internal'; message: string; stack?: string } };

/**
 * `ROSTEROPS_PARSE_THREAD`: `off` never starts the thread (a one-core container, or to compare),
 * `on` always does, anything else decides by size: below this many bytes starting a thread
 * (about 40 ms and 10 MB) costs more than it saves.
 */
const MIN_BYTES = 8 * 1024 * 1024;

export function parseThreadWanted(totalBytes: number, setting = process.env.ROSTEROPS_PARSE_THREAD): boolean {
  if (setting === 'off') return false;
  if (setting === 'on') return true;
  return totalBytes >= MIN_BYTES && availableParallelism() > 1;
}

const WORKER_SCRIPT = new URL('./parse-thread-worker.js', import.meta.url);

export class ParseThread {
  private readonly outcomes: Promise<ParseOutcome>[];
  private readonly worker: Worker;
  private received = 0;

  private constructor(jobs: readonly ParseJob[]) {
    const settle: ((o: ParseOutcome) => void)[] = [];
    this.outcomes = jobs.map(() => new Promise<ParseOutcome>((resolve) => settle.push(resolve)));
    this.worker = new Worker(WORKER_SCRIPT, { workerData: { jobs } });
    this.worker.on('message', ({ index, outcome }: { index: number; outcome: ParseOutcome }) => {
      settle[index]!(outcome);
      if (++this.received === jobs.length) void this.worker.terminate();
    });
    // A thread that dies (out of memory, a bug) fails the files it had not sent; nothing hangs.
    const fail = (message: string, stack?: string) => {
      for (let i = this.received; i < jobs.length; i++) settle[i]!({ error: { kind: 'internal', message, stack } });
    };
    this.worker.on('error', (err) => fail(`the parse thread failed: ${err.message}`, err.stack));
    this.worker.on('exit', (code) => fail(`the parse thread stopped (exit code ${code}) before it had parsed every file`));
  }

  /**
   * Starts parsing `jobs` in order on a new thread, or returns null where there is no thread to
   * start: running from the TypeScript sources (tests), where the compiled worker script is absent.
   */
  static start(jobs: readonly ParseJob[]): ParseThread | null {
    if (!existsSync(fileURLToPath(WORKER_SCRIPT))) return null;
    return new ParseThread(jobs);
  }

  /** The table of job `index`, or its error, raised as the main thread would have raised it. */
  async take(index: number): Promise<ParsedFile<CsvColumns>> {
    const outcome = await this.outcomes[index]!;
    if ('parsed' in outcome) return outcome.parsed;
    const e = outcome.error;
    if (e.kind === 'data') throw new DataError(e.code, e.message, e.location, e.hint, { diagnostics: e.diagnostics });
    const err = new Error(e.message);
    if (e.stack) err.stack = e.stack;
    throw err;
  }

  /** Stops the thread (the plan failed before it needed the files). */
  stop(): void {
    void this.worker.terminate();
  }
}
