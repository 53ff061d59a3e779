/**
 * plan(desired, actual, policy) → Plan. Pure: the same inputs give the same plan, byte for byte,
 * and the planId names exactly the effect (what would be sent to Canvas), not how it was derived.
 */
import { createHash } from 'node:crypto';
import { ENTITY_ORDER, type CanvasState, type EntityName } from '../model/canvas.js';
import { ACTIONS, PLAN_FORMAT_VERSION, type Operation, type Plan, type PlanInputs, type Summary } from '../model/plan.js';
import { BY_SIS, enrollmentColumnsOf } from '../model/enrollment-columns.js';
import type { Config } from '../policy/types.js';
import type { DesiredState } from './desired.js';
import { desiredEnrollmentColumnsOf } from './desired-enrollments.js';
import { PlanBuilder } from './diff/common.js';
import { diffEnrollments } from './diff/enrollments.js';
import { diffAccounts, diffCourses, diffSections, diffTerms, structureScope } from './diff/structure.js';
import { diffUsers } from './diff/users.js';
import { evaluateGuards } from './guards.js';
import { markAccessEffects } from './access-cascades.js';
import { activeCounts } from './active-counts.js';
import { calendarDateToUtc } from '../util/dates.js';

export function computePlan(desired: DesiredState, actual: CanvasState, config: Config, inputs: PlanInputs): Plan {
  const builder = new PlanBuilder();
  for (const note of desired.notes) builder.note(note);
  const scope = structureScope(desired, actual);
  diffAccounts(desired, actual, config, builder);
  diffTerms(desired, actual, config, builder);
  diffCourses(desired, actual, config, builder, scope);
  diffSections(desired, actual, config, builder, scope);
  const users = diffUsers(desired.users, actual, config, builder);
  const desiredEnrollments = desiredEnrollmentColumnsOf(desired);
  diffEnrollments(desiredEnrollments, actual, config, builder, users, scope);

  const { operations, risks } = sortOperations(builder);
  const counts = entityCounts(desired, desiredEnrollments.count, actual);
  // Guards count what operations do to access, not their labels (engine/plan/access-effects.ts).
  const asOfMs = Date.parse(calendarDateToUtc(inputs.asOf, config.timezone) ?? `${inputs.asOf}T00:00:00Z`);
  markAccessEffects(operations, actual, asOfMs, desired.termOverrides);
  const verdict = evaluateGuards(config.guards, operations, risks, counts, { asOfMs, active: activeCounts(desired, actual) });
  const summary = summarise(operations);
  const labels = labelsFor(operations, desired, actual);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    planId: planIdOf({ operations, risks, verdict, summary, labels }),
    inputs,
    summary,
    operations,
    risks,
    verdict,
    counts,
    notes: builder.notes,
    labels,
  };
}

/** Names of the schools and terms the operations touch (desired names win over Canvas's). */
function labelsFor(operations: readonly Operation[], desired: DesiredState, actual: CanvasState): Plan['labels'] {
  const accountNames = new Map<string, string>();
  const termNames = new Map<string, string>();
  for (const a of actual.accounts) if (a.name) accountNames.set(a.account_id, a.name);
  for (const a of desired.accounts) if (a.name) accountNames.set(a.account_id, a.name);
  for (const t of actual.terms) if (t.name) termNames.set(t.term_id, t.name);
  for (const t of desired.terms) if (t.name) termNames.set(t.term_id, t.name);
  const labels: Plan['labels'] = { accounts: {}, terms: {} };
  for (const op of operations) {
    if (op.account && accountNames.has(op.account)) labels.accounts[op.account] = accountNames.get(op.account)!;
    if (op.term && termNames.has(op.term)) labels.terms[op.term] = termNames.get(op.term)!;
  }
  return sortKeys(labels.accounts, labels.terms);
}

function sortKeys(accounts: Record<string, string>, terms: Record<string, string>): Plan['labels'] {
  const sorted = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { accounts: sorted(accounts), terms: sorted(terms) };
}

const ENTITY_RANK = new Map(ENTITY_ORDER.map((e, i) => [e, i]));
const ACTION_RANK = new Map(ACTIONS.map((a, i) => [a, i]));

/** Entity order, then key, then action; risk links follow their operations. */
function sortOperations(builder: PlanBuilder): Pick<Plan, 'operations' | 'risks'> {
  const operations = builder.operations.slice().sort((a, b) =>
    ENTITY_RANK.get(a.entity)! - ENTITY_RANK.get(b.entity)!
    || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    || ACTION_RANK.get(a.action)! - ACTION_RANK.get(b.action)!);
  // Risks are renumbered in the order their first operation appears, so the file is canonical.
  const order: number[] = [];
  const seen = new Set<number>();
  for (const op of operations) for (const r of op.risks ?? []) if (!seen.has(r)) { seen.add(r); order.push(r); }
  builder.risks.forEach((_, i) => { if (!seen.has(i)) order.push(i); });
  const renumber = new Map(order.map((old, i) => [old, i]));
  for (const op of operations) if (op.risks) op.risks = op.risks.map((r) => renumber.get(r)!).sort((a, b) => a - b);
  return { operations, risks: order.map((i) => builder.risks[i]!) };
}

/** What the planId is computed from: the whole plan except its inputs, counts and notes. */
export type PlanContent = Pick<Plan, 'operations' | 'risks' | 'verdict' | 'summary' | 'labels'>;

/**
 * sha256 over what apply sends and what a reviewer judges: each operation's effect (entity, action,
 * key, canvas id, the exact rows), what the comment says about it (changes, reason rule and text,
 * role, account, term, its risks), the risks in full, the verdict with its reasons, the summary and
 * the labels. Approving "create sst2" is not approving "create sst2, which now duplicates a
 * hand-made account", nor a plan shown as within guards that is blocked.
 *
 * Left out on purpose, because they move with every edit in Canvas or the SIS while the effect does
 * not (apply re-plans and goes on when the planId is unchanged): the input digests, the counts
 * (canvasTotal counts hand-made objects; what guards made of the counts is in the verdict), the
 * notes, and `reason.source` (the CSV line a row came from). plan-file.ts guards those with a
 * digest of the whole file.
 */
/** The access an operation takes away, in a fixed key order (cascade roles sorted), or null. */
function accessOf(op: Operation): unknown {
  const a = op.access;
  if (!a) return null;
  const cascaded = a.cascadedEnrollments ? Object.keys(a.cascadedEnrollments).sort().map((role) => [role, a.cascadedEnrollments![role]]) : null;
  return [a.effect, cascaded, a.afterTermEnd ?? false];
}

export function planIdOf(plan: PlanContent): string {
  const hash = createHash('sha256');
  // One update per megabyte rather than per operation: plans have millions of them.
  let chunk = '';
  for (const op of plan.operations) {
    const rows = op.rows.map((r) => [r.file, Object.keys(r.cells).sort().map((k) => [k, r.cells[k]])]);
    const changes = op.changes.map((c) => [c.field, c.before, c.after]);
    chunk += JSON.stringify([
      op.entity, op.action, op.key, op.canvasId, rows, op.risks ?? [],
      changes, [op.reason.rule, op.reason.text], op.role ?? null, op.account ?? null, op.term ?? null, accessOf(op),
    ]) + '\n';
    if (chunk.length >= 1 << 20) {
      hash.update(chunk);
      chunk = '';
    }
  }
  hash.update(chunk);
  for (const r of plan.risks) hash.update(JSON.stringify(['risk', r.kind, r.entity, r.keys, r.explanation, r.suggestedFix]) + '\n');
  hash.update(JSON.stringify(['verdict', plan.verdict.status, plan.verdict.reasons.map((r) => [r.guard, r.requires, r.message])]) + '\n');
  const summary = ENTITY_ORDER.map((e) => [e, ACTIONS.map((a) => plan.summary[e]?.[a] ?? 0)]);
  hash.update(JSON.stringify(['summary', summary]) + '\n');
  const sorted = (r: Record<string, string>) => Object.keys(r).sort().map((k) => [k, r[k]]);
  hash.update(JSON.stringify(['labels', sorted(plan.labels.accounts), sorted(plan.labels.terms)]) + '\n');
  return `sha256:${hash.digest('hex')}`;
}

export function summarise(operations: readonly Operation[]): Summary {
  const summary: Summary = {};
  for (const op of operations) {
    const perAction = (summary[op.entity] ??= {});
    perAction[op.action] = (perAction[op.action] ?? 0) + 1;
  }
  return summary;
}

function entityCounts(desired: DesiredState, desiredEnrollments: number, actual: CanvasState): Plan['counts'] {
  const counts: Plan['counts'] = {};
  const put = (entity: EntityName, desiredCount: number, records: { created_by_sis?: boolean; status: string }[]) => {
    let managed = 0;
    for (const r of records) if (r.created_by_sis && r.status !== 'deleted') managed++;
    counts[entity] = { desired: desiredCount, canvasManaged: managed, canvasTotal: records.length };
  };
  put('accounts', desired.accounts.length, actual.accounts);
  put('terms', desired.terms.length, actual.terms);
  put('courses', desired.courses.length, actual.courses);
  put('sections', desired.sections.length, actual.sections);
  put('users', desired.users.length, actual.users.filter((u) => u.user_id));
  const enrollments = enrollmentColumnsOf(actual);
  const live = enrollments.status.values.map((s) => s !== 'deleted');
  let managedEnrollments = 0;
  for (let i = 0; i < enrollments.count; i++) if (enrollments.createdBySis[i] === BY_SIS && live[enrollments.status.codes[i]!]) managedEnrollments++;
  counts.enrollments = { desired: desiredEnrollments, canvasManaged: managedEnrollments, canvasTotal: enrollments.count };
  return counts;
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.operations.length === 0;
}
