/** Reading: the policy files of a directory, each parsed as YAML with its positions and located syntax errors. */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type Diagnostic } from '../../errors.js';
import { positionOf } from './positions.js';
import { findTokenKeys } from './token-rule.js';
import { lookup } from './wording.js';

export interface PolicyFile {
  abs: string;
  /** Relative to cwd, as shown in messages and Config.files. */
  rel: string;
  name: string;
  doc: Document;
  lc: LineCounter;
  data: Record<string, unknown>;
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once in a mapping: merge the two entries into one',
  MULTIPLE_DOCS: 'write one YAML document per file: move the part after `---` into a file of its own',
  MISSING_CHAR: 'close the quote or bracket that was opened',
  BAD_INDENT: 'check the indentation: nested keys must be indented more than their parent, with spaces',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BLOCK_AS_IMPLICIT_KEY: 'a key must be on one line; check for a missing `:` or a value that needs quotes',
  MULTILINE_IMPLICIT_KEY: 'a key must be on one line; check for a missing `:` or a value that needs quotes',
  UNEXPECTED_TOKEN: 'check for a stray character; values with `:`, `#`, `{` or `}` need quotes',
};

export async function listPolicyFiles(absDir: string, relDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(absDir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOTDIR' ? `policy path ${relDir} is not a directory` : `policy directory ${relDir} not found`;
    throw new ConfigError('policy.no-dir', message, { file: relDir }, 'create it with a file holding `version: 1` and `sources:` (see examples/), or point rosterops at another directory', { cause: err });
  }
  const names: string[] = [];
  for (const e of entries) {
    if (!/\.ya?ml$/i.test(e.name) || e.name.startsWith('.')) continue;
    if (e.isFile() || (e.isSymbolicLink() && (await stat(join(absDir, e.name)).then((s) => s.isFile(), () => false)))) names.push(e.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new ConfigError('policy.no-files', `no policy files (*.yaml, *.yml) in ${relDir}`, { file: relDir }, 'add a policy file with `version: 1` and `sources:`; files in subdirectories are not read');
  }
  return names;
}

/**
 * Parses every file of `names`, in order. YAML problems go to `errors` and `warnings`; `unreadable`
 * says a file could not be read as a mapping at all. The digest covers every file's bytes.
 */
export async function readPolicyFiles(
  absDir: string, names: readonly string[], relOf: (p: string) => string, errors: Diagnostic[], warnings: Diagnostic[],
): Promise<{ files: PolicyFile[]; unreadable: boolean; digest: string }> {
  const hash = createHash('sha256');
  const files: PolicyFile[] = [];
  let unreadable = false;

  for (const name of names) {
    const abs = join(absDir, name);
    const bytes = await readFile(abs);
    hash.update(name, 'utf8').update('\0').update(String(bytes.length)).update('\0').update(bytes);
    const rel = relOf(abs);
    const text = bytes.toString('utf8').replace(/^\ufeff/, '');
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, strict: true });
    for (const e of doc.errors) {
      const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      const [head, ...excerpt] = e.message.split('\n');
      errors.push({
        severity: 'error',
        code: e.code === 'DUPLICATE_KEY' ? 'policy.duplicate-key' : 'policy.yaml-syntax',
        message: (head ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
        hint: lookup(YAML_HINTS, e.code) ?? (excerpt.join('\n').trim() ? `fix the YAML here:\n${excerpt.join('\n').replace(/\n+$/, '')}` : 'fix the YAML syntax'),
        file: rel,
        line: pos.line,
        column: pos.col,
      });
    }
    for (const w of doc.warnings) {
      const pos = w.linePos?.[0] ?? lc.linePos(w.pos[0]);
      warnings.push({ severity: 'warning', code: 'policy.yaml-warning', message: (w.message.split('\n')[0] ?? w.message).replace(/ at line \d+, column \d+:?$/, ''), file: rel, line: pos.line, column: pos.col });
    }
    if (doc.errors.length > 0) {
      unreadable = true;
      continue;
    }
    const f: PolicyFile = { abs, rel, name, doc, lc, data: {} };
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
      warnings.push({ severity: 'warning', code: 'policy.empty-file', message: `${name} holds no settings`, hint: 'remove the file or add top-level keys', file: rel, line: 1, column: 1 });
      files.push(f);
      continue;
    }
    if (!isMap(doc.contents)) {
      const { line, column } = positionOf(f, []);
      errors.push({ severity: 'error', code: 'policy.not-a-mapping', message: `${name} must be a mapping of top-level keys (version, sources, rules, …)`, hint: 'write `key: value` lines at the top level, not a list or a single value', file: rel, line, column, field: '' });
      unreadable = true;
      continue;
    }
    findTokenKeys(f, errors);
    try {
      f.data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    } catch (err) {
      errors.push({ severity: 'error', code: 'policy.yaml-syntax', message: (err as Error).message, hint: 'simplify anchors and aliases', file: rel, line: 1, column: 1 });
      unreadable = true;
      continue;
    }
    files.push(f);
  }
  return { files, unreadable, digest: hash.digest('hex') };
}
