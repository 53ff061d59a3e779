/**
 * The bad-input corpus: a few hundred damaged inputs (policy YAML, OneRoster CSV and zip, Canvas
 * snapshot files and zips, --canvas-url), generated from mutation tables (test/support/bad-inputs.ts),
 * each run through the CLI's `main` against a copy of a small valid workspace. For each: exit 1 for
 * a bad input (0 for one that is acceptable), a message naming the file (and the row or line
 * where there is one) or the flag, never "internal error", no plan file written, no personal data
 * printed, and no hang. SIS and Canvas cases run twice, with and without the parse thread, and
 * must print the same thing. Cases that could block (a FIFO) and the bomb under a 1 GB memory cap
 * run in a child process with a timeout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Output } from '../../engine/cli/output.js';
import { allBadInputs, bombEntry, copyWorkspace, writeBase, type BadInput, type Ws } from '../support/bad-inputs.js';
import { CLI, ONEROSTER } from '../support/workspace.js';
import { buildZip } from '../support/zip-builder.js';

type Main = (argv: string[], output: Output) => Promise<number>;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  hung: boolean;
}

const HANG_MS = 30_000;
let main: Main;
let base: Ws;
let root: string;

beforeAll(async () => {
  // The built CLI, as users run it (its parse thread needs the compiled worker script beside it).
  ({ main } = (await import(pathToFileURL(CLI).href)) as { main: Main });
  base = writeBase();
  root = mkdtempSync(join(tmpdir(), 'rosterops-corpus-cases-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(join(base.dir, '..'), { recursive: true, force: true });
});

async function runInProcess(argv: string[], parseThread: 'on' | 'off'): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const output: Output = { out: (t) => (stdout += t), err: (t) => (stderr += t), isTTY: false, color: false };
  const before = process.env.ROSTEROPS_PARSE_THREAD;
  process.env.ROSTEROPS_PARSE_THREAD = parseThread;
  try {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)));
    const code = await Promise.race([main(argv, output), hang]);
    clearTimeout(timer);
    return { code: code === 'hang' ? -1 : code, stdout, stderr, hung: code === 'hang' };
  } finally {
    if (before === undefined) delete process.env.ROSTEROPS_PARSE_THREAD;
    else process.env.ROSTEROPS_PARSE_THREAD = before;
  }
}

function runInChild(argv: string[], extraNodeArgs: string[] = []): Outcome {
  const r = spawnSync(process.execPath, [...extraNodeArgs, CLI, ...argv], { encoding: 'utf8', timeout: HANG_MS, env: { ...process.env, NO_COLOR: '1' } });
  const hung = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', hung };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Verdict = 'located' | 'clear' | 'internal' | 'hang' | 'accepted' | 'wrong';

/** How the outcome reads: located (names what the case says), clear (an error code and a hint), or a failure. */
function verdictOf(c: BadInput, o: Outcome): Verdict {
  if (o.hung) return 'hang';
  if (/internal error|This is a bug/i.test(o.stderr)) return 'internal';
  if (c.expect === 'ok') return o.code === 0 ? 'accepted' : 'wrong';
  if (o.code !== 1) return 'wrong';
  const names = c.names;
  if (names && 'flag' in names) return o.stderr.includes(names.flag) ? 'located' : 'clear';
  if (names) {
    const file = new RegExp(`${escape(names.file)}${names.row ? ':\\d+' : ''}`);
    if (file.test(o.stderr)) return 'located';
  }
  return /error \[[\w.-]+\]/.test(o.stderr) && /hint:/.test(o.stderr) ? 'clear' : 'wrong';
}

const cases = allBadInputs();
const counts = { located: 0, clear: 0, internal: 0, hangs: 0, written: 0, accepted: 0, wrong: 0, printedSecrets: 0, threadMismatch: 0 };
const failures: string[] = [];
/** Every case's first line of output, written beside the counts for a reader to judge the messages. */
const transcript: string[] = [];

async function runCase(c: BadInput, index: number): Promise<void> {
  const ws = copyWorkspace(base, join(root, `case-${index}`));
  const extra = c.setup(ws) ?? [];
  const out = join(ws.dir, 'plan.json');
  const argv = ['plan', '--config', ws.policies, '--out', out, ...extra];
  const thread = c.family !== 'policy' && c.family !== 'cli-flag';
  const first = c.hangProne ? runInChild(argv) : await runInProcess(argv, 'off');
  const written = c.expect === 'error' && existsSync(out);
  rmSync(out, { force: true });
  const verdict = verdictOf(c, first);
  let mismatch = false;
  if (thread && !c.hangProne && !first.hung) {
    const second = await runInProcess(argv, 'on');
    mismatch = second.stderr !== first.stderr || second.code !== first.code || (c.expect === 'error' && existsSync(out));
  }
  const leaked = c.secret !== undefined && (first.stderr.includes(c.secret) || first.stdout.includes(c.secret));
  transcript.push(`[${c.family}] ${c.name} → exit ${first.code}: ${first.stderr.split('\n').find((l) => l.trim() !== '') ?? ''}`);
  if (verdict === 'located') counts.located++;
  else if (verdict === 'clear') counts.clear++;
  else if (verdict === 'internal') counts.internal++;
  else if (verdict === 'hang') counts.hangs++;
  else if (verdict === 'accepted') counts.accepted++;
  else counts.wrong++;
  if (written) counts.written++;
  if (leaked) counts.printedSecrets++;
  if (mismatch) counts.threadMismatch++;
  const expectedVerdict = c.expect === 'ok' ? 'accepted' : c.names ? 'located' : 'clear';
  if (verdict !== expectedVerdict || written || leaked || mismatch) {
    failures.push(`[${c.family}] ${c.name}: ${verdict}${written ? ', plan written' : ''}${leaked ? ', printed the cell' : ''}${mismatch ? ', differs with the parse thread' : ''} (exit ${first.code})\n    ${first.stderr.trim().split('\n').slice(0, 3).join('\n    ')}`);
  }
  rmSync(ws.dir, { recursive: true, force: true });
}

describe('the bad-input corpus through the CLI', () => {
  it(`has at least 200 cases (${cases.length}) over every family`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const families = new Set(cases.map((c) => c.family));
    expect([...families].sort()).toEqual(['canvas-csv', 'canvas-zip', 'cli-flag', 'oneroster-csv', 'oneroster-zip', 'policy']);
  });

  it('the workspace they damage plans, and plans the same after every case (no state kept between runs)', async () => {
    const ws = copyWorkspace(base, join(root, 'clean-before'));
    const before = await runInProcess(['plan', '--config', ws.policies], 'off');
    expect(before.code, before.stderr).toBe(0);
    for (const [i, c] of cases.entries()) await runCase(c, i);
    const after = await runInProcess(['plan', '--config', ws.policies], 'off');
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe(before.stdout);

    const total = cases.length;
    const report = `bad-input corpus: ${total} cases: located ${counts.located}, clear-but-unlocated ${counts.clear}, accepted (valid variants) ${counts.accepted}, `
      + `internal ${counts.internal}, hangs ${counts.hangs}, files written ${counts.written}, cells printed ${counts.printedSecrets}, parse-thread differences ${counts.threadMismatch}, wrong ${counts.wrong}`;
    console.log(report);
    writeFileSync(join(tmpdir(), 'rosterops-bad-input-corpus.txt'), `${report}\n${failures.join('\n')}\n\n${transcript.join('\n')}\n`);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(counts.internal).toBe(0);
    expect(counts.hangs).toBe(0);
    expect(counts.written).toBe(0);
  }, 900_000);
});

describe('a zip bomb under a 1 GB memory cap', () => {
  /** Runs the CLI in a child capped at 1 GB of heap, and reads its peak RSS as it exits. */
  function planCapped(args: string[], dir: string): Outcome & { peakMb: number } {
    const probe = join(dir, 'rss-probe.cjs');
    const peak = join(dir, 'peak-rss.txt');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(peak)}, String(process.resourceUsage().maxRSS)));\n`);
    const o = runInChild(args, ['--max-old-space-size=1024', '--require', probe]);
    return { ...o, peakMb: Number(readFileSync(peak, 'utf8')) / 1024 };
  }

  it.each([
    ['declares its size honestly (1.6 GB from about 5 MB)', undefined],
    ['declares 4 KiB and inflates to 1.6 GB', 4096],
  ])('%s: exit 1, no internal error, no plan file, under 1 GB', (_name, declared) => {
    const ws = copyWorkspace(base, join(root, `bomb-${declared ?? 'honest'}`));
    const zip = join(ws.dir, 'bomb.zip');
    const entries = Object.keys(ONEROSTER).filter((n) => n !== 'enrollments.csv').map((name) => ({ name, data: readFileSync(join(ws.sis, name)) }));
    writeFileSync(zip, buildZip([...entries, bombEntry('enrollments.csv', 1600, declared)]));
    const out = join(ws.dir, 'plan.json');
    const r = planCapped(['plan', '--config', ws.policies, '--sis', zip, '--out', out], ws.dir);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/bomb\.zip/);
    expect(existsSync(out)).toBe(false);
    console.log(`zip bomb (${_name}): exit ${r.code}, peak RSS ${r.peakMb.toFixed(0)} MB`);
    expect(r.peakMb).toBeLessThan(1024);
  }, 120_000);
});
