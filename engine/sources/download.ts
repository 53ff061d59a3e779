/**
 * `sources.sis.download`: the OneRoster zip fetched over HTTPS, with request headers whose values
 * come from environment variables (the policy names the variable, never the secret).
 *
 * Safety: http is allowed only to a loopback host (a local server in a test or on the runner);
 * the header values are registered as secrets (util/redact.ts), so no output shows them; the body
 * is streamed to the temp folder under a cap checked as it arrives; the zip is checked before it
 * is read. Redirects are followed by hand: to the same origin with the headers, to another origin
 * WITHOUT them (file hosts redirect to signed storage URLs, which carry their own authorisation;
 * the district's secret must not travel there), and only to https (or loopback http).
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, RemoteError } from '../errors.js';
import { DEFAULT_LIMITS, type InputLimits } from '../util/limits.js';
import { redactThenCut, registerSecret } from '../util/redact.js';
import { checkFetchedZip, tooLarge, writeCapped, zipCap } from './fetched-files.js';

export interface DownloadOptions {
  url: string;
  /** Header name → name of the environment variable holding its value. */
  headers?: Record<string, string>;
}

export interface FetchOptions {
  limits?: InputLimits;
  /** No response headers, or no new bytes of the body, for this long: the download fails. */
  idleTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

const MAX_REDIRECTS = 5;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const WHERE = 'sources.sis.download';

/** Downloads the export into `intoDir`; returns the path of the zip. */
export async function fetchDownloadExport(
  source: DownloadOptions, env: NodeJS.ProcessEnv, intoDir: string, log: (line: string) => void, options: FetchOptions = {},
): Promise<string> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const fetchImpl = options.fetchImpl ?? fetch;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const first = parseDownloadUrl(source.url, `${WHERE}.url`);
  const secretHeaders = headersFromEnv(source.headers ?? {}, env);
  const origin = first.origin;
  let current = first;
  log(`SIS: downloading ${shown(first)}`);
  for (let hop = 0; ; hop++) {
    const sameOrigin = current.origin === origin;
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), idleMs);
    const bump = () => { clearTimeout(timer); timer = setTimeout(() => controller.abort(), idleMs); };
    try {
      let res: Response;
      try {
        res = await fetchImpl(current, { headers: sameOrigin ? secretHeaders : {}, redirect: 'manual', signal: controller.signal });
      } catch (err) {
        throw networkError(current, controller.signal.aborted ? `no answer within ${idleMs / 1000}s` : causeOf(err), err);
      }
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location !== null) {
        await res.body?.cancel().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) {
          throw new RemoteError('sis.download-redirects', `SIS download ${shown(first)}: more than ${MAX_REDIRECTS} redirects`, res.status, 'Check sources.sis.download.url: the server redirects in a loop.');
        }
        const next = new URL(location, current);
        checkRedirect(next, current, res.status);
        if (next.origin !== origin) log(`SIS: the download redirects to ${next.origin}; followed without the configured headers`);
        current = next;
        continue;
      }
      if (!res.ok) throw statusError(first, res.status, redactThenCut(await res.text().catch(() => ''), 200));
      return await saveBody(res, current, intoDir, limits, bump, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The URL, refused unless https (http only for a loopback host); no credentials in it. */
export function parseDownloadUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('sis.download-url', `${field} is not a URL`, { field }, 'Give the full https:// address of the OneRoster zip.');
  }
  if (url.username || url.password) {
    throw new ConfigError('sis.download-url-credentials', `${field} carries a user name or password`, { field },
      'Take the credentials out of the URL; send them in a header whose value comes from an environment variable (sources.sis.download.headers).');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new ConfigError('sis.download-url-insecure', `${field} must be an https:// URL (http is allowed only for 127.0.0.1, ::1 and localhost); got ${url.protocol}//${url.host}`, { field },
    'Use the https:// address: the export and the credentials must not cross the network in clear text.');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Header name → value read from the named variable; a variable unset or empty is a ConfigError naming both. */
function headersFromEnv(headers: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, variable] of Object.entries(headers)) {
    const value = env[variable];
    if (value === undefined || value === '') {
      throw new ConfigError('sis.download-header-env', `sources.sis.download.headers.${name} names the environment variable ${variable}, which is not set`, { field: `${WHERE}.headers.${name}` },
        `Set ${variable} (in GitHub Actions: a repository or environment secret passed as env) to the header's value.`);
    }
    registerSecret(value);
    out[name] = value;
  }
  return out;
}

/** A redirect must stay on https (or loopback http); no downgrade from https to http. */
function checkRedirect(next: URL, from: URL, status: number): void {
  const secure = next.protocol === 'https:' || (next.protocol === 'http:' && isLoopback(next.hostname) && from.protocol === 'http:');
  if (!secure) {
    throw new RemoteError('sis.download-redirect-insecure', `SIS download ${shown(from)} redirected to ${next.protocol}//${next.host}, which is not https; not followed`, status,
      'Give the final https:// address of the export in sources.sis.download.url.');
  }
}

async function saveBody(res: Response, url: URL, intoDir: string, limits: InputLimits, bump: () => void, signal: AbortSignal): Promise<string> {
  const cap = zipCap(limits);
  const label = `SIS download ${shown(url)}`;
  const over = () => tooLarge(label, cap, 'zipBytes', { file: label });
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw over();
  }
  const name = basename(url.pathname).toLowerCase().endsWith('.zip') ? basename(url.pathname) : 'oneroster.zip';
  const path = join(intoDir, name);
  try {
    await writeCapped(res.body ?? emptyBody(), path, cap, over, bump);
  } catch (err) {
    if (signal.aborted) throw networkError(url, 'the body stopped arriving (timed out)', err);
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('limits.')) throw err;
    throw networkError(url, `the connection broke during the body (${causeOf(err)})`, err);
  }
  if (Number.isFinite(declared) && (await sizeOf(path)) !== declared) {
    throw new RemoteError('sis.download-truncated', `${label}: the body was cut short (Content-Length ${declared})`, res.status, 'Run again; if it keeps failing, check the network or the file host.');
  }
  checkFetchedZip(path, label, limits);
  return path;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

function statusError(url: URL, status: number, body: string): RemoteError {
  const hint = status === 401 || status === 403
    ? 'The server refused the credentials: check the environment variables named in sources.sis.download.headers (the secret\'s value, its expiry, the header name).'
    : status === 404 ? 'Check sources.sis.download.url: the export is not at that address (has the SIS stopped producing it?).'
      : status >= 500 ? 'The file host failed; run again later.' : 'Check sources.sis.download (URL and headers).';
  return new RemoteError('sis.download-status', `SIS download ${shown(url)} answered HTTP ${status}${body ? `: ${body}` : ''}`, status, hint);
}

function networkError(url: URL, what: string, cause: unknown): RemoteError {
  return new RemoteError('sis.download-network', `SIS download ${shown(url)}: ${what}`, undefined, 'Check the address and the network, then run again; nothing was planned from a partial export.', { cause });
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { message?: string; code?: string } };
  return redactThenCut(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err), 200);
}

/** Origin and path: a query string may carry a signature, and is never shown. */
export function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
