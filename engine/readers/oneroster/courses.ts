/** courses.csv (optional) */
import type { OrAcademicSession, OrCourse, OrOrg } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { cell, readMetadata, requiredCell, splitList } from './cells.js';
import { fileNameOf } from './files.js';
import { forEachLiveRow } from './live-rows.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { danglingReference, dependsOnDeleted } from './references.js';
import { emptyRegistry, Registry } from './registry.js';
import { columnOf, sourceOf, type Sheet } from './sheet.js';

const UNKNOWN_SCHOOL_YEAR: RepeatedWarning = {
  code: 'oneroster.dangling-school-year',
  message: (n, example) => `${rows(n, 'names', 'name')} a schoolYearSourcedId that is not in academicSessions.csv or is tobedeleted (first: "${example}"); read as empty`,
  hint: 'Add the school year to academicSessions.csv, or leave schoolYearSourcedId empty.',
};

export function readCourses(sheet: Sheet | null, orgs: Registry<OrOrg>, sessions: Registry<OrAcademicSession>, problems: Problems): Registry<OrCourse> {
  if (!sheet) return emptyRegistry(fileNameOf('courses'));
  const registry = new Registry<OrCourse>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'course';
  const titleCol = columnOf(sheet, 'title');
  const codeCol = columnOf(sheet, 'courseCode');
  const yearCol = columnOf(sheet, 'schoolYearSourcedId');
  const orgCol = columnOf(sheet, 'orgSourcedId');
  const gradesCol = columnOf(sheet, 'grades');
  const subjectsCol = columnOf(sheet, 'subjects');
  const orgGone = dependsOnDeleted(what, orgs.file);
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, titleCol, problems, what);
    const orgId = requiredCell(sheet, row, i, orgCol, problems, what);
    if (title === null || orgId === null) {
      registry.broken.add(id);
      return;
    }
    const org = orgs.get(orgId);
    if (!org) {
      const why = orgs.whyMissing(orgId);
      if (why === 'deleted') {
        registry.deleted.add(id);
        problems.repeat(orgGone, sheet.file, rowNumberOf(sheet.table, i), orgCol.name, orgId);
        return;
      }
      if (why === 'missing') danglingReference(sheet, i, orgCol, orgId, orgs.file, problems);
      registry.broken.add(id);
      return;
    }
    let schoolYearSourcedId = cell(row, yearCol.index);
    if (schoolYearSourcedId !== '') {
      const year = sessions.get(schoolYearSourcedId);
      if (year) schoolYearSourcedId = year.sourcedId;
      else {
        if (sessions.whyMissing(schoolYearSourcedId) !== 'known-bad') problems.repeat(UNKNOWN_SCHOOL_YEAR, sheet.file, rowNumberOf(sheet.table, i), yearCol.name, schoolYearSourcedId);
        schoolYearSourcedId = '';
      }
    }
    registry.add({
      sourcedId: id, title, courseCode: cell(row, codeCol.index), schoolYearSourcedId, orgSourcedId: org.sourcedId,
      grades: splitList(cell(row, gradesCol.index)), subjects: splitList(cell(row, subjectsCol.index)),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  return registry;
}
