/**
 * The report reader keeps Canvas enrollments as columns and the planner reads the columns; states
 * made in memory (emulator, simulation, tests) give records, which the planner codes itself. Both
 * ways must give the same plan, whatever the report holds: statuses in any case, an identity
 * reported twice, enrollments made by hand, enrollments without a SIS user id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { provisioningZip } from '../../engine/canvas/report-files.js';
import { DataError } from '../../engine/errors.js';
import type { CanvasState, EnrollmentRecord, UserRecord } from '../../engine/model/canvas.js';
import type { DesiredEnrollment, DesiredState, DesiredUser } from '../../engine/plan/desired.js';
import { computePlan } from '../../engine/plan/plan.js';
import type { Config } from '../../engine/policy/types.js';
import { readCanvasReportBytes } from '../../engine/readers/canvas-report.js';
import { testConfig } from '../support/config.js';

const inputs = { config: '', sis: '', canvas: '', asOf: '2025-10-01' };
const SECTIONS = ['sec1', 'sec2', 'sec3'];
const USERS = ['s1', 's2', 's3', 's4'];
const ROLES = ['student', 'teacher', 'ta'];

function login(userId: string | null, canvasUserId: string, bySis: boolean): UserRecord {
  return {
    user_id: userId, integration_id: null, login_id: `login${canvasUserId}`, authentication_provider_id: null, first_name: null, last_name: null,
    full_name: `Name ${canvasUserId}`, sortable_name: `${canvasUserId}, Name`, short_name: null, email: null, status: 'active', canvas_user_id: canvasUserId, created_by_sis: bySis,
  };
}

const reportedEnrollment = fc.record({
  section: fc.constantFrom(...SECTIONS, null),
  // A user reported by SIS id, or only by Canvas id (c4 is a hand-made login the plan adopts as s4 by login; c9 nobody).
  user: fc.constantFrom('s1', 's2', 's3', 'c4', 'c9'),
  role: fc.constantFrom(...ROLES),
  // (A status Canvas never writes, such as "constructor", is refused by the reader: test/cli/bad-input-corpus.test.ts.)
  status: fc.constantFrom('active', 'Active', 'ACTIVE ', 'concluded', 'deleted', 'inactive', 'invited', 'completed', 'rejected'),
  bySis: fc.boolean(),
});

const desiredEnrollment = fc.record({
  section: fc.constantFrom(...SECTIONS),
  user: fc.constantFrom(...USERS),
  role: fc.constantFrom(...ROLES),
  status: fc.constantFrom('active', 'completed', 'inactive', 'deleted'),
});

const rules = fc.record({
  missing: fc.constantFrom('ignore', 'conclude', 'inactivate', 'delete') as fc.Arbitrary<Config['rules']['enrollments']['missing']>,
  manual: fc.constantFrom('ignore', 'flag') as fc.Arbitrary<Config['rules']['enrollments']['manual']>,
  ownsStatus: fc.boolean(),
});

type Reported = { section: string | null; user: string; role: string; status: string; bySis: boolean };
type Wanted = { section: string; user: string; role: string; status: string };

function world(reported: Reported[], wanted: Wanted[]) {
  const canvasUserOf = (u: string) => (u.startsWith('c') ? u.slice(1) : String(100 + Number(u.slice(1))));
  const users: UserRecord[] = [login('s1', '101', true), login('s2', '102', true), login('s3', '103', true), login(null, '4', false), login(null, '9', false)];
  const enrollments: EnrollmentRecord[] = reported.map((e, i) => ({
    course_id: e.section ? `course-${e.section}` : null, section_id: e.section, user_id: e.user.startsWith('s') ? e.user : null, role: e.role, status: e.status,
    canvas_course_id: e.section ? `7${e.section.slice(3)}` : null, canvas_user_id: canvasUserOf(e.user), canvas_section_id: e.section ? `8${e.section.slice(3)}` : null,
    canvas_enrollment_id: String(1000 + i), role_id: null, base_role_type: null, limit_section_privileges: false, created_by_sis: e.bySis,
  }));
  const actual: CanvasState = {
    origin: 'memory', accounts: [], terms: [], termOverrides: null, warnings: [], digest: '', users, enrollments,
    courses: SECTIONS.map((s) => ({
      course_id: `course-${s}`, integration_id: null, short_name: s, long_name: s, account_id: null, term_id: null, status: 'active', start_date: null, end_date: null,
      canvas_course_id: `7${s.slice(3)}`, canvas_account_id: '1', canvas_term_id: null, created_by_sis: true,
    })),
    sections: SECTIONS.map((s) => ({
      section_id: s, course_id: `course-${s}`, integration_id: null, name: s, status: 'active', start_date: null, end_date: null,
      canvas_section_id: `8${s.slice(3)}`, canvas_course_id: `7${s.slice(3)}`, canvas_account_id: '1', created_by_sis: true,
    })),
  };
  const place = { origin: 'users.csv:2', account: null, term: null };
  const desiredUsers: DesiredUser[] = USERS.map((u, i) => ({
    ...login(u, String(101 + i), true), user_id: u, login_id: u === 's4' ? 'login4' : `login${101 + i}`, canvas_user_id: undefined, created_by_sis: undefined, role: 'student', ...place,
  }));
  const desired: DesiredState = {
    accounts: [], terms: [], termOverrides: [], notes: [], users: desiredUsers,
    courses: actual.courses.map((c) => ({ ...c, status: 'active', canvas_course_id: undefined, canvas_account_id: undefined, canvas_term_id: undefined, created_by_sis: undefined, ...place })),
    sections: actual.sections.map((s) => ({ ...s, canvas_section_id: undefined, canvas_course_id: undefined, canvas_account_id: undefined, created_by_sis: undefined, ...place })),
    enrollments: wanted.map((e, i): DesiredEnrollment => ({
      course_id: `course-${e.section}`, section_id: e.section, user_id: e.user, role: e.role, status: e.status, account: null, term: null, originFile: 'enrollments.csv', originRow: i + 2,
    })),
  };
  return { actual, desired };
}

describe('Canvas enrollments read as columns', () => {
  it('property: plan the same as the records they stand for', () => {
    fc.assert(
      fc.property(fc.array(reportedEnrollment, { maxLength: 30 }), fc.array(desiredEnrollment, { maxLength: 20 }), rules, (reported, wanted, r) => {
        const { actual, desired } = world(reported, wanted);
        const base = testConfig();
        const config = testConfig({
          rules: { ...base.rules, enrollments: { ...base.rules.enrollments, missing: r.missing, manual: r.manual, owns: r.ownsStatus ? ['status'] : [] } },
        });
        const zip = provisioningZip(actual);
        const asColumns = readCanvasReportBytes(zip, 'report.zip', 'report.zip');
        const asRecords = readCanvasReportBytes(zip, 'report.zip', 'report.zip');
        const records = asRecords.enrollments; // makes the records: the planner codes them itself
        expect(records).toHaveLength(reported.length);
        const fromColumns = computePlan(desired, asColumns, config, inputs);
        const fromRecords = computePlan(desired, asRecords, config, inputs);
        expect(fromColumns.operations).toEqual(fromRecords.operations);
        expect(fromColumns.risks).toEqual(fromRecords.risks);
        expect(fromColumns.counts).toEqual(fromRecords.counts);
        expect(fromColumns.planId).toBe(fromRecords.planId);
        // Whatever status a report holds, the import rows carry text (an odd status is no key into an object).
        for (const op of fromColumns.operations) for (const row of op.rows) for (const v of Object.values(row.cells)) expect(v === null || typeof v === 'string').toBe(true);
        // The reader's records are the rows written, with the status as Canvas means it (lower case, trimmed).
        expect(records.map((e) => e.status)).toEqual(reported.map((e) => e.status.trim().toLowerCase()));
        expect(records.map((e) => e.created_by_sis)).toEqual(reported.map((e) => e.bySis));
        // Reading the columns planned nothing from records: the state still has them to give.
        expect(asColumns.enrollments).toEqual(records);
      }),
      { numRuns: 150 },
    );
  });

  it('a record set on the state replaces the columns (the apply simulation edits records)', () => {
    const { actual, desired } = world([{ section: 'sec1', user: 's1', role: 'student', status: 'active', bySis: true }], []);
    const state = readCanvasReportBytes(provisioningZip(actual), 'report.zip', 'report.zip');
    const config = testConfig();
    expect(computePlan(desired, state, config, inputs).summary.enrollments).toEqual({ drop: 1 });
    state.enrollments = [];
    expect(computePlan(desired, state, config, inputs).summary.enrollments).toBeUndefined();
    expect(computePlan(desired, state, config, inputs).counts.enrollments).toEqual({ desired: 0, canvasManaged: 0, canvasTotal: 0 });
  });

  it('still reports every bad cell of the enrollments file, by row', () => {
    const { actual } = world([
      { section: 'sec1', user: 's1', role: 'student', status: 'active', bySis: true },
      { section: 'sec2', user: 's2', role: 'student', status: 'active', bySis: true },
    ], []);
    actual.enrollments[0]!.role = '';
    actual.enrollments[1]!.status = '';
    const zip = provisioningZip(actual);
    let error: unknown;
    try {
      readCanvasReportBytes(zip, 'report.zip', 'report.zip');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).diagnostics.map((d) => [d.file, d.line, d.field, d.code])).toEqual([
      ['report.zip/enrollments.csv', 2, 'role', 'canvas-report.empty-value'],
      ['report.zip/enrollments.csv', 3, 'status', 'canvas-report.empty-value'],
    ]);
  });
});
