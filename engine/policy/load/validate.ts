/** Schema validation, per file; a top-level key with schema errors is left out of the semantic checks. */
import type { Diagnostic } from '../../errors.js';
import type { PolicyFile } from './files.js';
import { unpointer } from './positions.js';
import { validator } from './schema.js';
import { ajvDiagnostic } from './schema-errors.js';

/** Reports every schema error of every file; returns, per file, the top-level keys that failed. */
export function validateFiles(files: readonly PolicyFile[], errors: Diagnostic[]): Map<PolicyFile, Set<string>> {
  const validate = validator();
  const broken = new Map<PolicyFile, Set<string>>();
  for (const f of files) {
    const bad = new Set<string>();
    broken.set(f, bad);
    if (validate(f.data)) continue;
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      const d = ajvDiagnostic(f, err);
      const top = unpointer(err.instancePath)[0] ?? (err.keyword === 'additionalProperties' ? String((err.params as { additionalProperty: string }).additionalProperty) : '');
      bad.add(String(top));
      if (!d) continue;
      const key = `${d.field}\0${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(d);
    }
  }
  return broken;
}
