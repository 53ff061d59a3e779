/**
 * The HTTP edge: body and parameter parsing, routing, token check, faults and throttling.
 * API modules only see `ApiRequest` and return `ApiResponse`. The token is compared in constant
 * time and never written anywhere (responses, Link headers, logs).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultBook } from './faults.js';
import { boundaryOf, parseMultipart, type MultipartPart } from './multipart.js';
import { mergeParams, paramsFromPairs, type Params } from './params.js';
import { notFound, serverError, unauthorized, type ApiResponse } from './responses.js';
import { formatFloat, THROTTLED_BODY, THROTTLED_HEADERS, type LeakyBucket } from './throttle.js';

export interface ApiRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Content-Type header as sent ('' when absent). */
  contentType: string;
  body: Buffer;
  query: Params;
  /** Query merged with form / JSON / multipart fields (body wins). */
  params: Params;
  /** Multipart parts that carried a file name, by field name. */
  files: Map<string, MultipartPart>;
  isMultipart: boolean;
  pathParams: Record<string, string>;
  baseUrl: string;
}

export interface Route {
  method: string;
  /** Anchored pattern over the URL path with named groups for path parameters. */
  pattern: RegExp;
  /** Fault target name, e.g. `sis-imports-create`. */
  name: string;
  /** Test-only control routes: never faulted or throttled. */
  control?: boolean;
  handle(req: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

export interface HttpOptions {
  token: string;
  routes: Route[];
  faults: FaultBook;
  bucket: () => LeakyBucket;
  baseUrl: () => string;
}

/** `/api/v1/accounts/:account_id/sis_imports` → an anchored RegExp with named groups. */
export function path(template: string): RegExp {
  const source = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-z_]+)/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}/?$`);
}

export function createHttpServer(options: HttpOptions): Server {
  const expected = digest(options.token);
  return createServer((req, res) => {
    handle(req, res, options, expected).catch(() => {
      if (!res.headersSent) send(res, serverError(500));
      else res.destroy();
    });
  });
}

/**
 * URLs the emulator hands out (report files, pagination links) name the host the client used, as
 * Canvas's do: a client that reached it as `localhost` gets `localhost` links, so its own same-origin
 * rule for the token holds. Only loopback names are taken from the Host header.
 */
function baseUrlFor(req: IncomingMessage, listening: string): string {
  const host = req.headers.host ?? '';
  const port = new URL(listening).port;
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(host) && (host.endsWith(`:${port}`)) ? `http://${host.toLowerCase()}` : listening;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpOptions, expected: Buffer): Promise<void> {
  const body = await readBody(req);
  const baseUrl = baseUrlFor(req, options.baseUrl());
  const url = new URL(req.url ?? '/', baseUrl);
  if (!authorized(req.headers, url, expected)) return send(res, unauthorized());

  const method = (req.method ?? 'GET').toUpperCase();
  let route: Route | undefined;
  let groups: Record<string, string> = {};
  for (const r of options.routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(url.pathname);
    if (m) {
      route = r;
      groups = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, safeDecode(v)]));
      break;
    }
  }
  if (!route) return send(res, notFound());
  const apiReq = buildRequest(req, url, body, groups, baseUrl);
  if (route.control) return send(res, await route.handle(apiReq));

  const { faults } = options;
  const bucket = options.bucket();
  if (faults.take('throttle', route.name) || !bucket.admit()) return send(res, { status: 403, text: THROTTLED_BODY, headers: { ...THROTTLED_HEADERS } });
  if (faults.take('cut', route.name)) {
    // The connection breaks before the request is handled: nothing happened on the server.
    req.socket.destroy();
    return;
  }
  const started = Date.now();
  const failure = faults.take('5xx', route.name);
  let response: ApiResponse;
  if (failure) {
    response = serverError(failure.status ?? 500);
  } else {
    const slow = faults.take('slow', route.name);
    // Handled after the wait whether or not the client is still there, as a server does.
    if (slow) await new Promise((r) => setTimeout(r, slow.delayMs ?? 1000));
    try {
      response = await route.handle(apiReq);
    } catch {
      response = serverError(500);
    }
  }
  const cost = bucket.finish(Date.now() - started);
  if (!failure && faults.take('drop', route.name)) {
    // The work is done (e.g. the import exists) but the client never hears back.
    req.socket.destroy();
    return;
  }
  response.headers = { ...response.headers, 'X-Request-Cost': formatFloat(cost), 'X-Rate-Limit-Remaining': formatFloat(bucket.remaining()) };
  send(res, response);
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `Authorization: Bearer <token>`, or Canvas's `access_token` query parameter. */
function authorized(headers: IncomingHttpHeaders, url: URL, expected: Buffer): boolean {
  const header = headers.authorization;
  const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  const given = m ? m[1]!.trim() : url.searchParams.get('access_token');
  if (!given) return false;
  return timingSafeEqual(digest(given), expected);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function buildRequest(req: IncomingMessage, url: URL, body: Buffer, pathParams: Record<string, string>, baseUrl: string): ApiRequest {
  const contentType = req.headers['content-type'] ?? '';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const query = paramsFromPairs([...url.searchParams.entries()].filter(([k]) => k !== 'access_token'));
  let bodyParams: Params = {};
  const files = new Map<string, MultipartPart>();
  const isMultipart = type === 'multipart/form-data';
  if (isMultipart) {
    const boundary = boundaryOf(contentType);
    const parts = boundary ? parseMultipart(body, boundary) : [];
    const pairs: [string, string][] = [];
    for (const p of parts) {
      if (p.filename !== null) files.set(p.name, p);
      else pairs.push([p.name, p.data.toString('utf8')]);
    }
    bodyParams = paramsFromPairs(pairs);
  } else if (type === 'application/x-www-form-urlencoded') {
    bodyParams = paramsFromPairs(new URLSearchParams(body.toString('utf8')).entries());
  } else if (type === 'application/json' && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) bodyParams = parsed as Params;
    } catch {
      bodyParams = {};
    }
  }
  delete bodyParams.access_token;
  return {
    method: (req.method ?? 'GET').toUpperCase(), url, headers: req.headers, contentType, body, query,
    params: mergeParams(query, bodyParams), files, isMultipart, pathParams, baseUrl,
  };
}

function send(res: ServerResponse, response: ApiResponse): void {
  // A client that gave up (timeout) or a cut connection: the work is done, there is no one to tell.
  if (res.destroyed || res.socket?.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  let payload: Uint8Array | string = '';
  if (response.json !== undefined) {
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
    payload = JSON.stringify(response.json);
  } else if (response.bytes !== undefined) {
    payload = response.bytes;
  } else if (response.text !== undefined) {
    headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    payload = response.text;
  }
  headers['Content-Length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
  res.writeHead(response.status, headers);
  res.end(payload);
}
