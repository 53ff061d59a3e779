/** Duplicate enrollments (one row per term for a year-long class) merged into one per user, class and role. */
import type { OrEnrollment } from '../../model/oneroster.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { countingSort, identityOrder } from '../../util/row-order.js';
import type { Sheet } from './sheet.js';

const DUPLICATE_ENROLLMENTS: RepeatedWarning = {
  code: 'oneroster.duplicate-enrollment',
  message: (n, example) => `${rows(n, 'repeats', 'repeat')} an earlier enrollment of the same user in the same class with the same role (first: "${example}"); each group was merged into one enrollment spanning the earliest beginDate to the latest endDate`,
  hint: 'Usually harmless: many SIS export one row per term. Nothing to do unless the dates look wrong.',
};

/**
 * Real exports emit one row per term for a year-long class. Keep one enrollment per
 * (class, user, role): the row with the earliest beginDate ('' = open start; ties: lowest
 * sourcedId, so row order never matters), widened to the latest endDate ('' = open end), primary
 * if any row says so. It takes the place of the group's first row.
 *
 * Groups are found by sorting row indexes on (user, class) ordinals with two counting sorts:
 * linear, sequential in memory, and no quadratic case when one user sits in thousands of classes.
 */
export function mergeDuplicateEnrollments(
  enrollments: OrEnrollment[], classOrdinals: Int32Array, userOrdinals: Int32Array, sheet: Sheet, problems: Problems,
): OrEnrollment[] {
  const n = enrollments.length;
  const classKeys = classOrdinals.subarray(0, n);
  const userKeys = userOrdinals.subarray(0, n);
  const order = stableSortByUserThenClass(classKeys, userKeys);
  const result = enrollments.slice();
  let dropped: Uint8Array | null = null;
  for (let a = 0; a < n; ) {
    const head = order[a]!;
    let b = a + 1;
    while (b < n && userKeys[order[b]!] === userKeys[head] && classKeys[order[b]!] === classKeys[head]) b++;
    if (b - a > 1) dropped = mergeGroup(result, order, a, b, dropped ?? new Uint8Array(n));
    a = b;
  }
  if (dropped === null) return result;
  reportMergedEnrollments(enrollments, dropped, sheet, problems);
  return result.filter((_, k) => dropped[k] === 0);
}

/** Row indexes ordered by user ordinal, then class ordinal, then file order. */
function stableSortByUserThenClass(classKeys: Int32Array, userKeys: Int32Array): Int32Array {
  const byClass = countingSort(identityOrder(classKeys.length), classKeys);
  return countingSort(byClass, userKeys);
}

/**
 * One (user, class) run, `order[a..b)` in file order. Rows with the same role merge into the
 * run's first row of that role; later ones are marked dropped. Runs are tiny (one row per term).
 */
function mergeGroup(result: OrEnrollment[], order: Int32Array, a: number, b: number, dropped: Uint8Array): Uint8Array {
  for (let x = a + 1; x < b; x++) {
    const later = order[x]!;
    for (let y = a; y < x; y++) {
      const first = order[y]!;
      if (dropped[first] === 1 || result[first]!.role !== result[later]!.role) continue;
      result[first] = mergedEnrollment(result[first]!, result[later]!);
      dropped[later] = 1;
      break;
    }
  }
  return dropped;
}

function mergedEnrollment(a: OrEnrollment, b: OrEnrollment): OrEnrollment {
  const winner = startsFirst(a, b) ? a : b;
  winner.endDate = laterEnd(a.endDate, b.endDate);
  winner.primary = a.primary || b.primary;
  return winner;
}

function reportMergedEnrollments(enrollments: OrEnrollment[], dropped: Uint8Array, sheet: Sheet, problems: Problems): void {
  let count = 0;
  let first = -1;
  for (let k = 0; k < dropped.length; k++) {
    if (dropped[k] === 0) continue;
    if (first === -1) first = k;
    count++;
  }
  if (count === 0) return; // runs with the same user and class but different roles merge nothing
  const e = enrollments[first]!;
  problems.repeat(DUPLICATE_ENROLLMENTS, sheet.file, e.sourceRow, 'sourcedId', e.sourcedId, count);
}

function startsFirst(a: OrEnrollment, b: OrEnrollment): boolean {
  if (a.beginDate !== b.beginDate) return a.beginDate < b.beginDate; // '' sorts first: an open start is the earliest
  return a.sourcedId < b.sourcedId;
}

function laterEnd(a: string, b: string): string {
  if (a === '' || b === '') return '';
  return a > b ? a : b;
}
