#!/usr/bin/env node
/**
 * `node dist/engine/gen/cli.js --students N [--seed S] [--name NAME] [--school-year Y] --out DIR`
 * writes a synthetic OneRoster 1.1 export to DIR/oneroster/.
 *
 * The library entry point is generateOneRosterExport; the command only parses flags and prints.
 */
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SCHOOL_YEAR, generateDistrict, type DistrictSpec } from './district.js';
import { writeOneRoster } from './write.js';
import { writeProvisioningDir } from '../canvas/report-files.js';
import { loadPolicies } from '../policy/load.js';
import { todayIn } from '../pipeline.js';
import { exampleStory, syncedCanvasState } from './canvas-state.js';
import { applyDrift } from './drift.js';
import { toSisSnapshot } from './snapshot.js';

export interface GenerateExportOptions {
  students: number;
  seed?: number;
  name?: string;
  schoolYear?: number;
  /** Section size multiplier, see GenerateOptions.classSize. */
  classSize?: number;
  /** Output root; the export goes to `<out>/oneroster/`. */
  out: string;
  demographics?: boolean;
}

export interface GeneratedExport {
  /** The directory holding the CSV files (`<out>/oneroster`). */
  dir: string;
  counts: Record<string, number>;
  /** The generated district, for callers that derive more from it (a Canvas snapshot). */
  spec: DistrictSpec;
  /** Milliseconds spent generating and writing. */
  timings: { generateMs: number; writeMs: number };
}

export async function generateOneRosterExport(opts: GenerateExportOptions): Promise<GeneratedExport> {
  const started = performance.now();
  const spec = generateDistrict({
    students: opts.students,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.schoolYear !== undefined ? { schoolYear: opts.schoolYear } : {}),
    ...(opts.classSize !== undefined ? { classSize: opts.classSize } : {}),
  });
  const generated = performance.now();
  const dir = join(opts.out, 'oneroster');
  await writeOneRoster(spec, dir, { demographics: opts.demographics ?? true });
  const written = performance.now();
  return { dir, counts: spec.counts, spec, timings: { generateMs: generated - started, writeMs: written - generated } };
}

/** Canvas as the policies' sync leaves it, plus drift; written as a provisioning report directory. */
export async function writeCanvasSnapshot(
  spec: DistrictSpec, out: string, options: { policies: string; drift: number; example: boolean; seed: number },
): Promise<string> {
  const { config } = await loadPolicies(options.policies);
  const asOf = config.asOf ?? todayIn(config.timezone);
  let state = syncedCanvasState(toSisSnapshot(spec), config, asOf);
  const lines: string[] = [];
  if (options.example) {
    const story = exampleStory(state);
    state = story.state;
    for (const c of story.changes) lines.push(`  ${c.kind}: ${c.summary}`);
  }
  if (options.drift > 0) {
    const report = applyDrift(state, { pct: options.drift, seed: options.seed });
    state = report.state;
    for (const c of report.changes) lines.push(`  ${c.kind}: ${c.summary}`);
  }
  const dir = join(out, 'canvas-snapshot');
  await writeProvisioningDir(state, dir, { timeZone: config.timezone });
  return `Canvas snapshot written to ${dir}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('rosterops-gen')
    .description('Write a deterministic synthetic OneRoster 1.1 district export')
    .requiredOption('--students <n>', 'number of students', positiveInt('--students'))
    .requiredOption('--out <dir>', 'output directory (the export goes to <dir>/oneroster/)')
    .option('--seed <n>', 'random seed (same seed, same bytes)', nonNegativeInt, 1)
    .option('--name <name>', 'district name')
    .option('--school-year <year>', 'calendar year in which the school year ends', positiveInt('--school-year'), DEFAULT_SCHOOL_YEAR)
    .option('--class-size <factor>', 'multiply section size limits (fewer, larger classes)', positiveNumber)
    .option('--no-demographics', 'leave demographics.csv out')
    .option('--canvas', 'also write <dir>/canvas-snapshot/: Canvas as a clean sync with --policies leaves it')
    .option('--policies <dir>', 'policies whose formulas build the Canvas snapshot', 'policies')
    .option('--drift <pct>', 'with --canvas: drift that percent of users and enrollments', Number, 0)
    .option('--example', 'with --canvas: the bundled example\'s story of drift (see examples/README)')
    .action(async (o: { students: number; out: string; seed: number; name?: string; schoolYear: number; classSize?: number; demographics: boolean; canvas?: boolean; policies: string; drift: number; example?: boolean }) => {
      const result = await generateOneRosterExport({
        students: o.students, out: resolve(o.out), seed: o.seed, schoolYear: o.schoolYear, demographics: o.demographics,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.classSize !== undefined ? { classSize: o.classSize } : {}),
      });
      if (o.canvas) {
        const summary = await writeCanvasSnapshot(result.spec, resolve(o.out), { policies: resolve(o.policies), drift: o.drift, example: o.example ?? false, seed: o.seed });
        process.stdout.write(summary);
      }
      const width = Math.max(...Object.keys(result.counts).map((k) => k.length));
      process.stdout.write(`OneRoster 1.1 export written to ${result.dir}\n`);
      for (const [k, v] of Object.entries(result.counts)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
      process.stdout.write(`  generated in ${Math.round(result.timings.generateMs)} ms, written in ${Math.round(result.timings.writeMs)} ms\n`);
    });
  return program;
}

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`rosterops-gen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
