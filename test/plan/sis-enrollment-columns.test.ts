/**
 * The OneRoster reader keeps enrollments.csv as columns and the transform reads the columns;
 * snapshots made in memory (the generator, tests) give records, which the transform codes itself.
 * Both ways must give the same desired state, also for the messy rows real exports carry: one
 * row per term (merged), secondary teachers, tobedeleted rows, slash dates settled by the file.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOneRosterExport } from '../../engine/gen/cli.js';
import type { SisSnapshot } from '../../engine/model/oneroster.js';
import { transform } from '../../engine/plan/transform.js';
import { loadPolicies } from '../../engine/policy/load.js';
import { readOneRoster } from '../../engine/readers/oneroster/index.js';
import { ROOT } from '../support/workspace.js';

const { config } = await loadPolicies(join(ROOT, 'policies'));
const asOf = '2026-03-01';

describe('OneRoster enrollments read as columns', () => {
  let dir: string;
  let extra: { student: string; cls: string; school: string; teacher: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rosterops-sis-columns-'));
    await generateOneRosterExport({ students: 400, seed: 9, out: dir });
    const file = join(dir, 'oneroster', 'enrollments.csv');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const [, , , cls, school, teacher] = lines[1]!.split(',');
    // A student of another class, so that the rows below are the student's only ones in this class.
    const student = lines.map((l) => l.split(',')).find((c) => c[6] === 'student' && !lines.some((l) => l.includes(`,${cls},`) && l.split(',')[5] === c[5]))![5]!;
    extra = { student, cls: cls!, school: school!, teacher: teacher! };
    appendFileSync(file, [
      // The same student and class once per term: merged into one enrollment spanning both.
      `x-term1,,,${cls},${school},${student},student,,2025-08-18,2025-12-19`,
      `x-term2,,,${cls},${school},${student},student,,2026-01-05,2026-06-05`,
      // A secondary teacher, a teacher whose enrollment ended (day-first slash date), a row going away.
      `x-co,,,${cls},${school},${teacher},aide,false,2025-08-18,`,
      `x-ended,,,${cls},${school},${student},teacher,false,18/08/2025,20/02/2026`,
      `x-gone,tobedeleted,,${cls},${school},${student},administrator,,,`,
      // Ambiguous (both parts 12 or less): settled day-first by the row above.
      `x-ambiguous,,,${cls},${school},${teacher},proctor,,01/09/2025,02/03/2026`,
    ].join('\n') + '\n');
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const read = (): Promise<SisSnapshot> => readOneRoster(join(dir, 'oneroster'));

  it('transform the same as the records they stand for', async () => {
    const asColumns = await read();
    const asRecords = await read();
    expect(asRecords.enrollments.length).toBeGreaterThan(2000); // makes the records: the transform codes them itself
    const fromColumns = transform(asColumns, config, asOf);
    const fromRecords = transform(asRecords, config, asOf);
    expect(fromColumns.enrollments.length).toBeGreaterThan(2000);
    expect(fromColumns).toEqual(fromRecords);
    // Reading the columns made no records: the snapshot still has them to give, the same.
    expect(asColumns.enrollments).toEqual(asRecords.enrollments);
  });

  it('read the messy rows as the records say', async () => {
    const sis = await read();
    const mine = sis.enrollments.filter((e) => e.sourcedId.startsWith('x-'));
    expect(mine.map((e) => [e.sourcedId, e.userSourcedId, e.role, e.primary, e.beginDate, e.endDate])).toEqual([
      ['x-term1', extra.student, 'student', false, '2025-08-18', '2026-06-05'],
      ['x-co', extra.teacher, 'aide', false, '2025-08-18', ''],
      ['x-ended', extra.student, 'teacher', false, '2025-08-18', '2026-02-20'],
      ['x-ambiguous', extra.teacher, 'proctor', false, '2025-09-01', '2026-03-02'],
    ]);
    expect(mine[0]).toMatchObject({ classSourcedId: extra.cls, schoolSourcedId: extra.school, sourceFile: 'enrollments.csv' });
    expect(sis.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['oneroster.duplicate-enrollment', 'oneroster.tobedeleted-skipped', 'oneroster.ambiguous-date']));
  });
});
