/** `rosterops validate` and `rosterops schema`. */
import { resolve } from 'node:path';
import { formatDiagnostic, ExitCode } from '../../errors.js';
import { loadPolicies, policySchema } from '../../policy/load.js';
import type { Output } from '../output.js';

export async function validateCommand(output: Output, flags: { config: string }): Promise<number> {
  const { config, warnings } = await loadPolicies(resolve(flags.config));
  for (const w of warnings) output.err(formatDiagnostic(w) + '\n');
  output.out(`ok: ${config.files.length} policy file(s) valid (${config.files.join(', ')})\n`);
  return ExitCode.ok;
}

export function schemaCommand(output: Output): number {
  output.out(JSON.stringify(policySchema(), null, 2) + '\n');
  return ExitCode.ok;
}
