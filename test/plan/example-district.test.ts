/**
 * The bundled example district: its plan shows every story the README walks through, and applying
 * it (as Canvas would) converges. The emulator end-to-end test proves the same over HTTP.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../engine/model/plan.js';
import { runPlanPipeline } from '../../engine/pipeline.js';
import { computePlan } from '../../engine/plan/plan.js';
import { simulateImport } from '../../engine/plan/simulate.js';
import { transform } from '../../engine/plan/transform.js';
import { loadPolicies } from '../../engine/policy/load.js';
import type { Config } from '../../engine/policy/types.js';
import { readCanvasReport } from '../../engine/readers/canvas-report.js';
import { readOneRoster } from '../../engine/readers/oneroster.js';
import { ROOT } from '../support/workspace.js';

let config: Config;
let plan: Plan;
const byAction = (entity: string, action: string) => plan.operations.filter((op) => op.entity === entity && op.action === action);

beforeAll(async () => {
  ({ config } = await loadPolicies(join(ROOT, 'policies')));
  ({ plan } = await runPlanPipeline(config, {
    readSis: () => readOneRoster(config.sources.sis.path),
    readCanvas: () => readCanvasReport(config.sources.canvas.snapshot!),
  }, null));
});

describe('example district', () => {
  it('adopts the student created by hand with the formula login (Canvas would claim it silently)', () => {
    const adopt = byAction('users', 'adopt').find((op) => op.reason.rule === 'canvas.login-claim');
    expect(adopt?.rows.map((r) => r.file)).toEqual(['users']);
  });

  it('attaches the student created by hand with another login instead of duplicating them', () => {
    const adopt = byAction('users', 'adopt').find((op) => op.reason.rule === 'rules.users.manual=adopt');
    expect(adopt?.rows.map((r) => r.file)).toEqual(['logins', 'users']);
    expect(adopt?.rows[0]!.cells.existing_canvas_user_id).toBe(adopt?.canvasId);
    expect(byAction('users', 'create')).toEqual([]);
  });

  it('suspends the leaver and concludes their enrollments, renames, fixes the e-mail and the teacher provider', () => {
    const dropped = byAction('users', 'drop');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.changes).toEqual([{ field: 'status', before: 'active', after: 'suspended' }]);
    expect(byAction('enrollments', 'drop').every((op) => op.key.includes(`|${dropped[0]!.key}|`))).toBe(true);
    const fields = byAction('users', 'update').flatMap((op) => op.changes.map((c) => c.field)).sort();
    // The renamed student's display name (short_name, set in Canvas) follows the new name.
    expect(fields).toEqual(['authentication_provider_id', 'email', 'full_name', 'short_name', 'sortable_name']);
  });

  it('applies the term override and the per-enrollment-type dates', () => {
    expect(byAction('terms', 'update').map((op) => op.key)).toEqual(['sem-2026-1']);
    expect(byAction('terms', 'create').map((op) => op.key)).toEqual(['sem-2026-1|TeacherEnrollment', 'sem-2026-2|TeacherEnrollment']);
  });

  it('leaves the course made by hand alone and is within guards', () => {
    expect(plan.operations.some((op) => op.key.includes('manual-robotics'))).toBe(false);
    expect(plan.verdict).toEqual({ status: 'ok', reasons: [] });
  });

  it('converges: after the import, a new plan is empty', async () => {
    const sis = await readOneRoster(config.sources.sis.path);
    const canvas = await readCanvasReport(config.sources.canvas.snapshot!);
    const desired = transform(sis, config, plan.inputs.asOf);
    const after = simulateImport(canvas, plan.operations);
    const again = computePlan(desired, after, config, plan.inputs);
    expect(again.operations).toEqual([]);
  });
});
