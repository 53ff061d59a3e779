/** The row loop every file shares: sourcedId present and unique, status honoured, then the file's own reading. */
import { cellText, rowNumberOf } from '../../util/csv.js';
import { invalidValue, requiredCell, trimmed } from './cells.js';
import { rowIdsOf, type RowIds } from './row-ids.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import type { Registry } from './registry.js';
import { columnOf, type BoundColumn, type Sheet } from './sheet.js';

const TOBEDELETED_SKIPPED: RepeatedWarning = {
  code: 'oneroster.tobedeleted-skipped',
  message: (n, example) => `${n === 1 ? '1 row' : `${n} rows`} with status tobedeleted (or the 1.0 "inactive") treated as not in the export (first: "${example}")`,
  hint: 'Nothing to do if these records were meant to go; rosterops plans their removal like any record missing from the export.',
};
const STATUS_IN_BULK: RepeatedWarning = {
  code: 'oneroster.status-in-bulk',
  message: (n, example) => `${rows(n, 'carries', 'carry')} a status ("${example}" first) although this is a bulk file, where status must be blank; the values are honoured`,
  hint: 'In a bulk export leave status and dateLastModified empty; use tobedeleted only in delta files.',
};
const STATUS_MISSING_IN_DELTA: RepeatedWarning = {
  code: 'oneroster.status-missing',
  message: (n) => `${rows(n, 'has', 'have')} no status in this delta file; read as active`,
  hint: 'Delta files must give every row a status (active or tobedeleted).',
};

/**
 * One pass over a sheet's rows, doing what every file shares: sourcedId present and unique,
 * status honoured (tobedeleted rows go to `registry.deleted`), then `visit` for each live row.
 * The sheet is stored by column: `row` is one array refilled for each record, so `visit` reads
 * its cells and must not keep it.
 */
export function forEachLiveRow<T extends { sourcedId: string }>(
  sheet: Sheet, registry: Registry<T>, problems: Problems, what: string,
  visit: (row: readonly string[], i: number, id: string) => void,
): void {
  const rowAt = rowReader(sheet);
  forEachLiveRowIndex(sheet, registry, problems, what, (i, ids) => visit(rowAt(i), i, ids.idAt(i)));
}

/**
 * forEachLiveRow for a reader that reads the columns itself (enrollments.csv: a million rows,
 * whose cells repeat, are read once per distinct value). `rowReader` gives a row when a message
 * needs it, `ids` the row's sourcedId when the reader needs it.
 */
export function forEachLiveRowIndex<T extends { sourcedId: string }>(
  sheet: Sheet, registry: Registry<T>, problems: Problems, what: string, visit: (i: number, ids: RowIds) => void,
): RowIds {
  const { table, file } = sheet;
  const idCol = columnOf(sheet, 'sourcedId');
  const statusCol = columnOf(sheet, 'status');
  const count = table.rowCount;
  const ids = rowIdsOf(table, idCol.index);
  const earlierRows = ids.earlierRows;
  const status = statusCol.index < 0 ? null : table.columns[statusCol.index]!;
  let rowAt: ((i: number) => readonly string[]) | null = null;
  for (let i = 0; i < count; i++) {
    if (ids.isEmpty(i)) {
      requiredCell(sheet, (rowAt ??= rowReader(sheet))(i), i, idCol, problems, what);
      continue;
    }
    if (earlierRows !== null && earlierRows[i] !== -1) {
      const id = ids.idAt(i);
      reportDuplicateId(sheet, i, earlierRows[i]!, id, problems);
      registry.broken.add(id);
      continue;
    }
    const state = readStatus(sheet, status === null ? '' : trimmed(cellText(status, status.codes[i]!)), i, statusCol, problems);
    if (state === 'invalid') {
      registry.broken.add(ids.idAt(i));
      continue;
    }
    if (state === 'tobedeleted') {
      const id = ids.idAt(i);
      registry.deleted.add(id);
      problems.repeat(TOBEDELETED_SKIPPED, file, rowNumberOf(table, i), 'status', id);
      continue;
    }
    visit(i, ids);
  }
  return ids;
}

/** Row i's cells, in one array refilled for each call. */
export function rowReader(sheet: Sheet): (i: number) => readonly string[] {
  const columns = sheet.table.columns;
  const width = columns.length;
  const row = new Array<string>(width).fill('');
  return (i) => {
    for (let c = 0; c < width; c++) {
      const column = columns[c]!;
      row[c] = cellText(column, column.codes[i]!);
    }
    return row;
  };
}

function reportDuplicateId(sheet: Sheet, i: number, first: number, id: string, problems: Problems): void {
  const line = rowNumberOf(sheet.table, i);
  const firstLine = rowNumberOf(sheet.table, first);
  problems.error({
    code: 'oneroster.duplicate-id', file: sheet.file, line, field: 'sourcedId',
    message: `${sheet.file}:${line} duplicates sourcedId "${id}" first seen at ${sheet.file}:${firstLine}`,
    hint: 'Each record must have its own sourcedId: remove the repeated row, or give it a different id.',
  });
}

function readStatus(sheet: Sheet, value: string, i: number, col: BoundColumn, problems: Problems): 'active' | 'tobedeleted' | 'invalid' {
  if (value === '') {
    if (sheet.mode === 'delta') problems.repeat(STATUS_MISSING_IN_DELTA, sheet.file, rowNumberOf(sheet.table, i), 'status', '');
    return 'active';
  }
  if (sheet.mode === 'bulk') problems.repeat(STATUS_IN_BULK, sheet.file, rowNumberOf(sheet.table, i), 'status', value);
  const lower = value === 'active' || value === 'tobedeleted' ? value : value.toLowerCase();
  if (lower === 'active') return 'active';
  if (lower === 'tobedeleted' || lower === 'inactive') return 'tobedeleted';
  invalidValue(sheet, i, col, value, 'active, tobedeleted (or blank in a bulk file)', problems);
  return 'invalid';
}
