/**
 * enrollments.csv (canvas-sis.md §2.7, statuses §3.8, messages §5.8). Identity is section + user +
 * base type + role (+ associated user); a row with only course_id lands in the course's default
 * section. Enrollment status is not sticky, only its dates are (§3.3).
 */
import type { Enrollment, EnrollmentState, Role, Store } from '../store.js';
import type { ImportContext } from './context.js';
import { truthy, type Row } from './rows.js';

export function importEnrollment(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const courseId = row.get('course_id');
  const sectionId = row.get('section_id');
  const userIntegrationId = row.get('user_integration_id');
  const userId = row.get('user_id');
  const userKey = userIntegrationId ?? userId;
  const status = row.get('status');
  if (courseId === null && sectionId === null) return ctx.warn(row, 'No course_id or section_id given for an enrollment');
  if (userKey === null) return ctx.warn(row, 'No user_id given for an enrollment');
  const state = parseStatus(status);
  if (state === null) return ctx.warn(row, `Improper status "${status ?? ''}" for an enrollment`);
  const role = resolveRole(store, row.get('role_id'), row.get('role'));
  if (role === null) return ctx.warn(row, `Improper role "${row.get('role') ?? ''}" for an enrollment`);
  if (ctx.skipDeletes && (state === 'deleted' || state === 'deleted_last_completed')) return false;
  // Another (trusted) root account is a hosted feature; open-source Canvas skips the row (§2.7).
  if (row.get('root_account') !== null) return false;

  let startAt = ctx.parseDate(row.get('start_date'));
  let endAt = ctx.parseDate(row.get('end_date'));
  if (startAt === undefined || endAt === undefined) {
    ctx.warn(row, sectionId !== null ? `Bad date format for user ${userKey} in section ${sectionId}` : `Bad date format for user ${userKey} in course ${courseId ?? ''}`);
    startAt ??= null;
    endAt ??= null;
  }

  let course = courseId !== null ? store.courseBySisId(courseId) : undefined;
  let section = sectionId !== null ? store.sectionBySisId(sectionId) : undefined;
  if (!course && !section) {
    return ctx.warn(row, `Neither course nor section existed for user enrollment (Course ID: ${courseId ?? ''}, Section ID: ${sectionId ?? ''}, User ID: ${userKey})`);
  }
  if (sectionId !== null && !section) return ctx.warn(row, `An enrollment referenced a non-existent section ${sectionId}`);
  if (courseId !== null && !course) return ctx.warn(row, `An enrollment referenced a non-existent course ${courseId}`);
  if (course && section && section.courseId !== course.id && section.nonxlistCourseId !== course.id) {
    return ctx.warn(row, `An enrollment listed a section (${sectionId}) and a course (${courseId}) that are unrelated for user (${userKey})`);
  }

  // Deleted logins are still found (§2.7); user_integration_id is used instead of user_id when present.
  const login = userIntegrationId !== null ? store.loginByIntegrationId(userIntegrationId) : store.loginBySis(userId!);
  if (!login) return ctx.warn(row, `User not found for enrollment (User ID: ${userKey}, Course ID: ${courseId ?? ''}, Section ID: ${sectionId ?? ''})`);
  const user = store.users.get(login.userId)!;

  let associatedUserId: number | null = null;
  const associated = row.get('associated_user_id');
  if (role.baseRoleType === 'ObserverEnrollment' && associated !== null) {
    const observed = store.loginBySis(associated);
    if (!observed) return ctx.warn(row, `An enrollment referenced a non-existent associated user ${associated}`);
    associatedUserId = observed.userId;
  }

  section ??= store.defaultSectionOf(course!);
  course ??= store.courses.get(section.courseId)!;
  let enrollment = store.findEnrollment(section.id, user.id, role.baseRoleType, role.id, associatedUserId);

  let target: EnrollmentState;
  let warning: string | null = null;
  if (state === 'active') {
    const hasActiveLogin = store.loginsOf(user.id).some((l) => l.workflowState !== 'deleted');
    if (user.workflowState === 'deleted' || !hasActiveLogin) {
      if (enrollment?.workflowState === 'deleted' && login.workflowState === 'deleted') {
        return ctx.warn(row, `Attempted enrolling with deleted sis login ${userKey} in course ${courseId ?? ''}`);
      }
      target = 'deleted';
      warning = `Attempted enrolling of deleted user ${userKey} in course ${courseId ?? ''}`;
    } else {
      target = 'active';
      if (login.workflowState === 'deleted') warning = `Enrolled a user ${userKey} in course ${courseId ?? ''}, but referenced a deleted sis login`;
    }
  } else if (state === 'deleted_last_completed') {
    target = hasOtherEnrollment(store, enrollment, course.id, user.id, role, associatedUserId) ? 'deleted' : 'completed';
  } else {
    target = state;
  }

  if (!enrollment) {
    enrollment = store.addEnrollment({ userId: user.id, courseId: course.id, sectionId: section.id, type: role.baseRoleType, roleId: role.id, workflowState: target, associatedUserId });
    ctx.recordState('Enrollment', 'non-existent', target);
  } else {
    ctx.recordState('Enrollment', enrollment.workflowState, target);
    enrollment.workflowState = target;
  }
  enrollment.completedAt = target === 'completed' ? (enrollment.completedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) : null;
  ctx.assign(enrollment, 'start_at', 'startAt', startAt);
  ctx.assign(enrollment, 'end_at', 'endAt', endAt);
  const limit = row.get('limit_section_privileges');
  if (limit !== null) enrollment.limitSectionPrivileges = truthy(limit);
  enrollment.sisPseudonymId = login.id;
  ctx.stamp(enrollment);
  if (warning !== null) ctx.warn(row, warning);
  return true;
}

type RowStatus = 'active' | 'completed' | 'inactive' | 'deleted' | 'deleted_last_completed';

/** Prefix matches like Canvas's regexes; `deleted_last_completed` is tested before `deleted`. */
function parseStatus(status: string | null): RowStatus | null {
  if (status === null) return null;
  if (/^deleted_last_completed/i.test(status)) return 'deleted_last_completed';
  for (const s of ['active', 'completed', 'inactive', 'deleted'] as const) if (new RegExp(`^${s}`, 'i').test(status)) return s;
  return null;
}

/** role_id first, then the role name: built-ins case-insensitively (`student` by prefix), custom roles by exact name (§2.7). */
export function resolveRole(store: Store, roleId: string | null, role: string | null): Role | null {
  if (roleId !== null && /^\d+$/.test(roleId)) {
    const found = store.roleById(Number(roleId));
    if (found) return found;
  }
  if (role === null) return null;
  const lower = role.toLowerCase();
  if (/^student/.test(lower)) return store.builtInRole('StudentEnrollment');
  const builtIn: Record<string, Role['baseRoleType']> = { teacher: 'TeacherEnrollment', ta: 'TaEnrollment', observer: 'ObserverEnrollment', designer: 'DesignerEnrollment' };
  if (builtIn[lower]) return store.builtInRole(builtIn[lower]);
  for (const r of store.roles.values()) if (r.name === role) return r;
  return null;
}

/** deleted_last_completed: another non-deleted enrollment with the same role and associated user in the course (§3.8). */
function hasOtherEnrollment(store: Store, self: Enrollment | undefined, courseId: number, userId: number, role: Role, associatedUserId: number | null): boolean {
  return store.enrollmentsOfCourse(courseId).some((e) =>
    e !== self && e.userId === userId && e.roleId === role.id && e.associatedUserId === associatedUserId && e.workflowState !== 'deleted');
}
