/**
 * A plan that concludes a course, end to end against the Canvas emulator: the plan counts the
 * enrollments Canvas concludes with the course (they are no operation of the plan, yet their
 * students lose access), apply converges, a new plan is empty, and the emulator ends up exactly
 * where the planner's simulation said it would (before, the simulation and the emulator left those
 * enrollments active: "converged" on the emulator, not on Canvas).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanvasState } from '../../engine/model/canvas.js';
import type { Plan } from '../../engine/model/plan.js';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { simulateImport } from '../../engine/plan/simulate.js';
import { makeWorkspace, ONEROSTER, POLICIES, runCliAsync, type Workspace } from '../support/workspace.js';

const CANVAS_TOKEN = 'emulator-token-course-conclusion';
let canvas: CanvasEmulator;
let ws: Workspace;

const env = { CANVAS_TOKEN };
const policies = (guards: string) => POLICIES['main.yaml']!.replace(
  'rules:\n  users: { missing: suspend, manual: adopt }\n',
  // Enrollments the SIS stops listing are left alone: only the course's own conclusion ends them.
  'rules:\n  users: { missing: suspend, manual: adopt }\n  courses: { missing: conclude }\n  enrollments: { missing: ignore }\n',
) + `apply: { pollIntervalSeconds: 0.05 }\n${guards}`;

async function plan(file: string) {
  const r = await runCliAsync(['plan', '--config', ws.policies, '--canvas-url', canvas.url, '--out', join(ws.dir, file), '--detailed-exitcode'], { env });
  return { ...r, plan: r.code === 1 ? null : JSON.parse(readFileSync(join(ws.dir, file), 'utf8')) as Plan };
}

const apply = (file: string) => runCliAsync(['apply', '--plan', join(ws.dir, file), '--config', ws.policies, '--canvas-url', canvas.url, '--record', join(ws.dir, 'record.json')], { env });

const statuses = (state: CanvasState) => Object.fromEntries(state.enrollments.filter((e) => e.user_id).map((e) => [`${e.course_id}|${e.user_id}|${e.role}`, e.status]));

beforeEach(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago' });
  ws = await makeWorkspace();
  ws.write('policies/main.yaml', policies(''));
  const first = await plan('initial.json');
  expect(first.code, first.stderr).toBe(2);
  const applied = await apply('initial.json');
  expect(applied.code, applied.stderr + applied.stdout).toBe(0);
});

afterEach(async () => {
  await canvas.close();
});

describe('a course concluded through SIS', () => {
  it('is counted with its enrollments, applies, converges, and the emulator matches the simulation', async () => {
    // The SIS stops listing class cl2 (and its enrollments).
    ws.write('sis/classes.csv', ONEROSTER['classes.csv']!.split('\n').filter((l) => !l.startsWith('cl2,')).join('\n'));
    ws.write('sis/enrollments.csv', ONEROSTER['enrollments.csv']!.split('\n').filter((l) => !l.includes(',cl2,')).join('\n'));

    const held = await plan('conclude.json');
    expect(held.code, held.stderr + held.stdout).toBe(3);
    const conclusion = held.plan!.operations.filter((o) => o.entity === 'courses');
    expect(conclusion).toMatchObject([{ key: 'cl2', access: { effect: 'concludes', cascadedEnrollments: { student: 1, teacher: 1 } } }]);
    expect(held.plan!.operations.filter((o) => o.entity === 'enrollments')).toEqual([]);
    expect(held.plan!.verdict.reasons.map((r) => r.message).join('\n')).toMatch(/2 of 4 SIS-managed enrollments .*2 ended by Canvas with their course/);
    expect(held.stdout).toContain('Canvas ends 2 enrollments with them');

    // Within looser guards the same plan goes; what Canvas does must be what the planner predicted.
    ws.write('policies/main.yaml', policies('guards:\n  drops: { courses: null, enrollments: null }\n'));
    const ok = await plan('conclude-ok.json');
    expect(ok.code, ok.stderr + ok.stdout).toBe(2);
    const before = canvas.dump();
    const predicted = simulateImport(before, ok.plan!.operations);
    const applied = await apply('conclude-ok.json');
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(applied.stdout + applied.stderr).toMatch(/Converged/);
    const after = canvas.dump();
    expect(statuses(after)).toEqual(statuses(predicted));
    expect(statuses(after)).toMatchObject({ 'cl2|sst2|student': 'concluded', 'cl2|staff_tte1|teacher': 'concluded', 'cl1|sst1|student': 'active' });

    const again = await plan('again.json');
    expect(again.code, again.stdout).toBe(0);
  }, 60_000);
});
