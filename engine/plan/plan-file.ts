/** Reading and writing the plan file: the versioned contract between plan, show, comment and apply. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../model/plan.js';
import { planIdOf } from './plan.js';

export function serialisePlan(plan: Plan): string {
  // Small plans are read by people; large ones by programs (indentation doubles their size).
  return (plan.operations.length <= 5000 ? JSON.stringify(plan, null, 2) : JSON.stringify(plan)) + '\n';
}

/** Write atomically: a crash never leaves half a plan that apply could read. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, serialisePlan(plan));
  await rename(tmp, path);
}

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DataError('plan.missing', `cannot read plan file ${path}`, { file: path }, 'Create one with `rosterops plan --out plan.json`.');
  }
  let plan: Partial<Plan>;
  try {
    plan = JSON.parse(text) as Partial<Plan>;
  } catch (err) {
    throw new DataError('plan.malformed', `${path} is not JSON: ${(err as Error).message}`, { file: path }, 'Regenerate the plan file; do not edit it by hand.');
  }
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new DataError(
      'plan.format-version', `${path} has plan format version ${JSON.stringify(plan.formatVersion)}; this rosterops reads version ${PLAN_FORMAT_VERSION}`,
      { file: path, field: 'formatVersion' }, 'Plan again with this version of rosterops.',
    );
  }
  for (const key of ['planId', 'inputs', 'summary', 'operations', 'risks', 'verdict'] as const) {
    if (plan[key] === undefined) {
      throw new DataError('plan.incomplete', `${path} lacks "${key}"`, { file: path, field: key }, 'Regenerate the plan file; do not edit it by hand.');
    }
  }
  // The planId names the operations; a file whose operations were edited no longer matches it.
  if (planIdOf(plan.operations!, plan.risks!) !== plan.planId) {
    throw new DataError(
      'plan.tampered', `${path}: its operations do not match its planId ${plan.planId}`, { file: path, field: 'planId' },
      'The file was edited after planning. Plan again; approvals name a planId, so an edited plan can never be applied.',
    );
  }
  return plan as Plan;
}
