/** References between records: ids that match nothing, records that hang off a tobedeleted one, parent links. */
import { rowNumberOf } from '../../util/csv.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import type { Registry } from './registry.js';
import { columnOf, type BoundColumn, type Sheet } from './sheet.js';

export function danglingReference(sheet: Sheet, i: number, col: BoundColumn, id: string, target: string, problems: Problems): void {
  problems.error({
    code: 'oneroster.dangling-reference', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} "${id}" does not match any sourcedId in ${target}`,
    hint: `Add the missing record to ${target}, or correct the id; a bulk export must contain everything it refers to.`,
  });
}

export function dependsOnDeleted(kind: string, targetFile: string): RepeatedWarning {
  return {
    code: 'oneroster.depends-on-tobedeleted',
    message: (n, example) => `${n === 1 ? `1 ${kind}` : `${n} ${kind}s`} skipped because ${n === 1 ? 'it refers' : 'they refer'} to a tobedeleted record of ${targetFile} (first: "${example}")`,
    hint: 'Expected when a record is being removed: whatever hangs off it goes too. If not, check the status of that record.',
  };
}

const DANGLING_PARENT: RepeatedWarning = {
  code: 'oneroster.dangling-parent',
  message: (n, example) => `${rows(n, 'names', 'name')} a parentSourcedId that is not in the file or is tobedeleted (first: "${example}"); read as having no parent`,
  hint: 'Add the parent record, or leave parentSourcedId empty.',
};

/** Parent links within one file: an unknown parent is tolerated (the hierarchy is informative only). */
export function resolveParents<T extends { sourcedId: string; parentSourcedId: string; source: { row: number } }>(registry: Registry<T>, sheet: Sheet, problems: Problems): void {
  const parentCol = columnOf(sheet, 'parentSourcedId');
  for (const record of registry.list) {
    const parentId = record.parentSourcedId;
    if (parentId === '') continue;
    const parent = parentId === record.sourcedId ? undefined : registry.get(parentId);
    if (parent) {
      record.parentSourcedId = parent.sourcedId;
      continue;
    }
    record.parentSourcedId = '';
    if (registry.broken.has(parentId)) continue;
    problems.repeat(DANGLING_PARENT, sheet.file, record.source.row, parentCol.name, parentId);
  }
}
