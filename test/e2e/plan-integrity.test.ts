/**
 * An edited plan file never applies: the real CLI against the Canvas emulator, with plans whose
 * verdict was edited to ok (blocked and needs-approval ones), with and without the planId and the
 * file digest recomputed by the editor. apply exits non-zero, writes no apply record, and the
 * Canvas import list stays empty.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import type { Plan } from '../../engine/model/plan.js';
import { fileDigestOf } from '../../engine/plan/plan-file.js';
import { planIdOf } from '../../engine/plan/plan.js';
import { makeWorkspace, POLICIES, ROOT, runCliAsync, type CliResult } from '../support/workspace.js';

const TOKEN = 'emulator-token-integrity-7d3e';
const env = { CANVAS_TOKEN: TOKEN };
let emulators: CanvasEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulator(snapshot?: string): Promise<CanvasEmulator> {
  const e = await startCanvasEmulator({ token: TOKEN, timeZone: 'America/Chicago', ...(snapshot ? { snapshot } : {}) });
  emulators.push(e);
  return e;
}

const cli = (args: string[]): Promise<CliResult> => runCliAsync(args, { env });

async function sisImports(e: CanvasEmulator): Promise<unknown[]> {
  const res = await fetch(`${e.url}/api/v1/accounts/self/sis_imports`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { sis_imports: unknown[] }).sis_imports;
}

/** The edit an attacker or a careless admin makes: verdict ok, nothing else. */
function editedToOk(plan: Plan): Plan {
  return { ...plan, verdict: { status: 'ok', reasons: [] } };
}

/** The same edit by someone who read plan.ts and plan-file.ts: planId and digest recomputed to match. */
function forgedToOk(plan: Plan): Plan {
  const edited = editedToOk(plan);
  const { fileDigest: _drop, ...rest } = { ...edited, planId: planIdOf(edited) };
  return { ...rest, fileDigest: fileDigestOf(rest) };
}

function writePlan(path: string, plan: Plan): void {
  writeFileSync(path, JSON.stringify(plan, null, 2) + '\n');
}

/** apply on an edited file: refused, nothing sent, no record written, and never an internal error. */
async function expectRefused(e: CanvasEmulator, args: string[], planFile: string, code: RegExp): Promise<CliResult> {
  const r = await cli(['apply', '--plan', planFile, '--canvas-url', e.url, ...args]);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).toMatch(code);
  expect(await sisImports(e)).toEqual([]);
  expect(existsSync(join(dirname(planFile), 'apply-record.json'))).toBe(false);
  return r;
}

describe('an edited plan file never applies', () => {
  let sis: string;
  let dir: string;

  beforeAll(() => {
    // The bundled example, with an enrollments.csv truncated to its header: a blocked plan.
    dir = mkdtempSync(join(tmpdir(), 'rosterops-integrity-'));
    sis = join(dir, 'sis');
    cpSync(join(ROOT, 'examples/maple-valley/oneroster'), sis, { recursive: true });
    const enrollments = readFileSync(join(sis, 'enrollments.csv'), 'utf8');
    writeFileSync(join(sis, 'enrollments.csv'), enrollments.slice(0, enrollments.indexOf('\n') + 1));
  });

  it('a blocked plan (enrollments.csv holds only its header) with its verdict edited to ok: refused, edited or forged', async () => {
    const e = await emulator(join(ROOT, 'examples/maple-valley/canvas-snapshot'));
    const planFile = join(dir, 'blocked.json');
    const planned = await cli(['plan', '--sis', sis, '--canvas-url', e.url, '--out', planFile, '--detailed-exitcode']);
    expect(planned.code, planned.stderr).toBe(3);
    expect(planned.stdout).toMatch(/BLOCKED/);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    expect(plan.verdict.status).toBe('blocked');

    // As planned: exit 3.
    const honest = await expectRefused(e, ['--sis', sis], planFile, /apply\.blocked/);
    expect(honest.code).toBe(3);

    // Verdict edited: the file no longer matches its planId.
    const edited = join(dir, 'blocked-edited.json');
    writePlan(edited, editedToOk(plan));
    const r1 = await expectRefused(e, ['--sis', sis], edited, /plan\.tampered.*\/planId/);
    expect(r1.code).toBe(1);

    // Verdict edited and every digest recomputed: apply re-plans, and its own verdict is blocked.
    const forged = join(dir, 'blocked-forged.json');
    writePlan(forged, forgedToOk(plan));
    expect((await cli(['show', forged])).code).toBe(0); // the digests cannot tell: apply must
    const r2 = await expectRefused(e, ['--sis', sis], forged, /apply\.blocked/);
    expect(r2.code).toBe(3);
  });

  it('a needs-approval plan with its verdict edited to ok: refused, edited or forged, even with --allow-needs-approval', async () => {
    const e = await emulator();
    const ws = await makeWorkspace();
    ws.write('policies/main.yaml', `${POLICIES['main.yaml']!.replace('manual: adopt', 'manual: flag')}apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 1 }\n`);
    const made = await fetch(`${e.url}/api/v1/accounts/1/users`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'user[name]': 'Ana Diaz', 'pseudonym[unique_id]': 'adiaz', 'communication_channel[address]': 'ana.diaz@k12.example.org' }),
    });
    expect(made.status).toBeLessThan(300);
    const planFile = join(ws.dir, 'plan.json');
    const planned = await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--out', planFile, '--detailed-exitcode']);
    expect(planned.code, planned.stderr).toBe(3);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    expect(plan.verdict.status).toBe('needs-approval');

    const edited = join(ws.dir, 'edited.json');
    writePlan(edited, editedToOk(plan));
    expect((await expectRefused(e, ['--config', ws.policies], edited, /plan\.tampered/)).code).toBe(1);

    const forged = join(ws.dir, 'forged.json');
    writePlan(forged, forgedToOk(plan));
    const r = await expectRefused(e, ['--config', ws.policies], forged, /apply\.needs-approval/);
    expect(r.code).toBe(3);
    const allowed = await expectRefused(e, ['--config', ws.policies, '--allow-needs-approval'], forged, /apply\.needs-approval/);
    expect(allowed.code).toBe(3);
  });

  it('a plan whose verdict was made stricter by hand, digests recomputed: apply refuses the recorded verdict that is not its own (exit 4)', async () => {
    const e = await emulator();
    const ws = await makeWorkspace();
    ws.write('policies/main.yaml', `${POLICIES['main.yaml']}apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 1 }\n`);
    const planFile = join(ws.dir, 'plan.json');
    expect((await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    expect(plan.verdict.status).toBe('ok');
    const stricter: Plan = { ...plan, verdict: { status: 'needs-approval', reasons: [{ guard: 'guards.made.up', requires: 'needs-approval', message: 'edited' }] } };
    const { fileDigest: _drop, ...rest } = { ...stricter, planId: planIdOf(stricter) };
    const forged = join(ws.dir, 'forged.json');
    writePlan(forged, { ...rest, fileDigest: fileDigestOf(rest) });
    const r = await expectRefused(e, ['--config', ws.policies, '--allow-needs-approval'], forged, /apply\.verdict-mismatch/);
    expect(r.code).toBe(4);
  });

  it('an honest plan still applies when Canvas moved but the plan did not (a user made by hand elsewhere): the input digests are not in the planId', async () => {
    const e = await emulator();
    const ws = await makeWorkspace();
    ws.write('policies/main.yaml', `${POLICIES['main.yaml']}apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 1 }\n`);
    const planFile = join(ws.dir, 'plan.json');
    expect((await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    const made = await fetch(`${e.url}/api/v1/accounts/1/users`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'user[name]': 'Zed Visitor', 'pseudonym[unique_id]': 'zed.visitor', 'communication_channel[address]': 'zed@elsewhere.example.org' }),
    });
    expect(made.status).toBeLessThan(300);
    const again = JSON.parse((await cli(['plan', '--config', ws.policies, '--canvas-url', e.url, '--format', 'json'])).stdout) as Plan;
    const planned = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    expect(again.inputs.canvas).not.toBe(planned.inputs.canvas);
    expect(again.planId).toBe(planned.planId);
    const r = await cli(['apply', '--plan', planFile, '--config', ws.policies, '--canvas-url', e.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Canvas or the SIS changed since planning, but the plan is the same/);
    expect(await sisImports(e)).toHaveLength(1);
  });
});
