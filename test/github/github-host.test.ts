import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, RemoteError } from '../../engine/errors.js';
import { createOctokit, GitHubHost } from '../../engine/github/github.js';
import { BOT, GitHubFake, hexSha } from '../support/github-fake.js';

const TOKEN = 'ghs_fake_token_0123456789';
const REPO = 'district/rosters';

let fake: GitHubFake;
let host: GitHubHost;

function hostWith(token: string, baseUrl = fake.url): GitHubHost {
  return new GitHubHost(createOctokit({ token, baseUrl, pacing: 'none', retryDelayUnitMs: 1 }), REPO);
}

beforeEach(async () => {
  fake = await GitHubFake.start({ [TOKEN]: BOT });
  fake.seedPull(REPO, { number: 12, head: { ref: 'policy-change', sha: hexSha(12) } });
  host = hostWith(TOKEN);
});

afterEach(() => fake.close());

describe('GitHubHost over the real octokit', () => {
  it('pages through more than 100 comments with the Link header', async () => {
    for (let i = 0; i < 250; i++) fake.seedComment(REPO, 12, `comment ${i}`, { login: 'someone', id: 3, type: 'User' });
    const comments = await host.listComments(12);
    expect(comments).toHaveLength(250);
    expect(comments[0]).toMatchObject({ body: 'comment 0', author: 'someone' });
    expect(comments.at(-1)!.body).toBe('comment 249');
    expect(comments[0]!.url).toMatch(/#issuecomment-\d+$/);
    const pages = fake.state.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'));
    expect(pages.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.query.per_page === '100')).toBe(true);
  });

  it('creates, edits and deletes a comment as the token\'s user', async () => {
    const created = await host.createComment(12, 'hello');
    expect(created).toMatchObject({ body: 'hello', author: 'github-actions[bot]' });
    const edited = await host.updateComment(created.id, 'hello again');
    expect(edited.body).toBe('hello again');
    await host.deleteComment(created.id);
    expect(fake.commentsOn(REPO, 12)).toEqual([]);
  });

  it('lists reviews with their state and commit', async () => {
    fake.seedReview(REPO, 12, { state: 'CHANGES_REQUESTED', user: { login: 'ana', id: 9, type: 'User' } });
    fake.seedReview(REPO, 12, { state: 'APPROVED', user: { login: 'bo', id: 10, type: 'User' }, body: 'ok' });
    const reviews = await host.listReviews(12);
    expect(reviews.map((r) => [r.author, r.state, r.commitId])).toEqual([['ana', 'CHANGES_REQUESTED', hexSha(12)], ['bo', 'APPROVED', hexSha(12)]]);
    expect(reviews[1]!.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('finds pull requests by commit, and by head and base', async () => {
    expect((await host.pullRequestsForCommit(hexSha(12))).map((p) => p.number)).toEqual([12]);
    expect(await host.pullRequestsForCommit(hexSha(99))).toEqual([]);
    expect((await host.findOpenPullRequest('policy-change', 'main'))?.number).toBe(12);
    expect(await host.findOpenPullRequest('policy-change', 'release')).toBeNull();
    const pr = await host.getPullRequest(12);
    expect(pr).toMatchObject({ number: 12, state: 'open', head: { ref: 'policy-change', sha: hexSha(12) }, base: { ref: 'main' } });
  });

  it('opens, updates and closes a pull request; a second one for the same branch is refused', async () => {
    const pr = await host.createPullRequest({ head: 'rosterops/nightly', base: 'main', title: 'Nightly sync needs approval', body: 'plan' });
    expect(pr).toMatchObject({ number: 13, state: 'open', head: { ref: 'rosterops/nightly' } });
    await expect(host.createPullRequest({ head: 'rosterops/nightly', base: 'main', title: 'again', body: '' }))
      .rejects.toMatchObject({ status: 422, message: expect.stringContaining('A pull request already exists for district:rosterops/nightly') });
    expect((await host.findOpenPullRequest('rosterops/nightly', 'main'))?.number).toBe(13);
    await host.updatePullRequest(13, { body: 'new plan' });
    expect(fake.state.pulls.find((p) => p.number === 13)?.body).toBe('new plan');
    await host.updatePullRequest(13, { state: 'closed' });
    expect(await host.findOpenPullRequest('rosterops/nightly', 'main')).toBeNull();
  });

  it('creates a completed check run and a commit status', async () => {
    const check = await host.createCheckRun({ name: 'rosterops plan (production)', headSha: hexSha(12), conclusion: 'action_required', title: 'Needs approval', summary: '## plan' });
    expect(check.url).toContain('/runs/');
    expect(fake.state.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'action_required', output: { title: 'Needs approval', summary: '## plan' } });
    await host.setCommitStatus({ sha: hexSha(12), state: 'pending', context: 'rosterops plan (production)', description: 'x'.repeat(300) });
    expect(fake.state.statuses[0]!.description).toHaveLength(140);
  });

  it('retries a secondary rate limit after retry-after, then succeeds', async () => {
    fake.secondaryRateLimit('POST', /\/comments$/);
    await host.createComment(12, 'after the limit');
    expect(fake.state.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([403, 201]);
    expect(fake.commentsOn(REPO, 12)).toHaveLength(1);
  });

  it('retries a server error once, then succeeds', async () => {
    fake.failNext({ method: 'GET', path: /\/pulls\/12$/, status: 502, body: { message: 'Server Error' } });
    expect((await host.getPullRequest(12)).number).toBe(12);
    expect(fake.state.requests.map((r) => r.status)).toEqual([502, 200]);
  });

  it('gives up after a bounded number of retries', async () => {
    fake.failNext({ method: 'GET', status: 503, body: { message: 'Service Unavailable' }, times: 100 });
    const err = await host.getPullRequest(12).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ status: 503, code: 'github.http-503' });
    expect(fake.state.requests).toHaveLength(4);
  });

  it('answers bad credentials with a clear error that never contains the token', async () => {
    const wrongToken = 'ghp_wrong_token_that_must_not_leak_42';
    const err = await hostWith(wrongToken).listComments(12).catch((e: unknown) => e) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.status).toBe(401);
    expect(err.message).toBe('GitHub refused to list the comments of #12 in district/rosters: 401 Bad credentials');
    expect(err.hint).toMatch(/GITHUB_TOKEN/);
    const everything = JSON.stringify({ message: err.message, hint: err.hint, stack: err.stack, diagnostics: err.diagnostics, cause: String(err.cause) });
    expect(everything).not.toContain(wrongToken);
    expect(everything).not.toMatch(/authorization/i);
  });

  it('says what was not found', async () => {
    await expect(host.listComments(404)).rejects.toMatchObject({ status: 404, hint: expect.stringMatching(/GITHUB_REPOSITORY/) });
  });

  describe('fromEnvironment', () => {
    it('reads the token, the API URL (GitHub Enterprise path) and the repository', async () => {
      const ghe = GitHubHost.fromEnvironment({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: `${fake.url}/api/v3`, GITHUB_REPOSITORY: REPO }, { pacing: 'none' });
      expect(ghe.repository).toBe(REPO);
      expect((await ghe.getPullRequest(12)).number).toBe(12);
    });

    it.each([
      [{ GITHUB_REPOSITORY: REPO }, 'github.token-missing'],
      [{ GITHUB_TOKEN: TOKEN }, 'github.repository-missing'],
      [{ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'not a repo' }, 'github.repository-invalid'],
    ])('refuses %j with a typed error and a hint', (env, code) => {
      let caught: unknown;
      try {
        GitHubHost.fromEnvironment(env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect(caught).toMatchObject({ code, hint: expect.any(String) });
    });
  });
});
