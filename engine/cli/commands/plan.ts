/** `rosterops plan` and `rosterops show`. */
import { resolve } from 'node:path';
import { ConfigError, ExitCode } from '../../errors.js';
import type { Plan, PlanSourceNames } from '../../model/plan.js';
import { runPlanPipeline, type PhaseTimings, type Sources } from '../../pipeline.js';
import { readPlanFile, serialisePlan, writePlanFile } from '../../plan/plan-file.js';
import { loadPolicies } from '../../policy/load.js';
import type { Config } from '../../policy/types.js';
import { startBackgroundParse, type BackgroundReading } from '../../readers/background-parse.js';
import { readCanvasReport } from '../../readers/canvas-report.js';
import { readOneRoster } from '../../readers/oneroster.js';
import type { SisSnapshot } from '../../model/oneroster.js';
import { openSisSource, sisSourceLabel, type SisSourceFlags } from '../../sources/sis-source.js';
import { connectCanvas } from '../../canvas/live.js';
import { isValidEnvironment } from '../../render/comment-marker.js';
import { renderPlanComment } from '../../render/markdown.js';
import { renderText } from '../../render/text.js';
import type { InputLimits } from '../../util/limits.js';
import { canvasSourceFor, describeCanvasSource, type CanvasSource } from '../canvas-source.js';
import { printWarnings, type Output } from '../output.js';
import { shownPath } from '../shown-location.js';

export interface SourceFlags {
  config: string;
  sis?: string;
  canvasSnapshot?: string;
  /** Read Canvas live from this URL (overrides sources.canvas.url and the snapshot). */
  canvasUrl?: string;
}

export interface PlanFlags extends SourceFlags {
  format: 'text' | 'json';
  out?: string;
  detailedExitcode?: boolean;
  asOf?: string;
  limit: number;
  showPersonalData?: boolean;
  verbose?: boolean;
  timings?: boolean;
}

/**
 * How plan, apply and sync read the SIS (engine/sources/sis-source.ts): `--sis PATH` over any
 * kind the policy names. An export fetched at run time (REST, SFTP, download) is fetched once per
 * command, however often the command asks for it, so a plan and apply's re-plans see one export.
 */
export function sisReader(config: Config, flags: SourceFlags, options: Omit<SisSourceFlags, 'sis'> = {}): Sources['readSis'] {
  if (readsLocalExport(config, flags)) {
    const sisPath = sisPathOf(config, flags);
    return () => readOneRoster(sisPath, limitsOf(config));
  }
  const source = openSisSource(config, options);
  let fetched: Promise<SisSnapshot> | null = null;
  return () => (fetched ??= source.read().finally(() => source.close()));
}

function readsLocalExport(config: Config, flags: SourceFlags): boolean {
  return flags.sis !== undefined || (config.sources.sis.kind ?? 'path') === 'path';
}

/** The caps of `limits:` (util/limits.ts), as reader options. */
function limitsOf(config: Config): { limits?: InputLimits } {
  return config.limits ? { limits: config.limits } : {};
}

function sisPathOf(config: Config, flags: SourceFlags): string {
  return flags.sis ? resolve(flags.sis) : config.sources.sis.path;
}

/**
 * The sources of a plan, and how its header names them (`inputs.sources`). Where Canvas is read
 * from follows the one rule of canvas-source.ts: --canvas-snapshot, --canvas-url, the policy's
 * snapshot, the policy's URL.
 */
export interface PlanningSources extends Sources {
  /** Call after the plan: the SIS line counts the users read. */
  names(): PlanSourceNames;
}

export function planSources(config: Config, flags: SourceFlags, output: Output): PlanningSources {
  const source = canvasSourceFor('plan', config, flags);
  if (source.kind === 'snapshot') return fileSources(config, flags, source.path);
  const canvas = connectCanvas(config, { url: source.url, log: (l) => output.err(`${l}\n`), onProgress: progressPrinter(output) });
  return describedSources(config, flags, source, { readSis: sisReader(config, flags), readCanvas: () => canvas.readState() });
}

/** The SIS side as the plan header names it, before the user count: a fetched export (REST, SFTP, download) as engine/sources/sis-source.ts names it, else the CSV path. */
export function sisSourceName(config: Config, flags: SourceFlags): string {
  return (readsLocalExport(config, flags) ? null : sisSourceLabel(config)) ?? `OneRoster CSV ${shownPath(sisPathOf(config, flags))}`;
}

/** Wraps the SIS reader to count the users it read, for the header line `SIS: … (760 users)`. */
export function describedSources(config: Config, flags: SourceFlags, canvas: CanvasSource, sources: Sources): PlanningSources {
  let users: number | null = null;
  const readSis = sources.readSis;
  return {
    ...sources,
    readSis: async () => {
      const sis = await readSis();
      users = sis.users.length;
      return sis;
    },
    names: () => ({ sis: withCount(sisSourceName(config, flags), users), canvas: describeCanvasSource(canvas) }),
  };
}

function withCount(name: string, users: number | null): string {
  return users === null ? name : `${name} (${users} ${users === 1 ? 'user' : 'users'})`;
}

/** The plan with its header's source lines: outside the planId, inside the file digest. */
export function withSourceNames(plan: Plan, names: PlanSourceNames): Plan {
  return { ...plan, inputs: { ...plan.inputs, sources: names } };
}

/** On a terminal one line that updates in place; in CI a line per change of state. */
export function progressPrinter(output: Output): (text: string) => void {
  let last = '';
  return (text) => {
    if (output.isTTY) {
      output.err(`\r${text.padEnd(last.length)}`);
      last = text;
      return;
    }
    const state = text.replace(/\s\d+%$/, '');
    if (state !== last) output.err(`${text}\n`);
    last = state;
  };
}

/** Offline sources: the SIS export and a Canvas provisioning report on disk (`snapshot`: the policy's unless given). */
export function fileSources(config: Config, flags: SourceFlags, snapshot?: string): PlanningSources {
  const path = snapshot ?? (flags.canvasSnapshot ? resolve(flags.canvasSnapshot) : config.sources.canvas.snapshot);
  if (!path) {
    throw new ConfigError(
      'sources.canvas.snapshot-missing', 'no Canvas snapshot to plan against', { file: config.files[0], field: 'sources.canvas.snapshot' },
      'Set sources.canvas.snapshot to a provisioning report directory or zip, or pass --canvas-snapshot PATH.',
    );
  }
  const local = readsLocalExport(config, flags);
  // Only an export on disk is parsed in the background; a fetched one is read when its turn comes.
  const sisPath = local ? sisPathOf(config, flags) : '';
  const fetched = local ? null : sisReader(config, flags);
  let background: BackgroundReading | null = null;
  return describedSources(config, flags, { kind: 'snapshot', path }, {
    readSis: () => (fetched ? fetched() : readOneRoster(sisPath, { ...background?.sis, ...limitsOf(config) })),
    startBackground: () => {
      const started = (background = startBackgroundParse(sisPath, path, config.limits));
      return () => started.stop();
    },
    readCanvas: () => (background ? background.readCanvas() : readCanvasReport(path, config.limits)),
  });
}

export async function loadConfig(output: Output, dir: string, verbose = false): Promise<Config> {
  const { config, warnings } = await loadPolicies(resolve(dir));
  printWarnings(output, warnings, verbose);
  return config;
}

/** `timings: read SIS 4.10 s, transform 1.62 s, ...`: one line, stable for scripts (the benchmark parses it). */
export function timingsLine(t: PhaseTimings, write: number): string {
  const parts: [string, number][] = [['read SIS', t.readSis], ['transform', t.transform], ['read Canvas', t.readCanvas], ['diff', t.diff], ['write', write]];
  return `timings: ${parts.map(([name, s]) => `${name} ${s.toFixed(2)} s`).join(', ')}`;
}

/** Terraform's -detailed-exitcode: 0 nothing to do, 2 changes within guards, 3 changes needing approval or blocked. */
export function detailedExitCode(plan: Plan): number {
  if (plan.operations.length === 0) return ExitCode.ok;
  return plan.verdict.status === 'ok' ? ExitCode.changes : ExitCode.needsApproval;
}

export function renderPlan(output: Output, plan: Plan, flags: { format: 'text' | 'json'; limit: number; showPersonalData?: boolean }, config?: Config): string {
  if (flags.format === 'json') return serialisePlan(plan);
  const showPersonalData = flags.showPersonalData ?? (output.isTTY || config?.showPersonalData === true);
  return renderText(plan, { color: output.color, showPersonalData, limit: flags.limit });
}

export async function planCommand(output: Output, flags: PlanFlags): Promise<number> {
  const config = await loadConfig(output, flags.config, flags.verbose);
  const sources = planSources(config, flags, output);
  const run = await runPlanPipeline(config, sources, flags.asOf ?? null);
  const { warnings, timings } = run;
  const plan = withSourceNames(run.plan, sources.names());
  printWarnings(output, warnings, flags.verbose ?? false);
  const writing = performance.now();
  if (flags.out) await writePlanFile(resolve(flags.out), plan);
  if (flags.timings) output.err(`${timingsLine(timings, (performance.now() - writing) / 1000)}\n`);
  // With --out, stdout gets the human summary; the file gets the JSON.
  output.out(renderPlan(output, plan, flags.out ? { ...flags, format: 'text' } : flags, config));
  if (flags.out) output.err(`plan written to ${flags.out}\n`);
  return flags.detailedExitcode ? detailedExitCode(plan) : ExitCode.ok;
}

export async function showCommand(
  output: Output, file: string, flags: { format: 'text' | 'json' | 'markdown'; limit: number; showPersonalData?: boolean; environment: string },
): Promise<number> {
  if (!isValidEnvironment(flags.environment)) {
    throw new ConfigError('show.environment-invalid', `environment ${JSON.stringify(flags.environment)} is not a plain name`, {}, 'Use letters, digits, `_`, `.` and `-`, e.g. --environment production.');
  }
  const plan = await readPlanFile(resolve(file));
  if (flags.format === 'markdown') {
    // The pull-request comment as it would be posted (masked unless asked), parts separated by a rule.
    const parts = renderPlanComment(plan, { environment: flags.environment, showPersonalData: flags.showPersonalData ?? false });
    output.out(parts.join('\n\n---\n\n') + '\n');
    return ExitCode.ok;
  }
  output.out(renderPlan(output, plan, { ...flags, format: flags.format }));
  return ExitCode.ok;
}
