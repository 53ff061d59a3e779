/**
 * The SIS source dispatch (engine/sources/sis-source.ts) behind plan, apply and sync: one pull per
 * command however often it is asked for, `--sis PATH` over any kind, a description for the plan
 * header, and a located error for a fetch that lacks its credentials, with nothing left in the temp folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sisReader } from '../../engine/cli/commands/plan.js';
import { ConfigError } from '../../engine/errors.js';
import { loadPolicies } from '../../engine/policy/load.js';
import type { Config } from '../../engine/policy/types.js';
import { openSisSource } from '../../engine/sources/sis-source.js';
import { jsonExportOf } from '../support/oneroster-json.js';
import { startFake } from '../support/oneroster-fake.js';
import { ROOT } from '../support/workspace.js';

const EXPORT = join(ROOT, 'examples/maple-valley/oneroster');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function configWith(sis: string): Promise<Config> {
  const root = mkdtempSync(join(tmpdir(), 'rosterops-sis-source-'));
  roots.push(root);
  mkdirSync(join(root, 'policies'));
  writeFileSync(join(root, 'policies', 'main.yaml'), `version: 1\nsources:\n  sis:\n${sis.replace(/^/gm, '    ')}\n  canvas: { snapshot: ../x }\n`);
  return (await loadPolicies('policies', { cwd: root })).config;
}

describe('openSisSource', () => {
  it('pulls a REST source once per command, however often the command reads it', async () => {
    const server = await startFake({ version: '1.1', data: jsonExportOf(EXPORT, '1.1'), oauth1: { key: 'k', secret: 'secret-for-the-test-123' } });
    try {
      const config = await configWith(`rest: { url: "${server.base}", auth: oauth1, clientIdEnv: TEST_ID, clientSecretEnv: TEST_SECRET }`);
      const read = sisReader(config, { config: '' }, { env: { TEST_ID: 'k', TEST_SECRET: 'secret-for-the-test-123' } });
      const [a, b] = [await read(), await read()];
      expect(b).toBe(a);
      expect(server.log.filter((r) => r.url.includes('/orgs?')).length).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('describes where the export came from, with its size once read', async () => {
    const server = await startFake({ version: '1.1', data: jsonExportOf(EXPORT, '1.1'), oauth1: { key: 'k', secret: 'secret-for-the-test-123' } });
    try {
      const config = await configWith(`rest: { url: "${server.base}", auth: oauth1 }`);
      const source = openSisSource(config, { env: { ONEROSTER_CLIENT_ID: 'k', ONEROSTER_CLIENT_SECRET: 'secret-for-the-test-123' } });
      expect(source.describe()).toBe(`OneRoster REST ${server.base}`);
      const snapshot = await source.read();
      expect(source.describe()).toBe(`OneRoster REST ${server.base} (${snapshot.users.length} users)`);
      await source.close();
    } finally {
      await server.close();
    }
  });

  it('--sis PATH wins over a REST source', async () => {
    const config = await configWith('rest: { url: "http://127.0.0.1:9/ims/oneroster/v1p1", auth: oauth1 }');
    const source = openSisSource(config, { sis: EXPORT, env: {} });
    const snapshot = await source.read();
    expect(snapshot.users.length).toBeGreaterThan(0);
    expect(source.describe()).toMatch(/^OneRoster CSV .*oneroster \(\d+ users\)$/);
  });

  it.each([
    ['sftp', 'sftp: { host: sftp.example.org, user: u, path: /x.zip, hostKey: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", passwordEnv: P }', 'sources.sis.sftp.passwordEnv names the environment variable P, which is not set'],
    ['download', 'download: { url: "https://files.example.org/oneroster.zip", headers: { Authorization: P } }', 'sources.sis.download.headers.Authorization names the environment variable P, which is not set'],
  ])('%s: an unset credential variable is a ConfigError located in the policy, before any connection, and no temp folder left', async (_kind, sis, message) => {
    // Fetched exports go to rosterops-sis-XXXXXX (sources/temp-export.ts); this test's own roots are rosterops-sis-source-*.
    const fetched = () => readdirSync(tmpdir()).filter((n) => /^rosterops-sis-[^-]{6}$/.test(n)).length;
    const config = await configWith(sis);
    const before = fetched();
    const err = await openSisSource(config, { env: {} }).read().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(message);
    expect((err as ConfigError).location).toMatchObject({ file: join('policies', 'main.yaml'), line: 3 });
    expect(fetched()).toBe(before);
  });
});
