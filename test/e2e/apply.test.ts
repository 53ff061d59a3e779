/**
 * The real CLI against the Canvas emulator: plan → apply → plan is empty, the stories Canvas admins
 * meet (a student added by hand, a sticky teacher name), and the faults production brings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../engine/apply/apply.js';
import { connectCanvas } from '../../engine/canvas/live.js';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { readPlanFile } from '../../engine/plan/plan-file.js';
import { loadPolicies } from '../../engine/policy/load/index.js';
import { readOneRoster } from '../../engine/readers/oneroster/index.js';
import { makeWorkspace, POLICIES, ROOT, runCliAsync, type CliResult, type Workspace } from '../support/workspace.js';

const TOKEN = 'emulator-token-4f2a9c1b7e';
const env = { CANVAS_TOKEN: TOKEN };
const outputs: CliResult[] = [];
let emulators: CanvasEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulator(options: { snapshot?: string; faults?: string; timeZone?: string } = {}): Promise<CanvasEmulator> {
  const e = await startCanvasEmulator({ token: TOKEN, timeZone: options.timeZone ?? 'America/Chicago', ...options });
  emulators.push(e);
  return e;
}

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCliAsync(args, { env });
  outputs.push(r);
  return r;
}

/** Calls an admin endpoint the way an admin's script (or the Canvas UI) would. */
async function admin(e: CanvasEmulator, method: string, path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${e.url}${path}`, {
    method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

async function sisImports(e: CanvasEmulator): Promise<{ id: number; workflow_state: string }[]> {
  const res = await fetch(`${e.url}/api/v1/accounts/1/sis_imports`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { sis_imports: { id: number; workflow_state: string }[] }).sis_imports;
}

function loginsNamed(e: CanvasEmulator, loginId: string) {
  return e.dump().users.filter((u) => u.login_id.toLowerCase() === loginId.toLowerCase() && u.status !== 'deleted');
}

/** A workspace whose policies poll fast; `extra` is appended to main.yaml. */
async function workspace(extra = ''): Promise<Workspace> {
  const ws = await makeWorkspace();
  ws.write('policies/main.yaml', `${POLICIES['main.yaml']}apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 1 }\n${extra}`);
  return ws;
}

async function planOnly(ws: Workspace, url: string): Promise<{ plan: CliResult; planFile: string }> {
  const planFile = join(ws.dir, `plan-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  return { plan: await cli(['plan', '--config', ws.policies, '--canvas-url', url, '--out', planFile]), planFile };
}

async function planAndApply(ws: Workspace | null, url: string, extraApply: string[] = []): Promise<{ plan: CliResult; apply: CliResult; planFile: string }> {
  const config = ws ? ['--config', ws.policies] : [];
  const planFile = join(ws?.dir ?? '/tmp', `plan-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const plan = await cli(['plan', ...config, '--canvas-url', url, '--out', planFile]);
  expect(plan.code, plan.stderr).toBe(0);
  const apply = await cli(['apply', '--plan', planFile, ...config, '--canvas-url', url, ...extraApply]);
  return { plan, apply, planFile };
}

describe('end to end against the Canvas emulator', () => {
  it('example district served from its snapshot: plan → apply → plan is empty, and no duplicate user', async () => {
    const e = await emulator({ snapshot: join(ROOT, 'examples/maple-valley/canvas-snapshot') });
    const { apply } = await planAndApply(null, e.url);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/Converged: a new plan is empty/);
    const again = await cli(['plan', '--canvas-url', e.url, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    const ximena = e.dump().users.filter((u) => u.email === 'ximena.thomas35@students.maplevalleyusd.org');
    expect(new Set(ximena.map((u) => u.canvas_user_id)).size).toBe(1);
    expect(ximena.map((u) => u.login_id).sort()).toEqual(['ximena.thomas35', 'xthomas']);
  });

  it('a student added by hand with the formula login is adopted: the import claims it, no duplicate', async () => {
    const e = await emulator();
    const ws = await workspace();
    await admin(e, 'POST', '/api/v1/accounts/1/users', { 'user[name]': 'Ana Diaz', 'pseudonym[unique_id]': 'ana.diaz', 'communication_channel[address]': 'ana.diaz@k12.example.org' });
    const plan = await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--format', 'json']);
    const ops = JSON.parse(plan.stdout).operations as { entity: string; action: string; key: string }[];
    expect(ops.filter((op) => op.entity === 'users').map((op) => `${op.action} ${op.key}`)).toEqual(['adopt sst1', 'create sst2', 'create staff_tte1']);
    const { apply } = await planAndApply(ws, e.url);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const ana = loginsNamed(e, 'ana.diaz');
    expect(ana).toHaveLength(1);
    expect(ana[0]!.user_id).toBe('sst1');
    expect(e.dump().users.filter((u) => u.full_name === 'Ana Diaz')).toHaveLength(1);
  });

  it('a student added by hand with another login: flagged as a duplicate risk, and apply refuses to create a second account', async () => {
    const e = await emulator();
    const ws = await workspace();
    ws.write('policies/main.yaml', readFileSync(join(ws.policies, 'main.yaml'), 'utf8').replace('manual: adopt', 'manual: flag'));
    await admin(e, 'POST', '/api/v1/accounts/1/users', { 'user[name]': 'Ana Diaz', 'pseudonym[unique_id]': 'adiaz', 'communication_channel[address]': 'ana.diaz@k12.example.org' });
    const { plan, apply } = await planAndApply(ws, e.url);
    expect(plan.stdout).toMatch(/duplicate-account/);
    expect(plan.stdout).toMatch(/NEEDS-APPROVAL/);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(/needs approval/);
    expect(await sisImports(e)).toEqual([]);
    expect(e.dump().users.filter((u) => u.full_name === 'Ana Diaz')).toHaveLength(1);
  });

  it('the same student with rules.users.manual: adopt is attached to the hand-made account (logins.csv), no duplicate', async () => {
    const e = await emulator();
    const ws = await workspace();
    const made = await admin(e, 'POST', '/api/v1/accounts/1/users', { 'user[name]': 'Ana Diaz', 'pseudonym[unique_id]': 'adiaz', 'communication_channel[address]': 'ana.diaz@k12.example.org' });
    const { apply } = await planAndApply(ws, e.url);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const logins = e.dump().users.filter((u) => u.canvas_user_id === String(made.id));
    expect(logins.map((u) => `${u.login_id}:${u.user_id ?? ''}`).sort()).toEqual(['adiaz:', 'ana.diaz:sst1']);
    expect(e.dump().users.filter((u) => u.full_name === 'Ana Diaz').map((u) => u.canvas_user_id).every((id) => id === String(made.id))).toBe(true);
  });

  it('a teacher name edited by hand is sticky: apply reports it; apply.stickiness: override makes the SIS win', async () => {
    const e = await emulator();
    const ws = await workspace();
    expect((await planAndApply(ws, e.url)).apply.code).toBe(0);
    const teacher = e.dump().users.find((u) => u.user_id === 'staff_tte1')!;
    await admin(e, 'PUT', `/api/v1/users/${teacher.canvas_user_id}`, { 'user[name]': 'Dr. Cy Park-Lee', 'user[sortable_name]': 'Park-Lee, Cy' });
    const first = await planAndApply(ws, e.url);
    expect(first.plan.stdout).toMatch(/update staff_tte1/);
    expect(first.apply.code).toBe(5);
    expect(first.apply.stdout).toMatch(/Not converged: 1 operation/);
    expect(first.apply.stdout).toMatch(/sticky/);
    expect(e.dump().users.find((u) => u.user_id === 'staff_tte1')!.full_name).toBe('Dr. Cy Park-Lee');
    ws.write('policies/main.yaml', readFileSync(join(ws.policies, 'main.yaml'), 'utf8').replace('apply: {', 'apply: { stickiness: override,'));
    const second = await planAndApply(ws, e.url);
    expect(second.apply.code, second.apply.stdout).toBe(0);
    expect(e.dump().users.find((u) => u.user_id === 'staff_tte1')!.full_name).toBe('Cy Park');
  });

  it('faults: a 5xx while polling the report and a throttled upload are retried; a cut upload connection still gives exactly one import', async () => {
    const e = await emulator({ faults: '5xx:reports-status:1,throttle:sis-imports-create:1,drop:sis-imports-create:1' });
    const ws = await workspace();
    const { apply } = await planAndApply(ws, e.url);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/throttled by Canvas/);
    expect(apply.stderr).toMatch(/Canvas had created import/);
    expect(await sisImports(e)).toHaveLength(1);
    expect(apply.stdout).toMatch(/Converged/);
  });

  it('an import that ends failed_with_messages: apply exits 5 and names the failure', async () => {
    const e = await emulator({ faults: 'fail-import:next' });
    const ws = await workspace();
    const { apply, planFile } = await planAndApply(ws, e.url);
    expect(apply.code).toBe(5);
    expect(apply.stdout).toMatch(/failed_with_messages/);
    expect(apply.stdout).toMatch(/Error while importing CSV/);
    const record = JSON.parse(readFileSync(join(planFile, '..', 'apply-record.json'), 'utf8'));
    expect(record.converged).toBe(false);
    expect(record.imports[0].workflowState).toBe('failed_with_messages');
    // The record is a CI artifact: row counts per file, never the CSV contents (names, e-mails).
    expect(record.imports[0].files).toEqual({ 'accounts.csv': 1, 'terms.csv': 2, 'courses.csv': 2, 'sections.csv': 2, 'users.csv': 3, 'enrollments.csv': 4 });
    expect(JSON.stringify(record)).not.toContain('Ana');
  });

  it("Canvas's messages quote personal data: the apply log and record show it masked, as the plan comment does", async () => {
    const e = await emulator();
    const ws = await workspace();
    const users = readFileSync(join(ws.dir, 'sis/users.csv'), 'utf8');
    ws.write('sis/users.csv', users.replace('bo.chen@k12.example.org', 'bo.chen.k12.example.org')); // no @: Canvas refuses it
    const { apply, planFile } = await planAndApply(ws, e.url);
    const said = /warning: users\.csv:\d+ The email address associated with user 'sst2' is invalid \(email: '([^']*)'\)/.exec(apply.stdout);
    expect(said, apply.stdout).not.toBeNull();
    expect(said![1]).toBe('B.'); // maskEmail of an address without @ falls back to initials
    const record = readFileSync(join(planFile, '..', 'apply-record.json'), 'utf8');
    for (const shared of [apply.stdout, apply.stderr, record]) expect(shared).not.toContain('bo.chen.k12.example.org');
    expect(JSON.parse(record).messages[0].operations).toEqual(['sst2']);

    // An audience allowed to see personal data (showPersonalData: true) gets Canvas's words as they are.
    const open = await workspace('showPersonalData: true\n');
    open.write('sis/users.csv', users.replace('bo.chen@k12.example.org', 'bo.chen.k12.example.org'));
    const shown = await planAndApply(open, (await emulator()).url);
    expect(shown.apply.stdout).toContain("(email: 'bo.chen.k12.example.org')");
  });

  it('apply reads the SIS export once: the staleness check and the convergence check plan the same export', async () => {
    const e = await emulator();
    const ws = await workspace();
    const { plan: planned, planFile } = await planOnly(ws, e.url);
    expect(planned.code, planned.stderr).toBe(0);
    const { config } = await loadPolicies(ws.policies);
    let reads = 0;
    const sis = () => {
      reads++;
      return readOneRoster(config.sources.sis.path);
    };
    const record = await applyPlan({ plan: await readPlanFile(planFile), config, sis, canvas: connectCanvas(config, { url: e.url, env }), log: () => {} });
    expect(record.imports.length).toBeGreaterThan(0);
    expect(record.converged).toBe(true);
    expect(reads).toBe(1);
  });

  it('a stale plan is refused: Canvas changed after planning', async () => {
    const e = await emulator();
    const ws = await workspace();
    const planFile = join(ws.dir, 'plan.json');
    expect((await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    await admin(e, 'POST', '/api/v1/accounts/1/users', { 'user[name]': 'Bo Chen', 'pseudonym[unique_id]': 'bo.chen' });
    const apply = await cli(['apply', '--plan', planFile, '--config', ws.policies, '--canvas-url', e.url]);
    expect(apply.code).toBe(4);
    expect(apply.stderr).toMatch(/stale/);
    expect(await sisImports(e)).toEqual([]);
  });

  it('the token never appears in any output', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(TOKEN);
  });
});
