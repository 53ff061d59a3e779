/**
 * `npm run bench`: the scale benchmark of `rosterops plan`.
 *
 * For each scale (default 50,000, 100,000 and 200,000 students) it builds, or reuses from its
 * cache, a generated district: a OneRoster export and the matching Canvas provisioning report
 * (Canvas as a clean sync with policies/ leaves it, then 1% drift). Then, in child processes of
 * this one, each timed from spawn to exit and each reporting its own peak RSS:
 *
 * - plan:  the real CLI, `node dist/engine/cli/main.js plan --sis … --canvas-snapshot … --format json --out … --timings`
 *          (read the SIS export, transform, read the Canvas report, diff, guards, write the plan file);
 * - peer:  csv-parse (`columns: true`) of both enrollments.csv files plus a Map join (test/bench/peer.ts);
 * - floor: udsv, the fastest RFC-4180 parser available, over every file the plan reads (test/bench/floor.ts);
 *
 * and once, renderPlanComment on a 100,000-operation plan (test/bench/render.ts). It prints a
 * table and, as its last line, `BENCH {json}`.
 *
 * Peak RSS: every child is started as `node --import rss-probe.js <script>`; the probe writes
 * process.resourceUsage().maxRSS (getrusage: the kernel's high-water mark, nothing sampled) when
 * the process exits. The measured script is the real entry point, unchanged. Where GNU time exists
 * (/usr/bin/time) the child runs under it too and its %M is shown as a cross-check.
 *
 * Times are the best of --repeat rounds (default 2; each round runs every scale in turn, and at each
 * scale the plan, the peer and the floor one after the other) because the machine may be shared; peak
 * RSS is the worst of them.
 *
 * Flags: --scales 50000,100000,200000  --repeat N  --seed S  --drift PCT  --class-size F
 *        --cache DIR (default node_modules/.cache/rosterops-bench, or $ROSTEROPS_BENCH_CACHE)
 *        --check (exit 1 when a target is missed)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DIST, POLICIES, REPO_ROOT, dataKey, generatorVersion, type DataSpec } from './common.js';

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '50000,100000,200000' },
    repeat: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    drift: { type: 'string', default: '1' },
    'class-size': { type: 'string' },
    cache: { type: 'string' },
    check: { type: 'boolean', default: false },
  },
});

const scales = values.scales.split(',').map((s) => Number(s.trim())).sort((a, b) => a - b);
const repeat = Math.max(1, Number(values.repeat));
const seed = Number(values.seed);
const drift = Number(values.drift);
const classSize = values['class-size'] !== undefined ? Number(values['class-size']) : undefined;
const cacheDir = values.cache ?? process.env.ROSTEROPS_BENCH_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'rosterops-bench');
const TARGETS = { ratioPeer: 0.3, ratioFloor: 2.0, peakRssMB: 1024, scaling: 2.1, renderSeconds: 1 };

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// ---------------------------------------------------------------------------------------------
// Child processes

const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p)) ?? null;
const PROBE = pathToFileURL(join(DIST, 'test', 'bench', 'rss-probe.js')).href;
const scratch = join(cacheDir, 'runs');
let childCount = 0;

interface ChildResult {
  seconds: number;
  rssMB: number;
  /** Peak RSS from GNU time's %M, when available (cross-check of rssMB). */
  timeRssMB: number | null;
  stdout: string;
  stderr: string;
}

async function runChild(script: string, args: string[], nodeFlags: string[] = []): Promise<ChildResult> {
  mkdirSync(scratch, { recursive: true });
  const n = ++childCount;
  const probeFile = join(scratch, `probe-${process.pid}-${n}.json`);
  const timeFile = join(scratch, `time-${process.pid}-${n}.txt`);
  rmSync(probeFile, { force: true });
  const nodeArgs = [...nodeFlags, '--import', PROBE, script, ...args];
  const [command, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const started = performance.now();
  const child = spawn(command, argv, { cwd: REPO_ROOT, env: { ...process.env, ROSTEROPS_BENCH_PROBE: probeFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let ended = 0;
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => { ended = performance.now(); });
    child.on('close', (c) => resolve(c));
  });
  const stdout = Buffer.concat(out).toString('utf8');
  if (code !== 0) {
    throw new Error(`${script} ${args.join(' ')} exited with ${code}\n${Buffer.concat(err).toString('utf8').slice(-4000)}`);
  }
  const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { maxRssKB: number };
  let timeRssMB: number | null = null;
  if (GNU_TIME && existsSync(timeFile)) {
    const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(kb) && kb > 0) timeRssMB = kb / 1024;
  }
  rmSync(probeFile, { force: true });
  rmSync(timeFile, { force: true });
  return { seconds: (ended - started) / 1000, rssMB: probe.maxRssKB / 1024, timeRssMB, stdout, stderr: Buffer.concat(err).toString('utf8') };
}

// ---------------------------------------------------------------------------------------------
// Data sets: generated once per (spec, generator version), reused afterwards.

interface DataSet {
  spec: DataSpec;
  dir: string;
  meta: { counts: Record<string, number>; seconds: { oneroster: number; canvas: number } };
  reused: boolean;
}

async function ensureData(spec: DataSpec, version: string): Promise<DataSet> {
  const dir = join(cacheDir, dataKey(spec, version));
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    return { spec, dir, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as DataSet['meta'], reused: true };
  }
  log(`generating ${spec.students} students (seed ${spec.seed}, drift ${spec.drift}%) into ${dir} …`);
  const args = ['--students', String(spec.students), '--seed', String(spec.seed), '--drift', String(spec.drift), '--out', dir];
  if (spec.classSize !== undefined) args.push('--class-size', String(spec.classSize));
  // The generator keeps the district spec and two Canvas states in memory: give it room.
  const result = await runChild(join(DIST, 'test', 'bench', 'gen-data.js'), args, ['--max-old-space-size=12288']);
  log(`  done in ${result.seconds.toFixed(1)} s`);
  return { spec, dir, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as DataSet['meta'], reused: false };
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Best {
  seconds: number;
  rssMB: number;
  timeRssMB: number | null;
}

function keepBest(best: Best | null, r: ChildResult): Best {
  if (best === null) return { seconds: r.seconds, rssMB: r.rssMB, timeRssMB: r.timeRssMB };
  return {
    seconds: Math.min(best.seconds, r.seconds),
    rssMB: Math.max(best.rssMB, r.rssMB),
    timeRssMB: r.timeRssMB === null ? best.timeRssMB : Math.max(best.timeRssMB ?? 0, r.timeRssMB),
  };
}

interface PlanFacts {
  planId: string;
  operations: number;
  verdict: string;
  summary: Record<string, Record<string, number>>;
}

function readPlanFacts(file: string): PlanFacts {
  const plan = JSON.parse(readFileSync(file, 'utf8')) as { planId: string; operations: unknown[]; verdict: { status: string }; summary: PlanFacts['summary'] };
  return { planId: plan.planId, operations: plan.operations.length, verdict: plan.verdict.status, summary: plan.summary };
}

interface ScaleResult {
  students: number;
  sisEnrollments: number;
  classes: number;
  operations: number;
  planId: string;
  verdict: string;
  plan: Best;
  /** `read SIS 4.10 s, transform 1.62 s, …` of the fastest plan run. */
  phases: string;
  peer: Best;
  floor: Best;
  peerCounts: { create: number; reactivate: number; end: number };
  planFile: string;
}

/** One scale's measurements so far (the best of each, and the plan's facts). */
interface ScaleRuns {
  data: DataSet;
  planFile: string;
  planArgs: string[];
  plan: Best | null;
  peer: Best | null;
  floor: Best | null;
  facts: PlanFacts | null;
  peerCounts: { create: number; reactivate: number; end: number };
  phases: string;
}

function scaleRuns(data: DataSet): ScaleRuns {
  const planFile = join(scratch, `plan-${data.spec.students}.json`);
  const planArgs = ['plan', '--config', POLICIES, '--sis', join(data.dir, 'oneroster'), '--canvas-snapshot', join(data.dir, 'canvas-snapshot'), '--format', 'json', '--out', planFile, '--timings'];
  return { data, planFile, planArgs, plan: null, peer: null, floor: null, facts: null, peerCounts: { create: 0, reactivate: 0, end: 0 }, phases: '' };
}

/** One round at one scale: the plan, the peer and the floor, one after the other. */
async function measureOnce(s: ScaleRuns, round: number): Promise<void> {
  const students = s.data.spec.students;
  rmSync(s.planFile, { force: true });
  const p = await runChild(join(DIST, 'engine', 'cli', 'main.js'), s.planArgs);
  // The phases of the fastest run, as `plan --timings` printed them.
  if (s.plan === null || p.seconds < s.plan.seconds) s.phases = /^timings: (.*)$/m.exec(p.stderr)?.[1] ?? '';
  s.plan = keepBest(s.plan, p);
  const f = readPlanFacts(s.planFile);
  if (s.facts && f.planId !== s.facts.planId) throw new Error(`the plan at ${students} students changed between runs: ${s.facts.planId} then ${f.planId}`);
  s.facts = f;
  const q = await runChild(join(DIST, 'test', 'bench', 'peer.js'), [s.data.dir]);
  s.peer = keepBest(s.peer, q);
  s.peerCounts = JSON.parse(q.stdout) as ScaleRuns['peerCounts'];
  s.floor = keepBest(s.floor, await runChild(join(DIST, 'test', 'bench', 'floor.js'), [s.data.dir]));
  log(`  ${students} run ${round}/${repeat}: plan ${p.seconds.toFixed(2)} s ${p.rssMB.toFixed(0)} MB, peer ${q.seconds.toFixed(2)} s, floor ${s.floor.seconds.toFixed(2)} s (best)`);
}

function resultOf(s: ScaleRuns): ScaleResult {
  const { data, facts } = s;
  return {
    students: data.spec.students, sisEnrollments: data.meta.counts.enrollments ?? 0, classes: data.meta.counts.classes ?? 0,
    operations: facts!.operations, planId: facts!.planId, verdict: facts!.verdict,
    plan: s.plan!, peer: s.peer!, floor: s.floor!, peerCounts: { ...s.peerCounts }, planFile: s.planFile, phases: s.phases,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const thousands = (n: number): string => n.toLocaleString('en-US');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const version = generatorVersion();
  log(`rosterops bench: scales ${scales.join(', ')}, seed ${seed}, drift ${drift}%, class size ${classSize ?? 'default'}, repeat ${repeat}, cache ${cacheDir} (generator ${version})`);
  const sets: DataSet[] = [];
  for (const students of scales) sets.push(await ensureData({ students, seed, drift, classSize }, version));

  // Rounds go through every scale in turn, so the best time at each scale is taken from the same
  // stretches of the run: a shared machine that slows down for a minute then shifts every scale
  // alike, rather than only the one measured in that minute (which skewed the scaling ratio).
  const runs = sets.map(scaleRuns);
  for (let round = 1; round <= repeat; round++) for (const s of runs) await measureOnce(s, round);
  const results = runs.map(resultOf);

  const largest = results[results.length - 1]!;
  const renderOut = await runChild(join(DIST, 'test', 'bench', 'render.js'), [largest.planFile]);
  const render = JSON.parse(renderOut.stdout) as {
    synthetic: { operations: number; firstSeconds: number; warmSeconds: number; parts: number };
    real: { operations: number; firstSeconds: number; warmSeconds: number; parts: number } | null;
  };

  const header = ['students', 'classes', 'SIS enrollments', 'operations', 'plan s', 'plan MB', 'peer s', 'peer MB', 'floor s', 'floor MB', 'plan/peer', 'plan/floor'];
  const rows = results.map((r) => [
    thousands(r.students), thousands(r.classes), thousands(r.sisEnrollments), thousands(r.operations),
    fmt(r.plan.seconds), fmt(r.plan.rssMB, 0), fmt(r.peer.seconds), fmt(r.peer.rssMB, 0), fmt(r.floor.seconds), fmt(r.floor.rssMB, 0),
    fmt(r.plan.seconds / r.peer.seconds, 3), fmt(r.plan.seconds / r.floor.seconds, 3),
  ]);
  const out: string[] = [];
  out.push('');
  out.push(table([header, ...rows]));
  out.push('');
  const previous = results.length > 1 ? results[results.length - 2]! : null;
  const scaling = previous ? largest.plan.seconds / previous.plan.seconds : NaN;
  const renderSeconds = render.synthetic.firstSeconds;
  out.push(`scaling: plan time at ${thousands(largest.students)} / at ${previous ? thousands(previous.students) : '-'} students = ${fmt(scaling, 3)}`);
  out.push(`render: renderPlanComment of ${thousands(render.synthetic.operations)} operations ${fmt(render.synthetic.firstSeconds, 3)} s first call, ${fmt(render.synthetic.warmSeconds, 3)} s warm (${render.synthetic.parts} parts)`
    + (render.real ? `; the ${thousands(largest.students)}-student plan (${thousands(render.real.operations)} operations) ${fmt(render.real.firstSeconds, 3)} s first call` : ''));
  for (const r of results) {
    out.push(`${thousands(r.students)}: ${r.planId.slice(0, 19)}… verdict ${r.verdict}; peer join found ${thousands(r.peerCounts.create)} to create, ${thousands(r.peerCounts.reactivate)} to reactivate, ${thousands(r.peerCounts.end)} to end`
      + (r.plan.timeRssMB !== null ? `; plan peak RSS by GNU time ${fmt(r.plan.timeRssMB, 0)} MB` : ''));
    out.push(`${thousands(r.students)}: plan phases (fastest run): ${r.phases || 'not reported'}`);
  }
  const figures = {
    ratioPeer: largest.plan.seconds / largest.peer.seconds,
    ratioFloor: largest.plan.seconds / largest.floor.seconds,
    peakRssMB: largest.plan.rssMB,
    scaling,
    renderSeconds,
  };
  const verdicts = {
    ratioPeer: figures.ratioPeer <= TARGETS.ratioPeer,
    ratioFloor: figures.ratioFloor <= TARGETS.ratioFloor,
    peakRssMB: figures.peakRssMB <= TARGETS.peakRssMB,
    scaling: figures.scaling <= TARGETS.scaling,
    renderSeconds: figures.renderSeconds < TARGETS.renderSeconds,
  };
  out.push(`targets at ${thousands(largest.students)} students: ` + Object.entries(verdicts).map(([k, ok]) => `${k} ${fmt(figures[k as keyof typeof figures], 3)} ${ok ? 'met' : 'MISSED'} (${k === 'renderSeconds' ? '<' : '≤'} ${TARGETS[k as keyof typeof TARGETS]})`).join(', '));
  const bench = {
    students: largest.students,
    planSeconds: round(largest.plan.seconds, 3),
    peerSeconds: round(largest.peer.seconds, 3),
    floorSeconds: round(largest.floor.seconds, 3),
    ratioPeer: round(figures.ratioPeer, 3),
    ratioFloor: round(figures.ratioFloor, 3),
    peakRssMB: round(figures.peakRssMB, 0),
    scaling: round(scaling, 3),
    renderSeconds: round(renderSeconds, 3),
    renderOperations: render.synthetic.operations,
    renderWarmSeconds: round(render.synthetic.warmSeconds, 3),
    renderRealPlan: render.real ? { operations: render.real.operations, seconds: round(render.real.firstSeconds, 3) } : null,
    targetsMet: verdicts,
    perScale: results.map((r) => ({
      students: r.students, classes: r.classes, sisEnrollments: r.sisEnrollments, operations: r.operations, planId: r.planId,
      planSeconds: round(r.plan.seconds, 3), planRssMB: round(r.plan.rssMB, 0), planRssMBGnuTime: r.plan.timeRssMB === null ? null : round(r.plan.timeRssMB, 0),
      peerSeconds: round(r.peer.seconds, 3), peerRssMB: round(r.peer.rssMB, 0),
      floorSeconds: round(r.floor.seconds, 3), floorRssMB: round(r.floor.rssMB, 0),
      ratioPeer: round(r.plan.seconds / r.peer.seconds, 3), ratioFloor: round(r.plan.seconds / r.floor.seconds, 3),
      planPhases: r.phases,
    })),
    data: { seed, drift, classSize: classSize ?? 'default', generator: version, repeat },
    machine: { cpus: cpus().length, memoryGB: round(totalmem() / 2 ** 30, 1), node: process.version },
  };
  out.push(`BENCH ${JSON.stringify(bench)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (values.check && Object.values(verdicts).some((ok) => !ok)) process.exitCode = 1;
}

await main();
