/** sections.csv (canvas-sis.md §2.6, messages §5.7). */
import type { Section, Store } from '../store.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

export function importSection(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const sectionId = row.get('section_id');
  const courseId = row.get('course_id');
  const name = row.get('name');
  const status = row.get('status');
  if (sectionId === null) return ctx.warn(row, `No section_id given for a section in course ${courseId ?? ''}`);
  if (courseId === null) return ctx.warn(row, `No course_id given for a section ${sectionId}`);
  if (status === null || !/^(active|deleted)/i.test(status)) {
    return ctx.warn(row, `Improper status "${status ?? ''}" for section ${sectionId} in course ${courseId}`);
  }
  const deleted = /^deleted/i.test(status);
  if (ctx.skipDeletes && deleted) return false;
  const course = store.courseBySisId(courseId);
  if (!course) return ctx.warn(row, `Section ${sectionId} references course ${courseId} which doesn't exist`);
  let section = store.sectionBySisId(sectionId);
  if (name === null && (!section || !deleted)) return ctx.warn(row, `No name given for section ${sectionId} in course ${courseId}`);

  let startAt = ctx.parseDate(row.get('start_date'));
  let endAt = ctx.parseDate(row.get('end_date'));
  if (startAt === undefined || endAt === undefined) {
    ctx.warn(row, `Bad date format for section ${sectionId}`);
    startAt ??= null;
    endAt ??= null;
  }

  if (!section) {
    section = store.addSection({ name: name!, courseId: course.id, sisSourceId: sectionId });
    ctx.recordState('CourseSection', 'non-existent', 'active');
  } else {
    if (ctx.canWrite(section, 'course_id')) moveToCourse(ctx, store, section, course.id);
    if (name !== null) ctx.assign(section, 'name', 'name', name);
  }
  // Section dates are always overwritten, empty clears, unless stuck (§2.6).
  ctx.assign(section, 'start_at', 'startAt', startAt);
  ctx.assign(section, 'end_at', 'endAt', endAt);
  ctx.assign(section, 'restrict_enrollments_to_section_dates', 'restrictEnrollmentsToSectionDates', startAt !== null || endAt !== null);
  section.integrationId = row.get('integration_id');

  const to = deleted ? 'deleted' : 'active';
  ctx.recordState('CourseSection', section.workflowState, to);
  if (to === 'deleted' && section.workflowState !== 'deleted') deleteSectionEnrollments(ctx, store, section);
  section.workflowState = to;
  ctx.stamp(section);
  return true;
}

/**
 * `course_id` names the section's original course. A cross-listed section whose row names a
 * different course is un-cross-listed and moved (§2.6).
 */
function moveToCourse(ctx: ImportContext, store: Store, section: Section, courseId: number): void {
  const original = section.nonxlistCourseId ?? section.courseId;
  if (original === courseId) return;
  section.nonxlistCourseId = null;
  store.moveSection(section, courseId);
  if (ctx.addStickiness) section.stuck.add('course_id');
}

/** Deleting a section deletes its active enrollments (§2.6). */
export function deleteSectionEnrollments(ctx: ImportContext | null, store: Store, section: Section): void {
  for (const e of store.enrollmentsOfSection(section.id)) {
    if (e.workflowState === 'deleted') continue;
    ctx?.recordState('Enrollment', e.workflowState, 'deleted');
    e.workflowState = 'deleted';
  }
}
