import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOctokit, GitHubHost } from '../../engine/github/github.js';
import { upsertPlanComment } from '../../engine/github/sticky-comment.js';
import { commentMarker } from '../../engine/render/comment-marker.js';
import { BOT, GitHubFake, hexSha } from '../support/github-fake.js';

const TOKEN = 'ghs_fake_token_0123456789';
const REPO = 'district/rosters';
const HUMAN = { login: 'admin', id: 5, type: 'User' as const };

let fake: GitHubFake;
let host: GitHubHost;

/** n parts of a plan comment for `env`, each with its marker; `tag` varies the text. */
function parts(n: number, tag: string, env = 'production'): string[] {
  return Array.from({ length: n }, (_, i) => `${commentMarker(env, i + 1, n)}\n### plan ${tag}, part ${i + 1}`);
}

// GraphQL (who am I) is a read, though it is a POST.
const writes = () => fake.state.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql').map((r) => r.method);
const ours = (env = 'production') => fake.commentsOn(REPO, 12).filter((c) => c.body.startsWith(`<!-- rosterops:plan env=${env} `));

beforeEach(async () => {
  fake = await GitHubFake.start({ [TOKEN]: BOT });
  fake.seedPull(REPO, { number: 12, head: { ref: 'policy-change', sha: hexSha(12) } });
  host = new GitHubHost(createOctokit({ token: TOKEN, baseUrl: fake.url, pacing: 'none', retryDelayUnitMs: 1 }), REPO);
});

afterEach(() => fake.close());

describe('upsertPlanComment', () => {
  it('creates the comment, then edits it in place, and skips the edit when nothing changed', async () => {
    const first = await upsertPlanComment(host, 12, 'production', parts(1, 'A'));
    expect(first.parts).toEqual([{ part: 1, id: expect.any(Number), url: expect.stringContaining('#issuecomment-'), outcome: 'created' }]);

    const second = await upsertPlanComment(host, 12, 'production', parts(1, 'B'));
    expect(second.parts[0]).toMatchObject({ id: first.parts[0]!.id, outcome: 'updated' });

    const third = await upsertPlanComment(host, 12, 'production', parts(1, 'B'));
    expect(third.parts[0]).toMatchObject({ id: first.parts[0]!.id, outcome: 'unchanged' });

    expect(writes()).toEqual(['POST', 'PATCH']);
    expect(ours().map((c) => c.body)).toEqual(parts(1, 'B'));
  });

  it('adds parts when the plan grows and deletes them when it shrinks, keeping the order', async () => {
    await upsertPlanComment(host, 12, 'production', parts(1, 'A'));
    fake.seedComment(REPO, 12, 'a reviewer says hello', HUMAN);
    const grown = await upsertPlanComment(host, 12, 'production', parts(3, 'B'));
    expect(grown.parts.map((p) => p.outcome)).toEqual(['updated', 'created', 'created']);
    expect(ours().map((c) => c.body)).toEqual(parts(3, 'B'));

    const shrunk = await upsertPlanComment(host, 12, 'production', parts(2, 'C'));
    expect(shrunk.parts.map((p) => p.outcome)).toEqual(['updated', 'updated']);
    expect(shrunk.deleted).toEqual([grown.parts[2]!.id]);
    expect(ours().map((c) => c.body)).toEqual(parts(2, 'C'));
    expect(fake.commentsOn(REPO, 12).map((c) => c.user.login)).toEqual(['github-actions[bot]', 'admin', 'github-actions[bot]']);
  });

  it('cleans up duplicate sets and leaves other environments and people alone', async () => {
    for (const body of [...parts(2, 'old'), ...parts(2, 'concurrent run')]) fake.seedComment(REPO, 12, body);
    const staging = fake.seedComment(REPO, 12, parts(1, 'staging', 'staging')[0]!);
    const quote = fake.seedComment(REPO, 12, `> ${parts(1, 'quoted')[0]}\nwhy so many drops?`, HUMAN);

    const result = await upsertPlanComment(host, 12, 'production', parts(2, 'new'));
    expect(result.parts.map((p) => p.outcome)).toEqual(['updated', 'updated']);
    expect(result.deleted).toHaveLength(2);
    expect(ours().map((c) => c.body)).toEqual(parts(2, 'new'));
    expect(fake.commentsOn(REPO, 12).map((c) => c.id)).toEqual(expect.arrayContaining([staging.id, quote.id]));
    expect(fake.commentsOn(REPO, 12)).toHaveLength(4);
  });

  it('finds its comment beyond the first page of 100 comments', async () => {
    for (let i = 0; i < 130; i++) fake.seedComment(REPO, 12, `chatter ${i}`, HUMAN);
    const old = fake.seedComment(REPO, 12, parts(1, 'old')[0]!);
    for (let i = 0; i < 40; i++) fake.seedComment(REPO, 12, `more chatter ${i}`, HUMAN);

    const result = await upsertPlanComment(host, 12, 'production', parts(1, 'new'));
    expect(result.parts[0]).toMatchObject({ id: old.id, outcome: 'updated' });
    expect(writes()).toEqual(['PATCH']);
    expect(ours()).toHaveLength(1);
  });

  it('refuses a part longer than GitHub accepts before writing anything', async () => {
    await expect(upsertPlanComment(host, 12, 'production', [`${commentMarker('production', 1, 1)}\n${'x'.repeat(70_000)}`])).rejects.toThrow(RangeError);
    expect(writes()).toEqual([]);
  });
});
