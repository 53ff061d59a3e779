/**
 * The OneRoster REST client against small local servers (test/support/oneroster-fake.ts): the
 * same roster over REST and as CSV plans alike; every paging style, fault and auth flow ends in
 * either the complete roster or an error that names the SIS, the collection and the offset.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataError, RemoteError } from '../../engine/errors.js';
import type { Plan } from '../../engine/model/plan.js';
import type { SisSnapshot } from '../../engine/model/oneroster.js';
import { runPlanPipeline } from '../../engine/pipeline.js';
import { loadPolicies } from '../../engine/policy/load.js';
import type { Config, RestSource } from '../../engine/policy/types.js';
import { readCanvasReport } from '../../engine/readers/canvas-report.js';
import { pullOneRosterRest, type RestPullOptions } from '../../engine/readers/oneroster-rest/index.js';
import { readOneRoster } from '../../engine/readers/oneroster.js';
import { jsonExportOf, type JsonExport } from '../support/oneroster-json.js';
import { startFake, type FakeOptions, type FakeServer } from '../support/oneroster-fake.js';
import { ONEROSTER, ROOT } from '../support/workspace.js';

const EXPORT = join(ROOT, 'examples/maple-valley/oneroster');
const KEY = 'district-key';
const SECRET = 'Sekr1t-oneroster-9f8e7d6c5b4a';
const ENV = { ONEROSTER_CLIENT_ID: KEY, ONEROSTER_CLIENT_SECRET: SECRET };

let config: Config;
let csvPlan: Plan;
const data11 = jsonExportOf(EXPORT, '1.1');
const data12 = jsonExportOf(EXPORT, '1.2');
const servers: FakeServer[] = [];

beforeAll(async () => {
  ({ config } = await loadPolicies(join(ROOT, 'policies')));
  csvPlan = await planWith(() => readOneRoster(EXPORT));
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function planWith(readSis: () => Promise<SisSnapshot>): Promise<Plan> {
  const { plan } = await runPlanPipeline(config, { readSis, readCanvas: () => readCanvasReport(config.sources.canvas.snapshot!) }, null);
  return plan;
}

async function fake(options: Partial<FakeOptions> & { version?: '1.1' | '1.2' } = {}): Promise<FakeServer> {
  const version = options.version ?? '1.1';
  const server = await startFake({ data: version === '1.1' ? data11 : data12, oauth1: { key: KEY, secret: SECRET }, ...options, version });
  servers.push(server);
  return server;
}

function source(server: FakeServer, over: Partial<RestSource> = {}): RestSource {
  return {
    url: server.base, auth: 'oauth1', signatureMethod: 'HMAC-SHA256', tokenUrl: null, scope: null,
    clientIdEnv: 'ONEROSTER_CLIENT_ID', clientSecretEnv: 'ONEROSTER_CLIENT_SECRET', pageSize: 1000, ...over,
  };
}

function pull(server: FakeServer, over: Partial<RestSource> = {}, options: Partial<RestPullOptions> = {}, sleeps: number[] = []): Promise<SisSnapshot> {
  return pullOneRosterRest(source(server, over), {
    format: server.base.endsWith('v1p2') ? 'oneroster-1.2' : 'oneroster-1.1', env: ENV,
    http: { backoffMs: 5, sleep: async (ms) => void sleeps.push(ms) }, ...options,
  });
}

/** What the planId is made of, without where each row came from. */
function planned(plan: Plan): unknown[] {
  return plan.operations.map((op) => ({ ...op, reason: { rule: op.reason.rule, text: op.reason.text } }));
}

async function failure<T extends Error>(promise: Promise<unknown>, kind: new (...args: never[]) => T): Promise<T> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(kind);
  return err as T;
}

describe('same roster over REST and as CSV', () => {
  it.each<[string, Partial<FakeOptions>, Partial<RestSource>]>([
    ['1.1, OAuth 1.0a HMAC-SHA256', { version: '1.1' as const }, {}],
    ['1.1, OAuth 1.0a HMAC-SHA1, server capping pages at 100', { version: '1.1' as const, maxLimit: 100 }, { signatureMethod: 'HMAC-SHA1' as const }],
    ['1.2, OAuth 2, Link only', { version: '1.2' as const, oauth1: undefined, oauth2: { id: KEY, secret: SECRET }, paging: 'link' as const }, { auth: 'oauth2' as const }],
  ])('%s: the same operations and planId', async (_name, serverOptions, over) => {
    const server = await fake(serverOptions);
    const rest = await pull(server, { ...over, ...(over.auth === 'oauth2' ? { tokenUrl: server.tokenUrl } : {}) });
    const plan = await planWith(async () => rest);
    expect(plan.operations.length).toBeGreaterThan(0);
    expect(planned(plan)).toEqual(planned(csvPlan));
    expect(plan.planId).toBe(csvPlan.planId);
    // Where a row came from is shown: the collection and the record's number in it.
    expect(plan.operations.some((op) => /^rest:[a-zA-Z]+:\d+/.test(String(op.reason.source ?? '')))).toBe(true);
  });

  it('gives the same digest to two pulls of unchanged data, whatever the paging', async () => {
    const a = await pull(await fake({ paging: 'both' }));
    const b = await pull(await fake({ paging: 'neither', maxLimit: 37 }));
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
  });
});

describe('paging', () => {
  const small: JsonExport = { ...data11 };
  it.each([
    ['X-Total-Count', 'total'], ['Link', 'link'], ['both', 'both'], ['neither', 'neither'],
  ] as const)('reads every record with %s, pages capped below the size asked or not', async (_name, paging) => {
    for (const maxLimit of [undefined, 300]) {
      const server = await fake({ paging, ...(maxLimit ? { maxLimit } : {}), data: small });
      const s = await pull(server, { pageSize: 400 });
      expect(s.users.map((u) => u.sourcedId)).toEqual(data11.users.map((u) => u.sourcedId));
      expect(s.enrollments.length).toBe(data11.enrollments.length);
    }
  });

  it('asks several pages at once once X-Total-Count is known', async () => {
    let inFlight = 0;
    let most = 0;
    const server = await fake({
      paging: 'total',
      fault: () => {
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => inFlight--, 20);
        return undefined;
      },
    });
    await pull(server, { pageSize: 100 }, { concurrency: 4 });
    expect(most).toBeGreaterThan(1);
  });

  it('ends on an empty page when neither header is given and the last page is full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rosterops-rest-small-'));
    for (const [name, text] of Object.entries(ONEROSTER)) writeFileSync(join(dir, name), text);
    const tiny = jsonExportOf(dir, '1.1');
    rmSync(dir, { recursive: true });
    const server = await fake({ paging: 'neither', data: tiny });
    const s = await pull(server, { pageSize: 2 });
    expect(s.orgs.length).toBe(2);
    expect(s.enrollments.length).toBe(4);
    const offsets = (collection: string) => server.log.filter((r) => r.url.includes(`/${collection}?`)).map((r) => new URL(r.url, server.url).searchParams.get('offset'));
    expect(offsets('orgs')).toEqual(['0', '2']);
    expect(offsets('enrollments')).toEqual(['0', '2', '4']);
    expect(offsets('users')).toEqual(['0', '2']);
  });

  it('fails when the server announces more records than it gives', async () => {
    const server = await fake({
      paging: 'total',
      fault: ({ collection, offset }) => (collection === 'users' && offset === 200
        ? { status: 200, headers: { 'x-total-count': String(data11.users.length) }, body: '{"users":[]}' } : undefined),
    });
    const err = await failure(pull(server, { pageSize: 100 }), RemoteError);
    expect(err.message).toContain(`OneRoster REST ${server.base}`);
    expect(err.message).toMatch(/users at offset 200/);
  });

  it('never follows a Link to another origin', async () => {
    const other = await fake();
    const server = await fake({ paging: 'neither' });
    // Replace the server's answer to /orgs with a Link pointing elsewhere.
    const linked = await startFake({
      version: '1.1', data: data11, oauth1: { key: KEY, secret: SECRET }, paging: 'neither',
      fault: ({ collection }) => (collection === 'orgs'
        ? { status: 200, headers: { link: `<${other.base}/orgs?limit=1&offset=1&cursor=x>; rel="next"` }, body: JSON.stringify({ orgs: data11.orgs.slice(0, 1) }) } : undefined),
    });
    servers.push(linked);
    const err = await failure(pull(linked), RemoteError);
    expect(err.code).toBe('oneroster-rest.foreign-origin');
    expect(other.log).toEqual([]);
    void server;
  });
});

describe('faults', () => {
  it('waits as long as Retry-After says on 429, then reads on', async () => {
    const sleeps: number[] = [];
    const server = await fake({ fault: ({ collection, n }) => (collection === 'users' && n === 1 ? { status: 429, headers: { 'retry-after': '3' } } : undefined) });
    const s = await pull(server, {}, {}, sleeps);
    expect(sleeps).toEqual([3000]);
    expect(s.users.length).toBe(data11.users.length);
  });

  it.each([
    ['a 503', { status: 503, body: '{"imsx_description":"busy"}' }],
    ['a cut connection', 'cut'],
    ['a body cut short', 'cut-body'],
  ] as const)('retries %s with backoff', async (_name, fault) => {
    const sleeps: number[] = [];
    const server = await fake({ fault: ({ collection, n }) => (collection === 'enrollments' && n <= 2 ? fault : undefined) });
    const s = await pull(server, {}, {}, sleeps);
    expect(sleeps.length).toBe(2);
    expect(s.enrollments.length).toBe(data11.enrollments.length);
  });

  it('gives up after a bounded number of attempts: exit 1, the SIS, the collection, the offset and the status', async () => {
    const sleeps: number[] = [];
    const server = await fake({ fault: ({ collection, offset }) => (collection === 'enrollments' && offset >= 1000 ? { status: 503, body: '{"imsx_description":"Fake SIS: down"}' } : undefined) });
    const err = await failure(pull(server, {}, { concurrency: 1, http: { attempts: 4, backoffMs: 5, sleep: async (ms) => void sleeps.push(ms) } }, sleeps), RemoteError);
    expect(err.exitCode).toBe(1);
    expect(err.status).toBe(503);
    expect(err.message).toContain(`OneRoster REST ${server.base}: reading enrollments at offset 1000 failed: HTTP 503: Fake SIS: down`);
    expect(err.message).toContain('no plan was made');
    expect(err.hint).toBeTruthy();
    expect(sleeps.length).toBe(3);
  });

  it('gives up when Retry-After asks for longer than the time allowed', async () => {
    const server = await fake({ fault: ({ collection }) => (collection === 'orgs' ? { status: 429, headers: { 'retry-after': '86400' } } : undefined) });
    const err = await failure(pull(server), RemoteError);
    expect(err.status).toBe(429);
  });

  it('reports an answer that is not JSON', async () => {
    const server = await fake({ fault: ({ collection }) => (collection === 'classes' ? 'bad-json' : undefined) });
    const err = await failure(pull(server), RemoteError);
    expect(err.code).toBe('oneroster-rest.not-json');
    expect(err.message).toMatch(/classes at offset 0/);
  });

  it('locates a record that is not OneRoster JSON: collection, offset, sourcedId, field', async () => {
    const users = data11.users.map((u, i) => (i === 5 ? { ...u, orgs: 'sch-e1' } : u));
    const server = await fake({ data: { ...data11, users } });
    const err = await failure(pull(server), DataError);
    expect(err.location).toMatchObject({ file: 'rest:users', line: 6, field: '/orgs' });
    expect(err.message).toContain(`OneRoster REST ${server.base}: users record at offset 5 (sourcedId "${String(data11.users[5]!.sourcedId)}")`);
  });

  it('puts a record\'s CSV-level problem at its collection and number, like a CSV row', async () => {
    const classes = data11.classes.map((c, i) => (i === 2 ? { ...c, school: { href: '/orgs/nowhere', sourcedId: 'nowhere', type: 'org' } } : c));
    const server = await fake({ data: { ...data11, classes } });
    const err = await failure(pull(server), DataError);
    expect(err.diagnostics.some((d) => d.file === 'rest:classes' && d.line === 3)).toBe(true);
  });
});

describe('authorisation', () => {
  it('signs with HMAC-SHA1 when asked, and the server checks it independently (RFC 5849)', async () => {
    const server = await fake();
    await pull(server, { signatureMethod: 'HMAC-SHA1' });
    expect(server.log.every((r) => r.authorization?.includes('oauth_signature_method="HMAC-SHA1"'))).toBe(true);
  });

  it('a wrong secret is one refused request, exit 1, a hint, and the secret nowhere', async () => {
    const server = await fake();
    const err = await failure(pullOneRosterRest(source(server), { format: 'oneroster-1.1', env: { ...ENV, ONEROSTER_CLIENT_SECRET: 'Wrong-secret-123456789' } }), RemoteError);
    expect(err.status).toBe(401);
    expect(err.hint).toMatch(/clientIdEnv/);
    expect(server.log.length).toBe(1);
    expect(JSON.stringify({ m: err.message, h: err.hint })).not.toContain('Wrong-secret');
  });

  it('OAuth 2: one token for the whole pull, sent with HTTP Basic', async () => {
    const server = await fake({ oauth1: undefined, oauth2: { id: KEY, secret: SECRET } });
    await pull(server, { auth: 'oauth2', tokenUrl: server.tokenUrl, scope: 'https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly' });
    expect(server.tokensIssued).toBe(1);
    const token = server.log.find((r) => r.url === '/oauth/token')!;
    expect(token.authorization).toBe(`Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`);
    expect(new URLSearchParams(token.body).get('scope')).toBe('https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly');
  });

  it('OAuth 2: a token that expires mid-pull is fetched again once', async () => {
    let server!: FakeServer;
    server = await fake({
      oauth1: undefined, oauth2: { id: KEY, secret: SECRET },
      fault: ({ collection, n }) => {
        if (collection === 'classes' && n === 1) server.expireTokens();
        return undefined;
      },
    });
    const s = await pull(server, { auth: 'oauth2', tokenUrl: server.tokenUrl });
    expect(server.tokensIssued).toBe(2);
    expect(s.enrollments.length).toBe(data11.enrollments.length);
  });

  it('OAuth 2: replays the cookies the token endpoint sets (Aeries load balancing)', async () => {
    const server = await fake({ oauth1: undefined, oauth2: { id: KEY, secret: SECRET }, stickyCookie: true });
    const sleeps: number[] = [];
    const s = await pull(server, { auth: 'oauth2', tokenUrl: server.tokenUrl }, {}, sleeps);
    expect(sleeps).toEqual([]);
    expect(s.users.length).toBe(data11.users.length);
  });

  it('OAuth 2: refused client credentials are exit 1 with a hint', async () => {
    const server = await fake({ oauth1: undefined, oauth2: { id: KEY, secret: 'another-secret-entirely' } });
    const err = await failure(pull(server, { auth: 'oauth2', tokenUrl: server.tokenUrl }), RemoteError);
    expect(err.status).toBe(401);
    expect(err.message).not.toContain(SECRET);
  });

  it('names the missing environment variable', async () => {
    const server = await fake();
    const err = await failure(pullOneRosterRest(source(server), { format: 'oneroster-1.1', env: {} }), DataError);
    expect(err.message).toContain('ONEROSTER_CLIENT_ID and ONEROSTER_CLIENT_SECRET');
    expect(server.log).toEqual([]);
  });

  it('never puts the secret in a URL', async () => {
    const server = await fake();
    await pull(server);
    expect(server.log.some((r) => r.url.includes(SECRET) || r.url.includes(encodeURIComponent(SECRET)))).toBe(false);
  });
});
