import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'rosterops-cli-'));

describe('CLI on the bundled example', () => {
  it('plan writes the same plan file byte for byte every time, and exits 2 with --detailed-exitcode', () => {
    const a = runCli(['plan', '--out', join(dir, 'a.json'), '--detailed-exitcode']);
    const b = runCli(['plan', '--out', join(dir, 'b.json')]);
    expect(a.code, a.stderr).toBe(2);
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(readFileSync(join(dir, 'b.json'), 'utf8'));
    expect(a.stdout).toMatch(/Verdict: OK/);
    expect(a.stderr).not.toMatch(/timings:/);
  });

  it('plan --timings says where the time went, on one line of stderr, without changing the plan', () => {
    const t = runCli(['plan', '--out', join(dir, 't.json'), '--timings']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/^timings: read SIS \d+\.\d\d s, transform \d+\.\d\d s, read Canvas \d+\.\d\d s, diff \d+\.\d\d s, write \d+\.\d\d s$/m);
    expect(readFileSync(join(dir, 't.json'), 'utf8')).toBe(readFileSync(join(dir, 'a.json'), 'utf8'));
  });

  it('show renders a saved plan as text, JSON and the pull-request Markdown; masked unless asked', () => {
    const file = join(dir, 'a.json');
    const plan = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.parse(runCli(['show', file, '--format', 'json']).stdout)).toEqual(plan);
    const text = runCli(['show', file]).stdout;
    expect(text).toContain(plan.planId);
    expect(text).not.toContain('ximena.thomas35');
    expect(runCli(['show', file, '--show-personal-data']).stdout).toContain('ximena.thomas35');
    const md = runCli(['show', file, '--format', 'markdown']).stdout;
    expect(md).toMatch(/^<!-- rosterops:plan env=production part=1\/1 -->/);
    expect(md).not.toContain('xthomas');
  });

  it('show refuses a plan file that was edited after planning', () => {
    const plan = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    plan.operations[0].rows[0].cells.status = 'deleted';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(plan));
    const r = runCli(['show', join(dir, 'edited.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/do not match its planId/);
  });

  it('validate accepts the shipped policies; schema prints the JSON Schema', () => {
    const v = runCli(['validate']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/ok: 7 policy file\(s\) valid/);
    const schema = JSON.parse(runCli(['schema']).stdout);
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(Object.keys(schema.properties)).toContain('guards');
  });

  it('unknown commands and flags exit 1 with help, not a stack trace', () => {
    const r = runCli(['plan', '--frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown option/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
