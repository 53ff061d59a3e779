/**
 * Term overrides checked against what they point at (issue 12, item 9): an override naming a term
 * the export does not have is a located risk that holds the plan (not a silent no-op); one ending
 * before its term starts is an error at the override, at plan time against the SIS's start, and at
 * `validate` time when the policy itself gives both dates.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../support/workspace.js';

const header = '# yaml-language-server: $schema=../engine/policy/policy.schema.json\n';

describe('term overrides', () => {
  it('an override for a term the export does not have holds the plan for approval, naming file:line:column', async () => {
    const ws = await makeWorkspace();
    ws.write('policies/terms.yaml', `${header}termOverrides:\n  - term: f52\n    endDate: "2025-12-19"\n`);
    const r = runCli(['plan', '--config', ws.policies, '--detailed-exitcode']);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stdout).toMatch(/unmatched-term-override \(terms: f52\)/);
    expect(r.stdout).toMatch(/terms\.yaml:3:5 names term f52/);
    expect(r.stdout).toMatch(/guards\.risks\.unmatched-term-override → needs-approval/);
  });

  it('the risk can be accepted per policy (guards.risks)', async () => {
    const ws = await makeWorkspace();
    ws.write('policies/terms.yaml', `${header}termOverrides:\n  - term: f52\n    endDate: "2025-12-19"\nguards:\n  risks: { unmatched-term-override: ok }\n`);
    const r = runCli(['plan', '--config', ws.policies, '--detailed-exitcode']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
  });

  it('an override ending before the SIS term starts is an error at plan time, located, and nothing is written', async () => {
    const ws = await makeWorkspace();
    ws.write('policies/terms.yaml', `${header}termOverrides:\n  - term: f25\n    endDate: "2025-08-01"\n`);
    expect(runCli(['validate', '--config', ws.policies]).code).toBe(0); // validate does not read the export
    const r = runCli(['plan', '--config', ws.policies, '--out', `${ws.dir}/plan.json`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/terms\.yaml:3:5: error \[policy\.date-order\] \(\/termOverrides\/0\/endDate\) term `f25` would end \(2025-08-01\) before it starts \(2025-08-18, academicSessions\.csv:3\)/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(existsSync(`${ws.dir}/plan.json`)).toBe(false);
  });

  it('validate: an enrollment type override ending before the term\'s own start is an error with file:line:column', async () => {
    const ws = await makeWorkspace();
    ws.write('policies/terms.yaml', `${header}termOverrides:\n  - term: f25\n    startDate: "2025-08-18"\n    enrollmentTypes:\n      StudentEnrollment: { endDate: "2025-08-01" }\n`);
    const r = runCli(['validate', '--config', ws.policies]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/terms\.yaml:6:\d+: error \[policy\.date-order\] .*StudentEnrollment dates of term `f25` end \(2025-08-01\) before the term starts \(2025-08-18\)/);
  });
});
