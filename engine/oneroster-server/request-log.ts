/**
 * What clients sent, for tests to check (served at `/__oneroster/requests`). It never holds a
 * secret: no Authorization value, no signature, no client secret, no token. It keeps the names of
 * the OAuth parameters, the consumer key / client id, the query (OAuth and credential parameters
 * removed) and the status answered.
 */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  /** Query parameters as decoded, without `oauth_*`, `client_secret`, `access_token`. */
  query: Record<string, string>;
  auth: 'none' | 'oauth1' | 'bearer' | 'basic' | 'other';
  /** OAuth 1.0a: the protocol parameter names sent (values left out) and the consumer key. */
  oauthParams?: string[];
  consumerKey?: string;
  signatureMethod?: string;
  /** Token endpoint: how the client authenticated and the client id it named. */
  clientAuth?: string;
  clientId?: string;
  grantType?: string;
  scope?: string;
  status: number;
  fault?: string;
  /** Why an authenticated route answered 401 (never a secret). */
  authFailure?: string;
}

const SECRET_PARAMS = new Set(['client_secret', 'access_token', 'password']);

export function loggableQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith('oauth_') || SECRET_PARAMS.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export function authSchemeOf(authorization: string | undefined): LoggedRequest['auth'] {
  if (!authorization) return 'none';
  const scheme = authorization.trim().split(/\s+/)[0]!.toLowerCase();
  if (scheme === 'oauth') return 'oauth1';
  if (scheme === 'bearer') return 'bearer';
  if (scheme === 'basic') return 'basic';
  return 'other';
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  constructor(private readonly max = 100_000) {}

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
