/** classes.csv, with each class's school, course and terms resolved to their records. */
import type { OrAcademicSession, OrClass, OrCourse, OrOrg } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { cell, readMetadata, requiredCell, splitList } from './cells.js';
import { fileNameOf } from './files.js';
import { forEachLiveRow } from './live-rows.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { danglingReference, dependsOnDeleted } from './references.js';
import { emptyRegistry, Registry } from './registry.js';
import { columnOf, sourceOf, type BoundColumn, type Sheet } from './sheet.js';
import { CLASS_TYPES, readEnum } from './vocabularies.js';

const SCHOOL_NOT_A_SCHOOL: RepeatedWarning = {
  code: 'oneroster.school-type',
  message: (n, example) => `${rows(n, 'names', 'name')} a schoolSourcedId whose org type is not school (first: "${example}")`,
  hint: 'OneRoster wants classes and enrollments attached to an org of type school; check the type in orgs.csv.',
};
const TERM_DELETED: RepeatedWarning = {
  code: 'oneroster.term-tobedeleted',
  message: (n, example) => `${rows(n, 'lists', 'list')} a term that is tobedeleted (first: "${example}"); the term is dropped from the class`,
  hint: 'Expected while a term is being removed; otherwise check the status of that session.',
};
const COURSE_NOT_LISTED: RepeatedWarning = {
  code: 'oneroster.course-not-listed',
  message: (n, example) => `${rows(n, 'names', 'name')} a courseSourcedId that is not in courses.csv (first: "${example}"); kept, because the manifest marks courses absent`,
  hint: 'Either export courses.csv in full (bulk) or leave it out.',
};

interface ClassRefs {
  orgs: Registry<OrOrg>;
  sessions: Registry<OrAcademicSession>;
  courses: Registry<OrCourse>;
  coursesAuthoritative: boolean;
  /** Warnings for classes skipped because their school, course or every term is tobedeleted. */
  schoolGone: RepeatedWarning;
  courseGone: RepeatedWarning;
  termsGone: RepeatedWarning;
}

export function readClasses(
  sheet: Sheet | null, orgs: Registry<OrOrg>, sessions: Registry<OrAcademicSession>, courses: Registry<OrCourse>, coursesAuthoritative: boolean, problems: Problems,
): Registry<OrClass> {
  if (!sheet) return emptyRegistry(fileNameOf('classes'));
  const registry = new Registry<OrClass>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const refs: ClassRefs = {
    orgs, sessions, courses, coursesAuthoritative,
    schoolGone: dependsOnDeleted('class', orgs.file), courseGone: dependsOnDeleted('class', courses.file), termsGone: dependsOnDeleted('class', sessions.file),
  };
  const what = 'class';
  const c = {
    title: columnOf(sheet, 'title'), course: columnOf(sheet, 'courseSourcedId'), code: columnOf(sheet, 'classCode'), type: columnOf(sheet, 'classType'),
    location: columnOf(sheet, 'location'), school: columnOf(sheet, 'schoolSourcedId'), terms: columnOf(sheet, 'termSourcedIds'),
    grades: columnOf(sheet, 'grades'), subjects: columnOf(sheet, 'subjects'), periods: columnOf(sheet, 'periods'),
  };
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, c.title, problems, what);
    const courseId = requiredCell(sheet, row, i, c.course, problems, what);
    const classType = readEnum(sheet, row, i, c.type, CLASS_TYPES, problems, what);
    const schoolId = requiredCell(sheet, row, i, c.school, problems, what);
    const termsText = requiredCell(sheet, row, i, c.terms, problems, what);
    if (title === null || courseId === null || classType === null || schoolId === null || termsText === null) {
      registry.broken.add(id);
      return;
    }
    const resolved = resolveClassRefs(sheet, i, c, courseId, schoolId, splitList(termsText), refs, problems);
    if (resolved === 'deleted') registry.deleted.add(id);
    if (typeof resolved === 'string') {
      if (resolved === 'broken') registry.broken.add(id);
      return;
    }
    registry.add({
      sourcedId: id, title, courseSourcedId: resolved.courseSourcedId, classCode: cell(row, c.code.index), classType,
      location: cell(row, c.location.index), schoolSourcedId: resolved.schoolSourcedId, termSourcedIds: resolved.termSourcedIds,
      grades: splitList(cell(row, c.grades.index)), subjects: splitList(cell(row, c.subjects.index)), periods: splitList(cell(row, c.periods.index)),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  return registry;
}

/**
 * A class's school, course and terms, interned to the records they name. 'deleted' when the
 * class hangs off something tobedeleted (it goes too), 'broken' when a reference is wrong.
 */
function resolveClassRefs(
  sheet: Sheet, i: number, c: Record<'course' | 'school' | 'terms', BoundColumn>,
  courseId: string, schoolId: string, termIds: string[], refs: ClassRefs, problems: Problems,
): { courseSourcedId: string; schoolSourcedId: string; termSourcedIds: string[] } | 'deleted' | 'broken' {
  const line = rowNumberOf(sheet.table, i);
  let broken = false;
  let deleted = false;

  const school = refs.orgs.get(schoolId);
  if (school) {
    if (school.type !== 'school') problems.repeat(SCHOOL_NOT_A_SCHOOL, sheet.file, line, c.school.name, schoolId);
  } else {
    const why = refs.orgs.whyMissing(schoolId);
    if (why === 'deleted') {
      deleted = true;
      problems.repeat(refs.schoolGone, sheet.file, line, c.school.name, schoolId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.school, schoolId, refs.orgs.file, problems);
      broken = true;
    }
  }

  let courseSourcedId = courseId;
  const course = refs.courses.get(courseId);
  if (course) courseSourcedId = course.sourcedId;
  else if (refs.coursesAuthoritative) {
    const why = refs.courses.whyMissing(courseId);
    if (why === 'deleted') {
      deleted = true;
      problems.repeat(refs.courseGone, sheet.file, line, c.course.name, courseId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.course, courseId, refs.courses.file, problems);
      broken = true;
    }
  } else if (refs.courses.list.length > 0) {
    problems.repeat(COURSE_NOT_LISTED, sheet.file, line, c.course.name, courseId);
  }

  const termSourcedIds: string[] = [];
  let droppedTerm = false;
  for (const termId of termIds) {
    const term = refs.sessions.get(termId);
    if (term) {
      termSourcedIds.push(term.sourcedId);
      continue;
    }
    const why = refs.sessions.whyMissing(termId);
    if (why === 'deleted') {
      droppedTerm = true;
      problems.repeat(TERM_DELETED, sheet.file, line, c.terms.name, termId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.terms, termId, refs.sessions.file, problems);
      broken = true;
    }
  }
  // A class whose every term is going away has nowhere to live: it goes too.
  if (droppedTerm && termSourcedIds.length === 0 && !broken) {
    deleted = true;
    problems.repeat(refs.termsGone, sheet.file, line, c.terms.name, termIds[0]!);
  }
  if (broken) return 'broken';
  if (deleted) return 'deleted';
  return { courseSourcedId, schoolSourcedId: school!.sourcedId, termSourcedIds };
}
