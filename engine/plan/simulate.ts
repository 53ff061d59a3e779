/**
 * What Canvas would hold after importing a plan's rows: a small model of the SIS importer on
 * report-shaped records (reference §2, §3.2, §3.8). It exists to prove convergence as a property
 * (plan → simulate → plan again is empty) and to seed example snapshots; the Canvas emulator is the
 * full-fidelity model used end to end.
 */
import type {
  AccountRecord, CanvasState, CourseRecord, EnrollmentRecord, SectionRecord, TermOverrideRecord, TermRecord, UserRecord,
} from '../model/canvas.js';
import type { ImportFileName, ImportRow, Operation } from '../model/plan.js';
import { importPhases } from './phases.js';

const FILE_ORDER: ImportFileName[] = ['accounts', 'terms', 'courses', 'sections', 'users', 'logins', 'enrollments'];

const cell = (row: ImportRow, column: string): string | null => {
  const v = row.cells[column];
  return v === undefined || v.trim() === '' ? null : v.trim();
};

const COURSE_STATE_AFTER: Record<string, (current: string | null) => string> = {
  // §3.8: active/unpublished keep an unpublished course unpublished and never unpublish a published one;
  // on a concluded course they publish it (legacy), on a deleted one they restore it unpublished.
  active: (c) => (c === 'active' || c === 'concluded' ? 'active' : 'unpublished'),
  unpublished: (c) => (c === 'active' || c === 'concluded' ? 'active' : 'unpublished'),
  published: () => 'active',
  completed: () => 'concluded',
  deleted: () => 'deleted',
};

/** Report statuses of an enrollment a course conclusion concludes. */
const GIVES_ACCESS = new Set(['active', 'invited', 'creation_pending']);

const ENROLLMENT_STATE: Record<string, string> = { active: 'active', completed: 'concluded', inactive: 'inactive', deleted: 'deleted' };
const BASE_ROLE: Record<string, string> = { student: 'StudentEnrollment', teacher: 'TeacherEnrollment', ta: 'TaEnrollment', designer: 'DesignerEnrollment', observer: 'ObserverEnrollment' };

export function simulateImport(state: CanvasState, operations: readonly Operation[]): CanvasState {
  const sim = new Simulator(structuredClone(state));
  for (const phase of importPhases(operations)) {
    for (const file of FILE_ORDER) for (const { row } of phase) if (row.file === file) sim.apply(row);
  }
  return sim.state;
}

class Simulator {
  private nextId: number;
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly terms = new Map<string, TermRecord>();
  private readonly courses = new Map<string, CourseRecord>();
  private readonly coursesByCanvasId = new Map<string, CourseRecord>();
  private readonly sections = new Map<string, SectionRecord>();
  private readonly loginsBySis = new Map<string, UserRecord>();
  private readonly liveLoginsByName = new Map<string, UserRecord>();
  private readonly loginsOfUser = new Map<string, UserRecord[]>();
  private readonly enrollments = new Map<string, EnrollmentRecord>();

  constructor(readonly state: CanvasState) {
    for (const a of state.accounts) this.accounts.set(a.account_id, a);
    for (const t of state.terms) this.terms.set(t.term_id, t);
    for (const c of state.courses) this.indexCourse(c);
    for (const x of state.sections) this.sections.set(x.section_id, x);
    for (const l of state.users) this.indexLogin(l);
    for (const e of state.enrollments) this.enrollments.set(identity(e.canvas_section_id ?? null, e.canvas_user_id ?? null, e.role), e);
    let max = 0;
    const bump = (v: string | null | undefined) => { const n = Number(v); if (Number.isFinite(n) && n > max) max = n; };
    for (const a of state.accounts) bump(a.canvas_account_id);
    for (const t of state.terms) bump(t.canvas_term_id);
    for (const c of state.courses) bump(c.canvas_course_id);
    for (const s of state.sections) bump(s.canvas_section_id);
    for (const u of state.users) bump(u.canvas_user_id);
    for (const e of state.enrollments) bump(e.canvas_enrollment_id);
    this.nextId = max + 1;
  }

  private id(): string {
    return String(this.nextId++);
  }

  private indexCourse(c: CourseRecord): void {
    this.courses.set(c.course_id, c);
    if (c.canvas_course_id) this.coursesByCanvasId.set(c.canvas_course_id, c);
  }

  private indexLogin(l: UserRecord): void {
    if (l.user_id) this.loginsBySis.set(l.user_id, l);
    if (l.status !== 'deleted') this.liveLoginsByName.set(l.login_id.toLowerCase(), l);
    if (l.canvas_user_id) (this.loginsOfUser.get(l.canvas_user_id) ?? this.loginsOfUser.set(l.canvas_user_id, []).get(l.canvas_user_id)!).push(l);
  }

  private enrollmentsWhere(match: (e: EnrollmentRecord) => boolean, status: string): void {
    for (const e of this.state.enrollments) if (match(e)) e.status = status;
  }

  apply(row: ImportRow): void {
    switch (row.file) {
      case 'accounts': return this.account(row);
      case 'terms': return cell(row, 'date_override_enrollment_type') ? this.termOverride(row) : this.term(row);
      case 'courses': return this.course(row);
      case 'sections': return this.section(row);
      case 'users': return this.user(row);
      case 'logins': return this.login(row);
      case 'enrollments': return this.enrollment(row);
    }
  }

  private account(row: ImportRow): void {
    const id = cell(row, 'account_id')!;
    let a = this.accounts.get(id);
    if (!a) {
      a = { account_id: id, parent_account_id: null, name: null, status: 'active', canvas_account_id: this.id(), canvas_parent_id: null, created_by_sis: true } satisfies AccountRecord;
      this.state.accounts.push(a);
      this.accounts.set(id, a);
    }
    const parent = cell(row, 'parent_account_id');
    a.parent_account_id = parent;
    a.canvas_parent_id = parent ? this.accounts.get(parent)?.canvas_account_id ?? null : null;
    a.name = cell(row, 'name') ?? a.name;
    a.status = cell(row, 'status') ?? a.status;
    a.created_by_sis = true;
  }

  private term(row: ImportRow): void {
    const id = cell(row, 'term_id')!;
    let t = this.terms.get(id);
    if (!t) {
      t = { term_id: id, name: null, status: 'active', start_date: null, end_date: null, canvas_term_id: this.id(), created_by_sis: true } satisfies TermRecord;
      this.state.terms.push(t);
      this.terms.set(id, t);
    }
    t.name = cell(row, 'name') ?? t.name;
    t.status = cell(row, 'status') ?? t.status;
    // Term dates are always overwritten; an empty cell clears (§2.4).
    t.start_date = cell(row, 'start_date');
    t.end_date = cell(row, 'end_date');
    t.created_by_sis = true;
  }

  private termOverride(row: ImportRow): void {
    const termId = cell(row, 'term_id')!;
    const type = cell(row, 'date_override_enrollment_type') as TermOverrideRecord['date_override_enrollment_type'];
    const overrides = (this.state.termOverrides ??= []);
    const at = overrides.findIndex((o) => o.term_id === termId && o.date_override_enrollment_type === type);
    if (cell(row, 'status') === 'deleted') {
      if (at >= 0) overrides.splice(at, 1);
      return;
    }
    const record: TermOverrideRecord = { term_id: termId, date_override_enrollment_type: type, start_date: cell(row, 'start_date'), end_date: cell(row, 'end_date') };
    if (at >= 0) overrides[at] = record;
    else overrides.push(record);
  }

  private course(row: ImportRow): void {
    const id = cell(row, 'course_id')!;
    let c = this.courses.get(id);
    const before = c?.status ?? null;
    if (!c) {
      c = {
        course_id: id, integration_id: null, short_name: null, long_name: null, account_id: null, term_id: null, status: 'unpublished',
        start_date: null, end_date: null, canvas_course_id: this.id(), canvas_account_id: null, canvas_term_id: null, created_by_sis: true,
      } satisfies CourseRecord;
      this.state.courses.push(c);
      this.indexCourse(c);
      c.status = COURSE_STATE_AFTER[cell(row, 'status') ?? 'active']?.(null) ?? 'unpublished';
    } else {
      c.status = COURSE_STATE_AFTER[cell(row, 'status') ?? 'active']?.(c.status) ?? c.status;
    }
    c.short_name = cell(row, 'short_name') ?? c.short_name;
    c.long_name = cell(row, 'long_name') ?? c.long_name;
    if ('integration_id' in row.cells) c.integration_id = cell(row, 'integration_id');
    const account = cell(row, 'account_id');
    if (account) {
      c.account_id = account;
      c.canvas_account_id = this.accounts.get(account)?.canvas_account_id ?? null;
    }
    const term = cell(row, 'term_id');
    const found = term ? this.terms.get(term) : undefined;
    const t = found && found.status !== 'deleted' ? found : undefined;
    if (t) {
      c.term_id = term;
      c.canvas_term_id = t.canvas_term_id ?? null;
    }
    c.created_by_sis = true;
    // Canvas's own cascade (Course#update_enrolled_users): deleting a course deletes its enrollments,
    // concluding it concludes those that still give access; reactivating it restores none.
    if (c.status === 'deleted') this.enrollmentsWhere((e) => e.canvas_course_id === c!.canvas_course_id, 'deleted');
    else if (c.status === 'concluded' && before !== 'concluded') {
      this.enrollmentsWhere((e) => e.canvas_course_id === c!.canvas_course_id && GIVES_ACCESS.has(e.status), 'concluded');
    }
  }

  private section(row: ImportRow): void {
    const id = cell(row, 'section_id')!;
    const courseId = cell(row, 'course_id');
    const course = courseId ? this.courses.get(courseId) : undefined;
    if (!course) return; // "Section ... references course ... which doesn't exist"
    let s = this.sections.get(id);
    if (!s) {
      s = {
        section_id: id, course_id: null, integration_id: null, name: null, status: 'active', start_date: null, end_date: null,
        canvas_section_id: this.id(), canvas_course_id: null, created_by_sis: true,
      } satisfies SectionRecord;
      this.state.sections.push(s);
      this.sections.set(id, s);
    }
    s.course_id = course.course_id;
    s.canvas_course_id = course.canvas_course_id ?? null;
    s.account_id = course.account_id;
    s.canvas_account_id = course.canvas_account_id ?? null;
    s.name = cell(row, 'name') ?? s.name;
    if ('integration_id' in row.cells) s.integration_id = cell(row, 'integration_id');
    s.status = cell(row, 'status') ?? s.status;
    s.created_by_sis = true;
    if (s.status === 'deleted') this.enrollmentsWhere((e) => e.canvas_section_id === s!.canvas_section_id, 'deleted');
  }

  /** §3.2: by SIS id, then by login name among non-deleted logins (claiming a hand-made one). */
  private user(row: ImportRow): void {
    const sisId = cell(row, 'user_id')!;
    const loginId = cell(row, 'login_id')!;
    let login = this.loginsBySis.get(sisId);
    const byName = this.liveLoginsByName.get(loginId.toLowerCase());
    login ??= byName;
    if (login && login.user_id && login.user_id !== sisId) return; // "already claimed" warning
    if (login && byName && byName !== login) return; // another login holds the requested name
    if (!login) {
      login = {
        user_id: sisId, integration_id: null, login_id: loginId, authentication_provider_id: null, first_name: null, last_name: null,
        full_name: null, sortable_name: null, short_name: null, email: null, status: 'active', canvas_user_id: this.id(), created_by_sis: true,
      } satisfies UserRecord;
      this.state.users.push(login);
      this.indexLogin(login);
    }
    if (this.liveLoginsByName.get(login.login_id.toLowerCase()) === login) this.liveLoginsByName.delete(login.login_id.toLowerCase());
    login.user_id = sisId;
    login.login_id = loginId;
    this.loginsBySis.set(sisId, login);
    if (cell(row, 'integration_id')) login.integration_id = cell(row, 'integration_id');
    login.authentication_provider_id = cell(row, 'authentication_provider_id');
    login.status = cell(row, 'status') ?? login.status;
    if (login.status !== 'deleted') this.liveLoginsByName.set(loginId.toLowerCase(), login);
    login.created_by_sis = true;
    const first = cell(row, 'first_name');
    const last = cell(row, 'last_name');
    const full = cell(row, 'full_name') ?? (first || last ? [first, last].filter(Boolean).join(' ') : null);
    const sortable = cell(row, 'sortable_name') ?? (first || last ? [last, first].filter(Boolean).join(', ') : null);
    for (const l of this.loginsOfUser.get(login.canvas_user_id ?? '') ?? [login]) {
      if (full) l.full_name = full;
      if (sortable) setSortable(l, sortable);
      if (cell(row, 'short_name')) l.short_name = cell(row, 'short_name');
      if (cell(row, 'email')) l.email = cell(row, 'email');
    }
    if (login.status === 'deleted') {
      const others = (this.loginsOfUser.get(login.canvas_user_id ?? '') ?? []).some((l) => l !== login && l.status !== 'deleted');
      if (!others) this.enrollmentsWhere((e) => e.canvas_user_id === login!.canvas_user_id, 'deleted');
    }
  }

  private login(row: ImportRow): void {
    const sisId = cell(row, 'user_id')!;
    const loginId = cell(row, 'login_id')!;
    if (this.loginsBySis.has(sisId) || this.liveLoginsByName.has(loginId.toLowerCase())) return;
    const existingSis = cell(row, 'existing_user_id');
    const owner = this.loginsOfUser.get(cell(row, 'existing_canvas_user_id') ?? '')?.[0] ?? (existingSis ? this.loginsBySis.get(existingSis) : undefined);
    if (!owner) return;
    const login: UserRecord = {
      ...owner, user_id: sisId, login_id: loginId, integration_id: cell(row, 'integration_id'),
      authentication_provider_id: cell(row, 'authentication_provider_id'), email: cell(row, 'email') ?? owner.email, status: 'active', created_by_sis: true,
    };
    this.state.users.push(login);
    this.indexLogin(login);
  }

  private enrollment(row: ImportRow): void {
    const sectionId = cell(row, 'section_id');
    const courseId = cell(row, 'course_id');
    const section = sectionId ? this.sections.get(sectionId) : undefined;
    const course = section ? this.coursesByCanvasId.get(section.canvas_course_id ?? '') : courseId ? this.courses.get(courseId) : undefined;
    const login = this.loginsBySis.get(cell(row, 'user_id') ?? '');
    if (!course || !login || (sectionId && !section)) return;
    const role = cell(row, 'role')!;
    const canvasSection = section?.canvas_section_id ?? null;
    const key = identity(canvasSection, login.canvas_user_id ?? null, role);
    let e = this.enrollments.get(key);
    if (!e) {
      e = {
        course_id: course.course_id, section_id: section?.section_id ?? null, user_id: login.user_id, role, status: 'active',
        canvas_course_id: course.canvas_course_id ?? null, canvas_user_id: login.canvas_user_id ?? null, canvas_section_id: canvasSection,
        canvas_enrollment_id: this.id(), base_role_type: BASE_ROLE[role] ?? null, created_by_sis: true,
      } satisfies EnrollmentRecord;
      this.state.enrollments.push(e);
      this.enrollments.set(key, e);
    }
    e.status = ENROLLMENT_STATE[cell(row, 'status') ?? 'active'] ?? e.status;
    e.user_id = login.user_id;
    e.created_by_sis = true;
  }
}

function identity(section: string | null, user: string | null, role: string): string {
  return `${section}|${user}|${role}`;
}

/** Reports derive first/last by splitting sortable_name (§4.3). */
function setSortable(l: UserRecord, sortable: string): void {
  l.sortable_name = sortable;
  const comma = sortable.indexOf(',');
  l.last_name = comma >= 0 ? sortable.slice(0, comma).trim() || null : sortable;
  l.first_name = comma >= 0 ? sortable.slice(comma + 1).trim() || null : null;
}
