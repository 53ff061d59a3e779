/**
 * Seeds the store from a `CanvasState` (a provisioning report read by
 * engine/readers/canvas-report.ts, or built by a test). Canvas ids are kept where the report has
 * them, so a client that saw the report sees the same ids from the emulator. Report statuses are
 * mapped back to Canvas states (§3.8); `created_by_sis` becomes the placeholder batch id
 * SEED_SIS_BATCH_ID (the batch that made it is unknown, only that one did).
 */
import type { CanvasState } from '../model/canvas.js';
import { resolveRole } from './importer/enrollments.js';
import { findAuthProvider } from './importer/users.js';
import { inferSortableName } from './names.js';
import type { Account, Course, CourseState, EnrollmentState, Section, Store, User } from './store.js';

/** sis_batch_id given to seeded objects the report marks created_by_sis (real batch ids start at 1). */
export const SEED_SIS_BATCH_ID = 0;

const COURSE_STATES: Readonly<Record<string, CourseState>> = {
  unpublished: 'claimed', active: 'available', published: 'available', available: 'available', claimed: 'claimed', created: 'created',
  concluded: 'completed', completed: 'completed', deleted: 'deleted',
};
const ENROLLMENT_STATES: Readonly<Record<string, EnrollmentState>> = {
  active: 'active', invited: 'invited', creation_pending: 'creation_pending', concluded: 'completed', completed: 'completed',
  inactive: 'inactive', deleted: 'deleted', rejected: 'rejected',
};

const id = (v: string | null | undefined): number | undefined => (v != null && /^\d+$/.test(v) ? Number(v) : undefined);
const batchOf = (createdBySis: boolean | undefined): number | null => (createdBySis ? SEED_SIS_BATCH_ID : null);

export function seedStore(store: Store, state: CanvasState): void {
  const taken = (map: Map<number, unknown>, wanted: number | undefined): number | undefined => (wanted !== undefined && !map.has(wanted) ? wanted : undefined);

  // The default term may collide with a seeded term's id: give it a fresh one first.
  if (state.terms.some((t) => id(t.canvas_term_id) === store.defaultTermId)) {
    const def = store.terms.get(store.defaultTermId)!;
    store.terms.delete(def.id);
    def.id = store.nextId('term', Math.max(...state.terms.map((t) => id(t.canvas_term_id) ?? 0)) + 1);
    store.terms.set(def.id, def);
    store.defaultTermId = def.id;
  }

  const accountsByCanvasId = new Map<string, Account>();
  for (const a of state.accounts) {
    const account = store.addAccount({ name: a.name ?? a.account_id, parentId: store.rootAccountId, sisSourceId: a.account_id, id: taken(store.accounts, id(a.canvas_account_id)) });
    account.workflowState = a.status === 'deleted' ? 'deleted' : 'active';
    account.sisBatchId = batchOf(a.created_by_sis);
    if (a.canvas_account_id) accountsByCanvasId.set(a.canvas_account_id, account);
  }
  for (const a of state.accounts) {
    const account = store.accountBySisId(a.account_id)!;
    const parent = (a.parent_account_id ? store.accountBySisId(a.parent_account_id) : undefined) ?? (a.canvas_parent_id ? accountsByCanvasId.get(a.canvas_parent_id) : undefined);
    if (parent && parent !== account) account.parentId = parent.id;
  }

  for (const t of state.terms) {
    const term = store.addTerm({ name: t.name ?? t.term_id, sisSourceId: t.term_id, id: taken(store.terms, id(t.canvas_term_id)) });
    term.workflowState = t.status === 'deleted' ? 'deleted' : 'active';
    term.startAt = t.start_date;
    term.endAt = t.end_date;
    term.sisBatchId = batchOf(t.created_by_sis);
  }
  for (const o of state.termOverrides ?? []) {
    store.termBySisId(o.term_id)?.overrides.set(o.date_override_enrollment_type, {
      enrollmentType: o.date_override_enrollment_type, startAt: o.start_date, endAt: o.end_date, stuck: new Set(), sisBatchId: null,
    });
  }

  const coursesByCanvasId = new Map<string, Course>();
  for (const c of state.courses) {
    const account = (c.account_id ? store.accountBySisId(c.account_id) : undefined) ?? (c.canvas_account_id ? store.accounts.get(Number(c.canvas_account_id)) : undefined);
    const term = (c.term_id ? store.termBySisId(c.term_id) : undefined) ?? (id(c.canvas_term_id) !== undefined ? store.terms.get(id(c.canvas_term_id)!) : undefined);
    const course = store.addCourse({
      name: c.long_name ?? c.course_id, courseCode: c.short_name ?? c.course_id, accountId: account?.id ?? store.rootAccountId, termId: term?.id ?? store.defaultTermId,
      sisSourceId: c.course_id, workflowState: COURSE_STATES[c.status] ?? 'claimed', id: taken(store.courses, id(c.canvas_course_id)),
    });
    course.integrationId = c.integration_id;
    course.startAt = c.start_date;
    course.concludeAt = c.end_date;
    course.restrictEnrollmentsToCourseDates = c.start_date !== null || c.end_date !== null;
    course.sisBatchId = batchOf(c.created_by_sis);
    if (c.canvas_course_id) coursesByCanvasId.set(c.canvas_course_id, course);
  }
  const courseOf = (sis: string | null, canvasId: string | null | undefined): Course | undefined =>
    (sis ? store.courseBySisId(sis) : undefined) ?? (canvasId ? (coursesByCanvasId.get(canvasId) ?? store.courses.get(Number(canvasId))) : undefined);

  for (const s of state.sections) {
    const course = courseOf(s.course_id, s.canvas_course_id);
    if (!course) continue; // a section of a course without SIS id the report reader left out
    const section = store.addSection({ name: s.name ?? s.section_id, courseId: course.id, sisSourceId: s.section_id, id: taken(store.sections, id(s.canvas_section_id)) });
    section.integrationId = s.integration_id;
    section.workflowState = s.status === 'deleted' ? 'deleted' : 'active';
    section.startAt = s.start_date;
    section.endAt = s.end_date;
    section.restrictEnrollmentsToSectionDates = s.start_date !== null || s.end_date !== null;
    section.sisBatchId = batchOf(s.created_by_sis);
  }

  seedUsers(store, state, taken);
  seedEnrollments(store, state, courseOf, taken);
}

function seedUsers(store: Store, state: CanvasState, taken: (map: Map<number, unknown>, wanted: number | undefined) => number | undefined): void {
  const usersByCanvasId = new Map<string, User>();
  for (const u of state.users) {
    let user = u.canvas_user_id ? usersByCanvasId.get(u.canvas_user_id) : undefined;
    if (!user) {
      const name = u.full_name ?? ([u.first_name, u.last_name].filter((x) => x !== null).join(' ') || u.login_id);
      user = store.addUser({ name, sortableName: u.sortable_name ?? inferSortableName(name), shortName: u.short_name, id: taken(store.users, id(u.canvas_user_id)) });
      if (u.canvas_user_id) usersByCanvasId.set(u.canvas_user_id, user);
    }
    let providerId: number | null = null;
    if (u.authentication_provider_id) {
      const provider = findAuthProvider(store, u.authentication_provider_id);
      if (provider) providerId = provider.id;
      else if (id(u.authentication_provider_id) !== undefined) {
        providerId = id(u.authentication_provider_id)!;
        store.authProviders.set(providerId, { id: providerId, authType: 'unknown' });
      }
    }
    const login = store.addLogin({ userId: user.id, uniqueId: u.login_id, sisUserId: u.user_id, integrationId: u.integration_id, authenticationProviderId: providerId });
    login.workflowState = u.status === 'deleted' ? 'deleted' : u.status === 'suspended' ? 'suspended' : 'active';
    login.sisBatchId = batchOf(u.created_by_sis);
    if (u.email) {
      const existing = store.channelsOf(user.id).find((c) => c.path.toLowerCase() === u.email!.toLowerCase());
      const channel = existing ?? store.addChannel(user.id, u.email, 'active');
      // INFERRED: the e-mail of a login an SIS import created is that login's SIS channel (the
      // import set it), so a later users.csv e-mail updates it in place (reference §2.1).
      if (u.created_by_sis && u.user_id) login.sisCommunicationChannelId = channel.id;
    }
  }
}

function seedEnrollments(store: Store, state: CanvasState, courseOf: (sis: string | null, canvasId: string | null | undefined) => Course | undefined,
  taken: (map: Map<number, unknown>, wanted: number | undefined) => number | undefined): void {
  for (const e of state.enrollments) {
    const login = e.user_id ? store.loginBySis(e.user_id) : undefined;
    const user = (id(e.canvas_user_id) !== undefined ? store.users.get(id(e.canvas_user_id)!) : undefined) ?? (login ? store.users.get(login.userId) : undefined);
    const course = courseOf(e.course_id, e.canvas_course_id);
    if (!user || !course) continue;
    let section: Section | undefined = e.section_id ? store.sectionBySisId(e.section_id) : undefined;
    if (!section && id(e.canvas_section_id) !== undefined) {
      section = store.sections.get(id(e.canvas_section_id)!) ?? store.addSection({ name: course.name, courseId: course.id, defaultSection: true, id: id(e.canvas_section_id) });
    }
    section ??= store.defaultSectionOf(course);
    const role = resolveRole(store, e.role_id ?? null, e.role);
    if (!role) continue;
    const existing = store.findEnrollment(section.id, user.id, role.baseRoleType, role.id, null);
    if (existing) continue;
    const enrollment = store.addEnrollment({
      userId: user.id, courseId: section.courseId, sectionId: section.id, type: role.baseRoleType, roleId: role.id,
      workflowState: ENROLLMENT_STATES[e.status] ?? 'active', id: taken(store.enrollments, id(e.canvas_enrollment_id)),
    });
    enrollment.sisPseudonymId = login?.id ?? null;
    enrollment.limitSectionPrivileges = e.limit_section_privileges ?? false;
    enrollment.sisBatchId = batchOf(e.created_by_sis);
  }
}
