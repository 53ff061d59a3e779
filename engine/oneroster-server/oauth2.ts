/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) as OneRoster uses it (reference §2.4): the
 * token endpoint takes `grant_type=client_credentials` and an optional space-separated `scope`,
 * the client authenticates with HTTP Basic (§2.3.1: id and secret form-encoded, then base64) or,
 * as the RFC also allows, `client_id`/`client_secret` in the body (never both). Tokens are random,
 * live `lifetimeSeconds`, and issuing one never invalidates another (Canvas's threads each fetch
 * their own). Only a hash of each token is kept.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formPairs } from './oauth1.js';

export const TOKEN_PATHS = ['/oauth/token', '/token'];
const SCOPE_PREFIX = 'https://purl.imsglobal.org/spec/or/';

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** How the client authenticated, for the request log. */
  clientAuth: 'basic' | 'body' | 'none' | 'both';
  clientId?: string;
}

export class OAuth2Server {
  private readonly tokens = new Map<string, number>();

  constructor(private readonly clientId: string, private readonly clientSecret: string, readonly lifetimeSeconds = 3600, private readonly now: () => number = () => Date.now()) {}

  issue(authorization: string | undefined, contentType: string, body: string): TokenResponse {
    const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    const fail = (status: number, error: string, description: string, clientAuth: TokenResponse['clientAuth'], extra: Record<string, string> = {}): TokenResponse => ({
      status, body: { error, error_description: description }, headers: { ...noStore, ...extra }, clientAuth,
    });
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) {
      return fail(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded', 'none');
    }
    const form = new Map<string, string[]>();
    for (const [k, v] of formPairs(body)) form.set(k, [...(form.get(k) ?? []), v]);
    for (const [k, v] of form) if (v.length > 1) return fail(400, 'invalid_request', `${k} is given more than once`, 'none');
    const basic = basicCredentials(authorization);
    const bodyId = form.get('client_id')?.[0];
    const bodySecret = form.get('client_secret')?.[0];
    const clientAuth: TokenResponse['clientAuth'] = basic && bodySecret !== undefined ? 'both' : basic ? 'basic' : bodySecret !== undefined ? 'body' : 'none';
    if (clientAuth === 'both') return fail(400, 'invalid_request', 'authenticate with HTTP Basic or with client_secret in the body, not both', clientAuth);
    const id = basic?.id ?? bodyId;
    const secret = basic?.secret ?? bodySecret;
    const challenge = { 'WWW-Authenticate': 'Basic realm="oneroster"' };
    if (id === undefined || secret === undefined) return fail(401, 'invalid_client', 'client authentication is required (HTTP Basic)', clientAuth, challenge);
    if (!(safeEqual(id, this.clientId) && safeEqual(secret, this.clientSecret))) return { ...fail(401, 'invalid_client', 'unknown client or wrong secret', clientAuth, challenge), clientId: id };
    const grant = form.get('grant_type')?.[0];
    if (grant === undefined) return { ...fail(400, 'invalid_request', 'grant_type is missing', clientAuth), clientId: id };
    if (grant !== 'client_credentials') return { ...fail(400, 'unsupported_grant_type', `grant_type ${grant} is not supported (client_credentials)`, clientAuth), clientId: id };
    const scope = form.get('scope')?.[0];
    if (scope !== undefined) {
      const bad = scope.split(' ').filter((s) => s !== '' && !s.startsWith(SCOPE_PREFIX));
      if (bad.length > 0) return { ...fail(400, 'invalid_scope', `unknown scope ${bad.join(' ')}`, clientAuth), clientId: id };
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(hash(token), this.now() + this.lifetimeSeconds * 1000);
    const response: Record<string, unknown> = { access_token: token, token_type: 'bearer', expires_in: this.lifetimeSeconds };
    if (scope !== undefined && scope.trim() !== '') response.scope = scope.trim();
    return { status: 200, body: response, headers: noStore, clientAuth, clientId: id };
  }

  /** 'valid', 'expired' or 'unknown' for the bearer token of an Authorization header (null: no bearer token). */
  check(authorization: string | undefined): 'valid' | 'expired' | 'unknown' | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return null;
    const expiry = this.tokens.get(hash(m[1]!));
    if (expiry === undefined) return 'unknown';
    return expiry > this.now() ? 'valid' : 'expired';
  }

  /** Ends a token's life now (the expired-token fault). */
  expire(authorization: string | undefined): void {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m && this.tokens.has(hash(m[1]!))) this.tokens.set(hash(m[1]!), 0);
  }
}

/** RFC 6749 §2.3.1: base64(urlencode(id) ":" urlencode(secret)). */
function basicCredentials(authorization: string | undefined): { id: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
