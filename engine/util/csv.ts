/**
 * CSV reading shared by every reader. Two paths, one contract:
 * - fast path: udsv (the fastest RFC-4180 parser measured on these machines) for regular files;
 * - robust path: csv-parse for anything irregular (ragged rows, blank lines, quoted line breaks),
 *   because udsv silently merges a short row into the next one.
 * The fast path is taken only when its result is provably the same as the robust one would be:
 * one record per physical line and every record as wide as the header.
 */
import { inferSchema, initParser } from 'udsv';
import { parse as csvParseSync } from 'csv-parse/sync';
import { DataError, type Diagnostic } from '../errors.js';

export interface CsvTable {
  /** Name used in messages, e.g. `users.csv`. */
  file: string;
  /** Header cells as written (BOM removed, surrounding whitespace trimmed). */
  header: string[];
  /** Data records; every record has exactly header.length cells (missing trailing cells are ''). */
  rows: string[][];
  /** 1-based line number of each record (header = 1). null when record i sits on line i + 2. */
  lineNumbers: Int32Array | null;
  diagnostics: Diagnostic[];
}

export function rowNumberOf(table: CsvTable, index: number): number {
  return table.lineNumbers ? table.lineNumbers[index]! : index + 2;
}

export function parseCsv(input: string | Uint8Array, file: string): CsvTable {
  let text = typeof input === 'string' ? input : decodeUtf8(input, file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Mixed or CR-only line endings confuse udsv's single row separator; normalise once.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') {
    throw new DataError('csv.empty', `${file} is empty: it has no header row`, { file, line: 1 }, 'Export the file again; every CSV needs a header row.');
  }
  return fastParse(text, file) ?? robustParse(text, file);
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError('csv.encoding', `${file} is not valid UTF-8`, { file }, 'Save the export as UTF-8 (OneRoster and Canvas both require it).');
  }
}

function countLines(text: string): number {
  return countChar(text, '\n') + (text.endsWith('\n') ? 0 : 1);
}

function countChar(text: string, ch: string): number {
  let n = 0;
  let at = -1;
  while ((at = text.indexOf(ch, at + 1)) !== -1) n++;
  return n;
}

function fastParse(text: string, file: string): CsvTable | null {
  const firstBreak = text.indexOf('\n');
  const headerLine = firstBreak === -1 ? text : text.slice(0, firstBreak);
  if (headerLine.includes('"')) return null; // quoted headers are rare; let the robust path handle them
  const header = headerLine.split(',').map((h) => h.trim());
  if (header.some((h) => h === '')) return null;
  if (countChar(text, '"') % 2 !== 0) return null; // an unterminated quote: let csv-parse locate it
  const lines = countLines(text);
  if (lines === 1) return { file, header, rows: [], lineNumbers: null, diagnostics: [] };
  let rows: string[][];
  try {
    const schema = inferSchema(text, { col: ',', row: '\n' });
    rows = initParser(schema).stringArrs(text);
  } catch {
    return null;
  }
  if (rows.length !== lines - 1) return null;
  const width = header.length;
  for (let i = 0; i < rows.length; i++) if (rows[i]!.length !== width) return null;
  // A row with too many fields lands its excess in the last cell; a last cell with an unquoted
  // comma cannot be told apart from a quoted one here, so check the raw line for such rows.
  const last = width - 1;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]![last]!.includes(',')) return null;
  }
  return { file, header, rows, lineNumbers: null, diagnostics: [] };
}

function robustParse(text: string, file: string): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = csvParseSync(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      bom: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    throw new DataError(
      'csv.malformed',
      `${file} is not valid CSV: ${e.message ?? String(err)}`,
      { file, line: e.lines },
      'Check the quoting on that line: a field with a comma or quote must be wrapped in double quotes, and inner quotes doubled.',
    );
  }
  const diagnostics: Diagnostic[] = [];
  const headerRecord = records[0]!.record.map((h) => h.trim());
  // Trailing empty header cells (",,") are a common export slip: drop them.
  let width = headerRecord.length;
  while (width > 0 && headerRecord[width - 1] === '') width--;
  const header = headerRecord.slice(0, width);
  const emptyAt = header.indexOf('');
  if (emptyAt !== -1) {
    throw new DataError('csv.empty-header', `${file}: header column ${emptyAt + 1} has no name`, { file, line: 1, column: emptyAt + 1 }, 'Name every column in the header row, or remove the empty column.');
  }
  const rows: string[][] = [];
  const lineNumbers = new Int32Array(records.length - 1);
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i]!;
    const line = info.lines;
    if (record.every((v) => v.trim() === '')) continue;
    if (record.length > width && record.slice(width).some((v) => v.trim() !== '')) {
      diagnostics.push({
        severity: 'warning', code: 'csv.extra-fields', file, line,
        message: `row has ${record.length} fields but the header names ${width}; the extra values are ignored`,
        hint: 'Add a header for the extra column or remove the trailing values.',
      });
    }
    const row = record.length === width ? record : normaliseWidth(record, width);
    lineNumbers[rows.length] = line;
    rows.push(row);
  }
  return { file, header, rows, lineNumbers: lineNumbers.subarray(0, rows.length), diagnostics };
}

function normaliseWidth(record: string[], width: number): string[] {
  if (record.length > width) return record.slice(0, width);
  const row = record.slice();
  while (row.length < width) row.push('');
  return row;
}
