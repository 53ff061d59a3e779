/**
 * plan, pull and signals through the CLI with the SIS fetched at run time from local servers: an
 * SFTP server (ssh2, host key generated here) and an HTTP server on 127.0.0.1. The same export
 * fetched gives the same planId as on disk; a failed fetch writes no plan; secrets never print;
 * the temp folder is gone after success, error and SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpServer, type SftpTestServer } from '../support/sftp-server.js';
import { CLI, makeWorkspace, ONEROSTER, POLICIES, runCliAsync, type Workspace } from '../support/workspace.js';
import { buildZip } from '../support/zip-builder.js';

const PASSWORD = 'e2e-sftp-Passw0rd-distinctive-7731';
const DL_SECRET = 'Bearer e2e-download-secret-5521-zz';
let ws: Workspace;
let sftp: SftpTestServer;
let http: Server;
let httpOrigin: string;
let tmpBase: string;
let stallRequests = 0;

function policiesWith(name: string, sis: string): string {
  const dir = join(ws.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.yaml'), POLICIES['main.yaml']!.replace('sis: { format: oneroster-1.1, path: ../sis }', `sis:\n    format: oneroster-1.1\n${sis}`));
  return dir;
}

const sftpPolicies = (extra: { hostKey?: string; path?: string } = {}) => policiesWith(`p-sftp-${Math.random().toString(36).slice(2)}`,
  `    sftp: { host: 127.0.0.1, port: ${sftp.port}, user: rostering, path: ${extra.path ?? '/sis'}, hostKey: "${extra.hostKey ?? sftp.fingerprint}", passwordEnv: SIS_SFTP_PASSWORD }\n`);
const downloadPolicies = (path: string) => policiesWith(`p-dl-${Math.random().toString(36).slice(2)}`,
  `    download: { url: "${httpOrigin}${path}", headers: { Authorization: SIS_DOWNLOAD_AUTH } }\n`);

const env = () => ({ SIS_SFTP_PASSWORD: PASSWORD, SIS_DOWNLOAD_AUTH: DL_SECRET, TMPDIR: tmpBase });

beforeAll(async () => {
  ws = await makeWorkspace();
  tmpBase = mkdtempSync(join(tmpdir(), 'rosterops-e2e-tmp-'));
  const zip = buildZip(Object.entries(ONEROSTER).map(([name, text]) => ({ name, data: Buffer.from(text) })));
  writeFileSync(join(ws.dir, 'sis.zip'), zip);
  sftp = await startSftpServer({ root: ws.dir, user: 'rostering', password: PASSWORD });
  http = createServer((req, res) => {
    if (req.headers.authorization !== DL_SECRET) return void res.writeHead(401).end('no');
    if (req.url === '/sis.zip') return void res.writeHead(200, { 'content-length': zip.length }).end(zip);
    if (req.url === '/stall.zip') {
      stallRequests++;
      res.writeHead(200, { 'content-length': zip.length });
      res.write(zip.subarray(0, 100)); // then nothing: the client is stopped by a signal
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  httpOrigin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  http?.closeAllConnections();
  http?.close();
  await sftp?.close();
});

async function planId(policies: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const r = await runCliAsync(['plan', '--config', policies, '--format', 'json'], { env: { ...env(), ...extraEnv } });
  expect(r.stderr).not.toMatch(/internal error/);
  expect([0, 2, 3]).toContain(r.code);
  return (JSON.parse(r.stdout) as { planId: string }).planId;
}

function noSecrets(text: string): void {
  for (const secret of [PASSWORD, 'e2e-download-secret']) expect(text).not.toContain(secret);
}

describe('SIS fetched at run time, through the CLI', () => {
  it('plan from SFTP (folder and zip) and from an HTTPS download gives the planId of the same export on disk; the temp folder is gone', async () => {
    const onDisk = await planId(ws.policies);
    expect(await planId(sftpPolicies())).toBe(onDisk);
    expect(await planId(sftpPolicies({ path: '/sis.zip' }))).toBe(onDisk);
    expect(await planId(downloadPolicies('/sis.zip'))).toBe(onDisk);
    expect(readdirSync(tmpBase)).toEqual([]);
  });

  it('a refused SFTP login: exit 1, no plan file, the password never printed, the temp folder gone', async () => {
    const out = join(ws.dir, 'refused-plan.json');
    const r = await runCliAsync(['plan', '--config', sftpPolicies(), '--out', out], { env: { ...env(), SIS_SFTP_PASSWORD: 'wrong-password-e2e-0000' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sis.sftp-auth');
    expect(existsSync(out)).toBe(false);
    noSecrets(r.stdout + r.stderr);
    expect(r.stdout + r.stderr).not.toContain('wrong-password-e2e-0000');
    expect(readdirSync(tmpBase)).toEqual([]);
  });

  it('a changed host key: exit 1, the fingerprint to pin printed, no plan file', async () => {
    const out = join(ws.dir, 'changed-key-plan.json');
    const r = await runCliAsync(['plan', '--config', sftpPolicies({ hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), '--out', out], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sis.sftp-host-key-changed');
    expect(r.stderr).toContain(sftp.fingerprint);
    expect(existsSync(out)).toBe(false);
  });

  it('a download refused by the server names the SIS download and the status; the secret never printed', async () => {
    const out = join(ws.dir, 'dl-refused.json');
    const r = await runCliAsync(['plan', '--config', downloadPolicies('/sis.zip'), '--out', out], { env: { ...env(), SIS_DOWNLOAD_AUTH: 'Bearer not-the-right-one-e2e' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SIS download .* answered HTTP 401/);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('not-the-right-one-e2e');
  });

  it('pull --out from SFTP prints the counts and leaves no temp folder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rosterops-e2e-pull-')), 'set');
    const r = await runCliAsync(['pull', '--config', sftpPolicies(), '--out', out], { env: env() });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/users\.csv\s+3 rows/);
    expect(readFileSync(join(out, 'users.csv'), 'utf8')).toBe(ONEROSTER['users.csv']);
    noSecrets(r.stdout + r.stderr);
    expect(readdirSync(tmpBase)).toEqual([]);
  });

  for (const command of ['plan', 'pull'] as const) {
    it(`SIGTERM during a download (${command}): exit 143, the temp folder removed`, async () => {
      const before = stallRequests;
      const args = command === 'plan' ? ['plan', '--config', downloadPolicies('/stall.zip')] : ['pull', '--config', downloadPolicies('/stall.zip'), '--out', join(mkdtempSync(join(tmpdir(), 'rosterops-e2e-sig-')), 'set')];
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until the server has sent part of the body and the temp folder holds the partial zip.
      for (let i = 0; i < 200 && !(stallRequests > before && readdirSync(tmpBase).length > 0); i++) await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(tmpBase)).toHaveLength(1);
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(readdirSync(tmpBase)).toEqual([]);
      noSecrets(stderr);
    });
  }
});
