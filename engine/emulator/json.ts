/**
 * Canvas REST JSON for the objects the admin endpoints return (Users, Courses, Enrollments,
 * Enrollment Terms APIs). Field sets follow Canvas's API docs for an admin caller; values Canvas
 * would compute from features the emulator lacks are fixed defaults.
 */
import type { Course, Enrollment, Login, Store, Term, User } from './store.js';

/** The login Canvas shows on a user: its SIS login in the root account, else its first login. */
export function primaryLogin(store: Store, userId: number): Login | undefined {
  const logins = store.loginsOf(userId);
  const live = logins.filter((l) => l.workflowState !== 'deleted');
  return live.find((l) => l.sisUserId !== null) ?? live[0] ?? logins[0];
}

/** The abbreviated User Canvas nests in other objects (e.g. an Enrollment's `user`). */
function userSummaryJson(user: User, login: ReturnType<typeof primaryLogin>): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    created_at: user.createdAt,
    sortable_name: user.sortableName,
    short_name: user.shortName ?? user.name,
    sis_user_id: login?.sisUserId ?? null,
    integration_id: login?.integrationId ?? null,
    login_id: login?.uniqueId ?? null,
  };
}

export function userJson(store: Store, user: User): Record<string, unknown> {
  const login = primaryLogin(store, user.id);
  return { ...userSummaryJson(user, login), sis_import_id: login?.sisBatchId ?? null, email: store.primaryEmail(user.id) };
}

export function loginJson(store: Store, login: Login): Record<string, unknown> {
  return {
    id: login.id,
    user_id: login.userId,
    account_id: store.rootAccountId,
    unique_id: login.uniqueId,
    sis_user_id: login.sisUserId,
    integration_id: login.integrationId,
    authentication_provider_id: login.authenticationProviderId,
    authentication_provider_type: login.authenticationProviderId !== null ? (store.authProviders.get(login.authenticationProviderId)?.authType ?? null) : null,
    workflow_state: login.workflowState,
    declared_user_type: login.declaredUserType,
    created_at: login.createdAt,
  };
}

/** Courses API `workflow_state`: unpublished | available | completed | deleted. */
export function courseApiState(course: Course): string {
  return course.workflowState === 'created' || course.workflowState === 'claimed' ? 'unpublished' : course.workflowState;
}

export function courseJson(store: Store, course: Course): Record<string, unknown> {
  return {
    id: course.id,
    name: course.name,
    account_id: course.accountId,
    uuid: `emulated-course-${course.id}`,
    start_at: course.startAt,
    grading_standard_id: null,
    is_public: false,
    created_at: course.createdAt,
    course_code: course.courseCode,
    default_view: 'modules',
    root_account_id: store.rootAccountId,
    enrollment_term_id: course.termId,
    license: 'private',
    grade_passback_setting: null,
    end_at: course.concludeAt,
    public_syllabus: false,
    public_syllabus_to_auth: false,
    storage_quota_mb: 500,
    is_public_to_auth_users: false,
    homeroom_course: false,
    course_color: null,
    friendly_name: null,
    apply_assignment_group_weights: false,
    time_zone: 'UTC',
    blueprint: false,
    template: false,
    sis_course_id: course.sisSourceId,
    sis_import_id: course.sisBatchId,
    integration_id: course.integrationId,
    enrollments: [],
    hide_final_grades: false,
    workflow_state: courseApiState(course),
    restrict_enrollments_to_course_dates: course.restrictEnrollmentsToCourseDates,
  };
}

export function enrollmentJson(store: Store, e: Enrollment, baseUrl: string): Record<string, unknown> {
  const course = store.courses.get(e.courseId)!;
  const section = store.sections.get(e.sectionId)!;
  const user = store.users.get(e.userId)!;
  const login = (e.sisPseudonymId !== null ? store.logins.get(e.sisPseudonymId) : undefined) ?? primaryLogin(store, e.userId);
  const role = store.roleOf(e);
  return {
    id: e.id,
    user_id: e.userId,
    course_id: e.courseId,
    type: e.type,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    associated_user_id: e.associatedUserId,
    start_at: e.startAt,
    end_at: e.endAt,
    course_section_id: e.sectionId,
    root_account_id: store.rootAccountId,
    limit_privileges_to_course_section: e.limitSectionPrivileges,
    enrollment_state: e.workflowState,
    role: role.name,
    role_id: role.id,
    last_activity_at: null,
    last_attended_at: null,
    total_activity_time: 0,
    sis_account_id: store.accounts.get(course.accountId)?.sisSourceId ?? null,
    sis_course_id: course.sisSourceId,
    course_integration_id: course.integrationId,
    sis_section_id: section.sisSourceId,
    section_integration_id: section.integrationId,
    sis_user_id: login?.sisUserId ?? null,
    sis_import_id: e.sisBatchId,
    html_url: `${baseUrl}/courses/${e.courseId}/users/${e.userId}`,
    user: userSummaryJson(user, login),
  };
}

/** Enrollment Terms API object; `overrides` only when requested (`include[]=overrides`). */
export function termJson(term: Term, includeOverrides: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: term.id,
    name: term.name,
    start_at: term.startAt,
    end_at: term.endAt,
    created_at: term.createdAt,
    workflow_state: term.workflowState,
    grading_period_group_id: null,
    sis_term_id: term.sisSourceId,
    sis_import_id: term.sisBatchId,
  };
  if (includeOverrides) {
    const overrides: Record<string, { start_at: string | null; end_at: string | null }> = {};
    for (const o of term.overrides.values()) overrides[o.enrollmentType] = { start_at: o.startAt, end_at: o.endAt };
    json.overrides = overrides;
  }
  return json;
}
