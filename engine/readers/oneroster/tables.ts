/** The package's CSV files parsed into tables; a file that does not parse is a collected error. */
import { RosteropsError } from '../../errors.js';
import { parseCsv, type CsvTable } from '../../util/csv.js';
import { DATA_FILES, fileNameOf, type DataFile, type PackageFile, type RosterPackage } from './files.js';
import type { Problems } from './problems.js';

/** Every data file but roles.csv, which waits until the version is known. */
export function parseDataTables(pkg: RosterPackage, problems: Problems): Map<DataFile, CsvTable> {
  const tables = new Map<DataFile, CsvTable>();
  for (const key of DATA_FILES) if (key !== 'roles') parseDataTable(pkg, key, tables, problems);
  return tables;
}

export function parseDataTable(pkg: RosterPackage, key: DataFile, tables: Map<DataFile, CsvTable>, problems: Problems): void {
  const file = pkg.loaded.get(fileNameOf(key).toLowerCase());
  const table = file ? parseTable(file, problems) : null;
  if (table) tables.set(key, table);
}

/** parseCsv, with its failure turned into a collected error so other files still get checked. */
export function parseTable(file: PackageFile, problems: Problems): CsvTable | null {
  let table: CsvTable;
  try {
    table = parseCsv(file.bytes, file.label);
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
