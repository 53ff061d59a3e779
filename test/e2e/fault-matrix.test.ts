/**
 * The fault matrix (issue 12, "Exactly once" and "Honest failures"): the real CLI applies the example
 * district's plan against the Canvas emulator while one fault hits one endpoint apply uses, or a
 * signal stops it at one phase; then, if it did not converge, the same `apply --plan` runs once more
 * without the fault. For every cell:
 * - no row reaches Canvas twice (the emulator's uploads, unpacked, hold each row once, counting only
 *   imports that did not end failed: a failed import changed nothing and its rows may go again);
 * - nothing is dropped that the plan did not drop (the final state equals a clean run's);
 * - converged after at most one rerun;
 * - once something was sent, an apply record exists (after SIGKILL: the journal, and the record
 *   after the rerun), and no output says "nothing was written or applied".
 * Client timeouts are shortened through ROSTEROPS_HTTP_TIMEOUT_MS and friends (README "Exit codes").
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanvasEmulator } from '../../engine/emulator/index.js';
import { cli, control, exampleEmulator, examplePolicies, NOTHING_APPLIED, projection, repeatedRows, TOKEN } from '../support/example-apply.js';

const SLOW = 3000; // past the client timeout (1.5 s), inside the landing window (4.5 s)

interface Cell {
  name: string;
  /** Faults set on the emulator for the first run only. */
  faults?: string;
  /** An import already running on the account for this many ms when apply starts. */
  running?: number;
  /** Send this signal once stderr shows `at`. */
  kill?: { signal: 'SIGKILL' | 'SIGTERM'; at: RegExp };
  /** Exit codes the first run may end with. */
  first: number[];
  /** What a person does between the runs (besides the faults ending). */
  between?: (e: CanvasEmulator) => Promise<void>;
}

const cells: Cell[] = [
  { name: 'no fault', first: [0] },
  // 5xx on every endpoint apply uses: once (retried) and for good (the run stops; the rerun finishes).
  { name: '5xx sis-imports-create ×1', faults: '5xx:sis-imports-create:1', first: [0] },
  { name: '5xx sis-imports-create ×*', faults: '5xx:sis-imports-create:*', first: [6] },
  { name: '5xx sis-imports-status ×2', faults: '5xx:sis-imports-status:2', first: [0] },
  { name: '5xx sis-imports-status ×*', faults: '5xx:sis-imports-status:*', first: [6] },
  { name: '5xx sis-imports-errors ×*', faults: '5xx:sis-imports-errors:*', first: [0] },
  { name: '5xx sis-imports-list ×*', faults: '5xx:sis-imports-list:*', first: [1] },
  { name: '5xx reports-create ×*', faults: '5xx:reports-create:*', first: [1] },
  { name: '5xx reports-status ×2', faults: '5xx:reports-status:2', first: [0] },
  { name: '5xx reports-status ×*', faults: '5xx:reports-status:*', first: [1] },
  { name: '5xx files-download ×*', faults: '5xx:files-download:*', first: [1] },
  // Throttling (403 rate limited) on each endpoint.
  { name: 'throttle sis-imports-create ×2', faults: 'throttle:sis-imports-create:2', first: [0] },
  { name: 'throttle sis-imports-status ×3', faults: 'throttle:sis-imports-status:3', first: [0] },
  { name: 'throttle sis-imports-errors ×2', faults: 'throttle:sis-imports-errors:2', first: [0] },
  { name: 'throttle sis-imports-list ×2', faults: 'throttle:sis-imports-list:2', first: [0] },
  { name: 'throttle reports-create ×2', faults: 'throttle:reports-create:2', first: [0] },
  { name: 'throttle reports-status ×2', faults: 'throttle:reports-status:2', first: [0] },
  { name: 'throttle files-download ×2', faults: 'throttle:files-download:2', first: [0] },
  // Answers slower than every client timeout: the slow upload lands after the client gave up.
  { name: 'slow sis-imports-create', faults: `slow:sis-imports-create:1:${SLOW}`, first: [0] },
  { name: 'slow sis-imports-create ×2', faults: `slow:sis-imports-create:2:${SLOW}`, first: [0] },
  { name: 'slow sis-imports-status', faults: `slow:sis-imports-status:1:${SLOW}`, first: [0] },
  { name: 'slow sis-imports-list', faults: `slow:sis-imports-list:1:${SLOW}`, first: [0] },
  { name: 'slow reports-status', faults: `slow:reports-status:1:${SLOW}`, first: [0] },
  { name: 'slow files-download', faults: `slow:files-download:1:${SLOW}`, first: [0] },
  // Connections cut before the server acted (cut) and after (drop).
  { name: 'cut before acting: sis-imports-create', faults: 'cut:sis-imports-create:1', first: [0] },
  { name: 'cut after acting: sis-imports-create', faults: 'drop:sis-imports-create:1', first: [0] },
  { name: 'cut after acting: sis-imports-create ×2', faults: 'drop:sis-imports-create:2', first: [0] },
  { name: 'cut before acting: sis-imports-status', faults: 'cut:sis-imports-status:1', first: [0] },
  { name: 'cut after acting: reports-create', faults: 'drop:reports-create:1', first: [0] },
  { name: 'cut before acting: files-download', faults: 'cut:files-download:1', first: [0] },
  // Canvas's own outcomes.
  { name: 'import failed_with_messages', faults: 'fail-import:next', first: [5] },
  { name: 'import outlasts the poll timeout', faults: 'hold-import:next:1:9000', first: [6] },
  { name: 'an import already running (ends in 2 s)', running: 2000, first: [0] },
  {
    name: 'an import already running (outlasts the wait)', running: 120_000, first: [7],
    // Told which import blocks it, the admin aborts it in Canvas, then runs apply again.
    between: async (e) => {
      const res = await fetch(`${e.url}/api/v1/accounts/1/sis_imports/1/abort`, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
    },
  },
  // Signals at each phase.
  ...(['SIGKILL', 'SIGTERM'] as const).flatMap((signal): Cell[] => {
    const code = signal === 'SIGTERM' ? 143 : -1;
    return [
      { name: `${signal} while reading Canvas`, kill: { signal, at: /provisioning report/ }, first: [code] },
      { name: `${signal} after the upload started`, faults: `slow:sis-imports-create:1:${SLOW}`, kill: { signal, at: /uploading 1 rows/ }, first: [code] },
      { name: `${signal} while polling the import`, faults: 'hold-import:next:1:2000', kill: { signal, at: /import 1 created/ }, first: [code] },
      { name: `${signal} during the convergence re-plan`, kill: { signal, at: /import 2 ended/ }, first: [code] },
    ];
  }),
];

let dir = '';
let policies = '';
let planFile = '';
let reference: string[] = [];
const rows: string[][] = [];

beforeAll(async () => {
  ({ dir, policies } = examplePolicies());
  // One plan serves every cell: each emulator starts from the same snapshot, so Canvas reads the same.
  const e = await exampleEmulator();
  try {
    planFile = join(dir, 'plan.json');
    const plan = await cli(['plan', '--config', policies, '--canvas-url', e.url, '--out', planFile]);
    expect(plan.code, plan.out).toBe(0);
    const clean = await cli(['apply', '--config', policies, '--plan', planFile, '--canvas-url', e.url, '--record', join(dir, 'clean-record.json')]);
    expect(clean.code, clean.out).toBe(0);
    reference = projection(e);
  } finally {
    await e.close();
  }
}, 60_000);

afterAll(() => {
  const header = ['cell', 'first exit', 'sent by 1st run', 'rerun exit', 'imports', 'repeated rows', 'record', 'converged', 'final state = clean run'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  // The lead reports this table (issue 12, "Tests and figures").
  process.stdout.write(`\nFAULT MATRIX: ${rows.length} cells\n${table}\n`);
});

async function runCell(cell: Cell): Promise<void> {
  const e = await exampleEmulator();
  try {
    const cellDir = mkdtempSync(join(dir, 'cell-'));
    const record = join(cellDir, 'apply-record.json');
    const journal = join(cellDir, 'apply-record.journal.json');
    const apply = ['apply', '--config', policies, '--plan', planFile, '--canvas-url', e.url, '--record', record];
    if (cell.faults) e.faults.replace(cell.faults);
    if (cell.running) await control(e, '/__emulator/sis-imports/running', { ms: cell.running });

    const first = await cli(apply, cell.kill);
    const firstCode = first.signal === 'SIGKILL' ? -1 : first.code;
    expect(cell.first, `${cell.name}: first run exit ${firstCode}\n${first.out}`).toContain(firstCode);
    const journalText = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
    // Ids, digests and counts only: no login, name or e-mail of the rows sent.
    expect(journalText, cell.name).not.toMatch(/@|xthomas|ximena/i);
    const sentFirst = journalText !== '' && (JSON.parse(journalText) as { phases: { attempts: unknown[] }[] }).phases.some((p) => p.attempts.length > 0);
    if (cell.first.includes(7)) expect(first.out, cell.name).toMatch(/still running on the account[^\n]*: 1\b/);
    if (sentFirst) {
      expect(first.out, cell.name).not.toContain(NOTHING_APPLIED);
      if (first.signal !== 'SIGKILL') expect(existsSync(record), `${cell.name}: a record after sending`).toBe(true);
    }
    let rerunCode = '-';
    let final = firstCode;
    if (firstCode !== 0) {
      e.faults.replace('');
      await cell.between?.(e);
      const rerun = await cli(apply);
      rerunCode = String(rerun.code);
      final = rerun.code;
      expect(rerun.code, `${cell.name}: rerun\n${first.out}\n---\n${rerun.out}`).toBe(0);
      if (sentFirst) expect(rerun.out, cell.name).toMatch(/Already applied|Converged/);
    }
    const { imports, repeated } = await repeatedRows(e);
    expect(repeated, `${cell.name}: rows sent twice`).toBe(0);
    if (imports > 0) expect(existsSync(record), `${cell.name}: a record once something was sent`).toBe(true);
    const state = projection(e);
    expect(state, `${cell.name}: final state differs from a clean run's`).toEqual(reference);
    rows.push([cell.name, String(firstCode === -1 ? 'killed' : firstCode), sentFirst ? 'yes' : 'no', rerunCode, String(imports), String(repeated), existsSync(record) ? 'yes' : 'no', final === 0 ? 'yes' : 'no', 'yes']);
  } finally {
    await e.close();
  }
}

describe('fault matrix: apply through the CLI against the emulator', () => {
  it.concurrent.each(cells.map((c) => [c.name, c] as const))('%s', async (_name, cell) => {
    await runCell(cell);
  }, 60_000);
});
