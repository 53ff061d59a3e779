/** `rosterops apply --plan plan.json`. */
import { dirname, join, resolve } from 'node:path';
import { applyPlan, checkVerdict, type ApplyRecord, type Approval } from '../../apply/apply.js';
import { writeFileAtomic } from '../../apply/atomic-file.js';
import { journalPathFor } from '../../apply/journal.js';
import { applyTiming } from '../../apply/timing.js';
import { decideApproval } from '../../approval/decide.js';
import { readApprovalRecords } from '../../approval/records.js';
import { approvalsOnPullRequest, type ReviewApproval } from '../../approval/reviews.js';
import { GitHubHost } from '../../github/github.js';
import type { Plan } from '../../model/plan.js';
import type { Config } from '../../policy/types.js';
import { connectCanvas } from '../../canvas/live.js';
import { ExitCode, PlanRefusedError } from '../../errors.js';
import { readPlanFile } from '../../plan/plan-file.js';
import type { Output } from '../output.js';
import { canvasSourceFor, describeCanvasSource } from '../canvas-source.js';
import { loadConfig, progressPrinter, sisReader, type SourceFlags } from './plan.js';

export interface ApplyFlags extends SourceFlags {
  plan: string;
  allowNeedsApproval?: boolean;
  record?: string;
  verbose?: boolean;
  /** Look for approvals on GitHub: reviews on --pr, or on the pull requests of --sha / GITHUB_SHA. */
  github?: boolean;
  pr?: number;
  sha?: string;
  environment: string;
}

/** Evidence for a plan outside guards: committed approval records, and reviews bound to its planId. */
async function gatherApproval(flags: ApplyFlags, plan: Plan, config: Config, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<Approval | null> {
  if (plan.verdict.status !== 'needs-approval') return null;
  if (flags.allowNeedsApproval) {
    log(`WARNING: applying a plan that needs approval because --allow-needs-approval was given (recorded in the apply record)`);
    return { by: '--allow-needs-approval', planId: plan.planId };
  }
  const records = await readApprovalRecords(config.dir);
  const reviews: ReviewApproval[] = [];
  if (flags.github) {
    const host = GitHubHost.fromEnvironment(env);
    const sha = flags.sha ?? env.GITHUB_SHA;
    const prs = flags.pr ? [flags.pr] : sha ? (await host.pullRequestsForCommit(sha)).map((p) => p.number) : [];
    if (prs.length === 0) log('no pull request found for this commit: only approval records can approve this plan');
    for (const pr of prs) reviews.push(await approvalsOnPullRequest(host, pr, flags.environment, config.guards.approvals));
    try {
      return decideApproval(plan, { records, reviews }, config.guards, flags.environment);
    } catch (err) {
      // The data moved after approval: say so where the reviewers are, then refuse.
      if (err instanceof PlanRefusedError && err.code === 'apply.approval-stale') {
        for (const r of reviews.filter((x) => x.planId && x.planId !== plan.planId)) {
          await host.createComment(r.pr, staleApprovalComment(r.planId!, plan));
        }
      }
      throw err;
    }
  }
  return decideApproval(plan, { records, reviews }, config.guards, flags.environment);
}

function staleApprovalComment(approved: string, plan: Plan): string {
  const counts = Object.entries(plan.summary).map(([entity, actions]) =>
    `${entity}: ${Object.entries(actions ?? {}).map(([a, n]) => `${n} ${a}`).join(', ')}`).join('; ');
  return [
    `⚠️ **rosterops apply stopped: the plan changed since it was approved.**`,
    '',
    `Approved: \`${approved}\`  `,
    `Now: \`${plan.planId}\` (${counts || 'no operations'})`,
    '',
    'Canvas or the SIS changed between approval and merge, and the difference is not within guards. Nothing was applied. Re-run the plan (or wait for the nightly sync\'s approval pull request) and approve the new planId.',
  ].join('\n');
}

export async function applyCommand(output: Output, flags: ApplyFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const planPath = resolve(flags.plan);
  const plan = await readPlanFile(planPath);
  const config = await loadConfig(output, flags.config, flags.verbose);
  const log = (line: string) => output.err(`${line}\n`);
  // Early refusal of a plan that says it is blocked; the verdict that lets a plan through is the
  // one applyPlan computes from its own re-plan, never this one.
  checkVerdict(plan, { by: 'pending', planId: plan.planId });
  const granted = await gatherApproval(flags, plan, config, env, log);
  // Apply reads the Canvas it writes to: always live (canvas-source.ts), whatever the plan was made from.
  const source = canvasSourceFor('apply', config, flags);
  const canvas = connectCanvas(config, { url: source.url, env, log, onProgress: progressPrinter(output) });
  const plannedFrom = plan.inputs.sources?.canvas;
  if (plannedFrom !== undefined && plannedFrom.startsWith('snapshot ')) {
    log(`${flags.plan} was planned from a Canvas ${plannedFrom}; apply plans again from ${describeCanvasSource(source)} and goes on only if that plan is the same (same planId)`);
  }
  const recordPath = resolve(flags.record ?? join(dirname(planPath), 'apply-record.json'));
  const record = await applyPlan({
    plan, config, sis: sisReader(config, flags), canvas, log, ...(granted ? { approval: granted } : {}),
    paths: { record: recordPath, journal: journalPathFor(recordPath) }, timing: applyTiming(canvas, env),
  });
  await writeFileAtomic(recordPath, JSON.stringify(record, null, 2) + '\n');
  output.out(renderRecord(record));
  output.err(`apply record written to ${recordPath}\n`);
  return record.converged ? ExitCode.ok : ExitCode.notConverged;
}

function renderRecord(r: ApplyRecord): string {
  const lines: string[] = [];
  if (r.outcome === 'already-applied') lines.push(`Already applied: Canvas already matches plan ${r.planId} (a new plan is empty); this run sent nothing.`);
  else if (r.imports.length === 0) return `Nothing to apply: plan ${r.planId} is empty.\n`;
  for (const imp of r.imports) {
    lines.push(`Import ${imp.id ?? '(none)'}: ${imp.workflowState} (${imp.rows} rows sent)`);
    const counts = Object.entries(imp.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    if (counts.length) lines.push(`  counts: ${counts.join(', ')}`);
  }
  for (const m of r.messages.slice(0, 50)) {
    lines.push(`  ${m.severity}: ${m.file ?? '(import)'}${m.row ? `:${m.row}` : ''} ${m.message}${m.operations.length ? ` → ${m.operations.join(', ')}` : ''}`);
  }
  if (r.messages.length > 50) lines.push(`  … and ${r.messages.length - 50} more messages (see the apply record)`);
  if (r.converged) lines.push('Converged: a new plan is empty.');
  else {
    lines.push(`Not converged: ${r.remaining.length} operation(s) remain.`);
    for (const x of r.remaining.slice(0, 50)) lines.push(`  ${x.entity} ${x.action} ${x.key}: ${x.why}`);
  }
  return lines.join('\n') + '\n';
}
