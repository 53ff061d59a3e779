/** enrollments.csv: the big one. One loop, indexes bound once, ids interned to their records. */
import type { OrClass, OrEnrollment, OrOrg, OrUser } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { readBoolean, requiredCell } from './cells.js';
import { DateCells } from './dates.js';
import { forEachLiveRow } from './live-rows.js';
import { mergeDuplicateEnrollments } from './merge-enrollments.js';
import type { Problems } from './problems.js';
import { danglingReference, dependsOnDeleted } from './references.js';
import { RecentLookup, Registry } from './registry.js';
import { columnOf, type Sheet } from './sheet.js';
import { ENROLLMENT_ROLES, readEnum } from './vocabularies.js';

export function readEnrollments(
  sheet: Sheet | null, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems,
): OrEnrollment[] {
  if (!sheet || !sheet.usable) return [];
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
  // Sized once (a million rows: growing by push leaves copies behind), trimmed after the loop.
  const enrollments = new Array<OrEnrollment>(sheet.table.rowCount);
  let count = 0;
  // Class and user ordinals per enrollment, for the duplicate merge (numbers, not string keys).
  const classLookup = new RecentLookup(classes);
  const userLookup = new RecentLookup(users);
  const schoolLookup = new RecentLookup(orgs);
  const classOrdinals = new Int32Array(sheet.table.rowCount);
  const userOrdinals = new Int32Array(sheet.table.rowCount);
  const file = sheet.file;

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
    const enrollment: OrEnrollment = {
      sourcedId: id, classSourcedId: classes.idAt(classOrdinal), schoolSourcedId: orgs.idAt(schoolOrdinal),
      userSourcedId: users.idAt(userOrdinal), role, primary, beginDate, endDate, sourceFile: file, sourceRow: rowNumberOf(sheet.table, i),
    };
    dates.attach(enrollment);
    classOrdinals[count] = classOrdinal;
    userOrdinals[count] = userOrdinal;
    enrollments[count++] = enrollment;
  });
  enrollments.length = count;
  dates.settle(); // before merging: settling can still change beginDate/endDate
  return mergeDuplicateEnrollments(enrollments, classOrdinals, userOrdinals, sheet, problems);
}
