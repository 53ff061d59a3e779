/**
 * The store as a `CanvasState` in provisioning-report terms (canvas-sis.md §4.2–4.3): report
 * status values, Canvas ids as strings, created_by_sis = "has a sis_batch_id", first/last names
 * split from sortable_name, one user row per login, and the include_deleted / created_by_sis /
 * enrollment_term_id filters. With `everything` no filter applies (state dumps).
 *
 * Objects without a SIS id (the default term, manual courses) are kept with a null SIS-id field
 * although the record types declare a string: the report lists them with an empty cell (§4.2).
 */
import type { AccountRecord, CanvasState, CourseRecord, EnrollmentRecord, SectionRecord, TermOverrideRecord, TermRecord, UserRecord } from '../model/canvas.js';
import { splitSortableName } from './names.js';
import type { Course, CourseState, Enrollment, EnrollmentState, Login, Store } from './store.js';

export interface ReportFilter {
  includeDeleted: boolean;
  createdBySis: boolean;
  termId: number | null;
  /** Report run on a sub-account: courses below it, users enrolled there, its direct child accounts (§4.2). */
  accountId: number | null;
  everything?: boolean;
}

export const NO_FILTER: ReportFilter = { includeDeleted: true, createdBySis: false, termId: null, accountId: null, everything: true };

/** Canvas course states as the provisioning report names them (§3.8). */
const COURSE_STATUS: Readonly<Record<CourseState, string>> = { created: 'unpublished', claimed: 'unpublished', available: 'active', completed: 'concluded', deleted: 'deleted' };
const ENROLLMENT_STATUS: Readonly<Record<EnrollmentState, string>> = {
  active: 'active', invited: 'invited', creation_pending: 'invited', completed: 'concluded', inactive: 'inactive', deleted: 'deleted', rejected: 'rejected',
};

/** Deleted courses stay listed with include_deleted only if they have a SIS id or changed in the last 120 days (§4.3). */
const DELETED_COURSE_WINDOW_MS = 120 * 24 * 3600 * 1000;

const str = (n: number | null | undefined): string | null => (n === null || n === undefined ? null : String(n));

export function toCanvasState(store: Store, filter: ReportFilter, origin = 'canvas-emulator'): CanvasState {
  const courseScope = courseScopeOf(store, filter);
  return {
    origin,
    accounts: accounts(store, filter),
    terms: terms(store, filter),
    termOverrides: filter.everything ? termOverrides(store) : null,
    courses: courses(store, filter, courseScope),
    sections: sections(store, filter, courseScope),
    users: users(store, filter, courseScope),
    enrollments: enrollments(store, filter, courseScope),
    warnings: [],
    digest: '',
  };
}

function sisFilter(filter: ReportFilter, sisBatchId: number | null): boolean {
  return !filter.createdBySis || sisBatchId !== null;
}

/** Course ids under the report's account and term (null = no restriction). */
function courseScopeOf(store: Store, filter: ReportFilter): ((course: Course) => boolean) {
  const below = filter.accountId !== null && filter.accountId !== store.rootAccountId ? descendants(store, filter.accountId) : null;
  return (course) => (below === null || below.has(course.accountId)) && (filter.termId === null || course.termId === filter.termId);
}

/** An account and every account below it. */
export function descendants(store: Store, accountId: number): Set<number> {
  const out = new Set([accountId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const a of store.accounts.values()) {
      if (a.parentId !== null && out.has(a.parentId) && !out.has(a.id)) {
        out.add(a.id);
        grew = true;
      }
    }
  }
  return out;
}

function accounts(store: Store, filter: ReportFilter): AccountRecord[] {
  const out: AccountRecord[] = [];
  for (const a of store.accounts.values()) {
    if (a.id === store.rootAccountId) continue; // the root account itself is not listed
    if (!filter.everything) {
      if (a.workflowState === 'deleted' && !(filter.includeDeleted && a.sisSourceId !== null)) continue;
      if (filter.accountId !== null && filter.accountId !== store.rootAccountId && a.parentId !== filter.accountId) continue;
      if (!sisFilter(filter, a.sisBatchId)) continue;
    }
    const parent = a.parentId !== null ? store.accounts.get(a.parentId) : undefined;
    out.push({
      canvas_account_id: String(a.id), account_id: a.sisSourceId as string, canvas_parent_id: str(a.parentId), parent_account_id: parent?.sisSourceId ?? null,
      name: a.name, status: a.workflowState, created_by_sis: a.sisBatchId !== null,
    });
  }
  return out;
}

function terms(store: Store, filter: ReportFilter): TermRecord[] {
  const out: TermRecord[] = [];
  for (const t of store.terms.values()) {
    if (!filter.everything) {
      if (t.workflowState === 'deleted' && !(filter.includeDeleted && t.sisSourceId !== null)) continue;
      if (!sisFilter(filter, t.sisBatchId)) continue;
    }
    out.push({
      canvas_term_id: String(t.id), term_id: t.sisSourceId as string, name: t.name, status: t.workflowState,
      start_date: t.startAt, end_date: t.endAt, created_by_sis: t.sisBatchId !== null,
    });
  }
  return out;
}

function termOverrides(store: Store): TermOverrideRecord[] {
  const out: TermOverrideRecord[] = [];
  for (const t of store.terms.values()) {
    if (t.sisSourceId === null) continue;
    for (const o of t.overrides.values()) out.push({ term_id: t.sisSourceId, date_override_enrollment_type: o.enrollmentType, start_date: o.startAt, end_date: o.endAt });
  }
  return out;
}

function courses(store: Store, filter: ReportFilter, inScope: (c: Course) => boolean): CourseRecord[] {
  const out: CourseRecord[] = [];
  const now = Date.now();
  for (const c of store.courses.values()) {
    if (!filter.everything) {
      if (!inScope(c)) continue;
      if (!filter.includeDeleted && (c.workflowState === 'deleted' || c.workflowState === 'completed')) continue;
      if (filter.includeDeleted && c.workflowState === 'deleted' && c.sisSourceId === null && now - Date.parse(c.updatedAt) > DELETED_COURSE_WINDOW_MS) continue;
      if (!sisFilter(filter, c.sisBatchId)) continue;
    }
    const account = store.accounts.get(c.accountId);
    const term = store.terms.get(c.termId);
    out.push({
      canvas_course_id: String(c.id), course_id: c.sisSourceId as string, integration_id: c.integrationId, short_name: c.courseCode, long_name: c.name,
      canvas_account_id: String(c.accountId), account_id: account?.sisSourceId ?? null, canvas_term_id: String(c.termId), term_id: term?.sisSourceId ?? null,
      status: COURSE_STATUS[c.workflowState],
      // Dates are exported only while the course restricts enrollments to them (§3.9).
      start_date: c.restrictEnrollmentsToCourseDates ? c.startAt : null,
      end_date: c.restrictEnrollmentsToCourseDates ? c.concludeAt : null,
      created_by_sis: c.sisBatchId !== null,
    });
  }
  return out;
}

function sections(store: Store, filter: ReportFilter, inScope: (c: Course) => boolean): SectionRecord[] {
  const out: SectionRecord[] = [];
  for (const s of store.sections.values()) {
    const course = store.courses.get(s.courseId)!;
    const original = s.nonxlistCourseId !== null ? store.courses.get(s.nonxlistCourseId) : undefined;
    if (!filter.everything) {
      if (!inScope(original ?? course)) continue;
      if (filter.includeDeleted) {
        if (s.workflowState === 'deleted' && !(s.sisSourceId !== null && (course.sisSourceId !== null || original?.sisSourceId != null))) continue;
      } else if (s.workflowState === 'deleted' || (course.workflowState === 'deleted' && (original?.workflowState ?? 'deleted') === 'deleted')) {
        continue;
      }
      if (!sisFilter(filter, s.sisBatchId)) continue;
    }
    // course_id is the section's current course (the cross-listed one), §4.3.
    out.push({
      canvas_section_id: String(s.id), section_id: s.sisSourceId as string, canvas_course_id: String(course.id), course_id: course.sisSourceId,
      integration_id: s.integrationId, name: s.name, status: s.workflowState,
      start_date: s.restrictEnrollmentsToSectionDates ? s.startAt : null,
      end_date: s.restrictEnrollmentsToSectionDates ? s.endAt : null,
      canvas_account_id: String(course.accountId), account_id: store.accounts.get(course.accountId)?.sisSourceId ?? null,
      created_by_sis: s.sisBatchId !== null,
    });
  }
  return out;
}

function users(store: Store, filter: ReportFilter, inScope: (c: Course) => boolean): UserRecord[] {
  let allowed: Set<number> | null = null;
  if (!filter.everything && filter.accountId !== null && filter.accountId !== store.rootAccountId) {
    allowed = new Set([...store.enrollments.values()].filter((e) => inScope(store.courses.get(e.courseId)!)).map((e) => e.userId));
  }
  const out: UserRecord[] = [];
  for (const l of store.logins.values()) {
    if (!filter.everything) {
      if (l.workflowState === 'deleted' && !(filter.includeDeleted && l.sisUserId !== null)) continue;
      if (allowed && !allowed.has(l.userId)) continue;
      if (!sisFilter(filter, l.sisBatchId)) continue;
    }
    const user = store.users.get(l.userId)!;
    const { first, last } = splitSortableName(user.sortableName);
    out.push({
      canvas_user_id: String(user.id), user_id: l.sisUserId, integration_id: l.integrationId, authentication_provider_id: str(l.authenticationProviderId),
      login_id: l.uniqueId, first_name: first, last_name: last, full_name: user.name, sortable_name: user.sortableName, short_name: user.shortName,
      email: store.primaryEmail(user.id), status: l.workflowState, created_by_sis: l.sisBatchId !== null,
    });
  }
  return out;
}

function enrollments(store: Store, filter: ReportFilter, inScope: (c: Course) => boolean): EnrollmentRecord[] {
  const out: EnrollmentRecord[] = [];
  for (const e of store.enrollments.values()) {
    const course = store.courses.get(e.courseId)!;
    const section = store.sections.get(e.sectionId)!;
    if (!filter.everything) {
      if (!inScope(course)) continue;
      if (!filter.includeDeleted && (e.workflowState === 'deleted' || e.workflowState === 'completed')) continue;
      if (filter.includeDeleted && e.workflowState === 'deleted' && e.sisBatchId === null) continue;
      if (!sisFilter(filter, e.sisBatchId)) continue;
    }
    const login = reportLogin(store, e, filter.everything === true || filter.includeDeleted);
    if (!login && !filter.everything) continue; // no usable login: the row is dropped (§4.3)
    const role = store.roleOf(e);
    const status = course.workflowState === 'deleted' || section.workflowState === 'deleted' ? 'deleted' : ENROLLMENT_STATUS[e.workflowState];
    out.push({
      canvas_course_id: String(course.id), course_id: course.sisSourceId, canvas_user_id: String(e.userId), user_id: login?.sisUserId ?? null,
      role: role.sisRole, role_id: String(role.id), canvas_section_id: String(section.id), section_id: section.sisSourceId, status,
      created_by_sis: e.sisBatchId !== null, base_role_type: role.baseRoleType, limit_section_privileges: e.limitSectionPrivileges,
      canvas_enrollment_id: String(e.id),
    });
  }
  return out;
}

/** The login an enrollment row shows: the one it was made through, else the user's SIS login, else any (§4.3). */
function reportLogin(store: Store, e: Enrollment, allowDeleted: boolean): Login | undefined {
  const usable = (l: Login | undefined): l is Login => l !== undefined && (allowDeleted || l.workflowState !== 'deleted');
  const through = e.sisPseudonymId !== null ? store.logins.get(e.sisPseudonymId) : undefined;
  if (usable(through)) return through;
  const logins = store.loginsOf(e.userId).filter(usable);
  return logins.find((l) => l.sisUserId !== null) ?? logins[0];
}
