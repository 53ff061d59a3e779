/** xlists.csv (canvas-sis.md §2.8, messages §5.9 — older code version). */
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

export function importXlist(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const xlistCourseId = row.get('xlist_course_id');
  const sectionId = row.get('section_id');
  const status = row.get('status');
  if (xlistCourseId === null) return ctx.warn(row, 'No xlist_course_id given for a cross-listing');
  if (sectionId === null) return ctx.warn(row, 'No section_id given for a cross-listing');
  if (status === null || !/^(active|deleted)$/i.test(status)) return ctx.warn(row, `Improper status "${status ?? ''}" for a cross-listing`);
  const deleted = /^deleted$/i.test(status);
  if (ctx.skipDeletes && deleted) return false;
  const section = store.sectionBySisId(sectionId);
  if (!section) return ctx.warn(row, `A cross-listing referenced a non-existent section ${sectionId}`);
  // A stuck course_id pins the section: the row does nothing and says nothing (§2.8, UNVERIFIED).
  if (!ctx.canWrite(section, 'course_id')) return false;

  let course = store.courseBySisId(xlistCourseId);
  if (!deleted) {
    if (!course) {
      // Canvas creates the target by copying the section's course, unpublished (§2.8).
      const source = store.courses.get(section.nonxlistCourseId ?? section.courseId)!;
      course = store.addCourse({ name: source.name, courseCode: source.courseCode, accountId: source.accountId, termId: source.termId, sisSourceId: xlistCourseId });
      ctx.recordState('Course', 'non-existent', 'claimed');
      ctx.stamp(course);
    } else if (course.workflowState === 'deleted') {
      ctx.recordState('Course', 'deleted', 'claimed');
      course.workflowState = 'claimed';
      ctx.stamp(course);
    }
    if (section.courseId !== course.id) {
      section.nonxlistCourseId ??= section.courseId;
      store.moveSection(section, course.id);
      if (section.nonxlistCourseId === course.id) section.nonxlistCourseId = null;
    }
  } else if (course && section.courseId === course.id && section.nonxlistCourseId !== null) {
    const original = section.nonxlistCourseId;
    section.nonxlistCourseId = null;
    store.moveSection(section, original);
  }
  ctx.stamp(section);
  return true;
}
