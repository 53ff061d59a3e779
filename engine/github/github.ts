/**
 * The pull request host over GitHub's REST API. It is given an Octokit (tests point one at a local
 * fake); `fromEnvironment` builds one from the variables GitHub Actions sets. Octokit's errors are
 * wrapped into `RemoteError` here, with a hint and without the token or request headers.
 *
 * The token goes only to the origin of the API URL: a request (a pagination `Link`, say) naming
 * another origin is refused before it is sent, and redirects are followed by hand, on that origin
 * only. The identity rosterops posts as (`identity()`) is what tells its comments from look-alikes.
 */
import { Octokit, RequestError } from 'octokit';
import { ConfigError, RemoteError } from '../errors.js';
import { redact, redactThenCut, registerSecret } from '../util/redact.js';
import { noteSideEffect } from '../util/side-effects.js';
import {
  parseRepository, type CheckRunInput, type CommitStatusInput, type IssueComment, type NewPullRequest, type PullRequest,
  type PullRequestHost, type PullRequestPatch, type Review, type ReviewState,
} from './scm.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface OctokitSettings {
  token: string;
  /** REST API root: `https://api.github.com`, or `https://ghe.example.org/api/v3` for GitHub Enterprise. */
  baseUrl?: string;
  /** Retries after a rate limit or a server error before giving up. */
  maxRetries?: number;
  /**
   * `github` spaces writes as GitHub asks integrations to (one per second, three seconds between
   * notifying writes such as comments), which keeps clear of secondary rate limits; `none` is for
   * tests against a local fake.
   */
  pacing?: 'github' | 'none';
  /** Milliseconds per second of `retry-after`; tests shrink it. */
  retryDelayUnitMs?: number;
  /** Where octokit's own warnings go (default: nowhere). */
  warn?: (message: string) => void;
}

/** Redirect hops followed on the API origin before giving up. */
const MAX_REDIRECTS = 5;

function foreignOrigin(origin: string, allowed: string, what: string): RemoteError {
  return new RemoteError(
    'github.foreign-origin', `${what} names another origin (${origin}); rosterops sends the GitHub token only to ${allowed}`, undefined,
    'Check GITHUB_API_URL: it must be the API root of the GitHub that serves the repository (https://api.github.com, or https://HOST/api/v3 for Enterprise).',
  );
}

/**
 * fetch for octokit: never follows a redirect itself (fetch's own policy is not relied on for the
 * token), and refuses any URL off the API origin; `guardOrigin` below decides about 3xx answers.
 */
export function sameOriginFetch(allowed: string, fetchImpl: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.origin !== allowed) return Promise.reject(foreignOrigin(url.origin, allowed, `a GitHub request (${init?.method ?? 'GET'} ${url.pathname})`));
    return fetchImpl(url, { ...init, redirect: 'manual' });
  };
}

/** What octokit's request hook passes and gets back, as far as the guard reads it. */
interface HookOptions { method: string; url: string; baseUrl?: string; headers: Record<string, unknown>; request?: unknown }
interface HookResponse { status: number; headers: Record<string, string | undefined> }
type RequestHook = (request: (options: HookOptions) => Promise<HookResponse>, options: HookOptions) => Promise<HookResponse>;

/** The origin a request will go to: its URL when absolute (pagination `Link`s), else its baseUrl. */
function requestOrigin(options: HookOptions, baseUrl: string): string {
  const url = String(options.url);
  const target = /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : String(options.baseUrl ?? baseUrl);
  try {
    return new URL(target).origin;
  } catch {
    return target;
  }
}

/**
 * The outermost request hook: refuses a request off the API origin before retries and throttling see
 * it (pagination follows `Link` URLs as given), and follows redirects for reads on that origin only.
 * A redirect elsewhere is refused, not followed without the token: rosterops never needs one.
 */
function guardOrigin(allowed: string, baseUrl: string): RequestHook {
  return async (request, options) => {
    const origin = requestOrigin(options, baseUrl);
    const what = `a GitHub request (${String(options.method)} ${redact(String(options.url).split('?')[0] ?? '')})`;
    if (origin !== allowed) throw foreignOrigin(origin, allowed, what);
    let response = await request(options);
    for (let hop = 0; response.status >= 300 && response.status < 400; hop++) {
      const location = response.headers.location;
      if (!location) break;
      const next = new URL(location, /^[a-z][a-z0-9+.-]*:/i.test(String(options.url)) ? String(options.url) : `${String(options.baseUrl ?? baseUrl)}/`);
      if (next.origin !== allowed) throw foreignOrigin(next.origin, allowed, `GitHub's redirect of ${what}`);
      const read = options.method === 'GET' || options.method === 'HEAD' || response.status === 303;
      if (!read || hop >= MAX_REDIRECTS) {
        throw new RemoteError('github.redirect', `GitHub redirected ${what} (${response.status}); not followed`, response.status,
          'Check GITHUB_API_URL and GITHUB_REPOSITORY (a renamed or moved repository redirects).');
      }
      response = await request({ method: options.method === 'HEAD' ? 'HEAD' : 'GET', url: next.toString(), headers: options.headers, request: options.request, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
    }
    return response;
  };
}

type ThrottleOptions = NonNullable<NonNullable<ConstructorParameters<typeof Octokit>[0]>['throttle']>;
type Limiter = NonNullable<Extract<ThrottleOptions, { onRateLimit: unknown }>['write']>;

/** A limiter group that schedules at once: the throttling plugin's pacing without the waiting. */
const unpaced = { key: () => ({ schedule: (_options: unknown, task: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(task(...args)) }) } as unknown as Limiter;

export function createOctokit(settings: OctokitSettings): Octokit {
  const maxRetries = settings.maxRetries ?? 3;
  const unit = settings.retryDelayUnitMs ?? 1000;
  const warn = (message: string) => settings.warn?.(redact(message));
  // Bounded: retry while attempts remain and GitHub asks for a wait we are willing to sit out.
  const retryWhile = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < maxRetries && retryAfter <= 120;
    warn(`GitHub ${kind} on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s` : 'giving up'}`);
    return again;
  };
  const baseUrl = (settings.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  const allowed = apiOrigin(baseUrl);
  const octokit = new Octokit({
    auth: settings.token,
    baseUrl,
    request: { fetch: sameOriginFetch(allowed) },
    userAgent: 'rosterops',
    log: { debug: () => {}, info: () => {}, warn, error: warn },
    retry: { retries: maxRetries, retryAfterBaseValue: unit },
    throttle: {
      onRateLimit: retryWhile('rate limit'),
      onSecondaryRateLimit: retryWhile('secondary rate limit'),
      retryAfterBaseValue: unit,
      ...(settings.pacing === 'none' ? { write: unpaced, notifications: unpaced, search: unpaced } : {}),
    },
  });
  // Registered last, so outermost: it sees each call once, before retries and throttling.
  octokit.hook.wrap('request', guardOrigin(allowed, baseUrl) as unknown as Parameters<typeof octokit.hook.wrap<'request'>>[1]);
  return octokit;
}

function apiOrigin(baseUrl: string): string {
  let url: URL | null = null;
  try {
    url = new URL(baseUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError('github.api-url-invalid', `GITHUB_API_URL ${JSON.stringify(baseUrl.slice(0, 200))} is not an http(s) URL`, {},
      'Unset GITHUB_API_URL for github.com, or set it to https://HOST/api/v3 for GitHub Enterprise.');
  }
  return url.origin;
}

/** Our own refusal (another origin), thrown by the hook or from inside fetch. */
const refusedBeforeSending = (err: unknown) => err instanceof RemoteError || (err instanceof RequestError && err.cause instanceof RemoteError);

/** GitHub logins: letters, digits, hyphens (and `_` for Enterprise managed users); apps post as `<slug>[bot]`. */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(?:\[bot\])?$/;

/** The variable that names the account rosterops posts as, when the API cannot say. */
export const COMMENT_AUTHOR_ENV = 'ROSTEROPS_COMMENT_AUTHOR';

export interface EnvironmentOverrides {
  repository?: string;
  /** The login rosterops posts as (`comment --author`); else ROSTEROPS_COMMENT_AUTHOR, else asked of the API. */
  commentAuthor?: string;
  pacing?: OctokitSettings['pacing'];
  retryDelayUnitMs?: number;
  warn?: (message: string) => void;
}

type Env = Record<string, string | undefined>;

export class GitHubHost implements PullRequestHost {
  readonly repository: string;
  private readonly owner: string;
  private readonly repo: string;
  private login: Promise<string> | null = null;

  /** `commentAuthor`: the login rosterops posts as, when configured; otherwise asked of the API once. */
  constructor(private readonly octokit: Octokit, repository: string, private readonly commentAuthor?: string) {
    if (commentAuthor !== undefined && !LOGIN.test(commentAuthor)) {
      throw new ConfigError('github.author-invalid', `comment author ${JSON.stringify(commentAuthor.slice(0, 100))} is not a GitHub login`, {},
        `Give the login rosterops comments as, e.g. github-actions[bot] for the workflow token or my-app[bot] for an app (--author or ${COMMENT_AUTHOR_ENV}).`);
    }
    const parts = parseRepository(repository);
    if (!parts) {
      throw new ConfigError('github.repository-invalid', `repository ${JSON.stringify(repository)} is not owner/name`, {}, 'Pass --repository owner/name or set GITHUB_REPOSITORY.');
    }
    this.repository = `${parts.owner}/${parts.repo}`;
    this.owner = parts.owner;
    this.repo = parts.repo;
  }

  /** From GitHub Actions' variables: GITHUB_TOKEN, GITHUB_API_URL (Enterprise), GITHUB_REPOSITORY. */
  static fromEnvironment(env: Env, overrides: EnvironmentOverrides = {}): GitHubHost {
    const token = env.GITHUB_TOKEN;
    if (!token) {
      throw new ConfigError(
        'github.token-missing', 'GITHUB_TOKEN is not set', {},
        'In a workflow, pass `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` with permissions pull-requests: write and checks: write; or preview with --dry-run.',
      );
    }
    registerSecret(token);
    const repository = overrides.repository ?? env.GITHUB_REPOSITORY;
    if (!repository) {
      throw new ConfigError('github.repository-missing', 'no repository to comment on', {}, 'Run inside GitHub Actions (GITHUB_REPOSITORY) or pass --repository owner/name.');
    }
    const octokit = createOctokit({
      token, baseUrl: env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL,
      pacing: overrides.pacing, retryDelayUnitMs: overrides.retryDelayUnitMs, warn: overrides.warn,
    });
    const author = overrides.commentAuthor ?? (env[COMMENT_AUTHOR_ENV]?.trim() || undefined);
    return new GitHubHost(octokit, repository, author);
  }

  /**
   * The login the token posts as. A user token answers `GET /user`; an installation token (the
   * Actions GITHUB_TOKEN, a GitHub App's) gets 403 there, and GraphQL `viewer` names its bot
   * (`github-actions[bot]`, `<app-slug>[bot]`). If neither answers, the login must be configured.
   */
  identity(): Promise<string> {
    if (this.commentAuthor) return Promise.resolve(this.commentAuthor);
    this.login ??= this.askIdentity();
    return this.login;
  }

  private async askIdentity(): Promise<string> {
    const doing = 'ask GitHub which account the token is';
    try {
      const { data } = await this.octokit.rest.users.getAuthenticated();
      if (typeof data.login === 'string' && data.login) return data.login;
    } catch (err) {
      // 403 is the installation token's answer; anything else (bad credentials, no network) is the error.
      if (!(err instanceof RequestError && (err.status === 403 || err.status === 404) && !(err.cause instanceof RemoteError))) throw toRemoteError(err, doing);
    }
    let cause: unknown;
    try {
      const data = await this.octokit.graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }');
      // Only an installation token gets here, and its REST comments are by `<slug>[bot]`; GraphQL
      // has been seen to name bots with and without that suffix.
      if (typeof data.viewer?.login === 'string' && data.viewer.login) return data.viewer.login.replace(/(?:\[bot\])?$/, '[bot]');
    } catch (err) {
      if (refusedBeforeSending(err)) throw toRemoteError(err, doing);
      cause = err;
    }
    const said = cause instanceof RequestError ? ` (GraphQL answered ${cause.status})` : cause instanceof Error ? ` (${redactThenCut(cause.message, 200)})` : '';
    throw new RemoteError('github.identity-unknown', `cannot tell which account the GitHub token posts as: GET /user is not allowed for it and GraphQL viewer did not name it${said}`, cause instanceof RequestError ? cause.status : undefined,
      `Set ${COMMENT_AUTHOR_ENV} (or comment --author) to the login rosterops comments as, e.g. github-actions[bot] for the workflow token; only marked comments by that account count as rosterops's.`,
      { cause });
  }

  async listComments(pr: number): Promise<IssueComment[]> {
    return this.call('list the comments of', `#${pr}`, async () => {
      const all = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: pr, per_page: 100 });
      return all.map(toComment);
    });
  }

  async createComment(pr: number, body: string): Promise<IssueComment> {
    return this.write('comment on', `#${pr}`, async () =>
      toComment((await this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: pr, body })).data));
  }

  async updateComment(id: number, body: string): Promise<IssueComment> {
    return this.write('edit', `comment ${id}`, async () =>
      toComment((await this.octokit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: id, body })).data));
  }

  async deleteComment(id: number): Promise<void> {
    await this.write('delete', `comment ${id}`, () => this.octokit.rest.issues.deleteComment({ owner: this.owner, repo: this.repo, comment_id: id }));
  }

  async listReviews(pr: number): Promise<Review[]> {
    return this.call('list the reviews of', `#${pr}`, async () => {
      const all = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, { owner: this.owner, repo: this.repo, pull_number: pr, per_page: 100 });
      return all.map((r): Review => ({
        id: r.id, author: r.user?.login ?? '', state: r.state as ReviewState, commitId: r.commit_id ?? null,
        submittedAt: r.submitted_at ?? null, body: r.body ?? '',
      }));
    });
  }

  async getPullRequest(pr: number): Promise<PullRequest> {
    return this.call('read', `pull request #${pr}`, async () =>
      toPullRequest((await this.octokit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: pr })).data));
  }

  async pullRequestsForCommit(sha: string): Promise<PullRequest[]> {
    return this.call('list the pull requests of', `commit ${sha}`, async () => {
      const all = await this.octokit.paginate(this.octokit.rest.repos.listPullRequestsAssociatedWithCommit, { owner: this.owner, repo: this.repo, commit_sha: sha, per_page: 100 });
      return all.map(toPullRequest);
    });
  }

  async createCheckRun(input: CheckRunInput): Promise<{ id: number; url: string }> {
    return this.write('create a check run on', `commit ${input.headSha}`, async () => {
      const { data } = await this.octokit.rest.checks.create({
        owner: this.owner, repo: this.repo, name: input.name, head_sha: input.headSha, status: 'completed', conclusion: input.conclusion,
        completed_at: new Date().toISOString(), output: { title: input.title, summary: input.summary },
        ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
      });
      return { id: data.id, url: data.html_url ?? '' };
    });
  }

  async setCommitStatus(input: CommitStatusInput): Promise<void> {
    await this.write('set a commit status on', `commit ${input.sha}`, () => this.octokit.rest.repos.createCommitStatus({
      owner: this.owner, repo: this.repo, sha: input.sha, state: input.state, context: input.context,
      description: input.description.length > 140 ? `${input.description.slice(0, 139)}…` : input.description,
      ...(input.targetUrl ? { target_url: input.targetUrl } : {}),
    }));
  }

  async createPullRequest(input: NewPullRequest): Promise<PullRequest> {
    return this.write('open a pull request from', input.head, async () =>
      toPullRequest((await this.octokit.rest.pulls.create({ owner: this.owner, repo: this.repo, head: input.head, base: input.base, title: input.title, body: input.body, draft: input.draft ?? false })).data));
  }

  async updatePullRequest(pr: number, patch: PullRequestPatch): Promise<PullRequest> {
    return this.write('update', `pull request #${pr}`, async () =>
      toPullRequest((await this.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: pr, ...patch })).data));
  }

  async findOpenPullRequest(head: string, base: string): Promise<PullRequest | null> {
    return this.call('look for a pull request from', head, async () => {
      const qualified = head.includes(':') ? head : `${this.owner}:${head}`;
      const { data } = await this.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, state: 'open', head: qualified, base, per_page: 100 });
      const first = data[0];
      return first ? toPullRequest(first) : null;
    });
  }

  /** Run one API call; turn octokit's failure into a RemoteError that says what we were doing. */
  /** A call that changes something on GitHub: remembered, so a later error does not claim nothing was written. */
  private async write<T>(verb: string, what: string, fn: () => Promise<T>): Promise<T> {
    const result = await this.call(verb, what, fn);
    noteSideEffect(`GitHub: ${verb} ${what}`);
    return result;
  }

  private async call<T>(verb: string, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toRemoteError(err, `${verb} ${what} in ${this.repository}`);
    }
  }
}

interface CommentData { id: number; body?: string | null; user?: { login: string } | null; created_at: string; updated_at?: string; html_url: string }

function toComment(c: CommentData): IssueComment {
  return { id: c.id, body: c.body ?? '', author: c.user?.login ?? '', createdAt: c.created_at, updatedAt: c.updated_at ?? c.created_at, url: c.html_url };
}

interface PullData {
  number: number; state: string; title: string; body?: string | null; html_url: string; merged_at?: string | null; merged?: boolean;
  head: { ref: string; sha: string }; base: { ref: string };
}

function toPullRequest(p: PullData): PullRequest {
  return {
    number: p.number, state: p.state === 'closed' ? 'closed' : 'open', title: p.title, body: p.body ?? '',
    head: { ref: p.head.ref, sha: p.head.sha }, base: { ref: p.base.ref }, url: p.html_url, merged: p.merged ?? Boolean(p.merged_at),
  };
}

/** What to do about a refusal, by HTTP status. */
function hintFor(status: number, message: string): string {
  if (/secondary rate limit|rate limit exceeded/i.test(message)) return 'GitHub rate-limited rosterops; wait a few minutes and run the job again.';
  switch (status) {
    case 401: return 'The token is missing, expired or wrong: pass the workflow token as GITHUB_TOKEN.';
    case 403: return 'The token may not do this: grant the workflow `permissions: pull-requests: write, checks: write, statuses: write`. Pull requests from forks get a read-only token.';
    case 404: return 'The repository, pull request or commit does not exist, or the token cannot see it: check GITHUB_REPOSITORY, --pr and GITHUB_API_URL.';
    case 422: return 'GitHub found the request invalid (for example an unknown commit or branch).';
    default: return status >= 500 ? 'GitHub had a server error; run the job again later.' : 'Check GITHUB_API_URL and the network.';
  }
}

/** GitHub's 422 answers list what was wrong: `errors: [{ message }]` or `[{ resource, field, code }]`. */
function validationDetail(errors: unknown): string {
  if (!Array.isArray(errors) || errors.length === 0) return '';
  const first = errors[0] as { message?: unknown; resource?: unknown; field?: unknown; code?: unknown };
  const text = typeof first.message === 'string' ? first.message : [first.resource, first.field, first.code].filter((x) => typeof x === 'string').join(' ');
  return text ? ` (${redactThenCut(text, 200)})` : '';
}

export function toRemoteError(err: unknown, doing: string): RemoteError {
  if (err instanceof RemoteError) return err;
  // Refused inside fetch (another origin): octokit wraps it as a network failure.
  if (err instanceof RequestError && err.cause instanceof RemoteError) return err.cause;
  if (err instanceof RequestError) {
    // The response's own message (e.g. "Bad credentials"), never the request: its headers carry the token.
    const data = err.response?.data as { message?: unknown; errors?: unknown } | undefined;
    const base = typeof data?.message === 'string' ? data.message : err.status >= 500 ? 'server or network error' : `HTTP ${err.status}`;
    const said = base + validationDetail(data?.errors);
    return new RemoteError(
      `github.http-${err.status}`, redact(`GitHub refused to ${doing}: ${err.status} ${said}`), err.status, hintFor(err.status, said),
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new RemoteError('github.unreachable', redact(`could not ${doing}: ${message}`), undefined, 'Check GITHUB_API_URL and the network.');
}
