/**
 * Markdown rendering of large plans (`renderPlanComment`, the pull-request comment), timed in a
 * fresh process so the first call pays what `rosterops comment` pays: template compilation and
 * cold code. `node dist/test/bench/render.js [PLAN_FILE]`.
 *
 * The 100,000-operation plan is the render tests' largePlan(20_000, 4): 20,000 user creates and
 * 80,000 enrollment creates and drops over three schools. PLAN_FILE, when given (the benchmark
 * passes the plan written at its largest scale), is rendered too, as a real plan of that size.
 */
import { readPlanFile } from '../../engine/plan/plan-file.js';
import type { Plan } from '../../engine/model/plan.js';
import { renderPlanComment } from '../../engine/render/markdown.js';
import { largePlan } from '../render/plans.js';

interface Timing {
  operations: number;
  firstSeconds: number;
  warmSeconds: number;
  parts: number;
  chars: number;
}

function time(plan: Plan): Timing {
  const options = { environment: 'production', showPersonalData: false };
  let t = performance.now();
  const parts = renderPlanComment(plan, options);
  const firstSeconds = (performance.now() - t) / 1000;
  let warmSeconds = Infinity;
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    renderPlanComment(plan, options);
    warmSeconds = Math.min(warmSeconds, (performance.now() - t) / 1000);
  }
  return { operations: plan.operations.length, firstSeconds, warmSeconds, parts: parts.length, chars: parts.reduce((n, p) => n + p.length, 0) };
}

const synthetic = time(largePlan(20_000, 4));
const file = process.argv[2];
const real = file ? time(await readPlanFile(file)) : null;
process.stdout.write(`${JSON.stringify({ synthetic, real })}\n`);
