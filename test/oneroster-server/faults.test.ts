/**
 * Each fault of the local OneRoster server (faults.ts): 429 with Retry-After, 5xx, slow, a
 * connection cut before answering and in the middle of the body, an expired token, a page whose
 * X-Total-Count lies; targeted per collection, count-limited; and the grammar's refusals.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseFaultSpec, type OneRosterServer } from '../../engine/oneroster-server/index.js';
import { getJson, startExample } from './helpers.js';

describe('grammar', () => {
  it('parses kinds, targets, counts and parameters', () => {
    expect(parseFaultSpec('429:users:2:7, 503:enrollments, cut:any:*, slow:orgs:1:50, lie-total:users:1:10, cut-body:classes, expire-token:any')).toEqual([
      { kind: '429', target: 'users', remaining: 2, param: 7 },
      { kind: '5xx', target: 'enrollments', remaining: 1, status: 503 },
      { kind: 'cut', target: 'any', remaining: Infinity },
      { kind: 'slow', target: 'orgs', remaining: 1, param: 50 },
      { kind: 'lie-total', target: 'users', remaining: 1, param: 10 },
      { kind: 'cut-body', target: 'classes', remaining: 1 },
      { kind: 'expire-token', target: 'any', remaining: 1 },
    ]);
    expect(parseFaultSpec('5xx:users:1:502')[0]).toMatchObject({ kind: '5xx', status: 502 });
    expect(parseFaultSpec('429:token')[0]).toMatchObject({ kind: '429', target: 'token', param: 1 });
  });

  it.each(['teapot:users', '429', '429:users:0', '429:users:x', '5xx:users:1:418', 'slow:users:1:fast', 'cut-body:token', '429:users:1:2:3'])('refuses %s', (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(/fault/);
  });
});

describe('served faults', () => {
  let server: OneRosterServer;
  beforeAll(async () => {
    server = await startExample({ oauth2: { clientId: 'id', clientSecret: 'secret-value-1234' } });
  });
  afterAll(async () => server.close());
  beforeEach(() => server.faults.replace(''));

  async function bearer(): Promise<string> {
    const res = await fetch(server.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('id:secret-value-1234').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
  }

  it('answers 429 with Retry-After the given number of times, on the targeted collection only', async () => {
    server.faults.replace('429:users:2:7');
    const auth = { Authorization: await bearer() };
    expect((await getJson(`${server.baseUrl}/orgs`, auth)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await getJson(`${server.baseUrl}/users`, auth);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('server_busy');
    }
    expect((await getJson(`${server.baseUrl}/users`, auth)).status).toBe(200);
  });

  it('answers a 5xx with an imsx payload; a typed view matches its base collection', async () => {
    server.faults.replace('502:users');
    const auth = { Authorization: await bearer() };
    const r = await getJson(`${server.baseUrl}/students`, auth);
    expect(r.status).toBe(502);
    expect(r.body.imsx_codeMajor).toBe('failure');
    expect((await getJson(`${server.baseUrl}/students`, auth)).status).toBe(200);
  });

  it('answers a slow request normally after the wait, and logs the fault', async () => {
    server.faults.replace('slow:orgs:1:30');
    const r = await getJson(`${server.baseUrl}/orgs`, { Authorization: await bearer() });
    expect(r.status).toBe(200);
    expect(server.requests.entries.at(-1)).toMatchObject({ path: `${new URL(server.baseUrl).pathname}/orgs`, fault: 'slow', status: 200 });
  });

  it('cuts the connection before answering', async () => {
    server.faults.replace('cut:enrollments');
    const auth = { Authorization: await bearer() };
    await expect(fetch(`${server.baseUrl}/enrollments`, { headers: auth })).rejects.toThrow();
    expect((await getJson(`${server.baseUrl}/enrollments`, auth)).status).toBe(200);
  });

  it('cuts the connection in the middle of the body: the headers arrive, the JSON does not', async () => {
    server.faults.replace('cut-body:enrollments');
    const auth = { Authorization: await bearer() };
    const res = await fetch(`${server.baseUrl}/enrollments?limit=200`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('4549');
    await expect(res.text()).rejects.toThrow();
  });

  it('expires the token presented: 401, and it stays expired', async () => {
    server.faults.replace('expire-token:users');
    const token = await bearer();
    expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: token })).status).toBe(200);
    const r = await getJson(`${server.baseUrl}/users`, { Authorization: token });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: token })).status).toBe(401);
    expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: await bearer() })).status).toBe(200);
  });

  it('sends an X-Total-Count (and last link) larger than what exists', async () => {
    server.faults.replace('lie-total:orgs:1:100');
    const auth = { Authorization: await bearer() };
    const r = await getJson(`${server.baseUrl}/orgs?limit=2`, auth);
    expect(r.headers.get('x-total-count')).toBe('104');
    expect(r.headers.get('link')).toContain('offset=102>; rel="last"');
    expect(r.body.orgs).toHaveLength(2);
    const past = await getJson(`${server.baseUrl}/orgs?limit=2&offset=4`, auth);
    expect(past.body.orgs).toEqual([]);
    expect(past.headers.get('x-total-count')).toBe('4');
  });

  it('leaves out X-Total-Count and Link: paging until a short page still reads every record', async () => {
    server.faults.replace('no-total:users:*,no-link:users:*');
    const auth = { Authorization: await bearer() };
    const ids = new Set<string>();
    for (let offset = 0; ; offset += 100) {
      const page = await getJson(`${server.baseUrl}/users?limit=100&offset=${offset}`, auth);
      expect(page.headers.get('x-total-count')).toBeNull();
      expect(page.headers.get('link')).toBeNull();
      for (const u of page.body.users) ids.add(u.sourcedId);
      if (page.body.users.length < 100) break;
    }
    expect(ids.size).toBe(815);
    server.faults.replace('');
    expect((await getJson(`${server.baseUrl}/users?limit=1`, auth)).headers.get('x-total-count')).toBe('815');
  });

  it('faults the token endpoint when targeted', async () => {
    server.faults.replace('503:token,cut:token');
    const post = () => fetch(server.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('id:secret-value-1234').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect((await post()).status).toBe(503);
    await expect(post()).rejects.toThrow();
    expect((await post()).status).toBe(200);
  });

  it('replaces the rules through the control route, never faulting it', async () => {
    const set = await fetch(`${server.url}/__oneroster/faults`, { method: 'POST', body: 'cut:any:*' });
    expect(((await set.json()) as { faults: unknown }).faults).toEqual([{ kind: 'cut', target: 'any', remaining: null }]);
    expect((await fetch(`${server.url}/__oneroster/requests`)).status).toBe(200);
    await expect(fetch(`${server.baseUrl}/orgs`, { headers: { Authorization: await bearer() } })).rejects.toThrow();
    const bad = await fetch(`${server.url}/__oneroster/faults`, { method: 'POST', body: 'nope:any' });
    expect(bad.status).toBe(400);
  });
});
