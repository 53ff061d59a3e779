/**
 * Parsing CSV files on a second thread while the main thread does other work. `plan` parses the
 * SIS export's enrollments.csv and the Canvas report's files there (readers/background-parse.ts):
 * at 200,000 students about 3.5 s of parsing leave the main thread, and a plan takes ~2.5 s less
 * on a two-core machine (the two threads slow each other down somewhat). Parsing is the part worth
 * moving: it is most of the reading time, and its result (typed arrays of codes, each column's
 * distinct values, ids kept as bytes) crosses threads cheaply, the arrays moved rather than
 * copied. Everything after it (checking and converting rows) stays on the main thread and is
 * unchanged. A file the thread has not started when the main thread needs it is parsed by the
 * main thread, so neither waits for work the other could do.
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
import { KeptColumn, type CsvColumn, type CsvColumns } from './csv.js';
import { KeptValues } from './kept-values.js';
import type { LazyZip } from './lazy-zip.js';
import { parseJob, type ParseJob } from './parse-job.js';

export type ParseOutcome =
  | { parsed: ParsedFile<CsvColumns> }
  /** `internal`: the thread failed for its own reasons (a bug, out of memory); the main thread parses the file again. */
  | { error: { kind: 'data'; code: string; message: string; location: Location; hint: string | undefined; diagnostics: Diagnostic[] } | { kind: 'internal' } };

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

/** A file parsed on the thread: its table, or the error parsing it here would have raised. */
export type TakenTable = Promise<{ parsed: ParsedFile<CsvColumns> } | { error: unknown }>;

/** How a column kept as bytes crosses threads: its parts, as a structured clone can carry them. */
interface PackedKept {
  bytes: Uint8Array;
  ends: Int32Array;
  count: number;
  ascii: boolean;
}

/**
 * Makes a table fit for `postMessage` (columns kept as bytes become their parts: a clone would
 * drop their methods) and lists the buffers to move rather than copy.
 */
export function packForTransfer(table: CsvColumns): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  table.columns = table.columns.map((column) => {
    buffers.add(column.codes.buffer as ArrayBuffer);
    if (!column.kept) return column;
    const { bytes, ends, count, ascii } = column.kept;
    buffers.add(bytes.buffer as ArrayBuffer);
    buffers.add(ends.buffer as ArrayBuffer);
    const packed: PackedKept = { bytes, ends, count, ascii };
    return { codes: column.codes, values: [], packedKept: packed } as CsvColumn;
  });
  return [...buffers];
}

/** The table as it was before `packForTransfer`, on the thread that received it. */
export function unpackAfterTransfer(table: CsvColumns): void {
  table.columns = table.columns.map((column) => {
    const packed = (column as CsvColumn & { packedKept?: PackedKept }).packedKept;
    return packed ? new KeptColumn(column.codes, new KeptValues(packed.bytes, packed.ends, packed.count, packed.ascii)) : column;
  });
}

/** Who parses a job: set once, by whichever thread gets to it first (shared between the two). */
export const UNCLAIMED = 0;
export const CLAIMED_BY_THREAD = 1;
export const CLAIMED_HERE = 2;

/** What the thread posts per job: the outcome, or that the main thread had claimed the job first. */
export type ThreadMessage = { index: number; outcome: ParseOutcome } | { index: number; skipped: true };

export class ParseThread {
  private readonly outcomes: Promise<ParseOutcome>[];
  private readonly worker: Worker;
  private received = 0;
  /**
   * Per job, who parses it. A file the thread has not started when the main thread asks for it is
   * parsed by the main thread at once rather than waited for: on a machine slower than expected
   * the two share the last files instead of one waiting for the other.
   */
  private readonly claims: Int32Array;
  /** Archives opened by this thread for files parsed here after all. */
  private readonly zips = new Map<string, LazyZip>();

  private constructor(private readonly jobs: readonly ParseJob[], script: URL) {
    const settle: ((o: ParseOutcome) => void)[] = [];
    this.outcomes = jobs.map(() => new Promise<ParseOutcome>((resolve) => settle.push(resolve)));
    this.claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, jobs.length)));
    this.worker = new Worker(script, { workerData: { jobs, claims: this.claims } });
    this.worker.on('message', (message: ThreadMessage) => {
      if ('outcome' in message) {
        if ('parsed' in message.outcome) unpackAfterTransfer(message.outcome.parsed.table);
        settle[message.index]!(message.outcome);
      }
      if (++this.received === jobs.length) void this.worker.terminate();
    });
    // A thread that dies (out of memory, a bug) leaves the files it had not sent to this thread; nothing hangs.
    const fail = () => {
      for (let i = this.received; i < jobs.length; i++) settle[i]!({ error: { kind: 'internal' } });
    };
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  /**
   * Starts parsing `jobs` in order on a new thread, or returns null where there is no thread to
   * start: running from the TypeScript sources (tests), where the compiled worker script is absent,
   * or a runtime that refuses another thread. (`script` is for tests.)
   */
  static start(jobs: readonly ParseJob[], script: URL = WORKER_SCRIPT): ParseThread | null {
    if (!existsSync(fileURLToPath(script))) return null;
    try {
      return new ParseThread(jobs, script);
    } catch {
      return null;
    }
  }

  /**
   * The table of job `index`, or its error, raised as the main thread would have raised it. A
   * file the thread has not started, or could not parse for its own reasons (it died), is parsed
   * here instead: the thread only ever saves time. Ask for a file only when it is needed.
   */
  async take(index: number): Promise<ParsedFile<CsvColumns>> {
    if (Atomics.compareExchange(this.claims, index, UNCLAIMED, CLAIMED_HERE) === UNCLAIMED) return parseJob(this.jobs[index]!, this.zips);
    const outcome = await this.outcomes[index]!;
    if ('parsed' in outcome) return outcome.parsed;
    const e = outcome.error;
    if (e.kind === 'data') throw new DataError(e.code, e.message, e.location, e.hint, { diagnostics: e.diagnostics });
    return parseJob(this.jobs[index]!, this.zips);
  }

  /** `take`, settled: it never rejects, so a table nobody asks for (the plan failed first) leaves no rejection behind. */
  taken(index: number): TakenTable {
    return this.take(index).then((parsed) => ({ parsed }), (error: unknown) => ({ error }));
  }

  /** Stops the thread (the plan failed before it needed the files). */
  stop(): void {
    void this.worker.terminate();
  }
}
