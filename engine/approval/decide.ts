/**
 * May this plan be applied? `ok` plans may; `blocked` plans never; `needs-approval` plans only with
 * an approval that names their planId, or one that names an earlier plan when what changed since is
 * itself within guards (the data moved between approval and merge; reference: DESIGN "Guards and
 * approval"). Pure: the evidence (records, reviews) is gathered by the caller.
 */
import { ExitCode, PlanRefusedError } from '../errors.js';
import type { Operation, Plan } from '../model/plan.js';
import { evaluateGuards } from '../plan/guards.js';
import type { Guards } from '../policy/types.js';
import type { Approval } from '../apply/apply.js';
import type { ApprovalRecord } from './records.js';
import type { ReviewApproval } from './reviews.js';

export interface ApprovalEvidence {
  records: ApprovalRecord[];
  reviews: ReviewApproval[];
}

const effect = (op: Operation) => JSON.stringify([op.entity, op.action, op.key, op.rows]);

/** Operations of `now` that the approved plan did not contain, with the verdict they get alone. */
export function changedSinceApproval(now: Plan, approved: Plan, guards: Guards): { changed: Operation[]; verdict: Plan['verdict'] } {
  const approvedEffects = new Set(approved.operations.map(effect));
  const changed = now.operations.filter((op) => !approvedEffects.has(effect(op)));
  const riskIds = new Set(changed.flatMap((op) => op.risks ?? []));
  const risks = now.risks.filter((_, i) => riskIds.has(i));
  return { changed, verdict: evaluateGuards(guards, changed, risks, now.counts) };
}

export function decideApproval(plan: Plan, evidence: ApprovalEvidence, guards: Guards, environment: string): Approval | null {
  if (plan.verdict.status !== 'needs-approval') return null;
  const records = evidence.records.filter((r) => r.environment === environment);
  const exact = records.find((r) => r.planId === plan.planId);
  if (exact) return { by: `approval record ${exact.file} (commit ${exact.commit.slice(0, 10)} by ${exact.author})`, planId: exact.planId };
  const reviewed = evidence.reviews.find((r) => r.planId === plan.planId && r.problem === null);
  if (reviewed) return { by: `pull request #${reviewed.pr}, approved by ${reviewed.approvers.join(', ')}`, planId: plan.planId };

  const problems: string[] = [];
  for (const r of records) {
    if (!r.plan) continue;
    const { changed, verdict } = changedSinceApproval(plan, r.plan, guards);
    if (verdict.status === 'ok') {
      return { by: `approval record ${r.file} (commit ${r.commit.slice(0, 10)} by ${r.author}), plus ${changed.length} routine change(s) within guards`, planId: r.planId };
    }
    problems.push(`${r.file} approved ${r.planId}; ${changed.length} operation(s) changed since, and they are not within guards (${verdict.reasons.map((x) => x.message).join('; ')})`);
  }
  const movedOn = evidence.reviews.find((r) => r.planId !== null && r.planId !== plan.planId && r.problem === null);
  if (movedOn) {
    throw new PlanRefusedError(
      'apply.approval-stale',
      `pull request #${movedOn.pr} approved plan ${movedOn.planId}, but the plan is now ${plan.planId}: Canvas or the SIS changed since approval and the new plan needs approval again`,
      'Review the new plan (rosterops sync opens an approval pull request for it) and approve that one.',
      ExitCode.stale,
    );
  }
  for (const r of evidence.reviews) if (r.problem) problems.push(r.problem);
  if (problems.length === 0) problems.push('no approval record or pull-request approval names this plan');
  throw new PlanRefusedError(
    'apply.needs-approval',
    `plan ${plan.planId} needs approval (${plan.verdict.reasons.map((r) => r.message).join('; ')}): ${problems.join('; ')}`,
    'Approve the pull request after its plan comment shows this planId, or merge the approval pull request that `rosterops sync` opens for it.',
    ExitCode.needsApproval,
  );
}
