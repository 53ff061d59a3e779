/**
 * Typed errors and diagnostics. Library code throws these (or returns Diagnostic lists);
 * only engine/cli/main.ts turns them into exit codes and printed messages.
 */

export type Severity = 'error' | 'warning';

/** Where a problem is: a YAML file position, a CSV row/column, or an HTTP exchange. */
export interface Location {
  file?: string;
  /** 1-based line (YAML) or 1-based CSV row counting the header as row 1. */
  line?: number;
  column?: number;
  /** CSV column name, or a dotted/JSON-pointer path inside a policy document. */
  field?: string;
}

export interface Diagnostic extends Location {
  severity: Severity;
  /** Stable machine-readable code, e.g. `policy.unknown-key`, `oneroster.missing-column`. */
  code: string;
  message: string;
  /** What the user should do about it. */
  hint?: string;
}

/** Exit codes documented in the README. */
export const ExitCode = {
  ok: 0,
  error: 1,
  changes: 2,
  needsApproval: 3,
  /** apply refused a stale plan: Canvas or the SIS changed and the plan changed with them. */
  stale: 4,
  /** apply ran, but Canvas reported failures or a new plan is not empty. */
  notConverged: 5,
} as const;

export class RosteropsError extends Error {
  readonly code: string;
  readonly location: Location;
  readonly hint: string | undefined;
  readonly exitCode: number = ExitCode.error;
  /** Every problem found (a reader collects several before giving up); the first is this error. */
  readonly diagnostics: Diagnostic[];

  constructor(code: string, message: string, location: Location = {}, hint?: string, options?: { cause?: unknown; diagnostics?: Diagnostic[] }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.location = location;
    this.hint = hint;
    this.diagnostics = options?.diagnostics ?? [{ severity: 'error', code, message, hint, ...location }];
  }

  toDiagnostic(): Diagnostic {
    return { severity: 'error', code: this.code, message: this.message, hint: this.hint, ...this.location };
  }
}

/** Build an error of class `Kind` from a non-empty list of diagnostics (the first one leads). */
export function fromDiagnostics<T extends RosteropsError>(
  Kind: new (code: string, message: string, location?: Location, hint?: string, options?: { diagnostics?: Diagnostic[] }) => T,
  diagnostics: Diagnostic[],
): T {
  const first = diagnostics[0]!;
  const { severity: _s, code, message, hint, ...location } = first;
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more problem${diagnostics.length > 2 ? 's' : ''})` : '';
  return new Kind(code, message + more, location, hint, { diagnostics });
}

/** A policy file is missing, malformed or semantically invalid. */
export class ConfigError extends RosteropsError {}

/** Input data (SIS export, Canvas report, plan file) cannot be read or is inconsistent. */
export class DataError extends RosteropsError {}

/** A remote service (Canvas, GitHub) answered in a way we cannot use. */
export class RemoteError extends RosteropsError {
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number, hint?: string, options?: { cause?: unknown }) {
    super(code, message, {}, hint, options);
    this.status = status;
  }
}

/** A plan may not be applied (stale, unapproved, blocked, unknown format). */
export class PlanRefusedError extends RosteropsError {
  override readonly exitCode: number;
  constructor(code: string, message: string, hint?: string, exitCode: number = ExitCode.error) {
    super(code, message, {}, hint);
    this.exitCode = exitCode;
  }
}

/**
 * An invariant of rosterops itself does not hold: a bug, never a user's mistake. Thrown instead of a
 * plain Error so the CLI reports it as "internal error" (exit 1) and a test can tell a bug from a
 * located user error by its class or by that prefix.
 */
export class InternalError extends RosteropsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, {}, 'This is a bug in rosterops; set ROSTEROPS_DEBUG=1 for the stack trace and report it.', options);
  }
}

/** `file:line:column: error [code] message` followed by an indented hint. */
export function formatDiagnostic(d: Diagnostic): string {
  let where = d.file ?? '';
  if (d.line !== undefined) where += `:${d.line}`;
  if (d.column !== undefined) where += `:${d.column}`;
  const field = d.field ? ` (${d.field})` : '';
  const head = `${where ? where + ': ' : ''}${d.severity} [${d.code}]${field} ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}
