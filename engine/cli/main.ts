#!/usr/bin/env node
/**
 * The rosterops command line. Thin: it parses flags, calls a command, and is the only place that
 * turns errors into exit codes (README "Exit codes").
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { activeApply, ApplyExit, ApplyIncompleteError, sentReport } from '../apply/apply-state.js';
import { ConfigError, ExitCode, formatDiagnostic, InternalError, RosteropsError } from '../errors.js';
import { isValidEnvironment } from '../render/comment-marker.js';
import { CANVAS_URL_HINT, canvasUrlProblem, shownCanvasUrl } from '../util/canvas-url.js';
import { registerSecret } from '../util/redact.js';
// Commands that talk to GitHub, git or a Canvas emulator are loaded when used: `plan` and
// `validate` (the commands run most, on every pull request) do not pay for octokit and simple-git.
import type { ApplyFlags } from './commands/apply.js';
import type { CommentFlags } from './commands/comment.js';
import type { EmulatorFlags } from './commands/emulator.js';
import type { PullFlags } from './commands/pull.js';
import type { OneRosterServerFlags } from './commands/oneroster-server.js';
import type { SyncFlags } from './commands/sync.js';
import { planCommand, showCommand } from './commands/plan.js';
import { schemaCommand, validateCommand } from './commands/policy.js';
import { processOutput, type Output } from './output.js';
import { forgetSideEffects, sideEffectsSoFar } from '../util/side-effects.js';

const VERSION = '0.1.0';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return value;
}

/** Environment names go into comment markers and check names (render/comment-marker.ts): refused here, as a usage error. */
function environmentName(value: string): string {
  if (!isValidEnvironment(value)) throw new InvalidArgumentError('expected a plain name of letters, digits, `_`, `.` and `-` (at most 63), e.g. production');
  return value;
}

/**
 * --canvas-url: refused at once when it cannot be a Canvas root URL (no request, no retry). A
 * ConfigError rather than commander's InvalidArgumentError, whose message repeats the value, which
 * may carry a password.
 */
function canvasUrl(value: string): string {
  const problem = canvasUrlProblem(value);
  if (problem !== null) throw new ConfigError('cli.invalid-canvas-url', `--canvas-url ${shownCanvasUrl(value)} cannot be a Canvas URL: ${problem}`, { field: '--canvas-url' }, CANVAS_URL_HINT);
  return value;
}

const formatOption = (formats = ['text', 'json']) => new Option('--format <format>', 'output format').choices(formats).default('text');

export function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = new Command('rosterops')
    .description('Roster sync as code for Canvas LMS: plan, review and apply SIS imports from a OneRoster export.')
    .version(VERSION)
    // Program options only before the command: `oneroster-server --version 1.2` names a OneRoster version.
    .enablePositionalOptions()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => output.out(s), writeErr: (s) => output.err(s) })
    .exitOverride();
  const run = (fn: () => Promise<number> | number) => async () => setExitCode(await fn());

  program.command('plan')
    .description('plan the changes that would bring Canvas in line with the SIS and the policies')
    .option('--config <dir>', 'policy directory', 'policies')
    .option('--sis <path>', 'OneRoster CSV export on disk (directory or .zip), instead of the source sources.sis names (path, rest, sftp or download)')
    .option('--canvas-snapshot <path>', 'Canvas provisioning report (directory or .zip), overriding sources.canvas.snapshot')
    .option('--canvas-url <url>', 'read Canvas live from this URL (token from sources.canvas.tokenEnv, default CANVAS_TOKEN)', canvasUrl)
    .addOption(formatOption())
    .option('--out <file>', 'write the plan file (JSON) here')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 for changes within guards, 3 for changes that need approval or are blocked')
    .option('--as-of <date>', 'judge enrollment end dates as of this day (default: today in the policy timezone)', isoDate)
    .option('--limit <n>', 'operations listed per entity and action', positiveInt, 50)
    .option('--show-personal-data', 'show names and e-mails (default: only on a terminal)')
    .option('--verbose', 'print every warning')
    .option('--timings', 'print where the time went (read SIS, transform, read Canvas, diff, write) to stderr')
    .action((opts: Parameters<typeof planCommand>[1]) => run(() => planCommand(output, opts))());

  program.command('apply')
    .description('apply a saved plan to Canvas as one SIS import, then prove convergence')
    .requiredOption('--plan <file>', 'plan file written by `plan --out`')
    .option('--config <dir>', 'policy directory', 'policies')
    .option('--sis <path>', 'OneRoster CSV export on disk, instead of the source sources.sis names')
    .option('--canvas-url <url>', 'Canvas URL, overriding sources.canvas.url', canvasUrl)
    .option('--allow-needs-approval', 'apply a plan whose verdict is needs-approval (logged in the apply record)')
    .option('--github', 'accept approving reviews on GitHub bound to the planId (pull requests of --sha / GITHUB_SHA, or --pr)')
    .option('--pr <number>', 'pull request whose reviews approve the plan', positiveInt)
    .option('--sha <commit>', 'commit whose pull requests are searched for approvals (default: GITHUB_SHA)')
    .option('--environment <name>', 'environment of the plan comment and approval records', environmentName, 'production')
    .option('--record <file>', 'where to write the apply record (default: apply-record.json beside the plan)')
    .option('--verbose', 'print every warning')
    .action((opts: ApplyFlags) => run(async () => {
      stopOnSignals(output);
      return (await import('./commands/apply.js')).applyCommand(output, opts);
    })());

  program.command('pull')
    .description('fetch the SIS export (sources.sis) and write it as a OneRoster CSV bulk set, printing the rows per file')
    .requiredOption('--out <dir>', 'new or empty folder to write the CSV files into (refused inside a git work tree)')
    .option('--force', 'write into a folder inside a git work tree all the same')
    .option('--config <dir>', 'policy directory', 'policies')
    .option('--verbose', 'print every warning')
    .action((opts: PullFlags) => run(async () => (await import('./commands/pull.js')).pullCommand(output, opts))());

  program.command('canvas-emulator')
    .description('run a local Canvas (SIS imports, provisioning reports, admin endpoints) on 127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', positiveInt, 0)
    .option('--token <token>', 'the access token it accepts (default: $CANVAS_TOKEN)')
    .option('--snapshot <path>', 'seed from a provisioning report directory or zip')
    .option('--faults <spec>', 'inject faults, e.g. "5xx:reports-status:1,drop:sis-imports-create:1"')
    .option('--time-zone <zone>', "the root account's time zone", 'UTC')
    .option('--processing-delay <ms>', 'delay between processing steps of imports and reports', positiveInt, 0)
    .action((opts: EmulatorFlags) => run(async () => (await import('./commands/emulator.js')).emulatorCommand(output, opts))());

  program.command('oneroster-server')
    .description('serve a OneRoster CSV export over the OneRoster REST binding (1.1 or 1.2) on 127.0.0.1')
    .requiredOption('--data <path>', 'the OneRoster export: a folder of CSV files or a .zip')
    .option('--port <n>', 'port (0 picks a free one)', positiveInt, 0)
    .option('--version <v>', 'binding served: 1.1 (/ims/oneroster/v1p1) or 1.2 (/ims/oneroster/rostering/v1p2); default from manifest.csv')
    .option('--oauth1 <key:secret>', 'require OAuth 1.0a signatures (HMAC-SHA256 or HMAC-SHA1) with this consumer key and secret')
    .option('--oauth2 <id:secret>', 'require OAuth 2 bearer tokens from POST /oauth/token (client credentials) for this client')
    .option('--token-lifetime <seconds>', 'OAuth 2 token lifetime (expires_in)', positiveInt, 3600)
    .option('--max-limit <n>', 'largest page served; a larger limit is served this many records', positiveInt, 1000)
    .option('--faults <spec>', 'inject faults, e.g. "429:users:2:3,cut:enrollments:1" (grammar: engine/oneroster-server/faults.ts)')
    .action((opts: OneRosterServerFlags) => run(async () => (await import('./commands/oneroster-server.js')).oneRosterServerCommand(output, opts))());

  program.command('sync')
    .description('nightly: plan against live Canvas; apply within guards, else open an approval pull request')
    .option('--config <dir>', 'policy directory', 'policies')
    .option('--sis <path>', 'OneRoster CSV export on disk, instead of the source sources.sis names')
    .option('--canvas-url <url>', 'Canvas URL, overriding sources.canvas.url', canvasUrl)
    .option('--environment <name>', 'environment (approval records and comments are per environment)', environmentName, 'production')
    .option('--base <branch>', 'branch the approval pull request targets', 'main')
    .option('--remote <name>', 'git remote the approval branch is pushed to', 'origin')
    .option('--record <file>', 'where to write the apply record', 'apply-record.json')
    .option('--verbose', 'print every warning')
    .action((opts: SyncFlags) => run(async () => {
      stopOnSignals(output);
      return (await import('./commands/sync.js')).syncCommand(output, opts);
    })());

  program.command('comment')
    .description('post the plan on its pull request: one sticky comment (split if large), a check run, the job summary')
    .requiredOption('--plan <file>', 'plan file written by `plan --out`')
    .option('--environment <name>', 'environment the plan is for; each has its own sticky comment and check run', environmentName, 'production')
    .option('--pr <number>', 'pull request number (default: from GITHUB_EVENT_PATH)', positiveInt)
    .option('--repository <owner/name>', 'repository (default: GITHUB_REPOSITORY)')
    .option('--sha <commit>', 'commit for the check run (default: the pull request head, else GITHUB_SHA)')
    .option('--show-personal-data', 'show names and e-mails in the comment (default: masked; policy showPersonalData)')
    .option('--config <dir>', 'policy directory whose showPersonalData switch applies', 'policies')
    .option('--dry-run', 'print the comment and what would be posted; write nothing')
    .option('--author <login>', 'the account rosterops posts as, e.g. github-actions[bot] (default: ROSTEROPS_COMMENT_AUTHOR, else asked of GitHub)')
    .action((opts: CommentFlags) => run(async () => (await import('./commands/comment.js')).commentCommand(output, opts))());

  program.command('show')
    .description('render a saved plan file')
    .argument('<plan>', 'plan file written by `plan --out`')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--environment <name>', 'environment named in the Markdown comment', environmentName, 'production')
    .option('--limit <n>', 'operations listed per entity and action', positiveInt, 50)
    .option('--show-personal-data', 'show names and e-mails')
    .action((file: string, opts: Parameters<typeof showCommand>[2]) => run(() => showCommand(output, file, opts))());

  program.command('validate')
    .description('check the policy files (exit 0 valid, 1 invalid)')
    .option('--config <dir>', 'policy directory', 'policies')
    .action((opts: { config: string }) => run(() => validateCommand(output, opts))());

  program.command('schema')
    .description('print the JSON Schema of the policy files')
    .action(() => run(() => schemaCommand(output))());

  return program;
}

export async function main(argv: string[], output: Output = processOutput()): Promise<number> {
  forgetSideEffects();
  for (const name of ['CANVAS_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN']) registerSecret(process.env[name]);
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(output, (code) => { exitCode = code; });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    return reportError(output, err);
  }
  return exitCode;
}

function reportError(output: Output, err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.error;
  }
  if (err instanceof ApplyIncompleteError) {
    printDiagnostics(output, err);
    const cause = err.cause;
    if (cause instanceof InternalError || !(cause instanceof RosteropsError)) {
      output.err('internal error: this is a bug in rosterops; set ROSTEROPS_DEBUG=1 for the stack trace and report it.\n');
      if (process.env.ROSTEROPS_DEBUG) output.err(`${(cause as Error)?.stack ?? ''}\n`);
    }
    for (const line of sentReport(err.sent, err.recordPath)) output.err(`${line}\n`);
    return err.exitCode;
  }
  if (err instanceof InternalError) return reportBug(output, err);
  if (err instanceof RosteropsError) {
    printDiagnostics(output, err);
    // True only while this process has sent nothing to Canvas: an apply that did is an ApplyIncompleteError.
    const elsewhere = sideEffectsSoFar();
    if (activeApply()?.sentAnything()) output.err('see the apply record for what was sent to Canvas\n');
    else if (elsewhere.length > 0) output.err(`nothing was sent to Canvas; done before the error: ${elsewhere.join('; ')}\n`);
    else output.err('nothing was written or applied\n');
    return err.exitCode;
  }
  return reportBug(output, err);
}

function printDiagnostics(output: Output, err: RosteropsError): void {
  for (const d of err.diagnostics.slice(0, 50)) output.err(formatDiagnostic(d) + '\n');
  if (err.diagnostics.length > 50) output.err(`… and ${err.diagnostics.length - 50} more\n`);
}

/**
 * SIGINT / SIGTERM during apply or sync: once an upload has left, the journal and the apply record
 * are written with what is known before the process ends (130 / 143); a second signal does not
 * cut that write short. Before any upload nothing was sent, and the process just ends.
 */
function stopOnSignals(output: Output): void {
  // One pair of handlers per process: `main` may run many commands in one process (tests, embedding),
  // and each apply or sync only points them at its own output.
  signalOutput = output;
  if (signalsInstalled) return;
  signalsInstalled = true;
  let stopping = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (stopping) return;
    stopping = true;
    const out = signalOutput!;
    const code = signal === 'SIGINT' ? ApplyExit.sigint : ApplyExit.sigterm;
    const apply = activeApply();
    if (!apply?.sentAnything()) {
      out.err(`${signal}: stopped; nothing was sent to Canvas\n`);
      process.exit(code);
    }
    out.err(`${signal}: stopping; writing the apply journal and record first\n`);
    void apply.stop({ code: 'signal', message: `stopped by ${signal}` })
      .then((path) => {
        for (const line of sentReport(apply.describeSent(), path ?? apply.writeProblem())) out.err(`${line}\n`);
      })
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

let signalsInstalled = false;
let signalOutput: Output | null = null;

function reportBug(output: Output, err: unknown): number {
  const e = err as Error;
  output.err(`internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.ROSTEROPS_DEBUG) output.err(`${e?.stack ?? ''}\n`);
  output.err('This is a bug in rosterops; set ROSTEROPS_DEBUG=1 for the stack trace and report it.\n');
  return ExitCode.error;
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2));
}
