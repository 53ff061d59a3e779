/**
 * A corpus of malformed plan files through the CLI (`show FILE`, `comment --plan FILE --dry-run` and
 * `apply --plan FILE` against the Canvas emulator): each is refused with exit 1 and an error naming the file (and the JSON pointer,
 * or line and column, where there is one), never "internal error"; no apply record is written and
 * nothing reaches Canvas. Most cases run through the exported `main` in this process (fast); a few
 * spawn the real binary. The last line printed is the tally the issue asks for:
 * `PLAN-FILE-CORPUS {"cases":…,"located":…,"fileOnly":…,"internal":…}`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/main.js';
import type { Output } from '../../engine/cli/output.js';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { ROOT, runCliAsync } from '../support/workspace.js';

const TOKEN = 'emulator-token-corpus-51c0';
const POLICIES = join(ROOT, 'policies');
const SIS = join(ROOT, 'examples/maple-valley/oneroster');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = Record<string, Json> & { operations: Record<string, Json>[] };

interface Case {
  name: string;
  /** Write the broken plan at `path`. */
  make(path: string, base: { text: string; doc: () => Doc }): void;
  /** The JSON pointer the error must name, when the problem is inside the JSON. */
  pointer?: string;
}

const json = (doc: unknown) => JSON.stringify(doc, null, 2) + '\n';
const edit = (change: (d: Doc) => void) => (path: string, base: { doc: () => Doc }) => {
  const d = base.doc();
  change(d);
  writeFileSync(path, json(d));
};
const text = (t: string | Buffer) => (path: string) => writeFileSync(path, t);

const TOP_KEYS = ['formatVersion', 'planId', 'fileDigest', 'inputs', 'summary', 'operations', 'risks', 'verdict', 'counts', 'notes', 'labels'];
const OP_KEYS = ['entity', 'action', 'key', 'canvasId', 'changes', 'reason', 'rows'];
const wrongType = (value: Json): Json => (typeof value === 'string' ? 7 : Array.isArray(value) ? {} : typeof value === 'object' && value !== null ? [] : 'x');

const cases: Case[] = [
  { name: 'empty file', make: text('') },
  { name: 'whitespace only', make: text('  \n\t\n') },
  { name: 'byte order mark before the JSON', make: (p, b) => writeFileSync(p, `\ufeff${b.text}`) },
  { name: 'truncated at half', make: (p, b) => writeFileSync(p, b.text.slice(0, b.text.length >> 1)) },
  { name: 'truncated after one byte', make: text('{') },
  { name: 'truncated inside a string', make: (p, b) => writeFileSync(p, b.text.slice(0, b.text.indexOf('"sha256:') + 12)) },
  { name: 'trailing garbage', make: (p, b) => writeFileSync(p, `${b.text}}`) },
  { name: 'two plans concatenated', make: (p, b) => writeFileSync(p, b.text + b.text) },
  { name: 'JSON null', make: text('null'), pointer: '/' },
  { name: 'JSON array', make: text('[]'), pointer: '/' },
  { name: 'JSON string', make: text('"plan"'), pointer: '/' },
  { name: 'JSON number', make: text('42'), pointer: '/' },
  { name: 'JSON true', make: text('true'), pointer: '/' },
  { name: 'empty object', make: text('{}'), pointer: '/formatVersion' },
  { name: 'single-quoted JSON', make: text("{'formatVersion': '2'}") },
  { name: 'JSON with a comment', make: (p, b) => writeFileSync(p, `// plan\n${b.text}`) },
  { name: 'NUL byte', make: (p, b) => writeFileSync(p, b.text.replace('"planId"', '"plan\u0000Id"')) },
  { name: 'raw control character in a string', make: (p, b) => writeFileSync(p, b.text.replace('"planId"', '"plan\u0001Id"')) },
  { name: 'bytes that are not UTF-8', make: (p, b) => writeFileSync(p, Buffer.concat([Buffer.from(b.text.slice(0, 40)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(b.text.slice(40))])) },
  { name: '200,000-deep arrays', make: text('['.repeat(200_000)) },
  { name: '200,000-deep objects', make: text('{"a":'.repeat(200_000)) },
  { name: '200,000-deep balanced arrays', make: text(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) },
  { name: '65-deep arrays inside notes', make: (p, b) => writeFileSync(p, b.text.replace('"notes": []', `"notes": ${'['.repeat(65)}${']'.repeat(65)}`)) },
  { name: '2 MB string in a cell', make: edit((d) => { ((d.operations[0]!.rows as Record<string, Json>[])[0]!.cells as Record<string, Json>).name = 'x'.repeat(2 << 20); }), pointer: '/operations/0/rows/0/cells/name' },
  { name: '2 MB note', make: edit((d) => { d.notes = ['n'.repeat(2 << 20)]; }), pointer: '/notes/0' },
  { name: '2 MB key', make: edit((d) => { d['k'.repeat(2 << 20)] = 1; }) },
  { name: 'format version 1', make: edit((d) => { d.formatVersion = '1'; }), pointer: '/formatVersion' },
  { name: 'format version as a number', make: edit((d) => { d.formatVersion = 2; }), pointer: '/formatVersion' },
  ...TOP_KEYS.flatMap((key): Case[] => [
    { name: `"${key}" missing`, make: edit((d) => { delete d[key]; }), pointer: `/${key}` },
    { name: `"${key}" null`, make: edit((d) => { d[key] = null; }), pointer: `/${key}` },
    { name: `"${key}" of the wrong type`, make: edit((d) => { d[key] = wrongType(d[key]!); }), pointer: `/${key}` },
  ]),
  ...OP_KEYS.flatMap((key): Case[] => [
    { name: `operation without "${key}"`, make: edit((d) => { delete d.operations[3]![key]; }), pointer: `/operations/3/${key}` },
    { name: `operation "${key}" of the wrong type`, make: edit((d) => { d.operations[3]![key] = key === 'canvasId' ? 5 : wrongType(d.operations[3]![key]!); }), pointer: `/operations/3/${key}` },
  ]),
  { name: 'operations {}', make: edit((d) => { (d as Record<string, Json>).operations = {}; }), pointer: '/operations' },
  { name: 'operations [null]', make: edit((d) => { (d as Record<string, Json>).operations = [null]; }), pointer: '/operations/0' },
  { name: 'operations [1, 2]', make: edit((d) => { (d as Record<string, Json>).operations = [1, 2]; }), pointer: '/operations/0' },
  { name: 'operation with an unknown key', make: edit((d) => { d.operations[2]!.effect = 'drop'; }), pointer: '/operations/2/effect' },
  { name: 'operation with an unknown entity', make: edit((d) => { d.operations[2]!.entity = 'groups'; }), pointer: '/operations/2/entity' },
  { name: 'operation with an unknown action', make: edit((d) => { d.operations[2]!.action = 'delete'; }), pointer: '/operations/2/action' },
  { name: 'reason without rule', make: edit((d) => { delete (d.operations[3]!.reason as Record<string, Json>).rule; }), pointer: '/operations/3/reason/rule' },
  { name: 'reason.rule a number', make: edit((d) => { (d.operations[3]!.reason as Record<string, Json>).rule = 3; }), pointer: '/operations/3/reason/rule' },
  { name: 'reason.source null', make: edit((d) => { (d.operations[0]!.reason as Record<string, Json>).source = null; }), pointer: '/operations/0/reason/source' },
  { name: 'row for an unknown import file', make: edit((d) => { (d.operations[0]!.rows as Record<string, Json>[])[0]!.file = 'groups'; }), pointer: '/operations/0/rows/0/file' },
  { name: 'row cells null', make: edit((d) => { (d.operations[0]!.rows as Record<string, Json>[])[0]!.cells = null; }), pointer: '/operations/0/rows/0/cells' },
  { name: 'row cell a number', make: edit((d) => { ((d.operations[0]!.rows as Record<string, Json>[])[0]!.cells as Record<string, Json>).status = 1; }), pointer: '/operations/0/rows/0/cells/status' },
  { name: 'change without "after"', make: edit((d) => { delete (d.operations[0]!.changes as Record<string, Json>[])[0]!.after; }), pointer: '/operations/0/changes/0/after' },
  { name: 'operation role null', make: edit((d) => { const op = d.operations.find((o) => 'role' in o)!; op.role = null; }) },
  { name: 'risk index out of range', make: edit((d) => { d.operations[0]!.risks = [7]; }), pointer: '/operations/0/risks/0' },
  { name: 'risk index negative', make: edit((d) => { d.operations[0]!.risks = [-1]; }), pointer: '/operations/0/risks/0' },
  { name: 'a risk that is an empty object', make: edit((d) => { d.risks = [{}]; }), pointer: '/risks/0/kind' },
  { name: 'verdict without reasons', make: edit((d) => { delete (d.verdict as Record<string, Json>).reasons; }), pointer: '/verdict/reasons' },
  { name: 'verdict status unknown', make: edit((d) => { (d.verdict as Record<string, Json>).status = 'approved'; }), pointer: '/verdict/status' },
  { name: 'verdict reason requiring ok', make: edit((d) => { d.verdict = { status: 'ok', reasons: [{ guard: 'g', requires: 'ok', message: 'm' }] }; }), pointer: '/verdict/reasons/0/requires' },
  { name: 'verdict status not what its reasons make it', make: edit((d) => { d.verdict = { status: 'ok', reasons: [{ guard: 'g', requires: 'blocked', message: 'm' }] }; }), pointer: '/verdict/status' },
  { name: 'verdict edited to blocked', make: edit((d) => { d.verdict = { status: 'blocked', reasons: [{ guard: 'g', requires: 'blocked', message: 'm' }] }; }), pointer: '/planId' },
  { name: 'inputs.asOf not a date', make: edit((d) => { (d.inputs as Record<string, Json>).asOf = 'yesterday'; }), pointer: '/inputs/asOf' },
  { name: 'inputs with an extra key', make: edit((d) => { (d.inputs as Record<string, Json>).extra = 'x'; }), pointer: '/inputs/extra' },
  { name: 'summary count off by one', make: edit((d) => { const s = d.summary as Record<string, Record<string, number>>; const e = Object.keys(s)[0]!; const a = Object.keys(s[e]!)[0]!; s[e]![a]! += 1; }), pointer: '/summary' },
  { name: 'summary count negative', make: edit((d) => { d.summary = { users: { create: -1 } }; }), pointer: '/summary/users/create' },
  { name: 'summary for an unknown entity', make: edit((d) => { d.summary = { groups: { create: 1 } }; }), pointer: '/summary/groups' },
  { name: 'counts with a fraction', make: edit((d) => { (d.counts as Record<string, Record<string, Json>>).users!.desired = 1.5; }), pointer: '/counts/users/desired' },
  { name: 'labels.accounts a number', make: edit((d) => { (d.labels as Record<string, Json>).accounts = 3; }), pointer: '/labels/accounts' },
  { name: 'label a number', make: edit((d) => { ((d.labels as Record<string, Record<string, Json>>).accounts)['sch-x'] = 3; }), pointer: '/labels/accounts/sch-x' },
  { name: 'planId not a digest', make: edit((d) => { d.planId = 'abc'; }), pointer: '/planId' },
  { name: 'fileDigest of another file', make: edit((d) => { d.fileDigest = `sha256:${'0'.repeat(64)}`; }), pointer: '/fileDigest' },
  { name: 'a row edited', make: edit((d) => { ((d.operations[0]!.rows as Record<string, Json>[])[0]!.cells as Record<string, Json>).status = 'deleted'; }), pointer: '/planId' },
  { name: 'a change edited', make: edit((d) => { (d.operations[0]!.changes as Record<string, Json>[])[0]!.after = 'edited'; }), pointer: '/planId' },
  { name: 'a reason text edited', make: edit((d) => { (d.operations[0]!.reason as Record<string, Json>).text = 'edited'; }), pointer: '/planId' },
  { name: 'a label edited', make: edit((d) => { const l = (d.labels as Record<string, Record<string, Json>>).accounts; l[Object.keys(l)[0]!] = 'Edited'; }), pointer: '/planId' },
  { name: 'a source edited', make: edit((d) => { (d.operations[0]!.reason as Record<string, Json>).source = 'users.csv:1'; }), pointer: '/fileDigest' },
  { name: 'a count edited', make: edit((d) => { (d.counts as Record<string, Record<string, Json>>).users!.canvasTotal = 1; }), pointer: '/fileDigest' },
  { name: 'a note added', make: edit((d) => { d.notes = ['all is well']; }), pointer: '/fileDigest' },
  { name: 'an input digest edited', make: edit((d) => { (d.inputs as Record<string, Json>).sis = 'f'.repeat(64); }), pointer: '/fileDigest' },
  { name: 'an operation removed', make: edit((d) => { d.operations.pop(); }) },
  { name: '__proto__ key', make: (p, b) => writeFileSync(p, b.text.replace('{', '{"__proto__": {"planId": 1},')), pointer: '/__proto__' },
  { name: 'duplicate key overriding the verdict', make: (p, b) => writeFileSync(p, b.text.replace(/\n}\n$/, ',\n"verdict": {"status": "blocked", "reasons": []}\n}\n')) },
  { name: 'a directory', make: (p) => mkdirSync(p) },
  { name: 'no such file', make: () => undefined },
  { name: 'a FIFO', make: (p) => { expect(spawnSync('mkfifo', [p]).status).toBe(0); } },
  { name: 'a symbolic link loop', make: (p) => symlinkSync(p, p) },
  { name: 'a dangling symbolic link', make: (p) => symlinkSync(`${p}.nowhere`, p) },
  { name: 'a 600 MB file (sparse)', make: (p) => { writeFileSync(p, '{'); truncateSync(p, 600 * 1024 * 1024); } },
];

function capture(): Output & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', isTTY: false, color: false, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; } };
  return o;
}

interface Tally { cases: number; located: number; fileOnly: number; internal: number }

/** located: names the file and a JSON pointer or line:column; fileOnly: names the file only (no position applies). */
function classify(stderr: string, file: string): keyof Omit<Tally, 'cases'> | 'unclear' {
  if (/internal error/i.test(stderr)) return 'internal';
  if (!stderr.includes(file)) return 'unclear';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`${escaped}:\\d+:\\d+: error`).test(stderr) || /error \[plan\.[a-z-]+\] \(\/[^)]*\)/.test(stderr)) return 'located';
  return 'fileOnly';
}

let canvas: CanvasEmulator;
let dir: string;
let baseText: string;
const tally: Tally = { cases: 0, located: 0, fileOnly: 0, internal: 0 };

async function sisImports(): Promise<unknown[]> {
  const res = await fetch(`${canvas.url}/api/v1/accounts/self/sis_imports`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { sis_imports: unknown[] }).sis_imports;
}

beforeAll(async () => {
  canvas = await startCanvasEmulator({ token: TOKEN, timeZone: 'America/Chicago', snapshot: join(ROOT, 'examples/maple-valley/canvas-snapshot') });
  dir = mkdtempSync(join(tmpdir(), 'rosterops-plan-corpus-'));
  const base = join(dir, 'base.json');
  const out = capture();
  expect(await main(['plan', '--config', POLICIES, '--out', base], out), out.stderr).toBe(0);
  baseText = readFileSync(base, 'utf8');
});

afterAll(async () => {
  await canvas?.close();
  process.stdout.write(`PLAN-FILE-CORPUS ${JSON.stringify(tally)}\n`);
});

describe('malformed plan files through the CLI', () => {
  it('the unbroken plan file is shown (the harness accepts a good file)', async () => {
    const out = capture();
    expect(await main(['show', join(dir, 'base.json')], out), out.stderr).toBe(0);
  });

  it(`${cases.length} malformed plan files: show, comment and apply exit 1 with a located error, write nothing, send nothing`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const previousToken = process.env.CANVAS_TOKEN;
    process.env.CANVAS_TOKEN = TOKEN;
    try {
      for (const [i, c] of cases.entries()) {
        const caseDir = join(dir, `case-${i}`);
        mkdirSync(caseDir);
        const file = join(caseDir, 'plan.json');
        c.make(file, { text: baseText, doc: () => JSON.parse(baseText) as Doc });
        const before = readdirSync(caseDir).sort();
        tally.cases++;
        const kinds: string[] = [];
        for (const argv of [['show', file], ['show', file, '--format', 'markdown'], ['comment', '--plan', file, '--dry-run'], ['apply', '--plan', file, '--config', POLICIES, '--sis', SIS, '--canvas-url', canvas.url]]) {
          const out = capture();
          const code = await main(argv, out);
          const what = `${c.name}: ${argv[0]} → ${out.stderr}`;
          expect(code, what).toBe(1);
          expect(out.stdout, what).toBe('');
          expect(out.stderr, what).toMatch(/error \[plan\.[a-z-]+\]/);
          expect(out.stderr, what).toMatch(/hint: /);
          if (c.pointer) expect(out.stderr, what).toContain(`(${c.pointer})`);
          kinds.push(classify(out.stderr, file));
        }
        expect(new Set(kinds).size, c.name).toBe(1);
        const kind = kinds[0]!;
        expect(kind, c.name).not.toBe('unclear');
        tally[kind as keyof Omit<Tally, 'cases'>]++;
        expect(readdirSync(caseDir).sort(), `${c.name}: a file was written`).toEqual(before);
      }
    } finally {
      if (previousToken === undefined) delete process.env.CANVAS_TOKEN;
      else process.env.CANVAS_TOKEN = previousToken;
    }
    expect(await sisImports()).toEqual([]);
    expect(tally.internal).toBe(0);
    expect(tally.located + tally.fileOnly).toBe(tally.cases);
  }, 120_000);

  it('the real binary: deep nesting, an operation without reason, operations null, a FIFO: exit 1, located, nothing sent', async () => {
    const picks = ['200,000-deep arrays', 'reason without rule', '"operations" null', 'a FIFO', 'verdict without reasons'];
    for (const name of picks) {
      const c = cases.find((x) => x.name === name)!;
      const caseDir = mkdtempSync(join(dir, 'spawned-'));
      const file = join(caseDir, 'plan.json');
      c.make(file, { text: baseText, doc: () => JSON.parse(baseText) as Doc });
      for (const argv of [['show', file], ['apply', '--plan', file, '--config', POLICIES, '--sis', SIS, '--canvas-url', canvas.url]]) {
        const r = await runCliAsync(argv, { env: { CANVAS_TOKEN: TOKEN } });
        expect(r.code, `${name}: ${r.stderr}`).toBe(1);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.stderr).toContain(file);
        if (c.pointer) expect(r.stderr).toContain(`(${c.pointer})`);
      }
      expect(readdirSync(caseDir)).toEqual(['plan.json']);
    }
    expect(await sisImports()).toEqual([]);
  });

  it('show and comment refuse an environment name the comment marker cannot carry: a usage error, not an internal error', async () => {
    for (const argv of [
      ['show', join(dir, 'base.json'), '--format', 'markdown', '--environment', 'bad env'],
      ['show', join(dir, 'base.json'), '--environment', 'prod --> <b>'],
      ['comment', '--plan', join(dir, 'base.json'), '--dry-run', '--environment', 'bad env'],
    ]) {
      const out = capture();
      expect(await main(argv, out), out.stderr).toBe(1);
      expect(out.stderr).toMatch(/--environment/);
      expect(out.stderr).toMatch(/plain name/);
      expect(out.stderr).not.toMatch(/internal error/);
    }
  });
});
