/**
 * The policy loader: every `*.yaml`/`*.yml` of a policy directory → YAML parse (located syntax
 * errors) → JSON Schema per file (ajv, unknown keys rejected, no defaults applied to what the user
 * wrote) → cross-file merge of top-level keys → semantic rules → the resolved, typed `Config`
 * (defaults applied here). Every problem is collected; one `ConfigError` carries them all.
 *
 * This module holds the entry point and the order of the steps only; each step lives in a module
 * of its own beside it.
 */
import { join, relative, resolve } from 'node:path';
import { ConfigError, fromDiagnostics, type Diagnostic } from '../../errors.js';
import type { Config } from '../types.js';
import { listPolicyFiles, readPolicyFiles } from './files.js';
import { mergeTopLevelKeys } from './merge.js';
import { pointer } from './positions.js';
import { Resolver } from './resolver.js';
import { validateFiles } from './validate.js';
import type { WrittenPolicy } from './written.js';

export interface LoadOptions {
  /** Directory that relative paths in messages and `Config.files` are relative to (default: process.cwd()). */
  cwd?: string;
}

export interface LoadResult {
  config: Config;
  warnings: Diagnostic[];
}

/** Read, validate and resolve every policy file of `dir`. Throws ConfigError listing every problem. */
export async function loadPolicies(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const absDir = resolve(cwd, dir);
  const relOf = (p: string) => relative(cwd, p) || '.';
  const names = await listPolicyFiles(absDir, relOf(absDir));

  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const { files, unreadable, digest } = await readPolicyFiles(absDir, names, relOf, errors, warnings);

  // Schema, per file. A top-level key with schema errors is left out of the semantic checks.
  const broken = validateFiles(files, errors);

  // Merge top-level keys across files.
  const { written, owner, present } = mergeTopLevelKeys(files, broken, errors);

  // With `rules` broken, still check course formulas against the grouping the user asked for.
  const rawGrouping = (owner.get('rules')?.data.rules as WrittenPolicy['rules'] | undefined)?.courses?.grouping;
  const ctx = new Resolver(written, owner, errors, warnings, rawGrouping === 'course-term' ? 'course-term' : 'class');
  if (!unreadable) {
    // Not located in a file the user wrote; point at the first file, where the key is usually added.
    const first = relOf(join(absDir, names[0]!));
    const missing = (key: string, code: string, message: string, hint: string) =>
      errors.push({ severity: 'error', code, message, hint, file: first, line: 1, column: 1, field: pointer([key]) });
    if (!present.has('version')) missing('version', 'policy.missing-version', 'no policy file says which format version it is written in', 'add `version: 1` at the top of a policy file');
    if (!present.has('sources')) missing('sources', 'policy.missing-sources', 'no policy file names the SIS export and the Canvas instance (`sources`)', 'add `sources: { sis: { path: … }, canvas: { url: … } }` to a policy file (see examples/)');
  }
  const config = ctx.resolve(absDir, files.map((f) => f.rel), digest);
  if (errors.length > 0) throw fromDiagnostics(ConfigError, errors);
  return { config, warnings };
}
