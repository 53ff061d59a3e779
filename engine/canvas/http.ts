/**
 * The one way rosterops talks HTTP to Canvas: bearer token, bounded timeouts, retries with
 * exponential backoff and jitter on 5xx, network errors and throttling (Canvas answers 403 with
 * `X-Rate-Limit-Remaining: 0` when its leaky bucket is full, reference §4.5; 429 is honoured too).
 * The token lives only in the request header, and that header goes only to the configured Canvas
 * origin (scheme, host, port): an absolute URL, a `Link: rel="next"` or a redirect naming another
 * origin is refused, and report files on another origin are fetched without it (`download`). Text
 * quoted from a Canvas answer is redacted before it is shortened.
 */
import { ConfigError, RemoteError } from '../errors.js';
import { redact, redactThenCut, registerSecret } from '../util/redact.js';

export interface CanvasHttpOptions {
  baseUrl: string;
  token: string;
  /** Attempts for one request, the first included. */
  attempts?: number;
  /** First backoff delay; doubles each retry, with full jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per retry with a sentence for the log. */
  onRetry?: (message: string) => void;
}

export interface CanvasResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  json<T>(): T;
  text(): string;
}

export interface RequestOptions {
  query?: Record<string, string | string[] | number | boolean | undefined>;
  body?: string | Uint8Array | URLSearchParams | FormData | Blob;
  headers?: Record<string, string>;
  /** false for requests whose repetition could do something twice (an import upload). */
  retry?: boolean;
  /**
   * Redirects to another origin: refused (default, API calls never need one), or followed without
   * the Authorization header (file downloads, which Canvas redirects to signed storage URLs).
   */
  foreignRedirects?: 'refuse' | 'follow-without-token';
  /** Send the Authorization header (default true; false for a signed URL on another origin). */
  authorize?: boolean;
}

/** Redirect hops followed before giving up; Canvas file downloads take one or two. */
const MAX_REDIRECTS = 5;

/** A failure after which the request may be re-sent. */
export class TransientError extends RemoteError {}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CanvasHttp {
  readonly baseUrl: string;
  /** scheme://host:port of baseUrl: the only place the token is sent. */
  readonly origin: string;
  private readonly token: string;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRetry: (message: string) => void;

  constructor(options: CanvasHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = canvasOrigin(this.baseUrl);
    this.token = options.token;
    registerSecret(options.token);
    this.attempts = options.attempts ?? 6;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.onRetry = options.onRetry ?? (() => {});
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(path.startsWith('http') ? path : `${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<CanvasResponse> {
    const url = this.url(path, options.query);
    if (options.authorize !== false) this.requireOwnOrigin(url, `${method} request`);
    const attempts = options.retry === false ? 1 : this.attempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, url, options);
      } catch (err) {
        if (!(err instanceof TransientError) || attempt >= attempts) throw err;
        const delay = this.delayFor(attempt, err);
        this.onRetry(`${method} ${new URL(url).pathname}: ${err.message}; retry ${attempt}/${attempts - 1} in ${(delay / 1000).toFixed(1)}s`);
        await this.sleep(delay);
      }
    }
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request(method, path, options)).json<T>();
  }

  /**
   * Follows Canvas `Link: rel="next"` pagination (URLs are opaque, reference §4.4), but only on the
   * Canvas origin: a next page elsewhere would receive the token.
   */
  async paginate<T>(path: string, query: RequestOptions['query'], pick: (page: unknown) => T[]): Promise<T[]> {
    const all: T[] = [];
    let next: string | null = this.url(path, { per_page: 100, ...query });
    for (let pages = 0; next && pages < 10_000; pages++) {
      this.requireOwnOrigin(next, `the Link: rel="next" header of ${new URL(path, this.baseUrl).pathname}`);
      const res: CanvasResponse = await this.request('GET', next);
      all.push(...pick(res.json<unknown>()));
      next = nextLink(res.headers.get('link'));
    }
    return all;
  }

  /**
   * A file Canvas points at (a report attachment). On the Canvas origin it is fetched with the token;
   * redirects from there to storage on another origin are followed without it. A URL on another
   * origin is fetched without the token, and only when it carries Canvas's `verifier` parameter (the
   * file's own download authorisation) over a scheme no weaker than the Canvas URL's; anything else
   * is refused rather than sent the token or fetched unauthorised.
   */
  async download(url: string, what: string): Promise<CanvasResponse> {
    let target: URL;
    try {
      target = new URL(url, `${this.baseUrl}/`);
    } catch {
      throw new RemoteError('canvas.file-url-invalid', `${what}: Canvas gave a file URL that is not a URL`, undefined, 'Run again; if it persists, report it with this line.');
    }
    if (target.origin === this.origin) return this.request('GET', target.toString(), { foreignRedirects: 'follow-without-token' });
    const secure = target.protocol === 'https:' || (target.protocol === 'http:' && new URL(this.origin).protocol === 'http:');
    const signed = Boolean(target.searchParams.get('verifier'));
    if (!secure || !signed) {
      throw new RemoteError(
        'canvas.file-foreign-origin',
        `${what}: the file is on another origin (${target.origin}) ${secure ? 'without a verifier= parameter' : 'without https'}; rosterops sends the Canvas token only to ${this.origin} and fetches files elsewhere only through a signed (verifier) https URL`,
        undefined,
        'Check that sources.canvas.url is the address Canvas itself uses (the same host as the report\'s attachment URL), or ask your Canvas admin why report files are served from another host.',
      );
    }
    return this.request('GET', target.toString(), { authorize: false, foreignRedirects: 'follow-without-token' });
  }

  private requireOwnOrigin(url: string, what: string): void {
    const origin = new URL(url).origin;
    if (origin === this.origin) return;
    throw new RemoteError(
      'canvas.foreign-origin',
      `${what} names another origin (${origin}); rosterops sends the Canvas token only to ${this.origin}`,
      undefined,
      'Check that sources.canvas.url (or --canvas-url) is the address Canvas itself uses, including the port; a proxy rewriting Link headers must keep the same origin.',
    );
  }

  private delayFor(attempt: number, err: TransientError & { retryAfterMs?: number }): number {
    const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    const jittered = exp / 2 + Math.random() * (exp / 2);
    return Math.max(jittered, err.retryAfterMs ?? 0);
  }

  /**
   * One request, redirects followed by hand: fetch would decide on its own whether the token goes
   * along to another origin. Same origin: followed with the token; another origin: refused, or
   * followed without the token when the caller allows it.
   */
  private async once(method: string, url: string, options: RequestOptions): Promise<CanvasResponse> {
    let current = url;
    let currentMethod = method;
    let body = options.body ?? null;
    let authorize = options.authorize !== false;
    for (let hop = 0; ; hop++) {
      const res = await this.fetchOnce(currentMethod, current, { ...options, body: body ?? undefined }, authorize);
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (!location) return this.answer(method, url, res);
      await res.arrayBuffer().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) {
        throw new RemoteError('canvas.redirect-loop', `${method} ${new URL(url).pathname}: more than ${MAX_REDIRECTS} redirects`, res.status, 'Check the Canvas URL; a proxy in front of Canvas may be redirecting in a loop.');
      }
      const next = new URL(location, current);
      if (next.origin !== this.origin) {
        if (options.foreignRedirects !== 'follow-without-token') {
          throw new RemoteError('canvas.redirect-foreign', `${method} ${new URL(url).pathname}: Canvas redirected to another origin (${next.origin}); rosterops sends the Canvas token only to ${this.origin} and did not follow`, res.status,
            'Check that sources.canvas.url is the address Canvas itself uses (e.g. https rather than http, the canonical host name).');
        }
        authorize = false;
      }
      // 303, and 301/302 after a POST, turn into a GET without a body (as fetch would).
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        body = null;
      }
      current = next.toString();
    }
  }

  private async fetchOnce(method: string, url: string, options: RequestOptions, authorize: boolean): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (authorize) headers.Authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body ?? null,
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (err) {
      const what = controller.signal.aborted ? `no answer within ${this.timeoutMs / 1000}s` : `connection failed (${(err as Error).cause ? String((err as { cause: Error }).cause.message ?? (err as Error).cause) : (err as Error).message})`;
      throw new TransientError('canvas.network', `${method} ${new URL(url).pathname}: ${what}`, undefined, 'Check the Canvas URL and the network; rosterops retried with backoff.');
    } finally {
      clearTimeout(timer);
    }
    return res;
  }

  private async answer(method: string, url: string, res: Response): Promise<CanvasResponse> {
    const body = new Uint8Array(await res.arrayBuffer());
    const response: CanvasResponse = {
      status: res.status,
      headers: res.headers,
      body,
      // Text read from Canvas is redacted where it enters: an echoed token cannot reach a log, an
      // error or the apply record through any path downstream. (`body` stays raw: report files.)
      text: () => redact(new TextDecoder().decode(body)),
      json: <T>() => {
        try {
          return JSON.parse(redact(new TextDecoder().decode(body))) as T;
        } catch {
          throw new RemoteError('canvas.bad-json', `${method} ${new URL(url).pathname} answered ${res.status} with a body that is not JSON`, res.status, 'Is the Canvas URL right? It should be the instance root, e.g. https://district.instructure.com.');
        }
      },
    };
    if (res.ok) return response;
    throw classify(method, url, response);
  }
}

function classify(method: string, url: string, res: CanvasResponse): RemoteError {
  const path = new URL(url).pathname;
  const remaining = res.headers.get('x-rate-limit-remaining');
  const text = res.text();
  if (res.status === 429 || (res.status === 403 && (/rate limit exceeded/i.test(text) || (remaining !== null && Number(remaining) <= 0)))) {
    const err = new TransientError('canvas.throttled', `${method} ${path}: throttled by Canvas (rate limit)`, res.status, 'Canvas throttles parallel clients; rosterops backs off and retries.');
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) Object.assign(err, { retryAfterMs: retryAfter * 1000 });
    return err;
  }
  if (res.status >= 500) {
    return new TransientError('canvas.server-error', `${method} ${path}: Canvas answered ${res.status}`, res.status, 'A passing Canvas fault; rosterops retried with backoff.');
  }
  const detail = canvasErrorMessage(text);
  if (res.status === 401) {
    return new RemoteError('canvas.unauthorized', `${method} ${path}: Canvas refused the token (401${detail ? `: ${detail}` : ''})`, 401, 'Check that the token variable (sources.canvas.tokenEnv, default CANVAS_TOKEN) holds a valid, unexpired admin token.');
  }
  if (res.status === 403) {
    return new RemoteError('canvas.forbidden', `${method} ${path}: not allowed (403${detail ? `: ${detail}` : ''})`, 403, 'The token\'s user needs the root-account permissions "Import SIS data" and "Reports".');
  }
  if (res.status === 404) {
    return new RemoteError('canvas.not-found', `${method} ${path}: not found (404${detail ? `: ${detail}` : ''})`, 404, 'Check sources.canvas.url and sources.canvas.account (a root account id, "self" or sis_account_id:X).');
  }
  return new RemoteError('canvas.http', `${method} ${path}: Canvas answered ${res.status}${detail ? `: ${detail}` : ''}`, res.status,
    res.status === 422 || res.status === 400
      ? 'Canvas rejected the request itself; the message above says which parameter. Report it with this line if the plan was made by rosterops unchanged.'
      : 'Canvas did not accept this request. Run again; if it persists, check the Canvas status page and the token\'s permissions.');
}

/** Canvas error bodies come in several shapes: {errors:[{message}]}, {errors:[...strings]}, {message}, {error_message}. */
function canvasErrorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const errors = j.errors;
    if (Array.isArray(errors)) return redactThenCut(errors.map((e) => (typeof e === 'string' ? e : (e as { message?: string }).message ?? '')).filter(Boolean).join('; '), 300);
    for (const key of ['message', 'error_message', 'error']) if (typeof j[key] === 'string') return redactThenCut(j[key] as string, 300);
  } catch {
    // not JSON: fall through
  }
  return redactThenCut(text.trim(), 200);
}

/** The origin of the configured Canvas URL; a value that is not an http(s) URL is a configuration error. */
function canvasOrigin(baseUrl: string): string {
  let url: URL | null = null;
  try {
    url = new URL(baseUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw new ConfigError('canvas.url-invalid', `the Canvas URL ${JSON.stringify(redactThenCut(baseUrl, 200))} is not an http(s) URL`, { field: '/sources/canvas/url' },
      'Give the instance root, e.g. https://district.instructure.com (sources.canvas.url or --canvas-url).');
  }
  return url.origin;
}

export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (m) return m[1]!;
  }
  return null;
}
