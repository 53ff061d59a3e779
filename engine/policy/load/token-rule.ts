/** The token rule: a Canvas token must never be written in a policy file (policies are committed to git). */
import { isAlias, isMap, isSeq } from 'yaml';
import type { Diagnostic } from '../../errors.js';
import type { PolicyFile } from './files.js';
import { keyText, pointer, positionOf, type Segment } from './positions.js';

/** `token`, `api_token`, `canvas-token`, `apiToken`, … (not `tokenEnv`). */
export function isTokenKey(name: string): boolean {
  return /^token$/i.test(name) || /[-_]token$/i.test(name) || /[a-z0-9]Token$/.test(name);
}

export const TOKEN_HINT = 'put the token in an environment variable and name it with tokenEnv (sources.canvas.tokenEnv, default CANVAS_TOKEN)';

export function findTokenKeys(f: PolicyFile, out: Diagnostic[]): void {
  const seen = new Set<unknown>();
  const visit = (node: unknown, path: Segment[]): void => {
    if (isAlias(node) || !node || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = keyText(pair.key);
        if (k === undefined) continue;
        if (isTokenKey(k)) {
          const { line, column } = positionOf(f, [...path, k], 'key');
          out.push({
            severity: 'error',
            code: 'policy.token-in-yaml',
            message: `\`${k}\` must not be written in a policy file: a Canvas token is a secret and policies are committed to git`,
            hint: TOKEN_HINT,
            file: f.rel,
            line,
            column,
            field: pointer([...path, k]),
          });
        }
        visit(pair.value, [...path, k]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    }
  };
  visit(f.doc.contents, []);
}
