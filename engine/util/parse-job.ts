/**
 * One file to parse, described so that another thread can parse it (util/parse-thread.ts): a CSV
 * file on disk, or an entry of a zip on disk. Both threads parse a job with `parseJob`, so a table
 * is the same whichever thread made it.
 */
import { DataError } from '../errors.js';
import { parseCsvBytesColumns, parseCsvFileColumns, readZipFile, type ParsedFile } from './csv-file.js';
import type { CsvColumns } from './csv.js';
import { openLazyZip, type LazyZip } from './lazy-zip.js';
import type { InputLimits } from './limits.js';

/** A file on disk, or an entry of a zip on disk; `label` names it in messages. */
export interface ParseJob {
  path: string;
  label: string;
  entry?: string;
  /** For a zip entry: the error a damaged archive gives (fflate's reason is added to the message). */
  badZip?: { code: string; message: string; hint: string; file?: string };
  /** Columns kept as bytes once nearly all their values differ (ColumnOptions.keep, util/kept-values.ts). */
  keep?: readonly string[];
  /** The caps the file is read under (util/limits.ts); the defaults when absent. */
  limits?: InputLimits;
}

/** Parses a job; `zips` keeps the archives opened so far (one read per zip, not per entry). */
export function parseJob(job: ParseJob, zips: Map<string, LazyZip>): ParsedFile<CsvColumns> {
  const options = { keep: job.keep ?? [], ...(job.limits ? { limits: job.limits } : {}) };
  if (job.entry === undefined) return parseCsvFileColumns(job.path, job.label, options);
  let zip = zips.get(job.path);
  if (!zip) {
    const bad = job.badZip ?? { code: 'csv.unreadable', message: `cannot read ${job.path}`, hint: 'Check that the archive is complete.' };
    const unreadable = (err: Error) => new DataError(bad.code, `${bad.message}: ${err.message}`, { file: bad.file ?? job.path }, bad.hint, { cause: err });
    zip = openLazyZip(readZipFile(job.path, bad.file ?? job.path, job.limits), unreadable, { label: bad.file ?? job.path, ...(job.limits ? { limits: job.limits } : {}) });
    zips.set(job.path, zip);
  }
  return parseCsvBytesColumns(zip.read(job.entry), job.label, options);
}
