/**
 * A local OneRoster REST provider for end-to-end tests, demos and the bench (DESIGN.md "Test
 * doubles that speak the real wire format"): it serves a OneRoster CSV export over the 1.1 or
 * 1.2 rostering binding (reference oneroster.md §2) on 127.0.0.1 only, behind OAuth 1.0a
 * signatures and/or OAuth 2 client-credentials tokens, with switchable faults (faults.ts) and a
 * request log free of secrets (request-log.ts).
 *
 * Routes: `{base}/{collection}` and `{base}/{collection}/{sourcedId}` for orgs, academicSessions,
 * courses, classes, users, enrollments, demographics, schools, terms, gradingPeriods, students,
 * teachers, where base is `/ims/oneroster/v1p1` (1.1) or `/ims/oneroster/rostering/v1p2` (1.2);
 * the relationship collections of relationships.ts (`/schools/{id}/classes`, `/classes/{id}/students`, …);
 * `POST /oauth/token` (also `/token`) when OAuth 2 is on; control routes (never faulted, no auth):
 * `GET|DELETE /__oneroster/requests` (the log; DELETE clears it), `GET|POST /__oneroster/faults`
 * (POST body: a fault spec, replacing the rules).
 */
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfigError } from '../errors.js';
import { authenticate } from './auth.js';
import { basePathOf, collectionRoutes } from './collections.js';
import type { Context } from './context.js';
import { loadExport, type LoadedExport } from './export.js';
import { FaultBook, FaultSpecError, type FaultKind } from './faults.js';
import { ImsxError, imsxStatus } from './imsx.js';
import { OAuth1Verifier } from './oauth1.js';
import { OAuth2Server, TOKEN_PATHS } from './oauth2.js';
import { collection, relationshipContext, single } from './pages.js';
import { relationshipRoute } from './relationships.js';
import { buildSources, type OneRosterVersion } from './records.js';
import { authSchemeOf, loggableQuery, RequestLog, type LoggedRequest } from './request-log.js';
import { sendJson } from './responses.js';

export { parseFaultSpec, FaultSpecError, FaultBook, type FaultRule, type FaultKind } from './faults.js';
export type { LoggedRequest } from './request-log.js';
export { basePathOf } from './collections.js';

export interface OneRosterServerOptions {
  /** The export: a folder of OneRoster CSV files or a .zip. */
  data: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Binding served; default: the manifest's oneroster.version, else 1.1. */
  version?: OneRosterVersion;
  oauth1?: { consumerKey: string; consumerSecret: string };
  oauth2?: { clientId: string; clientSecret: string; tokenLifetimeSeconds?: number };
  /** Largest page served; a larger `limit` is served this many records (default 1000). */
  maxLimit?: number;
  faults?: string;
  /** Clock, for tests of timestamps and token expiry. */
  now?: () => number;
}

export interface OneRosterServer {
  /** Origin, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  url: string;
  /** The rostering service base, e.g. `http://127.0.0.1:54321/ims/oneroster/v1p1`. */
  baseUrl: string;
  /** The OAuth 2 token endpoint (also served when OAuth 2 is off, answering 404). */
  tokenUrl: string;
  version: OneRosterVersion;
  faults: FaultBook;
  requests: RequestLog;
  /** Records per base collection. */
  counts: Record<string, number>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_LIMIT = 1000;
const MAX_BODY_BYTES = 64 * 1024;

export async function startOneRosterServer(options: OneRosterServerOptions): Promise<OneRosterServer> {
  const data: LoadedExport = loadExport(options.data);
  const version: OneRosterVersion = options.version ?? (data.manifestVersion?.startsWith('1.2') ? '1.2' : '1.1');
  const now = options.now ?? (() => Date.now());
  const maxLimit = options.maxLimit ?? DEFAULT_MAX_LIMIT;
  if (!Number.isInteger(maxLimit) || maxLimit < 1) {
    throw new ConfigError('oneroster-server.max-limit', `maxLimit must be a positive whole number, not ${maxLimit}`, { field: 'maxLimit' }, 'Pass the largest page the server should answer, e.g. 1000.');
  }
  const sources = buildSources(data, version, new Date(now()).toISOString());
  let origin = '';
  const ctx: Context = {
    version,
    basePath: basePathOf(version),
    routes: collectionRoutes(version),
    sources,
    oauth1: options.oauth1 ? new OAuth1Verifier(options.oauth1.consumerKey, options.oauth1.consumerSecret, now) : null,
    oauth2: options.oauth2 ? new OAuth2Server(options.oauth2.clientId, options.oauth2.clientSecret, options.oauth2.tokenLifetimeSeconds ?? 3600, now) : null,
    maxLimit,
    faults: new FaultBook(options.faults),
    log: new RequestLog(),
    origin: () => origin,
    rowIndex: new Map(),
    selections: new Map(),
  };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, imsxStatus('internal_server_error', 'the server failed'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    baseUrl: `${origin}${ctx.basePath}`,
    tokenUrl: `${origin}${TOKEN_PATHS[0]}`,
    version,
    faults: ctx.faults,
    requests: ctx.log,
    counts: Object.fromEntries([...sources].map(([name, s]) => [name, s.rowCount])),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
  // Appended, not resolved: a request-target like `//host/x` must not name another host.
  const url = new URL(`${ctx.origin()}${rawUrl.startsWith('/') ? rawUrl : `/${rawUrl}`}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);
  if (body === null) {
    sendJson(res, 413, imsxStatus('invaliddata', 'request body too large'));
    return;
  }
  const contentType = String(req.headers['content-type'] ?? '');
  const authorization = req.headers.authorization;

  if (url.pathname.startsWith('/__oneroster/')) return control(ctx, method, url.pathname, body, res);

  const entry: LoggedRequest = { at: new Date().toISOString(), method, path: url.pathname, query: loggableQuery(url.searchParams), auth: authSchemeOf(authorization), status: 0 };
  const finish = (status: number): void => {
    entry.status = status;
    ctx.log.add(entry);
  };

  if (TOKEN_PATHS.includes(url.pathname) && ctx.oauth2) {
    if (method !== 'POST') return finish(sendJson(res, 405, { error: 'invalid_request', error_description: 'POST the token request' }, { Allow: 'POST' }));
    const faulted = await applyFaults(ctx, ['token'], res, entry);
    if (faulted !== null) return finish(faulted);
    const formBody = body.toString('utf8');
    const answer = ctx.oauth2.issue(authorization, contentType, formBody);
    const form = new URLSearchParams(/^application\/x-www-form-urlencoded/i.test(contentType) ? formBody : '');
    entry.clientAuth = answer.clientAuth;
    if (answer.clientId !== undefined) entry.clientId = answer.clientId;
    if (form.has('grant_type')) entry.grantType = form.get('grant_type')!;
    if (form.has('scope')) entry.scope = form.get('scope')!;
    return finish(sendJson(res, answer.status, answer.body, answer.headers));
  }

  if (!url.pathname.startsWith(`${ctx.basePath}/`)) {
    return finish(sendJson(res, 404, imsxStatus('unknownobject', `no such service: ${url.pathname} (this server serves ${ctx.basePath})`)));
  }
  const segments = rawPath.slice(ctx.basePath.length + 1).split('/').map(safeDecode);
  const top = ctx.routes.get(segments[0] ?? '');
  if (!top || ![1, 2, 3, 5].includes(segments.length) || segments.some((s) => s === '')) {
    return finish(sendJson(res, 404, imsxStatus('unknownobject', `no such endpoint: ${url.pathname}`)));
  }

  const auth = authenticate(ctx, req, method, rawPath, rawQuery, contentType, body, entry);
  if (auth !== null) return finish(sendJson(res, 401, imsxStatus('unauthorisedrequest', auth.description), auth.headers));

  if (method !== 'GET') return finish(sendJson(res, 405, imsxStatus('unsupported_method', `${method} is not supported; the rostering service is read-only`), { Allow: 'GET' }));

  let route = top;
  if (segments.length > 2) {
    const related = relationshipRoute(relationshipContext(ctx), segments);
    if (related === null) return finish(sendJson(res, 404, imsxStatus('unknownobject', `no such endpoint: ${url.pathname}`)));
    if ('missing' in related) return finish(sendJson(res, 404, imsxStatus('unknownobject', `no ${related.missing}`)));
    route = related.route;
  }

  const names = segments.length > 2 ? [segments.at(-1)!, route.base] : [route.name, route.base];
  if (entry.auth === 'bearer' && ctx.faults.take('expire-token', names)) {
    ctx.oauth2?.expire(authorization);
    entry.fault = 'expire-token';
    return finish(sendJson(res, 401, imsxStatus('unauthorisedrequest', 'the access token has expired'), { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' }));
  }
  const faulted = await applyFaults(ctx, names, res, entry);
  if (faulted !== null) return finish(faulted);

  const source = ctx.sources.get(route.base);
  try {
    if (segments.length === 2) return finish(single(ctx, route, source, segments[1]!, url, res, entry));
    return finish(collection(ctx, route, source, url, res, entry));
  } catch (err) {
    if (err instanceof ImsxError) return finish(sendJson(res, err.status, err.payload(), err.headers));
    throw err;
  }
}

/** Answers (or kills) the request when a fault applies; the status answered, or null to go on. */
async function applyFaults(ctx: Context, names: string[], res: ServerResponse, entry: LoggedRequest): Promise<number | null> {
  const take = (kind: FaultKind) => ctx.faults.take(kind, names);
  const slow = take('slow');
  if (slow) {
    entry.fault = 'slow';
    await new Promise((r) => setTimeout(r, slow.param ?? 1000));
  }
  // Of the answering faults, the first in the spec's order applies: `503:token,cut:token` is a 503, then a cut.
  const rule = ctx.faults.take(['cut', '429', '5xx'], names);
  if (!rule) return null;
  if (rule.kind === 'cut') {
    entry.fault = 'cut';
    res.socket?.destroy();
    return 0;
  }
  if (rule.kind === '429') {
    entry.fault = '429';
    return sendJson(res, 429, imsxStatus('server_busy', 'too many requests; retry later'), { 'Retry-After': String(rule.param ?? 1) });
  }
  entry.fault = String(rule.status);
  return sendJson(res, rule.status ?? 500, imsxStatus(rule.status === 503 ? 'server_busy' : 'internal_server_error', 'the server failed (injected fault)'));
  return null;
}

function control(ctx: Context, method: string, path: string, body: Buffer, res: ServerResponse): void {
  if (path === '/__oneroster/requests') {
    if (method === 'DELETE') {
      ctx.log.clear();
      sendJson(res, 200, { requests: [] });
      return;
    }
    sendJson(res, 200, { requests: ctx.log.entries });
    return;
  }
  if (path === '/__oneroster/faults') {
    if (method === 'POST') {
      try {
        ctx.faults.replace(body.toString('utf8'));
      } catch (err) {
        if (err instanceof FaultSpecError) {
          sendJson(res, 400, { error: err.message });
          return;
        }
        throw err;
      }
    }
    sendJson(res, 200, { faults: ctx.faults.pending() });
    return;
  }
  sendJson(res, 404, { error: `no control route ${path}` });
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
