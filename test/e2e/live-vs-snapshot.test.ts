/**
 * A live read and a snapshot of the same Canvas state give the same plan and planId, through the
 * real CLI and the Canvas emulator: the example snapshot against the emulator seeded from it, a
 * snapshot plan applied live, and the emulator's own state written as a snapshot (after an apply
 * and changes by hand, and with two providers of one type) against the live read of that state.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeProvisioningDir } from '../../engine/canvas/report-files.js';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import type { Plan } from '../../engine/model/plan.js';
import { cli, exampleEmulator, examplePolicies, TOKEN } from '../support/example-apply.js';
import { ROOT } from '../support/workspace.js';

let emulators: CanvasEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function started(e: Promise<CanvasEmulator>): Promise<CanvasEmulator> {
  const emulator = await e;
  emulators.push(emulator);
  return emulator;
}

const readPlan = (path: string): Plan => JSON.parse(readFileSync(path, 'utf8')) as Plan;

/** Plans with the given Canvas flags into a file; returns the plan read back. */
async function plan(policies: string, out: string, canvas: string[]): Promise<Plan> {
  const r = await cli(['plan', '--config', policies, '--format', 'json', '--out', out, ...canvas]);
  expect(r.code, r.out).toBe(0);
  return readPlan(out);
}

/** Everything of a plan but what is allowed to differ between a live read and a snapshot: the input digests and sources, and the file digest. */
function content(p: Plan): unknown {
  const { inputs, fileDigest: _digest, ...rest } = p;
  return { ...rest, asOf: inputs.asOf };
}

/**
 * The emulator's whole state written as a snapshot folder (provisioning report files + rosterops
 * extensions). Its dates carry the offset of `timeZone`, which need not be the zone the live report
 * writes in: both are read as instants.
 */
async function snapshotOf(e: CanvasEmulator, dir: string, timeZone = 'America/Chicago'): Promise<string> {
  await writeProvisioningDir(e.dump(), dir, { timeZone });
  return dir;
}

async function admin(e: CanvasEmulator, method: string, path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${e.url}${path}`, {
    method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

/** A users.csv sent as another admin would, waited for until it ends. */
async function importCsv(e: CanvasEmulator, csv: string): Promise<void> {
  const res = await fetch(`${e.url}/api/v1/accounts/1/sis_imports?extension=csv`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, body: csv });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  const { id } = (await res.json()) as { id: number };
  for (let i = 0; i < 200; i++) {
    const state = ((await (await fetch(`${e.url}/api/v1/accounts/1/sis_imports/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { workflow_state: string }).workflow_state;
    if (/^(imported|imported_with_messages|failed|failed_with_messages|aborted)$/.test(state)) {
      expect(state).toBe('imported');
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`import ${id} did not end`);
}

describe('live and snapshot of the same Canvas state', () => {
  it('the example snapshot and the emulator seeded from it plan alike, and the snapshot plan applies live', async () => {
    const e = await started(exampleEmulator());
    const { dir, policies } = examplePolicies();
    const offline = await plan(policies, join(dir, 'offline.json'), []);
    const live = await plan(policies, join(dir, 'live.json'), ['--canvas-url', e.url]);
    expect(offline.operations.length).toBeGreaterThan(0);
    // The report names the teacher's provider "1", the snapshot "canvas": the same provider.
    expect(offline.operations.some((op) => op.changes.some((c) => c.field === 'authentication_provider_id' && c.before === 'canvas'))).toBe(true);
    expect(live.planId).toBe(offline.planId);
    expect(content(live)).toEqual(content(offline));
    expect(live.inputs.canvas).not.toBe(offline.inputs.canvas); // digests of different bytes; not in the planId
    expect(offline.inputs.sources).toEqual({ sis: expect.stringMatching(/^OneRoster CSV .*maple-valley\/oneroster \(815 users\)$/), canvas: expect.stringMatching(/^snapshot .*maple-valley\/canvas-snapshot$/) });
    expect(live.inputs.sources?.canvas).toBe(`live ${e.url}`);

    // Apply reads Canvas live whatever the plan was made from; the snapshot's plan is the live plan, so it goes.
    const applied = await cli(['apply', '--config', policies, '--plan', join(dir, 'offline.json'), '--canvas-url', e.url]);
    expect(applied.code, applied.out).toBe(0);
    expect(applied.out).toMatch(/planned from a Canvas snapshot .*goes on only if that plan is the same/);
    expect(applied.out).toContain('Converged: a new plan is empty.');
  });

  it('after an apply and changes by hand, the emulator dumped as a snapshot plans like the live read', async () => {
    const e = await started(exampleEmulator());
    const { dir, policies } = examplePolicies();
    await plan(policies, join(dir, 'p.json'), ['--canvas-url', e.url]);
    const applied = await cli(['apply', '--config', policies, '--plan', join(dir, 'p.json'), '--canvas-url', e.url]);
    expect(applied.code, applied.out).toBe(0);
    // Changes by hand: a teacher renamed and back on the Canvas provider, a hand-made SAML user, a suspended student.
    const teacher = e.dump().emulator.logins.find((l) => typeof l.sisUserId === 'string' && (l.sisUserId as string).startsWith('staff_t')) as { userId: number; id: number };
    await admin(e, 'PUT', `/api/v1/users/${teacher.userId}`, { 'user[name]': 'Renamed By Hand', 'user[sortable_name]': 'Hand, Renamed' });
    await admin(e, 'POST', '/api/v1/accounts/1/users', { 'user[name]': 'Made By Hand', 'pseudonym[unique_id]': 'made.byhand', 'pseudonym[authentication_provider_id]': 'saml' });
    // Another admin's import puts the teacher back on the Canvas provider (the report then says "1").
    const teacherSis = e.dump().users.find((u) => u.canvas_user_id === String(teacher.userId))!;
    await importCsv(e, `user_id,login_id,authentication_provider_id,status\n${teacherSis.user_id},${teacherSis.login_id},canvas,active\n`);
    const student = e.dump().emulator.logins.find((l) => typeof l.sisUserId === 'string' && /^s\d+$/.test(l.sisUserId as string)) as { id: number };
    await admin(e, 'PUT', `/api/v1/accounts/1/logins/${student.id}`, { 'login[workflow_state]': 'suspended' });

    const snapshot = await snapshotOf(e, mkdtempSync(join(tmpdir(), 'rosterops-dump-')), 'Asia/Kolkata');
    const fromDump = await plan(policies, join(dir, 'dump.json'), ['--canvas-snapshot', snapshot]);
    const live = await plan(policies, join(dir, 'live.json'), ['--canvas-url', e.url]);
    expect(readFileSync(join(snapshot, 'terms.csv'), 'utf8')).toContain('+05:30');
    expect(live.operations.length).toBeGreaterThan(0);
    expect(live.operations.some((op) => op.changes.some((c) => c.field === 'authentication_provider_id' && c.before === 'canvas'))).toBe(true);
    expect(live.planId).toBe(fromDump.planId);
    expect(content(live)).toEqual(content(fromDump));
  });

  it('a snapshot that is no longer what Canvas holds is refused by apply as stale (exit 4), nothing sent', async () => {
    const e = await started(exampleEmulator());
    const { dir, policies } = examplePolicies();
    await plan(policies, join(dir, 'offline.json'), []);
    // Canvas moves on after the snapshot was taken: a teacher the plan updates is renamed by hand.
    const teacher = e.dump().emulator.logins.find((l) => l.sisUserId === 'staff_tT1003') as { userId: number };
    await admin(e, 'PUT', `/api/v1/users/${teacher.userId}`, { 'user[name]': 'Renamed By Hand', 'user[sortable_name]': 'Hand, Renamed' });
    const applied = await cli(['apply', '--config', policies, '--plan', join(dir, 'offline.json'), '--canvas-url', e.url]);
    expect(applied.code, applied.out).toBe(4);
    expect(applied.out).toMatch(/is stale/);
    expect(e.dump().emulator.sisImports).toEqual([]);
  });

  it('with two providers of one type, ids stay ids on both sides and still plan alike', async () => {
    const e = await started(startCanvasEmulator({
      token: TOKEN, snapshot: join(ROOT, 'examples/maple-valley/canvas-snapshot'), timeZone: 'America/Chicago', processingDelayMs: 20,
      authProviders: [{ id: 1, authType: 'canvas' }, { id: 3, authType: 'saml' }, { id: 9, authType: 'saml' }],
    }));
    const { dir, policies } = examplePolicies();
    const snapshot = await snapshotOf(e, mkdtempSync(join(tmpdir(), 'rosterops-dump-')));
    const fromDump = await plan(policies, join(dir, 'dump.json'), ['--canvas-snapshot', snapshot]);
    const live = await plan(policies, join(dir, 'live.json'), ['--canvas-url', e.url]);
    expect(live.planId).toBe(fromDump.planId);
    expect(content(live)).toEqual(content(fromDump));
    // "saml" names two providers: the report's id is kept on both sides, not guessed; "canvas" names one.
    const providers = live.operations.flatMap((op) => op.changes).filter((c) => c.field === 'authentication_provider_id').map((c) => c.before);
    expect(providers).toContain('3');
    expect(providers).toContain('canvas');
  });
});
