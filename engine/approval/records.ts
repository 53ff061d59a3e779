/**
 * Approval records: a file under policies/approvals/ that names one planId. Merging it (through a
 * reviewed pull request) approves exactly that plan; the git history is the audit trail, so a
 * record counts only once it is committed. The approved plan travels beside it, so apply can tell
 * what changed since approval.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { simpleGit } from 'simple-git';
import { parse, stringify, YAMLError } from 'yaml';
import { DataError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { readPlanFile, serialisePlan } from '../plan/plan-file.js';

export const APPROVALS_DIR = 'approvals';

export interface ApprovalRecord {
  planId: string;
  environment: string;
  file: string;
  /** The commit that added the record, and its author (from git). */
  commit: string;
  author: string;
  /** The approved plan, when it was committed beside the record. */
  plan: Plan | null;
}

/** `sha256:0123456789abcdef…` → `0123456789ab`: short, unique enough, safe in file and branch names. */
export function planIdPrefix(planId: string): string {
  return planId.replace(/^sha256:/, '').slice(0, 12);
}

export function recordPaths(policyDir: string, planId: string): { record: string; plan: string } {
  const base = join(policyDir, APPROVALS_DIR, planIdPrefix(planId));
  return { record: `${base}.yaml`, plan: `${base}.plan.json` };
}

export async function writeApprovalRecord(policyDir: string, plan: Plan, environment: string): Promise<{ record: string; plan: string }> {
  const paths = recordPaths(policyDir, plan.planId);
  await mkdir(join(policyDir, APPROVALS_DIR), { recursive: true });
  const body = {
    planId: plan.planId,
    environment,
    verdict: plan.verdict.status,
    reasons: plan.verdict.reasons.map((r) => `${r.guard}: ${r.message}`),
    summary: plan.summary,
  };
  await writeFile(paths.record, `# rosterops approval record: merging this file approves exactly plan ${plan.planId}\n# for ${environment}. The plan itself is in ${planIdPrefix(plan.planId)}.plan.json.\n${stringify(body)}`);
  await writeFile(paths.plan, serialisePlan(plan));
  return paths;
}

/** Committed records only: a record that exists in the work tree but not in HEAD approves nothing. */
export async function readApprovalRecords(policyDir: string): Promise<ApprovalRecord[]> {
  const dir = join(policyDir, APPROVALS_DIR);
  if (!existsSync(dir)) return [];
  const git = simpleGit(policyDir);
  let top: string;
  try {
    top = (await git.revparse(['--show-toplevel'])).trim();
  } catch {
    return [];
  }
  const out: ApprovalRecord[] = [];
  for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = join(dir, name);
    const rel = relative(top, file);
    // Absolute pathspecs: git runs in the policy directory, not at the top of the work tree.
    const log = (await git.raw(['log', '-1', '--format=%H%x09%an <%ae>', '--', file]).catch(() => '')).trim();
    const dirty = (await git.raw(['status', '--porcelain', '--', file]).catch(() => '')).trim();
    if (!log || dirty) continue;
    const [commit = '', author = ''] = log.split('\t');
    const doc = parseRecord(await readFile(file, 'utf8'), rel);
    if (!doc || typeof doc.planId !== 'string') {
      throw new DataError('approval.malformed', `${rel} is not an approval record (no planId)`, { file: rel }, 'Approval records are written by `rosterops sync`; restore the file from its pull request.');
    }
    out.push({
      planId: doc.planId, environment: typeof doc.environment === 'string' ? doc.environment : 'production', file: rel, commit, author,
      plan: await readApprovedPlan(file.replace(/\.ya?ml$/, '.plan.json'), doc.planId),
    });
  }
  return out;
}

/** A record's YAML; a file that is not YAML is a located error, like one without a planId. */
function parseRecord(text: string, rel: string): { planId?: unknown; environment?: unknown } | null {
  try {
    return parse(text) as { planId?: unknown; environment?: unknown } | null;
  } catch (err) {
    const line = err instanceof YAMLError ? err.linePos?.[0]?.line : undefined;
    throw new DataError('approval.malformed', `${rel} is not an approval record: ${(err as Error).message.split('\n')[0]}`, { file: rel, line },
      'Approval records are written by `rosterops sync`; restore the file from its pull request.', { cause: err });
  }
}

async function readApprovedPlan(path: string, planId: string): Promise<Plan | null> {
  if (!existsSync(path)) return null;
  // The record names the plan; a plan file that is edited, malformed or of another plan is not it.
  try {
    const plan = await readPlanFile(path);
    return plan.planId === planId ? plan : null;
  } catch (err) {
    if (err instanceof DataError) return null;
    throw err;
  }
}
