/**
 * Turns an uploaded zip or csv into typed CSV files, recording the file-level messages of §1.3:
 * ignored entries, `Skipping unknown file type`, and the failures `Invalid UTF-8`, `Malformed CSV`
 * and `Couldn't find Canvas CSV import headers` (a failed file is dropped; the others still import).
 */
import { parse as csvParseSync } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { RosteropsError } from '../../errors.js';
import { parseCsv } from '../../util/csv.js';
import { detectImporter, type ImporterType } from './detect.js';
import { CsvFile } from './rows.js';
import type { SisBatch } from '../sis-batch.js';

export interface TypedCsv {
  type: ImporterType;
  file: CsvFile;
  bytes: Uint8Array;
}

/** Entries Canvas skips silently inside a zip (`IGNORE_FILES`, §1.3). */
const IGNORED_SEGMENT = /^(__macosx|desktop\.d[bf]|\..*)$/i;

export function unpackUpload(batch: SisBatch): TypedCsv[] {
  const { filename, bytes } = batch.upload;
  const ext = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  const out: TypedCsv[] = [];
  if (ext === 'zip') {
    // A corrupt zip throws here; the runner turns that into the "Error while importing CSV" failure.
    const entries = unzipSync(bytes);
    for (const name of Object.keys(entries).sort()) {
      if (name.endsWith('/')) continue;
      if (name.split('/').some((segment) => IGNORED_SEGMENT.test(segment))) continue;
      const data = entries[name]!;
      if (data.byteLength === 0) continue; // zero-byte files are not stored
      if (!name.toLowerCase().endsWith('.csv')) {
        batch.addMessage(name, 'Skipping unknown file type');
        continue;
      }
      const typed = readCsv(batch, name, data);
      if (typed) out.push(typed);
    }
  } else if (ext === 'csv') {
    const typed = bytes.byteLength > 0 ? readCsv(batch, filename, bytes) : null;
    if (typed) out.push(typed);
  }
  return out;
}

function readCsv(batch: SisBatch, name: string, bytes: Uint8Array): TypedCsv | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    batch.addMessage(name, 'Invalid UTF-8', { failure: true });
    return null;
  }
  let file: CsvFile | null;
  try {
    file = parse(text, name);
  } catch {
    batch.addMessage(name, 'Malformed CSV', { failure: true });
    return null;
  }
  if (file === null) return null; // no header row at all: Canvas reads nothing and says nothing
  const type = detectImporter(file.header);
  if (type === null) {
    batch.addMessage(name, "Couldn't find Canvas CSV import headers", { failure: true });
    return null;
  }
  return { type, file, bytes };
}

function parse(text: string, name: string): CsvFile | null {
  try {
    const table = parseCsv(text, name);
    const lines = table.rows.map((_, i) => (table.lineNumbers ? table.lineNumbers[i]! : i + 2));
    return new CsvFile(name, table.header, table.rows, lines);
  } catch (err) {
    if (err instanceof RosteropsError && err.code === 'csv.empty') return null;
    if (err instanceof RosteropsError && err.code === 'csv.empty-header') return parseLenient(text, name);
    throw err;
  }
}

/** Ruby's CSV accepts a header with an unnamed column; the shared parser refuses it, so read such files here. */
function parseLenient(text: string, name: string): CsvFile {
  const records = csvParseSync(text, { relax_column_count: true, skip_empty_lines: true, bom: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const header = records[0]!.record.map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.every((v) => v.trim() === '')) continue;
    rows.push(header.map((_, i) => record[i] ?? ''));
    lines.push(info.lines);
  }
  return new CsvFile(name, header, rows, lines);
}
