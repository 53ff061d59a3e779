/**
 * enrollments.csv: the big one. One loop, indexes bound once, and the result kept as columns
 * (OrEnrollmentColumns): a large district's million enrollments cost a few typed arrays instead
 * of a million records.
 */
import type { OrClass, OrEnrollmentColumns, OrOrg, OrUser } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { Ordinals } from '../../util/ordinals.js';
import { booleanOf, readBoolean, requiredCell, trimmed } from './cells.js';
import { DateCells } from './dates.js';
import { forEachLiveRowIndex, rowReader } from './live-rows.js';
import { mergeDuplicateEnrollments, type EnrollmentRows } from './merge-enrollments.js';
import type { Problems } from './problems.js';
import { danglingReference, dependsOnDeleted } from './references.js';
import { RecentLookup, Registry } from './registry.js';
import { columnOf, type BoundColumn, type Sheet } from './sheet.js';
import { ENROLLMENT_ROLES, readEnum, tokenOf } from './vocabularies.js';

export function readEnrollments(
  sheet: Sheet | null, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems, cellByCell = false,
): OrEnrollmentColumns {
  const rows = enrollmentRows(sheet && sheet.usable ? sheet.table.rowCount : 0);
  if (sheet && sheet.usable) readRows(sheet, classes, users, orgs, problems, rows, cellByCell);
  return columnsOf(rows, sheet?.file ?? 'enrollments.csv', classes, users, orgs);
}

function readRows(
  sheet: Sheet, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems, rows: EnrollmentRows, cellByCell: boolean,
): void {
  const registry = new Registry<{ sourcedId: string }>(sheet.file, true);
  const what = 'enrollment';
  const classCol = columnOf(sheet, 'classSourcedId');
  const schoolCol = columnOf(sheet, 'schoolSourcedId');
  const userCol = columnOf(sheet, 'userSourcedId');
  const roleCol = columnOf(sheet, 'role');
  const primaryCol = columnOf(sheet, 'primary');
  const beginCol = columnOf(sheet, 'beginDate');
  const endCol = columnOf(sheet, 'endDate');
  const dates = new DateCells(sheet, problems);
  const classGone = dependsOnDeleted(what, classes.file);
  const userGone = dependsOnDeleted(what, users.file);
  const schoolGone = dependsOnDeleted(what, orgs.file);
  const classLookup = new RecentLookup(classes);
  const userLookup = new RecentLookup(users);
  const schoolLookup = new RecentLookup(orgs);
  const file = sheet.file;
  let count = 0;

  // Each distinct value of a column is read once; a row any of whose values needs a message (or
  // a slash date, counted per row) is read cell by cell below, exactly as a small file would be.
  const classOf = perValue(sheet, classCol, (v) => nonNegative(classLookup.ordinalOf(v)));
  const schoolOf = perValue(sheet, schoolCol, (v) => nonNegative(schoolLookup.ordinalOf(v)));
  const userOf = perValue(sheet, userCol, (v) => nonNegative(userLookup.ordinalOf(v)));
  const roleOf = perValue(sheet, roleCol, (v) => tokenOf(v, ENROLLMENT_ROLES) ?? undefined);
  const primaryOf = perValue(sheet, primaryCol, (v) => (v === '' ? false : booleanOf(v)), true);
  const beginOf = perValue(sheet, beginCol, (v) => (v === '' ? '' : dates.isoOf(v)), true);
  const endOf = perValue(sheet, endCol, (v) => (v === '' ? '' : dates.isoOf(v)), true);
  const rowAt = rowReader(sheet);

  const keep = (i: number, classOrdinal: number, schoolOrdinal: number, userOrdinal: number, role: string, primary: boolean, beginDate: string, endDate: string) => {
    const k = count++;
    rows.classIndex[k] = classOrdinal;
    rows.userIndex[k] = userOrdinal;
    rows.schoolIndex[k] = schoolOrdinal;
    rows.roleCode[k] = rows.roles.of(role);
    rows.primary[k] = primary ? 1 : 0;
    rows.beginDate[k] = beginDate;
    rows.endDate[k] = endDate;
    rows.idRow[k] = i;
    rows.sourceRow[k] = rowNumberOf(sheet.table, i);
    return k;
  };

  /** A row read cell by cell: every message about it, ambiguous dates noted. */
  const readRow = (row: readonly string[], i: number) => {
    const classId = requiredCell(sheet, row, i, classCol, problems, what);
    const schoolId = requiredCell(sheet, row, i, schoolCol, problems, what);
    const userId = requiredCell(sheet, row, i, userCol, problems, what);
    const role = readEnum(sheet, row, i, roleCol, ENROLLMENT_ROLES, problems, what);
    const primary = readBoolean(sheet, row, i, primaryCol, false, problems);
    const beginDate = dates.read(row, i, beginCol, false, what);
    const endDate = dates.read(row, i, endCol, false, what);
    if (classId === null || schoolId === null || userId === null || role === null || primary === null || beginDate === null || endDate === null) {
      dates.dropUnattached();
      return;
    }
    const classOrdinal = classLookup.ordinalOf(classId);
    const userOrdinal = userLookup.ordinalOf(userId);
    const schoolOrdinal = schoolLookup.ordinalOf(schoolId);
    if (classOrdinal === -1 || userOrdinal === -1 || schoolOrdinal === -1) {
      dates.dropUnattached();
      const classWhy = classOrdinal !== -1 ? null : classes.whyMissing(classId);
      const userWhy = userOrdinal !== -1 ? null : users.whyMissing(userId);
      const schoolWhy = schoolOrdinal !== -1 ? null : orgs.whyMissing(schoolId);
      if (classWhy === 'missing') danglingReference(sheet, i, classCol, classId, classes.file, problems);
      if (userWhy === 'missing') danglingReference(sheet, i, userCol, userId, users.file, problems);
      if (schoolWhy === 'missing') danglingReference(sheet, i, schoolCol, schoolId, orgs.file, problems);
      // Report the skip once, against the first reference that is going away.
      const line = rowNumberOf(sheet.table, i);
      if (classWhy === 'deleted') problems.repeat(classGone, file, line, classCol.name, classId);
      else if (userWhy === 'deleted') problems.repeat(userGone, file, line, userCol.name, userId);
      else if (schoolWhy === 'deleted') problems.repeat(schoolGone, file, line, schoolCol.name, schoolId);
      return;
    }
    const k = keep(i, classOrdinal, schoolOrdinal, userOrdinal, role, primary, beginDate, endDate);
    if (dates.hasUnattached()) dates.attachWith((field, iso) => { (field === beginCol.name ? rows.beginDate : rows.endDate)[k] = iso; });
  };

  const ids = forEachLiveRowIndex(sheet, registry, problems, what, cellByCell ? (i) => readRow(rowAt(i), i) : (i) => {
    const classOrdinal = classOf(i);
    const schoolOrdinal = schoolOf(i);
    const userOrdinal = userOf(i);
    const role = roleOf(i);
    const primary = primaryOf(i);
    const beginDate = beginOf(i);
    const endDate = endOf(i);
    if (classOrdinal === undefined || schoolOrdinal === undefined || userOrdinal === undefined || role === undefined
      || primary === undefined || beginDate === undefined || endDate === undefined) {
      readRow(rowAt(i), i);
      return;
    }
    keep(i, classOrdinal, schoolOrdinal, userOrdinal, role, primary, beginDate, endDate);
  });
  rows.count = count;
  rows.idOfRow = (i) => ids.idAt(i);
  dates.settle(); // before merging: settling can still change beginDate/endDate
  mergeDuplicateEnrollments(rows, file, problems);
}

function nonNegative(n: number): number | undefined {
  return n === -1 ? undefined : n;
}

/**
 * A column read once per distinct value: `read` gets the trimmed value (non-empty unless
 * `empty` says the column may be empty) and gives what it means, or undefined when the row must
 * be read cell by cell. An absent column reads as empty.
 */
function perValue<T>(sheet: Sheet, col: BoundColumn, read: (value: string) => T | undefined, empty = false): (i: number) => T | undefined {
  if (col.index < 0) {
    const absent = empty ? read('') : undefined;
    return () => absent;
  }
  const { codes, values } = sheet.table.columns[col.index]!;
  const known = new Uint8Array(values.length);
  const meaning = new Array<T | undefined>(values.length);
  return (i) => {
    const code = codes[i]!;
    if (known[code] === 0) {
      const value = trimmed(values[code]!);
      meaning[code] = value === '' && !empty ? undefined : read(value);
      known[code] = 1;
    }
    return meaning[code];
  };
}

/** Rows sized once for the whole file (a million rows: growing by push leaves copies behind). */
function enrollmentRows(capacity: number): EnrollmentRows {
  return {
    count: 0, classIndex: new Int32Array(capacity), userIndex: new Int32Array(capacity), schoolIndex: new Int32Array(capacity),
    roleCode: new Int32Array(capacity), roles: new Ordinals(), primary: new Uint8Array(capacity),
    beginDate: new Array<string>(capacity), endDate: new Array<string>(capacity), idRow: new Int32Array(capacity), idOfRow: () => '',
    sourceRow: new Int32Array(capacity),
  };
}

/**
 * A function giving `file`, made apart from columnsOf: a closure there would share its context
 * with `record` and keep every column alive for whoever keeps only the file name (the desired
 * enrollments do, after the SIS snapshot is let go).
 */
function always(file: string): (i: number) => string {
  return () => file;
}

function columnsOf(rows: EnrollmentRows, file: string, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>): OrEnrollmentColumns {
  const n = rows.count;
  const trim = <T extends string[]>(a: T): T => { a.length = n; return a; };
  const classIndex = rows.classIndex.slice(0, n);
  const userIndex = rows.userIndex.slice(0, n);
  const schoolIndex = rows.schoolIndex.slice(0, n);
  const roleCode = rows.roleCode.slice(0, n);
  const primary = rows.primary.slice(0, n);
  const beginDate = trim(rows.beginDate);
  const endDate = trim(rows.endDate);
  const idRow = rows.idRow.slice(0, n);
  const { idOfRow } = rows;
  const sourceRow = rows.sourceRow.slice(0, n);
  const roles = rows.roles.values;
  // Only the record lists: not the registries' id indexes.
  const classList = classes.list;
  const userList = users.list;
  const orgList = orgs.list;
  return {
    count: n, classIndex, userIndex, roleCode, roles, primary, beginDate, endDate, sourceRow, sourceFile: always(file),
    record: (i) => ({
      sourcedId: idOfRow(idRow[i]!), classSourcedId: classList[classIndex[i]!]!.sourcedId, schoolSourcedId: orgList[schoolIndex[i]!]!.sourcedId,
      userSourcedId: userList[userIndex[i]!]!.sourcedId, role: roles[roleCode[i]!]!, primary: primary[i] === 1,
      beginDate: beginDate[i]!, endDate: endDate[i]!, sourceFile: file, sourceRow: sourceRow[i]!,
    }),
  };
}
