import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentCommand, type CommentFlags } from '../../engine/cli/commands/comment.js';
import type { Output } from '../../engine/cli/output.js';
import { ConfigError, RemoteError } from '../../engine/errors.js';
import type { Plan } from '../../engine/model/plan.js';
import { writePlanFile } from '../../engine/plan/plan-file.js';
import { emptyPlan, planOf, shrunkenExportPlan, smallMixedPlan, userCreate } from '../render/plans.js';
import { BOT, GitHubFake, hexSha } from '../support/github-fake.js';

const TOKEN = 'ghs_fake_token_0123456789';
const REPO = 'district/rosters';
const HEAD = hexSha(4242);

/** Personal data in smallMixedPlan that a masked comment must never send. */
const PERSONAL = ['Ana María', 'Diaz', 'ana.diaz', 'cy.park', 'Cy Park', 'bo.chen', 'Okafor'];

let fake: GitHubFake;
let dir: string;

interface Captured extends Output {
  stdout: string;
  stderr: string;
}

function capture(): Captured {
  const c: Captured = {
    stdout: '', stderr: '', isTTY: false, color: false,
    out: (t) => { c.stdout += t; },
    err: (t) => { c.stderr += t; },
  };
  return c;
}

async function planFile(plan: Plan, name = 'plan.json'): Promise<string> {
  const path = join(dir, name);
  await writePlanFile(path, plan);
  return path;
}

function eventFile(event: unknown): string {
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify(event));
  return path;
}

function environment(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: REPO,
    GITHUB_EVENT_PATH: eventFile({ action: 'synchronize', number: 12, pull_request: { number: 12, head: { sha: HEAD, ref: 'policy-change' } } }),
    GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'), GITHUB_SHA: hexSha(1),
    ...extra,
  };
}

async function run(flags: Partial<CommentFlags> & { plan: string }, env = environment(), output = capture()) {
  const code = await commentCommand(output, { environment: 'production', ...flags }, { env, github: { pacing: 'none', retryDelayUnitMs: 1 } });
  return { code, output };
}

beforeEach(async () => {
  fake = await GitHubFake.start({ [TOKEN]: BOT });
  fake.seedPull(REPO, { number: 12, head: { ref: 'policy-change', sha: HEAD } });
  dir = mkdtempSync(join(tmpdir(), 'rosterops-comment-'));
});

afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rosterops comment', () => {
  it('posts a masked sticky comment, a check run and the job summary; a second run edits in place', async () => {
    const plan = await planFile(smallMixedPlan());
    const { code, output } = await run({ plan });
    expect(code).toBe(0);

    const comments = fake.commentsOn(REPO, 12);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^<!-- rosterops:plan env=production part=1\/1 -->\n/);
    expect(comments[0]!.body).toContain(`commit ${HEAD}`);

    expect(fake.state.checkRuns).toHaveLength(1);
    expect(fake.state.checkRuns[0]).toMatchObject({
      name: 'rosterops plan (production)', head_sha: HEAD, status: 'completed', conclusion: 'action_required',
      details_url: expect.stringContaining(`#issuecomment-${comments[0]!.id}`),
      output: { title: expect.stringMatching(/^Needs approval: 11 changes; tripped guards\.drops/), summary: comments[0]!.body },
    });
    expect(readFileSync(join(dir, 'step-summary.md'), 'utf8')).toBe(`${comments[0]!.body}\n`);
    expect(output.stdout).toContain('plan comment on district/rosters#12: part 1 created');

    await run({ plan });
    expect(fake.commentsOn(REPO, 12)).toHaveLength(1);
    expect(fake.state.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0); // unchanged: no edit
    expect(fake.state.checkRuns).toHaveLength(2);

    for (const body of fake.receivedBodies()) for (const secret of PERSONAL) expect(body).not.toContain(secret);
    expect(output.stdout + output.stderr).not.toContain(TOKEN);
  });

  it('shows personal data only when asked', async () => {
    await run({ plan: await planFile(smallMixedPlan()), showPersonalData: true });
    expect(fake.commentsOn(REPO, 12)[0]!.body).toContain('Ana María Diaz');
  });

  it.each<[string, () => Plan, string]>([
    ['no changes', emptyPlan, 'success'],
    ['changes within guards', () => planOf({ operations: [userCreate('s1', 'Ana Diaz', 'ana', 'ana@x.org')], counts: { users: { desired: 10, canvasManaged: 9, canvasTotal: 9 } } }), 'success'],
    ['needs approval', smallMixedPlan, 'action_required'],
    ['blocked', shrunkenExportPlan, 'failure'],
  ])('concludes the check run for a plan with %s as %s', async (_name, make, conclusion) => {
    await run({ plan: await planFile(make()) });
    expect(fake.state.checkRuns.map((c) => c.conclusion)).toEqual([conclusion]);
  });

  it('falls back to a commit status when check runs are forbidden (403)', async () => {
    fake.state.forbidCheckRuns = true;
    const { output } = await run({ plan: await planFile(smallMixedPlan()) });
    expect(fake.state.checkRuns).toEqual([]);
    expect(fake.state.statuses).toHaveLength(1);
    expect(fake.state.statuses[0]).toMatchObject({
      sha: HEAD, state: 'pending', context: 'rosterops plan (production)',
      description: expect.stringMatching(/^Needs approval/), target_url: expect.stringContaining('#issuecomment-'),
    });
    expect(output.stderr).toContain('setting a commit status instead');
  });

  it('takes the pull request from an issue_comment event and its head commit from the API', async () => {
    const env = environment({ GITHUB_EVENT_PATH: eventFile({ action: 'created', issue: { number: 12, pull_request: { url: 'x' } }, comment: { body: 'plan' } }) });
    await run({ plan: await planFile(emptyPlan()) }, env);
    expect(fake.commentsOn(REPO, 12)).toHaveLength(1);
    expect(fake.state.checkRuns[0]!.head_sha).toBe(HEAD);
  });

  it('lets flags override the environment', async () => {
    fake.seedPull(REPO, { number: 13 });
    await run({ plan: await planFile(emptyPlan()), pr: 13, sha: hexSha(77), environment: 'staging' });
    expect(fake.commentsOn(REPO, 13)[0]!.body).toMatch(/^<!-- rosterops:plan env=staging part=1\/1 -->/);
    expect(fake.state.checkRuns[0]).toMatchObject({ name: 'rosterops plan (staging)', head_sha: hexSha(77) });
  });

  it('--dry-run prints the comment and writes nothing, not even the job summary', async () => {
    const { code, output } = await run({ plan: await planFile(smallMixedPlan()), dryRun: true });
    expect(code).toBe(0);
    expect(output.stdout).toMatch(/^<!-- rosterops:plan env=production part=1\/1 -->/);
    expect(output.stderr).toContain('dry run: would create a comment on #12');
    expect(output.stderr).toContain('dry run: would create check run "rosterops plan (production)"');
    expect(fake.state.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql')).toEqual([]);
    expect(() => readFileSync(join(dir, 'step-summary.md'))).toThrow();
  });

  it('--dry-run works without a token or a pull request', async () => {
    const { code, output } = await run({ plan: await planFile(emptyPlan()), dryRun: true }, { GITHUB_API_URL: fake.url });
    expect(code).toBe(0);
    expect(output.stdout).toContain('**No changes**');
    expect(output.stderr).toContain('nothing would be posted');
    expect(fake.state.requests).toEqual([]);
  });

  it.each<[string, Record<string, string | undefined>, string, RegExp]>([
    ['no pull request', { GITHUB_EVENT_PATH: undefined }, 'github.pr-missing', /pull_request workflow.*--pr/],
    ['no token', { GITHUB_TOKEN: undefined }, 'github.token-missing', /GITHUB_TOKEN/],
    ['no repository', { GITHUB_REPOSITORY: undefined }, 'github.repository-missing', /--repository/],
  ])('refuses to run with %s, with a hint', async (_name, change, code, hint) => {
    const err = await run({ plan: await planFile(emptyPlan()) }, environment(change)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code, hint: expect.stringMatching(hint) });
    expect(fake.state.requests).toEqual([]);
  });

  it('reports bad credentials without the token', async () => {
    const wrong = 'ghp_definitely_wrong_token_123456';
    const output = capture();
    const err = await run({ plan: await planFile(emptyPlan()) }, environment({ GITHUB_TOKEN: wrong }), output).catch((e: unknown) => e) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('Bad credentials');
    expect(`${err.message} ${err.hint} ${err.stack} ${output.stdout} ${output.stderr}`).not.toContain(wrong);
  });

  it('refuses an environment name that could break the marker', async () => {
    await expect(run({ plan: await planFile(emptyPlan()), environment: 'prod -->' })).rejects.toMatchObject({ code: 'comment.environment-invalid' });
  });
});
