/** Where the CLI writes. Everything passes the secret redactor; colours only on a TTY. */
import { formatDiagnostic, type Diagnostic } from '../errors.js';
import { redact } from '../util/redact.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly color: boolean;
}

export function processOutput(): Output {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    out: (text) => process.stdout.write(redact(text)),
    err: (text) => process.stderr.write(redact(text)),
    isTTY,
    color: isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  };
}

/** Print warnings compactly: the first few in full, then a count (all of them with --verbose). */
export function printWarnings(output: Output, warnings: Diagnostic[], verbose: boolean): void {
  const shown = verbose ? warnings : warnings.slice(0, 5);
  for (const w of shown) output.err(formatDiagnostic(w) + '\n');
  if (warnings.length > shown.length) output.err(`… and ${warnings.length - shown.length} more warnings (--verbose shows all)\n`);
}
