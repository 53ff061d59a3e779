/**
 * `rosterops comment`: post a plan file on its pull request. One sticky comment set per
 * environment, a check run (or a commit status when checks are not allowed) carrying the verdict,
 * and the summary in the job summary. `--dry-run` wires a host that never writes.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, DataError, ExitCode, RemoteError } from '../../errors.js';
import { DryRunHost } from '../../github/dry-run.js';
import { GitHubHost, type EnvironmentOverrides } from '../../github/github.js';
import type { CheckConclusion, CommitState, PullRequestHost } from '../../github/scm.js';
import { upsertPlanComment, type StickyCommentResult } from '../../github/sticky-comment.js';
import type { Plan } from '../../model/plan.js';
import { readPlanFile } from '../../plan/plan-file.js';
import { isValidEnvironment } from '../../render/comment-marker.js';
import { planHeadline, renderPlanComment } from '../../render/markdown.js';
import { loadPolicies } from '../../policy/load.js';
import { registerSecret } from '../../util/redact.js';
import type { Output } from '../output.js';

export interface CommentFlags {
  plan: string;
  pr?: number;
  environment: string;
  repository?: string;
  showPersonalData?: boolean;
  /** Policy directory whose `showPersonalData` applies when the flag is not given. */
  config?: string;
  dryRun?: boolean;
  sha?: string;
  /** The login rosterops posts as (default: ROSTEROPS_COMMENT_AUTHOR, else asked of the API). */
  author?: string;
}

/** What the command reads from its surroundings; tests pass their own. */
export interface CommentContext {
  env: Record<string, string | undefined>;
  /** Octokit tuning (tests against the local fake turn pacing off and shrink delays). */
  github?: Pick<EnvironmentOverrides, 'pacing' | 'retryDelayUnitMs'>;
}

/** Flag help for the commander wiring in main.ts. */
export const commentFlagsHelp: readonly { flags: string; description: string }[] = [
  { flags: '--plan <file>', description: 'plan file written by `plan --out`' },
  { flags: '--environment <name>', description: 'environment the plan is for; each has its own sticky comment and check run' },
  { flags: '--pr <number>', description: 'pull request number (default: from GITHUB_EVENT_PATH)' },
  { flags: '--repository <owner/name>', description: 'repository (default: GITHUB_REPOSITORY)' },
  { flags: '--sha <commit>', description: 'commit for the check run (default: the pull request head, else GITHUB_SHA)' },
  { flags: '--show-personal-data', description: 'show names and e-mails in the comment (default: masked)' },
  { flags: '--dry-run', description: 'print the comment and what would be posted; write nothing' },
  { flags: '--author <login>', description: 'the account rosterops posts as, e.g. github-actions[bot] (default: ROSTEROPS_COMMENT_AUTHOR, else asked of GitHub); only its marked comments are edited' },
];

export const checkName = (environment: string): string => `rosterops plan (${environment})`;

/** ok → success, needs approval → action_required, blocked → failure; a plan without operations with an ok verdict is a success. */
export function checkConclusion(plan: Plan): CheckConclusion {
  switch (plan.verdict.status) {
    case 'blocked': return 'failure';
    case 'needs-approval': return 'action_required';
    default: return 'success';
  }
}

/** Commit statuses have no "action required": a plan waiting for approval is pending. */
export function commitState(plan: Plan): CommitState {
  switch (plan.verdict.status) {
    case 'blocked': return 'failure';
    case 'needs-approval': return 'pending';
    default: return 'success';
  }
}

interface EventInfo {
  pr?: number;
  headSha?: string;
}

/** The pull request number and head commit from the event payload GitHub Actions writes. */
async function readEvent(path: string | undefined): Promise<EventInfo> {
  if (!path) return {};
  let event: { pull_request?: { number?: unknown; head?: { sha?: unknown } }; issue?: { number?: unknown } };
  try {
    event = JSON.parse(await readFile(path, 'utf8')) as typeof event;
  } catch (err) {
    throw new DataError(
      'github.event-unreadable', `cannot read the GitHub event payload ${path}: ${(err as Error).message}`, { file: path },
      'GITHUB_EVENT_PATH should name the payload GitHub Actions writes; unset it and pass --pr instead.',
    );
  }
  const number = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
  const pr = number(event?.pull_request?.number) ?? number(event?.issue?.number);
  const sha = event?.pull_request?.head?.sha;
  return { ...(pr !== undefined ? { pr } : {}), ...(typeof sha === 'string' && sha ? { headSha: sha } : {}) };
}

interface Target {
  host: PullRequestHost;
  appendStepSummary(text: string): Promise<void>;
}

/** The one place that decides whether anything is written. */
function wireTarget(output: Output, flags: CommentFlags, context: CommentContext, pr: number | undefined, repository: string | undefined): Target {
  const { env } = context;
  const overrides: EnvironmentOverrides = {
    ...context.github, ...(repository ? { repository } : {}), ...(flags.author ? { commentAuthor: flags.author } : {}),
    warn: (m) => output.err(`warning: ${m}\n`),
  };
  if (flags.dryRun) {
    const reads = env.GITHUB_TOKEN && repository && pr !== undefined ? GitHubHost.fromEnvironment(env, overrides) : null;
    const say = (line: string) => output.err(`dry run: ${line}\n`);
    return {
      host: new DryRunHost(reads, say, repository),
      appendStepSummary: async (text) => { if (env.GITHUB_STEP_SUMMARY) say(`would append ${text.length} characters to GITHUB_STEP_SUMMARY`); },
    };
  }
  if (pr === undefined) {
    throw new ConfigError('github.pr-missing', 'no pull request to comment on', {}, 'Run inside a pull_request workflow (GITHUB_EVENT_PATH) or pass --pr.');
  }
  const host = GitHubHost.fromEnvironment(env, overrides);
  return {
    host,
    appendStepSummary: async (text) => { if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${text}\n`); },
  };
}

export async function commentCommand(output: Output, flags: CommentFlags, context: CommentContext = { env: process.env }): Promise<number> {
  const { env } = context;
  registerSecret(env.GITHUB_TOKEN);
  if (!isValidEnvironment(flags.environment)) {
    throw new ConfigError('comment.environment-invalid', `environment ${JSON.stringify(flags.environment)} is not a plain name`, {}, 'Use letters, digits, `_`, `.` and `-`, e.g. --environment production.');
  }
  const plan = await readPlanFile(resolve(flags.plan));
  const event = await readEvent(env.GITHUB_EVENT_PATH);
  const pr = flags.pr ?? event.pr;
  const repository = flags.repository ?? (env.GITHUB_REPOSITORY || undefined);
  const { host, appendStepSummary } = wireTarget(output, flags, context, pr, repository);

  // The head commit, so the check shows on the pull request (GITHUB_SHA is a merge commit there).
  const prHead = flags.sha ?? event.headSha ?? (pr !== undefined ? (await host.getPullRequest(pr)).head.sha || undefined : undefined);
  const sha = prHead ?? (env.GITHUB_SHA || undefined);
  const parts = renderPlanComment(plan, {
    environment: flags.environment, showPersonalData: flags.showPersonalData ?? await policyShowsPersonalData(flags.config),
    ...(sha ? { commit: sha } : {}), ...(repository ? { repository } : {}),
  });
  if (flags.dryRun) {
    parts.forEach((part, i) => output.err(`dry run: part ${i + 1}/${parts.length}, ${part.length} characters\n`));
    output.out(parts.join('\n'));
  }
  await appendStepSummary(parts[0]!);
  if (pr === undefined) {
    output.err('dry run: no pull request (pass --pr or set GITHUB_EVENT_PATH): nothing would be posted\n');
    return ExitCode.ok;
  }

  const sticky = await upsertPlanComment(host, pr, flags.environment, parts);
  reportSticky(output, host.repository, pr, sticky, flags.dryRun ?? false);
  if (!sha) {
    output.err('warning: no commit to attach a check run to (pass --sha or set GITHUB_SHA)\n');
    return ExitCode.ok;
  }
  await publishVerdict(output, host, plan, { environment: flags.environment, sha, summary: parts[0]!, commentUrl: sticky.parts[0]?.url ?? '', dryRun: flags.dryRun ?? false });
  return ExitCode.ok;
}

function reportSticky(output: Output, repository: string, pr: number, result: StickyCommentResult, dryRun: boolean): void {
  // Count only: another account's comment (its author, its text) is not ours to repeat in a log.
  if (result.ignored > 0) output.err(`warning: ${result.ignored} comment(s) on #${pr} carry a rosterops plan marker but were written by another account; left alone, and they count for nothing\n`);
  if (dryRun) return; // the dry-run host has said what it would do
  const outcomes = result.parts.map((p) => `part ${p.part} ${p.outcome}`).join(', ');
  const deleted = result.deleted.length > 0 ? `; deleted ${result.deleted.length} old comment(s)` : '';
  output.out(`plan comment on ${repository}#${pr}: ${outcomes}${deleted}\n`);
  if (result.parts[0]?.url) output.out(`${result.parts[0].url}\n`);
}

/**
 * A check run shows the verdict best; tokens without `checks: write` (forks, restricted
 * workflows) are refused with 403, and then a commit status carries it instead.
 */
async function publishVerdict(
  output: Output, host: PullRequestHost, plan: Plan,
  at: { environment: string; sha: string; summary: string; commentUrl: string; dryRun: boolean },
): Promise<void> {
  const name = checkName(at.environment);
  const title = planHeadline(plan);
  const link = at.commentUrl ? { detailsUrl: at.commentUrl } : {};
  try {
    await host.createCheckRun({ name, headSha: at.sha, conclusion: checkConclusion(plan), title, summary: at.summary, ...link });
    if (!at.dryRun) output.out(`check run "${name}": ${checkConclusion(plan)}\n`);
  } catch (err) {
    if (!(err instanceof RemoteError) || err.status !== 403) throw err;
    output.err(`warning: the token may not create check runs (${err.message}); setting a commit status instead\n`);
    await host.setCommitStatus({ sha: at.sha, state: commitState(plan), context: name, description: title, ...(at.commentUrl ? { targetUrl: at.commentUrl } : {}) });
    output.out(`commit status "${name}": ${commitState(plan)}\n`);
  }
}

/** The policy switch for private repositories; any doubt (no policies, invalid policies) masks. */
async function policyShowsPersonalData(dir: string | undefined): Promise<boolean> {
  if (!dir) return false;
  try {
    return (await loadPolicies(resolve(dir))).config.showPersonalData;
  } catch {
    return false;
  }
}
