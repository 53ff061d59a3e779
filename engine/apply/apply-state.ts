/**
 * What this process has sent to Canvas, for the one place that reports errors and signals
 * (engine/cli/main.ts). Once an upload has left, no message may say "nothing was applied", and
 * every way out (an error, SIGINT, SIGTERM) writes the apply record with what is known. Kept free
 * of heavy imports: main.ts loads it for every command.
 */
import { RosteropsError, type Diagnostic } from '../errors.js';

/** Exit codes apply adds to those of errors.ts (README "Exit codes"). */
export const ApplyExit = {
  /** apply stopped after an upload had been sent; the apply record lists what Canvas may hold. */
  incomplete: 6,
  /** apply did not upload: other SIS imports are still running on the account. */
  busy: 7,
  /** Interrupted by SIGINT / SIGTERM (128 + signal number, as shells report it). */
  sigint: 130,
  sigterm: 143,
} as const;

/** The live part of an apply the process-wide handlers need: whether anything left, and how to record it. */
export interface ActiveApply {
  /** True from the moment the first upload request is about to be sent. */
  sentAnything(): boolean;
  /** One sentence per upload: which import, which state, what is unknown. */
  describeSent(): string[];
  /** Writes the journal and the apply record as they stand, marked with why the run stopped; returns the record path. */
  stop(reason: { code: string; message: string }): Promise<string | null>;
  /** Why the record could not be written by the last stop(), if it could not. */
  writeProblem(): { problem: string } | null;
}

/** Where the record is, or why there is none. */
export type RecordOutcome = string | { problem: string } | null;

let active: ActiveApply | null = null;

export function setActiveApply(apply: ActiveApply | null): void {
  active = apply;
}

export function activeApply(): ActiveApply | null {
  return active;
}

/**
 * An error after something was sent: the cause's diagnostics and hint, plus what Canvas was sent
 * (`sent`) and where the record is. main.ts prints these instead of "nothing was written or applied".
 */
export class ApplyIncompleteError extends RosteropsError {
  override readonly exitCode: number;
  readonly sent: string[];
  readonly recordPath: RecordOutcome;

  constructor(cause: RosteropsError | Error, sent: string[], recordPath: RecordOutcome, exitCode: number = ApplyExit.incomplete) {
    const diagnostics: Diagnostic[] = cause instanceof RosteropsError
      ? cause.diagnostics
      : [{ severity: 'error', code: 'apply.incomplete', message: cause.message }];
    const first = diagnostics[0]!;
    super(first.code, cause.message, cause instanceof RosteropsError ? cause.location : {}, first.hint, { cause, diagnostics });
    this.exitCode = exitCode;
    this.sent = sent;
    this.recordPath = recordPath;
  }
}

/** The lines printed after an error or a signal once something was sent. */
export function sentReport(sent: readonly string[], record: RecordOutcome): string[] {
  return [
    'Canvas was sent data before apply stopped:',
    ...sent.map((s) => `  ${s}`),
    typeof record === 'string' ? `The apply record ${record} lists these imports and their states.`
      : record ? `${record.problem[0]!.toUpperCase()}${record.problem.slice(1)}; the lines above are all that is known.`
        : 'No apply record was asked for (library use): the lines above are all that is known.',
    'Run the same `rosterops apply --plan …` again: it finds these imports (never sends them twice), waits for them, re-plans, and ends "already applied" when Canvas has converged.',
  ];
}
