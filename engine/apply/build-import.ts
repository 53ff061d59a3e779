/**
 * A plan's rows → the CSV files of one SIS import, zipped. Only the rows the plan changes, in
 * Canvas's column order; a column no row uses is left out of the header, because for some files an
 * absent column means "leave alone" while an empty one means "clear" (reference §2.5).
 */
import { stringify } from 'csv-stringify/sync';
import { zipSync } from 'fflate';
import { IMPORT_COLUMNS } from '../canvas/columns.js';
import type { ImportFileName, Operation } from '../model/plan.js';
import type { PlacedRow } from '../plan/phases.js';

const FILE_ORDER: ImportFileName[] = ['accounts', 'terms', 'courses', 'sections', 'users', 'logins', 'enrollments'];

export interface BuiltImport {
  zip: Uint8Array;
  /** File name → CSV text, for the apply record and for reading by people. */
  files: Map<string, string>;
  /** `users.csv:7` → the operation whose row sits there, to map Canvas's messages back. */
  rowOwner: Map<string, Operation>;
  rowCount: number;
}

/** One import from the rows of one phase (see plan/phases.ts). */
export function buildImport(placed: readonly PlacedRow[]): BuiltImport {
  const files = new Map<string, string>();
  const rowOwner = new Map<string, Operation>();
  let rowCount = 0;
  for (const file of FILE_ORDER) {
    const rows: { cells: Record<string, string>; op: Operation }[] = [];
    for (const { row, op } of placed) if (row.file === file) rows.push({ cells: row.cells, op });
    if (rows.length === 0) continue;
    const used = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r.cells)) used.add(k);
    const known: readonly string[] = IMPORT_COLUMNS[file];
    const header = [...known.filter((c) => used.has(c)), ...[...used].filter((c) => !known.includes(c)).sort()];
    const name = `${file}.csv`;
    const records = rows.map((r, i) => {
      rowOwner.set(`${name}:${i + 2}`, r.op);
      return header.map((c) => r.cells[c] ?? '');
    });
    files.set(name, stringify([header, ...records]));
    rowCount += rows.length;
  }
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of files) entries[name] = new TextEncoder().encode(text);
  return { zip: zipSync(entries, { level: 6 }), files, rowOwner, rowCount };
}
