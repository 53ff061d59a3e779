/**
 * Which account rosterops posts as, against the GitHub fake: a user token answers GET /user; an
 * installation token (403 there) is named by GraphQL viewer, with the `[bot]` its comments carry;
 * a configured login skips the lookup; when nothing answers, the error says what to set.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalsOnPullRequest } from '../../engine/approval/reviews.js';
import { RemoteError } from '../../engine/errors.js';
import { createOctokit, GitHubHost } from '../../engine/github/github.js';
import { isOwnPlanComment, upsertPlanComment } from '../../engine/github/sticky-comment.js';
import { commentMarker } from '../../engine/render/comment-marker.js';
import { BOT, GitHubFake, hexSha, type FakeUser } from '../support/github-fake.js';

const BOT_TOKEN = 'ghs_fake_token_0123456789';
const USER_TOKEN = 'ghp_service_account_token_0123456789';
const MALLORY_TOKEN = 'ghp_mallory_token_0123456789';
const SERVICE: FakeUser = { login: 'District-Rosterops', id: 77, type: 'User' };
const MALLORY: FakeUser = { login: 'mallory', id: 66, type: 'User' };
const REPO = 'district/rosters';

let fake: GitHubFake;
const host = (token: string, author?: string) => new GitHubHost(createOctokit({ token, baseUrl: fake.url, pacing: 'none', retryDelayUnitMs: 1 }), REPO, author);
const approvals = { required: 1, reviewers: [] as string[] };
const planBody = (planId: string) => `${commentMarker('production', 1, 1)}\n### plan\nplanId \`${planId}\``;
const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_F = `sha256:${'f'.repeat(64)}`;

beforeEach(async () => {
  fake = await GitHubFake.start({ [BOT_TOKEN]: BOT, [USER_TOKEN]: SERVICE, [MALLORY_TOKEN]: MALLORY });
  fake.seedPull(REPO, { number: 12, head: { ref: 'x', sha: hexSha(12) } });
});

afterEach(() => fake.close());

describe('identity', () => {
  it('a user token: GET /user', async () => {
    expect(await host(USER_TOKEN).identity()).toBe('District-Rosterops');
    expect(fake.state.requests.map((r) => r.path)).toEqual(['/user']);
  });

  it('an installation token: GET /user is 403, GraphQL viewer names the bot, with [bot]', async () => {
    const h = host(BOT_TOKEN);
    expect(await h.identity()).toBe('github-actions[bot]');
    expect(await h.identity()).toBe('github-actions[bot]'); // asked once
    expect(fake.state.requests.map((r) => `${r.path} ${r.status}`)).toEqual(['/user 403', '/graphql 200']);
  });

  it('configured: no lookup at all', async () => {
    expect(await host(BOT_TOKEN, 'my-app[bot]').identity()).toBe('my-app[bot]');
    expect(fake.state.requests).toEqual([]);
  });

  it('nothing answers: an error that says what to set', async () => {
    fake.failNext({ method: 'POST', path: /^\/graphql$/, status: 404, body: { message: 'Not Found' } });
    const err = await host(BOT_TOKEN).identity().catch((e: unknown) => e) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.code).toBe('github.identity-unknown');
    expect(err.hint).toMatch(/ROSTEROPS_COMMENT_AUTHOR/);
  });

  it('bad credentials are reported as such, not as an unknown identity', async () => {
    await expect(host('ghp_wrong_token_000000000000').identity()).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/Bad credentials/) });
  });
});

describe('own comments', () => {
  it('marker and author must both match; logins compare without case', () => {
    const c = { body: planBody(ID_A), author: 'district-rosterops' };
    expect(isOwnPlanComment(c, 'production', 'District-Rosterops')).toBe(true);
    expect(isOwnPlanComment(c, 'production', 'mallory')).toBe(false);
    expect(isOwnPlanComment(c, 'staging', 'district-rosterops')).toBe(false);
    expect(isOwnPlanComment({ body: 'no marker', author: 'district-rosterops' }, 'production', 'district-rosterops')).toBe(false);
  });

  it('upsert leaves a look-alike alone and counts it', async () => {
    const forged = fake.seedComment(REPO, 12, planBody(ID_F), MALLORY);
    const result = await upsertPlanComment(host(USER_TOKEN), 12, 'production', [planBody(ID_A)]);
    expect(result.ignored).toBe(1);
    expect(result.parts[0]!.outcome).toBe('created');
    expect(fake.commentsOn(REPO, 12).find((c) => c.id === forged.id)!.body).toBe(planBody(ID_F));
    expect(fake.state.requests.filter((r) => r.path.endsWith(`/comments/${forged.id}`))).toEqual([]);
  });

  it('approvals: the planId and the clock come from our comment, whatever others post later', async () => {
    fake.seedComment(REPO, 12, planBody(ID_A), BOT);
    fake.seedReview(REPO, 12, { state: 'APPROVED', user: { login: 'alice', id: 1, type: 'User' } });
    fake.seedComment(REPO, 12, planBody(ID_F), MALLORY);
    fake.seedComment(REPO, 12, planBody(ID_A), MALLORY); // a newer copy would move the clock past the review
    const r = await approvalsOnPullRequest(host(BOT_TOKEN), 12, 'production', approvals);
    expect(r).toMatchObject({ planId: ID_A, approvers: ['alice'], problem: null });
  });

  it('approvals: a forged comment alone names no plan', async () => {
    fake.seedComment(REPO, 12, planBody(ID_A), MALLORY);
    fake.seedReview(REPO, 12, { state: 'APPROVED', user: { login: 'alice', id: 1, type: 'User' } });
    const r = await approvalsOnPullRequest(host(BOT_TOKEN), 12, 'production', approvals);
    expect(r.planId).toBeNull();
    expect(r.problem).toMatch(/no rosterops plan comment/);
  });
});
