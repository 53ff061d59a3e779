/**
 * Cells: plain, required, boolean, list and metadata values of one row. Values are trimmed only
 * when they need it (a char code check is cheaper than trim()).
 */
import type { Metadata } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import type { Problems } from './problems.js';
import type { BoundColumn, Sheet } from './sheet.js';

export function cell(row: readonly string[], index: number): string {
  return index < 0 ? '' : trimmed(row[index]!);
}

/** The value without surrounding blanks (a char code check is cheaper than trim() on values that have none). */
export function trimmed(v: string): string {
  const n = v.length;
  if (n === 0) return v;
  return v.charCodeAt(0) <= 32 || v.charCodeAt(n - 1) <= 32 ? v.trim() : v;
}

/**
 * The empty list and empty metadata every record without any shares (frozen: records are read,
 * never changed). A large district has 200,000 users, most with no agents and no metadata.
 */
const NO_ITEMS = Object.freeze([]) as unknown as string[];
const NO_METADATA: Metadata = Object.freeze({});

/** splitList once per distinct value (a column of a few grades), the lists shared and frozen. */
export function splitListOnce(value: string, lists: Map<string, string[]>): string[] {
  let list = lists.get(value);
  if (list === undefined) lists.set(value, (list = Object.freeze(splitList(value)) as string[]));
  return list;
}

/** `"t1, t2"` → ['t1','t2']; blank items (a trailing comma) are dropped. */
export function splitList(value: string): string[] {
  if (value === '') return NO_ITEMS;
  if (!value.includes(',')) return [value];
  const items: string[] = [];
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item !== '') items.push(item);
  }
  return items;
}

export function readMetadata(sheet: Sheet, row: readonly string[]): Metadata {
  let metadata: Metadata | null = null;
  for (const m of sheet.metadata) {
    const value = cell(row, m.index);
    if (value !== '') (metadata ??= {})[m.key] = value;
  }
  return metadata ?? NO_METADATA;
}

/** Reports an empty required cell; returns null so the caller can mark the row broken. */
export function requiredCell(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, problems: Problems, what: string): string | null {
  const value = cell(row, col.index);
  if (value !== '') return value;
  problems.error({
    code: 'oneroster.missing-value', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} is empty`,
    hint: `Every ${what} needs a ${col.name}: fill it in, or remove the row if it should not be exported.`,
  });
  return null;
}

export function invalidValue(sheet: Sheet, i: number, col: BoundColumn, value: string, expected: string, problems: Problems): void {
  problems.error({
    code: 'oneroster.invalid-value', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} is "${value}"; expected ${expected}`,
    hint: `Use one of: ${expected}.`,
  });
}

/** true/false, any case; '' gives `empty`. null (after reporting) for anything else. */
export function readBoolean(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, empty: boolean, problems: Problems): boolean | null {
  const value = cell(row, col.index);
  if (value === '') return empty;
  const b = booleanOf(value);
  if (b !== undefined) return b;
  invalidValue(sheet, i, col, value, 'true, false', problems);
  return null;
}

/** true/false in any case (a trimmed, non-empty value); undefined for anything else. */
export function booleanOf(value: string): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}
