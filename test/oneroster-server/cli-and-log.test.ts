/**
 * `rosterops oneroster-server` through the built CLI (starts on a free port, prints its URL, stops
 * on SIGTERM, refuses bad flags), a 1.2 export with roles.csv and userProfiles.csv read from a
 * zip, and the request log: it shows what the client sent but never a secret.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startOneRosterServer } from '../../engine/oneroster-server/index.js';
import { buildZip } from '../support/zip-builder.js';
import { CLI, runCliAsync } from '../support/workspace.js';
import { EXAMPLE, getJson, signedRequest, startExample } from './helpers.js';

const temp = mkdtempSync(join(tmpdir(), 'orserver-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the CLI command', () => {
  it('starts on 127.0.0.1 with --port 0, prints the service URL, serves and stops on SIGTERM', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'oneroster-server', '--data', EXAMPLE, '--port', '0', '--version', '1.2', '--oauth2', 'cli-id:cli-secret-0123456789'], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    expect(url).toMatch(/\/ims\/oneroster\/rostering\/v1p2$/);
    expect(stdout).toContain('OAuth 2');
    expect(stdout).not.toContain('cli-secret-0123456789');
    const origin = new URL(url).origin;
    const token = await fetch(`${origin}/oauth/token`, {
      method: 'POST', body: 'grant_type=client_credentials',
      headers: { Authorization: `Basic ${Buffer.from('cli-id:cli-secret-0123456789').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const users = await getJson(`${url}/users?limit=3`, { Authorization: `Bearer ${access_token}` });
    expect(users.body.users).toHaveLength(3);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it.each([
    [['--oauth1', 'no-colon'], /--oauth1 expects ID:SECRET/],
    [['--faults', 'teapot:users'], /unknown kind "teapot"/],
    [['--version', '2.0'], /--version 2\.0/],
  ])('refuses %j with exit 1 and a hint', async (flags, message) => {
    const r = await runCliAsync(['oneroster-server', '--data', EXAMPLE, '--port', '0', ...flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint/);
  });

  it('refuses a port already in use with exit 1 and a hint', async () => {
    const busy = await startExample();
    try {
      const r = await runCliAsync(['oneroster-server', '--data', EXAMPLE, '--port', new URL(busy.url).port]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/already in use/);
      expect(r.stderr).toMatch(/--port 0/);
    } finally {
      await busy.close();
    }
  });

  it('refuses a --data path that does not exist, naming it', async () => {
    const r = await runCliAsync(['oneroster-server', '--data', join(temp, 'nothing-here'), '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing-here');
  });
});

describe('a 1.2 export in a zip', () => {
  it('serves roles.csv as roles[], userProfiles.csv as userProfiles[], preferred names, and primaryOrg', async () => {
    const csv = (text: string) => new Uint8Array(Buffer.from(text));
    const zip = join(temp, 'v12.zip');
    writeFileSync(zip, buildZip([
      { name: 'manifest.csv', data: csv('propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,bulk\nfile.orgs,bulk\nfile.roles,bulk\nfile.userProfiles,bulk\n') },
      { name: 'orgs.csv', data: csv('sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd1,,,District,district,,\ns1,,,School,school,,d1\n') },
      { name: 'users.csv', data: csv('sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\nu1,,,true,ana,,Ana,Diaz,,,,,,,09,,,Annie,,,s1,she/her\n') },
      { name: 'roles.csv', data: csv('sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\nr1,,,u1,primary,student,2025-08-18,,s1,p1\nr2,,,u1,secondary,aide,,,d1,\n') },
      { name: 'userProfiles.csv', data: csv('sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password\np1,,,u1,lms,vendor-1,,,password,ana.lms,\n') },
    ]));
    const server = await startOneRosterServer({ data: zip, port: 0 });
    try {
      expect(server.version).toBe('1.2');
      const { body } = await getJson(`${server.baseUrl}/users/u1`);
      const u = body.user;
      expect(u.roles).toEqual([
        { roleType: 'primary', role: 'student', org: { href: `${server.baseUrl}/orgs/s1`, sourcedId: 's1', type: 'org' }, userProfile: { href: `${server.baseUrl}/userProfiles/p1`, sourcedId: 'p1', type: 'userProfile' }, beginDate: '2025-08-18' },
        { roleType: 'secondary', role: 'aide', org: { href: `${server.baseUrl}/orgs/d1`, sourcedId: 'd1', type: 'org' } },
      ]);
      expect(u.userProfiles).toEqual([{ profileId: 'p1', profileType: 'lms', vendorId: 'vendor-1', credentials: [{ type: 'password', username: 'ana.lms' }] }]);
      expect(u.preferredFirstName).toBe('Annie');
      expect(u.pronouns).toBe('she/her');
      expect(u.primaryOrg.sourcedId).toBe('s1');
      expect(u.grades).toEqual(['09']);
      expect((await getJson(`${server.baseUrl}/students`)).body.users).toHaveLength(1);
      expect((await getJson(`${server.baseUrl}/teachers`)).body.users).toHaveLength(0);
      // The same export served as 1.1: role and orgs come from roles.csv (the primary role; 1.2-only tokens mapped).
      const v11 = await startOneRosterServer({ data: zip, port: 0, version: '1.1' });
      try {
        const old = (await getJson(`${v11.baseUrl}/users/u1`)).body.user;
        expect(old.role).toBe('student');
        expect(old.orgs.map((o: { sourcedId: string }) => o.sourcedId)).toEqual(['s1', 'd1']);
        expect(old).not.toHaveProperty('roles');
      } finally {
        await v11.close();
      }
    } finally {
      await server.close();
    }
  });
});

describe('the request log', () => {
  const SECRET1 = 'oauth1-Secret-Zq9x7LmN4';
  const SECRET2 = 'oauth2-Secret-Pw3v8KtR6';

  it('records path, query, auth scheme, consumer key and OAuth parameter names, never a secret, signature or token', async () => {
    const server = await startExample({ oauth1: { consumerKey: 'key-1', consumerSecret: SECRET1 }, oauth2: { clientId: 'id-2', clientSecret: SECRET2 } });
    try {
      const signed = signedRequest(`${server.baseUrl}/users`, [['limit', '2'], ['filter', "role='teacher'"]], { key: 'key-1', secret: SECRET1 });
      const signature = decodeURIComponent(/oauth_signature="([^"]*)"/.exec(signed.authorization)![1]!);
      expect((await getJson(signed.url, { Authorization: signed.authorization })).status).toBe(200);
      // OAuth 1.0a parameters in the query instead of the header (RFC 5849 §3.5.3).
      const inQuery = signedRequest(`${server.baseUrl}/orgs`, [], { key: 'key-1', secret: SECRET1 });
      const queryParams = inQuery.authorization.replace(/^OAuth realm="oneroster", /, '').split(', ').map((p) => p.replace(/"/g, '')).join('&');
      expect((await getJson(`${inQuery.url}?${queryParams}`)).status).toBe(200);
      const token = await fetch(server.tokenUrl, {
        method: 'POST', body: `grant_type=client_credentials&client_id=id-2&client_secret=${SECRET2}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      const { access_token } = (await token.json()) as { access_token: string };
      expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${access_token}` })).status).toBe(200);
      await fetch(server.tokenUrl, { method: 'POST', body: 'grant_type=client_credentials', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`id-2:${SECRET2}x`).toString('base64')}` } });
      expect((await getJson(`${server.baseUrl}/orgs`, { Authorization: `Bearer ${access_token}x` })).status).toBe(401);

      const served = await (await fetch(`${server.url}/__oneroster/requests`)).text();
      for (const secret of [SECRET1, SECRET2, signature, encodeURIComponent(signature), access_token, Buffer.from(`id-2:${SECRET2}x`).toString('base64')]) {
        expect(served).not.toContain(secret);
      }
      const log = (JSON.parse(served) as { requests: any[] }).requests;
      expect(log[0]).toMatchObject({ method: 'GET', query: { limit: '2', filter: "role='teacher'" }, auth: 'oauth1', consumerKey: 'key-1', signatureMethod: 'HMAC-SHA256', status: 200 });
      expect(log[0].oauthParams).toEqual(['oauth_consumer_key', 'oauth_nonce', 'oauth_signature', 'oauth_signature_method', 'oauth_timestamp', 'oauth_version']);
      expect(log[1]).toMatchObject({ auth: 'oauth1', consumerKey: 'key-1', query: {}, status: 200 });
      expect(log[2]).toMatchObject({ method: 'POST', clientAuth: 'body', clientId: 'id-2', grantType: 'client_credentials', status: 200 });
      expect(log[3]).toMatchObject({ auth: 'bearer', status: 200 });
      expect(log[4]).toMatchObject({ clientAuth: 'basic', status: 401 });
      expect(log[5]).toMatchObject({ auth: 'bearer', status: 401, authFailure: 'unknown access token' });

      await fetch(`${server.url}/__oneroster/requests`, { method: 'DELETE' });
      expect(server.requests.entries).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
