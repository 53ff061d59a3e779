/**
 * `plan --config DIR --format json --out FILE` with `sources.sis.rest` against the project's own
 * OneRoster server (`startOneRosterServer`, engine/oneroster-server): 1.1 with OAuth 1.0a
 * (HMAC-SHA256, HMAC-SHA1) and OAuth 2, 1.2 with OAuth 2, each the same planId and operations as the
 * CSV plan of the same export; faults it recovers from; a pull cut for good exits 1, names the SIS
 * and writes no plan; the client secret appears in no output, no file and not in the server's log.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOneRosterServer, type OneRosterServer, type OneRosterServerOptions } from '../../engine/oneroster-server/index.js';
import { runCliAsync } from '../support/workspace.js';
import { EXAMPLE_EXPORT, projectWithSis } from '../support/sis-project.js';

const EXPORT = EXAMPLE_EXPORT;
const KEY = 'maple-valley-or-client';
const SECRET = 'Or-Server-Distinct-Secret-41d9c2e7f0';
const ENV = { ONEROSTER_CLIENT_ID: KEY, ONEROSTER_CLIENT_SECRET: SECRET, ROSTEROPS_HTTP_BACKOFF_MS: '5' };

type PlanJson = { planId: string; inputs: { sources: { sis: string } }; operations: { reason: { rule: string; text: string } }[] };
const roots: string[] = [];
const servers: OneRosterServer[] = [];
let csvPlan: PlanJson;

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function project(sis: string): string {
  const root = projectWithSis(sis, 'rosterops-orserver-');
  roots.push(root);
  return root;
}

async function planIn(root: string) {
  const out = join(root, 'plan.json');
  const r = await runCliAsync(['plan', '--config', join(root, 'policies'), '--format', 'json', '--out', out], { env: ENV });
  return { ...r, root, plan: existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as PlanJson) : null };
}

async function serve(options: Omit<OneRosterServerOptions, 'data'>): Promise<OneRosterServer> {
  const server = await startOneRosterServer({ data: EXPORT, ...options });
  servers.push(server);
  return server;
}

const withoutSources = (ops: PlanJson['operations']) => ops.map((op) => ({ ...op, reason: { rule: op.reason.rule, text: op.reason.text } }));

function restPolicy(server: OneRosterServer, format: '1.1' | '1.2', auth: string): string {
  return `format: oneroster-${format}\nrest:\n  url: ${server.baseUrl}\n${auth.replace('TOKEN_URL', server.tokenUrl).replace(/^/gm, '  ')}`;
}

/** Everything a run left: its output, every file in its folder, and the server's request log. */
function everythingOf(r: { stdout: string; stderr: string; root: string }, server: OneRosterServer): string {
  const files = readdirSync(r.root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
  return [r.stdout, r.stderr, ...files, JSON.stringify(server.requests.entries)].join('\n');
}

beforeAll(async () => {
  const r = await planIn(project(`format: oneroster-1.1\npath: ${JSON.stringify(EXPORT)}`));
  expect(r.code, r.stderr).toBe(0);
  csvPlan = r.plan!;
});

describe('plan from the local OneRoster server', () => {
  it.each([
    ['1.1, oauth1 HMAC-SHA256', '1.1', 'auth: oauth1', { oauth1: { consumerKey: KEY, consumerSecret: SECRET } }],
    ['1.1, oauth1 HMAC-SHA1', '1.1', 'auth: oauth1\nsignatureMethod: HMAC-SHA1', { oauth1: { consumerKey: KEY, consumerSecret: SECRET } }],
    ['1.1, oauth2', '1.1', 'auth: oauth2\ntokenUrl: TOKEN_URL', { oauth2: { clientId: KEY, clientSecret: SECRET } }],
    ['1.2, oauth2', '1.2', 'auth: oauth2\ntokenUrl: TOKEN_URL', { oauth2: { clientId: KEY, clientSecret: SECRET } }],
  ] as const)('%s: the same planId and operations as the CSV plan, the secret nowhere', async (_name, version, auth, serverAuth) => {
    const server = await serve({ version, ...serverAuth, maxLimit: 700 });
    const r = await planIn(project(restPolicy(server, version, auth)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan!.planId).toBe(csvPlan.planId);
    expect(withoutSources(r.plan!.operations)).toEqual(withoutSources(csvPlan.operations));
    // The header names where the SIS came from: the REST service, holding as many users as the CSV.
    const usersOf = (sis: string) => /\((\d+) users\)$/.exec(sis)?.[1];
    expect(r.plan!.inputs.sources.sis.startsWith(`OneRoster REST ${server.baseUrl}`), r.plan!.inputs.sources.sis).toBe(true);
    expect(usersOf(r.plan!.inputs.sources.sis)).toBe(usersOf(csvPlan.inputs.sources.sis));
    expect(usersOf(csvPlan.inputs.sources.sis)).toMatch(/^\d+$/);
    const all = everythingOf(r, server);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(encodeURIComponent(SECRET));
    // Credentials only in headers: the rostering queries carry paging and nothing else.
    for (const entry of server.requests.entries.filter((e) => e.path.startsWith('/ims/'))) {
      expect(Object.keys(entry.query).sort()).toEqual(['limit', 'offset']);
      expect(entry.auth).toBe(version === '1.1' && auth.includes('oauth1') ? 'oauth1' : 'bearer');
    }
  });

  it('recovers from 429 (Retry-After), 503, a cut connection, a body cut short and an expired token', async () => {
    const server = await serve({
      version: '1.1', oauth2: { clientId: KEY, clientSecret: SECRET },
      faults: '429:users:1:1,503:enrollments:2,cut:classes:1,cut-body:orgs:1,expire-token:academicSessions:1',
    });
    const r = await planIn(project(restPolicy(server, '1.1', 'auth: oauth2\ntokenUrl: TOKEN_URL')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan!.planId).toBe(csvPlan.planId);
    expect(server.requests.entries.filter((e) => e.path.endsWith('/token')).length).toBe(2);
  });

  it('a pull cut for good exits 1, names the SIS (not the policy) and writes no plan', async () => {
    const server = await serve({ version: '1.1', oauth1: { consumerKey: KEY, consumerSecret: SECRET }, faults: 'cut:enrollments:*' });
    const r = await planIn(project(restPolicy(server, '1.1', 'auth: oauth1')));
    expect(r.code).toBe(1);
    expect(r.plan).toBeNull();
    expect(r.stderr).toContain(`OneRoster REST ${server.baseUrl}`);
    expect(r.stderr).toMatch(/reading enrollments at offset \d+ failed/);
    expect(r.stderr).not.toMatch(/rosterops\.yaml/);
    expect(everythingOf(r, server)).not.toContain(SECRET);
  });

  it('a server that announces more records than it has is never planned from', async () => {
    const server = await serve({ version: '1.1', oauth1: { consumerKey: KEY, consumerSecret: SECRET }, faults: 'lie-total:users:*:50' });
    const r = await planIn(project(restPolicy(server, '1.1', 'auth: oauth1')));
    expect(r.code).toBe(1);
    expect(r.plan).toBeNull();
    expect(r.stderr).toMatch(/users/);
  });

  it('a bad signature or bad credentials exit 1 with a hint and no plan', async () => {
    const server = await serve({ version: '1.1', oauth1: { consumerKey: KEY, consumerSecret: 'not-the-secret-the-client-has' } });
    const r = await planIn(project(restPolicy(server, '1.1', 'auth: oauth1')));
    expect(r.code).toBe(1);
    expect(r.plan).toBeNull();
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).toMatch(/hint: /);
    const o2 = await serve({ version: '1.2', oauth2: { clientId: KEY, clientSecret: 'not-the-secret-the-client-has' } });
    const r2 = await planIn(project(restPolicy(o2, '1.2', 'auth: oauth2\ntokenUrl: TOKEN_URL')));
    expect(r2.code).toBe(1);
    expect(r2.plan).toBeNull();
    expect(r2.stderr).toMatch(/token endpoint answered HTTP 40[01]/);
  });
});
