/**
 * Honest failures and reruns through the CLI: `sync` keeps the same journal and record as `apply`;
 * a damaged journal is a located error before anything is sent; a rerun after an interrupted apply
 * of a plan that fully landed ends "Already applied" (exit 0, not stale).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasEmulator } from '../../engine/emulator/index.js';
import { cli, control, exampleEmulator, examplePolicies, NOTHING_APPLIED, repeatedRows } from '../support/example-apply.js';

let emulators: CanvasEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function setUp() {
  const e = await exampleEmulator();
  emulators.push(e);
  const { dir, policies } = examplePolicies();
  return { e, dir, policies, record: join(dir, 'apply-record.json'), journal: join(dir, 'apply-record.journal.json') };
}

describe('apply and sync after a failure', () => {
  it('sync: a Canvas failure after the upload writes the record and journal and never says nothing was applied; the next sync finishes without sending a row twice', async () => {
    const { e, policies, record, journal } = await setUp();
    e.faults.replace('5xx:sis-imports-status:*');
    const sync = ['sync', '--config', policies, '--canvas-url', e.url, '--record', record];
    const first = await cli(sync);
    expect(first.code, first.out).toBe(6);
    expect(first.out).not.toContain(NOTHING_APPLIED);
    expect(first.out).toMatch(/upload 1 \(1 rows, sent once\): import 1/);
    const written = JSON.parse(readFileSync(record, 'utf8'));
    expect(written.outcome).toBe('incomplete');
    expect(written.imports.map((i: { id: string }) => i.id)).toEqual(['1']);
    expect(JSON.parse(readFileSync(journal, 'utf8')).phases[0].importId).toBe('1');

    e.faults.replace('');
    const second = await cli(sync);
    expect(second.code, second.out).toBe(0);
    expect(await repeatedRows(e)).toEqual({ imports: 2, repeated: 0 });
  }, 60_000);

  /**
   * Plans, then stops the apply with SIGTERM once its last import ended (during the convergence
   * re-plan); with `dropJournal` the rerun starts on "a new runner" that never saw the journal.
   * Either way the rerun finds Canvas converged: "Already applied", exit 0, nothing sent again.
   */
  async function rerunAfterStop(dropJournal: boolean) {
    const { e, dir, policies, record, journal } = await setUp();
    const planFile = join(dir, 'plan.json');
    expect((await cli(['plan', '--config', policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    const apply = ['apply', '--config', policies, '--plan', planFile, '--canvas-url', e.url, '--record', record];
    const first = await cli(apply, { signal: 'SIGTERM', at: /import 2 ended/ });
    expect(first.code, first.out).toBe(143);
    expect(first.out).toMatch(/import 2, imported/);
    expect(JSON.parse(readFileSync(record, 'utf8')).outcome).toBe('interrupted');
    if (dropJournal) rmSync(journal, { force: true });
    const again = await cli(apply);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/Already applied/);
    expect(JSON.parse(readFileSync(record, 'utf8')).outcome).toBe('already-applied');
    expect((await repeatedRows(e)).imports).toBe(2);
  }

  it('a rerun after SIGTERM once every upload landed ends "Already applied" with exit 0, not stale', () => rerunAfterStop(false), 60_000);

  it('a rerun on a new runner (no journal) of a plan Canvas already holds ends "Already applied", exit 0, sending nothing', () => rerunAfterStop(true), 60_000);

  it('a damaged journal is a located error naming the file, and nothing is sent', async () => {
    const { e, dir, policies, record, journal } = await setUp();
    const planFile = join(dir, 'plan.json');
    expect((await cli(['plan', '--config', policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    writeFileSync(journal, JSON.stringify({ kind: 'rosterops-apply-journal', formatVersion: 1, planId: 'x', canvas: 'c', account: 'self', state: 'sending', updatedAt: 'now', phases: [{ index: 0 }] }));
    const run = await cli(['apply', '--config', policies, '--plan', planFile, '--canvas-url', e.url, '--record', record]);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain(journal);
    expect(run.out).toMatch(/\[journal\.malformed\] \(\/phases\/0\/zipSha256\)/);
    expect(run.out).not.toMatch(/internal error/);
    expect(run.out).toContain(NOTHING_APPLIED);
    expect((await control(e, '/__emulator/sis-imports/uploads')).uploads).toEqual([]);
    expect(existsSync(record)).toBe(false);
  }, 60_000);

  it('a journal that cannot be written stops apply before the upload leaves: nothing sent, said so', async () => {
    const { e, dir, policies } = await setUp();
    const planFile = join(dir, 'plan.json');
    expect((await cli(['plan', '--config', policies, '--canvas-url', e.url, '--out', planFile])).code).toBe(0);
    const record = join(dir, 'no-such-folder', 'apply-record.json');
    const run = await cli(['apply', '--config', policies, '--plan', planFile, '--canvas-url', e.url, '--record', record]);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/\[journal\.unwritable\] cannot write the apply journal/);
    expect(run.out).toContain(NOTHING_APPLIED);
    expect((await control(e, '/__emulator/sis-imports/uploads')).uploads).toEqual([]);
  }, 60_000);
});
