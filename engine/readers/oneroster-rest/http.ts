/**
 * GETs to the SIS's rostering service: authorised (auth.ts), bounded in time, retried with
 * exponential backoff and full jitter on 429 (Retry-After honoured), 5xx, timeouts and dropped
 * connections, bounded in attempts and in total time. Credentials go only to the service's own
 * origin: a URL or a redirect naming another origin is refused before anything is sent.
 */
import { RemoteError } from '../../errors.js';
import { redactThenCut } from '../../util/redact.js';
import type { Authoriser } from './auth.js';
import { CookieJar } from './cookies.js';

export interface SisHttpOptions {
  /** Attempts per request, the first included. */
  attempts?: number;
  /** First backoff; doubles each retry, full jitter, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Total time one request may take over all its attempts and waits. */
  budgetMs?: number;
  /** One attempt, answer body included. */
  timeoutMs?: number;
  /** Largest page body accepted. */
  maxPageBytes?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (message: string) => void;
  /** Cookies shared with the token request (cookies.ts). */
  cookies?: CookieJar;
}

/** What a request is for, so that a failure names it. */
export interface RequestPurpose {
  collection: string;
  offset: number;
}

export interface JsonPage {
  url: string;
  headers: Headers;
  body: unknown;
}

const MAX_REDIRECTS = 5;
const RETRIABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Retriable extends Error {
  constructor(message: string, readonly status: number | undefined, readonly waitMs: number | null = null) {
    super(message);
  }
}

export class SisHttp {
  private readonly origin: string;
  private readonly o: Required<Omit<SisHttpOptions, 'onRetry' | 'cookies'>> & Pick<SisHttpOptions, 'onRetry'>;
  private readonly cookies: CookieJar;

  constructor(readonly baseUrl: string, private readonly auth: Authoriser, readonly sisName: string, options: SisHttpOptions = {}) {
    this.origin = new URL(baseUrl).origin;
    this.o = {
      attempts: options.attempts ?? 6,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 20_000,
      budgetMs: options.budgetMs ?? 180_000,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxPageBytes: options.maxPageBytes ?? 512 * 1024 * 1024,
      fetch: options.fetch ?? fetch,
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
      onRetry: options.onRetry,
    };
    this.cookies = options.cookies ?? new CookieJar();
  }

  /** True when `url` is on the service's origin, the only place its credentials may go. */
  isOwnOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  async getJson(url: string, purpose: RequestPurpose): Promise<JsonPage> {
    const started = Date.now();
    let renewedAuth = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(url, purpose, () => {
          if (renewedAuth) return false;
          renewedAuth = true;
          return true;
        });
      } catch (err) {
        if (!(err instanceof Retriable)) throw err;
        const elapsed = Date.now() - started;
        const backoff = Math.round(this.o.random() * Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (attempt - 1)));
        const wait = err.waitMs ?? backoff;
        if (attempt >= this.o.attempts || elapsed + wait > this.o.budgetMs) {
          throw this.failure(purpose, err.status, `${err.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${Math.round((elapsed + 0) / 1000)} s)`, hintFor(err.status, true));
        }
        this.o.onRetry?.(`${this.sisName}: ${purpose.collection} at offset ${purpose.offset}: ${err.message}; retrying in ${(wait / 1000).toFixed(1)} s`);
        await this.o.sleep(wait);
      }
    }
  }

  /** One attempt, following same-origin redirects; Retriable for what may pass, RemoteError for what will not. */
  private async once(first: string, purpose: RequestPurpose, mayRenew: () => boolean): Promise<JsonPage> {
    let url = first;
    for (let hop = 0; ; hop++) {
      if (!this.isOwnOrigin(url)) {
        throw this.failure(purpose, undefined, `the SIS pointed to another origin (${safeOrigin(url)}); credentials for ${this.origin} are never sent there`,
          'Set sources.sis.rest.url to the address the SIS really serves OneRoster from.', 'oneroster-rest.foreign-origin');
      }
      const header = await this.auth.header(url);
      let response: Response;
      let bytes: Uint8Array;
      try {
        const cookie = this.cookies.header(url);
        response = await this.o.fetch(url, {
          headers: { authorization: header, accept: 'application/json', ...(cookie ? { cookie } : {}) }, redirect: 'manual', signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        this.cookies.take(url, response.headers);
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        const e = err as Error;
        const what = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${Math.round(this.o.timeoutMs / 1000)} s` : `connection failed (${causeOf(e)})`;
        throw new Retriable(what, undefined);
      }
      const status = response.status;
      if (status >= 300 && status < 400 && response.headers.get('location')) {
        if (hop >= MAX_REDIRECTS) throw this.failure(purpose, status, `more than ${MAX_REDIRECTS} redirects`, 'Set sources.sis.rest.url to the final address of the service.');
        url = new URL(response.headers.get('location')!, url).href;
        continue;
      }
      if (status === 401 && mayRenew() && this.auth.renew(header)) return this.once(url, purpose, () => false);
      if (RETRIABLE_STATUS.has(status)) throw new Retriable(`HTTP ${status}${describeBody(bytes)}`, status, retryAfterMs(response.headers.get('retry-after')));
      if (status < 200 || status >= 300) throw this.failure(purpose, status, `HTTP ${status}${describeBody(bytes)}`, hintFor(status, false));
      if (bytes.byteLength > this.o.maxPageBytes) throw this.failure(purpose, status, `the page is ${bytes.byteLength} bytes, more than the ${this.o.maxPageBytes} accepted`, 'Lower sources.sis.rest.pageSize.');
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
      } catch (err) {
        throw this.failure(purpose, status, `the answer is not JSON (${(err as Error).message})`, 'Check that sources.sis.rest.url is the base of the OneRoster rostering service (…/ims/oneroster/v1p1 or …/ims/oneroster/rostering/v1p2).', 'oneroster-rest.not-json');
      }
      return { url, headers: response.headers, body };
    }
  }

  failure(purpose: RequestPurpose, status: number | undefined, what: string, hint: string, code = 'oneroster-rest.pull-failed'): RemoteError {
    return new RemoteError(code, `${this.sisName}: reading ${purpose.collection} at offset ${purpose.offset} failed: ${what}; the pull is incomplete, so no plan was made`, status, hint);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The imsx_description of an error payload, or the start of the body, redacted. */
function describeBody(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return '';
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  try {
    const parsed = JSON.parse(text) as { imsx_description?: unknown; imsx_statusInfo?: { imsx_description?: unknown } };
    const description = parsed.imsx_description ?? parsed.imsx_statusInfo?.imsx_description;
    if (typeof description === 'string') return `: ${redactThenCut(description, 200)}`;
  } catch { /* not JSON: quoted as text */ }
  return `: ${redactThenCut(text.replace(/\s+/g, ' '), 200)}`;
}

function hintFor(status: number | undefined, retried: boolean): string {
  if (status === 401) return 'The SIS refused the credentials: check the variables named by clientIdEnv and clientSecretEnv, sources.sis.rest.auth and signatureMethod (OAuth 1 signatures also fail when this machine\'s clock is off by minutes).';
  if (status === 403) return 'The credentials are valid but may not read this collection: ask the SIS administrator to grant the rostering scope (roster-core.readonly or roster.readonly).';
  if (status === 404) return 'The collection was not found: check that sources.sis.rest.url is the base of the rostering service (…/ims/oneroster/v1p1 for 1.1, …/ims/oneroster/rostering/v1p2 for 1.2) and matches sources.sis.format.';
  if (status === 400) return 'The SIS refused the request: check sources.sis.rest.pageSize against the maximum page size the SIS allows.';
  if (retried) return 'The SIS is unavailable or overloaded; run again later (nothing was planned or applied).';
  return 'Check sources.sis.rest and that the SIS serves OneRoster; nothing was planned or applied.';
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an unreadable URL';
  }
}
