/**
 * A copy of the repository's policies in a temp folder whose `sources` names the given SIS (YAML
 * lines that go under `sis:`) and the example's Canvas snapshot: how the SIS-source tests try a
 * REST, SFTP or download source against the bundled district.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './workspace.js';

export const EXAMPLE_EXPORT = join(ROOT, 'examples/maple-valley/oneroster');
export const EXAMPLE_SNAPSHOT = join(ROOT, 'examples/maple-valley/canvas-snapshot');

/** Returns the folder holding `policies/`; the caller removes it. */
export function projectWithSis(sis: string, prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(ROOT, 'policies'), join(root, 'policies'), { recursive: true });
  const main = join(root, 'policies', 'rosterops.yaml');
  const text = readFileSync(main, 'utf8');
  const start = text.indexOf('sources:');
  const end = text.indexOf('\n\n', start);
  writeFileSync(main, `${text.slice(0, start)}sources:\n  sis:\n${sis.replace(/^/gm, '    ')}\n  canvas:\n    snapshot: ${JSON.stringify(EXAMPLE_SNAPSHOT)}${text.slice(end)}`);
  return root;
}
