/**
 * enrollments.csv: the big one. One loop, indexes bound once, and the result kept as columns
 * (OrEnrollmentColumns): a large district's million enrollments cost a few typed arrays instead
 * of a million records.
 */
import type { OrClass, OrEnrollmentColumns, OrOrg, OrUser } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { readBoolean, requiredCell } from './cells.js';
import { DateCells } from './dates.js';
import { forEachLiveRow } from './live-rows.js';
import { mergeDuplicateEnrollments, type EnrollmentRows } from './merge-enrollments.js';
import type { Problems } from './problems.js';
import { danglingReference, dependsOnDeleted } from './references.js';
import { RecentLookup, Registry } from './registry.js';
import { columnOf, type Sheet } from './sheet.js';
import { ENROLLMENT_ROLES, readEnum } from './vocabularies.js';

export function readEnrollments(
  sheet: Sheet | null, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems,
): OrEnrollmentColumns {
  const rows = enrollmentRows(sheet && sheet.usable ? sheet.table.rowCount : 0);
  if (sheet && sheet.usable) readRows(sheet, classes, users, orgs, problems, rows);
  return columnsOf(rows, sheet?.file ?? 'enrollments.csv', classes, users, orgs);
}

function readRows(sheet: Sheet, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems, rows: EnrollmentRows): void {
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
  const roleCodes = new Map<string, number>();
  const file = sheet.file;
  let count = 0;

  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
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
    const k = count++;
    rows.classIndex[k] = classOrdinal;
    rows.userIndex[k] = userOrdinal;
    rows.schoolIndex[k] = schoolOrdinal;
    let roleCode = roleCodes.get(role);
    if (roleCode === undefined) roleCodes.set(role, (roleCode = rows.roles.push(role) - 1));
    rows.roleCode[k] = roleCode;
    rows.primary[k] = primary ? 1 : 0;
    rows.beginDate[k] = beginDate;
    rows.endDate[k] = endDate;
    rows.sourcedId[k] = id;
    rows.sourceRow[k] = rowNumberOf(sheet.table, i);
    if (dates.hasUnattached()) dates.attachWith((field, iso) => { (field === beginCol.name ? rows.beginDate : rows.endDate)[k] = iso; });
  });
  rows.count = count;
  dates.settle(); // before merging: settling can still change beginDate/endDate
  mergeDuplicateEnrollments(rows, file, problems);
}

/** Rows sized once for the whole file (a million rows: growing by push leaves copies behind). */
function enrollmentRows(capacity: number): EnrollmentRows {
  return {
    count: 0, classIndex: new Int32Array(capacity), userIndex: new Int32Array(capacity), schoolIndex: new Int32Array(capacity),
    roleCode: new Int32Array(capacity), roles: [], primary: new Uint8Array(capacity),
    beginDate: new Array<string>(capacity), endDate: new Array<string>(capacity), sourcedId: new Array<string>(capacity), sourceRow: new Int32Array(capacity),
  };
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
  const sourcedId = trim(rows.sourcedId);
  const sourceRow = rows.sourceRow.slice(0, n);
  const { roles } = rows;
  // Only the record lists: not the registries' id indexes.
  const classList = classes.list;
  const userList = users.list;
  const orgList = orgs.list;
  return {
    count: n, classIndex, userIndex, roleCode, roles, primary, beginDate, endDate, sourceRow, sourceFile: () => file,
    record: (i) => ({
      sourcedId: sourcedId[i]!, classSourcedId: classList[classIndex[i]!]!.sourcedId, schoolSourcedId: orgList[schoolIndex[i]!]!.sourcedId,
      userSourcedId: userList[userIndex[i]!]!.sourcedId, role: roles[roleCode[i]!]!, primary: primary[i] === 1,
      beginDate: beginDate[i]!, endDate: endDate[i]!, sourceFile: file, sourceRow: sourceRow[i]!,
    }),
  };
}
