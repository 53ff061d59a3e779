/** Helpers for the OneRoster server tests: the bundled example, and a small OAuth 1.0a signer written apart from the server's verifier. */
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startOneRosterServer, type OneRosterServer, type OneRosterServerOptions } from '../../engine/oneroster-server/index.js';
import { ROOT } from '../support/workspace.js';

export const EXAMPLE = join(ROOT, 'examples/maple-valley/oneroster');

export function startExample(options: Partial<OneRosterServerOptions> = {}): Promise<OneRosterServer> {
  return startOneRosterServer({ data: EXAMPLE, port: 0, ...options });
}

/** RFC 3986 unreserved characters stay, everything else %XX: encodeURIComponent leaves !'()* alone, so those are encoded here. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface SignOptions {
  key: string;
  secret: string;
  method?: 'HMAC-SHA1' | 'HMAC-SHA256';
  timestamp?: number;
  nonce?: string;
}

/** A URL whose query is written with `enc`, and the Authorization header signing it. */
export function signedRequest(base: string, query: [string, string][], options: SignOptions): { url: string; authorization: string } {
  const oauth: [string, string][] = [
    ['oauth_consumer_key', options.key],
    ['oauth_nonce', options.nonce ?? randomBytes(12).toString('hex')],
    ['oauth_signature_method', options.method ?? 'HMAC-SHA256'],
    ['oauth_timestamp', String(options.timestamp ?? Math.floor(Date.now() / 1000))],
    ['oauth_version', '1.0'],
  ];
  // Sorted by encoded name, then value (§3.4.1.3.2) — not as whole `k=v` strings: `x=` sorts before `x%20y=`.
  const all = [...query, ...oauth].map(([k, v]) => [enc(k), enc(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  const baseString = ['GET', enc(base), enc(all.join('&'))].join('&');
  const algorithm = (options.method ?? 'HMAC-SHA256') === 'HMAC-SHA1' ? 'sha1' : 'sha256';
  const signature = createHmac(algorithm, `${enc(options.secret)}&`).update(baseString).digest('base64');
  const header = [...oauth, ['oauth_signature', signature]].map(([k, v]) => `${k}="${enc(v)}"`).join(', ');
  const qs = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return { url: qs ? `${base}?${qs}` : base, authorization: `OAuth realm="oneroster", ${header}` };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Every key anywhere in a JSON value whose value is null or '' or []. */
export function emptyValues(value: unknown, path = ''): string[] {
  if (value === null || value === '') return [path];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => emptyValues(v, `${path}/${i}`));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => emptyValues(v, `${path}/${k}`));
  return [];
}
