/**
 * One set of plan comments per pull request and environment, edited in place on every push.
 *
 * Our comments are the ones whose body starts with the plan marker for this environment AND that
 * were written by the account rosterops posts as (`host.identity()`); a marker pasted by anyone else
 * is someone else's comment, never edited, deleted or reused. Ours are
 * reused oldest first for parts 1..n (so the parts keep their order on the page), edited only when
 * their text changed; parts the plan grew are added at the end; the rest (a shrunken plan, or a
 * second set left by a concurrent run) are deleted. A second set is never created.
 */
import { GITHUB_COMMENT_LIMIT, parseCommentMarker } from '../render/markdown.js';
import { RemoteError } from '../errors.js';
import { sameLogin, type IssueComment, type PullRequestHost } from './scm.js';

export type PartOutcome = 'created' | 'updated' | 'unchanged';

export interface StickyCommentResult {
  /** One entry per part, in order. */
  parts: { part: number; id: number; url: string; outcome: PartOutcome }[];
  /** Ids of our comments deleted as surplus or duplicates. */
  deleted: number[];
  /** Comments with a plan marker for this environment written by another account: left alone. */
  ignored: number;
}

export function isOwnPlanComment(comment: Pick<IssueComment, 'body' | 'author'>, environment: string, identity: string): boolean {
  return sameLogin(comment.author, identity) && parseCommentMarker(comment.body)?.environment === environment;
}

export async function upsertPlanComment(host: PullRequestHost, pr: number, environment: string, parts: readonly string[]): Promise<StickyCommentResult> {
  for (const [i, body] of parts.entries()) {
    if (body.length > GITHUB_COMMENT_LIMIT) throw new RangeError(`part ${i + 1} has ${body.length} characters; GitHub accepts at most ${GITHUB_COMMENT_LIMIT}`);
  }
  const comments = await host.listComments(pr);
  const identity = await identityOrNull(host);
  if (identity === null) return replaceUnattributed(host, pr, environment, parts, comments);
  const ours = comments
    .filter((c) => isOwnPlanComment(c, environment, identity))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id));
  const lookAlikes = comments.filter((c) => parseCommentMarker(c.body)?.environment === environment).length - ours.length;

  const result: StickyCommentResult = { parts: [], deleted: [], ignored: lookAlikes };
  for (const [i, body] of parts.entries()) {
    const existing = ours[i];
    if (!existing) {
      const created = await host.createComment(pr, body);
      result.parts.push({ part: i + 1, id: created.id, url: created.url, outcome: 'created' });
    } else if (existing.body === body) {
      result.parts.push({ part: i + 1, id: existing.id, url: existing.url, outcome: 'unchanged' });
    } else {
      const updated = await host.updateComment(existing.id, body);
      result.parts.push({ part: i + 1, id: existing.id, url: updated.url || existing.url, outcome: 'updated' });
    }
  }
  for (const surplus of ours.slice(parts.length)) {
    await host.deleteComment(surplus.id);
    result.deleted.push(surplus.id);
  }
  return result;
}

/** The account rosterops posts as, or null when the API will not say and none is configured. */
async function identityOrNull(host: PullRequestHost): Promise<string | null> {
  try {
    return await host.identity();
  } catch (err) {
    if (err instanceof RemoteError && err.code === 'github.identity-unknown') return null;
    throw err;
  }
}

/**
 * Without a known identity no existing comment can be told from a look-alike, so none is edited:
 * the parts are posted anew, and the comments GitHub then says were written by that same account
 * (the author of the comment just created) are the earlier ones of ours, deleted as surplus. A
 * host that names no author leaves every earlier comment alone.
 */
async function replaceUnattributed(host: PullRequestHost, pr: number, environment: string, parts: readonly string[], before: readonly IssueComment[]): Promise<StickyCommentResult> {
  const result: StickyCommentResult = { parts: [], deleted: [], ignored: 0 };
  let author = '';
  for (const [i, body] of parts.entries()) {
    const created = await host.createComment(pr, body);
    author ||= created.author;
    result.parts.push({ part: i + 1, id: created.id, url: created.url, outcome: 'created' });
  }
  for (const c of before) {
    if (parseCommentMarker(c.body)?.environment !== environment) continue;
    if (author && isOwnPlanComment(c, environment, author)) {
      await host.deleteComment(c.id);
      result.deleted.push(c.id);
    } else result.ignored++;
  }
  return result;
}

