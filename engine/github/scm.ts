/**
 * The port through which rosterops talks to the pull request host. The GitHub adapter implements
 * it over octokit; a dry-run adapter reads but never writes; tests drive the GitHub adapter
 * against a local fake. Everything above this port (sticky comments, the comment command) is
 * independent of octokit and of HTTP.
 *
 * A host is bound to one repository: every number and id below is within it.
 */

export interface IssueComment {
  id: number;
  body: string;
  /** `user.login` of the author, e.g. `github-actions[bot]`. */
  author: string;
  createdAt: string;
  /** Last edit; a sticky comment's planId is as recent as this. */
  updatedAt: string;
  url: string;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface Review {
  id: number;
  author: string;
  state: ReviewState;
  /** The head commit the review was submitted on. */
  commitId: string | null;
  submittedAt: string | null;
  body: string;
}

export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  title: string;
  body: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  url: string;
  merged: boolean;
}

/** Check run conclusions rosterops uses (GitHub has a few more). */
export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'action_required';

export interface CheckRunInput {
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  title: string;
  /** Markdown, at most 65,535 characters. */
  summary: string;
  detailsUrl?: string;
}

export type CommitState = 'success' | 'failure' | 'pending' | 'error';

export interface CommitStatusInput {
  sha: string;
  state: CommitState;
  context: string;
  /** At most 140 characters. */
  description: string;
  targetUrl?: string;
}

export interface NewPullRequest {
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface PullRequestPatch {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  base?: string;
}

export interface PullRequestHost {
  /** `owner/name`. */
  readonly repository: string;
  /**
   * The login this host's comments are written as. A comment is rosterops's only when it carries
   * the plan marker AND has this author: anyone can paste a marker.
   */
  identity(): Promise<string>;
  /** All comments of an issue or pull request, oldest first. */
  listComments(pr: number): Promise<IssueComment[]>;
  createComment(pr: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
  deleteComment(id: number): Promise<void>;
  /** All reviews of a pull request, oldest first. */
  listReviews(pr: number): Promise<Review[]>;
  getPullRequest(pr: number): Promise<PullRequest>;
  /** Pull requests whose head (or merge) is this commit. */
  pullRequestsForCommit(sha: string): Promise<PullRequest[]>;
  createCheckRun(input: CheckRunInput): Promise<{ id: number; url: string }>;
  setCommitStatus(input: CommitStatusInput): Promise<void>;
  createPullRequest(input: NewPullRequest): Promise<PullRequest>;
  updatePullRequest(pr: number, patch: PullRequestPatch): Promise<PullRequest>;
  /** The open pull request from branch `head` (in this repository) into `base`, if there is one. */
  findOpenPullRequest(head: string, base: string): Promise<PullRequest | null>;
}

/** GitHub logins compare without regard to case. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `owner/name` → parts; null when the value is not of that shape. */
export function parseRepository(value: string): { owner: string; repo: string } | null {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(value.trim());
  return m ? { owner: m[1]!, repo: m[2]! } : null;
}
