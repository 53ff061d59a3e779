/** courses.csv (canvas-sis.md §2.5, statuses §3.8, messages §5.6). */
import { nowIso, type Course, type CourseState, type Store } from '../store.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

const COURSE_FORMATS = ['on_campus', 'online', 'blended', 'not_set'];

export function importCourse(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const courseId = row.get('course_id');
  const shortName = row.get('short_name');
  const longName = row.get('long_name');
  const status = row.get('status');
  if (courseId === null) return ctx.warn(row, 'No course_id given for a course');
  if (shortName === null) return ctx.warn(row, `No short_name given for course ${courseId}`);
  if (longName === null) return ctx.warn(row, `No long_name given for course ${courseId}`);
  if (status === null || !/^(active|unpublished|published|completed|deleted)/i.test(status)) {
    return ctx.warn(row, `Improper status "${status ?? ''}" for course ${courseId}`);
  }
  const courseFormat = row.get('course_format');
  if (courseFormat !== null && !COURSE_FORMATS.includes(courseFormat)) return ctx.warn(row, `Invalid course_format "${courseFormat}" for course ${courseId}`);
  if (ctx.skipDeletes && /^deleted/i.test(status)) return false;

  // account_id given but not found rejects the row unless fallback_account_id resolves (§2.5).
  const accountSis = row.get('account_id');
  let account = accountSis !== null ? store.accountBySisId(accountSis) : undefined;
  if (!account) {
    const fallback = row.get('fallback_account_id');
    account = fallback !== null ? store.accountBySisId(fallback) : undefined;
    if (!account && accountSis !== null) return ctx.warn(row, `Account not found "${accountSis}" for course ${courseId}`);
  }
  // term_id is looked up among active terms; not found is silently ignored (§2.5).
  const termSis = row.get('term_id');
  const found = termSis !== null ? store.termBySisId(termSis) : undefined;
  const term = found && found.workflowState === 'active' ? found : undefined;

  const dates = readDates(ctx, row, courseId);

  let course = store.courseBySisId(courseId);
  const isNew = !course;
  if (!course) {
    course = store.addCourse({
      name: longName, courseCode: shortName, accountId: account?.id ?? store.rootAccountId, termId: term?.id ?? store.defaultTermId, sisSourceId: courseId,
      workflowState: /^published/i.test(status) ? 'available' : 'claimed',
    });
    ctx.recordState('Course', 'non-existent', course.workflowState);
  } else {
    if (course.workflowState === 'deleted' && !/^deleted/i.test(status) && ctx.canWrite(course, 'workflow_state')) {
      const owner = store.accounts.get(course.accountId);
      if (owner?.workflowState === 'deleted') {
        return ctx.warn(row, `Cannot restore course ${courseId} because the associated account ${owner.sisSourceId ?? ''} is deleted`);
      }
    }
    ctx.assign(course, 'name', 'name', longName);
    ctx.assign(course, 'course_code', 'courseCode', shortName);
    // A found account is only applied if active; an empty account_id keeps the course's account.
    if (account && account.workflowState === 'active') ctx.assign(course, 'account_id', 'accountId', account.id);
    if (term) ctx.assign(course, 'enrollment_term_id', 'termId', term.id);
  }
  course.integrationId = row.get('integration_id');
  if (row.has('course_format')) course.courseFormat = courseFormat;
  if (dates) applyDates(ctx, course, dates);
  if (!isNew) applyStatus(ctx, store, course, status);
  else if (/^completed/i.test(status) || /^deleted/i.test(status)) applyStatus(ctx, store, course, status);
  ctx.stamp(course);
  return true;
}

type DateCell = string | null | 'delete';

/** Course dates only change when a date column is in the header (§2.5). */
function readDates(ctx: ImportContext, row: Row, courseId: string): { start: DateCell; end: DateCell } | null {
  if (!row.has('start_date') && !row.has('end_date')) return null;
  const read = (column: string): DateCell | undefined => {
    const v = row.get(column);
    if (v !== null && v.toLowerCase() === '<delete>') return 'delete';
    return ctx.parseDate(v);
  };
  let start = read('start_date');
  let end = read('end_date');
  if (start === undefined || end === undefined) {
    ctx.warn(row, `Bad date format for course ${courseId}`);
    start ??= null;
    end ??= null;
  }
  return { start, end };
}

function applyDates(ctx: ImportContext, course: Course, dates: { start: DateCell; end: DateCell }): void {
  const value = (d: DateCell): string | null => (d === 'delete' ? null : d);
  ctx.assign(course, 'start_at', 'startAt', value(dates.start));
  ctx.assign(course, 'conclude_at', 'concludeAt', value(dates.end));
  // The restriction follows "either date present"; both <delete> turns it off (§2.5).
  const present = (dates.start !== null && dates.start !== 'delete') || (dates.end !== null && dates.end !== 'delete');
  ctx.assign(course, 'restrict_enrollments_to_course_dates', 'restrictEnrollmentsToCourseDates', present);
}

/** §3.8 course state machine; a stuck workflow_state is left alone without a message. */
function applyStatus(ctx: ImportContext, store: Store, course: Course, status: string): void {
  if (!ctx.canWrite(course, 'workflow_state')) return;
  const from = course.workflowState;
  let to: CourseState = from;
  if (/^(active|unpublished)/i.test(status)) {
    if (from === 'completed') to = 'available'; // legacy: un-concluding publishes
    else if (from === 'deleted') to = 'claimed';
  } else if (/^published/i.test(status)) {
    to = 'available';
  } else if (/^completed/i.test(status)) {
    to = 'completed';
  } else if (/^deleted/i.test(status)) {
    to = 'deleted';
  }
  if (to === from) return;
  ctx.assign(course, 'workflow_state', 'workflowState', to);
  ctx.recordState('Course', from, to);
  if (to === 'deleted') deleteCourseEnrollments(ctx, store, course);
  else if (to === 'completed') concludeCourseEnrollments(ctx, store, course);
  // Made active again, a course brings none of them back: Canvas has no reverse cascade.
}

/**
 * Concluding a course concludes its enrollments that still give access (active, invited, pending),
 * as canvas-lms `Course#update_enrolled_users` does on the workflow_state change; concluded,
 * inactive and deleted ones keep their state.
 */
export function concludeCourseEnrollments(ctx: ImportContext | null, store: Store, course: Course): void {
  const completedAt = nowIso();
  for (const e of store.enrollmentsOfCourse(course.id)) {
    if (e.workflowState !== 'active' && e.workflowState !== 'invited' && e.workflowState !== 'creation_pending') continue;
    ctx?.recordState('Enrollment', e.workflowState, 'completed');
    e.workflowState = 'completed';
    e.completedAt = completedAt;
  }
}

/** Deleting a course deletes its enrollments (§3.8). */
export function deleteCourseEnrollments(ctx: ImportContext | null, store: Store, course: Course): void {
  for (const e of store.enrollmentsOfCourse(course.id)) {
    if (e.workflowState === 'deleted') continue;
    ctx?.recordState('Enrollment', e.workflowState, 'deleted');
    e.workflowState = 'deleted';
  }
}
