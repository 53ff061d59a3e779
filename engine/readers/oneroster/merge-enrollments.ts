/** Duplicate enrollments (one row per term for a year-long class) merged into one per user, class and role. */
import { rows as rowsOf, type Problems, type RepeatedWarning } from './problems.js';
import type { Ordinals } from '../../util/ordinals.js';
import { countingSort, identityOrder } from '../../util/row-order.js';

const DUPLICATE_ENROLLMENTS: RepeatedWarning = {
  code: 'oneroster.duplicate-enrollment',
  message: (n, example) => `${rowsOf(n, 'repeats', 'repeat')} an earlier enrollment of the same user in the same class with the same role (first: "${example}"); each group was merged into one enrollment spanning the earliest beginDate to the latest endDate`,
  hint: 'Usually harmless: many SIS export one row per term. Nothing to do unless the dates look wrong.',
};

/** The enrollments read so far, by column; rows [0, count) are filled. */
export interface EnrollmentRows {
  count: number;
  classIndex: Int32Array;
  userIndex: Int32Array;
  schoolIndex: Int32Array;
  roleCode: Int32Array;
  roles: Ordinals;
  primary: Uint8Array;
  beginDate: string[];
  endDate: string[];
  /** The row of the file each enrollment was read from, whose sourcedId `idOfRow` gives (ids are kept as bytes until asked for). */
  idRow: Int32Array;
  idOfRow: (fileRow: number) => string;
  sourceRow: Int32Array;
}

/**
 * Real exports emit one row per term for a year-long class. Keep one enrollment per
 * (class, user, role): the row with the earliest beginDate ('' = open start; ties: lowest
 * sourcedId, so row order never matters), widened to the latest endDate ('' = open end), primary
 * if any row says so. It takes the place of the group's first row.
 *
 * Groups are found by sorting row indexes on (user, class) ordinals with two counting sorts:
 * linear, sequential in memory, and no quadratic case when one user sits in thousands of classes.
 */
export function mergeDuplicateEnrollments(rows: EnrollmentRows, file: string, problems: Problems): void {
  const n = rows.count;
  const classKeys = rows.classIndex.subarray(0, n);
  const userKeys = rows.userIndex.subarray(0, n);
  const order = stableSortByUserThenClass(classKeys, userKeys);
  // The row that holds position k's data (a later row when it won its group).
  let holder: Int32Array | null = null;
  let dropped: Uint8Array | null = null;
  for (let a = 0; a < n; ) {
    const head = order[a]!;
    let b = a + 1;
    while (b < n && userKeys[order[b]!] === userKeys[head] && classKeys[order[b]!] === classKeys[head]) b++;
    if (b - a > 1) {
      holder ??= identityOrder(n);
      dropped = mergeGroup(rows, order, a, b, holder, dropped ?? new Uint8Array(n));
    }
    a = b;
  }
  if (dropped === null || holder === null) return;
  reportMergedEnrollments(rows, dropped, file, problems);
  compact(rows, holder, dropped);
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
function mergeGroup(rows: EnrollmentRows, order: Int32Array, a: number, b: number, holder: Int32Array, dropped: Uint8Array): Uint8Array {
  for (let x = a + 1; x < b; x++) {
    const later = order[x]!;
    for (let y = a; y < x; y++) {
      const first = order[y]!;
      if (dropped[first] === 1 || rows.roleCode[first] !== rows.roleCode[later]) continue;
      holder[first] = merged(rows, holder[first]!, holder[later]!);
      dropped[later] = 1;
      break;
    }
  }
  return dropped;
}

/** Merges rows p and q into the one that starts first; returns it. */
function merged(rows: EnrollmentRows, p: number, q: number): number {
  const winner = startsFirst(rows, p, q) ? p : q;
  rows.endDate[winner] = laterEnd(rows.endDate[p]!, rows.endDate[q]!);
  rows.primary[winner] = rows.primary[p]! | rows.primary[q]!;
  return winner;
}

function reportMergedEnrollments(rows: EnrollmentRows, dropped: Uint8Array, file: string, problems: Problems): void {
  let count = 0;
  let first = -1;
  for (let k = 0; k < dropped.length; k++) {
    if (dropped[k] === 0) continue;
    if (first === -1) first = k;
    count++;
  }
  if (count === 0) return; // runs with the same user and class but different roles merge nothing
  problems.repeat(DUPLICATE_ENROLLMENTS, file, rows.sourceRow[first]!, 'sourcedId', rows.idOfRow(rows.idRow[first]!), count);
}

/**
 * Keeps the rows not dropped, in place and in order, each with its holder's data. A holder is
 * never an earlier row (a group's winner takes the place of its first row), so no row is
 * overwritten before it is copied.
 */
function compact(rows: EnrollmentRows, holder: Int32Array, dropped: Uint8Array): void {
  let j = 0;
  for (let k = 0; k < rows.count; k++) {
    if (dropped[k] === 1) continue;
    const h = holder[k]!;
    rows.classIndex[j] = rows.classIndex[h]!;
    rows.userIndex[j] = rows.userIndex[h]!;
    rows.schoolIndex[j] = rows.schoolIndex[h]!;
    rows.roleCode[j] = rows.roleCode[h]!;
    rows.primary[j] = rows.primary[h]!;
    rows.beginDate[j] = rows.beginDate[h]!;
    rows.endDate[j] = rows.endDate[h]!;
    rows.idRow[j] = rows.idRow[h]!;
    rows.sourceRow[j] = rows.sourceRow[h]!;
    j++;
  }
  rows.count = j;
}

function startsFirst(rows: EnrollmentRows, p: number, q: number): boolean {
  const a = rows.beginDate[p]!;
  const b = rows.beginDate[q]!;
  if (a !== b) return a < b; // '' sorts first: an open start is the earliest
  return rows.idOfRow(rows.idRow[p]!) < rows.idOfRow(rows.idRow[q]!);
}

function laterEnd(a: string, b: string): string {
  if (a === '' || b === '') return '';
  return a > b ? a : b;
}
