/**
 * The emulator's in-memory Canvas root account. Shapes follow Canvas's tables, not the CSV files:
 * a User owns several Logins (pseudonyms, which carry the SIS ids, §3.1), e-mail lives in
 * communication channels on the user, enrollments point at a section and a course. Every object
 * has a Canvas id (per-table increasing integers), `sisBatchId` (null for objects never touched by
 * an SIS import, §3.1) and `stuck` (its stuck SIS fields, §3.3, named as Canvas's attributes).
 *
 * Lookups that imports hit per row (SIS ids, login names, enrollment identity) are indexed; every
 * write to an indexed field goes through a method here so the indexes cannot drift.
 */
import type { EnrollmentType } from '../model/canvas.js';

export type Iso = string; // UTC instant `YYYY-MM-DDTHH:MM:SSZ`

export interface Base {
  id: number;
  sisBatchId: number | null;
  stuck: Set<string>;
  createdAt: Iso;
  updatedAt: Iso;
}

export interface Account extends Base {
  sisSourceId: string | null;
  integrationId: string | null;
  name: string;
  parentId: number | null;
  workflowState: 'active' | 'deleted';
}

export interface TermOverride {
  enrollmentType: EnrollmentType;
  startAt: Iso | null;
  endAt: Iso | null;
  stuck: Set<string>;
  sisBatchId: number | null;
}

export interface Term extends Base {
  sisSourceId: string | null;
  integrationId: string | null;
  name: string;
  startAt: Iso | null;
  endAt: Iso | null;
  workflowState: 'active' | 'deleted';
  isDefault: boolean;
  overrides: Map<EnrollmentType, TermOverride>;
}

/** Canvas course states; the API shows created/claimed as `unpublished` (§3.8). */
export type CourseState = 'created' | 'claimed' | 'available' | 'completed' | 'deleted';

export interface Course extends Base {
  sisSourceId: string | null;
  integrationId: string | null;
  name: string;
  courseCode: string;
  accountId: number;
  termId: number;
  workflowState: CourseState;
  startAt: Iso | null;
  concludeAt: Iso | null;
  restrictEnrollmentsToCourseDates: boolean;
  courseFormat: string | null;
}

export interface Section extends Base {
  sisSourceId: string | null;
  integrationId: string | null;
  name: string;
  /** Current course (the cross-listed one when cross-listed). */
  courseId: number;
  /** Original course while cross-listed, else null. */
  nonxlistCourseId: number | null;
  startAt: Iso | null;
  endAt: Iso | null;
  restrictEnrollmentsToSectionDates: boolean;
  workflowState: 'active' | 'deleted';
  defaultSection: boolean;
}

export interface User extends Base {
  name: string;
  sortableName: string;
  shortName: string | null;
  pronouns: string | null;
  workflowState: 'registered' | 'pre_registered' | 'deleted';
}

export interface CommunicationChannel {
  id: number;
  userId: number;
  path: string;
  workflowState: 'active' | 'unconfirmed' | 'retired';
  position: number;
}

export type LoginState = 'active' | 'suspended' | 'deleted';

export interface Login extends Base {
  userId: number;
  sisUserId: string | null;
  integrationId: string | null;
  uniqueId: string;
  authenticationProviderId: number | null;
  workflowState: LoginState;
  declaredUserType: string | null;
  /** The e-mail channel users.csv manages for this login. */
  sisCommunicationChannelId: number | null;
}

export type EnrollmentState = 'active' | 'invited' | 'creation_pending' | 'completed' | 'inactive' | 'deleted' | 'rejected';
export type EnrollmentBaseType = EnrollmentType | 'ObserverEnrollment';

export interface Enrollment extends Base {
  userId: number;
  courseId: number;
  sectionId: number;
  type: EnrollmentBaseType;
  roleId: number;
  workflowState: EnrollmentState;
  /** The login an SIS row enrolled through (Canvas `sis_pseudonym_id`). */
  sisPseudonymId: number | null;
  associatedUserId: number | null;
  startAt: Iso | null;
  endAt: Iso | null;
  limitSectionPrivileges: boolean;
  completedAt: Iso | null;
}

export interface AuthProvider {
  id: number;
  authType: string;
}

export interface Role {
  id: number;
  /** Canvas role name, e.g. `StudentEnrollment`. */
  name: string;
  baseRoleType: EnrollmentBaseType;
  /** Value of the `role` column in enrollments.csv and reports. */
  sisRole: string;
}

/**
 * Built-in course role ids. Canvas numbers roles per install; these are the ids a fresh Canvas
 * database gives them (INFERRED, not in the reference — one place to change).
 */
export const BUILT_IN_ROLES: readonly Role[] = [
  { id: 3, name: 'StudentEnrollment', baseRoleType: 'StudentEnrollment', sisRole: 'student' },
  { id: 4, name: 'TeacherEnrollment', baseRoleType: 'TeacherEnrollment', sisRole: 'teacher' },
  { id: 5, name: 'TaEnrollment', baseRoleType: 'TaEnrollment', sisRole: 'ta' },
  { id: 6, name: 'DesignerEnrollment', baseRoleType: 'DesignerEnrollment', sisRole: 'designer' },
  { id: 7, name: 'ObserverEnrollment', baseRoleType: 'ObserverEnrollment', sisRole: 'observer' },
];

/**
 * Authentication providers of the emulated root account. A real account has what its admins set
 * up; the emulator offers the common types so imports naming them work (configurable).
 */
export const DEFAULT_AUTH_PROVIDERS: readonly AuthProvider[] = [
  { id: 1, authType: 'canvas' },
  { id: 2, authType: 'google' },
  { id: 3, authType: 'saml' },
  { id: 4, authType: 'ldap' },
  { id: 5, authType: 'microsoft' },
  { id: 6, authType: 'clever' },
  { id: 7, authType: 'openid_connect' },
];

export function nowIso(): Iso {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Table = 'account' | 'term' | 'course' | 'section' | 'user' | 'login' | 'channel' | 'enrollment';

export interface StoreOptions {
  rootAccountId?: number;
  rootAccountName?: string;
  authProviders?: readonly AuthProvider[];
}

export class Store {
  readonly rootAccountId: number;
  readonly accounts = new Map<number, Account>();
  readonly terms = new Map<number, Term>();
  readonly courses = new Map<number, Course>();
  readonly sections = new Map<number, Section>();
  readonly users = new Map<number, User>();
  readonly logins = new Map<number, Login>();
  readonly channels = new Map<number, CommunicationChannel>();
  readonly enrollments = new Map<number, Enrollment>();
  readonly authProviders = new Map<number, AuthProvider>();
  readonly roles = new Map<number, Role>(BUILT_IN_ROLES.map((r) => [r.id, r]));
  defaultTermId: number;

  private readonly seq: Record<Table, number> = { account: 0, term: 0, course: 0, section: 0, user: 0, login: 0, channel: 0, enrollment: 0 };
  private readonly accountBySis = new Map<string, Account>();
  private readonly termBySis = new Map<string, Term>();
  private readonly courseBySis = new Map<string, Course>();
  private readonly sectionBySis = new Map<string, Section>();
  private readonly loginBySisId = new Map<string, Login>();
  private readonly loginByIntegration = new Map<string, Login>();
  private readonly loginsByName = new Map<string, Set<Login>>();
  private readonly loginsByUser = new Map<number, Set<Login>>();
  private readonly enrollmentByKey = new Map<string, Enrollment>();
  private readonly enrollmentsByUser = new Map<number, Set<Enrollment>>();
  private readonly enrollmentsByCourse = new Map<number, Set<Enrollment>>();
  private readonly enrollmentsBySection = new Map<number, Set<Enrollment>>();
  private readonly sectionsByCourse = new Map<number, Set<Section>>();
  private readonly channelsByUser = new Map<number, Set<CommunicationChannel>>();

  constructor(options: StoreOptions = {}) {
    this.rootAccountId = options.rootAccountId ?? 1;
    const now = nowIso();
    this.seq.account = this.rootAccountId;
    this.accounts.set(this.rootAccountId, {
      id: this.rootAccountId, sisSourceId: null, integrationId: null, name: options.rootAccountName ?? 'Emulated Canvas', parentId: null,
      workflowState: 'active', sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    });
    const term = this.addTerm({ name: 'Default Term', isDefault: true });
    this.defaultTermId = term.id;
    for (const p of options.authProviders ?? DEFAULT_AUTH_PROVIDERS) this.authProviders.set(p.id, { ...p });
  }

  nextId(table: Table, wanted?: number): number {
    if (wanted !== undefined && Number.isInteger(wanted) && wanted > 0) {
      if (wanted > this.seq[table]) this.seq[table] = wanted;
      return wanted;
    }
    return ++this.seq[table];
  }

  get rootAccount(): Account {
    return this.accounts.get(this.rootAccountId)!;
  }

  // --- accounts ------------------------------------------------------------------------------

  addAccount(a: { name: string; parentId: number; sisSourceId?: string | null; id?: number }): Account {
    const now = nowIso();
    const account: Account = {
      id: this.nextId('account', a.id), sisSourceId: null, integrationId: null, name: a.name, parentId: a.parentId,
      workflowState: 'active', sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.accounts.set(account.id, account);
    this.setSisSourceId('account', account, a.sisSourceId ?? null);
    return account;
  }

  accountBySisId(sis: string): Account | undefined {
    return this.accountBySis.get(sis);
  }

  // --- terms ---------------------------------------------------------------------------------

  addTerm(t: { name: string; sisSourceId?: string | null; isDefault?: boolean; id?: number }): Term {
    const now = nowIso();
    const term: Term = {
      id: this.nextId('term', t.id), sisSourceId: null, integrationId: null, name: t.name, startAt: null, endAt: null,
      workflowState: 'active', isDefault: t.isDefault ?? false, overrides: new Map(), sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.terms.set(term.id, term);
    this.setSisSourceId('term', term, t.sisSourceId ?? null);
    return term;
  }

  termBySisId(sis: string): Term | undefined {
    return this.termBySis.get(sis);
  }

  // --- courses and sections ------------------------------------------------------------------

  addCourse(c: { name: string; courseCode: string; accountId: number; termId: number; sisSourceId?: string | null; workflowState?: CourseState; id?: number }): Course {
    const now = nowIso();
    const course: Course = {
      id: this.nextId('course', c.id), sisSourceId: null, integrationId: null, name: c.name, courseCode: c.courseCode, accountId: c.accountId,
      termId: c.termId, workflowState: c.workflowState ?? 'claimed', startAt: null, concludeAt: null, restrictEnrollmentsToCourseDates: false,
      courseFormat: null, sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.courses.set(course.id, course);
    this.setSisSourceId('course', course, c.sisSourceId ?? null);
    return course;
  }

  courseBySisId(sis: string): Course | undefined {
    return this.courseBySis.get(sis);
  }

  addSection(s: { name: string; courseId: number; sisSourceId?: string | null; defaultSection?: boolean; id?: number }): Section {
    const now = nowIso();
    const section: Section = {
      id: this.nextId('section', s.id), sisSourceId: null, integrationId: null, name: s.name, courseId: s.courseId, nonxlistCourseId: null,
      startAt: null, endAt: null, restrictEnrollmentsToSectionDates: false, workflowState: 'active', defaultSection: s.defaultSection ?? false,
      sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.sections.set(section.id, section);
    addTo(this.sectionsByCourse, section.courseId, section);
    this.setSisSourceId('section', section, s.sisSourceId ?? null);
    return section;
  }

  sectionBySisId(sis: string): Section | undefined {
    return this.sectionBySis.get(sis);
  }

  sectionsOf(courseId: number): Section[] {
    return [...(this.sectionsByCourse.get(courseId) ?? [])];
  }

  /** Canvas `course.default_section`: created on first need, named after the course. */
  defaultSectionOf(course: Course): Section {
    for (const s of this.sectionsByCourse.get(course.id) ?? []) if (s.defaultSection && s.workflowState !== 'deleted') return s;
    return this.addSection({ name: course.name, courseId: course.id, defaultSection: true });
  }

  /** Moves a section (and its enrollments) to another course; cross-listing bookkeeping is the caller's. */
  moveSection(section: Section, courseId: number): void {
    if (section.courseId === courseId) return;
    removeFrom(this.sectionsByCourse, section.courseId, section);
    section.courseId = courseId;
    addTo(this.sectionsByCourse, courseId, section);
    for (const e of [...(this.enrollmentsBySection.get(section.id) ?? [])]) {
      removeFrom(this.enrollmentsByCourse, e.courseId, e);
      e.courseId = courseId;
      addTo(this.enrollmentsByCourse, courseId, e);
    }
  }

  // --- SIS ids -------------------------------------------------------------------------------

  setSisSourceId(kind: 'account', obj: Account, sis: string | null): void;
  setSisSourceId(kind: 'term', obj: Term, sis: string | null): void;
  setSisSourceId(kind: 'course', obj: Course, sis: string | null): void;
  setSisSourceId(kind: 'section', obj: Section, sis: string | null): void;
  setSisSourceId(kind: 'account' | 'term' | 'course' | 'section', obj: Account | Term | Course | Section, sis: string | null): void {
    const index = this.sisIndex(kind) as Map<string, typeof obj>;
    if (obj.sisSourceId !== null && index.get(obj.sisSourceId) === obj) index.delete(obj.sisSourceId);
    obj.sisSourceId = sis;
    if (sis !== null) index.set(sis, obj);
  }

  private sisIndex(kind: 'account' | 'term' | 'course' | 'section'): Map<string, unknown> {
    switch (kind) {
      case 'account': return this.accountBySis;
      case 'term': return this.termBySis;
      case 'course': return this.courseBySis;
      case 'section': return this.sectionBySis;
    }
  }

  // --- users, logins, e-mail -----------------------------------------------------------------

  addUser(u: { name: string; sortableName: string; shortName?: string | null; id?: number }): User {
    const now = nowIso();
    const user: User = {
      id: this.nextId('user', u.id), name: u.name, sortableName: u.sortableName, shortName: u.shortName ?? null, pronouns: null,
      workflowState: 'registered', sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.users.set(user.id, user);
    return user;
  }

  addLogin(l: { userId: number; uniqueId: string; sisUserId?: string | null; integrationId?: string | null; authenticationProviderId?: number | null; id?: number }): Login {
    const now = nowIso();
    const login: Login = {
      id: this.nextId('login', l.id), userId: l.userId, sisUserId: null, integrationId: null, uniqueId: l.uniqueId,
      authenticationProviderId: l.authenticationProviderId ?? null, workflowState: 'active', declaredUserType: null, sisCommunicationChannelId: null,
      sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.logins.set(login.id, login);
    addTo(this.loginsByUser, login.userId, login);
    addTo(this.loginsByName, login.uniqueId.toLowerCase(), login);
    this.setLoginSisUserId(login, l.sisUserId ?? null);
    this.setLoginIntegrationId(login, l.integrationId ?? null);
    return login;
  }

  loginBySis(sis: string): Login | undefined {
    return this.loginBySisId.get(sis);
  }

  loginByIntegrationId(id: string): Login | undefined {
    return this.loginByIntegration.get(id);
  }

  /** Non-deleted logins whose login name matches case-insensitively (§3.1 uniqueness rule). */
  activeLoginsByName(uniqueId: string): Login[] {
    return [...(this.loginsByName.get(uniqueId.toLowerCase()) ?? [])].filter((l) => l.workflowState !== 'deleted');
  }

  loginsOf(userId: number): Login[] {
    return [...(this.loginsByUser.get(userId) ?? [])].sort((a, b) => a.id - b.id);
  }

  setLoginSisUserId(login: Login, sis: string | null): void {
    if (login.sisUserId !== null && this.loginBySisId.get(login.sisUserId) === login) this.loginBySisId.delete(login.sisUserId);
    login.sisUserId = sis;
    if (sis !== null) this.loginBySisId.set(sis, login);
  }

  setLoginIntegrationId(login: Login, id: string | null): void {
    if (login.integrationId !== null && this.loginByIntegration.get(login.integrationId) === login) this.loginByIntegration.delete(login.integrationId);
    login.integrationId = id;
    if (id !== null) this.loginByIntegration.set(id, login);
  }

  setLoginUniqueId(login: Login, uniqueId: string): void {
    removeFrom(this.loginsByName, login.uniqueId.toLowerCase(), login);
    login.uniqueId = uniqueId;
    addTo(this.loginsByName, uniqueId.toLowerCase(), login);
  }

  channelsOf(userId: number): CommunicationChannel[] {
    return [...(this.channelsByUser.get(userId) ?? [])].sort((a, b) => a.position - b.position || a.id - b.id);
  }

  /** Adds an e-mail channel at the end (or at position 1, shifting the others, when `first`). */
  addChannel(userId: number, path: string, workflowState: CommunicationChannel['workflowState'], first = false): CommunicationChannel {
    const existing = this.channelsOf(userId);
    if (first) for (const c of existing) c.position++;
    const position = first ? 1 : (existing.at(-1)?.position ?? 0) + 1;
    const channel: CommunicationChannel = { id: this.nextId('channel'), userId, path, workflowState, position };
    this.channels.set(channel.id, channel);
    addTo(this.channelsByUser, userId, channel);
    return channel;
  }

  /** The e-mail a provisioning report shows: the user's first non-retired channel by position (§4.3). */
  primaryEmail(userId: number): string | null {
    return this.channelsOf(userId).find((c) => c.workflowState !== 'retired')?.path ?? null;
  }

  // --- enrollments ---------------------------------------------------------------------------

  static enrollmentKey(sectionId: number, userId: number, type: string, roleId: number, associatedUserId: number | null): string {
    return `${sectionId}|${userId}|${type}|${roleId}|${associatedUserId ?? ''}`;
  }

  findEnrollment(sectionId: number, userId: number, type: string, roleId: number, associatedUserId: number | null): Enrollment | undefined {
    return this.enrollmentByKey.get(Store.enrollmentKey(sectionId, userId, type, roleId, associatedUserId));
  }

  addEnrollment(e: { userId: number; courseId: number; sectionId: number; type: EnrollmentBaseType; roleId: number; workflowState: EnrollmentState; associatedUserId?: number | null; id?: number }): Enrollment {
    const now = nowIso();
    const enrollment: Enrollment = {
      id: this.nextId('enrollment', e.id), userId: e.userId, courseId: e.courseId, sectionId: e.sectionId, type: e.type, roleId: e.roleId,
      workflowState: e.workflowState, sisPseudonymId: null, associatedUserId: e.associatedUserId ?? null, startAt: null, endAt: null,
      limitSectionPrivileges: false, completedAt: null, sisBatchId: null, stuck: new Set(), createdAt: now, updatedAt: now,
    };
    this.enrollments.set(enrollment.id, enrollment);
    this.enrollmentByKey.set(Store.enrollmentKey(e.sectionId, e.userId, e.type, e.roleId, enrollment.associatedUserId), enrollment);
    addTo(this.enrollmentsByUser, e.userId, enrollment);
    addTo(this.enrollmentsByCourse, e.courseId, enrollment);
    addTo(this.enrollmentsBySection, e.sectionId, enrollment);
    return enrollment;
  }

  enrollmentsOfUser(userId: number): Enrollment[] {
    return [...(this.enrollmentsByUser.get(userId) ?? [])];
  }

  enrollmentsOfCourse(courseId: number): Enrollment[] {
    return [...(this.enrollmentsByCourse.get(courseId) ?? [])];
  }

  enrollmentsOfSection(sectionId: number): Enrollment[] {
    return [...(this.enrollmentsBySection.get(sectionId) ?? [])];
  }

  roleById(id: number): Role | undefined {
    return this.roles.get(id);
  }

  roleOf(e: Enrollment): Role {
    return this.roles.get(e.roleId) ?? BUILT_IN_ROLES.find((r) => r.baseRoleType === e.type)!;
  }

  builtInRole(type: EnrollmentBaseType): Role {
    return BUILT_IN_ROLES.find((r) => r.baseRoleType === type)!;
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
