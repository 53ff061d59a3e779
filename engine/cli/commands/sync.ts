/**
 * `rosterops sync` (nightly): plan against live data; apply when the plan is within guards;
 * otherwise open (or update) an approval pull request carrying the plan and an approval record to
 * merge. It never applies a plan outside guards on its own.
 */
import { join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { applyPlan } from '../../apply/apply.js';
import { writeFileAtomic } from '../../apply/atomic-file.js';
import { journalPathFor } from '../../apply/journal.js';
import { applyTiming } from '../../apply/timing.js';
import { decideApproval } from '../../approval/decide.js';
import { planIdPrefix, readApprovalRecords, writeApprovalRecord } from '../../approval/records.js';
import { connectCanvas } from '../../canvas/live.js';
import { ExitCode, PlanRefusedError } from '../../errors.js';
import { GitHubHost } from '../../github/github.js';
import type { PullRequestHost } from '../../github/scm.js';
import type { Plan } from '../../model/plan.js';
import { planAgainstCanvas, prepareSisSide } from '../../pipeline.js';
import type { Config } from '../../policy/types.js';
import { renderPlanComment } from '../../render/markdown.js';
import type { Output } from '../output.js';
import { canvasSourceFor } from '../canvas-source.js';
import { describedSources, loadConfig, progressPrinter, sisReader, withSourceNames, type SourceFlags } from './plan.js';
import { noteSideEffect } from '../../util/side-effects.js';

export interface SyncFlags extends SourceFlags {
  environment: string;
  base: string;
  remote: string;
  record?: string;
  verbose?: boolean;
}

export interface SyncContext {
  env: NodeJS.ProcessEnv;
  /** Tests inject a host bound to the GitHub fake; production builds one from the environment. */
  host?: PullRequestHost;
}

export async function syncCommand(output: Output, flags: SyncFlags, context: SyncContext = { env: process.env }): Promise<number> {
  const config = await loadConfig(output, flags.config, flags.verbose);
  const log = (line: string) => output.err(`${line}\n`);
  // Sync plans and applies: it reads the Canvas it writes to, always live (canvas-source.ts).
  const source = canvasSourceFor('sync', config, flags);
  const canvas = connectCanvas(config, { url: source.url, env: context.env, log, onProgress: progressPrinter(output) });
  const described = describedSources(config, flags, source, { readSis: sisReader(config, flags), readCanvas: () => canvas.readState() });
  const sis = described.readSis;
  // Read once: the plan and, when it goes, apply's staleness and convergence checks use this SIS side.
  const sisSide = await prepareSisSide(config, sis, null);
  const plan = withSourceNames((await planAgainstCanvas(config, sisSide, described.readCanvas)).plan, described.names());
  output.out(`plan ${plan.planId}: ${plan.operations.length} operation(s), verdict ${plan.verdict.status}\n`);
  if (plan.operations.length === 0) {
    output.out('Nothing to do: Canvas matches the SIS.\n');
    return ExitCode.ok;
  }

  // A merged approval record for exactly this plan (or an earlier one, if what changed is routine) lets it go.
  const approval = plan.verdict.status === 'needs-approval'
    ? await tryApproval(plan, config, flags.environment)
    : null;
  if (plan.verdict.status === 'ok' || approval) {
    // The same journal and record as `apply`: a stopped sync is picked up by the next one (or by apply --plan).
    const path = resolve(flags.record ?? 'apply-record.json');
    const record = await applyPlan({
      plan, config, sis, sisSide, canvas, log, ...(approval ? { approval } : {}),
      paths: { record: path, journal: journalPathFor(path) }, timing: applyTiming(canvas, context.env),
    });
    await writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n');
    output.out(record.converged ? 'Applied; a new plan is empty.\n' : `Applied, but ${record.remaining.length} operation(s) did not converge (see ${path}).\n`);
    return record.converged ? ExitCode.ok : ExitCode.notConverged;
  }

  const host = context.host ?? GitHubHost.fromEnvironment(context.env);
  const pr = await openApprovalPullRequest(host, plan, config, flags, log);
  output.out(`Outside guards (${plan.verdict.status}): nothing applied. Approval pull request: ${pr.url}\n`);
  return ExitCode.needsApproval;
}

/** The committed approval record that lets this plan go, or null (then sync asks for one). A broken record is an error, not "no approval". */
async function tryApproval(plan: Plan, config: Config, environment: string) {
  const records = await readApprovalRecords(config.dir);
  try {
    return decideApproval(plan, { records, reviews: [] }, config.guards, environment);
  } catch (err) {
    if (err instanceof PlanRefusedError) return null;
    throw err;
  }
}

/** Branch `rosterops/approve-<planId prefix>` with the record and the plan; one pull request per plan, updated in place. */
async function openApprovalPullRequest(host: PullRequestHost, plan: Plan, config: Config, flags: SyncFlags, log: (l: string) => void) {
  const git = simpleGit(config.dir);
  const branch = `rosterops/approve-${planIdPrefix(plan.planId)}`;
  const original = (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
  await git.checkout(['-B', branch]);
  try {
    const paths = await writeApprovalRecord(config.dir, plan, flags.environment);
    await git.add([paths.record, paths.plan]);
    const staged = (await git.diff(['--cached', '--name-only'])).trim();
    if (staged) await git.commit(`rosterops: approve plan ${planIdPrefix(plan.planId)} for ${flags.environment}\n\n${plan.verdict.reasons.map((r) => `- ${r.message}`).join('\n')}`);
    await git.push(['--force', flags.remote, `${branch}:${branch}`]);
    noteSideEffect(`git: pushed ${branch} to ${flags.remote}`);
    log(`pushed ${branch} to ${flags.remote}`);
  } finally {
    await git.checkout(original);
  }
  const [comment] = renderPlanComment(plan, { environment: flags.environment, showPersonalData: config.showPersonalData });
  const title = `rosterops: ${plan.verdict.status === 'blocked' ? 'BLOCKED plan' : 'approve plan'} ${planIdPrefix(plan.planId)} (${flags.environment})`;
  const body = `${plan.verdict.status === 'blocked'
    ? '**This plan is blocked by guards and will not be applied even if merged.** Fix the cause (e.g. a truncated SIS export) and the next sync plans again.'
    : `Merging this pull request approves exactly plan \`${plan.planId}\` (file \`${join('policies', 'approvals', planIdPrefix(plan.planId))}.yaml\`); the next apply sends it, or what is left of it if the rest is routine.`}\n\n${comment}`;
  const existing = await host.findOpenPullRequest(branch, flags.base);
  if (existing) return host.updatePullRequest(existing.number, { title, body });
  return host.createPullRequest({ head: branch, base: flags.base, title, body });
}
