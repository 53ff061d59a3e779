import { describe, expect, it } from 'vitest';
import type { CanvasState, EnrollmentRecord, UserRecord } from '../../engine/model/canvas.js';
import { generateDistrict, enrollments as districtEnrollments } from '../../engine/gen/district.js';
import {
  addManualCourseWithEnrollment, addManualUserWithFormulaLogin, addManualUserWithOtherLogin, addSisManagedExtras,
  addSisManagedStrayEnrollments, applyDrift, changeAuthProvider, changeEmails, changeEnrollmentStatus, removeSyncedEnrollments,
  removeSyncedUsers, renameUsers, shiftTermDates,
} from '../../engine/gen/drift.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function user(id: string, canvasId: string, first: string, last: string, login: string, provider: string | null): UserRecord {
  return {
    user_id: id, integration_id: null, login_id: login, authentication_provider_id: provider,
    first_name: first, last_name: last, full_name: `${first} ${last}`, sortable_name: `${last}, ${first}`, short_name: `${first} ${last}`,
    email: `${login}@students.riverbendusd.org`, status: 'active', canvas_user_id: canvasId, created_by_sis: true,
  };
}

function enrollment(section: string, canvasSection: string, u: UserRecord, role: string, canvasId: string): EnrollmentRecord {
  return {
    course_id: section, section_id: section, user_id: u.user_id, role, status: 'active',
    canvas_course_id: String(Number(canvasSection) - 100), canvas_user_id: u.canvas_user_id!, canvas_section_id: canvasSection,
    canvas_enrollment_id: canvasId, role_id: null, base_role_type: role === 'teacher' ? 'TeacherEnrollment' : 'StudentEnrollment',
    limit_section_privileges: false, created_by_sis: true,
  };
}

/** A synced Canvas with 4 students, 2 teachers, 3 sections. */
function smallState(): CanvasState {
  const users = [
    user('100001', '11', 'Ana', 'Diaz', 'ana.diaz31', 'google'),
    user('100002', '12', 'Bo', 'Chen', 'bo.chen31', 'google'),
    user('100003', '13', 'Cy', 'Park', 'cy.park30', 'google'),
    user('100004', '14', 'Di', "O'Brien", 'di.obrien29', 'google'),
    user('T1001', '15', 'Eve', 'Nguyễn', 'eve.nguyen', 'saml'),
    user('T1002', '16', 'Fay', 'Smith', 'fay.smith', 'saml'),
  ];
  const sec = [['cls-h1-ALG1-Y-01', '201'], ['cls-h1-ENG9-Y-01', '202'], ['cls-h1-BIO-Y-01', '203']] as const;
  let next = 1000;
  const e = (s: number, u: number, role: string) => enrollment(sec[s]![0], sec[s]![1], users[u]!, role, String(++next));
  return {
    origin: 'test',
    accounts: [{ account_id: 'sch-h1', parent_account_id: null, name: 'Cedar Ridge High School', status: 'active', canvas_account_id: '2', canvas_parent_id: '1', created_by_sis: true }],
    terms: [{ term_id: 'sy-2026', name: '2025-26 School Year', status: 'active', start_date: '2025-08-18T07:00:00Z', end_date: '2026-06-06T06:59:59Z', canvas_term_id: '5', created_by_sis: true }],
    termOverrides: null,
    courses: sec.map(([id, cs]) => ({
      course_id: id, integration_id: null, short_name: id, long_name: id, account_id: 'sch-h1', term_id: 'sy-2026', status: 'active',
      start_date: null, end_date: null, canvas_course_id: String(Number(cs) - 100), canvas_account_id: '2', canvas_term_id: '5', created_by_sis: true,
    })),
    sections: sec.map(([id, cs]) => ({
      section_id: id, course_id: id, integration_id: null, name: id, status: 'active', start_date: null, end_date: null,
      canvas_section_id: cs, canvas_course_id: String(Number(cs) - 100), canvas_account_id: '2', account_id: 'sch-h1', created_by_sis: true,
    })),
    users,
    enrollments: [e(0, 0, 'student'), e(1, 0, 'student'), e(0, 1, 'student'), e(2, 1, 'student'), e(1, 2, 'student'), e(2, 3, 'student'), e(0, 4, 'teacher'), e(1, 4, 'teacher'), e(2, 5, 'teacher')],
    warnings: [],
    digest: 'x',
  };
}

const frozen = (): CanvasState => deepFreeze(smallState());

describe('user drifts', () => {
  it('addSisManagedExtras adds SIS-created leavers shaped like existing users, with their enrollments', () => {
    const input = frozen();
    const { state, change } = addSisManagedExtras(input, 2, 3);
    expect(change).toMatchObject({ kind: 'sis-managed-extras', expect: 'drop' });
    expect(change.items).toHaveLength(2);
    expect(state.users).toHaveLength(8);
    const known = new Set(input.users.map((u) => u.user_id));
    const added = state.users.slice(6);
    const logins = new Set(input.users.map((u) => u.login_id));
    for (const u of added) {
      expect(known.has(u.user_id)).toBe(false);
      expect(u.created_by_sis).toBe(true);
      expect(Number(u.canvas_user_id)).toBeGreaterThan(16);
      expect(logins.has(u.login_id)).toBe(false);
      expect(u.sortable_name).toBe(`${u.last_name}, ${u.first_name}`);
      const item = change.items.find((i) => i.user_id === u.user_id)!;
      const enr = state.enrollments.filter((e) => e.user_id === u.user_id);
      expect(enr.length).toBe(item.enrollments);
      expect(enr.length).toBeGreaterThan(0);
      expect(enr.every((e) => e.created_by_sis && e.canvas_user_id === u.canvas_user_id && Number(e.canvas_enrollment_id) > 1009)).toBe(true);
      expect(u.user_id).toMatch(/^(T\d{4}|\d{6})$/);
    }
    expect(new Set(added.map((u) => u.canvas_user_id)).size).toBe(2);
    expect(change.summary).toContain('2 SIS-created users');
  });

  it('removeSyncedUsers removes logins and every enrollment of them', () => {
    const { state, change } = removeSyncedUsers(frozen(), 2, 1);
    expect(change).toMatchObject({ kind: 'removed-synced-users', expect: 'create' });
    const gone = change.items.map((i) => i.user_id);
    expect(gone).toHaveLength(2);
    expect(state.users.some((u) => gone.includes(u.user_id))).toBe(false);
    expect(state.enrollments.some((e) => gone.includes(e.user_id))).toBe(false);
    const removed = change.items.reduce((n, i) => n + i.enrollments!, 0);
    expect(state.enrollments).toHaveLength(9 - removed);
  });

  it('renameUsers, changeEmails and changeAuthProvider change only their fields', () => {
    const input = frozen();
    const r = renameUsers(input, 3, 2);
    expect(r.change).toMatchObject({ kind: 'renamed-users', expect: 'update' });
    expect(r.change.items).toHaveLength(3);
    for (const item of r.change.items) {
      const after = r.state.users.find((u) => u.user_id === item.user_id)!;
      const before = input.users.find((u) => u.user_id === item.user_id)!;
      expect(after.full_name).toBe(item.after);
      expect(before.full_name).toBe(item.before);
      expect(after.full_name).not.toBe(before.full_name);
      expect(after.sortable_name).toBe(`${after.last_name}, ${after.first_name}`);
      expect({ ...after, first_name: 0, last_name: 0, full_name: 0, sortable_name: 0, short_name: 0 }).toEqual({ ...before, first_name: 0, last_name: 0, full_name: 0, sortable_name: 0, short_name: 0 });
    }

    const m = changeEmails(input, 2, 2);
    expect(m.change.items).toHaveLength(2);
    for (const item of m.change.items) {
      const after = m.state.users.find((u) => u.user_id === item.user_id)!;
      expect(after.email).toBe(item.after);
      expect(after.email).toMatch(/@example\.(com|net|org)$/);
    }

    const p = changeAuthProvider(input, 10, 'saml', 2);
    expect(p.change.items.map((i) => i.user_id).sort()).toEqual(['100001', '100002', '100003', '100004']);
    expect(p.state.users.every((u) => u.authentication_provider_id === 'saml')).toBe(true);
    expect(p.change.items[0]).toMatchObject({ field: 'authentication_provider_id', before: 'google', after: 'saml' });
  });

  it('respects exclude lists', () => {
    const exclude = new Set(['100001', '100002', '100003']);
    const { change } = renameUsers(frozen(), 10, 1, { exclude });
    expect(change.items.map((i) => i.user_id).sort()).toEqual(['100004', 'T1001', 'T1002']);
  });

  it('addManualUserWithFormulaLogin replaces the SIS login with a manual one carrying the same login', () => {
    const { state, change } = addManualUserWithFormulaLogin(frozen(), 'cy.park30', 'Cy Park', 'cy.park30@students.riverbendusd.org');
    expect(change).toMatchObject({ kind: 'manual-user-formula-login', expect: 'adopt' });
    expect(state.users.some((u) => u.user_id === '100003')).toBe(false);
    expect(state.enrollments.some((e) => e.user_id === '100003')).toBe(false);
    const manual = state.users.find((u) => u.login_id === 'cy.park30')!;
    expect(manual).toMatchObject({ user_id: null, integration_id: null, created_by_sis: false, first_name: 'Cy', last_name: 'Park', authentication_provider_id: 'google', canvas_user_id: '17' });
    expect(change.items[0]!.note).toContain('100003');
  });

  it('addManualUserWithOtherLogin creates a manual user that would be duplicated', () => {
    const { state, change } = addManualUserWithOtherLogin(frozen(), 'cpark', { first: 'Cy', last: 'Park' }, 'CY.PARK30@students.riverbendusd.org');
    expect(change).toMatchObject({ kind: 'manual-user-other-login', expect: 'duplicate-risk' });
    expect(state.users.some((u) => u.user_id === '100003')).toBe(false);
    expect(state.users.find((u) => u.login_id === 'cpark')).toMatchObject({ user_id: null, created_by_sis: false, full_name: 'Cy Park' });

    const kept = addManualUserWithOtherLogin(frozen(), 'cpark', 'Cy Park', 'cy.park30@students.riverbendusd.org', { removeSisUserWithEmail: false });
    expect(kept.state.users.some((u) => u.user_id === '100003')).toBe(true);
    expect(kept.state.users).toHaveLength(7);
  });
});

describe('course, term and enrollment drifts', () => {
  it('addManualCourseWithEnrollment adds a manual enrollment (and the course only when it has a SIS id)', () => {
    const input = frozen();
    const plain = addManualCourseWithEnrollment(input, { user_id: 'T1001', name: 'Nguyễn Sandbox' });
    expect(plain.change).toMatchObject({ kind: 'manual-course', expect: 'leave-alone' });
    expect(plain.state.courses).toHaveLength(3);
    const e = plain.state.enrollments.at(-1)!;
    expect(e).toMatchObject({ course_id: null, section_id: null, user_id: 'T1001', role: 'teacher', created_by_sis: false, canvas_course_id: '104', canvas_user_id: '15', canvas_enrollment_id: '1010' });

    const withId = addManualCourseWithEnrollment(input, { sisId: 'sandbox-1', role: 'student', rng: 4 });
    const course = withId.state.courses.at(-1)!;
    expect(course).toMatchObject({ course_id: 'sandbox-1', created_by_sis: false, account_id: 'sch-h1', term_id: 'sy-2026', canvas_account_id: '2', canvas_term_id: '5' });
    expect(withId.state.enrollments.at(-1)).toMatchObject({ course_id: 'sandbox-1', role: 'student', base_role_type: 'StudentEnrollment' });
    expect(() => addManualCourseWithEnrollment(input, { user_id: 'nobody' })).toThrow(/nobody/);
  });

  it('shiftTermDates moves both dates as UTC instants', () => {
    const { state, change } = shiftTermDates(frozen(), 'sy-2026', 7);
    expect(state.terms[0]).toMatchObject({ start_date: '2025-08-25T07:00:00Z', end_date: '2026-06-13T06:59:59Z' });
    expect(change.items).toHaveLength(2);
    expect(() => shiftTermDates(frozen(), 'nope', 1)).toThrow(/nope/);
  });

  it('enrollment drifts remove, add and re-status SIS enrollments', () => {
    const input = frozen();
    const removed = removeSyncedEnrollments(input, 3, 1);
    expect(removed.state.enrollments).toHaveLength(6);
    expect(removed.change).toMatchObject({ expect: 'create' });
    expect(removed.state.users).toHaveLength(6);

    const strays = addSisManagedStrayEnrollments(input, 3, 1);
    expect(strays.change).toMatchObject({ expect: 'drop' });
    expect(strays.state.enrollments).toHaveLength(12);
    const keys = strays.state.enrollments.map((e) => `${e.section_id}|${e.user_id}|${e.role}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of strays.state.enrollments.slice(9)) {
      expect(e.created_by_sis).toBe(true);
      expect(e.canvas_section_id).toBe(input.sections.find((s) => s.section_id === e.section_id)!.canvas_section_id);
    }

    const inactive = changeEnrollmentStatus(input, 2, 'inactive', 1);
    expect(inactive.state.enrollments.filter((e) => e.status === 'inactive')).toHaveLength(2);
    expect(inactive.change.items.every((i) => i.before === 'active' && i.after === 'inactive')).toBe(true);
  });
});

/** A tiny stand-in for the real transform: enough Canvas shape to exercise applyDrift at scale. */
function canvasFromDistrict(students: number): CanvasState {
  const spec = generateDistrict({ students, seed: 11 });
  let canvasId = 0;
  const users: UserRecord[] = spec.users.map((u) => ({
    user_id: u.sourcedId, integration_id: u.identifier, login_id: u.username, authentication_provider_id: u.role === 'student' ? 'google' : 'saml',
    first_name: u.givenName, last_name: u.familyName, full_name: `${u.givenName} ${u.familyName}`, sortable_name: `${u.familyName}, ${u.givenName}`,
    short_name: `${u.givenName} ${u.familyName}`, email: u.email, status: 'active', canvas_user_id: String(++canvasId), created_by_sis: true,
  }));
  const canvasUser = new Map(users.map((u) => [u.user_id, u.canvas_user_id!]));
  const courses = spec.classes.map((c) => ({
    course_id: c.sourcedId, integration_id: null, short_name: c.classCode, long_name: c.title, account_id: c.schoolSourcedId, term_id: c.termSourcedIds[0]!,
    status: 'active', start_date: null, end_date: null, canvas_course_id: String(++canvasId), created_by_sis: true,
  }));
  const sections = courses.map((c) => ({
    section_id: c.course_id, course_id: c.course_id, integration_id: null, name: c.long_name, status: 'active', start_date: null, end_date: null,
    canvas_section_id: String(++canvasId), canvas_course_id: c.canvas_course_id, created_by_sis: true,
  }));
  const enrollments: EnrollmentRecord[] = [];
  for (const e of districtEnrollments(spec)) {
    enrollments.push({
      course_id: e.classSourcedId, section_id: e.classSourcedId, user_id: e.userSourcedId, role: e.role, status: 'active',
      canvas_user_id: canvasUser.get(e.userSourcedId)!, canvas_enrollment_id: String(++canvasId), created_by_sis: true,
    });
  }
  return {
    origin: 'gen', accounts: spec.orgs.map((o) => ({ account_id: o.sourcedId, parent_account_id: o.parentSourcedId || null, name: o.name, status: 'active', created_by_sis: true })),
    terms: spec.academicSessions.filter((s) => s.type !== 'gradingPeriod').map((s) => ({
      term_id: s.sourcedId, name: s.title, status: 'active', start_date: `${s.startDate}T07:00:00Z`, end_date: `${s.endDate}T07:00:00Z`, created_by_sis: true,
    })),
    termOverrides: null, courses, sections, users, enrollments, warnings: [], digest: '',
  };
}

describe('applyDrift', () => {
  const base = deepFreeze(canvasFromDistrict(1500));

  it('does nothing at 0%', () => {
    const r = applyDrift(base, { pct: 0, seed: 1 });
    expect(r.state).toBe(base);
    expect(r.changes).toEqual([]);
    expect(() => applyDrift(base, { pct: -1 })).toThrow(RangeError);
  });

  it('applies a deterministic mix scaled to pct, never touching one person twice', () => {
    const a = applyDrift(base, { pct: 4, seed: 5 });
    const b = applyDrift(base, { pct: 4, seed: 5 });
    const c = applyDrift(base, { pct: 4, seed: 6 });
    expect(a.changes).toEqual(b.changes);
    expect(a.state.users).toEqual(b.state.users);
    expect(a.changes).not.toEqual(c.changes);

    const byKind = new Map(a.changes.map((ch) => [ch.kind, ch]));
    for (const kind of ['sis-managed-extras', 'removed-synced-users', 'renamed-users', 'changed-emails', 'changed-auth-provider', 'removed-synced-enrollments',
      'sis-managed-stray-enrollments', 'changed-enrollment-status', 'manual-user-formula-login', 'manual-user-other-login', 'manual-course', 'shifted-term-dates'] as const) {
      expect(byKind.has(kind), kind).toBe(true);
    }
    const sisUsers = base.users.length;
    const userChanges = ['sis-managed-extras', 'removed-synced-users', 'renamed-users', 'changed-emails', 'changed-auth-provider'] as const;
    const touched = userChanges.reduce((n, k) => n + byKind.get(k)!.items.length, 0);
    expect(touched / sisUsers).toBeGreaterThan(0.03);
    expect(touched / sisUsers).toBeLessThan(0.05);
    const enrollmentTouched = a.changes.filter((ch) => ch.kind.includes('enrollment')).reduce((n, ch) => n + ch.items.length, 0);
    expect(enrollmentTouched / base.enrollments.length).toBeGreaterThan(0.03);
    expect(enrollmentTouched / base.enrollments.length).toBeLessThan(0.05);

    const people = a.changes
      .filter((ch) => !ch.kind.includes('enrollment') && ch.kind !== 'manual-course' && ch.kind !== 'shifted-term-dates')
      .flatMap((ch) => ch.items.map((i) => i.user_id ?? i.login_id));
    expect(new Set(people).size).toBe(people.length);
    expect(byKind.get('changed-auth-provider')!.items.every((i) => i.after === 'saml')).toBe(true);

    // Canvas ids stay unique per kind.
    const ids = a.state.users.map((u) => u.canvas_user_id);
    const loginsPerCanvasUser = new Set(ids);
    expect(loginsPerCanvasUser.size).toBe(ids.length);
    const enr = a.state.enrollments.map((e) => e.canvas_enrollment_id);
    expect(new Set(enr).size).toBe(enr.length);
  });
});
