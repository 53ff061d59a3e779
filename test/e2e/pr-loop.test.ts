/**
 * The GitOps loop end to end: a pull request's plan is commented (created, then updated, never
 * duplicated), reviewers approve the planId it shows, and apply — the real CLI, against the Canvas
 * emulator and the GitHub fake — sends exactly that plan. Stale, forged and insufficient approvals
 * are refused; the nightly sync opens an approval pull request (real git) whose merge lets the plan go.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentCommand } from '../../engine/cli/commands/comment.js';
import { syncCommand } from '../../engine/cli/commands/sync.js';
import type { Output } from '../../engine/cli/output.js';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { GitHubHost } from '../../engine/github/github.js';
import { GitHubFake, hexSha } from '../support/github-fake.js';
import { makeWorkspace, POLICIES, runCliAsync, type Workspace } from '../support/workspace.js';

const CANVAS_TOKEN = 'emulator-token-9d8c7b6a5f';
const GITHUB_TOKEN = 'ghs_fake_token_0123456789';
const REPO = 'district/rosters';
const PR = 7;

let canvas: CanvasEmulator;
let github: GitHubFake;
let ws: Workspace;

const quiet = (): Output & { text: string } => {
  const o = { text: '', isTTY: false, color: false, out: (t: string) => { o.text += t; }, err: (t: string) => { o.text += t; } };
  return o;
};

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { CANVAS_TOKEN, GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO, GITHUB_SHA: hexSha(PR * 7919), ...extra };
}

async function adminCreateUser(name: string, login: string, email: string): Promise<void> {
  const res = await fetch(`${canvas.url}/api/v1/accounts/1/users`, {
    method: 'POST', headers: { Authorization: `Bearer ${CANVAS_TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'user[name]': name, 'pseudonym[unique_id]': login, 'communication_channel[address]': email }),
  });
  expect(res.status).toBe(200);
}

async function plan(file = 'plan.json') {
  const r = await runCliAsync(['plan', '--config', ws.policies, '--canvas-url', canvas.url, '--out', join(ws.dir, file), '--detailed-exitcode'], { env: env() });
  return { ...r, file: join(ws.dir, file) };
}

async function comment(file: string, config?: string): Promise<void> {
  const code = await commentCommand(quiet(), { plan: file, pr: PR, environment: 'production', ...(config ? { config } : {}) }, { env: env(), github: { pacing: 'none', retryDelayUnitMs: 1 } });
  expect(code).toBe(0);
}

const apply = (file: string, extra: string[] = []) =>
  runCliAsync(['apply', '--plan', file, '--config', ws.policies, '--canvas-url', canvas.url, '--github', '--pr', String(PR), ...extra], { env: env() });

const sisImportCount = () => canvas.dump().emulator.sisImports.length;

beforeEach(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago' });
  github = await GitHubFake.start();
  github.seedPull(REPO, { number: PR, title: 'Sync North High', head: { ref: 'north-high', sha: hexSha(PR * 7919) } });
  ws = await makeWorkspace();
  // A hand-made account matching an SIS student: a duplicate risk, so the plan needs approval.
  ws.write('policies/main.yaml', `${POLICIES['main.yaml']!.replace('manual: adopt', 'manual: flag')}apply: { pollIntervalSeconds: 0.05 }\nguards:\n  approvals: { required: 1, reviewers: [alice] }\n`);
  await adminCreateUser('Ana Diaz', 'adiaz', 'ana.diaz@k12.example.org');
});

afterEach(async () => {
  await canvas.close();
  await github.close();
});

describe('pull-request loop', () => {
  it('comments once and updates in place, refuses without approval, applies after an approval bound to the planId', async () => {
    const first = await plan();
    expect(first.code).toBe(3);
    await comment(first.file);
    await comment((await plan('plan2.json')).file);
    expect(github.commentsOn(REPO, PR)).toHaveLength(1);
    const planId = JSON.parse(readFileSync(first.file, 'utf8')).planId as string;
    expect(github.commentsOn(REPO, PR)[0]!.body).toContain(planId);

    const unapproved = await apply(first.file);
    expect(unapproved.code, unapproved.stderr).toBe(3);
    expect(unapproved.stderr).toMatch(/0 approving review/);

    github.seedReview(REPO, PR, { state: 'APPROVED', user: { login: 'mallory', id: 66, type: 'User' } });
    const wrongReviewer = await apply(first.file);
    expect(wrongReviewer.code).toBe(3);
    expect(sisImportCount()).toBe(0);

    github.seedReview(REPO, PR, { state: 'APPROVED', user: { login: 'alice', id: 67, type: 'User' } });
    const approved = await apply(first.file);
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    expect(approved.stderr).toMatch(/approved by alice/);
    expect(JSON.parse(readFileSync(join(ws.dir, 'apply-record.json'), 'utf8')).approval.planId).toBe(planId);
  });

  it('an approval given before the comment showed this planId does not count (forged or stale review)', async () => {
    github.seedReview(REPO, PR, { state: 'APPROVED', user: { login: 'alice', id: 67, type: 'User' } });
    const p = await plan();
    await comment(p.file);
    const r = await apply(p.file);
    expect(r.code).toBe(3);
    expect(sisImportCount()).toBe(0);
  });

  it('a later "changes requested" by the same reviewer withdraws the approval', async () => {
    const p = await plan();
    await comment(p.file);
    github.seedReview(REPO, PR, { state: 'APPROVED', user: { login: 'alice', id: 67, type: 'User' } });
    github.seedReview(REPO, PR, { state: 'CHANGES_REQUESTED', user: { login: 'alice', id: 67, type: 'User' } });
    expect((await apply(p.file)).code).toBe(3);
  });

  it('refuses an approval of a plan that no longer matches: the data moved after approval', async () => {
    const p = await plan();
    await comment(p.file);
    github.seedReview(REPO, PR, { state: 'APPROVED', user: { login: 'alice', id: 67, type: 'User' } });
    await adminCreateUser('Bo Chen', 'bchen', 'bo.chen@k12.example.org');
    const now = await plan('after.json');
    const r = await apply(now.file);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/approved plan sha256:[0-9a-f]+, but the plan is now/);
    expect(sisImportCount()).toBe(0);
    // The reviewers are told on the pull request what happened.
    expect(github.commentsOn(REPO, PR).some((c) => c.body.includes('the plan changed since it was approved'))).toBe(true);
  });

  it('never sends names or e-mails to GitHub (masked by default)', async () => {
    await comment((await plan()).file);
    const sent = github.receivedBodies().join('\n');
    for (const personal of ['Ana Diaz', 'ana.diaz@', 'adiaz', 'Bo Chen', 'cy.park']) expect(sent).not.toContain(personal);
    expect(sent).not.toContain(CANVAS_TOKEN);
  });

  it('shows names only where the policy says the repository is private (showPersonalData: true)', async () => {
    const p = await plan();
    await comment(p.file, ws.policies);
    expect(github.commentsOn(REPO, PR)[0]!.body).not.toContain('Ana Diaz');
    ws.write('policies/main.yaml', `${readFileSync(join(ws.policies, 'main.yaml'), 'utf8')}showPersonalData: true\n`);
    await comment(p.file, ws.policies);
    expect(github.commentsOn(REPO, PR)[0]!.body).toContain('Ana Diaz');
  });

  it('nightly sync: outside guards it opens an approval pull request (real git); merging the record lets apply go', async () => {
    const origin = join(ws.dir, 'origin.git');
    await simpleGit().init(true, [origin]);
    const git = simpleGit(ws.dir);
    await git.init(['-b', 'main']);
    await git.addConfig('user.email', 'admin@district.example').addConfig('user.name', 'District Admin');
    await git.add(['policies', 'sis', 'canvas']).commit('policies');
    await git.addRemote('origin', origin).push('origin', 'main');

    const host = GitHubHost.fromEnvironment(env(), { pacing: 'none', retryDelayUnitMs: 1 });
    const out = quiet();
    const code = await syncCommand(out, { config: ws.policies, canvasUrl: canvas.url, environment: 'production', base: 'main', remote: 'origin', record: join(ws.dir, 'r.json') }, { env: env(), host });
    expect(code, out.text).toBe(3);
    expect(sisImportCount()).toBe(0);
    const pulls = github.state.pulls.filter((p) => p.head.ref.startsWith('rosterops/approve-'));
    expect(pulls).toHaveLength(1);
    const branch = pulls[0]!.head.ref;
    expect(await simpleGit(origin).raw(['ls-tree', '-r', '--name-only', branch])).toMatch(/policies\/approvals\/[0-9a-f]{12}\.yaml/);
    // Running again updates the same pull request instead of opening another.
    expect(await syncCommand(quiet(), { config: ws.policies, canvasUrl: canvas.url, environment: 'production', base: 'main', remote: 'origin' }, { env: env(), host })).toBe(3);
    expect(github.state.pulls.filter((p) => p.head.ref === branch)).toHaveLength(1);

    // A reviewer merges the approval pull request.
    await git.fetch('origin', branch).merge([`origin/${branch}`]);
    const after = await syncCommand(out, { config: ws.policies, canvasUrl: canvas.url, environment: 'production', base: 'main', remote: 'origin', record: join(ws.dir, 'r.json') }, { env: env(), host });
    expect(after, out.text).toBe(0);
    expect(sisImportCount()).toBe(1);
    expect(JSON.parse(readFileSync(join(ws.dir, 'r.json'), 'utf8')).approval.by).toMatch(/approval record policies\/approvals\//);
  });

  it('nightly sync: a committed approval record that is not YAML is an error naming the file, not "no approval"', async () => {
    const git = simpleGit(ws.dir);
    await git.init(['-b', 'main']);
    await git.addConfig('user.email', 'admin@district.example').addConfig('user.name', 'District Admin');
    mkdirSync(join(ws.dir, 'policies/approvals'));
    ws.write('policies/approvals/0123456789ab.yaml', 'planId: [sha256:0123\n');
    await git.add(['policies', 'sis', 'canvas']).commit('policies with a broken record');
    const host = GitHubHost.fromEnvironment(env(), { pacing: 'none', retryDelayUnitMs: 1 });
    const run = syncCommand(quiet(), { config: ws.policies, canvasUrl: canvas.url, environment: 'production', base: 'main', remote: 'origin' }, { env: env(), host });
    await expect(run).rejects.toMatchObject({ code: 'approval.malformed', location: { file: 'policies/approvals/0123456789ab.yaml' } });
    expect(sisImportCount()).toBe(0);
    expect(github.state.pulls.filter((p) => p.head.ref.startsWith('rosterops/approve-'))).toHaveLength(0);
  });
});
