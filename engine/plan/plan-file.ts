/**
 * Reading and writing the plan file: the versioned contract between plan, show, comment and apply.
 *
 * Integrity, in two layers:
 * - `planId` (plan.ts planIdOf) names what apply sends and what a reviewer judges: operations with
 *   their rows, changes, reasons, roles, accounts and terms; the risks; the verdict; the summary and
 *   the labels. Approvals bind to it, and apply re-plans and refuses unless its own plan has the
 *   same planId and the same verdict, so what is applied is what was approved.
 * - `fileDigest` is sha256 over the rest of the file (the JSON text JSON.stringify gives for the
 *   file's value without this key), so the parts left out of the planId because they move with
 *   every edit in Canvas or the SIS (input digests, counts, notes, the CSV line a row came from)
 *   cannot be edited either: show, comment and apply all read through readPlanFile, which refuses
 *   a file whose planId, digest, summary or verdict status does not match its contents.
 *
 * Threat model: both digests are unkeyed, so someone who edits a file on purpose can recompute
 * them; they catch accidents and casual edits. What stops a deliberate forger is that approvals
 * name a planId and apply never trusts the file: it re-plans from the SIS and Canvas, judges the
 * guards on its own plan, and refuses (nothing sent) when the planId or the verdict differ.
 *
 * Every malformed file is a located DataError (`plan.malformed`, with the JSON pointer or line and
 * column of the problem), never an internal error: plan-file-text.ts guards the bytes (size,
 * encoding, nesting) before JSON.parse, plan-file-shape.ts the structure after it.
 */
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { ENTITY_ORDER } from '../model/canvas.js';
import { ACTIONS, PLAN_FORMAT_VERSION, type Plan, type Summary } from '../model/plan.js';
import { worst } from './guards.js';
import { planIdOf, summarise } from './plan.js';
import { planShapeProblem } from './plan-file-shape.js';
import { parsePlanBytes, readPlanBytes, REGENERATE, type PlanFileLimits, PLAN_FILE_LIMITS } from './plan-file-text.js';

/** Elements of a large array hashed per JSON.stringify call. */
const DIGEST_BLOCK = 2048;

/** Above this many operations the file is written without indentation (it is read by programs). */
const INDENTED_UP_TO = 5000;

/** The file's text: the plan with its fileDigest as the last key. */
export function serialisePlan(plan: Plan): string {
  const { fileDigest: _ignored, ...content } = plan;
  if (plan.operations.length <= INDENTED_UP_TO) {
    return JSON.stringify({ ...content, fileDigest: fileDigestOf(content) }, null, 2) + '\n';
  }
  // Large plans: the compact text is what the digest hashes, so hash it once and append the key.
  const text = JSON.stringify(content);
  const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  return `${text.slice(0, -1)},"fileDigest":${JSON.stringify(digest)}}\n`;
}

/**
 * sha256 of JSON.stringify(plan without fileDigest), computed piece by piece: a plan of hundreds of
 * megabytes is hashed without building its text a second time.
 */
export function fileDigestOf(plan: Omit<Plan, 'fileDigest'> | Plan): string {
  const hash = createHash('sha256');
  hash.update('{');
  let first = true;
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'fileDigest' || value === undefined) continue;
    hash.update(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (!Array.isArray(value)) {
      hash.update(JSON.stringify(value));
      continue;
    }
    // Blocks of elements: JSON.stringify of a slice is the elements' text between brackets.
    hash.update('[');
    for (let i = 0; i < value.length; i += DIGEST_BLOCK) {
      const block = JSON.stringify(value.slice(i, i + DIGEST_BLOCK));
      hash.update(`${i > 0 ? ',' : ''}${block.slice(1, -1)}`);
    }
    hash.update(']');
  }
  hash.update('}');
  return `sha256:${hash.digest('hex')}`;
}

/** Write atomically: a crash never leaves half a plan that apply could read. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, serialisePlan(plan));
  await rename(tmp, path);
}

export async function readPlanFile(path: string, limits: PlanFileLimits = PLAN_FILE_LIMITS): Promise<Plan> {
  return checkPlanFile(path, parsePlanBytes(path, await readPlanBytes(path, limits), limits));
}

/** The checks readPlanFile makes once the file is parsed: version, shape, then what must match what. */
export function checkPlanFile(path: string, value: unknown): Plan {
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof value === 'object' && value !== null && typeof version === 'string' && version !== PLAN_FORMAT_VERSION) {
    throw new DataError(
      'plan.format-version', `${path} has plan format version ${JSON.stringify(version)}; this rosterops reads version ${PLAN_FORMAT_VERSION}`,
      { file: path, field: '/formatVersion' }, 'Plan again with this version of rosterops.',
    );
  }
  const problem = planShapeProblem(value);
  if (problem) throw new DataError('plan.malformed', `not a plan file: ${problem.message}`, { file: path, field: problem.pointer || '/' }, REGENERATE);
  const plan = value as Plan;

  // Derived values are checked against what they derive from, so they cannot say something else.
  if (!sameSummary(plan.summary, summarise(plan.operations))) {
    throw tampered(path, '/summary', 'its summary does not count its operations');
  }
  const status = plan.verdict.reasons.reduce<Plan['verdict']['status']>((v, r) => worst(v, r.requires), 'ok');
  if (status !== plan.verdict.status) {
    throw tampered(path, '/verdict/status', `its verdict is "${plan.verdict.status}" but its reasons make it "${status}"`);
  }
  if (planIdOf(plan) !== plan.planId) {
    throw tampered(path, '/planId', `its operations, risks or verdict do not match its planId ${plan.planId}`);
  }
  if (fileDigestOf(plan) !== plan.fileDigest) {
    throw tampered(path, '/fileDigest', 'its contents do not match its fileDigest');
  }
  return plan;
}

function tampered(path: string, pointer: string, message: string): DataError {
  return new DataError('plan.tampered', message, { file: path, field: pointer },
    'The file was edited after planning. Plan again; approvals name a planId, so an edited plan can never be applied.');
}

function sameSummary(a: Summary, b: Summary): boolean {
  for (const entity of ENTITY_ORDER) {
    for (const action of ACTIONS) if ((a[entity]?.[action] ?? 0) !== (b[entity]?.[action] ?? 0)) return false;
    // Present in one and absent in the other (`{}` vs missing) is a difference the digest catches; counts are what matter here.
  }
  return true;
}
