/**
 * The plan pipeline, with its readers passed in: policies + SIS snapshot + Canvas state → Plan.
 * `plan`, `apply` (re-plan for staleness and convergence) and `sync` all go through here.
 */
import type { Diagnostic } from './errors.js';
import type { CanvasState } from './model/canvas.js';
import type { SisSnapshot } from './model/oneroster.js';
import type { Plan } from './model/plan.js';
import { computePlan } from './plan/plan.js';
import { transform } from './plan/transform.js';
import type { Config } from './policy/types.js';

export interface Sources {
  readSis(): Promise<SisSnapshot>;
  readCanvas(): Promise<CanvasState>;
}

export interface PlanRun {
  plan: Plan;
  sis: SisSnapshot;
  canvas: CanvasState;
  warnings: Diagnostic[];
}

/** Today in the Canvas account's zone: the day an enrollment end date is judged against. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export async function runPlanPipeline(config: Config, sources: Sources, asOf: string | null): Promise<PlanRun> {
  const [sis, canvas] = await Promise.all([sources.readSis(), sources.readCanvas()]);
  const day = asOf ?? config.asOf ?? todayIn(config.timezone);
  const desired = transform(sis, config, day);
  const plan = computePlan(desired, canvas, config, { config: config.digest, sis: sis.digest, canvas: canvas.digest, asOf: day });
  return { plan, sis, canvas, warnings: [...sis.warnings, ...canvas.warnings] };
}
