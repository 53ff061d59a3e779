/**
 * Forged plan comments, through the real CLI against the Canvas emulator and the GitHub fake: a
 * second account posts comments with a rosterops plan marker (another planId, or a copy of ours)
 * before and after a review. `comment` exits 0 and never edits or deletes them; `apply --github`
 * takes the planId and the approval clock only from the comment written by the account rosterops
 * posts as (found from the API: GraphQL viewer for the workflow token, GET /user for a user token;
 * or configured).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { commentMarker } from '../../engine/render/comment-marker.js';
import { BOT, GitHubFake, hexSha, type FakeUser } from '../support/github-fake.js';
import { makeWorkspace, POLICIES, runCliAsync, type Workspace } from '../support/workspace.js';

const CANVAS_TOKEN = 'emulator-token-9d8c7b6a5f';
const BOT_TOKEN = 'ghs_fake_token_0123456789';
const MALLORY_TOKEN = 'ghp_mallory_personal_token_000111';
const PERSON_TOKEN = 'ghp_rosterops_service_account_token_42';
const MALLORY: FakeUser = { login: 'mallory', id: 66, type: 'User' };
const SERVICE: FakeUser = { login: 'district-rosterops', id: 77, type: 'User' };
const ALICE: FakeUser = { login: 'alice', id: 67, type: 'User' };
const REPO = 'district/rosters';
const PR = 7;
const FORGED_ID = `sha256:${'f'.repeat(64)}`;

let canvas: CanvasEmulator;
let github: GitHubFake;
let ws: Workspace;

function githubEnv(token = BOT_TOKEN, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CANVAS_TOKEN, GITHUB_TOKEN: token, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO,
    GITHUB_EVENT_PATH: join(ws.dir, 'event.json'), GITHUB_SHA: hexSha(PR * 7919), ...extra,
  };
}

async function plan(): Promise<{ file: string; planId: string }> {
  const file = join(ws.dir, 'plan.json');
  const r = await runCliAsync(['plan', '--config', ws.policies, '--canvas-url', canvas.url, '--out', file, '--detailed-exitcode'], { env: { CANVAS_TOKEN } });
  expect(r.code, r.stderr).toBe(3);
  return { file, planId: (JSON.parse(readFileSync(file, 'utf8')) as { planId: string }).planId };
}

const comment = (file: string, env = githubEnv(), extra: string[] = []) => runCliAsync(['comment', '--plan', file, '--config', ws.policies, ...extra], { env });
const apply = (file: string, env = githubEnv()) =>
  runCliAsync(['apply', '--plan', file, '--config', ws.policies, '--canvas-url', canvas.url, '--github', '--pr', String(PR)], { env });

/** A comment posted through the API with Mallory's own token: a marker and a planId of her choosing. */
async function forge(planId: string, text = 'Needs approval'): Promise<number> {
  const body = `${commentMarker('production', 1, 1)}\n### rosterops plan: ${text}\n\nplanId \`${planId}\``;
  const res = await fetch(`${github.url}/repos/${REPO}/issues/${PR}/comments`, {
    method: 'POST', headers: { Authorization: `token ${MALLORY_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ body }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

const byAuthor = (login: string) => github.commentsOn(REPO, PR).filter((c) => c.user.login === login);
const writesTo = (id: number) => github.state.requests.filter((r) => r.method !== 'GET' && r.path.endsWith(`/issues/comments/${id}`));
const sisImportCount = () => canvas.dump().emulator.sisImports.length;

beforeEach(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago' });
  github = await GitHubFake.start({ [BOT_TOKEN]: BOT, [MALLORY_TOKEN]: MALLORY, [PERSON_TOKEN]: SERVICE });
  github.seedPull(REPO, { number: PR, title: 'Sync North High', head: { ref: 'north-high', sha: hexSha(PR * 7919) } });
  ws = await makeWorkspace();
  ws.write('event.json', JSON.stringify({ action: 'synchronize', pull_request: { number: PR, head: { sha: hexSha(PR * 7919) } } }));
  // A hand-made account matching an SIS student: a duplicate risk, so the plan needs approval.
  ws.write('policies/main.yaml', `${POLICIES['main.yaml']!.replace('manual: adopt', 'manual: flag')}apply: { pollIntervalSeconds: 0.05 }\nguards:\n  approvals: { required: 1, reviewers: [alice] }\n`);
  const res = await fetch(`${canvas.url}/api/v1/accounts/1/users`, {
    method: 'POST', headers: { Authorization: `Bearer ${CANVAS_TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'user[name]': 'Ana Diaz', 'pseudonym[unique_id]': 'adiaz', 'communication_channel[address]': 'ana.diaz@k12.example.org' }),
  });
  expect(res.status).toBe(200);
});

afterEach(async () => {
  await canvas.close();
  await github.close();
});

describe('own comments only', () => {
  it('forged markers before and after a review: comment leaves them alone, apply binds to our comment only', async () => {
    const { file, planId } = await plan();
    const before = await forge(FORGED_ID);
    const first = await comment(file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/1 comment\(s\) on #7 carry a rosterops plan marker but were written by another account/);
    expect(first.stderr + first.stdout).not.toContain('mallory'); // another account's comment is not repeated in the log
    const ours = byAuthor(BOT.login);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain(planId);

    github.seedReview(REPO, PR, { state: 'APPROVED', user: ALICE });
    const after = await forge(FORGED_ID, 'after the review');
    const afterCopy = await forge(planId, 'a copy of the real one, newer than the review');

    const second = await comment(file);
    expect(second.code, second.stderr).toBe(0);
    expect(byAuthor(BOT.login)).toHaveLength(1);
    expect(byAuthor(BOT.login)[0]!.updated_at).toBe(ours[0]!.updated_at); // unchanged plan: not even edited

    // Mallory's comments: all still there, none ever written to by rosterops.
    expect(byAuthor('mallory').map((c) => c.id)).toEqual([before, after, afterCopy]);
    for (const id of [before, after, afterCopy]) expect(writesTo(id)).toEqual([]);

    // The approval is bound to our comment's planId and our comment's time, not to the newer forgeries.
    const applied = await apply(file);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/approved by alice/);
    expect(JSON.parse(readFileSync(join(ws.dir, 'apply-record.json'), 'utf8')).approval.planId).toBe(planId);
    expect(sisImportCount()).toBe(1);
  });

  it('a forged comment cannot move the approval clock: a review before our comment still does not count', async () => {
    const { file, planId } = await plan();
    await forge(planId, 'posted before rosterops, with the real planId');
    github.seedReview(REPO, PR, { state: 'APPROVED', user: ALICE });
    expect((await comment(file)).code).toBe(0);
    const r = await apply(file);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/0 approving review/);
    expect(sisImportCount()).toBe(0);
  });

  it('only forged comments on the pull request: apply finds no plan comment at all', async () => {
    const { file, planId } = await plan();
    await forge(planId);
    github.seedReview(REPO, PR, { state: 'APPROVED', user: ALICE });
    const r = await apply(file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no rosterops plan comment for production \(by github-actions\[bot\]\)/);
    expect(sisImportCount()).toBe(0);
  });

  it('with a user token the identity comes from GET /user, and the workflow bot\'s comments are someone else\'s', async () => {
    const { file } = await plan();
    expect((await comment(file)).code).toBe(0); // posted by github-actions[bot]
    const botComment = byAuthor(BOT.login)[0]!;
    const r = await comment(file, githubEnv(PERSON_TOKEN));
    expect(r.code, r.stderr).toBe(0);
    expect(byAuthor(SERVICE.login)).toHaveLength(1);
    expect(writesTo(botComment.id)).toEqual([]);
    expect(github.state.requests.some((q) => q.path === '/user' && q.status === 200)).toBe(true);
  });

  it('the identity can be configured (ROSTEROPS_COMMENT_AUTHOR or --author): no lookup, and a wrong one edits nothing of anybody', async () => {
    const { file } = await plan();
    await forge(FORGED_ID);
    const configured = await comment(file, githubEnv(BOT_TOKEN, { ROSTEROPS_COMMENT_AUTHOR: 'github-actions[bot]' }));
    expect(configured.code, configured.stderr).toBe(0);
    expect(github.state.requests.filter((q) => q.path === '/user' || q.path === '/graphql')).toEqual([]);
    expect(byAuthor(BOT.login)).toHaveLength(1);

    // A wrong configured identity (mallory) makes rosterops try to edit her comment: GitHub refuses, comment fails, nothing changes.
    const claimed = await comment(file, githubEnv(BOT_TOKEN), ['--author', 'mallory']);
    expect(claimed.code).toBe(1);
    const malloryId = byAuthor('mallory')[0]!.id;
    expect(writesTo(malloryId).filter((q) => q.status === 200 || q.status === 204)).toEqual([]);
    expect(byAuthor('mallory')).toHaveLength(1);

    const invalid = await comment(file, githubEnv(BOT_TOKEN, { ROSTEROPS_COMMENT_AUTHOR: 'not a login' }));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/github\.author-invalid/);
  });
  it('a host that will not say who the token is (no GET /user, no GraphQL): comment posts anew, replaces only its own earlier comment, leaves the forged one, exits 0', async () => {
    const { file } = await plan();
    expect((await comment(file)).code).toBe(0); // the bot's first comment, identity known
    const first = byAuthor(BOT.login)[0]!;
    const forged = await forge(FORGED_ID);
    github.failNext({ method: 'GET', path: /^\/user$/, status: 404, body: { message: 'Not Found' } });
    github.failNext({ method: 'POST', path: /^\/graphql$/, status: 404, body: { message: 'Not Found' } });
    const r = await comment(file);
    expect(r.code, r.stderr).toBe(0);
    const ours = byAuthor(BOT.login);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.id).not.toBe(first.id); // posted anew, the earlier one of ours deleted
    expect(byAuthor('mallory').map((c) => c.id)).toEqual([forged]);
    expect(writesTo(forged)).toEqual([]);
  });
  it('an error after the comment was posted does not say "nothing was written": it names what was done', async () => {
    const { file } = await plan();
    github.failNext({ method: 'POST', path: /check-runs$/, status: 422, body: { message: 'Validation Failed' }, times: 10 });
    const r = await comment(file);
    expect(r.code, r.stderr).toBe(1);
    expect(byAuthor(BOT.login)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/nothing was written or applied/);
    expect(r.stderr).toMatch(/nothing was sent to Canvas; done before the error: GitHub: comment on #\d+/);
  });
});
