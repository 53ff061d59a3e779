/**
 * `sources.sis`: exactly one of path, rest, sftp, download, with the keys and defaults;
 * every mistake (and above all a secret written where a variable's name belongs) is an error at
 * `validate`, located at file:line:column, that never quotes the secret.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type Diagnostic } from '../../engine/errors.js';
import { loadPolicies } from '../../engine/policy/load.js';
import type { Config } from '../../engine/policy/types.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function project(sis: string): string {
  const root = mkdtempSync(join(tmpdir(), 'rosterops-sis-policy-'));
  roots.push(root);
  mkdirSync(join(root, 'policies'));
  mkdirSync(join(root, 'exports'));
  writeFileSync(join(root, 'policies', 'main.yaml'), `version: 1\nsources:\n  sis:\n${sis.replace(/^/gm, '    ')}\n  canvas:\n    snapshot: ../exports\n`);
  return root;
}

async function loaded(sis: string): Promise<Config> {
  return (await loadPolicies('policies', { cwd: project(sis) })).config;
}

async function errors(sis: string): Promise<Diagnostic[]> {
  const err = await loadPolicies('policies', { cwd: project(sis) }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  const diags = (err as ConfigError).diagnostics;
  for (const d of diags) {
    expect(d.file).toBe(join('policies', 'main.yaml'));
    expect(d.line).toBeGreaterThan(0);
    expect(d.hint).toBeTruthy();
  }
  return diags;
}

describe('sources.sis.rest', () => {
  it('takes the issue\'s keys as written', async () => {
    const config = await loaded(`format: oneroster-1.1
rest:
  url: https://sis.example.org/ims/oneroster/v1p1/
  auth: oauth2
  tokenUrl: https://sis.example.org/oauth/token
  scope: https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly
  clientIdEnv: SIS_ID
  clientSecretEnv: SIS_SECRET
  pageSize: 500`);
    expect(config.sources.sis).toMatchObject({
      kind: 'rest', path: '',
      rest: {
        url: 'https://sis.example.org/ims/oneroster/v1p1', auth: 'oauth2', tokenUrl: 'https://sis.example.org/oauth/token',
        scope: 'https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly', clientIdEnv: 'SIS_ID', clientSecretEnv: 'SIS_SECRET', pageSize: 500,
      },
    });
  });

  it('fills the defaults', async () => {
    const config = await loaded('rest: { url: "http://127.0.0.1:8080/ims/oneroster/v1p1", auth: oauth1 }');
    expect(config.sources.sis.rest).toEqual({
      url: 'http://127.0.0.1:8080/ims/oneroster/v1p1', auth: 'oauth1', signatureMethod: 'HMAC-SHA256', tokenUrl: null, scope: null,
      clientIdEnv: 'ONEROSTER_CLIENT_ID', clientSecretEnv: 'ONEROSTER_CLIENT_SECRET', pageSize: 1000,
    });
  });

  it('warns when the url names the other OneRoster version than format', async () => {
    const { warnings } = await loadPolicies('policies', { cwd: project('format: oneroster-1.1\nrest: { url: "https://sis.example.org/ims/oneroster/rostering/v1p2", auth: oauth2, tokenUrl: "https://sis.example.org/oauth/token" }') });
    expect(warnings).toEqual([expect.objectContaining({ code: 'policy.sis-version-mismatch', line: 5, field: '/sources/sis/rest/url' })]);
  });

  it('wants a tokenUrl with oauth2', async () => {
    const [d] = await errors('rest: { url: "https://sis.example.org/ims/oneroster/v1p1", auth: oauth2 }');
    expect(d).toMatchObject({ code: 'policy.oauth2-token-url-missing', line: 4, field: '/sources/sis/rest' });
  });

  it.each([
    ['plain http to another host', 'http://sis.example.org/ims/oneroster/v1p1', 'policy.invalid-sis-url'],
    ['a user and password', 'https://district:hunter2hunter2@sis.example.org/ims/oneroster/v1p1', 'policy.secret-in-yaml'],
    ['a token in the query', 'https://sis.example.org/ims/oneroster/v1p1?access_token=abc', 'policy.secret-in-yaml'],
    ['a long key-like value in the query', 'https://sis.example.org/ims/oneroster/v1p1?x=9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'policy.secret-in-yaml'],
  ])('refuses a url with %s, without quoting it', async (_name, url, code) => {
    const [d] = await errors(`rest: { url: "${url}", auth: oauth1 }`);
    expect(d).toMatchObject({ code, line: 4, field: '/sources/sis/rest/url' });
    expect(d!.message).not.toContain('hunter2');
    expect(d!.message).not.toContain('9f8e7d6c');
  });

  it('refuses a secret written where a variable name belongs, at its line, never quoting it', async () => {
    const [d] = await errors('rest:\n  url: https://sis.example.org/ims/oneroster/v1p1\n  auth: oauth1\n  clientSecretEnv: "s3cr3t/Value+with=stuff"');
    expect(d).toMatchObject({ code: 'policy.secret-in-yaml', line: 7, column: 24, field: '/sources/sis/rest/clientSecretEnv' });
    expect(d!.message).toContain('must name an environment variable');
    expect(`${d!.message} ${d!.hint}`).not.toContain('s3cr3t');
  });
});

describe('exactly one source', () => {
  it('names none of them', async () => {
    const [d] = await errors('format: oneroster-1.1');
    expect(d).toMatchObject({ code: 'policy.no-sis-source', line: 3, field: '/sources/sis' });
  });

  it('names two of them, at the second', async () => {
    const [d] = await errors('path: ../exports\nrest: { url: "https://sis.example.org/ims/oneroster/v1p1", auth: oauth1 }');
    expect(d).toMatchObject({ code: 'policy.several-sis-sources', line: 5, field: '/sources/sis/rest' });
  });
});

describe('sources.sis.sftp and download', () => {
  const hostKey = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

  it('takes the issue\'s sftp keys, port 22 by default', async () => {
    const config = await loaded(`sftp: { host: sftp.example.org, user: rostering, path: /exports/oneroster.zip, hostKey: "${hostKey}", passwordEnv: SIS_SFTP_PASSWORD }`);
    expect(config.sources.sis).toMatchObject({ kind: 'sftp', sftp: { host: 'sftp.example.org', port: 22, user: 'rostering', path: '/exports/oneroster.zip', hostKey, passwordEnv: 'SIS_SFTP_PASSWORD' } });
  });

  it('takes an sftp source without hostKey (the fetch then refuses it and prints the fingerprint to pin)', async () => {
    const config = await loaded('sftp: { host: sftp.example.org, user: rostering, path: /exports/oneroster.zip, passwordEnv: SIS_SFTP_PASSWORD }');
    expect(config.sources.sis.kind).toBe('sftp');
    expect(config.sources.sis.sftp).not.toHaveProperty('hostKey');
  });

  it('wants exactly one of passwordEnv and privateKeyEnv', async () => {
    const [d] = await errors(`sftp: { host: h, user: u, path: /x.zip, hostKey: "${hostKey}" }`);
    expect(d).toMatchObject({ code: 'policy.sftp-credentials', field: '/sources/sis/sftp' });
  });

  it('refuses a password written in place of its variable', async () => {
    const [d] = await errors(`sftp: { host: h, user: u, path: /x.zip, hostKey: "${hostKey}", passwordEnv: "correct horse battery" }`);
    expect(d).toMatchObject({ code: 'policy.secret-in-yaml', line: 4, field: '/sources/sis/sftp/passwordEnv' });
  });

  it('takes download headers that name variables', async () => {
    const config = await loaded('download: { url: https://files.example.org/oneroster.zip, headers: { Authorization: SIS_DOWNLOAD_AUTH } }');
    expect(config.sources.sis).toMatchObject({ kind: 'download', download: { url: 'https://files.example.org/oneroster.zip', headers: { Authorization: 'SIS_DOWNLOAD_AUTH' } } });
  });

  it('refuses a header value that is the secret itself', async () => {
    const [d] = await errors('download:\n  url: https://files.example.org/oneroster.zip\n  headers:\n    Authorization: "Bearer abc.def.ghi"');
    expect(d).toMatchObject({ code: 'policy.secret-in-yaml', line: 7, field: '/sources/sis/download/headers/Authorization' });
    expect(d!.message).not.toContain('abc.def');
  });
});
