import { describe, expect, it } from 'vitest';
import type { OrClass, OrEnrollment, OrUser, SisSnapshot } from '../../engine/model/oneroster.js';
import { transform } from '../../engine/plan/transform.js';
import type { Config } from '../../engine/policy/types.js';
import { testConfig, tpl } from '../support/config.js';

const src = (row: number) => ({ file: 'x.csv', row });
const user = (id: string, role: string, extra: Partial<OrUser> = {}): OrUser => ({
  sourcedId: id, enabledUser: true, orgSourcedIds: ['sch1'], role, username: `${id}.name`, userIds: [], givenName: 'Given', familyName: id,
  middleName: '', preferredGivenName: '', preferredFamilyName: '', identifier: '', email: `${id}@x.org`, sms: '', phone: '', agentSourcedIds: [],
  grades: [], metadata: {}, source: src(2), ...extra,
});
const cls = (id: string, terms: string[], extra: Partial<OrClass> = {}): OrClass => ({
  sourcedId: id, title: `Class ${id}`, courseSourcedId: 'alg', classCode: id.toUpperCase(), classType: 'scheduled', location: '', schoolSourcedId: 'sch1',
  termSourcedIds: terms, grades: [], subjects: [], periods: [], metadata: {}, source: src(3), ...extra,
});
const enr = (id: string, classId: string, userId: string, role: string, extra: Partial<OrEnrollment> = {}): OrEnrollment => ({
  sourcedId: id, classSourcedId: classId, schoolSourcedId: 'sch1', userSourcedId: userId, role, primary: true, beginDate: '', endDate: '', sourceFile: 'x.csv', sourceRow: 4, ...extra,
});

function snapshot(over: Partial<SisSnapshot> = {}): SisSnapshot {
  return {
    version: '1.1', origin: 'test', digest: 'd', warnings: [],
    orgs: [
      { sourcedId: 'dist', name: 'District', type: 'district', identifier: '', parentSourcedId: '', metadata: {}, source: src(2) },
      { sourcedId: 'sch1', name: 'North High', type: 'school', identifier: '9', parentSourcedId: 'dist', metadata: {}, source: src(3) },
      { sourcedId: 'sch2', name: 'South High', type: 'school', identifier: '8', parentSourcedId: 'dist', metadata: {}, source: src(4) },
    ],
    academicSessions: [
      { sourcedId: 'y', title: 'Year', type: 'schoolYear', startDate: '2025-08-18', endDate: '2026-06-05', parentSourcedId: '', schoolYear: '2026', metadata: {}, source: src(2) },
      { sourcedId: 's1', title: 'Sem 1', type: 'semester', startDate: '2025-08-18', endDate: '2025-12-19', parentSourcedId: 'y', schoolYear: '2026', metadata: {}, source: src(3) },
      { sourcedId: 's2', title: 'Sem 2', type: 'semester', startDate: '2026-01-05', endDate: '2026-06-05', parentSourcedId: 'y', schoolYear: '2026', metadata: {}, source: src(4) },
      { sourcedId: 'q1', title: 'Q1', type: 'gradingPeriod', startDate: '2025-08-18', endDate: '2025-10-17', parentSourcedId: 's1', schoolYear: '2026', metadata: {}, source: src(5) },
    ],
    courses: [{ sourcedId: 'alg', title: 'Algebra', courseCode: 'ALG1', schoolYearSourcedId: 'y', orgSourcedId: 'sch1', grades: [], subjects: [], metadata: {}, source: src(2) }],
    classes: [cls('c1', ['s1']), cls('c2', ['s1', 's2']), cls('c3', ['q1'])],
    users: [user('st1', 'student', { grades: ['09'] }), user('te1', 'teacher'), user('ad1', 'administrator')],
    enrollments: [enr('e1', 'c1', 'st1', 'student'), enr('e2', 'c1', 'te1', 'teacher'), enr('e3', 'c2', 'te1', 'teacher', { primary: false })],
    ...over,
  };
}

const cfg = (over: Partial<Config> = {}) => testConfig(over);

describe('transform', () => {
  it('makes schools into accounts under the root and keeps grading periods out of terms', () => {
    const d = transform(snapshot(), cfg(), '2025-10-01');
    expect(d.accounts.map((a) => [a.account_id, a.parent_account_id, a.name])).toEqual([['sch1', null, 'North High'], ['sch2', null, 'South High']]);
    expect(d.terms.map((t) => t.term_id)).toEqual(['y', 's1', 's2']);
  });

  it('puts a class spanning two semesters in their common parent term, a quarter class in its semester', () => {
    const d = transform(snapshot(), cfg(), '2025-10-01');
    expect(d.courses.map((c) => [c.course_id, c.term_id])).toEqual([['c1', 's1'], ['c2', 'y'], ['c3', 's1']]);
  });

  it('skips classes whose terms scope.terms leaves out, and says so', () => {
    const d = transform(snapshot(), cfg({ scope: { ...testConfig().scope, terms: ['s1', 'y'] } }), '2025-10-01');
    expect(d.courses.map((c) => c.course_id)).toEqual(['c1', 'c2']);
    expect(d.notes.join()).toMatch(/1 class\(es\) belong to no synced term/);
  });

  it('reads calendar dates at midnight in the policy zone, end dates exclusive by default', () => {
    const d = transform(snapshot(), cfg(), '2025-10-01');
    expect(d.terms.find((t) => t.term_id === 's1')).toMatchObject({ start_date: '2025-08-18T05:00:00Z', end_date: '2025-12-19T06:00:00Z' });
    const inclusive = transform(snapshot(), cfg({ enrollmentDates: { ...testConfig().enrollmentDates, endDateConvention: 'inclusive' } }), '2025-10-01');
    expect(inclusive.terms.find((t) => t.term_id === 's1')!.end_date).toBe('2025-12-20T06:00:00Z');
  });

  it('builds user ids per role, maps secondary teachers and leaves unmapped roles out', () => {
    const d = transform(snapshot(), cfg(), '2025-10-01');
    expect(d.users.map((u) => u.user_id)).toEqual(['sst1', 'staff_tte1']);
    expect(d.enrollments.map((e) => `${e.section_id}|${e.user_id}|${e.role}`)).toEqual(['c1|sst1|student', 'c1|staff_tte1|teacher', 'c2|staff_tte1|teacher']);
  });

  it('assigns login providers by the first matching rule, else the default', () => {
    const where = { file: 'auth.yaml', line: 1, column: 1, path: '/' };
    const d = transform(snapshot(), cfg({
      authProviders: { rules: [{ role: ['teacher'], provider: 'saml', where }, { grade: ['09'], emailPattern: /@x\.org$/, provider: 'google', where }], default: 'canvas' },
    }), '2025-10-01');
    expect(d.users.map((u) => [u.user_id, u.authentication_provider_id])).toEqual([['sst1', 'google'], ['staff_tte1', 'saml']]);
  });

  it('judges enrollment end dates against asOf, and aligns exit dates near the term end (PowerSchool)', () => {
    const sis = snapshot({ enrollments: [enr('e1', 'c1', 'st1', 'student', { endDate: '2025-09-15' }), enr('e2', 'c1', 'te1', 'teacher', { endDate: '2025-12-18' })] });
    const strict = transform(sis, cfg(), '2025-12-19');
    expect(strict.enrollments.map((e) => e.status)).toEqual(['completed', 'completed']);
    const aligned = transform(sis, cfg({ enrollmentDates: { endDateConvention: 'exclusive', alignToTermEndWithinDays: 3, ended: 'completed' } }), '2025-12-19');
    expect(aligned.enrollments.map((e) => e.status)).toEqual(['completed', 'active']);
  });

  it('limits the sync to the schools in scope', () => {
    const sis = snapshot({ users: [user('st1', 'student'), user('st2', 'student', { orgSourcedIds: ['sch2'] })] });
    const d = transform(sis, cfg({ scope: { ...testConfig().scope, schools: ['sch1'] } }), '2025-10-01');
    expect(d.accounts.map((a) => a.account_id)).toEqual(['sch1']);
    expect(d.users.map((u) => u.user_id)).toEqual(['sst1']);
  });

  it('groups classes of one course and term into one Canvas course with sections (course-term)', () => {
    const base = testConfig();
    const config = cfg({
      rules: { ...base.rules, courses: { ...base.rules.courses, grouping: 'course-term' } },
      identifiers: { ...base.identifiers, courses: { course_id: tpl('{{sourcedId}}-{{term.sourcedId}}'), short_name: tpl('{{courseCode}}'), long_name: tpl('{{title}}') } },
    });
    const d = transform(snapshot({ classes: [cls('c1', ['s1']), cls('c4', ['s1']), cls('c2', ['s1', 's2'])] }), config, '2025-10-01');
    expect(d.courses.map((c) => c.course_id)).toEqual(['alg-s1', 'alg-y']);
    expect(d.sections.map((s) => `${s.section_id}→${s.course_id}`)).toEqual(['c1→alg-s1', 'c4→alg-s1', 'c2→alg-y']);
  });

  it('refuses two SIS records that build one id, naming both rows', () => {
    const sis = snapshot({ users: [user('st1', 'student', { source: src(7) }), user('st2', 'student', { username: 'st1.name', source: src(9) })] });
    expect(() => transform(sis, cfg(), '2025-10-01')).toThrow(/login_id "st1\.name" is built for this row and for x\.csv:7/);
  });
});
