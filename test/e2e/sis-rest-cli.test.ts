/**
 * `plan` with `sources.sis.rest`, end to end through the CLI against a local OneRoster REST server
 * (test/support/oneroster-fake.ts): the plan equals the CSV plan of the same export; a pull that
 * cannot complete exits 1 naming the SIS and writes no plan; the client secret appears nowhere.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonExportOf } from '../support/oneroster-json.js';
import { startFake, type FakeOptions, type FakeServer } from '../support/oneroster-fake.js';
import { startCanvasEmulator } from '../../engine/emulator/index.js';
import { runCliAsync } from '../support/workspace.js';
import { EXAMPLE_EXPORT, EXAMPLE_SNAPSHOT, projectWithSis } from '../support/sis-project.js';

const EXPORT = EXAMPLE_EXPORT;
const KEY = 'maple-valley-client';
const SECRET = 'Distinctive-Secret-7c1f09e2b3a44d5e';
const ENV = { ONEROSTER_CLIENT_ID: KEY, ONEROSTER_CLIENT_SECRET: SECRET, ROSTEROPS_HTTP_BACKOFF_MS: '5' };

const roots: string[] = [];
const servers: FakeServer[] = [];
let csvPlan: { planId: string; operations: unknown[] };

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function project(sis: string): string {
  const root = projectWithSis(sis, 'rosterops-rest-cli-');
  roots.push(root);
  return root;
}

async function planIn(root: string, env: Record<string, string> = ENV) {
  const out = join(root, 'plan.json');
  const r = await runCliAsync(['plan', '--config', join(root, 'policies'), '--format', 'json', '--out', out], { env });
  return { ...r, out, plan: existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { planId: string; operations: { reason: { rule: string; text: string } }[] }) : null };
}

async function fake(options: Partial<FakeOptions> & { version: '1.1' | '1.2' }): Promise<FakeServer> {
  const server = await startFake({ data: jsonExportOf(EXPORT, options.version), ...options });
  servers.push(server);
  return server;
}

const withoutSources = (ops: { reason: { rule: string; text: string } }[]) => ops.map((op) => ({ ...op, reason: { rule: op.reason.rule, text: op.reason.text } }));

beforeAll(async () => {
  const r = await planIn(project(`format: oneroster-1.1\npath: ${JSON.stringify(EXPORT)}`));
  expect(r.code, r.stderr).toBe(0);
  csvPlan = r.plan!;
});

describe('plan from OneRoster REST', () => {
  it.each([
    ['1.1, oauth1 HMAC-SHA256', '1.1', 'auth: oauth1', { oauth1: { key: KEY, secret: SECRET } }],
    ['1.1, oauth1 HMAC-SHA1', '1.1', 'auth: oauth1\nsignatureMethod: HMAC-SHA1', { oauth1: { key: KEY, secret: SECRET } }],
    ['1.1, oauth2', '1.1', 'auth: oauth2\ntokenUrl: TOKEN_URL', { oauth2: { id: KEY, secret: SECRET } }],
    ['1.2, oauth2', '1.2', 'auth: oauth2\ntokenUrl: TOKEN_URL', { oauth2: { id: KEY, secret: SECRET } }],
  ] as const)('%s: the same planId and operations as the CSV plan; the secret nowhere', async (_name, version, auth, serverAuth) => {
    const server = await fake({ version, ...serverAuth, maxLimit: 500 });
    const root = project(`format: oneroster-${version}\nrest:\n  url: ${server.base}\n  pageSize: 1000\n${auth.replace('TOKEN_URL', server.tokenUrl).replace(/^/gm, '  ')}`);
    const r = await planIn(root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.plan!.planId).toBe(csvPlan.planId);
    expect(withoutSources(r.plan!.operations)).toEqual(withoutSources(csvPlan.operations as never));
    const everything = [r.stdout, r.stderr, ...readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')),
      ...server.log.map((l) => `${l.method} ${l.url} ${l.body}`)].join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(encodeURIComponent(SECRET));
  });

  it('a pull cut in the middle exits 1, names the SIS, and writes no plan', async () => {
    const server = await fake({ version: '1.1', oauth1: { key: KEY, secret: SECRET }, fault: ({ collection, offset }) => (collection === 'enrollments' && offset >= 2000 ? 'cut' : undefined) });
    const root = project(`rest: { url: "${server.base}", auth: oauth1 }`);
    const r = await planIn(root);
    expect(r.code).toBe(1);
    expect(r.plan).toBeNull();
    expect(r.stderr).toContain(`OneRoster REST ${server.base}`);
    expect(r.stderr).toMatch(/enrollments at offset [2-4]000 failed: connection failed/);
    expect(r.stderr).not.toContain('rosterops.yaml');
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a wrong secret exits 1 with a hint and no plan', async () => {
    const server = await fake({ version: '1.1', oauth1: { key: KEY, secret: 'the-real-secret-is-different' } });
    const r = await planIn(project(`rest: { url: "${server.base}", auth: oauth1 }`));
    expect(r.code).toBe(1);
    expect(r.plan).toBeNull();
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).toMatch(/clientIdEnv/);
  });

  it('--sis PATH overrides the REST source', async () => {
    const root = project('rest: { url: "http://127.0.0.1:9/ims/oneroster/v1p1", auth: oauth1 }');
    const out = join(root, 'plan.json');
    const r = await runCliAsync(['plan', '--config', join(root, 'policies'), '--sis', EXPORT, '--format', 'json', '--out', out], { env: {} });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { planId: string }).planId).toBe(csvPlan.planId);
  });

  it('validate accepts the REST source without pulling, and refuses a literal secret at its line', async () => {
    const ok = await runCliAsync(['validate', '--config', join(project('rest: { url: "https://sis.example.org/ims/oneroster/v1p1", auth: oauth1 }'), 'policies')]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await runCliAsync(['validate', '--config', join(project(`rest:\n  url: https://sis.example.org/ims/oneroster/v1p1\n  auth: oauth1\n  clientSecretEnv: "${SECRET}"`), 'policies')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rosterops\.yaml:\d+:\d+/);
    expect(bad.stderr).toContain('must name an environment variable');
    expect(bad.stderr + bad.stdout).not.toContain(SECRET);
  });

  it('apply pulls once for its re-plans, applies, and converges with Canvas', async () => {
    const server = await fake({ version: '1.1', oauth1: { key: KEY, secret: SECRET } });
    const canvas = await startCanvasEmulator({ token: 'emulator-token-rest-e2e', snapshot: EXAMPLE_SNAPSHOT, timeZone: 'America/Chicago', processingDelayMs: 20 });
    try {
      const root = project(`rest: { url: "${server.base}", auth: oauth1 }`);
      writeFileSync(join(root, 'policies', 'rosterops.yaml'), `${readFileSync(join(root, 'policies', 'rosterops.yaml'), 'utf8')}apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 1 }\n`);
      const env = { ...ENV, CANVAS_TOKEN: 'emulator-token-rest-e2e' };
      const config = ['--config', join(root, 'policies'), '--canvas-url', canvas.url];
      const planFile = join(root, 'plan.json');
      const plan = await runCliAsync(['plan', ...config, '--format', 'json', '--out', planFile], { env });
      expect(plan.code, plan.stderr).toBe(0);
      const pulls = () => server.log.filter((r) => r.url.includes('/orgs?')).length;
      expect(pulls()).toBe(1);
      const apply = await runCliAsync(['apply', '--plan', planFile, ...config], { env });
      expect(apply.code, apply.stderr + apply.stdout).toBe(0);
      expect(pulls()).toBe(2);
      const again = await runCliAsync(['plan', ...config, '--format', 'json', '--out', join(root, 'plan2.json')], { env });
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(readFileSync(join(root, 'plan2.json'), 'utf8')) as { operations: unknown[] }).operations).toEqual([]);
      expect([plan.stdout, plan.stderr, apply.stdout, apply.stderr].join('\n')).not.toContain(SECRET);
    } finally {
      await canvas.close();
    }
  });
});
