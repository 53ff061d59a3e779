/** The package's CSV files parsed into tables; a file that does not parse is a collected error. */
import { RosteropsError, type Diagnostic } from '../../errors.js';
import type { TakenTable } from '../../util/parse-thread.js';
import type { CsvColumns, CsvTable } from '../../util/csv.js';
import { DATA_FILES, fileNameOf, type DataFile, type PackageFile, type RosterPackage } from './files.js';
import { Problems, type ProblemsSlot } from './problems.js';

/**
 * Every data file but roles.csv, which waits until the version is known. Data files are stored by
 * column (dictionary-encoded, no array per record): enrollments.csv alone can hold over a million
 * rows, and an array per row was a fifth of the reader's memory.
 */
export function parseDataTables(pkg: RosterPackage, problems: Problems, parsedElsewhere: ReadonlySet<DataFile> = new Set()): Map<DataFile, CsvColumns> {
  const tables = new Map<DataFile, CsvColumns>();
  for (const key of DATA_FILES) if (key !== 'roles' && !parsedElsewhere.has(key)) parseDataTable(pkg, key, tables, problems);
  return tables;
}

/** A table parsed on the parse thread, taken up as `parseDataTable` would have taken it, its problems at `slot`. */
export async function takeDataTable(
  pkg: RosterPackage, key: DataFile, elsewhere: TakenTable, tables: Map<DataFile, CsvColumns>, problems: Problems, slot: ProblemsSlot,
): Promise<void> {
  const file = pkg.loaded.get(fileNameOf(key).toLowerCase())!;
  const outcome = await elsewhere;
  const own = new Problems();
  const table = collected(() => {
    if ('error' in outcome) throw outcome.error;
    return file.adopt(outcome.parsed);
  }, own);
  problems.fill(slot, own);
  if (table) tables.set(key, table);
}

export function parseDataTable(pkg: RosterPackage, key: DataFile, tables: Map<DataFile, CsvColumns>, problems: Problems): void {
  const file = pkg.loaded.get(fileNameOf(key).toLowerCase());
  if (!file) return;
  const table = collected(() => file.columns(), problems);
  if (table) tables.set(key, table);
}

/** A small file (manifest.csv) parsed into records. */
export function parseTable(file: PackageFile, problems: Problems): CsvTable | null {
  return collected(() => file.rows(), problems);
}

/** A parse, with its failure turned into a collected error so other files still get checked. */
function collected<T extends { diagnostics: Diagnostic[] }>(parse: () => T, problems: Problems): T | null {
  let table: T;
  try {
    table = parse();
  } catch (err) {
    if (!(err instanceof RosteropsError)) throw err;
    for (const d of err.diagnostics) problems.error(d);
    return null;
  }
  for (const d of table.diagnostics) {
    if (d.severity === 'error') problems.error(d);
    else problems.warn(d);
  }
  return table;
}
