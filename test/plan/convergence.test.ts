import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CanvasState, CourseRecord, EnrollmentRecord, SectionRecord, UserRecord } from '../../engine/model/canvas.js';
import type { Plan } from '../../engine/model/plan.js';
import type { DesiredState } from '../../engine/plan/desired.js';
import { computePlan } from '../../engine/plan/plan.js';
import { simulateImport } from '../../engine/plan/simulate.js';
import type { Config } from '../../engine/policy/types.js';
import { testConfig } from '../support/config.js';

const inputs = { config: 'c', sis: 's', canvas: 'a', asOf: '2025-10-01' };
const place = { origin: 'test.csv:2', account: null, term: null };

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const NAMES = ['Ana Diaz', 'Bo Chen', 'Cy Park', 'Di Okafor'];
const EMAILS = ['a@x.org', 'b@x.org', 'c@x.org', null];
const SECTIONS = ['s1', 's2', 's3'];
const ROLES = ['student', 'teacher'];

/** Desired and actual states over a small id pool, so they overlap in every interesting way. */
const worldArb = fc.record({
  desiredUsers: fc.subarray(USERS),
  desiredNames: fc.array(fc.constantFrom(...NAMES), { minLength: 6, maxLength: 6 }),
  desiredEmails: fc.array(fc.constantFrom(...EMAILS), { minLength: 6, maxLength: 6 }),
  desiredSections: fc.subarray(SECTIONS),
  desiredEnrollments: fc.array(fc.tuple(fc.constantFrom(...SECTIONS), fc.constantFrom(...USERS), fc.constantFrom(...ROLES), fc.constantFrom('active', 'inactive', 'completed')), { maxLength: 10 }),
  actualUsers: fc.array(fc.record({
    id: fc.constantFrom(...USERS), sis: fc.boolean(), createdBySis: fc.boolean(), loginMatches: fc.boolean(),
    name: fc.constantFrom(...NAMES), email: fc.constantFrom(...EMAILS), status: fc.constantFrom('active', 'suspended', 'deleted'),
  }), { maxLength: 6 }),
  actualSections: fc.subarray(SECTIONS),
  actualCourseStatus: fc.constantFrom('unpublished', 'active', 'concluded'),
  actualEnrollments: fc.array(fc.record({
    section: fc.constantFrom(...SECTIONS), userIndex: fc.nat(5), role: fc.constantFrom(...ROLES),
    status: fc.constantFrom('active', 'inactive', 'concluded', 'invited'), createdBySis: fc.boolean(),
  }), { maxLength: 10 }),
  policy: fc.record({
    usersManual: fc.constantFrom('adopt', 'flag', 'ignore'),
    usersMissing: fc.constantFrom('suspend', 'delete', 'ignore'),
    enrollmentsMissing: fc.constantFrom('conclude', 'inactivate', 'delete', 'ignore'),
    coursesMissing: fc.constantFrom('conclude', 'delete', 'ignore'),
  }),
});

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(world: World): { desired: DesiredState; actual: CanvasState; config: Config } {
  const base = testConfig();
  const config = testConfig({
    rules: {
      ...base.rules,
      users: { ...base.rules.users, manual: world.policy.usersManual as 'adopt', missing: world.policy.usersMissing as 'suspend' },
      enrollments: { ...base.rules.enrollments, missing: world.policy.enrollmentsMissing as 'conclude' },
      courses: { ...base.rules.courses, missing: world.policy.coursesMissing as 'conclude' },
    },
  });
  const desired: DesiredState = {
    accounts: [{ account_id: 'sch1', parent_account_id: null, name: 'School One', status: 'active', ...place }],
    terms: [{ term_id: 't1', name: 'Fall', status: 'active', start_date: '2025-08-18T05:00:00Z', end_date: '2025-12-20T06:00:00Z', ...place }],
    termOverrides: [],
    courses: world.desiredSections.map((s) => ({
      course_id: `c-${s}`, integration_id: null, short_name: s.toUpperCase(), long_name: `Course ${s}`, account_id: 'sch1', term_id: 't1',
      status: 'active', start_date: null, end_date: null, ...place,
    })),
    sections: world.desiredSections.map((s) => ({ section_id: s, course_id: `c-${s}`, integration_id: null, name: `Section ${s}`, status: 'active', start_date: null, end_date: null, ...place })),
    users: world.desiredUsers.map((id, i) => {
      const [first, last] = world.desiredNames[i]!.split(' ') as [string, string];
      return {
        user_id: id, integration_id: null, login_id: `login-${id}`, authentication_provider_id: null, first_name: first, last_name: last,
        full_name: `${first} ${last}`, sortable_name: `${last}, ${first}`, short_name: null, email: world.desiredEmails[i]!, status: 'active', role: 'student', ...place,
      };
    }),
    enrollments: [],
    notes: [],
  };
  const dUsers = new Set(world.desiredUsers);
  const dSections = new Set(world.desiredSections);
  const seen = new Set<string>();
  for (const [section, user, role, status] of world.desiredEnrollments) {
    if (!dUsers.has(user) || !dSections.has(section) || seen.has(`${section}|${user}|${role}`)) continue;
    seen.add(`${section}|${user}|${role}`);
    desired.enrollments.push({ course_id: `c-${section}`, section_id: section, user_id: user, role, status, account: null, term: null, originFile: 'test.csv', originRow: 2 });
  }

  let nextId = 100;
  const id = () => String(nextId++);
  const users: UserRecord[] = [];
  const sisTaken = new Set<string>();
  world.actualUsers.forEach((u, i) => {
    const hasSis = u.sis && !sisTaken.has(u.id);
    if (hasSis) sisTaken.add(u.id);
    const [first, last] = u.name.split(' ') as [string, string];
    users.push({
      // A hand-made login either already has the formula's login (adopt) or its own name.
      user_id: hasSis ? u.id : null,
      integration_id: null,
      login_id: hasSis ? `login-${u.id}` : u.loginMatches ? `login-${u.id}` : `manual-${i}`,
      authentication_provider_id: null, first_name: first, last_name: last, full_name: u.name, sortable_name: `${last}, ${first}`,
      short_name: null, email: u.email, status: hasSis ? u.status : 'active', canvas_user_id: id(), created_by_sis: hasSis && u.createdBySis,
    });
  });
  // Only one live login may hold a name (Canvas enforces it).
  const liveNames = new Set<string>();
  const usersOk = users.filter((l) => {
    if (l.status === 'deleted') return true;
    if (liveNames.has(l.login_id)) return false;
    liveNames.add(l.login_id);
    return true;
  });
  const courses: CourseRecord[] = world.actualSections.map((s) => ({
    course_id: `c-${s}`, integration_id: null, short_name: 'OLD', long_name: `Old ${s}`, account_id: 'sch1', term_id: 't1',
    status: world.actualCourseStatus, start_date: null, end_date: null, canvas_course_id: id(), canvas_account_id: '1', canvas_term_id: '2', created_by_sis: true,
  }));
  const sections: SectionRecord[] = world.actualSections.map((s, i) => ({
    section_id: s, course_id: `c-${s}`, integration_id: null, name: `Old ${s}`, status: 'active', start_date: null, end_date: null,
    canvas_section_id: id(), canvas_course_id: courses[i]!.canvas_course_id, created_by_sis: true,
  }));
  const enrollments: EnrollmentRecord[] = [];
  const identities = new Set<string>();
  for (const e of world.actualEnrollments) {
    const section = sections.find((s) => s.section_id === e.section);
    const user = usersOk[e.userIndex % Math.max(usersOk.length, 1)];
    if (!section || !user || user.status === 'deleted') continue;
    const identity = `${section.canvas_section_id}|${user.canvas_user_id}|${e.role}`;
    if (identities.has(identity)) continue;
    identities.add(identity);
    enrollments.push({
      course_id: section.course_id, section_id: section.section_id, user_id: user.user_id, role: e.role, status: e.status,
      canvas_course_id: section.canvas_course_id, canvas_user_id: user.canvas_user_id, canvas_section_id: section.canvas_section_id,
      canvas_enrollment_id: id(), created_by_sis: e.createdBySis && user.user_id !== null,
    });
  }
  const actual: CanvasState = {
    origin: 'test',
    accounts: [{ account_id: 'sch1', parent_account_id: null, name: 'School One', status: 'active', canvas_account_id: '1', created_by_sis: true }],
    terms: [{ term_id: 't1', name: 'Fall', status: 'active', start_date: '2025-08-18T05:00:00Z', end_date: '2025-12-20T06:00:00Z', canvas_term_id: '2', created_by_sis: true }],
    termOverrides: [], courses, sections, users: usersOk, enrollments, warnings: [], digest: 'x',
  };
  return { desired, actual, config };
}

/** Operations that cannot converge by design: Canvas skips rows whose login another SIS id holds. */
function blockedKeys(plan: Plan): Set<string> {
  const keys = new Set<string>();
  for (const r of plan.risks) if (r.kind === 'login-claimed') for (const k of r.keys) keys.add(k);
  return keys;
}

describe('convergence', () => {
  it('property: applying a plan as Canvas would leaves nothing to do (except what the plan marks blocked)', () => {
    fc.assert(fc.property(worldArb, (world) => {
      const { desired, actual, config } = build(world);
      const first = computePlan(desired, actual, config, inputs);
      const after = simulateImport(actual, first.operations);
      const second = computePlan(desired, after, config, inputs);
      const blocked = blockedKeys(first);
      const residue = second.operations.filter((op) => !blocked.has(op.key) && ![...blocked].some((k) => op.key.includes(`|${k}|`)));
      expect(residue.map((op) => `${op.entity} ${op.action} ${op.key} ${JSON.stringify(op.changes)}`)).toEqual([]);
    }), { numRuns: Number(process.env.FC_RUNS ?? 400) });
  });

  it('property: the plan is deterministic and its id depends only on the operations', () => {
    fc.assert(fc.property(worldArb, (world) => {
      const { desired, actual, config } = build(world);
      const a = computePlan(desired, actual, config, inputs);
      const shuffled = { ...actual, users: actual.users.slice().reverse(), enrollments: actual.enrollments.slice().reverse() };
      const b = computePlan({ ...desired, users: desired.users.slice().reverse() }, shuffled, config, { ...inputs, sis: 'other' });
      expect(JSON.stringify(b.operations)).toBe(JSON.stringify(a.operations));
      expect(b.planId).toBe(a.planId);
    }), { numRuns: 200 });
  });
});
