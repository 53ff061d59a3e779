/**
 * Canvas-side drift: what happens to a Canvas instance between two syncs (people edited by hand,
 * accounts created by an admin, SIS rows that disappeared, term dates touched in the UI).
 *
 * Every function is pure: it takes a CanvasState (the shape the provisioning-report reader
 * produces) and returns a new state plus a DriftChange that names the people and objects involved
 * and the plan operation the planner is expected to propose. Records that change are copied;
 * untouched records are shared with the input. Randomness comes from the seeded PRNG only.
 *
 * Canvas ids given to new objects are fresh increasing integers (as strings), above every id of
 * that kind already in the state.
 */
import type { CanvasState, Cell, CourseRecord, EnrollmentRecord, TermRecord, UserRecord } from '../model/canvas.js';
import { loginPart, pickFamilyName, pickGivenName } from './names.js';
import { toRng, type Rng } from './random.js';

export type DriftKind =
  | 'sis-managed-extras'
  | 'removed-synced-users'
  | 'renamed-users'
  | 'changed-emails'
  | 'changed-auth-provider'
  | 'manual-user-formula-login'
  | 'manual-user-other-login'
  | 'manual-course'
  | 'shifted-term-dates'
  | 'removed-synced-enrollments'
  | 'sis-managed-stray-enrollments'
  | 'changed-enrollment-status';

/** The plan operation a correct planner proposes for this drift (with default policies). */
export type ExpectedOutcome = 'drop' | 'create' | 'update' | 'adopt' | 'duplicate-risk' | 'leave-alone';

export interface DriftItem {
  user_id?: Cell;
  login_id?: string;
  canvas_user_id?: Cell;
  full_name?: Cell;
  course_id?: Cell;
  section_id?: Cell;
  canvas_course_id?: Cell;
  term_id?: string;
  role?: string;
  /** For field changes: which field, and its value before and after. */
  field?: string;
  before?: Cell;
  after?: Cell;
  /** Enrollments added or removed together with this user. */
  enrollments?: number;
  note?: string;
}

export interface DriftChange {
  kind: DriftKind;
  expect: ExpectedOutcome;
  /** One line, e.g. "3 SIS-created users no longer in the SIS (with 14 enrollments)". */
  summary: string;
  items: DriftItem[];
}

export interface DriftResult {
  state: CanvasState;
  change: DriftChange;
}

/** Options shared by the user-picking drifts. */
export interface PickOptions {
  /** user_ids that must not be picked (applyDrift uses it so two drifts never touch one person). */
  exclude?: ReadonlySet<string>;
}

type RngArg = Rng | number | undefined;

// ---------------------------------------------------------------------------------------------
// Helpers

const isSisUser = (u: UserRecord): boolean => u.user_id != null && u.created_by_sis !== false && u.status === 'active';
const isSisEnrollment = (e: EnrollmentRecord): boolean => e.user_id != null && e.created_by_sis !== false && e.status !== 'deleted';

/** Returns a function handing out integers (as strings) above every numeric value seen. */
function canvasIds(values: Iterable<Cell | undefined>): () => string {
  let max = 0;
  for (const v of values) {
    if (v == null) continue;
    const n = Number(v);
    if (Number.isSafeInteger(n) && n > max) max = n;
  }
  return () => String(++max);
}

function* field<T, K extends keyof T>(records: readonly T[], key: K): Generator<T[K]> {
  for (const r of records) yield r[key];
}

function clone(state: CanvasState): CanvasState {
  return {
    ...state,
    accounts: state.accounts.slice(),
    terms: state.terms.slice(),
    termOverrides: state.termOverrides ? state.termOverrides.slice() : null,
    courses: state.courses.slice(),
    sections: state.sections.slice(),
    users: state.users.slice(),
    enrollments: state.enrollments.slice(),
    warnings: state.warnings.slice(),
  };
}

function pickUsers(state: CanvasState, n: number, rng: Rng, filter: (u: UserRecord) => boolean, opts: PickOptions = {}): number[] {
  const candidates: number[] = [];
  state.users.forEach((u, i) => {
    if (isSisUser(u) && filter(u) && !(opts.exclude?.has(u.user_id!) ?? false)) candidates.push(i);
  });
  return rng.sampleIndices(candidates.length, n).map((k) => candidates[k]!);
}

function splitName(name: string | { first: string; last: string }): { first: string; last: string } {
  if (typeof name !== 'string') return name;
  const parts = name.trim().split(/\s+/);
  if (parts.length === 1) return { first: parts[0]!, last: '' };
  return { first: parts[0]!, last: parts.slice(1).join(' ') };
}

function nameFields(first: string, last: string): Pick<UserRecord, 'first_name' | 'last_name' | 'full_name' | 'sortable_name' | 'short_name'> {
  const full = last ? `${first} ${last}` : first;
  return { first_name: first, last_name: last || null, full_name: full, sortable_name: last ? `${last}, ${first}` : first, short_name: full };
}

function person(u: UserRecord): DriftItem {
  return { user_id: u.user_id, login_id: u.login_id, canvas_user_id: u.canvas_user_id ?? null, full_name: u.full_name };
}

const lower = (v: Cell | undefined): string => (v ?? '').toLowerCase();

/** Removes logins (by index) and every enrollment of their SIS ids; returns the number of enrollments removed. */
function removeLogins(state: CanvasState, indices: readonly number[]): { removed: UserRecord[]; enrollments: Map<string, number> } {
  const drop = new Set(indices);
  const removed = indices.map((i) => state.users[i]!);
  const ids = new Set(removed.map((u) => u.user_id).filter((id): id is string => id != null));
  state.users = state.users.filter((_, i) => !drop.has(i));
  const enrollments = new Map<string, number>();
  if (ids.size > 0) {
    state.enrollments = state.enrollments.filter((e) => {
      if (e.user_id == null || !ids.has(e.user_id)) return true;
      enrollments.set(e.user_id, (enrollments.get(e.user_id) ?? 0) + 1);
      return false;
    });
  }
  return { removed, enrollments };
}

/** A fresh id shaped like `template` (prefix + number, zero-padded to the same width), above every existing one. */
function idSequence(existing: Iterable<Cell | undefined>, template: string): () => string {
  const m = /^(.*?)(\d+)$/.exec(template);
  const prefix = m ? m[1]! : `${template}-`;
  const width = m ? m[2]!.length : 1;
  let max = 0;
  for (const v of existing) {
    if (v == null || !v.startsWith(prefix)) continue;
    const rest = v.slice(prefix.length);
    if (/^\d+$/.test(rest)) max = Math.max(max, Number(rest));
  }
  return () => `${prefix}${String(++max).padStart(width, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Users

/**
 * Adds `n` SIS-created users that the SIS no longer has (students who left), each enrolled in the
 * same sections as a randomly chosen existing SIS user whose shape (id format, login style, e-mail
 * domain, provider) it copies. Planner: drop them and their enrollments.
 */
export function addSisManagedExtras(input: CanvasState, n: number, rngOrSeed?: RngArg): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const templates = input.users.filter(isSisUser);
  const items: DriftItem[] = [];
  let enrollmentTotal = 0;
  if (templates.length > 0 && n > 0) {
    const nextCanvasUser = canvasIds(field(input.users, 'canvas_user_id'));
    const nextCanvasEnrollment = canvasIds(field(input.enrollments, 'canvas_enrollment_id'));
    const logins = new Set(input.users.map((u) => lower(u.login_id)));
    const byUser = new Map<string, EnrollmentRecord[]>();
    for (const e of input.enrollments) {
      if (e.user_id == null || !isSisEnrollment(e)) continue;
      let list = byUser.get(e.user_id);
      if (!list) byUser.set(e.user_id, (list = []));
      list.push(e);
    }
    const sequences = new Map<string, () => string>();
    const integrationSequences = new Map<string, () => string>();
    for (let k = 0; k < n; k++) {
      const t = rng.pick(templates);
      const seqKey = /^(.*?)\d*$/.exec(t.user_id!)![1]!;
      let nextId = sequences.get(seqKey);
      if (!nextId) sequences.set(seqKey, (nextId = idSequence(field(input.users, 'user_id'), t.user_id!)));
      const userId = nextId();
      let integration: Cell = null;
      if (t.integration_id != null) {
        const key = /^(.*?)\d*$/.exec(t.integration_id)![1]!;
        let next = integrationSequences.get(key);
        if (!next) integrationSequences.set(key, (next = idSequence(field(input.users, 'integration_id'), t.integration_id)));
        integration = next();
      }
      const first = pickGivenName(rng);
      const last = pickFamilyName(rng);
      const stem = `${loginPart(first) || 'user'}.${loginPart(last) || 'user'}`;
      let local = `${stem}${String(rng.int(10, 99))}`;
      while (logins.has(local) || logins.has(`${local}@${domainOf(t.login_id)}`)) local = `${stem}${String(rng.int(100, 9999))}`;
      let login: string;
      if (t.user_id && t.login_id.includes(t.user_id)) login = t.login_id.split(t.user_id).join(userId);
      else if (t.login_id.includes('@')) login = `${local}@${domainOf(t.login_id)}`;
      else login = local;
      logins.add(lower(login));
      const canvasUserId = nextCanvasUser();
      const user: UserRecord = {
        ...t,
        user_id: userId,
        integration_id: integration,
        login_id: login,
        ...nameFields(first, last),
        email: t.email ? `${local}@${domainOf(t.email)}` : null,
        status: 'active',
        canvas_user_id: canvasUserId,
        created_by_sis: true,
      };
      state.users.push(user);
      const copied = (byUser.get(t.user_id!) ?? []).map((e): EnrollmentRecord => ({
        ...e, user_id: userId, canvas_user_id: canvasUserId, canvas_enrollment_id: nextCanvasEnrollment(), status: 'active', created_by_sis: true,
      }));
      state.enrollments.push(...copied);
      enrollmentTotal += copied.length;
      items.push({ ...person(user), enrollments: copied.length, note: `shaped like ${t.user_id}` });
    }
  }
  return {
    state,
    change: { kind: 'sis-managed-extras', expect: 'drop', summary: `${items.length} SIS-created users no longer in the SIS (with ${enrollmentTotal} enrollments)`, items },
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? 'example.org' : address.slice(at + 1);
}

/**
 * Removes `n` SIS users (their login and all their enrollments) from Canvas, as if they had never
 * been synced: the SIS still has them. Planner: create them again. Users with more than one login
 * are never picked.
 */
export function removeSyncedUsers(input: CanvasState, n: number, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const loginsPerUser = new Map<string, number>();
  for (const u of input.users) if (u.canvas_user_id != null) loginsPerUser.set(u.canvas_user_id, (loginsPerUser.get(u.canvas_user_id) ?? 0) + 1);
  const picked = pickUsers(input, n, rng, (u) => u.canvas_user_id == null || loginsPerUser.get(u.canvas_user_id) === 1, opts);
  const { removed, enrollments } = removeLogins(state, picked);
  const items = removed.map((u) => ({ ...person(u), enrollments: enrollments.get(u.user_id!) ?? 0 }));
  const total = items.reduce((s, i) => s + (i.enrollments ?? 0), 0);
  return {
    state,
    change: { kind: 'removed-synced-users', expect: 'create', summary: `${items.length} SIS users missing from Canvas (with ${total} enrollments)`, items },
  };
}

/** Gives `n` SIS users a different first and last name in Canvas (an edit in the UI). Planner: update back. */
export function renameUsers(input: CanvasState, n: number, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const items: DriftItem[] = [];
  for (const i of pickUsers(input, n, rng, () => true, opts)) {
    const u = input.users[i]!;
    let first = pickGivenName(rng);
    let last = pickFamilyName(rng);
    for (let tries = 0; tries < 10 && `${first} ${last}` === u.full_name; tries++) {
      first = pickGivenName(rng);
      last = pickFamilyName(rng);
    }
    const renamed: UserRecord = { ...u, ...nameFields(first, last) };
    state.users[i] = renamed;
    items.push({ ...person(u), field: 'full_name', before: u.full_name, after: renamed.full_name });
  }
  return { state, change: { kind: 'renamed-users', expect: 'update', summary: `${items.length} SIS users renamed in Canvas`, items } };
}

/** Replaces the e-mail of `n` SIS users with a personal-looking address. Planner: update back. */
export function changeEmails(input: CanvasState, n: number, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const items: DriftItem[] = [];
  for (const i of pickUsers(input, n, rng, () => true, opts)) {
    const u = input.users[i]!;
    const stem = `${loginPart(u.first_name ?? '') || 'user'}${loginPart(u.last_name ?? '')}`;
    const email = `${stem}${rng.int(1, 999)}@${rng.pick(['example.com', 'example.net', 'example.org'])}`;
    state.users[i] = { ...u, email };
    items.push({ ...person(u), field: 'email', before: u.email, after: email });
  }
  return { state, change: { kind: 'changed-emails', expect: 'update', summary: `${items.length} SIS users with another e-mail in Canvas`, items } };
}

/** Sets the authentication provider of `n` SIS users to `provider` (only users on another provider are picked). Planner: update back. */
export function changeAuthProvider(input: CanvasState, n: number, provider: Cell, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const items: DriftItem[] = [];
  for (const i of pickUsers(input, n, rng, (u) => (u.authentication_provider_id ?? null) !== provider, opts)) {
    const u = input.users[i]!;
    state.users[i] = { ...u, authentication_provider_id: provider };
    items.push({ ...person(u), field: 'authentication_provider_id', before: u.authentication_provider_id, after: provider });
  }
  return {
    state,
    change: { kind: 'changed-auth-provider', expect: 'update', summary: `${items.length} SIS users moved to authentication provider ${provider ?? '(default)'}`, items },
  };
}

function manualLogin(state: CanvasState, login: string, name: string | { first: string; last: string }, email: Cell, provider: Cell): UserRecord {
  const { first, last } = splitName(name);
  const user: UserRecord = {
    user_id: null,
    integration_id: null,
    login_id: login,
    authentication_provider_id: provider,
    ...nameFields(first, last),
    email,
    status: 'active',
    canvas_user_id: canvasIds(field(state.users, 'canvas_user_id'))(),
    created_by_sis: false,
  };
  state.users.push(user);
  return user;
}

/**
 * An admin creates a person by hand with exactly the login the sync formula would give: any SIS
 * login with that login id (case-insensitive) is removed first, with its enrollments, so Canvas
 * looks as it would the morning a new student arrives. Planner: adopt the manual user.
 */
export function addManualUserWithFormulaLogin(input: CanvasState, login: string, name: string | { first: string; last: string }, email: Cell): DriftResult {
  const state = clone(input);
  const matches: number[] = [];
  input.users.forEach((u, i) => {
    if (u.user_id != null && lower(u.login_id) === login.toLowerCase()) matches.push(i);
  });
  const { removed, enrollments } = removeLogins(state, matches);
  const provider = removed[0]?.authentication_provider_id ?? null;
  const user = manualLogin(state, login, name, email, provider);
  const replaced = removed.map((u) => u.user_id).join(', ');
  return {
    state,
    change: {
      kind: 'manual-user-formula-login', expect: 'adopt',
      summary: `manual user ${user.full_name} created with the formula login ${login}`,
      items: [{
        ...person(user),
        note: removed.length
          ? `replaces SIS user ${replaced} (removed with ${[...enrollments.values()].reduce((a, b) => a + b, 0)} enrollments)`
          : 'no SIS login had this login id',
      }],
    },
  };
}

export interface OtherLoginOptions {
  /** Also remove SIS logins with the same e-mail (default true): the person is new to Canvas. */
  removeSisUserWithEmail?: boolean;
}

/**
 * An admin creates a person by hand with a login that is NOT the formula's (e.g. `mgarcia` where
 * the sync would use `maria.garcia31`). By default SIS logins with the same e-mail are removed
 * first. Planner: the SIS person needs creating, and creating it would duplicate this manual
 * user: a duplicate risk, not a silent second account.
 */
export function addManualUserWithOtherLogin(input: CanvasState, login: string, name: string | { first: string; last: string }, email: Cell, opts: OtherLoginOptions = {}): DriftResult {
  const state = clone(input);
  const matches: number[] = [];
  if ((opts.removeSisUserWithEmail ?? true) && email) {
    input.users.forEach((u, i) => {
      if (u.user_id != null && u.created_by_sis !== false && lower(u.email) === email.toLowerCase()) matches.push(i);
    });
  }
  const { removed } = removeLogins(state, matches);
  const user = manualLogin(state, login, name, email, removed[0]?.authentication_provider_id ?? null);
  return {
    state,
    change: {
      kind: 'manual-user-other-login', expect: 'duplicate-risk',
      summary: `manual user ${user.full_name} created with a non-formula login ${login}`,
      items: [{
        ...person(user),
        note: removed.length ? `same e-mail as SIS user ${removed.map((u) => u.user_id).join(', ')} (removed from Canvas)` : 'no SIS login had this e-mail',
      }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Courses and terms

export interface ManualCourseOptions {
  name?: string;
  /**
   * A SIS id an admin typed into the course settings. Without one (the default) the course itself
   * is not in the state at all: CanvasState, like the report reader, only holds courses and
   * sections that SIS imports can address; the manual enrollment (course_id null) remains.
   */
  sisId?: string;
  /** SIS id of the account to put the course in; default: the account of a random SIS course. */
  account_id?: Cell;
  /** SIS id of the term; default: the term of that course. */
  term_id?: Cell;
  /** Who is enrolled by hand: a login's SIS id; default a random SIS teacher (else any SIS user). */
  user_id?: string;
  role?: 'teacher' | 'student' | 'ta' | 'designer';
  rng?: Rng | number;
}

const BASE_ROLE: Record<string, string> = { teacher: 'TeacherEnrollment', student: 'StudentEnrollment', ta: 'TaEnrollment', designer: 'DesignerEnrollment' };

/**
 * A course created in the UI (created_by_sis false, by default without SIS id) with one manual
 * enrollment of an SIS person. Planner: leave both alone (unless a policy says otherwise).
 */
export function addManualCourseWithEnrollment(input: CanvasState, options: ManualCourseOptions = {}): DriftResult {
  const rng = toRng(options.rng);
  const state = clone(input);
  const sisCourses = input.courses.filter((c) => c.created_by_sis !== false);
  const model = sisCourses.length ? rng.pick(sisCourses) : undefined;
  const accountId = options.account_id !== undefined ? options.account_id : (model?.account_id ?? input.accounts[0]?.account_id ?? null);
  const termId = options.term_id !== undefined ? options.term_id : (model?.term_id ?? null);
  const account = input.accounts.find((a) => a.account_id === accountId);
  const term = input.terms.find((t) => t.term_id === termId);
  const role = options.role ?? 'teacher';
  let user: UserRecord | undefined;
  if (options.user_id !== undefined) {
    user = input.users.find((u) => u.user_id === options.user_id);
    if (!user) throw new Error(`addManualCourseWithEnrollment: no login with user_id ${options.user_id}`);
  } else {
    const teacherIds = new Set<string>();
    for (const e of input.enrollments) if (e.role === 'teacher' && e.user_id != null) teacherIds.add(e.user_id);
    const teachers = input.users.filter((u) => isSisUser(u) && teacherIds.has(u.user_id!));
    const pool = teachers.length ? teachers : input.users.filter(isSisUser);
    user = pool.length ? rng.pick(pool) : undefined;
  }
  if (!user) throw new Error('addManualCourseWithEnrollment: the state has no user to enrol');
  const longName = options.name ?? `${user.last_name ?? user.full_name ?? 'Teacher'} Sandbox`;
  const canvasCourseId = canvasIds(field(input.courses, 'canvas_course_id'))();
  const canvasSectionId = canvasIds(field(input.sections, 'canvas_section_id'))();
  const courseId = options.sisId ?? null;
  if (courseId !== null) {
    if (input.courses.some((c) => c.course_id === courseId)) throw new Error(`addManualCourseWithEnrollment: course_id ${courseId} is taken`);
    const course: CourseRecord = {
      course_id: courseId,
      integration_id: null,
      short_name: longName,
      long_name: longName,
      account_id: accountId,
      term_id: termId,
      status: 'unpublished',
      start_date: null,
      end_date: null,
      canvas_course_id: canvasCourseId,
      canvas_account_id: account?.canvas_account_id ?? null,
      canvas_term_id: term?.canvas_term_id ?? null,
      created_by_sis: false,
    };
    state.courses.push(course);
  }
  const enrollment: EnrollmentRecord = {
    course_id: courseId,
    section_id: null,
    user_id: user.user_id,
    role,
    status: 'active',
    canvas_course_id: canvasCourseId,
    canvas_user_id: user.canvas_user_id ?? null,
    canvas_section_id: canvasSectionId,
    canvas_enrollment_id: canvasIds(field(input.enrollments, 'canvas_enrollment_id'))(),
    role_id: null,
    base_role_type: BASE_ROLE[role] ?? null,
    limit_section_privileges: false,
    created_by_sis: false,
  };
  state.enrollments.push(enrollment);
  return {
    state,
    change: {
      kind: 'manual-course', expect: 'leave-alone',
      summary: `manual course "${longName}" (canvas ${canvasCourseId}) with ${user.full_name} as ${role}`,
      items: [{
        ...person(user), course_id: courseId, canvas_course_id: canvasCourseId, role, ...(termId != null ? { term_id: termId } : {}),
        note: `account ${accountId ?? '(root)'}`,
      }],
    },
  };
}

function shiftInstant(value: Cell, days: number): Cell {
  if (value == null) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  return new Date(ms + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Moves a term's start and end by `days` (an edit in the UI, which makes them sticky in Canvas). Planner: update back. */
export function shiftTermDates(input: CanvasState, termId: string, days: number): DriftResult {
  const state = clone(input);
  const items: DriftItem[] = [];
  state.terms = input.terms.map((t): TermRecord => {
    if (t.term_id !== termId) return t;
    const moved = { ...t, start_date: shiftInstant(t.start_date, days), end_date: shiftInstant(t.end_date, days) };
    items.push({ term_id: termId, field: 'start_date', before: t.start_date, after: moved.start_date });
    items.push({ term_id: termId, field: 'end_date', before: t.end_date, after: moved.end_date });
    return moved;
  });
  if (items.length === 0) throw new Error(`shiftTermDates: no term ${termId}`);
  return { state, change: { kind: 'shifted-term-dates', expect: 'update', summary: `term ${termId} dates moved by ${days} days`, items } };
}

// ---------------------------------------------------------------------------------------------
// Enrollments

function enrollmentItem(e: EnrollmentRecord): DriftItem {
  return { user_id: e.user_id, canvas_user_id: e.canvas_user_id ?? null, course_id: e.course_id, section_id: e.section_id, role: e.role };
}

/** Removes `n` SIS enrollments of users who stay in Canvas. Planner: create them again. */
export function removeSyncedEnrollments(input: CanvasState, n: number, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const candidates: number[] = [];
  input.enrollments.forEach((e, i) => {
    if (isSisEnrollment(e) && e.status === 'active' && !(opts.exclude?.has(e.user_id!) ?? false)) candidates.push(i);
  });
  const picked = rng.sampleIndices(candidates.length, n).map((k) => candidates[k]!);
  const drop = new Set(picked);
  state.enrollments = input.enrollments.filter((_, i) => !drop.has(i));
  const items = picked.map((i) => enrollmentItem(input.enrollments[i]!));
  return { state, change: { kind: 'removed-synced-enrollments', expect: 'create', summary: `${items.length} SIS enrollments missing from Canvas`, items } };
}

/**
 * Adds `n` SIS-created enrollments the SIS does not have: existing SIS users put into another SIS
 * section with the same role they hold elsewhere (e.g. a schedule change the SIS later undid).
 * Planner: drop them.
 */
export function addSisManagedStrayEnrollments(input: CanvasState, n: number, rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const sections = input.sections.filter((s) => s.section_id != null && s.created_by_sis !== false && s.status !== 'deleted');
  const candidates = input.enrollments.filter((e) => isSisEnrollment(e) && e.status === 'active' && !(opts.exclude?.has(e.user_id!) ?? false));
  const items: DriftItem[] = [];
  if (sections.length > 0 && candidates.length > 0 && n > 0) {
    const taken = new Set(input.enrollments.map((e) => `${e.section_id}|${e.user_id}|${e.role}`));
    const nextCanvasEnrollment = canvasIds(field(input.enrollments, 'canvas_enrollment_id'));
    const canvasCourse = new Map(input.courses.map((c) => [c.course_id, c.canvas_course_id ?? null] as const));
    for (let k = 0, attempts = 0; k < n && attempts < n * 20; attempts++) {
      const model = rng.pick(candidates);
      const section = rng.pick(sections);
      const key = `${section.section_id}|${model.user_id}|${model.role}`;
      if (taken.has(key)) continue;
      taken.add(key);
      const e: EnrollmentRecord = {
        ...model,
        course_id: section.course_id,
        section_id: section.section_id,
        status: 'active',
        canvas_course_id: (section.course_id != null ? canvasCourse.get(section.course_id) : undefined) ?? section.canvas_course_id ?? null,
        canvas_section_id: section.canvas_section_id ?? null,
        canvas_enrollment_id: nextCanvasEnrollment(),
        created_by_sis: true,
      };
      state.enrollments.push(e);
      items.push(enrollmentItem(e));
      k++;
    }
  }
  return { state, change: { kind: 'sis-managed-stray-enrollments', expect: 'drop', summary: `${items.length} SIS-created enrollments the SIS does not have`, items } };
}

/** Sets `n` active SIS enrollments to `status` (default `inactive`; `concluded` = completed in the UI). Planner: update back. */
export function changeEnrollmentStatus(input: CanvasState, n: number, status = 'inactive', rngOrSeed?: RngArg, opts: PickOptions = {}): DriftResult {
  const rng = toRng(rngOrSeed);
  const state = clone(input);
  const candidates: number[] = [];
  input.enrollments.forEach((e, i) => {
    if (isSisEnrollment(e) && e.status === 'active' && !(opts.exclude?.has(e.user_id!) ?? false)) candidates.push(i);
  });
  const items: DriftItem[] = [];
  for (const k of rng.sampleIndices(candidates.length, n)) {
    const i = candidates[k]!;
    const e = input.enrollments[i]!;
    state.enrollments[i] = { ...e, status };
    items.push({ ...enrollmentItem(e), field: 'status', before: e.status, after: status });
  }
  return { state, change: { kind: 'changed-enrollment-status', expect: 'update', summary: `${items.length} SIS enrollments set to ${status} in Canvas`, items } };
}

// ---------------------------------------------------------------------------------------------
// The mix

export interface ApplyDriftOptions {
  /** Percent of SIS users and of SIS enrollments to touch (e.g. 1 = 1%). */
  pct: number;
  seed?: number;
  /** Provider given to the users of the provider drift; default: another provider seen in the state, else `google`. */
  provider?: string;
}

export interface DriftReport {
  state: CanvasState;
  changes: DriftChange[];
}

/**
 * A realistic mix of drift scaled to `pct` percent: of SIS users, 25% leavers still in Canvas,
 * 25% missing from Canvas, 20% renamed, 20% with another e-mail, 10% on another provider; of SIS
 * enrollments, 40% missing, 30% strays, 30% inactive/concluded by hand. With pct > 0 also: manual
 * users with the formula login and with another login (0.5% of the user share each, at least
 * one), one manual course, one SIS term shifted by a week. No person is touched by two drifts.
 */
export function applyDrift(input: CanvasState, options: ApplyDriftOptions): DriftReport {
  const pct = options.pct;
  if (!(pct >= 0)) throw new RangeError(`applyDrift: pct must be >= 0, got ${pct}`);
  const rng = toRng(options.seed ?? 1);
  const changes: DriftChange[] = [];
  let state = input;
  if (pct === 0) return { state, changes };
  const share = pct / 100;
  const sisUsers = input.users.filter(isSisUser).length;
  const sisEnrollments = input.enrollments.filter(isSisEnrollment).length;
  const u = (w: number): number => Math.round(sisUsers * share * w);
  const e = (w: number): number => Math.round(sisEnrollments * share * w);
  const exclude = new Set<string>();
  const step = (result: DriftResult): void => {
    state = result.state;
    changes.push(result.change);
    for (const item of result.change.items) if (item.user_id) exclude.add(item.user_id);
  };
  // Leavers first: their ids are allocated above every id in the state, before any removal.
  step(addSisManagedExtras(state, u(0.25), rng.fork('extras')));
  step(removeSyncedUsers(state, u(0.25), rng.fork('removed'), { exclude }));
  step(renameUsers(state, u(0.2), rng.fork('renamed'), { exclude }));
  step(changeEmails(state, u(0.2), rng.fork('emails'), { exclude }));
  const providers = [...new Set(input.users.map((x) => x.authentication_provider_id ?? null))];
  const provider = options.provider ?? providers.find((p): p is string => p != null && p !== providers[0]) ?? 'google';
  step(changeAuthProvider(state, u(0.1), provider, rng.fork('provider'), { exclude }));
  step(removeSyncedEnrollments(state, e(0.4), rng.fork('enr-removed'), { exclude }));
  step(addSisManagedStrayEnrollments(state, e(0.3), rng.fork('enr-stray'), { exclude }));
  const statusRng = rng.fork('enr-status');
  const statusCount = e(0.3);
  const inactive = Math.ceil(statusCount / 2);
  step(changeEnrollmentStatus(state, inactive, 'inactive', statusRng, { exclude }));
  step(changeEnrollmentStatus(state, statusCount - inactive, 'concluded', statusRng, { exclude }));

  const manualRng = rng.fork('manual');
  const manualCount = Math.max(1, u(0.005));
  for (const [kind, count] of [['formula', manualCount], ['other', manualCount]] as const) {
    const people = pickUsers(state, count, manualRng, () => true, { exclude }).map((i) => state.users[i]!);
    for (const who of people) {
      exclude.add(who.user_id!);
      const name = { first: who.first_name ?? who.full_name ?? 'New', last: who.last_name ?? '' };
      if (kind === 'formula') {
        step(addManualUserWithFormulaLogin(state, who.login_id, name, who.email));
      } else {
        const other = otherLogin(who, manualRng);
        step(addManualUserWithOtherLogin(state, other, name, who.email ?? `${other.split('@')[0]}@example.org`));
      }
    }
  }
  if (state.courses.length > 0 && state.users.some(isSisUser)) step(addManualCourseWithEnrollment(state, { rng: manualRng }));
  const sisTerms = state.terms.filter((t) => t.created_by_sis !== false && t.start_date != null);
  if (sisTerms.length > 0) step(shiftTermDates(state, manualRng.pick(sisTerms).term_id, 7));
  return { state, changes };
}

/** A login an admin might type by hand: first initial + last name (+ digits), keeping any @domain. */
function otherLogin(u: UserRecord, rng: Rng): string {
  const at = u.login_id.indexOf('@');
  const domain = at === -1 ? '' : u.login_id.slice(at);
  const first = loginPart(u.first_name ?? '').slice(0, 1) || 'x';
  const last = loginPart(u.last_name ?? u.full_name ?? '') || 'user';
  const candidate = `${first}${last}${rng.int(1, 99)}${domain}`;
  return candidate.toLowerCase() === u.login_id.toLowerCase() ? `${first}${last}${rng.int(100, 999)}${domain}` : candidate;
}
