/**
 * A small OneRoster REST server for the client's tests, written from the standard (reference
 * oneroster.md §2) and RFC 5849 / RFC 6749, independently of the client: limit/offset paging with
 * X-Total-Count and/or Link, a maximum page size, OAuth 1.0a signature checks (HMAC-SHA256 or
 * -SHA1, timestamp, nonce), an OAuth 2 token endpoint (HTTP Basic), and faults injected per request.
 * Every request is logged (method, URL, Authorization header) so tests can look for leaks.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonExport } from './oneroster-json.js';

export type Paging = 'total' | 'link' | 'both' | 'neither';
export type Fault = { status: number; headers?: Record<string, string>; body?: string } | 'cut' | 'cut-body' | 'bad-json';

export interface FakeOptions {
  version: '1.1' | '1.2';
  data: JsonExport;
  paging?: Paging;
  maxLimit?: number;
  oauth1?: { key: string; secret: string };
  oauth2?: { id: string; secret: string; expiresIn?: number };
  /** Like Aeries: the token answer sets a load-balancer cookie every later request must carry. */
  stickyCookie?: boolean;
  /** Called for every rostering request; `n` counts requests to that collection (1 first). */
  fault?: (req: { collection: string; offset: number; limit: number; n: number }) => Fault | undefined;
}

export interface LoggedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface FakeServer {
  url: string;
  base: string;
  tokenUrl: string;
  log: LoggedRequest[];
  tokensIssued: number;
  /** Expires every token issued so far. */
  expireTokens(): void;
  close(): Promise<void>;
}

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** RFC 5849 §3.4.1: the signature base string of a request, from what was received. */
export function signatureBaseString(method: string, url: URL, oauthParams: Record<string, string>): string {
  const params: [string, string][] = [];
  for (const [k, v] of url.searchParams) params.push([enc(k), enc(v)]);
  for (const [k, v] of Object.entries(oauthParams)) if (k !== 'oauth_signature' && k !== 'realm') params.push([enc(k), enc(v)]);
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const normalized = params.map(([k, v]) => `${k}=${v}`).join('&');
  const baseUri = `${url.protocol}//${url.host.toLowerCase()}${url.pathname}`;
  return `${method.toUpperCase()}&${enc(baseUri)}&${enc(normalized)}`;
}

function oauthHeaderParams(header: string): Record<string, string> | null {
  if (!header.startsWith('OAuth ')) return null;
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]!] = decodeURIComponent(m[2]!);
  return out;
}

function imsx(res: ServerResponse, status: number, minor: string, description: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ imsx_codeMajor: 'failure', imsx_severity: 'error', imsx_description: description, imsx_CodeMinor: { imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'TargetEndSystem', imsx_codeMinorFieldValue: minor }] } }));
}

export async function startFake(options: FakeOptions): Promise<FakeServer> {
  const base = options.version === '1.1' ? '/ims/oneroster/v1p1' : '/ims/oneroster/rostering/v1p2';
  const log: LoggedRequest[] = [];
  const counts = new Map<string, number>();
  const nonces = new Set<string>();
  const tokens = new Map<string, number>();
  const state = { tokensIssued: 0 };
  let origin = '';

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers.authorization ?? '';
    if (options.oauth1) {
      const p = oauthHeaderParams(header);
      if (!p || p.oauth_consumer_key !== options.oauth1.key) return false;
      const method = p.oauth_signature_method;
      if (method !== 'HMAC-SHA256' && method !== 'HMAC-SHA1') return false;
      const ts = Number(p.oauth_timestamp);
      if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 600) return false;
      if (!p.oauth_nonce || nonces.has(p.oauth_nonce)) return false;
      nonces.add(p.oauth_nonce);
      const key = `${enc(options.oauth1.secret)}&`;
      const expected = createHmac(method === 'HMAC-SHA1' ? 'sha1' : 'sha256', key).update(signatureBaseString('GET', url, p)).digest('base64');
      return expected === p.oauth_signature;
    }
    if (options.oauth2) {
      const m = /^Bearer (.+)$/.exec(header);
      const expires = m ? tokens.get(m[1]!) : undefined;
      return expires !== undefined && expires > Date.now();
    }
    return true;
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      log.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/oauth/token' && req.method === 'POST') {
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' '))) : [];
        const form = new URLSearchParams(body);
        if (!options.oauth2 || id !== options.oauth2.id || secret !== options.oauth2.secret || form.get('grant_type') !== 'client_credentials') {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_client' }));
          return;
        }
        const token = randomBytes(24).toString('hex');
        const expiresIn = options.oauth2.expiresIn ?? 3600;
        tokens.set(token, Date.now() + expiresIn * 1000);
        state.tokensIssued++;
        res.writeHead(200, { 'content-type': 'application/json', ...(options.stickyCookie ? { 'set-cookie': ['ARRAffinity=node7; Path=/; HttpOnly'] } : {}) });
        res.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: expiresIn }));
        return;
      }
      if (!url.pathname.startsWith(`${base}/`)) return imsx(res, 404, 'unknownobject', 'no such service');
      const collection = url.pathname.slice(base.length + 1);
      const records = (options.data as Record<string, unknown[]>)[collection];
      if (!records) return imsx(res, 404, 'unknownobject', `no collection ${collection}`);
      if (!authorised(req, url)) return imsx(res, 401, 'unauthorisedrequest', 'Fake SIS: unauthorised');
      if (options.stickyCookie && !(req.headers.cookie ?? '').includes('ARRAffinity=node7')) return imsx(res, 503, 'server_busy', 'Fake SIS: no affinity cookie');
      const asked = Number(url.searchParams.get('limit') ?? 100);
      const limit = Math.min(asked, options.maxLimit ?? Infinity);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const n = (counts.get(collection) ?? 0) + 1;
      counts.set(collection, n);
      const fault = options.fault?.({ collection, offset, limit: asked, n });
      if (fault === 'cut') {
        req.socket.destroy();
        return;
      }
      const page = records.slice(offset, offset + limit);
      const paging = options.paging ?? 'both';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (paging === 'total' || paging === 'both') headers['x-total-count'] = String(records.length);
      if ((paging === 'link' || paging === 'both') && offset + limit < records.length) {
        headers.link = `<${origin}${base}/${collection}?limit=${limit}&offset=${offset + limit}>; rel="next"`;
      }
      if (fault && typeof fault === 'object') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '');
        return;
      }
      const text = fault === 'bad-json' ? '{"' + collection + '": [' : JSON.stringify({ [collection]: page });
      if (fault === 'cut-body') {
        res.writeHead(200, { ...headers, 'content-length': String(text.length + 1000) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setTimeout(() => req.socket.destroy(), 10);
        return;
      }
      res.writeHead(200, headers);
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    base: `${origin}${base}`,
    tokenUrl: `${origin}/oauth/token`,
    log,
    get tokensIssued() {
      return state.tokensIssued;
    },
    expireTokens: () => {
      for (const t of tokens.keys()) tokens.set(t, 0);
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
