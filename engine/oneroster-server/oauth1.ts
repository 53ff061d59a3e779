/**
 * OAuth 1.0a two-legged request verification, written from RFC 5849 (on purpose independent of
 * the client's signing library): the signature base string (§3.4.1) from the method, the base
 * string URI (scheme and host in lower case, default port left out, no query) and every query,
 * form-body and protocol parameter except `oauth_signature` and `realm`, each percent-encoded per
 * §3.6, sorted by name then value. HMAC-SHA1 and HMAC-SHA256, key `enc(secret)&` (no token).
 * Timestamps outside the window and nonces seen before are refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256';

/** Canvas asks providers for 10 minutes of past skew and 5 of future (reference §2.4). */
export const PAST_SKEW_SECONDS = 600;
export const FUTURE_SKEW_SECONDS = 300;

/** RFC 5849 §3.6: everything but ALPHA, DIGIT, '-', '.', '_', '~' as %XX (upper-case hex) of its UTF-8 bytes. */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** application/x-www-form-urlencoded decoding (RFC 5849 §3.4.1.3.1 parses query and body so). */
export function formPairs(text: string): [string, string][] {
  if (text === '') return [];
  return text.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    return [formDecode(name), formDecode(value)];
  });
}

function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** `OAuth realm="x", oauth_consumer_key="k", ...` → pairs (values percent-decoded, §3.5.1); null when not an OAuth header. */
export function parseAuthorizationHeader(header: string | undefined): [string, string][] | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const pairs: [string, string][] = [];
  const body = header.replace(/^OAuth\s+/i, '');
  const re = /\s*([A-Za-z0-9_\-.~%]+)\s*=\s*"([^"]*)"\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(body)) !== null) {
    pairs.push([safeDecode(m[1]!), safeDecode(m[2]!)]);
    consumed = re.lastIndex;
    if (consumed >= body.length) break;
  }
  if (body.slice(consumed).trim() !== '') return null;
  return pairs;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** §3.4.1.2: scheme and host lower case, port only when not the scheme's default, path as sent. */
export function baseStringUri(scheme: string, host: string, path: string): string {
  const lowerScheme = scheme.toLowerCase();
  let [hostname, port] = splitHost(host.toLowerCase());
  if ((lowerScheme === 'http' && port === '80') || (lowerScheme === 'https' && port === '443')) port = '';
  return `${lowerScheme}://${hostname}${port ? `:${port}` : ''}${path || '/'}`;
}

function splitHost(host: string): [string, string] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  return m ? [m[1]!, m[2] ?? ''] : [host, ''];
}

/** §3.4.1.3.2: encode, sort by name then value, join. */
export function normalizeParameters(pairs: readonly [string, string][]): string {
  const encoded = pairs
    .filter(([name]) => name !== 'oauth_signature' && name !== 'realm')
    .map(([n, v]) => [percentEncode(n), percentEncode(v)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}

export function signatureBaseString(method: string, uri: string, pairs: readonly [string, string][]): string {
  return `${method.toUpperCase()}&${percentEncode(uri)}&${percentEncode(normalizeParameters(pairs))}`;
}

export function hmacSignature(method: SignatureMethod, baseString: string, consumerSecret: string, tokenSecret = ''): string {
  const algorithm = method === 'HMAC-SHA1' ? 'sha1' : 'sha256';
  return createHmac(algorithm, `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest('base64');
}

export interface OAuth1Request {
  method: string;
  scheme: string;
  /** The Host header as sent. */
  host: string;
  /** Path as sent (no query). */
  path: string;
  /** Raw query string (without `?`). */
  rawQuery: string;
  authorization: string | undefined;
  /** Raw body when it is application/x-www-form-urlencoded, else ''. */
  formBody: string;
}

export type OAuth1Outcome =
  | { ok: true; consumerKey: string; signatureMethod: SignatureMethod; paramNames: string[] }
  | { ok: false; reason: string; consumerKey?: string; paramNames: string[] };

export class OAuth1Verifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly consumerKey: string, private readonly consumerSecret: string, private readonly now: () => number = () => Date.now()) {}

  verify(req: OAuth1Request): OAuth1Outcome {
    const headerPairs = parseAuthorizationHeader(req.authorization);
    const queryPairs = formPairs(req.rawQuery);
    const bodyPairs = formPairs(req.formBody);
    // Protocol parameters come from the header, or else the query or the body (§3.5).
    const protocol = (headerPairs ?? [...queryPairs, ...bodyPairs]).filter(([n]) => n.startsWith('oauth_'));
    const paramNames = [...new Set(protocol.map(([n]) => n))].sort();
    const one = (name: string): string | undefined => {
      const found = protocol.filter(([n]) => n === name);
      return found.length === 1 ? found[0]![1] : undefined;
    };
    if (protocol.length === 0) return { ok: false, reason: 'the request carries no OAuth 1.0a parameters', paramNames };
    for (const name of new Set(protocol.map(([n]) => n))) {
      if (protocol.filter(([n]) => n === name).length > 1) return { ok: false, reason: `${name} is given more than once`, paramNames };
    }
    const consumerKey = one('oauth_consumer_key');
    const signature = one('oauth_signature');
    const method = one('oauth_signature_method');
    const timestamp = one('oauth_timestamp');
    const nonce = one('oauth_nonce');
    const version = one('oauth_version');
    const missing = [['oauth_consumer_key', consumerKey], ['oauth_signature', signature], ['oauth_signature_method', method], ['oauth_timestamp', timestamp], ['oauth_nonce', nonce]]
      .filter(([, v]) => v === undefined || v === '').map(([n]) => n);
    if (missing.length > 0) return { ok: false, reason: `missing ${missing.join(', ')}`, paramNames };
    const base = { consumerKey: consumerKey!, paramNames };
    if (version !== undefined && version !== '1.0') return { ok: false, reason: `oauth_version must be 1.0`, ...base };
    if (method !== 'HMAC-SHA1' && method !== 'HMAC-SHA256') return { ok: false, reason: `unsupported oauth_signature_method ${method} (HMAC-SHA256 or HMAC-SHA1)`, ...base };
    if (!safeEqual(consumerKey!, this.consumerKey)) return { ok: false, reason: 'unknown oauth_consumer_key', ...base };
    if (!/^\d+$/.test(timestamp!)) return { ok: false, reason: 'oauth_timestamp is not a whole number of seconds', ...base };
    const nowSeconds = Math.floor(this.now() / 1000);
    const skew = Number(timestamp) - nowSeconds;
    if (skew < -PAST_SKEW_SECONDS || skew > FUTURE_SKEW_SECONDS) return { ok: false, reason: `oauth_timestamp is ${Math.abs(skew)} s in the ${skew < 0 ? 'past' : 'future'}`, ...base };

    const pairs = [...queryPairs, ...bodyPairs, ...(headerPairs ? protocol : [])];
    // With the parameters in the query or body, they are already among queryPairs/bodyPairs.
    const uri = baseStringUri(req.scheme, req.host, req.path);
    const expected = hmacSignature(method, signatureBaseString(req.method, uri, pairs), this.consumerSecret);
    if (!safeEqual(expected, signature!)) return { ok: false, reason: 'the signature does not match', ...base };

    this.prune(nowSeconds);
    const nonceKey = `${timestamp}:${nonce}`;
    if (this.seen.has(nonceKey)) return { ok: false, reason: 'oauth_nonce was used before with this timestamp', ...base };
    this.seen.set(nonceKey, Number(timestamp));
    return { ok: true, consumerKey: consumerKey!, signatureMethod: method, paramNames };
  }

  /** Nonces older than the window cannot come back (their timestamp would be refused). */
  private prune(nowSeconds: number): void {
    if (this.seen.size < 10_000) return;
    for (const [key, ts] of this.seen) if (ts < nowSeconds - PAST_SKEW_SECONDS) this.seen.delete(key);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
