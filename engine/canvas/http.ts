/**
 * The one way rosterops talks HTTP to Canvas: bearer token, bounded timeouts, retries with
 * exponential backoff and jitter on 5xx, network errors and throttling (Canvas answers 403 with
 * `X-Rate-Limit-Remaining: 0` when its leaky bucket is full, reference §4.5; 429 is honoured too).
 * The token lives only in the request header; no message built here can contain it.
 */
import { RemoteError } from '../errors.js';
import { registerSecret } from '../util/redact.js';

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
}

/** A failure after which the request may be re-sent. */
export class TransientError extends RemoteError {}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CanvasHttp {
  readonly baseUrl: string;
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

  /** Follows Canvas `Link: rel="next"` pagination (URLs are opaque, reference §4.4). */
  async paginate<T>(path: string, query: RequestOptions['query'], pick: (page: unknown) => T[]): Promise<T[]> {
    const all: T[] = [];
    let next: string | null = this.url(path, { per_page: 100, ...query });
    for (let pages = 0; next && pages < 10_000; pages++) {
      const res: CanvasResponse = await this.request('GET', next);
      all.push(...pick(res.json<unknown>()));
      next = nextLink(res.headers.get('link'));
    }
    return all;
  }

  private delayFor(attempt: number, err: TransientError & { retryAfterMs?: number }): number {
    const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    const jittered = exp / 2 + Math.random() * (exp / 2);
    return Math.max(jittered, err.retryAfterMs ?? 0);
  }

  private async once(method: string, url: string, options: RequestOptions): Promise<CanvasResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...options.headers },
        body: options.body ?? null,
        signal: controller.signal,
        redirect: 'follow',
      });
    } catch (err) {
      const what = controller.signal.aborted ? `no answer within ${this.timeoutMs / 1000}s` : `connection failed (${(err as Error).cause ? String((err as { cause: Error }).cause.message ?? (err as Error).cause) : (err as Error).message})`;
      throw new TransientError('canvas.network', `${method} ${new URL(url).pathname}: ${what}`, undefined, 'Check the Canvas URL and the network; rosterops retried with backoff.');
    } finally {
      clearTimeout(timer);
    }
    const body = new Uint8Array(await res.arrayBuffer());
    const response: CanvasResponse = {
      status: res.status,
      headers: res.headers,
      body,
      text: () => new TextDecoder().decode(body),
      json: <T>() => {
        try {
          return JSON.parse(new TextDecoder().decode(body)) as T;
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
    if (Array.isArray(errors)) return errors.map((e) => (typeof e === 'string' ? e : (e as { message?: string }).message ?? '')).filter(Boolean).join('; ').slice(0, 300);
    for (const key of ['message', 'error_message', 'error']) if (typeof j[key] === 'string') return (j[key] as string).slice(0, 300);
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200);
}

export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (m) return m[1]!;
  }
  return null;
}
