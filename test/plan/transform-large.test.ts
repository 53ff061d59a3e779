/**
 * The transform on a generated district: large enough for the paths taken only at scale (ids
 * checked together by hash after the fact, enrollments merged per user), with the outcome
 * compared to what the small-scale rules say.
 */
import { describe, expect, it } from 'vitest';
import { generateDistrict } from '../../engine/gen/district.js';
import { toSisSnapshot } from '../../engine/gen/snapshot.js';
import type { RosteropsError } from '../../engine/errors.js';
import type { OrEnrollment, SisSnapshot } from '../../engine/model/oneroster.js';
import { transform } from '../../engine/plan/transform.js';
import { enrollmentOrigin } from '../../engine/plan/desired.js';
import { loadPolicies } from '../../engine/policy/load.js';
import { ROOT } from '../support/workspace.js';

const { config } = await loadPolicies(`${ROOT}/policies`);
const asOf = config.asOf!;
const district = (): SisSnapshot => toSisSnapshot(generateDistrict({ students: 2500, seed: 3 }));

describe('transform at scale', () => {
  it('reports a login two users would share exactly as the one-by-one check does (users.csv rows named)', () => {
    const sis = district();
    const students = sis.users.filter((u) => u.role === 'student');
    const [a, b] = [students[10]!, students[1500]!];
    b.username = a.username.toUpperCase(); // logins are compared ignoring case
    expect(() => transform(sis, config, asOf)).toThrow(
      `login_id "${a.username.toLowerCase()}" is built for this row and for users.csv:${a.source.row}: two SIS records would become one Canvas object`,
    );
  });

  it('reports every id problem, in the order the rows are read', () => {
    const sis = district();
    sis.users[100]!.username = ''; // an empty login
    sis.users[200]!.sourcedId = sis.users[300]!.sourcedId; // the same user id twice
    let diagnostics: { code: string; line?: number | undefined }[] = [];
    try {
      transform(sis, config, asOf);
    } catch (err) {
      diagnostics = (err as RosteropsError).diagnostics;
    }
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['formula.empty-id', sis.users[100]!.source.row],
      ['formula.not-injective', sis.users[300]!.source.row],
    ]);
  });

  it('merges SIS rows that make one Canvas enrollment: first row\'s place, active wins', () => {
    const sis = district();
    const first = sis.enrollments.find((e) => e.role === 'student' && e.endDate !== '')!;
    const ended: OrEnrollment = { ...first, sourcedId: `${first.sourcedId}-ended`, endDate: '2025-09-01', sourceFile: 'enrollments.csv', sourceRow: 999_998 };
    const active: OrEnrollment = { ...first, sourcedId: `${first.sourcedId}-again`, endDate: '', sourceFile: 'enrollments.csv', sourceRow: 999_999 };
    const before = transform(sis, config, asOf).enrollments;
    const index = before.findIndex((d) => enrollmentOrigin(d) === `enrollments.csv:${first.sourceRow}`);
    // The ended duplicate loses to the active first row; the rows keep their places.
    const withEnded = transform({ ...sis, enrollments: [...sis.enrollments, ended] }, config, asOf).enrollments;
    expect(withEnded).toHaveLength(before.length);
    expect(enrollmentOrigin(withEnded[index]!)).toBe(`enrollments.csv:${first.sourceRow}`);
    // An ended first row is replaced, in its place, by a later active one.
    const firstEnded = sis.enrollments.map((e) => (e === first ? { ...e, endDate: '2025-09-01' } : e));
    const replaced = transform({ ...sis, enrollments: [...firstEnded, active] }, config, asOf).enrollments;
    expect(replaced).toHaveLength(before.length);
    expect(enrollmentOrigin(replaced[index]!)).toBe('enrollments.csv:999999');
    expect(replaced[index]!.status).toBe('active');
  });
});
