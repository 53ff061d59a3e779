/** `rosterops pull --out DIR` through the CLI (path sources) and through its fetcher (SFTP). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullInto } from '../../engine/cli/commands/pull.js';
import { withFetchedExport } from '../../engine/sources/fetch-export.js';
import { testConfig } from '../support/config.js';
import { startSftpServer, type SftpTestServer } from '../support/sftp-server.js';
import { makeWorkspace, ONEROSTER, ROOT, runCli, type Workspace } from '../support/workspace.js';
import { buildZip } from '../support/zip-builder.js';

let ws: Workspace;
const outside = () => join(mkdtempSync(join(tmpdir(), 'rosterops-pull-')), 'set');

beforeAll(async () => {
  ws = await makeWorkspace();
});

function planJson(args: string[]): { planId: string } {
  const r = runCli(['plan', '--config', ws.policies, '--format', 'json', ...args]);
  expect(r.stderr).not.toMatch(/internal error/);
  return JSON.parse(r.stdout) as { planId: string };
}

describe('rosterops pull', () => {
  it('writes the export as a bulk set and prints the rows per file, and no record', () => {
    const out = outside();
    const r = runCli(['pull', '--config', ws.policies, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/users\.csv\s+3 rows/);
    expect(r.stdout).toMatch(/enrollments\.csv\s+4 rows/);
    expect(r.stdout).toMatch(/classes\.csv\s+2 rows/);
    expect(readdirSync(out).sort()).toEqual(Object.keys(ONEROSTER).sort());
    for (const [name, text] of Object.entries(ONEROSTER)) expect(readFileSync(join(out, name), 'utf8')).toBe(text);
    for (const personal of ['Diaz', 'ana.diaz', 'k12.example.org', 'Park']) expect(r.stdout + r.stderr).not.toContain(personal);
  });

  it('a pulled set plans exactly like its source (same planId)', () => {
    const out = outside();
    expect(runCli(['pull', '--config', ws.policies, '--out', out]).code).toBe(0);
    expect(planJson(['--sis', out]).planId).toBe(planJson([]).planId);
  });

  it('reads a zip, writes a manifest when the export has none, and counts quoted line breaks as one row', () => {
    const files = { ...ONEROSTER };
    delete files['manifest.csv'];
    files['orgs.csv'] = 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\ndist,,,"Test\nDistrict",district,,\nsch1,,,North High,school,100,dist\n';
    const zipPath = join(mkdtempSync(join(tmpdir(), 'rosterops-pullzip-')), 'export.zip');
    writeFileSync(zipPath, buildZip(Object.entries(files).map(([name, text]) => ({ name: `export/${name}`, data: Buffer.from(text) }))));
    const policies = join(ws.dir, 'zip-policies');
    mkdirSync(policies, { recursive: true });
    writeFileSync(join(policies, 'main.yaml'), readFileSync(join(ws.policies, 'main.yaml'), 'utf8').replace('path: ../sis', `path: ${zipPath}`));
    const out = outside();
    const r = runCli(['pull', '--config', policies, '--out', out]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/orgs\.csv\s+2 rows/);
    const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8');
    expect(manifest).toContain('oneroster.version,1.1');
    expect(manifest).toContain('file.users,bulk');
    expect(manifest).toContain('file.courses,bulk');
  });

  it('refuses a folder inside a git work tree unless --force', () => {
    const inside = join(ROOT, 'node_modules', '.cache', `rosterops-pull-test-${process.pid}`);
    const refused = runCli(['pull', '--config', ws.policies, '--out', inside]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pull.out-in-work-tree');
    expect(refused.stderr).toContain('--force');
    expect(() => readdirSync(inside)).toThrow();
    const forced = runCli(['pull', '--config', ws.policies, '--out', inside, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('do not commit it');
    expect(readdirSync(inside)).toContain('users.csv');
    rmSync(inside, { recursive: true, force: true });
  });

  it('refuses a folder that is not empty', () => {
    const out = outside();
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = runCli(['pull', '--config', ws.policies, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pull.out-not-empty');
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });
});

describe('pull from SFTP (through the fetcher pull uses)', () => {
  let server: SftpTestServer;
  const password = 'pull-sftp-password-0123456789';
  beforeAll(async () => {
    server = await startSftpServer({ root: ws.dir, user: 'rostering', password });
  });
  afterAll(() => server?.close());

  it('fetches the folder into a temp folder, writes the set, and removes the temp folder', async () => {
    const tmpBase = mkdtempSync(join(tmpdir(), 'rosterops-pull-tmp-'));
    const out = outside();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmpBase;
    try {
      const source = { kind: 'sftp' as const, sftp: { host: '127.0.0.1', port: server.port, user: 'rostering', path: '/sis', hostKey: server.fingerprint, passwordEnv: 'PW' } };
      const written = await pullInto((use) => withFetchedExport(source, { env: { PW: password }, log: () => undefined }, use), out, testConfig());
      expect(written.find((w) => w.name === 'users.csv')?.rows).toBe(3);
      expect(readFileSync(join(out, 'enrollments.csv'), 'utf8')).toBe(ONEROSTER['enrollments.csv']);
      expect(readdirSync(tmpBase)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
