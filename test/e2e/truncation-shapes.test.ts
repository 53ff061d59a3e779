/**
 * Truncation shapes (issue 12): exports that are cut, emptied or quietly rewritten so that they
 * take access from many people. Through the CLI, against the Canvas emulator seeded from the
 * bundled example: `plan --detailed-exitcode` exits 3 (needs approval or blocked, never 0 or 2)
 * and `sync` applies none of them (the emulator's SIS import list stays empty; sync opens an
 * approval pull request or refuses). Guards count what operations do — a user written
 * `suspended`, an enrollment `completed` — not whether they are labelled `drop`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { GitHubFake, hexSha } from '../support/github-fake.js';
import { ROOT, runCliAsync } from '../support/workspace.js';

const CANVAS_TOKEN = 'emulator-token-truncation-7f3e';
const GITHUB_TOKEN = 'ghs_fake_token_0123456789';
const REPO = 'district/rosters';
const EXAMPLE = join(ROOT, 'examples/maple-valley');

type Table = Record<string, string>[];
type Export = Record<string, Table>;

const FILES = ['academicSessions', 'classes', 'courses', 'enrollments', 'orgs', 'users'] as const;

function readExport(): { tables: Export; headers: Record<string, string[]> } {
  const tables: Export = {};
  const headers: Record<string, string[]> = {};
  for (const f of FILES) {
    const text = readFileSync(join(EXAMPLE, 'oneroster', `${f}.csv`), 'utf8');
    headers[f] = (parse(text, { to_line: 1 }) as string[][])[0]!;
    tables[f] = parse(text, { columns: true, skip_empty_lines: true }) as Table;
  }
  return { tables, headers };
}

const { tables: EXAMPLE_EXPORT, headers: HEADERS } = readExport();

/** The example export with some tables replaced. */
function variant(change: (t: Export) => Partial<Export>): Export {
  const copy: Export = {};
  for (const [k, rows] of Object.entries(EXAMPLE_EXPORT)) copy[k] = rows.map((r) => ({ ...r }));
  return { ...copy, ...change(copy) } as Export;
}

const keepShare = (share: number) => (t: Export) => {
  const users = t.users!.slice(0, Math.round(t.users!.length * share));
  const kept = new Set(users.map((u) => u.sourcedId));
  return { users, enrollments: t.enrollments!.filter((e) => kept.has(e.userSourcedId!)) };
};

const SHAPES: [string, (t: Export) => Partial<Export>][] = [
  ['10% of users', keepShare(0.1)],
  ['50% of users', keepShare(0.5)],
  ['90% of users', keepShare(0.9)],
  ['one school only', (t) => {
    const school = 'sch-e1';
    const users = t.users!.filter((u) => u.orgSourcedIds!.split(',').includes(school)).map((u) => ({ ...u, orgSourcedIds: school }));
    return {
      orgs: t.orgs!.filter((o) => o.type === 'district' || o.sourcedId === school),
      courses: t.courses!.filter((c) => c.orgSourcedId === school),
      classes: t.classes!.filter((c) => c.schoolSourcedId === school),
      users,
      enrollments: t.enrollments!.filter((e) => e.schoolSourcedId === school),
    };
  }],
  ['one term only', (t) => {
    const term = 'sem-2026-1';
    const classes = t.classes!.filter((c) => c.termSourcedIds!.split(',').includes(term));
    const kept = new Set(classes.map((c) => c.sourcedId));
    return { classes, enrollments: t.enrollments!.filter((e) => kept.has(e.classSourcedId!)) };
  }],
  ['all teachers removed', (t) => ({
    users: t.users!.filter((u) => u.role !== 'teacher'),
    enrollments: t.enrollments!.filter((e) => e.role !== 'teacher'),
  })],
  ['all users disabled', (t) => ({ users: t.users!.map((u) => ({ ...u, enabledUser: 'false' })) })],
  ['half the students disabled', (t) => ({ users: t.users!.map((u, i) => (u.role === 'student' && i % 2 === 0 ? { ...u, enabledUser: 'false' } : u)) })],
  ['all enrollment end dates past', (t) => ({ enrollments: t.enrollments!.map((e) => ({ ...e, endDate: '2025-09-01' })) })],
  ['empty files (header only)', () => Object.fromEntries(FILES.map((f) => [f, []]))],
];

let canvas: CanvasEmulator;
let github: GitHubFake;
let dir: string;

function env(): Record<string, string> {
  return { CANVAS_TOKEN, GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO, GITHUB_SHA: hexSha(12) };
}

function writeExport(name: string, data: Export): string {
  const out = join(dir, 'exports', name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(out, { recursive: true });
  cpSync(join(EXAMPLE, 'oneroster', 'manifest.csv'), join(out, 'manifest.csv'));
  for (const f of FILES) writeFileSync(join(out, `${f}.csv`), stringify(data[f]!, { header: true, columns: HEADERS[f]! }));
  return out;
}

const sisImports = () => canvas.dump().emulator.sisImports.length;
let approvalPulls = 0;

beforeAll(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago', snapshot: join(EXAMPLE, 'canvas-snapshot') });
  github = await GitHubFake.start();
  dir = mkdtempSync(join(tmpdir(), 'rosterops-truncation-'));
  // A repository holding the example's policies, reading the export from a path the cases replace.
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  const main = readFileSync(join(dir, 'policies/rosterops.yaml'), 'utf8')
    .replace('../examples/maple-valley/oneroster', '../exports/current')
    .replace(/^\s*snapshot: .*$/m, '')
    .replace(/url: .*$/m, `url: ${canvas.url}`);
  writeFileSync(join(dir, 'policies/rosterops.yaml'), `${main}apply: { pollIntervalSeconds: 0.05 }\n`);
  const origin = join(dir, 'origin.git');
  await simpleGit().init(true, [origin]);
  const git = simpleGit(dir);
  await git.init(['-b', 'main']);
  await git.addConfig('user.email', 'admin@district.example').addConfig('user.name', 'District Admin');
  await git.add(['policies']).commit('policies');
  await git.addRemote('origin', origin).push('origin', 'main');
}, 60_000);

afterAll(async () => {
  await canvas?.close();
  await github?.close();
});

describe('truncation shapes: never ok, never applied by sync', () => {
  it('the untouched example plans within guards (the guards are not simply always tripping)', async () => {
    const sis = writeExport('untouched', variant(() => ({})));
    const r = await runCliAsync(['plan', '--config', join(dir, 'policies'), '--sis', sis, '--canvas-url', canvas.url, '--detailed-exitcode'], { env: env(), cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(2);
  }, 60_000);

  it.each(SHAPES)('%s', async (name, change) => {
    const sis = writeExport(name, variant(change));
    const plan = await runCliAsync(['plan', '--config', join(dir, 'policies'), '--sis', sis, '--canvas-url', canvas.url, '--detailed-exitcode'], { env: env(), cwd: dir });
    expect(plan.code, plan.stderr + plan.stdout).toBe(3);
    expect(plan.stdout).toMatch(/Verdict: (NEEDS-APPROVAL|BLOCKED)/);

    const sync = await runCliAsync(['sync', '--config', join(dir, 'policies'), '--sis', sis, '--canvas-url', canvas.url, '--environment', 'production', '--base', 'main'], { env: env(), cwd: dir });
    expect(sync.code, sync.stderr + sync.stdout).toBe(3);
    expect(sisImports()).toBe(0);
    // Held for approval (a pull request with the approval record) or refused outright when blocked.
    const verdict = /Verdict: (NEEDS-APPROVAL|BLOCKED)/.exec(plan.stdout)![1];
    const prs = github.state.pulls.filter((p) => p.head.ref.startsWith('rosterops/approve-')).length;
    if (verdict === 'NEEDS-APPROVAL') expect(prs).toBeGreaterThan(approvalPulls);
    approvalPulls = prs;
  }, 120_000);
});
