/**
 * Loads a OneRoster CSV export (a folder or a .zip) once, into per-file column tables, so that
 * every page the server answers reads cells from memory: no CSV is read again per request, and
 * at 1.2M enrollments the cells stay dictionary-encoded (util/csv.ts `CsvColumns`).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { cellText, type CsvColumns } from '../util/csv.js';
import { parseCsvBytesColumns, parseCsvFileColumns, readZipFile } from '../util/csv-file.js';
import { openLazyZip } from '../util/lazy-zip.js';
import { DEFAULT_LIMITS } from '../util/limits.js';

/** The files the server serves (plus manifest.csv), by lower-case name → spec spelling. */
const SERVED_FILES = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', 'roles', 'userProfiles', 'demographics'];
const BY_LOWER = new Map(SERVED_FILES.map((f) => [`${f.toLowerCase()}.csv`, f]));

export interface Table {
  /** Spec spelling without `.csv`, e.g. `academicSessions`. */
  name: string;
  header: string[];
  rowCount: number;
  /** Index of a header cell (matched ignoring case), or -1. */
  column(name: string): number;
  /** The cell of column `c` in row `r` ('' when the column is absent). */
  cell(r: number, c: number): string;
  /** Columns named `metadata.*`: [index, key without the prefix]. */
  metadataColumns: [number, string][];
}

export interface LoadedExport {
  /** oneroster.version from manifest.csv, or null (no manifest, or no such row). */
  manifestVersion: string | null;
  tables: Map<string, Table>;
}

export function loadExport(path: string): LoadedExport {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new DataError('oneroster-server.data-missing', `${path} does not exist`, { file: path }, 'Pass --data DIR: a folder of OneRoster CSV files or the .zip.');
  }
  const sources = new Map<string, () => CsvColumns>();
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      const lower = entry.toLowerCase();
      if (lower === 'manifest.csv' || BY_LOWER.has(lower)) {
        sources.set(lower, () => parseCsvFileColumns(join(path, entry), entry, { keep: keepOf(lower) }).table);
      }
    }
  } else if (stat.isFile() && path.toLowerCase().endsWith('.zip')) {
    const label = basename(path);
    const zip = openLazyZip(readZipFile(path, label), (err) => new DataError('oneroster-server.zip-invalid', `${label} is not a readable zip: ${err.message}`, { file: label }, 'Unzip it and pass the folder instead.'), { label, limits: DEFAULT_LIMITS });
    for (const entry of zip.entries) {
      const name = entry.split('/').pop() ?? '';
      const lower = name.toLowerCase();
      if (entry.startsWith('__MACOSX/') || name.startsWith('.')) continue;
      if (lower === 'manifest.csv' || BY_LOWER.has(lower)) {
        sources.set(lower, () => parseCsvBytesColumns(zip.read(entry), `${label}:${name}`, { keep: keepOf(lower) }).table);
      }
    }
  } else {
    throw new DataError('oneroster-server.data-invalid', `${path} is neither a folder nor a .zip`, { file: path }, 'Pass --data DIR: a folder of OneRoster CSV files or the .zip.');
  }
  if (!sources.has('users.csv')) {
    throw new DataError('oneroster-server.no-users', `${path} holds no users.csv`, { file: path }, 'Point --data at the folder (or zip) that holds manifest.csv, orgs.csv, users.csv, ...');
  }
  const tables = new Map<string, Table>();
  let manifestVersion: string | null = null;
  for (const [lower, parse] of sources) {
    const columns = parse();
    if (lower === 'manifest.csv') {
      manifestVersion = manifestValue(tableOf('manifest', columns), 'oneroster.version');
      continue;
    }
    const name = BY_LOWER.get(lower)!;
    tables.set(name, tableOf(name, columns));
  }
  return { manifestVersion, tables };
}

/** enrollments' sourcedIds are nearly all different: kept as bytes, made into text per page. */
function keepOf(lower: string): string[] {
  return lower === 'enrollments.csv' ? ['sourcedid'] : [];
}

function tableOf(name: string, columns: CsvColumns): Table {
  const header = columns.header;
  const lowerIndex = new Map<string, number>();
  header.forEach((h, i) => {
    if (!lowerIndex.has(h.toLowerCase())) lowerIndex.set(h.toLowerCase(), i);
  });
  const metadataColumns: [number, string][] = [];
  header.forEach((h, i) => {
    if (h.startsWith('metadata.') && h.length > 'metadata.'.length) metadataColumns.push([i, h.slice('metadata.'.length)]);
  });
  return {
    name,
    header,
    rowCount: columns.rowCount,
    column: (n) => lowerIndex.get(n.toLowerCase()) ?? -1,
    cell: (r, c) => {
      if (c < 0) return '';
      const column = columns.columns[c]!;
      return cellText(column, column.codes[r]!);
    },
    metadataColumns,
  };
}

function manifestValue(table: Table, property: string): string | null {
  const nameCol = table.column('propertyName');
  const valueCol = table.column('value');
  for (let r = 0; r < table.rowCount; r++) {
    if (table.cell(r, nameCol).trim() === property) return table.cell(r, valueCol).trim();
  }
  return null;
}
