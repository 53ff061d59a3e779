/**
 * The plan header says where each side came from (inputs.sources), in the terminal and the plan
 * file; the names are outside the planId and inside the file digest.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../engine/model/plan.js';
import { checkPlanFile, serialisePlan } from '../../engine/plan/plan-file.js';
import { planIdOf } from '../../engine/plan/plan.js';
import { renderText } from '../../engine/render/text.js';
import { DataError } from '../../engine/errors.js';
import { emptyPlan, smallMixedPlan } from './plans.js';

const text = (plan: Plan) => renderText(plan, { color: false, showPersonalData: false, limit: 10 });
const FILE = 'plan.json';
const roundTrip = (plan: Plan): Plan => checkPlanFile(FILE, JSON.parse(serialisePlan(plan)));

describe('plan header', () => {
  it('names the SIS and Canvas sources under the plan id in the terminal', () => {
    const lines = text(smallMixedPlan()).split('\n');
    expect(lines[1]).toBe('  SIS:    OneRoster CSV exports/north-district (4 users)');
    expect(lines[2]).toBe('  Canvas: live https://north.instructure.com');
    // A plan without recorded sources (an older file) has no such lines.
    expect(text(emptyPlan())).not.toMatch(/SIS:|Canvas:/);
  });

  it('a control character in a recorded path cannot reach the terminal', () => {
    const plan = smallMixedPlan();
    const hostile = { ...plan, inputs: { ...plan.inputs, sources: { sis: 'OneRoster CSV a\u001b[2Jb\nforged line (1 user)', canvas: 'snapshot c\rd' } } };
    const out = text(hostile);
    expect(out).not.toMatch(/[\u001b\r]/);
    expect(out).toContain('  SIS:    OneRoster CSV a?[2Jb?forged line (1 user)');
  });

  it('the sources are kept in the file, guarded by the file digest and left out of the planId', () => {
    const plan = smallMixedPlan();
    const back = roundTrip(plan);
    expect(back.inputs.sources).toEqual(plan.inputs.sources);
    const live = { ...plan, inputs: { ...plan.inputs, sources: { ...plan.inputs.sources!, canvas: 'snapshot somewhere/else' } } };
    expect(planIdOf(live)).toBe(plan.planId);
    const edited = JSON.parse(serialisePlan(plan)) as Plan;
    edited.inputs.sources!.canvas = 'snapshot somewhere/else';
    expect(() => checkPlanFile(FILE, edited)).toThrow(expect.objectContaining({ code: 'plan.tampered' }));
  });

  it('an unknown or mistyped key under inputs.sources is a located error', () => {
    const value = JSON.parse(serialisePlan(smallMixedPlan())) as { inputs: { sources: Record<string, unknown> } };
    value.inputs.sources.token = 'x';
    let err: unknown = null;
    try {
      checkPlanFile(FILE, value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).location.field).toBe('/inputs/sources/token');
    delete value.inputs.sources.token;
    value.inputs.sources.sis = 42;
    expect(() => checkPlanFile(FILE, value)).toThrow(expect.objectContaining({ code: 'plan.malformed', location: expect.objectContaining({ field: '/inputs/sources/sis' }) }));
  });
});
