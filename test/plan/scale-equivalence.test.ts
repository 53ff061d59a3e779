/**
 * The plan the benchmark measures is the plan: a generated district planned in one piece in
 * memory (the generator's own SIS snapshot and Canvas state, the transform and the planner, no
 * files) and planned the benchmarked way (files written, then the real CLI reading them with the
 * fast CSV paths, interned columns and numbered enrollment identities) must be the same plan,
 * byte for byte. This is what keeps the large-district optimisations honest.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncedCanvasState } from '../../engine/gen/canvas-state.js';
import { generateOneRosterExport, writeCanvasSnapshot } from '../../engine/gen/cli.js';
import { applyDrift } from '../../engine/gen/drift.js';
import { toSisSnapshot } from '../../engine/gen/snapshot.js';
import type { Plan } from '../../engine/model/plan.js';
import { todayIn } from '../../engine/pipeline.js';
import { computePlan } from '../../engine/plan/plan.js';
import { transform } from '../../engine/plan/transform.js';
import { loadPolicies } from '../../engine/policy/load.js';
import { ROOT, runCli } from '../support/workspace.js';

const STUDENTS = 3000;
const SEED = 5;
const DRIFT = 3;
const POLICIES = join(ROOT, 'policies');

describe('a generated district plans the same in memory and through the benchmarked CLI', () => {
  let dir: string;
  let inMemory: Plan;
  let fromCli: Plan;
  let planText: string;
  let planInMemory: (desiredAsRecords: boolean) => Plan;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rosterops-scale-'));
    const generated = await generateOneRosterExport({ students: STUDENTS, seed: SEED, out: dir });
    await writeCanvasSnapshot(generated.spec, dir, { policies: POLICIES, drift: DRIFT, example: false, seed: SEED });

    const { config } = await loadPolicies(POLICIES);
    const asOf = config.asOf ?? todayIn(config.timezone);
    const sis = toSisSnapshot(generated.spec);
    const canvas = applyDrift(syncedCanvasState(sis, config, asOf), { pct: DRIFT, seed: SEED }).state;
    planInMemory = (desiredAsRecords) => {
      const desired = transform(sis, config, asOf);
      if (desiredAsRecords) expect(desired.enrollments.length).toBeGreaterThan(1000); // the first read makes the records
      return computePlan(desired, canvas, config, { config: '', sis: '', canvas: '', asOf });
    };
    inMemory = planInMemory(false);

    const out = join(dir, 'plan.json');
    const r = runCli(['plan', '--config', POLICIES, '--sis', join(dir, 'oneroster'), '--canvas-snapshot', join(dir, 'canvas-snapshot'), '--format', 'json', '--out', out]);
    expect(r.stderr).toContain('plan written');
    expect(r.code).toBe(0);
    planText = readFileSync(out, 'utf8');
    fromCli = JSON.parse(planText) as Plan;
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has work of every kind to compare (user and enrollment creates, updates and drops; user adoptions)', () => {
    expect(inMemory.operations.length).toBeGreaterThan(300);
    for (const entity of ['users', 'enrollments'] as const) {
      for (const action of ['create', 'update', 'drop'] as const) expect(inMemory.summary[entity]?.[action] ?? 0).toBeGreaterThan(0);
    }
    expect(inMemory.summary.users?.adopt ?? 0).toBeGreaterThan(0);
  });

  it('same planId, same operations JSON, same risks and verdict', () => {
    expect(fromCli.planId).toBe(inMemory.planId);
    expect(JSON.stringify(fromCli.operations)).toBe(JSON.stringify(inMemory.operations));
    expect(JSON.stringify(fromCli.risks)).toBe(JSON.stringify(inMemory.risks));
    expect(fromCli.verdict).toEqual(inMemory.verdict);
    expect(fromCli.counts).toEqual(inMemory.counts);
  });

  it('plans the same from the desired enrollments as records as from the transform\'s columns', () => {
    const fromRecords = planInMemory(true);
    expect(fromRecords.planId).toBe(inMemory.planId);
    expect(fromRecords.counts).toEqual(inMemory.counts);
  });
});
