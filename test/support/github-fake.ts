/**
 * A local GitHub REST fake (127.0.0.1, random port) for the endpoints rosterops calls, speaking
 * GitHub's wire format closely enough that the real octokit (pagination, retries, throttling,
 * RequestError) runs unchanged against it. Tests seed its state, inspect what it received, and
 * switch faults on: a 403 for check runs, a secondary rate limit, a server error.
 *
 * Served both at `/` (github.com) and at `/api/v3` (GitHub Enterprise; GraphQL at `/api/graphql`).
 *
 * Several accounts: each token maps to a user, and comments record who wrote them. A token of a
 * `Bot` user behaves like an installation token (the Actions GITHUB_TOKEN, a GitHub App's): `GET
 * /user` answers 403 "Resource not accessible by integration" as GitHub does, while GraphQL
 * `viewer { login }` names the bot. A `User` token answers both.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const DOCS = 'https://docs.github.com/rest';

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeReview {
  id: number;
  repo: string;
  pull: number;
  user: FakeUser;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  commit_id: string;
  submitted_at: string;
}

export interface FakePull {
  number: number;
  repo: string;
  state: 'open' | 'closed';
  title: string;
  body: string;
  user: FakeUser;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  draft: boolean;
  merged_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface FakeCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  details_url: string | null;
  started_at: string;
  completed_at: string | null;
}

export interface FakeStatus {
  id: number;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  creator: FakeUser;
  created_at: string;
}

export interface ReceivedRequest {
  method: string;
  /** Path without the `/api/v3` prefix and without the query. */
  path: string;
  query: Record<string, string>;
  /** The raw request body ('' for none). */
  body: string;
  status: number;
  /** Whether the request carried an Authorization header (whatever its value). */
  authorized: boolean;
}

/** Answer the next matching request(s) with this instead of the real handler. */
export interface Fault {
  method?: string;
  path?: RegExp;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface GitHubFakeState {
  /** Token → the user it authenticates as. */
  tokens: Map<string, FakeUser>;
  comments: FakeComment[];
  reviews: FakeReview[];
  pulls: FakePull[];
  checkRuns: FakeCheckRun[];
  statuses: FakeStatus[];
  requests: ReceivedRequest[];
  faults: Fault[];
  /** Answer every check run creation with 403, as GitHub does for a token without `checks: write`. */
  forbidCheckRuns: boolean;
  /** Origin written into pagination `Link` headers instead of the fake's own (a hostile or broken proxy). */
  linkOrigin: string | null;
}

export const BOT: FakeUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export class GitHubFake {
  readonly state: GitHubFakeState;
  private nextId = 1000;
  private clock = Date.parse('2025-10-01T12:00:00Z');

  private constructor(private readonly server: Server, readonly url: string, tokens: Map<string, FakeUser>) {
    this.state = { tokens, comments: [], reviews: [], pulls: [], checkRuns: [], statuses: [], requests: [], faults: [], forbidCheckRuns: false, linkOrigin: null };
  }

  /** Accept another token, authenticating as `user`. */
  addToken(token: string, user: FakeUser): void {
    this.state.tokens.set(token, user);
  }

  /** Start on a random port. `tokens` maps each accepted token to its user (default: one bot token). */
  static async start(tokens: Record<string, FakeUser> = { 'ghs_fake_token_0123456789': BOT }): Promise<GitHubFake> {
    let fake: GitHubFake | null = null;
    const server = createServer((req, res) => {
      fake!.handle(req, res).catch((err: unknown) => send(res, 500, { message: `fake error: ${(err as Error).message}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new GitHubFake(server, `http://127.0.0.1:${port}`, new Map(Object.entries(tokens)));
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A monotonic clock, one second per event, so ordering by time is deterministic. */
  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  id(): number {
    return this.nextId++;
  }

  seedPull(repo: string, fields: Partial<FakePull> & { number: number }): FakePull {
    const at = this.now();
    const pull: FakePull = {
      repo, state: 'open', title: `PR ${fields.number}`, body: '', user: { login: 'admin', id: 7, type: 'User' },
      head: { ref: `branch-${fields.number}`, sha: hexSha(fields.number) }, base: { ref: 'main', sha: hexSha(0) },
      draft: false, merged_at: null, created_at: at, updated_at: at, ...fields,
    };
    this.state.pulls.push(pull);
    return pull;
  }

  seedComment(repo: string, issue: number, body: string, user: FakeUser = BOT): FakeComment {
    const at = this.now();
    const comment: FakeComment = { id: this.id(), repo, issue, body, user, created_at: at, updated_at: at };
    this.state.comments.push(comment);
    return comment;
  }

  seedReview(repo: string, pull: number, fields: Partial<FakeReview> & Pick<FakeReview, 'state'>): FakeReview {
    const review: FakeReview = {
      id: this.id(), repo, pull, user: { login: 'reviewer', id: 8, type: 'User' }, body: '',
      commit_id: this.state.pulls.find((p) => p.repo === repo && p.number === pull)?.head.sha ?? hexSha(pull), submitted_at: this.now(), ...fields,
    };
    this.state.reviews.push(review);
    return review;
  }

  failNext(fault: Fault): void {
    this.state.faults.push({ times: 1, ...fault });
  }

  /** GitHub's secondary rate limit answer: 403, its own wording, and a `retry-after`. */
  secondaryRateLimit(method: string, path: RegExp, retryAfterSeconds = 1): void {
    this.failNext({
      method, path, status: 403, headers: { 'retry-after': String(retryAfterSeconds) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:1111.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
    });
  }

  commentsOn(repo: string, issue: number): FakeComment[] {
    return this.state.comments.filter((c) => c.repo === repo && c.issue === issue);
  }

  /** Every request body the fake received, for "this never left the machine" assertions. */
  receivedBodies(): string[] {
    return this.state.requests.map((r) => r.body);
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api(?=\/graphql$)/, '');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const record: ReceivedRequest = { method, path, query, body: raw, status: 0, authorized: req.headers.authorization !== undefined };
    this.state.requests.push(record);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      send(res, status, body, headers);
    };

    const user = this.authenticate(req.headers.authorization);
    if (!user) return reply(401, { message: req.headers.authorization ? 'Bad credentials' : 'Requires authentication', documentation_url: DOCS, status: '401' });

    const fault = this.state.faults.find((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.state.faults.splice(this.state.faults.indexOf(fault), 1);
      return reply(fault.status, fault.body, fault.headers);
    }

    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return reply(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      }
    }
    const route = this.route(method, path);
    if (!route) return reply(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const linkBase = this.state.linkOrigin ? new URL(url.pathname + url.search, this.state.linkOrigin) : url;
    const { status, data, headers } = route({ user, body, query, url: linkBase });
    reply(status, data, headers);
  }

  private authenticate(header: string | undefined): FakeUser | null {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
    return m ? this.state.tokens.get(m[1]!) ?? null : null;
  }

  private route(method: string, path: string): Handler | null {
    const routes: [string, RegExp, (m: RegExpExecArray) => Handler][] = [
      ['GET', /^\/user$/, () => this.authenticatedUser()],
      ['POST', /^\/graphql$/, () => this.graphql()],
      ['GET', /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/, (m) => this.listComments(m[1]!, Number(m[2]))],
      ['POST', /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/, (m) => this.createComment(m[1]!, Number(m[2]))],
      ['PATCH', /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/, (m) => this.updateComment(m[1]!, Number(m[2]))],
      ['DELETE', /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/, (m) => this.deleteComment(m[1]!, Number(m[2]))],
      ['GET', /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)\/reviews$/, (m) => this.listReviews(m[1]!, Number(m[2]))],
      ['GET', /^\/repos\/([^/]+\/[^/]+)\/commits\/([^/]+)\/pulls$/, (m) => this.pullsForCommit(m[1]!, m[2]!)],
      ['POST', /^\/repos\/([^/]+\/[^/]+)\/check-runs$/, (m) => this.createCheckRun(m[1]!)],
      ['POST', /^\/repos\/([^/]+\/[^/]+)\/statuses\/([^/]+)$/, (m) => this.createStatus(m[1]!, m[2]!)],
      ['GET', /^\/repos\/([^/]+\/[^/]+)\/pulls$/, (m) => this.listPulls(m[1]!)],
      ['POST', /^\/repos\/([^/]+\/[^/]+)\/pulls$/, (m) => this.createPull(m[1]!)],
      ['GET', /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/, (m) => this.getPull(m[1]!, Number(m[2]))],
      ['PATCH', /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/, (m) => this.updatePull(m[1]!, Number(m[2]))],
    ];
    for (const [verb, pattern, make] of routes) {
      const m = pattern.exec(path);
      if (m && verb === method) return make(m);
    }
    return null;
  }

  // ---- endpoints -------------------------------------------------------------------------------

  /** `GET /user`: a user token's account; an installation token (a bot) may not ask. */
  private authenticatedUser(): Handler {
    return ({ user }) => (user.type === 'Bot'
      ? forbidden('Resource not accessible by integration', 'https://docs.github.com/rest/users/users#get-the-authenticated-user')
      : { status: 200, data: userJson(user) });
  }

  /** GraphQL: only `viewer { login }`, which every token may ask. */
  private graphql(): Handler {
    return ({ user, body }) => {
      const query = typeof body.query === 'string' ? body.query : '';
      // Bots by their slug: GraphQL has been seen to drop the `[bot]` that REST authors carry.
      if (/viewer\s*\{\s*login\s*\}/.test(query)) return { status: 200, data: { data: { viewer: { login: user.login.replace(/\[bot\]$/, '') } } } };
      return { status: 200, data: { errors: [{ message: 'the GitHub fake answers only viewer { login }' }] } };
    };
  }

  private listComments(repo: string, issue: number): Handler {
    return ({ query, url }) => {
      if (!this.pull(repo, issue)) return notFound();
      return paginate(this.commentsOn(repo, issue).map((c) => this.commentJson(c)), query, url);
    };
  }

  private createComment(repo: string, issue: number): Handler {
    return ({ user, body }) => {
      if (!this.pull(repo, issue)) return notFound();
      const invalid = checkBody(body.body, 'IssueComment');
      if (invalid) return invalid;
      const comment = this.seedComment(repo, issue, body.body as string, user);
      return { status: 201, data: this.commentJson(comment), headers: { location: this.commentJson(comment).url } };
    };
  }

  private updateComment(repo: string, id: number): Handler {
    return ({ user, body }) => {
      const comment = this.state.comments.find((c) => c.repo === repo && c.id === id);
      if (!comment) return notFound();
      if (comment.user.login !== user.login) return forbidden('Resource not accessible by integration');
      const invalid = checkBody(body.body, 'IssueComment');
      if (invalid) return invalid;
      comment.body = body.body as string;
      comment.updated_at = this.now();
      return { status: 200, data: this.commentJson(comment) };
    };
  }

  private deleteComment(repo: string, id: number): Handler {
    return ({ user }) => {
      const index = this.state.comments.findIndex((c) => c.repo === repo && c.id === id);
      if (index < 0) return notFound();
      if (this.state.comments[index]!.user.login !== user.login) return forbidden('Resource not accessible by integration');
      this.state.comments.splice(index, 1);
      return { status: 204, data: null };
    };
  }

  private listReviews(repo: string, pull: number): Handler {
    return ({ query, url }) => {
      if (!this.pull(repo, pull)) return notFound();
      const reviews = this.state.reviews.filter((r) => r.repo === repo && r.pull === pull).map((r) => ({
        id: r.id, node_id: `PRR_${r.id}`, user: userJson(r.user), body: r.body, state: r.state,
        html_url: `https://github.com/${repo}/pull/${pull}#pullrequestreview-${r.id}`,
        pull_request_url: `${this.url}/repos/${repo}/pulls/${pull}`, author_association: 'MEMBER',
        submitted_at: r.submitted_at, commit_id: r.commit_id,
      }));
      return paginate(reviews, query, url);
    };
  }

  private pullsForCommit(repo: string, sha: string): Handler {
    return ({ query, url }) => paginate(this.state.pulls.filter((p) => p.repo === repo && p.head.sha === sha).map((p) => this.pullJson(p)), query, url);
  }

  private createCheckRun(repo: string): Handler {
    return ({ body }) => {
      if (this.state.forbidCheckRuns) {
        return { ...forbidden('Resource not accessible by integration', 'https://docs.github.com/rest/checks/runs#create-a-check-run'), headers: { 'x-accepted-github-permissions': 'checks=write' } };
      }
      const { name, head_sha: sha, conclusion, status = conclusion ? 'completed' : 'queued' } = body as Record<string, string | undefined>;
      if (typeof name !== 'string' || typeof sha !== 'string') return invalid('CheckRun', 'missing_field', 'name or head_sha');
      if (!/^[0-9a-f]{40}$/.test(sha)) return { status: 422, data: { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS, status: '422' } };
      const conclusions = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];
      if (status === 'completed' && (!conclusion || !conclusions.includes(conclusion))) return invalid('CheckRun', 'invalid', 'conclusion');
      const output = (body.output ?? {}) as { title?: string; summary?: string; text?: string };
      if ((output.summary?.length ?? 0) > 65535) return invalid('CheckRun', 'custom', 'output.summary');
      const at = this.now();
      const run: FakeCheckRun = {
        id: this.id(), repo, name, head_sha: sha, status, conclusion: conclusion ?? null,
        output: { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null },
        details_url: (body.details_url as string | undefined) ?? null, started_at: at, completed_at: status === 'completed' ? at : null,
      };
      this.state.checkRuns.push(run);
      return {
        status: 201,
        data: {
          id: run.id, node_id: `CR_${run.id}`, head_sha: sha, external_id: '', url: `${this.url}/repos/${repo}/check-runs/${run.id}`,
          html_url: `https://github.com/${repo}/runs/${run.id}`, details_url: run.details_url, status: run.status, conclusion: run.conclusion,
          started_at: run.started_at, completed_at: run.completed_at, name, output: { ...run.output, annotations_count: 0, annotations_url: '' },
          check_suite: { id: 1 }, app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }, pull_requests: [],
        },
      };
    };
  }

  private createStatus(repo: string, sha: string): Handler {
    return ({ user, body }) => {
      const { state, context = 'default', description = null, target_url: target = null } = body as Record<string, string | null | undefined>;
      if (!['error', 'failure', 'pending', 'success'].includes(state ?? '')) return invalid('Status', 'custom', 'state');
      if (description && description.length > 140) return invalid('Status', 'custom', 'description');
      const status: FakeStatus = { id: this.id(), repo, sha, state: state!, context: context!, description: description ?? null, target_url: target ?? null, creator: user, created_at: this.now() };
      this.state.statuses.push(status);
      return {
        status: 201,
        data: {
          id: status.id, node_id: `SC_${status.id}`, url: `${this.url}/repos/${repo}/statuses/${sha}`, state: status.state, description: status.description,
          target_url: status.target_url, context: status.context, created_at: status.created_at, updated_at: status.created_at, creator: userJson(user),
        },
      };
    };
  }

  private listPulls(repo: string): Handler {
    return ({ query, url }) => {
      const state = query.state ?? 'open';
      const owner = repo.split('/')[0]!;
      const pulls = this.state.pulls.filter((p) => p.repo === repo
        && (state === 'all' || p.state === state)
        && (!query.head || query.head === `${owner}:${p.head.ref}`)
        && (!query.base || query.base === p.base.ref));
      return paginate(pulls.map((p) => this.pullJson(p)), query, url);
    };
  }

  private createPull(repo: string): Handler {
    return ({ user, body }) => {
      const { head, base, title, body: text = '', draft = false } = body as { head?: string; base?: string; title?: string; body?: string; draft?: boolean };
      if (!head || !base || !title) return invalid('PullRequest', 'missing_field', !head ? 'head' : !base ? 'base' : 'title');
      const ref = head.includes(':') ? head.split(':')[1]! : head;
      if (this.state.pulls.some((p) => p.repo === repo && p.state === 'open' && p.head.ref === ref && p.base.ref === base)) {
        return { status: 422, data: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.split('/')[0]}:${ref}.` }], documentation_url: DOCS, status: '422' } };
      }
      const number = Math.max(0, ...this.state.pulls.filter((p) => p.repo === repo).map((p) => p.number)) + 1;
      const pull = this.seedPull(repo, { number, title, body: text, draft, user, head: { ref, sha: hexSha(number * 7919) }, base: { ref: base, sha: hexSha(0) } });
      return { status: 201, data: this.pullJson(pull) };
    };
  }

  private getPull(repo: string, number: number): Handler {
    return () => {
      const pull = this.pull(repo, number);
      return pull ? { status: 200, data: this.pullJson(pull) } : notFound();
    };
  }

  private updatePull(repo: string, number: number): Handler {
    return ({ body }) => {
      const pull = this.pull(repo, number);
      if (!pull) return notFound();
      const patch = body as { title?: string; body?: string; state?: string; base?: string };
      if (patch.state !== undefined && patch.state !== 'open' && patch.state !== 'closed') return invalid('PullRequest', 'invalid', 'state');
      if (patch.title !== undefined) pull.title = patch.title;
      if (patch.body !== undefined) pull.body = patch.body;
      if (patch.state !== undefined) pull.state = patch.state as 'open' | 'closed';
      if (patch.base !== undefined) pull.base.ref = patch.base;
      pull.updated_at = this.now();
      return { status: 200, data: this.pullJson(pull) };
    };
  }

  // ---- JSON shapes -----------------------------------------------------------------------------

  private pull(repo: string, number: number): FakePull | undefined {
    return this.state.pulls.find((p) => p.repo === repo && p.number === number);
  }

  private commentJson(c: FakeComment) {
    return {
      id: c.id, node_id: `IC_${c.id}`, url: `${this.url}/repos/${c.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`, issue_url: `${this.url}/repos/${c.repo}/issues/${c.issue}`,
      body: c.body, user: userJson(c.user), created_at: c.created_at, updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER', performed_via_github_app: null,
    };
  }

  private pullJson(p: FakePull) {
    const owner = p.repo.split('/')[0]!;
    const repoJson = { id: 1, name: p.repo.split('/')[1], full_name: p.repo, owner: { login: owner, id: 1, type: 'Organization' } };
    return {
      id: 50_000 + p.number, node_id: `PR_${p.number}`, number: p.number, state: p.state, locked: false, title: p.title, body: p.body,
      user: userJson(p.user), draft: p.draft, merged: p.merged_at !== null, merged_at: p.merged_at, created_at: p.created_at, updated_at: p.updated_at,
      url: `${this.url}/repos/${p.repo}/pulls/${p.number}`, html_url: `https://github.com/${p.repo}/pull/${p.number}`,
      head: { label: `${owner}:${p.head.ref}`, ref: p.head.ref, sha: p.head.sha, repo: repoJson, user: { login: owner } },
      base: { label: `${owner}:${p.base.ref}`, ref: p.base.ref, sha: p.base.sha, repo: repoJson, user: { login: owner } },
    };
  }
}

interface HandlerInput {
  user: FakeUser;
  body: Record<string, unknown>;
  query: Record<string, string>;
  url: URL;
}

interface HandlerResult {
  status: number;
  data: unknown;
  headers?: Record<string, string>;
}

type Handler = (input: HandlerInput) => HandlerResult;

function userJson(u: FakeUser) {
  return { login: u.login, id: u.id, node_id: `U_${u.id}`, type: u.type, site_admin: false, html_url: `https://github.com/${u.login}` };
}

function notFound(): HandlerResult {
  return { status: 404, data: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
}

function forbidden(message: string, documentation = DOCS): HandlerResult {
  return { status: 403, data: { message, documentation_url: documentation, status: '403' } };
}

function invalid(resource: string, code: string, field: string): HandlerResult {
  return { status: 422, data: { message: 'Validation Failed', errors: [{ resource, code, field }], documentation_url: DOCS, status: '422' } };
}

function checkBody(value: unknown, resource: string): HandlerResult | null {
  if (typeof value !== 'string') return invalid(resource, 'missing_field', 'body');
  if (value.length > 65536) {
    return { status: 422, data: { message: 'Validation Failed', errors: [{ resource, code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], documentation_url: DOCS, status: '422' } };
  }
  return null;
}

/** `per_page` (default 30, at most 100) and `page`, with GitHub's `Link` header. */
function paginate(items: unknown[], query: Record<string, string>, url: URL): HandlerResult {
  const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.page ?? 1) || 1, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const u = new URL(url);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(n));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return { status: 200, data: items.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

let requestCounter = 0;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = status === 204 || body === null ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'x-github-request-id': `FAKE:${++requestCounter}`,
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...headers,
  });
  res.end(text);
}

/** A 40-hex commit id derived from a number, so tests can name commits. */
export function hexSha(n: number): string {
  return n.toString(16).padStart(40, 'a').slice(-40);
}
