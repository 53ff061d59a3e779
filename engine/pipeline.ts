/**
 * The plan pipeline, with its readers passed in: policies + SIS snapshot + Canvas state → Plan.
 * `plan`, `apply` (re-plan for staleness and convergence) and `sync` all go through here.
 */
import type { Diagnostic } from './errors.js';
import type { CanvasState } from './model/canvas.js';
import type { SisSnapshot } from './model/oneroster.js';
import type { Plan } from './model/plan.js';
import type { DesiredState } from './plan/desired.js';
import { computePlan } from './plan/plan.js';
import { transform } from './plan/transform.js';
import type { Config } from './policy/types.js';

export interface Sources {
  readSis(): Promise<SisSnapshot>;
  readCanvas(): Promise<CanvasState>;
  /**
   * Where a source can read in the background (files on disk are parsed on a second thread, see
   * readers/background-parse.ts), starts it; `readSis` and `readCanvas` then take up what it did.
   * Returns what stops it.
   */
  startBackground?(): () => void;
}

export interface PlanRun {
  plan: Plan;
  warnings: Diagnostic[];
  /** Where the time went, in seconds (`plan --timings`; the benchmark reports it per scale). */
  timings: PhaseTimings;
}

export interface PhaseTimings {
  readSis: number;
  transform: number;
  readCanvas: number;
  diff: number;
}

/** Today in the Canvas account's zone: the day an enrollment end date is judged against. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * One side at a time: the SIS export is read and transformed, and let go, before the Canvas state
 * is read. At 200,000 students the SIS snapshot, the Canvas state and the desired state are each a
 * few hundred megabytes; holding the three at once is what would not fit. Only parsing starts
 * early, on a thread of its own (the SIS export's enrollments.csv, then the Canvas snapshot's
 * files): its tables are compact (codes and distinct values), and it was half the planning time.
 */
export async function runPlanPipeline(config: Config, sources: Sources, asOf: string | null): Promise<PlanRun> {
  const stopBackground = sources.startBackground?.();
  try {
    return await planAgainstCanvas(config, await prepareSisSide(config, sources.readSis, asOf), sources.readCanvas);
  } finally {
    stopBackground?.(); // a failed SIS side leaves nothing running
  }
}

/**
 * The SIS side of a plan, read and transformed (the snapshot itself is let go). `apply` plans
 * against the same SIS side before its import (is the plan still the approved one?) and after it
 * (did Canvas converge?): the export cannot change in between, and at 200,000 students reading it
 * again took a third of the planning time.
 */
export interface SisSide {
  desired: DesiredState;
  digest: string;
  warnings: Diagnostic[];
  /** The day enrollment end dates are judged against. */
  day: string;
  timings: Pick<PhaseTimings, 'readSis' | 'transform'>;
}

export async function prepareSisSide(config: Config, readSis: Sources['readSis'], asOf: string | null): Promise<SisSide> {
  const day = asOf ?? config.asOf ?? todayIn(config.timezone);
  const clock = new PhaseClock();
  const sis = await readSis();
  const readSisSeconds = clock.lap();
  const desired = transform(sis, config, day);
  return { desired, digest: sis.digest, warnings: sis.warnings, day, timings: { readSis: readSisSeconds, transform: clock.lap() } };
}

/** Reads Canvas and plans the SIS side against it (the desired state is only read, never changed). */
export async function planAgainstCanvas(config: Config, sis: SisSide, readCanvas: Sources['readCanvas']): Promise<PlanRun> {
  const clock = new PhaseClock();
  const canvas = await readCanvas();
  const readCanvasSeconds = clock.lap();
  const plan = computePlan(sis.desired, canvas, config, { config: config.digest, sis: sis.digest, canvas: canvas.digest, asOf: sis.day });
  const diff = clock.lap();
  return { plan, warnings: [...sis.warnings, ...canvas.warnings], timings: { ...sis.timings, readCanvas: readCanvasSeconds, diff } };
}

/** Seconds since the previous lap. */
class PhaseClock {
  private last = performance.now();

  lap(): number {
    const now = performance.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    return seconds;
  }
}
