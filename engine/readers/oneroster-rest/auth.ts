/**
 * How each request to the SIS is authorised: OAuth 1.0a two-legged signing (the `oauth-1.0a`
 * package, which follows RFC 5849: nonce, timestamp, the query parameters of the URL in the base
 * string; small, no dependencies, the signer the OneRoster ecosystem's JS clients use, and its
 * base string is checked here against an independent RFC 5849 computation in the tests) or an
 * OAuth 2 bearer token from the client-credentials grant. The client secret and
 * tokens are registered for redaction and only ever sent to their own origin: the secret to the
 * token endpoint (HTTP Basic) or into the signature, the token to the rostering service.
 */
import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { RemoteError } from '../../errors.js';
import type { RestSource } from '../../policy/types.js';
import { redactThenCut, registerSecret } from '../../util/redact.js';
import type { CookieJar } from './cookies.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Authoriser {
  /** The Authorization header for a GET of exactly `url` (the string that will be sent). */
  header(url: string): Promise<string>;
  /**
   * After a 401 to a request sent with `used`: true when asking again may help (the token is
   * dropped, so the next header carries a fresh one); false when it cannot. The HTTP layer asks
   * again once per request.
   */
  renew(used: string): boolean;
}

/** OAuth 1.0a: every request signed on its own; a 401 is final (the signature or key is wrong). */
export function oauth1(credentials: Credentials, method: RestSource['signatureMethod']): Authoriser {
  const algorithm = method === 'HMAC-SHA1' ? 'sha1' : 'sha256';
  const oauth = new OAuth({
    consumer: { key: credentials.clientId, secret: credentials.clientSecret },
    signature_method: method,
    hash_function: (base, key) => createHmac(algorithm, key).update(base).digest('base64'),
  });
  // The package draws nonces from Math.random; a server rejects a repeated nonce, so draw them from the CSPRNG.
  oauth.getNonce = () => randomBytes(16).toString('hex');
  return {
    header: async (url) => oauth.toHeader(oauth.authorize({ url, method: 'GET' })).Authorization,
    renew: () => false,
  };
}

export interface TokenOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  /** A token is fetched again this long before it expires. */
  marginSeconds?: number;
  now?: () => number;
  /** Who the token endpoint belongs to, for messages: `OneRoster REST https://…`. */
  sisName: string;
  /** Cookies the token endpoint sets, replayed by the rostering requests to the same origin. */
  cookies?: CookieJar;
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 wants the id and secret before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/**
 * OAuth 2 client credentials: one token shared by every request until it is about to expire;
 * after a 401, a fresh token is fetched once (an expired or revoked token; concurrent pages that
 * failed with the same token share the new one), and a second 401 for the request is final.
 */
export function oauth2(credentials: Credentials, tokenUrl: string, scope: string | null, options: TokenOptions): Authoriser {
  const now = options.now ?? Date.now;
  const margin = (options.marginSeconds ?? 60) * 1000;
  let token: { value: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;

  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const basic = Buffer.from(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`).toString('base64');
    registerSecret(basic);
    let response: Response;
    try {
      response = await options.fetch(tokenUrl, {
        method: 'POST', body, redirect: 'manual',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      options.cookies?.take(tokenUrl, response.headers);
    } catch (err) {
      throw new RemoteError('oneroster-rest.token-unreachable', `${options.sisName}: the token endpoint ${tokenUrl} could not be reached: ${(err as Error).message}`, undefined,
        'Check tokenUrl and the network; rosterops asks for a token before the first request.', { cause: err });
    }
    const text = await response.text();
    if (!response.ok) {
      const hint = response.status === 400 || response.status === 401
        ? `The SIS refused the client credentials: check the values of the variables named by clientIdEnv and clientSecretEnv${scope ? ', and the scope' : ''}.`
        : 'Check tokenUrl; if the SIS is down, run again later.';
      throw new RemoteError('oneroster-rest.token-refused', `${options.sisName}: the token endpoint answered HTTP ${response.status}: ${redactThenCut(text, 200)}`, response.status, hint);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new RemoteError('oneroster-rest.token-invalid', `${options.sisName}: the token endpoint answered without an access_token`, response.status, 'Check that tokenUrl is the OAuth 2 token endpoint of the SIS.');
    }
    registerSecret(parsed.access_token);
    const lifetime = typeof parsed.expires_in === 'number' ? parsed.expires_in : Number(parsed.expires_in ?? 3600);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 3600;
    token = { value: parsed.access_token, expiresAt: now() + Math.max(seconds * 1000 - margin, seconds * 500) };
    return parsed.access_token;
  };

  const current = async (): Promise<string> => {
    if (token && now() < token.expiresAt) return token.value;
    // Concurrent pages wait for the one token request under way.
    pending ??= fetchToken().finally(() => (pending = null));
    return pending;
  };

  return {
    header: async () => `Bearer ${await current()}`,
    renew: (used) => {
      if (token && `Bearer ${token.value}` === used) token = null;
      return true;
    },
  };
}
