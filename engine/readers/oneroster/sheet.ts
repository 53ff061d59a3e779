/** A parsed file with its columns bound by name (see columns.ts), and where one of its rows came from. */
import { rowNumberOf, type CsvColumns } from '../../util/csv.js';
import type { FileMode } from './file-set.js';

/** A column found in a file's header; `index` is -1 when the (optional) column is not there. */
export interface BoundColumn {
  readonly name: string;
  readonly index: number;
}

export interface MetadataColumn {
  key: string;
  index: number;
}

/** A parsed file with its columns bound by name. */
export interface Sheet {
  file: string;
  table: CsvColumns;
  mode: FileMode;
  /** False when a required column is missing: rows are not read and references into the file are not checked. */
  usable: boolean;
  columns: Map<string, BoundColumn>;
  metadata: MetadataColumn[];
}

export function columnOf(sheet: Sheet, name: string): BoundColumn {
  return sheet.columns.get(name) ?? { name, index: -1 };
}

export function sourceOf(sheet: Sheet, i: number): { file: string; row: number } {
  return { file: sheet.file, row: rowNumberOf(sheet.table, i) };
}
