/** Reading: the policy files of a directory, each parsed as YAML with its positions and located syntax errors. */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type Diagnostic } from '../../errors.js';
import { positionOf } from './positions.js';
import { findTokenKeys } from './token-rule.js';
import { lookup } from './wording.js';
import { formatBytes, POLICY_LIMITS } from '../../util/limits.js';
import { describeKind, examinePath } from '../../util/regular-file.js';

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
    // Examined without opening: a FIFO would block the read, a device never end. A policy file that
    // is no regular file is an error, not skipped: a silently missing rules file changes the plan.
    const info = examinePath(join(absDir, e.name));
    if (info.kind !== 'file') {
      const rel = `${relDir}/${e.name}`;
      throw new ConfigError('policy.not-a-file', `${rel} is ${describeKind(info.kind)}`, { file: rel },
        'policy files must be regular files (or symbolic links to one); remove it or replace it with the YAML file it should be');
    }
    if (info.size > POLICY_LIMITS.fileBytes) {
      const rel = `${relDir}/${e.name}`;
      throw new ConfigError('policy.too-large', `${rel} is ${formatBytes(info.size)}; a policy file may hold at most ${formatBytes(POLICY_LIMITS.fileBytes)}`, { file: rel },
        'policies are a few kilobytes of settings; check that this is the file you meant to put in the policy directory');
    }
    names.push(e.name);
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
    const rel = relOf(abs);
    let bytes: Buffer;
    try {
      bytes = await readFile(abs);
    } catch (err) {
      throw new ConfigError('policy.unreadable', `cannot read ${rel}: ${(err as Error).message}`, { file: rel }, 'check that the file exists and that rosterops may read it', { cause: err });
    }
    hash.update(name, 'utf8').update('\0').update(String(bytes.length)).update('\0').update(bytes);
    const encoding = encodingProblem(bytes);
    if (encoding) {
      errors.push({ severity: 'error', code: 'policy.encoding', message: `${name} ${encoding.message}`, hint: encoding.hint, file: rel, line: encoding.line, column: encoding.column });
      unreadable = true;
      continue;
    }
    const text = bytes.toString('utf8').replace(/^\ufeff/, '');
    const lc = new LineCounter();
    let doc: Document;
    try {
      doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, strict: true });
    } catch (err) {
      // The parser recurses per level: thousands of nested brackets exhaust the stack before any depth check.
      if (!(err instanceof RangeError)) throw err;
      errors.push(tooDeep(rel));
      unreadable = true;
      continue;
    }
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
      f.data = doc.toJS({ maxAliasCount: POLICY_LIMITS.aliases }) as Record<string, unknown>;
    } catch (err) {
      errors.push(err instanceof RangeError
        ? tooDeep(rel)
        : { severity: 'error', code: 'policy.yaml-syntax', message: (err as Error).message, hint: 'simplify anchors and aliases', file: rel, line: 1, column: 1 });
      unreadable = true;
      continue;
    }
    if (depthOf(f.data) > POLICY_LIMITS.depth) {
      errors.push(tooDeep(rel));
      unreadable = true;
      continue;
    }
    files.push(f);
  }
  return { files, unreadable, digest: hash.digest('hex') };
}

function tooDeep(rel: string): Diagnostic {
  return {
    severity: 'error', code: 'policy.too-deep', file: rel, line: 1, column: 1,
    message: `${rel} nests mappings and lists more than ${POLICY_LIMITS.depth} levels deep`,
    hint: 'policies need a handful of levels; check for runaway brackets or indentation',
  };
}

/** Levels of mappings and lists, counted without recursion (a hostile file may nest thousands). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > POLICY_LIMITS.depth) return deepest;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Why the bytes are no UTF-8 YAML text, located at the first bad byte (line and column counted in
 * the valid text before it), or null. A NUL is refused too: YAML forbids it and it is never intended.
 */
function encodingProblem(bytes: Buffer): { message: string; hint: string; line: number; column: number } | null {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  let at: { line: number; column: number } | null = null;
  let message = '';
  if (utf16 || !isUtf8(bytes)) {
    message = utf16 ? 'is UTF-16 text; policy files are UTF-8' : 'is not valid UTF-8';
    at = positionIn(utf16 ? '' : bytes.toString('utf8').split('\ufffd')[0]!);
  } else if (bytes.includes(0)) {
    message = 'holds a NUL character';
    at = positionIn(bytes.subarray(0, bytes.indexOf(0)).toString('utf8'));
  }
  if (at === null) return null;
  return { message, hint: 'save the file as UTF-8 text without control characters (YAML requires it)', ...at };
}

/** Line and column just after `before`. */
function positionIn(before: string): { line: number; column: number } {
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}
