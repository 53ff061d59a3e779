/**
 * The OAuth 2 client-credentials flow of the local OneRoster server (reference oneroster.md §2.4):
 * HTTP Basic client authentication (and body credentials), grant_type and scope checks, bearer
 * tokens with expires_in, several live tokens at once, and 401 for unknown and expired tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneRosterServer } from '../../engine/oneroster-server/index.js';
import { getJson, startExample } from './helpers.js';

const ID = 'rosterops-client';
const SECRET = 'S3cr3t:with:colons&amp+plus';
const SCOPE = 'https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly';

let clock = Date.now();
let server: OneRosterServer;
beforeAll(async () => {
  server = await startExample({ oauth2: { clientId: ID, clientSecret: SECRET, tokenLifetimeSeconds: 60 }, now: () => clock });
});
afterAll(async () => server.close());

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function token(body: string, headers: Record<string, string> = { Authorization: basic(ID, SECRET) }): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(server.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('token endpoint', () => {
  it('is served at /oauth/token', () => {
    expect(server.tokenUrl).toBe(`${server.url}/oauth/token`);
  });

  it('issues a bearer token to HTTP Basic client credentials, with expires_in and the scope', async () => {
    const { status, body, headers } = await token(`grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}`);
    expect(status).toBe(200);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(60);
    expect(body.scope).toBe(SCOPE);
    expect(typeof body.access_token).toBe('string');
    expect(headers.get('cache-control')).toBe('no-store');
    const page = await getJson(`${server.baseUrl}/users?limit=1`, { Authorization: `Bearer ${body.access_token}` });
    expect(page.status).toBe(200);
  });

  it('accepts client_id and client_secret in the body, refuses both methods at once', async () => {
    const form = `grant_type=client_credentials&client_id=${encodeURIComponent(ID)}&client_secret=${encodeURIComponent(SECRET)}`;
    expect((await token(form, {})).status).toBe(200);
    const both = await token(form);
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it.each([
    ['a wrong secret', 'grant_type=client_credentials', basic(ID, 'wrong'), 401, 'invalid_client'],
    ['no client authentication', 'grant_type=client_credentials', '', 401, 'invalid_client'],
    ['another grant type', 'grant_type=password', basic(ID, SECRET), 400, 'unsupported_grant_type'],
    ['no grant type', 'scope=x', basic(ID, SECRET), 400, 'invalid_request'],
    ['a foreign scope', 'grant_type=client_credentials&scope=admin', basic(ID, SECRET), 400, 'invalid_scope'],
  ])('refuses %s', async (_what, body, authorization, status, error) => {
    const answer = await token(body, authorization ? { Authorization: authorization } : {});
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  });

  it('refuses a JSON token request (the form encoding is required)', async () => {
    const res = await fetch(server.tokenUrl, { method: 'POST', headers: { Authorization: basic(ID, SECRET), 'Content-Type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    expect(res.status).toBe(400);
  });
});

describe('bearer checks', () => {
  it('keeps earlier tokens valid when a new one is issued', async () => {
    const a = (await token('grant_type=client_credentials')).body.access_token;
    const b = (await token('grant_type=client_credentials')).body.access_token;
    expect(a).not.toBe(b);
    for (const t of [a, b]) expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${t}` })).status).toBe(200);
  });

  it('answers 401 with an imsx payload and a Bearer challenge for no token and an unknown token', async () => {
    const none = await getJson(`${server.baseUrl}/orgs`);
    expect(none.status).toBe(401);
    expect(none.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unauthorisedrequest');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const unknown = await getJson(`${server.baseUrl}/orgs`, { Authorization: 'Bearer not-a-token' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 once the token has expired, and a new token works', async () => {
    const t = (await token('grant_type=client_credentials')).body.access_token;
    expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${t}` })).status).toBe(200);
    clock += 61_000;
    const expired = await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${t}` });
    expect(expired.status).toBe(401);
    expect(expired.body.imsx_description).toContain('expired');
    const fresh = (await token('grant_type=client_credentials')).body.access_token;
    expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${fresh}` })).status).toBe(200);
  });

  it('does not take an OAuth 1.0a header when only OAuth 2 is on', async () => {
    const res = await getJson(`${server.baseUrl}/orgs`, { Authorization: 'OAuth oauth_consumer_key="x"' });
    expect(res.status).toBe(401);
  });
});
