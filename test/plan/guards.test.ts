import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Operation, Plan, Risk } from '../../engine/model/plan.js';
import { evaluateGuards } from '../../engine/plan/guards.js';
import { testConfig } from '../support/config.js';
import { ROOT, runCli } from '../support/workspace.js';

const guards = testConfig().guards;

function drops(entity: Operation['entity'], n: number, extra: Partial<Operation> = {}): Operation[] {
  return Array.from({ length: n }, (_, i) => ({
    entity, action: 'drop', key: `${entity}-${i}`, canvasId: String(i), changes: [], reason: { rule: 'r', text: 't' },
    rows: [{ file: entity as 'users', cells: { status: entity === 'users' ? 'suspended' : 'completed' } }], ...extra,
  }));
}

const counts = (entity: string, desired: number, canvasManaged: number): Plan['counts'] => ({ [entity]: { desired, canvasManaged, canvasTotal: canvasManaged } });

describe('guards', () => {
  it('passes routine drops', () => {
    expect(evaluateGuards(guards, drops('enrollments', 3), [], counts('enrollments', 997, 1000))).toEqual({ status: 'ok', reasons: [] });
  });

  it('asks for approval when drops pass the share or the count', () => {
    const byShare = evaluateGuards(guards, drops('users', 6), [], counts('users', 94, 100));
    expect(byShare.status).toBe('needs-approval');
    expect(byShare.reasons.map((r) => r.guard)).toEqual(['guards.drops.users.maxShare']);
    const byCount = evaluateGuards(guards, drops('users', 101), [], counts('users', 99_899, 100_000));
    expect(byCount.reasons.map((r) => r.guard)).toEqual(['guards.drops.users.maxCount']);
  });

  it('blocks an empty export whatever the other guards say', () => {
    const v = evaluateGuards(guards, [], [], counts('users', 0, 500));
    expect(v.status).toBe('blocked');
    expect(v.reasons[0]!.guard).toBe('guards.shrink.empty');
  });

  it('blocks a shrunken export (below minRatio of what Canvas holds as SIS-managed)', () => {
    const v = evaluateGuards(guards, [], [], counts('enrollments', 700, 1000));
    expect(v).toMatchObject({ status: 'blocked', reasons: [{ guard: 'guards.shrink.minRatio' }] });
    // Small accounts are below minCanvasCount: a class of 10 losing 5 is not a truncated export.
    expect(evaluateGuards(guards, [], [], counts('enrollments', 5, 10)).status).toBe('ok');
  });

  it('protects sets: deleting users is blocked, suspending them is not', () => {
    const deleting = drops('users', 1, { rows: [{ file: 'users', cells: { status: 'deleted' } }] });
    expect(evaluateGuards(guards, deleting, [], counts('users', 999, 1000)).status).toBe('blocked');
    expect(evaluateGuards(guards, drops('users', 1), [], counts('users', 999, 1000)).status).toBe('ok');
  });

  it('protects teacher enrollments by role only', () => {
    const g = { ...guards, protect: [{ entity: 'enrollments' as const, actions: ['drop'], roles: ['teacher'], onViolation: 'needs-approval' as const, where: { file: 'g.yaml', line: 3, column: 5, path: '/' } }] };
    expect(evaluateGuards(g, drops('enrollments', 1, { role: 'student' }), [], counts('enrollments', 999, 1000)).status).toBe('ok');
    const v = evaluateGuards(g, drops('enrollments', 1, { role: 'teacher' }), [], counts('enrollments', 999, 1000));
    expect(v.status).toBe('needs-approval');
    expect(v.reasons[0]!.message).toMatch(/g\.yaml:3/);
  });

  it('maps each risk kind to the verdict the policy gives it', () => {
    const risk = (kind: Risk['kind']): Risk => ({ kind, entity: 'users', keys: ['a'], explanation: '', suggestedFix: '' });
    expect(evaluateGuards(guards, [], [risk('manual-object')], {}).status).toBe('ok');
    expect(evaluateGuards(guards, [], [risk('duplicate-account')], {}).status).toBe('needs-approval');
    expect(evaluateGuards(guards, [], [risk('duplicate-account'), risk('login-claimed')], {}).status).toBe('blocked');
  });

  it('the classic disaster, through the CLI: a truncated enrollments export is blocked, not applied', () => {
    const sis = mkdtempSync(join(tmpdir(), 'rosterops-truncated-'));
    cpSync(join(ROOT, 'examples/maple-valley/oneroster'), sis, { recursive: true });
    const lines = readFileSync(join(sis, 'enrollments.csv'), 'utf8').split('\r\n');
    writeFileSync(join(sis, 'enrollments.csv'), lines.slice(0, Math.floor(lines.length * 0.4)).join('\r\n') + '\r\n');
    const r = runCli(['plan', '--sis', sis, '--detailed-exitcode', '--format', 'json']);
    expect(r.code, r.stderr).toBe(3);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.verdict.status).toBe('blocked');
    expect(plan.verdict.reasons.map((x) => x.guard)).toEqual(expect.arrayContaining(['guards.drops.enrollments.maxShare', 'guards.shrink.minRatio']));
  });
});
