/**
 * Approvals on the pull request, bound to a planId: an approving review counts only if it was
 * submitted after the plan comment last changed to show that planId, by a reviewer the guards
 * policy allows; a later "changes requested" or dismissal by the same reviewer withdraws it.
 *
 * The plan comment is rosterops's own: marker for this environment AND written by the account
 * rosterops posts as. A look-alike from anyone else names no planId and moves no clock.
 */
import { isOwnPlanComment } from '../github/sticky-comment.js';
import type { PullRequestHost } from '../github/scm.js';
import type { Guards } from '../policy/types.js';

export interface ReviewApproval {
  /** planId shown by the plan comment the approvals refer to (null: no plan comment found). */
  planId: string | null;
  approvers: string[];
  required: number;
  pr: number;
  /** Why it does not count, when it does not. */
  problem: string | null;
}

const PLAN_ID = /sha256:[0-9a-f]{64}/;

export async function approvalsOnPullRequest(
  host: PullRequestHost, pr: number, environment: string, approvals: Guards['approvals'],
): Promise<ReviewApproval> {
  const identity = await host.identity();
  const own = (await host.listComments(pr)).filter((c) => isOwnPlanComment(c, environment, identity));
  // The footer with the planId is in the last part; every part is edited together.
  const shown = own.map((c) => ({ c, id: PLAN_ID.exec(c.body)?.[0] ?? null })).filter((x) => x.id !== null);
  const result: ReviewApproval = { planId: null, approvers: [], required: approvals.required, pr, problem: null };
  if (shown.length === 0) return { ...result, problem: `pull request #${pr} has no rosterops plan comment for ${environment} (by ${identity})` };
  const latest = shown.reduce((a, b) => (a.c.updatedAt >= b.c.updatedAt ? a : b));
  result.planId = latest.id;
  const since = latest.c.updatedAt;
  const allowed = approvals.reviewers.length > 0 ? new Set(approvals.reviewers.map((r) => r.toLowerCase())) : null;
  const lastWord = new Map<string, string>();
  for (const r of await host.listReviews(pr)) {
    if (!r.submittedAt || r.submittedAt < since) continue;
    if (r.state === 'COMMENTED' || r.state === 'PENDING') continue;
    lastWord.set(r.author.toLowerCase(), r.state);
  }
  for (const [author, state] of lastWord) {
    if (state === 'APPROVED' && (!allowed || allowed.has(author))) result.approvers.push(author);
  }
  result.approvers.sort();
  if (result.approvers.length < approvals.required) {
    result.problem = `pull request #${pr} has ${result.approvers.length} approving review(s) given after the plan comment showed ${latest.id} (${approvals.required} required${allowed ? ` from ${[...allowed].join(', ')}` : ''})`;
  }
  return result;
}
