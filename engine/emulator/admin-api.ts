/**
 * The endpoints an admin uses by hand (Canvas REST paths and parameter names). Objects made here
 * have no sis_batch_id, even with a SIS id (not SIS-managed, §3.1); every changed sticky field of
 * an existing object becomes stuck, since any save outside an import sticks it (§3.3).
 */
import type { EmulatorCore } from './core.js';
import { path, type ApiRequest, type Route } from './http.js';
import { concludeCourseEnrollments, deleteCourseEnrollments } from './importer/courses.js';
import { resolveRole } from './importer/enrollments.js';
import { truthy } from './importer/rows.js';
import { cascadeLoginDeletion, findAuthProvider } from './importer/users.js';
import { courseJson, enrollmentJson, loginJson, userJson } from './json.js';
import { findAccount, findCourse, findSection, findTerm, findUser } from './lookup.js';
import { inferSortableName, isValidEmail } from './names.js';
import { paginate } from './pagination.js';
import { objectParam, stringParam, type Params } from './params.js';
import { badRequest, json, notFound, type ApiResponse } from './responses.js';
import { nowIso, type Base, type Course, type CourseState, type EnrollmentBaseType, type EnrollmentState, type Section, type Store } from './store.js';

/** Marks `field` stuck when a manual save changed it (§3.3). */
function set<T extends Base, K extends keyof T>(obj: T, field: string, key: K, value: T[K]): void {
  if (obj[key] === value) return;
  obj[key] = value;
  obj.stuck.add(field);
  obj.updatedAt = nowIso();
}

function taken(model: string, attribute: string, message: string): ApiResponse {
  return badRequest({ errors: { [model]: { [attribute]: [{ attribute, type: 'taken', message }] } } });
}

export function adminRoutes(core: EmulatorCore): Route[] {
  const { store } = core;
  return [
    { method: 'POST', pattern: path('/api/v1/accounts/:account_id/users'), name: 'users-create', handle: (req) => createUser(store, req) },
    { method: 'GET', pattern: path('/api/v1/users/:id'), name: 'users-show', handle: (req) => withUser(store, req, (u) => json(userJson(store, u))) },
    { method: 'PUT', pattern: path('/api/v1/users/:id'), name: 'users-update', handle: (req) => updateUser(store, req) },
    {
      method: 'GET', pattern: path('/api/v1/users/:id/logins'), name: 'logins-list',
      handle: (req) => withUser(store, req, (u) => json(store.loginsOf(u.id).map((l) => loginJson(store, l)))),
    },
    { method: 'PUT', pattern: path('/api/v1/accounts/:account_id/logins/:id'), name: 'logins-update', handle: (req) => updateLogin(store, req) },
    { method: 'DELETE', pattern: path('/api/v1/users/:user_id/logins/:id'), name: 'logins-delete', handle: (req) => deleteLogin(store, req) },
    { method: 'POST', pattern: path('/api/v1/accounts/:account_id/courses'), name: 'courses-create', handle: (req) => createCourse(store, req) },
    {
      method: 'GET', pattern: path('/api/v1/courses/:id'), name: 'courses-show',
      handle: (req) => {
        const course = findCourse(store, req.pathParams.id!);
        return course ? json(courseJson(store, course)) : notFound();
      },
    },
    { method: 'PUT', pattern: path('/api/v1/courses/:id'), name: 'courses-update', handle: (req) => updateCourse(store, req) },
    {
      method: 'POST', pattern: path('/api/v1/courses/:course_id/enrollments'), name: 'enrollments-create',
      handle: (req) => {
        const course = findCourse(store, req.pathParams.course_id!);
        return course ? enroll(store, req, course, null) : notFound();
      },
    },
    {
      method: 'POST', pattern: path('/api/v1/sections/:section_id/enrollments'), name: 'enrollments-create',
      handle: (req) => {
        const section = findSection(store, req.pathParams.section_id!);
        return section ? enroll(store, req, store.courses.get(section.courseId)!, section) : notFound();
      },
    },
    {
      method: 'DELETE', pattern: path('/api/v1/courses/:course_id/enrollments/:id'), name: 'enrollments-delete',
      handle: (req) => {
        const course = findCourse(store, req.pathParams.course_id!);
        const e = course && /^\d+$/.test(req.pathParams.id!) ? store.enrollments.get(Number(req.pathParams.id)) : undefined;
        if (!course || !e || e.courseId !== course.id) return notFound();
        // `task`: conclude (default), delete, inactivate/deactivate. Enrollment status is not sticky (§3.3).
        const task = stringParam(req.params, 'task') ?? 'conclude';
        const to: EnrollmentState | null = task === 'conclude' ? 'completed' : task === 'delete' ? 'deleted' : task === 'inactivate' || task === 'deactivate' ? 'inactive' : null;
        if (!to) return badRequest({ message: `${task} is not a valid task` });
        e.workflowState = to;
        if (to === 'completed') e.completedAt = nowIso();
        e.updatedAt = nowIso();
        return json(enrollmentJson(store, e, req.baseUrl));
      },
    },
    {
      method: 'GET', pattern: path('/api/v1/courses/:course_id/enrollments'), name: 'enrollments-list',
      handle: (req) => {
        const course = findCourse(store, req.pathParams.course_id!);
        return course ? listEnrollments(store, req, store.enrollmentsOfCourse(course.id)) : notFound();
      },
    },
    {
      method: 'GET', pattern: path('/api/v1/sections/:section_id/enrollments'), name: 'enrollments-list',
      handle: (req) => {
        const section = findSection(store, req.pathParams.section_id!);
        return section ? listEnrollments(store, req, store.enrollmentsOfSection(section.id)) : notFound();
      },
    },
  ];
}

function withUser(store: Store, req: ApiRequest, fn: (user: NonNullable<ReturnType<typeof findUser>>) => ApiResponse): ApiResponse {
  const user = findUser(store, req.pathParams.id!);
  return user ? fn(user) : notFound();
}

function createUser(store: Store, req: ApiRequest): ApiResponse {
  if (!findAccount(store, req.pathParams.account_id!)) return notFound();
  const user = objectParam(req.params, 'user');
  const pseudonym = objectParam(req.params, 'pseudonym');
  const cc = objectParam(req.params, 'communication_channel');
  const uniqueId = stringParam(pseudonym, 'unique_id');
  if (!uniqueId) return badRequest({ errors: { user: {}, pseudonym: { unique_id: [{ attribute: 'unique_id', type: 'blank', message: 'blank' }] } } });
  const providerParam = stringParam(pseudonym, 'authentication_provider_id');
  const provider = providerParam ? findAuthProvider(store, providerParam) : null;
  if (providerParam && !provider) return badRequest({ errors: { pseudonym: { authentication_provider_id: [{ attribute: 'authentication_provider_id', type: 'inclusion', message: 'is not included in the list' }] } } });
  if (store.activeLoginsByName(uniqueId).some((l) => l.authenticationProviderId === (provider?.id ?? null))) {
    return taken('pseudonym', 'unique_id', 'ID already in use for this account and authentication provider');
  }
  const sis = stringParam(pseudonym, 'sis_user_id');
  if (sis && store.loginBySis(sis)) return taken('pseudonym', 'sis_user_id', `SIS ID "${sis}" is already in use`);
  const integration = stringParam(pseudonym, 'integration_id');
  if (integration && store.loginByIntegrationId(integration)) return taken('pseudonym', 'integration_id', `Integration ID "${integration}" is already in use`);

  const address = stringParam(cc, 'address');
  const name = stringParam(user, 'name') || address || uniqueId;
  const created = store.addUser({ name, sortableName: stringParam(user, 'sortable_name') || inferSortableName(name), shortName: stringParam(user, 'short_name') || null });
  store.addLogin({ userId: created.id, uniqueId, sisUserId: sis || null, integrationId: integration || null, authenticationProviderId: provider?.id ?? null });
  // Without an explicit address Canvas uses the login name as the e-mail when it is one.
  const email = address ?? (isValidEmail(uniqueId) ? uniqueId : null);
  if (email) store.addChannel(created.id, email, truthy(cc.skip_confirmation) ? 'active' : 'unconfirmed');
  return json(userJson(store, created));
}

function updateUser(store: Store, req: ApiRequest): ApiResponse {
  return withUser(store, req, (u) => {
    const p = objectParam(req.params, 'user');
    const name = stringParam(p, 'name');
    const sortable = stringParam(p, 'sortable_name');
    const short = stringParam(p, 'short_name');
    if (name) {
      // Canvas re-infers a sortable name that was inferred from the old name (User#infer_defaults).
      const inferred = u.sortableName === inferSortableName(u.name);
      set(u, 'name', 'name', name);
      if (!sortable && inferred) set(u, 'sortable_name', 'sortableName', inferSortableName(name));
    }
    if (sortable) set(u, 'sortable_name', 'sortableName', sortable);
    if (short !== null) set(u, 'short_name', 'shortName', short === '' ? null : short);
    const email = stringParam(p, 'email');
    if (email) {
      const existing = store.channelsOf(u.id).find((c) => c.path.toLowerCase() === email.toLowerCase());
      if (existing) {
        for (const c of store.channelsOf(u.id)) if (c !== existing && c.position < existing.position) c.position++;
        existing.position = 1;
        if (existing.workflowState === 'retired') existing.workflowState = 'unconfirmed';
      } else {
        store.addChannel(u.id, email, 'unconfirmed', true);
      }
    }
    return json(userJson(store, u));
  });
}

function updateLogin(store: Store, req: ApiRequest): ApiResponse {
  const login = /^\d+$/.test(req.pathParams.id!) ? store.logins.get(Number(req.pathParams.id)) : undefined;
  if (!login) return notFound();
  const p = objectParam(req.params, 'login');
  const uniqueId = stringParam(p, 'unique_id');
  if (uniqueId && uniqueId !== login.uniqueId) {
    if (store.activeLoginsByName(uniqueId).some((l) => l !== login)) return taken('unique_id', 'unique_id', 'ID already in use for this account and authentication provider');
    store.setLoginUniqueId(login, uniqueId);
    login.stuck.add('unique_id');
  }
  const sis = stringParam(p, 'sis_user_id');
  if (sis !== null && sis !== (login.sisUserId ?? '')) {
    if (sis && store.loginBySis(sis)) return taken('sis_user_id', 'sis_user_id', `SIS ID "${sis}" is already in use`);
    store.setLoginSisUserId(login, sis || null);
  }
  const integration = stringParam(p, 'integration_id');
  if (integration !== null) store.setLoginIntegrationId(login, integration || null);
  const state = stringParam(p, 'workflow_state');
  if (state === 'active' || state === 'suspended') set(login, 'workflow_state', 'workflowState', state);
  login.updatedAt = nowIso();
  return json(loginJson(store, login));
}

function deleteLogin(store: Store, req: ApiRequest): ApiResponse {
  const user = findUser(store, req.pathParams.user_id!);
  const login = user && /^\d+$/.test(req.pathParams.id!) ? store.logins.get(Number(req.pathParams.id)) : undefined;
  if (!user || !login || login.userId !== user.id) return notFound();
  if (login.workflowState !== 'deleted') {
    set(login, 'workflow_state', 'workflowState', 'deleted');
    cascadeLoginDeletion(null, store, login);
  }
  return json(loginJson(store, login));
}

function createCourse(store: Store, req: ApiRequest): ApiResponse {
  const account = findAccount(store, req.pathParams.account_id!);
  if (!account) return notFound();
  const p = objectParam(req.params, 'course');
  const sis = stringParam(p, 'sis_course_id');
  if (sis && store.courseBySisId(sis)) return taken('course', 'sis_source_id', `SIS ID "${sis}" is already in use`);
  const termParam = stringParam(p, 'term_id') ?? stringParam(p, 'enrollment_term_id');
  const term = termParam ? findTerm(store, termParam) : undefined;
  const name = stringParam(p, 'name') || 'Unnamed Course';
  const course = store.addCourse({
    name, courseCode: stringParam(p, 'course_code') || name, accountId: account.id, termId: term?.id ?? store.defaultTermId, sisSourceId: sis || null,
    workflowState: truthy(req.params.offer) ? 'available' : 'claimed',
  });
  course.integrationId = stringParam(p, 'integration_id') || null;
  course.startAt = isoParam(p, 'start_at');
  course.concludeAt = isoParam(p, 'end_at');
  course.restrictEnrollmentsToCourseDates = truthy(p.restrict_enrollments_to_course_dates);
  return json(courseJson(store, course));
}

function updateCourse(store: Store, req: ApiRequest): ApiResponse {
  const course = findCourse(store, req.pathParams.id!);
  if (!course) return notFound();
  const p = objectParam(req.params, 'course');
  const name = stringParam(p, 'name');
  if (name) set(course, 'name', 'name', name);
  const code = stringParam(p, 'course_code');
  if (code) set(course, 'course_code', 'courseCode', code);
  if (p.start_at !== undefined) set(course, 'start_at', 'startAt', isoParam(p, 'start_at'));
  if (p.end_at !== undefined) set(course, 'conclude_at', 'concludeAt', isoParam(p, 'end_at'));
  if (p.restrict_enrollments_to_course_dates !== undefined) set(course, 'restrict_enrollments_to_course_dates', 'restrictEnrollmentsToCourseDates', truthy(p.restrict_enrollments_to_course_dates));
  const termParam = stringParam(p, 'term_id') ?? stringParam(p, 'enrollment_term_id');
  const term = termParam ? findTerm(store, termParam) : undefined;
  if (term) set(course, 'enrollment_term_id', 'termId', term.id);
  const accountParam = stringParam(p, 'account_id');
  const account = accountParam ? findAccount(store, accountParam) : undefined;
  if (account) set(course, 'account_id', 'accountId', account.id);
  const sis = stringParam(p, 'sis_course_id');
  if (sis !== null && sis !== (course.sisSourceId ?? '')) {
    if (sis && store.courseBySisId(sis)) return taken('course', 'sis_source_id', `SIS ID "${sis}" is already in use`);
    store.setSisSourceId('course', course, sis || null);
  }
  const event = stringParam(p, 'event') ?? (truthy(req.params.offer) ? 'offer' : null);
  const next = event ? courseEvent(course.workflowState, event) : null;
  if (next && next !== course.workflowState) {
    set(course, 'workflow_state', 'workflowState', next);
    if (next === 'deleted') deleteCourseEnrollments(null, store, course);
    else if (next === 'completed') concludeCourseEnrollments(null, store, course);
  }
  return json(courseJson(store, course));
}

/** Courses API `course[event]`: claim (unpublish), offer (publish), conclude, delete, undelete. */
function courseEvent(from: CourseState, event: string): CourseState | null {
  switch (event) {
    case 'claim': return from === 'created' || from === 'claimed' || from === 'available' ? 'claimed' : null;
    case 'offer': return from === 'deleted' ? null : 'available';
    case 'conclude': return 'completed';
    case 'delete': return 'deleted';
    case 'undelete': return from === 'deleted' ? 'claimed' : null;
    default: return null;
  }
}

function enroll(store: Store, req: ApiRequest, course: Course, routeSection: Section | null): ApiResponse {
  const p = objectParam(req.params, 'enrollment');
  const userParam = stringParam(p, 'user_id');
  if (!userParam) return badRequest({ message: "Can't create an enrollment without a user. Include enrollment[user_id] to create an enrollment" });
  const user = findUser(store, userParam);
  if (!user) return notFound();
  const typeParam = stringParam(p, 'type');
  const roleIdParam = stringParam(p, 'role_id');
  const types: Record<string, EnrollmentBaseType> = {
    StudentEnrollment: 'StudentEnrollment', TeacherEnrollment: 'TeacherEnrollment', TaEnrollment: 'TaEnrollment',
    DesignerEnrollment: 'DesignerEnrollment', ObserverEnrollment: 'ObserverEnrollment',
  };
  const role = roleIdParam ? resolveRole(store, roleIdParam, null) : typeParam && types[typeParam] ? store.builtInRole(types[typeParam]) : null;
  if (!role) return badRequest({ message: 'Invalid type' });
  const sectionParam = stringParam(p, 'course_section_id');
  const section = routeSection ?? (sectionParam ? findSection(store, sectionParam) : undefined) ?? store.defaultSectionOf(course);
  if (section.courseId !== course.id) return badRequest({ message: 'Section does not belong to the course' });
  const stateParam = stringParam(p, 'enrollment_state');
  let state: EnrollmentState = stateParam === 'active' || stateParam === 'inactive' ? stateParam : 'invited';
  if (state === 'invited' && course.workflowState !== 'available') state = 'creation_pending';
  const associated = stringParam(p, 'associated_user_id');
  const associatedUserId = associated && role.baseRoleType === 'ObserverEnrollment' ? (findUser(store, associated)?.id ?? null) : null;
  let enrollment = store.findEnrollment(section.id, user.id, role.baseRoleType, role.id, associatedUserId);
  if (enrollment) {
    enrollment.workflowState = state;
    enrollment.updatedAt = nowIso();
  } else {
    enrollment = store.addEnrollment({ userId: user.id, courseId: course.id, sectionId: section.id, type: role.baseRoleType, roleId: role.id, workflowState: state, associatedUserId });
  }
  if (p.limit_privileges_to_course_section !== undefined) enrollment.limitSectionPrivileges = truthy(p.limit_privileges_to_course_section);
  return json(enrollmentJson(store, enrollment, req.baseUrl));
}

function listEnrollments(store: Store, req: ApiRequest, items: ReturnType<Store['enrollmentsOfCourse']>): ApiResponse {
  const sorted = items.filter((e) => e.workflowState !== 'deleted').sort((a, b) => a.id - b.id);
  const { page, link } = paginate(sorted, req.params, req.url, req.baseUrl, true);
  return json(page.map((e) => enrollmentJson(store, e, req.baseUrl)), 200, { Link: link });
}

/** An ISO 8601 date parameter as a UTC instant; empty/absent → null. */
function isoParam(p: Params, key: string): string | null {
  const v = stringParam(p, key);
  if (!v) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
