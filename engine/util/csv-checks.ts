/**
 * Checks of a parsed CSV table that no row may fail, whatever the file: no cell holds a NUL
 * character (Canvas skips such an import row with "Some of the fields contain NULL character",
 * canvas-sis.md §2.1, and no Canvas record can hold one, so a NUL means a damaged file), no cell
 * is longer than `cellBytes`, and the file has at most `rows` rows.
 *
 * They run over each column's distinct values (a few per column in the large files), not over
 * rows, and a NUL is looked for only when the raw bytes held one (one memchr pass, util/csv.ts):
 * rows are visited only to locate a cell that failed. Messages never quote the cell: it may be a
 * student's name; they give the row, the column and the position of the bad character.
 */
import { DataError } from '../errors.js';
import type { CsvColumn, CsvColumns, CsvTable } from './csv.js';
import { formatBytes, overLimit, type InputLimits } from './limits.js';

export type CellLimits = Pick<InputLimits, 'cellBytes' | 'rows'>;

/** Throws the located error of the first failing cell (by row, then column). */
export function checkColumns(table: CsvColumns, limits: CellLimits, mayHoldNul: boolean): void {
  checkRowCount(table.file, table.rowCount, limits);
  checkHeader(table.file, table.header, limits, mayHoldNul);
  let worst: { row: number; column: number; kind: 'nul' | 'long'; value: string | null; length: number } | null = null;
  const maxChars = limits.cellBytes;
  for (let c = 0; c < table.columns.length; c++) {
    const column = table.columns[c]!;
    const bad = badCodes(column, maxChars, limits.cellBytes, mayHoldNul);
    if (bad.size === 0) continue;
    const codes = column.codes;
    for (let r = 0; r < codes.length && r < table.rowCount; r++) {
      if (worst !== null && r >= worst.row) break;
      const kind = bad.get(codes[r]!);
      if (kind === undefined) continue;
      const value = kind.value;
      worst = { row: r, column: c, kind: kind.kind, value, length: kind.length };
      break;
    }
  }
  if (worst === null) return;
  const line = table.lineNumbers ? table.lineNumbers[worst.row]! : worst.row + 2;
  const field = table.header[worst.column]!;
  throw cellError(table.file, line, worst.column, field, worst.kind, worst.value, worst.length, limits);
}

/** The same checks over a table of records (manifest.csv). */
export function checkRows(table: CsvTable, limits: CellLimits, mayHoldNul: boolean): void {
  checkRowCount(table.file, table.rows.length, limits);
  checkHeader(table.file, table.header, limits, mayHoldNul);
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    for (let c = 0; c < row.length; c++) {
      const v = row[c]!;
      const kind = mayHoldNul && v.includes('\u0000') ? 'nul' : v.length > limits.cellBytes / 3 && Buffer.byteLength(v) > limits.cellBytes ? 'long' : null;
      if (kind === null) continue;
      const line = table.lineNumbers ? table.lineNumbers[r]! : r + 2;
      throw cellError(table.file, line, c, table.header[c]!, kind, v, Buffer.byteLength(v), limits);
    }
  }
}

function checkRowCount(file: string, rows: number, limits: CellLimits): void {
  if (rows > limits.rows) {
    throw overLimit('rows', `${file} has ${rows.toLocaleString('en-US')} rows; the limit for one file is ${limits.rows.toLocaleString('en-US')}`, { file });
  }
}

function checkHeader(file: string, header: readonly string[], limits: CellLimits, mayHoldNul: boolean): void {
  for (let c = 0; c < header.length; c++) {
    const h = header[c]!;
    if (mayHoldNul && h.includes('\u0000')) {
      throw new DataError('csv.nul', `${file}: header column ${c + 1} holds a NUL character`, { file, line: 1, column: c + 1 }, 'The file is damaged or not text; export it again.');
    }
    if (Buffer.byteLength(h) > limits.cellBytes) {
      throw overLimit('cellBytes', `${file}: header column ${c + 1} is ${formatBytes(Buffer.byteLength(h))} long; the limit for one cell is ${formatBytes(limits.cellBytes)}`, { file, line: 1, column: c + 1 });
    }
  }
}

/** Codes of a column's values that fail, with why (values are checked once each). */
function badCodes(column: CsvColumn, maxChars: number, maxBytes: number, mayHoldNul: boolean): Map<number, { kind: 'nul' | 'long'; value: string | null; length: number }> {
  const bad = new Map<number, { kind: 'nul' | 'long'; value: string | null; length: number }>();
  const kept = column.kept;
  if (kept) {
    // Values kept as bytes: their lengths are the gaps between `ends`, their NULs in `bytes`.
    const nulAt = mayHoldNul ? kept.bytes.indexOf(0) : -1;
    for (let code = 1; code < kept.count; code++) {
      const start = kept.ends[code - 1]!;
      const end = kept.ends[code]!;
      if (end - start > maxBytes) bad.set(code, { kind: 'long', value: null, length: end - start });
      else if (nulAt !== -1 && nulAt >= start && nulAt < end) bad.set(code, { kind: 'nul', value: kept.text(code), length: end - start });
    }
    return bad;
  }
  const values = column.values;
  for (let code = 1; code < values.length; code++) {
    const v = values[code]!;
    // A UTF-8 character is at most 3 bytes per UTF-16 unit: shorter strings cannot be too long.
    if (v.length > maxChars / 3) {
      const bytes = Buffer.byteLength(v);
      if (bytes > maxBytes) {
        bad.set(code, { kind: 'long', value: null, length: bytes });
        continue;
      }
    }
    if (mayHoldNul && v.includes('\u0000')) bad.set(code, { kind: 'nul', value: v, length: v.length });
  }
  return bad;
}

function cellError(file: string, line: number, column: number, field: string, kind: 'nul' | 'long', value: string | null, length: number, limits: CellLimits): DataError {
  const where = { file, line, column: column + 1, field };
  if (kind === 'long') {
    return overLimit('cellBytes', `${file} row ${line}, column ${field}: the cell is ${formatBytes(length)} long; the limit for one cell is ${formatBytes(limits.cellBytes)}`, where,
      'No OneRoster or Canvas field is that long; the export is damaged (a missing quote can run a cell on for megabytes)');
  }
  const at = value === null ? -1 : value.indexOf('\u0000');
  return new DataError('csv.nul', `${file} row ${line}, column ${field}: the cell holds a NUL character${at >= 0 ? ` at character ${at + 1} of ${value!.length}` : ''}`, where,
    'Canvas rejects import rows holding NUL characters ("Some of the fields contain NULL character"); remove them from the SIS record and export again.');
}
