/** The cross-file merge: each top-level key may be written in one file only. */
import type { Diagnostic } from '../../errors.js';
import type { PolicyFile } from './files.js';
import { pointer, positionOf } from './positions.js';
import type { WrittenPolicy } from './written.js';

/**
 * Merges the top-level keys of all files into one written policy, leaving out keys that failed the
 * schema (`broken`); `owner` says which file wrote each key, `present` which keys were written at all.
 */
export function mergeTopLevelKeys(
  files: readonly PolicyFile[], broken: Map<PolicyFile, Set<string>>, errors: Diagnostic[],
): { written: WrittenPolicy; owner: Map<string, PolicyFile>; present: Set<string> } {
  const written: WrittenPolicy = {};
  const owner = new Map<string, PolicyFile>();
  const present = new Set<string>();
  for (const f of files) {
    for (const key of Object.keys(f.data)) {
      present.add(key);
      const first = owner.get(key);
      if (first && key !== 'version') {
        const a = positionOf(first, [key], 'key');
        const b = positionOf(f, [key], 'key');
        errors.push({
          severity: 'error',
          code: 'policy.duplicate-top-level-key',
          message: `\`${key}\` is written in two files: ${first.rel}:${a.line}:${a.column} and ${f.rel}:${b.line}:${b.column}`,
          hint: `write each top-level key in one file only: merge the two \`${key}\` blocks into ${first.name} or ${f.name}`,
          file: f.rel,
          line: b.line,
          column: b.column,
          field: pointer([key]),
        });
        continue;
      }
      if (!first) owner.set(key, f);
      if (!broken.get(f)!.has(key)) (written as Record<string, unknown>)[key] = f.data[key];
    }
  }
  return { written, owner, present };
}
