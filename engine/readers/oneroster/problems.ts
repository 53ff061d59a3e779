/**
 * Problems: errors are collected across files (one run reports them all), then thrown together.
 * Warnings that can repeat on every row are counted and reported once per file and column.
 */
import { DataError, fromDiagnostics, type Diagnostic } from '../../errors.js';

const MAX_ERRORS = 50;

type Problem = Omit<Diagnostic, 'severity'>;

/** A warning that may fire on many rows; `message` is built once, from the count and the first example. */
export interface RepeatedWarning {
  code: string;
  message: (count: number, example: string) => string;
  hint: string;
}

interface RepeatTally {
  diagnostic: Diagnostic;
  count: number;
  example: string;
}

export interface ProblemsSlot {
  readonly errorsAt: number;
  readonly warningsAt: number;
}

export class Problems {
  private readonly errors: Diagnostic[] = [];
  private errorCount = 0;
  private readonly warnings: Diagnostic[] = [];
  /** Per kind, the files/fields it fired for (a handful), so counting allocates nothing. */
  private readonly repeats = new Map<RepeatedWarning, RepeatTally[]>();

  error(problem: Problem): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ severity: 'error', ...problem });
  }

  warn(problem: Problem): void {
    this.warnings.push({ severity: 'warning', ...problem });
  }

  /** Count occurrences of a per-row warning; the first occurrence gives the location. */
  repeat(kind: RepeatedWarning, file: string, line: number, field: string, example: string, times = 1): void {
    let tallies = this.repeats.get(kind);
    if (!tallies) this.repeats.set(kind, (tallies = []));
    for (const t of tallies) {
      if (t.diagnostic.file === file && t.diagnostic.field === field) {
        t.count += times;
        return;
      }
    }
    const diagnostic: Diagnostic = { severity: 'warning', code: kind.code, message: '', hint: kind.hint, file, line, field };
    this.warnings.push(diagnostic);
    tallies.push({ diagnostic, count: times, example });
  }

  /**
   * Keeps a place in the order of problems for ones that come later: those of a file parsed on
   * the parse thread, reported where parsing it here would have reported them.
   */
  slot(): ProblemsSlot {
    return { errorsAt: this.errors.length, warningsAt: this.warnings.length };
  }

  /** Puts `later`'s errors and warnings at `slot` (the last slot taken: nothing was put before it since). */
  fill(slot: ProblemsSlot, later: Problems): void {
    this.errors.splice(slot.errorsAt, 0, ...later.errors);
    if (this.errors.length > MAX_ERRORS) this.errors.length = MAX_ERRORS;
    this.errorCount += later.errorCount;
    this.warnings.splice(slot.warningsAt, 0, ...later.warnings);
  }

  throwIfErrors(): void {
    if (this.errorCount === 0) return;
    const shown = this.errors.slice();
    if (this.errorCount > MAX_ERRORS) {
      shown[MAX_ERRORS - 1] = {
        severity: 'error', code: 'oneroster.too-many-errors',
        message: `${this.errorCount - (MAX_ERRORS - 1)} more errors not listed`,
        hint: 'Fix the problems above (often one export setting causes many of them) and run again.',
      };
    }
    throw fromDiagnostics(DataError, shown);
  }

  finishWarnings(): Diagnostic[] {
    for (const [kind, tallies] of this.repeats) {
      for (const { diagnostic, count, example } of tallies) diagnostic.message = kind.message(count, example);
    }
    return this.warnings;
  }
}

/** "1 row carries" / "3 rows carry". */
export function rows(count: number, verbOne: string, verbMany: string): string {
  return count === 1 ? `1 row ${verbOne}` : `${count} rows ${verbMany}`;
}
