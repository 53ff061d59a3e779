/**
 * The policy loader: every `*.yaml`/`*.yml` of a policy directory → YAML parse (located syntax
 * errors) → JSON Schema per file (ajv, unknown keys rejected, no defaults applied to what the user
 * wrote) → cross-file merge of top-level keys → semantic rules → the resolved, typed `Config`
 * (defaults applied here). Every problem is collected; one `ConfigError` carries them all.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { ConfigError, fromDiagnostics, type Diagnostic } from '../errors.js';
import type { EnrollmentType } from '../model/canvas.js';
import { isCalendarDate, isValidTimeZone } from '../util/dates.js';
import type { ContextName } from './contexts.js';
import { closestMatch, compileTemplate } from './templates.js';
import type {
  AccountFormulas,
  AuthRule,
  Config,
  CourseFormulas,
  DropGuard,
  Guards,
  ManualAction,
  PolicySource,
  ProtectGuard,
  Rules,
  SectionFormulas,
  Template,
  TermFormulas,
  TermOverride,
  UserFormulas,
  Verdict,
  ViolationVerdict,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Schema

let schemaCache: Record<string, unknown> | undefined;
let validatorCache: ValidateFunction | undefined;

function schemaPath(): string {
  const candidates = [
    new URL('./policy.schema.json', import.meta.url),
    // Compiled: dist/engine/policy/load.js → engine/policy/policy.schema.json in the package.
    new URL('../../../engine/policy/policy.schema.json', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`policy.schema.json not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The JSON Schema of one policy file (a fresh copy; `rosterops schema` prints it). */
export function policySchema(): Record<string, unknown> {
  schemaCache ??= JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  return structuredClone(schemaCache);
}

/** ajv set up the way the loader uses it (draft 2020-12, all errors, formats `date` and `uri`). */
export function createPolicyAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  // ajv-formats is CommonJS: its default import is module.exports, which also carries `.default`.
  addFormatsModule.default(ajv, ['date', 'uri']);
  return ajv;
}

function validator(): ValidateFunction {
  validatorCache ??= createPolicyAjv().compile(policySchema());
  return validatorCache;
}

// ---------------------------------------------------------------------------------------------
// Defaults (the schema's `default` values say the same; the resolve step applies them)

const DEFAULT_FILE = '(default)';
const ROLE_DEFAULTS = ['student', 'teacher', 'aide'];
const SESSION_TYPE_DEFAULTS = ['schoolYear', 'semester', 'term'];

const ACCOUNT_DEFAULTS = { account_id: '{{sourcedId}}', name: '{{name}}' };
const TERM_DEFAULTS = { term_id: '{{sourcedId}}', name: '{{title}}' };
const COURSE_DEFAULTS = { course_id: '{{sourcedId}}', short_name: '{{default classCode title}}', long_name: '{{title}}' };
/** With `grouping: course-term` a course has no classCode; the course's courseCode stands in. */
const COURSE_TERM_DEFAULTS = { course_id: '{{sourcedId}}', short_name: '{{default courseCode title}}', long_name: '{{title}}' };
const SECTION_DEFAULTS = { section_id: '{{sourcedId}}', name: '{{title}}' };
const USER_DEFAULTS = { user_id: '{{sourcedId}}', login_id: '{{username}}', email: '{{email}}', first_name: '{{givenName}}', last_name: '{{familyName}}' };
const USER_COLUMNS = ['user_id', 'login_id', 'email', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'integration_id'] as const;

const ENROLLMENT_ROLE_DEFAULTS: Record<string, string | null> = { student: 'student', teacher: 'teacher', 'teacher:secondary': 'teacher', aide: 'ta', administrator: null, proctor: null };
const DROP_DEFAULTS: Guards['drops'] = {
  enrollments: { maxShare: 0.1, maxCount: 500, onViolation: 'needs-approval' },
  users: { maxShare: 0.05, maxCount: 100, onViolation: 'needs-approval' },
  courses: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
  sections: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
};
const RISK_DEFAULTS: Record<string, Verdict> = {
  'duplicate-account': 'needs-approval',
  'login-claimed': 'blocked',
  'ambiguous-match': 'needs-approval',
  'sticky-conflict': 'needs-approval',
  'manual-object': 'ok',
};
const ENTITIES = ['accounts', 'terms', 'courses', 'sections', 'users', 'enrollments'] as const;
type Entity = (typeof ENTITIES)[number];

// ---------------------------------------------------------------------------------------------
// The written shape (after schema validation)

type Tpl = string;
interface WrittenRule {
  missing?: string;
  manual?: ManualAction;
  owns?: string[];
  grouping?: 'class' | 'course-term';
  publish?: 'active' | 'published';
  matchBy?: ('email' | 'name')[];
  roles?: Record<string, string | null>;
}
interface WrittenDrop {
  maxShare?: number | null;
  maxCount?: number | null;
  onViolation?: ViolationVerdict;
}
interface WrittenProtect {
  entity: Entity;
  actions: string[];
  roles?: string[];
  dropStatus?: string[];
  onViolation?: ViolationVerdict;
}
interface WrittenPolicy {
  version?: 1;
  sources?: {
    sis: { format?: 'oneroster-1.1' | 'oneroster-1.2'; path: string };
    canvas: { snapshot?: string; url?: string; account?: string; tokenEnv?: string };
  };
  timezone?: string;
  asOf?: string | null;
  scope?: { schools?: string[] | null; sessionTypes?: string[]; terms?: string[] | null; roles?: string[] };
  identifiers?: {
    accounts?: Record<string, Tpl>;
    terms?: Record<string, Tpl>;
    courses?: Record<string, Tpl | null>;
    sections?: Record<string, Tpl | null>;
    users?: Record<string, Record<string, Tpl | null>>;
  };
  authProviders?: {
    rules?: { match: { role?: string[]; school?: string[]; grade?: string[]; idPattern?: string; emailPattern?: string }; provider: string | number }[];
    default?: string | number | null;
  };
  termOverrides?: {
    term: string;
    name?: string;
    startDate?: string;
    endDate?: string;
    enrollmentTypes?: Partial<Record<EnrollmentType, { startDate?: string | null; endDate?: string | null }>>;
  }[];
  enrollmentDates?: { endDateConvention?: 'exclusive' | 'inclusive'; alignToTermEndWithinDays?: number | null; ended?: 'completed' | 'inactive' | 'deleted' | 'active' };
  rules?: Partial<Record<Entity, WrittenRule>>;
  guards?: {
    drops?: Partial<Record<Entity, WrittenDrop | null>>;
    protect?: WrittenProtect[];
    shrink?: { minRatio?: number; minCanvasCount?: number; onViolation?: ViolationVerdict };
    risks?: Record<string, Verdict>;
    approvals?: { required?: number; reviewers?: string[] };
  };
  showPersonalData?: boolean;
  apply?: { stickiness?: 'respect' | 'override' | 'override-and-clear'; updateSisIdIfLoginClaimed?: boolean; pollIntervalSeconds?: number; timeoutMinutes?: number };
}

// ---------------------------------------------------------------------------------------------
// Files and positions

type Segment = string | number;

interface PolicyFile {
  abs: string;
  /** Relative to cwd, as shown in messages and Config.files. */
  rel: string;
  name: string;
  doc: Document;
  lc: LineCounter;
  data: Record<string, unknown>;
}

export function pointer(path: readonly Segment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** `rules.courses.missing`, `termOverrides[1].endDate` */
export function dotted(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' || /^\d+$/.test(String(s)) ? `[${s}]` : out === '' ? String(s) : `.${s}`;
  return out || '(top level)';
}

function unpointer(p: string): Segment[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/**
 * Position of the node at `path` (1-based line and column). `key` mode points at the key of the
 * last segment (for unknown keys); a missing segment stops at the deepest node found; an empty
 * value (`key:`) points at its key.
 */
function positionOf(f: PolicyFile, path: readonly Segment[], mode: 'key' | 'value' = 'value'): { line: number; column: number } {
  let node: unknown = f.doc.contents;
  let offset = (f.doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(f.doc);
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      const keyOffset = (pair.key as YamlNode | null)?.range?.[0];
      const last = i === path.length - 1;
      const value = pair.value as YamlNode | null;
      const emptyValue = !value || !value.range || (isScalar(value) && value.value === null && value.range[0] === value.range[1]);
      if ((last && mode === 'key') || emptyValue) {
        if (keyOffset !== undefined) offset = keyOffset;
        if (last || emptyValue) break;
      }
      node = value;
      offset = value!.range![0];
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item?.range) break;
      node = item;
      offset = item.range[0];
    } else {
      break;
    }
  }
  const { line, col } = f.lc.linePos(offset);
  return { line, column: col };
}

// ---------------------------------------------------------------------------------------------
// The token rule

/** `token`, `api_token`, `canvas-token`, `apiToken`, … (not `tokenEnv`). */
function isTokenKey(name: string): boolean {
  return /^token$/i.test(name) || /[-_]token$/i.test(name) || /[a-z0-9]Token$/.test(name);
}

const TOKEN_HINT = 'put the token in an environment variable and name it with tokenEnv (sources.canvas.tokenEnv, default CANVAS_TOKEN)';

function findTokenKeys(f: PolicyFile, out: Diagnostic[]): void {
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

// ---------------------------------------------------------------------------------------------
// ajv errors → diagnostics

/** An own property of a lookup table (never one inherited from Object.prototype). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function show(value: unknown): string {
  let s = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  if (s.length > 60) s = s.slice(0, 57) + '…';
  return s;
}

function typeName(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

function looksLikeCanvasToken(v: unknown): boolean {
  return typeof v === 'string' && (/^\d+~[A-Za-z0-9]{16,}$/.test(v) || /^[A-Za-z0-9~_-]{40,}$/.test(v));
}

const PATTERN_HINTS: Record<string, string> = {
  url: 'write the base URL with http:// or https://, e.g. https://district.instructure.com',
  tokenEnv: 'name an environment variable (letters, digits, _), e.g. CANVAS_TOKEN',
  account: 'write `self`, a numeric account id, or `sis_account_id:<id>`',
  provider: 'write a numeric authentication provider id or a provider type such as saml, google, microsoft, cas, ldap',
  default: 'write a numeric authentication provider id or a provider type such as saml, google, microsoft, cas, ldap',
  reviewers: 'write GitHub logins (letters, digits and -, up to 39 characters) without @',
};

function ajvDiagnostic(f: PolicyFile, err: ErrorObject): Diagnostic | null {
  const path = unpointer(err.instancePath);
  const name = path.length > 0 ? dotted(path) : 'the file';
  const last = path[path.length - 1];
  const lastName = typeof last === 'string' && !/^\d+$/.test(last) ? last : undefined;
  const parentSchema = (err.parentSchema ?? {}) as { properties?: Record<string, { description?: string }>; description?: string; enum?: unknown[] };
  const base = (code: string, message: string, hint: string | undefined, at: readonly Segment[] = path, mode: 'key' | 'value' = 'value'): Diagnostic => {
    const { line, column } = positionOf(f, at, mode);
    return { severity: 'error', code, message, hint, file: f.rel, line, column, field: pointer(at) };
  };

  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      if (isTokenKey(key)) return null; // reported by the token rule
      const allowed = Object.keys(parentSchema.properties ?? {});
      const near = closestMatch(key, allowed);
      const where = path.length > 0 ? ` in \`${name}\`` : ' at the top level';
      return base(
        'policy.unknown-key',
        `unknown key \`${key}\`${where}`,
        `${near ? `did you mean \`${near}\`? ` : ''}allowed keys: ${allowed.join(', ')}`,
        [...path, key],
        'key',
      );
    }
    case 'required': {
      const missing = String((err.params as { missingProperty: string }).missingProperty);
      const desc = parentSchema.properties && Object.hasOwn(parentSchema.properties, missing) ? parentSchema.properties[missing]?.description : undefined;
      return base('policy.missing-key', `\`${name}\` is missing the required key \`${missing}\``, desc ? `add \`${missing}\`: ${desc}` : `add \`${missing}\``, path, 'key');
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      const value = err.data;
      if (path[0] === 'rules' && lastName === 'manual' && value === 'adopt') {
        return base(
          'policy.invalid-value',
          `\`manual: adopt\` is not allowed for ${String(path[1])}`,
          'adopt only applies to users (a hand-made Canvas user matched to an SIS person is attached instead of duplicated); for other entities use `flag` to list hand-made objects in the plan, or `ignore`',
        );
      }
      const near = typeof value === 'string' ? closestMatch(value, allowed.map(String)) : undefined;
      return base('policy.invalid-value', `${show(value)} is not an allowed value for \`${name}\``, `${near !== undefined ? `did you mean ${show(near)}? ` : ''}allowed: ${allowed.map((v) => show(v)).join(', ')}`);
    }
    case 'const': {
      if (path.length === 1 && path[0] === 'version') {
        return base('policy.unsupported-version', `unsupported policy version ${show(err.data)}`, 'this rosterops reads `version: 1`');
      }
      return base('policy.invalid-value', `\`${name}\` must be ${show((err.params as { allowedValue: unknown }).allowedValue)}`, undefined);
    }
    case 'type': {
      const want = String((err.params as { type: string | string[] }).type)
        .split(',')
        .map((t) => lookup(TYPE_WORDS, t) ?? t);
      const value = err.data;
      let hint: string;
      if (value === null) hint = `give \`${name}\` a value, or remove the key to use the default`;
      else if (want.includes('text') && (typeof value === 'number' || typeof value === 'boolean')) hint = `quote the value: ${lastName ?? name}: "${String(value)}"`;
      else if (want.includes('a list') && !Array.isArray(value)) hint = `write a list, e.g. [${typeof value === 'string' ? value : '…'}]`;
      else hint = parentSchema.description ?? `write ${want.join(' or ')}`;
      const got = looksLikeCanvasToken(value) ? 'a value that looks like a token' : typeName(value);
      return base('policy.wrong-type', `\`${name}\` must be ${want.join(' or ')}, not ${got}`, hint, path, value === null ? 'key' : 'value');
    }
    case 'format': {
      const format = String((err.params as { format: string }).format);
      if (format === 'date') return base('policy.invalid-date', `${show(err.data)} is not a valid date for \`${name}\``, 'write a calendar date as YYYY-MM-DD, e.g. 2025-01-24');
      if (format === 'uri') return base('policy.invalid-url', `${show(err.data)} is not a valid URL for \`${name}\``, PATTERN_HINTS.url);
      return base('policy.invalid-format', `\`${name}\` must be a valid ${format}`, undefined);
    }
    case 'pattern': {
      const key = lastName ?? String(path[path.length - 2] ?? '');
      if (key === 'tokenEnv' && looksLikeCanvasToken(err.data)) {
        return base('policy.token-in-yaml', '`tokenEnv` holds what looks like a token itself, not the name of an environment variable', TOKEN_HINT);
      }
      return base('policy.invalid-value', `${show(err.data)} is not valid for \`${name}\``, lookup(PATTERN_HINTS, key) ?? parentSchema.description);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = err.params as { comparison: string; limit: number };
      return base('policy.out-of-range', `\`${name}\` must be ${p.comparison} ${p.limit}, not ${show(err.data)}`, parentSchema.description);
    }
    case 'minItems': {
      const choices = (parentSchema as { items?: { enum?: unknown[] } }).items?.enum;
      const hint = choices ? `list at least one of: ${choices.map((v) => show(v)).join(', ')}` : `${parentSchema.description ?? ''} Add an item or remove the key.`.trim();
      return base('policy.empty-list', `\`${name}\` must not be an empty list`, hint);
    }
    case 'minLength':
      return base('policy.empty-value', `\`${name}\` must not be empty`, parentSchema.description ?? 'give it a value or remove the key');
    case 'minProperties': {
      if (lastName === 'match') {
        return base('policy.empty-match', '`match` needs at least one condition', 'add role, school, grade, idPattern or emailPattern; for users no rule matches, use authProviders.default', path, 'key');
      }
      return base('policy.empty-mapping', `\`${name}\` must not be empty`, parentSchema.description ?? 'write at least one key or remove it', path, 'key');
    }
    case 'uniqueItems': {
      const p = err.params as { i: number; j: number };
      const list = err.data as unknown[];
      return base('policy.duplicate-item', `\`${name}\` lists ${show(list[p.j])} twice (items ${p.j + 1} and ${p.i + 1})`, 'remove the repeated item', [...path, p.i]);
    }
    default:
      return base('policy.invalid', `\`${name}\` ${err.message ?? 'is invalid'}`, parentSchema.description);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

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

async function listPolicyFiles(absDir: string, relDir: string): Promise<string[]> {
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

// ---------------------------------------------------------------------------------------------
// Loading

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

  // Schema, per file. A top-level key with schema errors is left out of the semantic checks.
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

  // Merge top-level keys across files.
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
  const config = ctx.resolve(absDir, files.map((f) => f.rel), hash.digest('hex'));
  if (errors.length > 0) throw fromDiagnostics(ConfigError, errors);
  return { config, warnings };
}

// ---------------------------------------------------------------------------------------------
// Semantic rules and defaults

/** A template stand-in used only while collecting errors (the Config is never returned then). */
function placeholder(source: string, where: PolicySource): Template {
  return { source, fields: [], where, render: () => '' };
}

class Resolver {
  constructor(
    private readonly w: WrittenPolicy,
    private readonly owner: Map<string, PolicyFile>,
    private readonly errors: Diagnostic[],
    private readonly warnings: Diagnostic[],
    /** Course grouping as written, used when `rules` itself failed the schema. */
    private readonly writtenGrouping: 'class' | 'course-term',
  ) {}

  private fileOf(path: readonly Segment[]): PolicyFile | undefined {
    return this.owner.get(String(path[0]));
  }

  where(path: readonly Segment[], mode: 'key' | 'value' = 'value'): PolicySource {
    const f = this.fileOf(path);
    if (!f) return { file: DEFAULT_FILE, line: 0, column: 0, path: pointer(path) };
    return { file: f.rel, ...positionOf(f, path, mode), path: pointer(path) };
  }

  private push(list: Diagnostic[], severity: 'error' | 'warning', path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value'): void {
    const at = this.where(path, mode);
    list.push({ severity, code, message, hint, file: at.file, line: at.line, column: at.column, field: at.path });
  }

  error(path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value' = 'value'): void {
    this.push(this.errors, 'error', path, code, message, hint, mode);
  }

  warn(path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value' = 'value'): void {
    this.push(this.warnings, 'warning', path, code, message, hint, mode);
  }

  private compile(source: string, context: ContextName, path: readonly Segment[]): Template {
    const where = this.where(path);
    try {
      return compileTemplate(source, context, where);
    } catch (err) {
      if (err instanceof ConfigError) {
        this.errors.push(...err.diagnostics);
        return placeholder(source, where);
      }
      throw err;
    }
  }

  /** Compile `defaults` overlaid with the written block (null removes an optional column). */
  private formulas(defaults: Record<string, string>, block: Record<string, string | null> | undefined, context: ContextName, base: Segment[]): Record<string, Template> {
    const out: Record<string, Template> = {};
    for (const [col, src] of Object.entries(defaults)) if (block?.[col] === undefined) out[col] = this.compile(src, context, [...base, col]);
    for (const [col, src] of Object.entries(block ?? {})) if (typeof src === 'string') out[col] = this.compile(src, context, [...base, col]);
    return out;
  }

  resolve(dir: string, files: string[], digest: string): Config {
    const w = this.w;
    const rules = this.rules();
    const scope = {
      schools: w.scope?.schools ?? null,
      sessionTypes: w.scope?.sessionTypes ?? [...SESSION_TYPE_DEFAULTS],
      terms: w.scope?.terms ?? null,
      roles: w.scope?.roles ?? [...ROLE_DEFAULTS],
    };
    if (scope.schools?.length === 0) this.warn(['scope', 'schools'], 'policy.empty-scope', '`scope.schools` is an empty list: no school will be synced', 'list school sourcedIds, or remove the key to sync every school');
    if (scope.terms?.length === 0) this.warn(['scope', 'terms'], 'policy.empty-scope', '`scope.terms` is an empty list: no term will be synced', 'list academicSession sourcedIds, or remove the key to sync every session');

    const timezone = w.timezone ?? 'UTC';
    if (!isValidTimeZone(timezone)) {
      this.error(['timezone'], 'policy.invalid-timezone', `${show(timezone)} is not a time zone this Node.js knows`, 'write an IANA zone name such as America/Chicago, Europe/Berlin or UTC');
    }
    const asOf = w.asOf ?? null;
    if (asOf !== null && !isCalendarDate(asOf)) this.error(['asOf'], 'policy.invalid-date', `${show(asOf)} is not a valid date for \`asOf\``, 'write YYYY-MM-DD');

    if (w.showPersonalData) {
      this.warn(['showPersonalData'], 'policy.personal-data', 'names and emails will be shown unmasked in pull-request comments', 'only keep showPersonalData: true in a private repository');
    }

    const config: Config = {
      dir,
      files,
      digest,
      version: 1,
      sources: this.sources(),
      timezone,
      asOf,
      scope,
      identifiers: this.identifiers(scope.roles, w.rules ? rules.courses.grouping : this.writtenGrouping),
      authProviders: this.authProviders(scope.roles),
      termOverrides: this.termOverrides(),
      enrollmentDates: {
        endDateConvention: w.enrollmentDates?.endDateConvention ?? 'exclusive',
        alignToTermEndWithinDays: w.enrollmentDates?.alignToTermEndWithinDays ?? null,
        ended: w.enrollmentDates?.ended ?? 'completed',
      },
      rules,
      guards: this.guards(),
      showPersonalData: w.showPersonalData ?? false,
      apply: {
        stickiness: w.apply?.stickiness ?? 'respect',
        updateSisIdIfLoginClaimed: w.apply?.updateSisIdIfLoginClaimed ?? false,
        pollIntervalSeconds: w.apply?.pollIntervalSeconds ?? 2,
        timeoutMinutes: w.apply?.timeoutMinutes ?? 60,
      },
    };
    return config;
  }

  private sources(): Config['sources'] {
    const s = this.w.sources;
    const f = this.fileOf(['sources']);
    const base = f ? dirname(f.abs) : process.cwd();
    const existing = (p: string, path: Segment[]): string => {
      const abs = resolve(base, p);
      if (!existsSync(abs)) this.warn(path, 'policy.path-not-found', `${p} (${abs}) does not exist yet`, `paths are relative to the policy file that names them (${f?.rel ?? 'policies/'}); make sure the export is there before planning`);
      return abs;
    };
    if (!s) {
      return { sis: { format: 'oneroster-1.1', path: '' }, canvas: { snapshot: null, url: null, account: 'self', tokenEnv: 'CANVAS_TOKEN' } };
    }
    if (s.canvas.snapshot === undefined && s.canvas.url === undefined) {
      this.error(['sources', 'canvas'], 'policy.no-canvas-source', '`sources.canvas` names neither `url` nor `snapshot`', 'add `url: https://<your-instance>.instructure.com` (live) or `snapshot: <report directory or .zip>` (offline)', 'key');
    }
    return {
      sis: { format: s.sis.format ?? 'oneroster-1.1', path: existing(s.sis.path, ['sources', 'sis', 'path']) },
      canvas: {
        snapshot: s.canvas.snapshot !== undefined ? existing(s.canvas.snapshot, ['sources', 'canvas', 'snapshot']) : null,
        url: s.canvas.url !== undefined ? s.canvas.url.replace(/\/+$/, '') : null,
        account: s.canvas.account ?? 'self',
        tokenEnv: s.canvas.tokenEnv ?? 'CANVAS_TOKEN',
      },
    };
  }

  private identifiers(roles: string[], grouping: 'class' | 'course-term'): Config['identifiers'] {
    const ids = this.w.identifiers ?? {};
    const P = (entity: string): Segment[] => ['identifiers', entity];
    const courseContext: ContextName = grouping === 'course-term' ? 'coursesByCourseTerm' : 'courses';
    const accounts = this.formulas(ACCOUNT_DEFAULTS, ids.accounts, 'accounts', P('accounts')) as unknown as AccountFormulas;
    const terms = this.formulas(TERM_DEFAULTS, ids.terms, 'terms', P('terms')) as unknown as TermFormulas;
    const courses = this.formulas(grouping === 'course-term' ? COURSE_TERM_DEFAULTS : COURSE_DEFAULTS, ids.courses, courseContext, P('courses')) as unknown as CourseFormulas;
    const sections = this.formulas(SECTION_DEFAULTS, ids.sections, 'sections', P('sections')) as unknown as SectionFormulas;

    // Users: built-in defaults ← `default` block ← role block, column by column.
    const written = ids.users ?? {};
    const defaultBlock = this.formulas(USER_DEFAULTS, written.default, 'users', [...P('users'), 'default']);
    const roleNames = [...roles];
    for (const role of Object.keys(written)) {
      if (role === 'default' || roleNames.includes(role)) continue;
      roleNames.push(role);
      this.warn([...P('users'), role], 'policy.role-out-of-scope', `identifiers for role \`${role}\`, which is not in scope.roles`, `add ${role} to scope.roles to sync these users, or remove the block`, 'key');
    }
    const users: Record<string, UserFormulas> = {};
    for (const role of roleNames) {
      const block = written[role] ?? {};
      const merged: Record<string, Template> = {};
      for (const col of USER_COLUMNS) {
        const own = block[col];
        if (own === null) continue; // removes an optional column (the schema rejects null for required ones)
        if (typeof own === 'string') merged[col] = this.compile(own, 'users', [...P('users'), role, col]);
        else if (defaultBlock[col]) merged[col] = defaultBlock[col]!;
      }
      users[role] = merged as unknown as UserFormulas;
    }
    return { accounts, terms, courses, sections, users };
  }

  private authProviders(roles: string[]): Config['authProviders'] {
    const ap = this.w.authProviders;
    const rules: AuthRule[] = [];
    (ap?.rules ?? []).forEach((r, i) => {
      const path: Segment[] = ['authProviders', 'rules', i];
      const rule: AuthRule = { provider: String(r.provider), where: this.where(path) };
      if (r.match.role) {
        rule.role = [...r.match.role];
        const unused = r.match.role.filter((x) => !roles.includes(x));
        if (unused.length > 0) this.warn([...path, 'match', 'role'], 'policy.role-out-of-scope', `rule ${i + 1} names role(s) ${unused.join(', ')}, which are not in scope.roles`, 'such users are not synced, so this condition never matches them');
      }
      if (r.match.school) rule.school = [...r.match.school];
      if (r.match.grade) rule.grade = [...r.match.grade];
      for (const key of ['idPattern', 'emailPattern'] as const) {
        const src = r.match[key];
        if (src === undefined) continue;
        try {
          rule[key] = new RegExp(src);
        } catch (err) {
          this.error([...path, 'match', key], 'policy.invalid-regex', `\`${key}\` is not a valid regular expression: ${(err as Error).message}`, 'write a JavaScript regular expression; escape . as \\. and, in double-quoted YAML, \\ as \\\\ (or use single quotes)');
        }
      }
      rules.push(rule);
    });
    const dflt = ap?.default;
    return { rules, default: dflt === undefined || dflt === null ? null : String(dflt) };
  }

  private termOverrides(): TermOverride[] {
    const out: TermOverride[] = [];
    const firstIndex = new Map<string, number>();
    (this.w.termOverrides ?? []).forEach((t, i) => {
      const path: Segment[] = ['termOverrides', i];
      const prev = firstIndex.get(t.term);
      if (prev !== undefined) {
        const a = this.where(['termOverrides', prev]);
        this.error([...path, 'term'], 'policy.duplicate-term-override', `term \`${t.term}\` is overridden twice: termOverrides[${prev}] (${a.file}:${a.line}:${a.column}) and termOverrides[${i}]`, 'merge the two entries into one');
      } else {
        firstIndex.set(t.term, i);
      }
      if (t.startDate !== undefined && t.endDate !== undefined && t.startDate > t.endDate) {
        this.error([...path, 'endDate'], 'policy.date-order', `term \`${t.term}\` ends (${t.endDate}) before it starts (${t.startDate})`, 'swap the dates or correct one of them');
      }
      const enrollmentTypes: TermOverride['enrollmentTypes'] = {};
      for (const [type, dates] of Object.entries(t.enrollmentTypes ?? {}) as [EnrollmentType, { startDate?: string | null; endDate?: string | null }][]) {
        const startDate = dates.startDate ?? null;
        const endDate = dates.endDate ?? null;
        if (startDate !== null && endDate !== null && startDate > endDate) {
          this.error([...path, 'enrollmentTypes', type, 'endDate'], 'policy.date-order', `${type} dates of term \`${t.term}\` end (${endDate}) before they start (${startDate})`, 'swap the dates or correct one of them');
        }
        enrollmentTypes[type] = { startDate, endDate };
      }
      if (t.name === undefined && t.startDate === undefined && t.endDate === undefined && Object.keys(enrollmentTypes).length === 0) {
        this.warn(path, 'policy.empty-override', `the override of term \`${t.term}\` changes nothing`, 'add name, startDate, endDate or enrollmentTypes, or remove the entry');
      }
      const o: TermOverride = { term: t.term, enrollmentTypes, where: this.where(path) };
      if (t.name !== undefined) o.name = t.name;
      if (t.startDate !== undefined) o.startDate = t.startDate;
      if (t.endDate !== undefined) o.endDate = t.endDate;
      out.push(o);
    });
    return out;
  }

  private rules(): Rules {
    const r = this.w.rules ?? {};
    const base = <M extends string>(e: Entity, missing: M, manual: ManualAction, owns: string[]) => ({
      missing: (r[e]?.missing as M | undefined) ?? missing,
      manual: r[e]?.manual ?? manual,
      owns: [...(r[e]?.owns ?? owns)],
    });
    return {
      accounts: base<'delete' | 'ignore'>('accounts', 'ignore', 'ignore', ['name', 'parent_account_id']),
      terms: base<'delete' | 'ignore'>('terms', 'ignore', 'ignore', ['name', 'start_date', 'end_date']),
      courses: {
        ...base<'delete' | 'conclude' | 'ignore'>('courses', 'conclude', 'ignore', ['short_name', 'long_name', 'account_id', 'term_id']),
        grouping: r.courses?.grouping ?? 'class',
        publish: r.courses?.publish ?? 'active',
      },
      sections: base<'delete' | 'ignore'>('sections', 'ignore', 'ignore', ['name', 'course_id']),
      users: {
        ...base<'delete' | 'suspend' | 'ignore'>('users', 'suspend', 'flag', ['login_id', 'full_name', 'sortable_name', 'email', 'authentication_provider_id', 'status']),
        matchBy: [...(r.users?.matchBy ?? ['email', 'name'])],
      },
      enrollments: {
        ...base<'delete' | 'conclude' | 'inactivate' | 'ignore'>('enrollments', 'conclude', 'ignore', ['status']),
        roles: { ...ENROLLMENT_ROLE_DEFAULTS, ...(r.enrollments?.roles ?? {}) },
      },
    };
  }

  private guards(): Guards {
    const g = this.w.guards ?? {};
    const drops: Guards['drops'] = {};
    for (const e of ENTITIES) {
      const written = g.drops?.[e];
      if (written === null) continue; // switched off
      const dflt = DROP_DEFAULTS[e];
      if (written === undefined) {
        if (dflt) drops[e] = { ...dflt };
        continue;
      }
      const guard: DropGuard = {
        maxShare: written.maxShare !== undefined ? written.maxShare : (dflt?.maxShare ?? null),
        maxCount: written.maxCount !== undefined ? written.maxCount : (dflt?.maxCount ?? null),
        onViolation: written.onViolation ?? dflt?.onViolation ?? 'needs-approval',
      };
      if (guard.maxShare === null && guard.maxCount === null) {
        this.warn(['guards', 'drops', e], 'policy.guard-without-limit', `the drop guard for ${e} sets neither maxShare nor maxCount, so it never trips`, `set a limit, or write \`${e}: null\` to say there is no guard`, 'key');
      }
      drops[e] = guard;
    }

    let protect: ProtectGuard[];
    if (g.protect === undefined) {
      protect = [{ entity: 'users', actions: ['drop'], dropStatus: ['deleted'], onViolation: 'blocked', where: { file: DEFAULT_FILE, line: 0, column: 0, path: '/guards/protect/0' } }];
    } else {
      protect = g.protect.map((p, i) => {
        const path: Segment[] = ['guards', 'protect', i];
        if (p.roles && p.entity !== 'enrollments') {
          this.error([...path, 'roles'], 'policy.protect-roles', `\`roles\` only applies to enrollments, not ${p.entity}`, 'remove `roles`, or set `entity: enrollments`', 'key');
        }
        if (p.dropStatus && !p.actions.includes('drop')) {
          this.error([...path, 'dropStatus'], 'policy.protect-drop-status', '`dropStatus` only applies when `actions` includes `drop`', 'add drop to actions, or remove dropStatus', 'key');
        }
        const out: ProtectGuard = { entity: p.entity, actions: [...p.actions], onViolation: p.onViolation ?? 'blocked', where: this.where(path) };
        if (p.roles) out.roles = [...p.roles];
        if (p.dropStatus) out.dropStatus = [...p.dropStatus];
        return out;
      });
    }

    const approvals = { required: g.approvals?.required ?? 1, reviewers: [...(g.approvals?.reviewers ?? [])] };
    if (approvals.reviewers.length > 0 && approvals.reviewers.length < approvals.required) {
      this.error(['guards', 'approvals', 'required'], 'policy.approvals-unreachable', `${approvals.required} approvals are required but only ${approvals.reviewers.length} reviewer(s) are listed`, 'list more reviewers or lower `required`');
    }
    return {
      drops,
      protect,
      shrink: { minRatio: g.shrink?.minRatio ?? 0.8, minCanvasCount: g.shrink?.minCanvasCount ?? 20, onViolation: g.shrink?.onViolation ?? 'blocked' },
      risks: { ...RISK_DEFAULTS, ...(g.risks ?? {}) },
      approvals,
    };
  }
}
