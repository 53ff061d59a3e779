/**
 * The formula engine: identifier and name formulas are Handlebars templates run on a private
 * Handlebars instance with a small whitelisted helper set and no prototype access.
 *
 * Defence in depth:
 * 1. At load time the template is parsed and its AST walked: only plain field paths that the
 *    entity's context offers (contexts.ts), the helpers below, and `#if`/`#unless`/`else` blocks
 *    pass. Partials, decorators, block params, `this`, `../`, `@data`, deeper paths and
 *    prototype names are rejected with a located diagnostic.
 * 2. The instance has `log`, `lookup`, `with`, `each`, `blockHelperMissing` and the `inline`
 *    decorator removed, and a `helperMissing` that throws.
 * 3. Templates compile with `knownHelpersOnly` and render with prototype access disabled.
 */
import Handlebars from 'handlebars';
import { ConfigError, fromDiagnostics, type Diagnostic } from '../errors.js';
import { CONTEXTS, type ContextName, type ContextShape } from './contexts.js';
import type { PolicySource, Template } from './types.js';

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type PathExpression = hbs.AST.PathExpression;
type Expression = hbs.AST.Expression;

/** Helper name → [min, max] number of arguments. */
const HELPER_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  lower: [1, 1],
  upper: [1, 1],
  trim: [1, 1],
  pad: [2, 3],
  slice: [2, 3],
  replace: [3, 3],
  default: [1, 32],
};
export const TEMPLATE_HELPERS: readonly string[] = Object.keys(HELPER_ARITY);
const isHelper = (name: string): boolean => Object.hasOwn(HELPER_ARITY, name);
const BLOCK_HELPERS = new Set(['if', 'unless']);
/** Widest `pad` width accepted (keeps a typo from building megabyte ids). */
export const MAX_PAD_WIDTH = 255;

/** Names that can reach an object's prototype; rejected in every path segment. */
function isForbiddenName(name: string): boolean {
  return name === '__proto__' || name === 'prototype' || name === 'constructor' || name in Object.prototype;
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/** Handlebars passes its `options` object last; drop it. */
function args(list: unknown[]): unknown[] {
  return list.slice(0, -1);
}

// The helpers, exported for tests and for code that needs the same semantics outside a template.
export const helpers = {
  lower: (v: unknown): string => str(v).toLowerCase(),
  upper: (v: unknown): string => str(v).toUpperCase(),
  trim: (v: unknown): string => str(v).trim(),
  /** Left-pad to `width` characters with `fill` (default "0"). */
  pad: (v: unknown, width: unknown, fill: unknown = '0'): string => {
    const w = Math.min(Math.max(0, Math.trunc(Number(width)) || 0), MAX_PAD_WIDTH);
    const f = str(fill);
    const s = str(v);
    return f === '' ? s : s.padStart(w, f);
  },
  /** Characters `start` up to (not including) `end`, like String.prototype.slice, by code point. */
  slice: (v: unknown, start: unknown, end?: unknown): string => {
    const chars = Array.from(str(v));
    const s = Math.trunc(Number(start)) || 0;
    const e = end === undefined || end === null ? undefined : Math.trunc(Number(end)) || 0;
    return chars.slice(s, e).join('');
  },
  /** Replace every occurrence of the literal `from` by `to`. */
  replace: (v: unknown, from: unknown, to: unknown): string => {
    const s = str(v);
    const f = str(from);
    return f === '' ? s : s.split(f).join(str(to));
  },
  /** The first argument that is not empty (whitespace only counts as empty). */
  default: (...values: unknown[]): string => {
    for (const v of values) {
      const s = str(v);
      if (s.trim() !== '') return s;
    }
    return '';
  },
} as const;

const hb = Handlebars.create();
for (const name of ['log', 'lookup', 'with', 'each', 'blockHelperMissing', 'helperMissing']) hb.unregisterHelper(name);
hb.unregisterDecorator('inline');
// checkTemplate refuses unknown helpers and blocks before a formula is compiled; these are the
// last line, and a formula is the user's, so they are configuration errors, not bugs.
hb.registerHelper('helperMissing', () => {
  throw new ConfigError('template.unknown-helper', 'rosterops formulas may only use the helpers ' + TEMPLATE_HELPERS.join(', '), {}, 'check the formulas in identifiers.yaml with `rosterops validate`');
});
hb.registerHelper('blockHelperMissing', () => {
  throw new ConfigError('template.forbidden', 'rosterops formulas may only use the blocks #if and #unless', {}, 'check the formulas in identifiers.yaml with `rosterops validate`');
});
hb.registerHelper('lower', (...a: unknown[]) => helpers.lower(...(args(a) as [unknown])));
hb.registerHelper('upper', (...a: unknown[]) => helpers.upper(...(args(a) as [unknown])));
hb.registerHelper('trim', (...a: unknown[]) => helpers.trim(...(args(a) as [unknown])));
hb.registerHelper('pad', (...a: unknown[]) => helpers.pad(...(args(a) as [unknown, unknown, unknown])));
hb.registerHelper('slice', (...a: unknown[]) => helpers.slice(...(args(a) as [unknown, unknown, unknown])));
hb.registerHelper('replace', (...a: unknown[]) => helpers.replace(...(args(a) as [unknown, unknown, unknown])));
hb.registerHelper('default', (...a: unknown[]) => helpers.default(...args(a)));

const KNOWN_HELPERS = {
  helperMissing: false,
  blockHelperMissing: false,
  each: false,
  with: false,
  log: false,
  lookup: false,
  if: true,
  unless: true,
  ...Object.fromEntries(TEMPLATE_HELPERS.map((h) => [h, true])),
};

const COMPILE_OPTIONS = {
  noEscape: true,
  strict: false,
  knownHelpersOnly: true,
  knownHelpers: KNOWN_HELPERS,
  preventIndent: true,
  data: false,
} as const;

const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

/** Edit distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` (ignoring case, `_` and `-`), or undefined if none is close. */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const n = norm(name);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = norm(c) === n ? 0 : editDistance(n, norm(c));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(n.length / 3));
  return bestScore <= limit ? best : undefined;
}

function describeShape(shape: ContextShape): string {
  const nested = Object.entries(shape.nested).map(([k, v]) => (v === '*' ? `${k}.<any key>` : `${k}.{${v.join(',')}}`));
  return [...shape.fields.filter((f) => !Object.hasOwn(shape.nested, f)), ...nested].join(', ');
}

/**
 * Check a formula without compiling it. Returns every problem found (empty = valid) and the
 * top-level fields it reads.
 */
export function checkTemplate(source: string, contextName: ContextName, where: PolicySource): { diagnostics: Diagnostic[]; fields: string[] } {
  const shape: ContextShape = CONTEXTS[contextName];
  const diagnostics: Diagnostic[] = [];
  const fields = new Set<string>();

  const report = (code: string, node: Node | undefined, message: string, hint: string): void => {
    const at = node?.loc ? ` (formula line ${node.loc.start.line}, column ${node.loc.start.column + 1})` : '';
    diagnostics.push({ severity: 'error', code, message: `${message}${at}`, hint, file: where.file, line: where.line, column: where.column, field: where.path });
  };

  let ast: Program;
  try {
    ast = hb.parse(source);
  } catch (err) {
    const e = err as { message?: string; lineNumber?: number; column?: number };
    const raw = String(e.message ?? err);
    const lineMatch = /line (\d+)/.exec(raw);
    const caret = /\n(-*)\^/.exec(raw);
    const line = e.lineNumber ?? (lineMatch ? Number(lineMatch[1]) : 1);
    const column = e.column !== undefined ? e.column + 1 : caret ? caret[1]!.length + 1 : 1;
    const first = raw.split('\n').find((l) => /^Expecting|doesn't match/.test(l)) ?? raw.split('\n')[0]!;
    diagnostics.push({
      severity: 'error',
      code: 'template.syntax',
      message: `formula \`${source}\` is not a valid Handlebars template: ${first.replace(/ - \d+:\d+$/, '')} (formula line ${line}, column ${column})`,
      hint: 'check that every {{ has a matching }} and every {{#if}} a matching {{/if}}',
      file: where.file,
      line: where.line,
      column: where.column,
      field: where.path,
    });
    return { diagnostics, fields: [] };
  }

  const checkPath = (p: PathExpression): void => {
    if (p.data) {
      report('template.forbidden', p, `\`@${p.parts.join('.')}\` (a @data variable) is not allowed in a formula`, `use a field of the record: ${describeShape(shape)}`);
      return;
    }
    if (p.depth > 0 || /(^|\/|\.)\.\.(\/|\.|$)/.test(p.original)) {
      report('template.forbidden', p, `\`${p.original}\` (a parent scope path) is not allowed in a formula`, `name the field directly: ${describeShape(shape)}`);
      return;
    }
    if (p.parts.length === 0 || /^this([./]|$)/.test(p.original) || p.original.startsWith('./')) {
      report('template.forbidden', p, `\`${p.original}\` (the whole context) is not allowed in a formula`, `name the field directly: ${describeShape(shape)}`);
      return;
    }
    const bad = p.parts.find(isForbiddenName);
    if (bad !== undefined) {
      report('template.forbidden', p, `\`${p.original}\` names \`${bad}\`, which is never readable in a formula`, `use a field of the record: ${describeShape(shape)}`);
      return;
    }
    const [head, sub] = p.parts as [string, string | undefined];
    if (!shape.fields.includes(head)) {
      const near = closestMatch(head, shape.fields);
      report(
        'template.unknown-field',
        p,
        `unknown field \`${head}\` in formula \`${source}\``,
        `${near ? `did you mean \`${near}\`? ` : ''}fields available for ${contextName}: ${describeShape(shape)}`,
      );
      return;
    }
    if (p.parts.length > 2) {
      report('template.forbidden', p, `\`${p.original}\` is too deep: formulas read a field or one sub-field (\`a.b\`)`, `fields available for ${contextName}: ${describeShape(shape)}`);
      return;
    }
    const allowed = Object.hasOwn(shape.nested, head) ? shape.nested[head] : undefined;
    if (sub !== undefined) {
      if (allowed === undefined) {
        report('template.unknown-field', p, `field \`${head}\` has no sub-fields (in \`${p.original}\`)`, `write \`{{${head}}}\`; fields with sub-fields: ${Object.keys(shape.nested).join(', ')}`);
        return;
      }
      if (allowed !== '*' && !allowed.includes(sub)) {
        const near = closestMatch(sub, allowed);
        report('template.unknown-field', p, `unknown field \`${head}.${sub}\` in formula \`${source}\``, `${near ? `did you mean \`${head}.${near}\`? ` : ''}sub-fields of ${head}: ${allowed.join(', ')}`);
        return;
      }
    } else if (allowed !== undefined) {
      report('template.unknown-field', p, `\`${head}\` is an object; name one of its sub-fields`, allowed === '*' ? `write \`{{${head}.<key>}}\`` : `sub-fields of ${head}: ${allowed.join(', ')}`);
      return;
    }
    fields.add(head);
  };

  const checkHash = (node: { hash?: hbs.AST.Hash }): void => {
    if (node.hash && node.hash.pairs.length > 0) {
      report('template.forbidden', node.hash, `named arguments (\`${node.hash.pairs.map((x) => x.key).join('=…, ')}=…\`) are not supported in formulas`, 'pass arguments by position, e.g. {{pad identifier 6 "0"}}');
    }
  };

  const checkExpr = (e: Expression): void => {
    switch (e.type) {
      case 'PathExpression':
        checkPath(e as PathExpression);
        return;
      case 'SubExpression':
        checkCall(e as hbs.AST.SubExpression, (e as hbs.AST.SubExpression).path, (e as hbs.AST.SubExpression).params);
        return;
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
      case 'NullLiteral':
      case 'UndefinedLiteral':
        return;
      default:
        report('template.forbidden', e, `\`${e.type}\` is not allowed in a formula`, 'use fields, literals and the helpers ' + TEMPLATE_HELPERS.join(', '));
    }
  };

  const checkHelperArgs = (name: string, node: Node, params: Expression[]): void => {
    const [min, max] = HELPER_ARITY[name]!;
    if (params.length < min || params.length > max) {
      const want = min === max ? `${min}` : max >= 32 ? `at least ${min}` : `${min} to ${max}`;
      report('template.helper-arguments', node, `helper \`${name}\` takes ${want} argument${want === '1' ? '' : 's'}, got ${params.length}`, HELPER_USAGE[name]!);
      return;
    }
    const num = (i: number, what: string, lo: number, hi: number): void => {
      const p = params[i];
      if (p === undefined) return;
      const v = (p as hbs.AST.NumberLiteral).value;
      if (p.type !== 'NumberLiteral' || !Number.isInteger(v) || v < lo || v > hi) {
        report('template.helper-arguments', p, `helper \`${name}\`: ${what} must be a whole number from ${lo} to ${hi}`, HELPER_USAGE[name]!);
      }
    };
    if (name === 'pad') {
      num(1, 'the width', 0, MAX_PAD_WIDTH);
      const fill = params[2];
      if (fill !== undefined && (fill.type !== 'StringLiteral' || (fill as hbs.AST.StringLiteral).value === '')) {
        report('template.helper-arguments', fill, 'helper `pad`: the fill must be a non-empty quoted string', HELPER_USAGE.pad!);
      }
    }
    if (name === 'slice') {
      num(1, 'the start', -MAX_PAD_WIDTH, 10_000);
      num(2, 'the end', -MAX_PAD_WIDTH, 10_000);
    }
  };

  const checkCall = (node: Node, path: PathExpression | hbs.AST.Literal, params: Expression[], hash?: hbs.AST.Hash): void => {
    if (path.type !== 'PathExpression') {
      report('template.forbidden', path, 'a literal cannot be called as a helper', 'write literal text outside {{ }}, or pass it to a helper: {{default email "none"}}');
      return;
    }
    const p = path as PathExpression;
    const name = p.original;
    if (p.parts.length !== 1 || p.data || p.depth > 0 || !isHelper(name) || BLOCK_HELPERS.has(name)) {
      const near = closestMatch(name, TEMPLATE_HELPERS);
      const block = BLOCK_HELPERS.has(name) ? ` (\`${name}\` is a block: {{#${name} field}}…{{/${name}}})` : '';
      report('template.unknown-helper', p, `unknown helper \`${name}\`${block}`, `${near ? `did you mean \`${near}\`? ` : ''}helpers: ${TEMPLATE_HELPERS.join(', ')}; blocks: #if, #unless`);
    } else {
      checkHelperArgs(name, node, params);
    }
    if (hash) checkHash({ hash });
    for (const param of params) checkExpr(param);
  };

  const walk = (program: Program | undefined): void => {
    if (!program) return;
    if (program.blockParams && program.blockParams.length > 0) {
      report('template.forbidden', program, `block parameters (\`as |${program.blockParams.join(' ')}|\`) are not allowed in formulas`, 'use {{#if field}}…{{else}}…{{/if}}');
    }
    for (const stmt of program.body) {
      switch (stmt.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const m = stmt as hbs.AST.MustacheStatement;
          if (m.params.length > 0 || (m.hash && m.hash.pairs.length > 0)) {
            checkCall(m, m.path, m.params, m.hash);
          } else if (m.path.type !== 'PathExpression') {
            report('template.forbidden', m.path, 'a literal inside {{ }} is not allowed', 'write literal text outside {{ }}');
          } else if (isHelper((m.path as PathExpression).original) || BLOCK_HELPERS.has((m.path as PathExpression).original)) {
            const name = (m.path as PathExpression).original;
            if (BLOCK_HELPERS.has(name)) checkCall(m, m.path, m.params);
            else checkHelperArgs(name, m, []);
          } else {
            checkPath(m.path as PathExpression);
          }
          break;
        }
        case 'BlockStatement': {
          const b = stmt as hbs.AST.BlockStatement;
          const name = b.path.original;
          if (b.path.type !== 'PathExpression' || !BLOCK_HELPERS.has(name) || b.path.parts.length !== 1) {
            report('template.forbidden', b, `block \`{{#${name}}}\` is not allowed in a formula`, 'the only blocks are {{#if field}}…{{else}}…{{/if}} and {{#unless field}}…{{/unless}}');
          } else {
            if (b.params.length !== 1) {
              report('template.helper-arguments', b, `\`#${name}\` takes exactly 1 argument, got ${b.params.length}`, `write {{#${name} field}}…{{/${name}}}`);
            }
            checkHash(b);
          }
          for (const param of b.params) checkExpr(param);
          walk(b.program);
          walk(b.inverse);
          break;
        }
        case 'PartialStatement':
        case 'PartialBlockStatement':
          report('template.forbidden', stmt, 'partials (`{{> name}}`) are not allowed in formulas', 'write the formula out in full');
          break;
        case 'Decorator':
        case 'DecoratorBlock':
          report('template.forbidden', stmt, 'decorators (`{{* name}}`) are not allowed in formulas', 'write the formula out in full');
          break;
        default:
          report('template.forbidden', stmt, `\`${stmt.type}\` is not allowed in a formula`, 'use fields, literals, helpers and #if/#unless');
      }
    }
  };
  walk(ast);
  return { diagnostics, fields: [...fields].sort() };
}

const HELPER_USAGE: Readonly<Record<string, string>> = {
  lower: 'usage: {{lower field}}',
  upper: 'usage: {{upper field}}',
  trim: 'usage: {{trim field}}',
  pad: 'usage: {{pad field 6 "0"}} left-pads to 6 characters (fill defaults to "0")',
  slice: 'usage: {{slice field 0 3}} takes characters 0 to 2; negative numbers count from the end',
  replace: 'usage: {{replace field "@old.org" "@new.org"}} replaces every occurrence of the literal text',
  default: 'usage: {{default field1 field2 "fallback"}} gives the first non-empty value',
};

export interface CompileOptions {
  /**
   * Render templates made only of text, fields and helper calls with plain closures instead of
   * the Handlebars runtime (default true). Same output by construction; tests compare both.
   */
  fastPath?: boolean;
}

/**
 * Validate and compile a formula for the context `contextName`. Throws ConfigError (with every
 * problem as a diagnostic located at `where`) if the formula is not allowed.
 */
export function compileTemplate(source: string, contextName: ContextName, where: PolicySource, options: CompileOptions = {}): Template {
  const { diagnostics, fields } = checkTemplate(source, contextName, where);
  if (diagnostics.length > 0) throw fromDiagnostics(ConfigError, diagnostics);
  const fn = hb.compile<Record<string, unknown>>(source, COMPILE_OPTIONS);
  // Handlebars compiles lazily; force it now so a compiler complaint surfaces at load time.
  try {
    fn({}, RUNTIME_OPTIONS);
  } catch (err) {
    throw new ConfigError('template.compile', `formula \`${source}\` cannot be compiled: ${(err as Error).message}`, { file: where.file, line: where.line, column: where.column, field: where.path }, 'simplify the formula');
  }
  const fast = options.fastPath === false ? null : compileFast(hb.parse(source));
  return {
    source,
    fields,
    where,
    render: fast
      ? (context: Record<string, unknown>): string => String(fast(context))
      : (context: Record<string, unknown>): string => String(fn(context, RUNTIME_OPTIONS)),
  };
}

// ---------------------------------------------------------------------------------------------
// Fast path. Identifier formulas run once per record (a million enrollments, hundreds of
// thousands of users), and nearly all are text, fields and helpers: `s{{sourcedId}}`,
// `{{lower username}}`, `{{default preferredGivenName givenName}}`. For those the AST is turned
// into closures that do exactly what the code Handlebars generates for them does (checked
// against it by test/unit/templates.test.ts):
// - a field is looked up as an own property only (prototype access is off), one level or two;
//   a function value is called with the context as `this` (Handlebars' lambda);
// - a value that is null or undefined renders as '';
// - parts are joined with `+` left to right (so a template of one field returns the raw value,
//   which `render` turns into a string, as with Handlebars);
// - helpers get the looked-up values (no lambda call) and literals.
// Blocks (#if, #unless) and anything else keep the Handlebars runtime.

type Context = Record<string, unknown>;
type Part = (context: Context) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

function lookupProperty(parent: unknown, name: string): unknown {
  const value = (parent as Record<string, unknown>)[name];
  if (value === null || value === undefined) return value;
  return hasOwn.call(parent, name) ? value : undefined;
}

const FAST_HELPERS: Readonly<Record<string, (...values: unknown[]) => string>> = {
  lower: (v) => helpers.lower(v),
  upper: (v) => helpers.upper(v),
  trim: (v) => helpers.trim(v),
  pad: (...v) => helpers.pad(v[0], v[1], ...(v.length > 2 ? [v[2]] : [])),
  slice: (...v) => helpers.slice(v[0], v[1], ...(v.length > 2 ? [v[2]] : [])),
  replace: (v, from, to) => helpers.replace(v, from, to),
  default: (...v) => helpers.default(...v),
};

/** A closure rendering the template's value, or null when the template needs the Handlebars runtime. */
function compileFast(program: Program): Part | null {
  const parts: (string | Part)[] = [];
  let text = '';
  for (const stmt of program.body) {
    if (stmt.type === 'ContentStatement') {
      text += (stmt as hbs.AST.ContentStatement).value;
    } else if (stmt.type === 'CommentStatement') {
      continue;
    } else if (stmt.type === 'MustacheStatement') {
      const part = mustachePart(stmt as hbs.AST.MustacheStatement);
      if (part === null) return null;
      if (text !== '') parts.push(text);
      text = '';
      parts.push(part);
    } else {
      return null;
    }
  }
  if (text !== '') parts.push(text);
  return joinParts(parts);
}

function joinParts(parts: (string | Part)[]): Part {
  const fns = parts.map((p): Part => (typeof p === 'string' ? () => p : p));
  if (fns.length === 0) return () => '';
  if (fns.length === 1) return fns[0]!;
  const [a, b, c] = fns as [Part, Part, Part | undefined];
  // The shapes identifier formulas have, unrolled; the general case adds left to right.
  if (fns.length === 2) {
    if (typeof parts[0] === 'string') {
      const head = parts[0];
      return (ctx) => head + (b(ctx) as string);
    }
    if (typeof parts[1] === 'string') {
      const tail = parts[1];
      return (ctx) => (a(ctx) as string) + tail;
    }
    return (ctx) => (a(ctx) as string) + (b(ctx) as string);
  }
  if (fns.length === 3) return (ctx) => (a(ctx) as string) + (b(ctx) as string) + (c!(ctx) as string);
  return (ctx) => {
    let out = fns[0]!(ctx) as string;
    for (let i = 1; i < fns.length; i++) out += fns[i]!(ctx) as string;
    return out;
  };
}

function mustachePart(m: hbs.AST.MustacheStatement): Part | null {
  if (m.hash && m.hash.pairs.length > 0) return null;
  if (m.path.type !== 'PathExpression') return null;
  const path = m.path as PathExpression;
  if (m.params.length === 0) {
    const get = pathGetter(path);
    if (get === null) return null;
    return (ctx) => {
      let value = get(ctx);
      if (typeof value === 'function') value = (value as (this: unknown) => unknown).call(ctx);
      return value === null || value === undefined ? '' : value;
    };
  }
  const call = helperCall(path, m.params);
  if (call === null) return null;
  return (ctx) => {
    const value = call(ctx);
    return value === null || value === undefined ? '' : value;
  };
}

/** A plain field path (`a` or `a.b`), resolved as Handlebars resolves it with prototype access off. */
function pathGetter(p: PathExpression): Part | null {
  if (p.data || p.depth > 0 || p.parts.length === 0 || p.parts.length > 2 || isHelper(p.original) || BLOCK_HELPERS.has(p.original)) return null;
  if (/^this([./]|$)/.test(p.original) || p.original.startsWith('./') || p.original.includes('..')) return null;
  if (p.parts.some(isForbiddenName)) return null;
  const [head, sub] = p.parts as [string, string | undefined];
  if (sub === undefined) return (ctx) => (ctx !== null && ctx !== undefined ? lookupProperty(ctx, head) : ctx);
  return (ctx) => {
    const parent = ctx !== null && ctx !== undefined ? lookupProperty(ctx, head) : ctx;
    return parent !== null && parent !== undefined ? lookupProperty(parent, sub) : parent;
  };
}

function helperCall(path: PathExpression, params: Expression[]): Part | null {
  if (path.parts.length !== 1 || path.data || path.depth > 0 || !isHelper(path.original)) return null;
  const [min, max] = HELPER_ARITY[path.original]!;
  if (params.length < min || params.length > max) return null;
  const helper = FAST_HELPERS[path.original]!;
  const args: Part[] = [];
  for (const param of params) {
    const arg = paramValue(param);
    if (arg === null) return null;
    args.push(arg);
  }
  if (args.length === 1) {
    const [a] = args as [Part];
    return (ctx) => helper(a(ctx));
  }
  if (args.length === 2) {
    const [a, b] = args as [Part, Part];
    return (ctx) => helper(a(ctx), b(ctx));
  }
  return (ctx) => helper(...args.map((arg) => arg(ctx)));
}

function paramValue(e: Expression): Part | null {
  switch (e.type) {
    case 'PathExpression':
      return pathGetter(e as PathExpression);
    case 'SubExpression': {
      const sub = e as hbs.AST.SubExpression;
      if (sub.hash && sub.hash.pairs.length > 0 || sub.path.type !== 'PathExpression') return null;
      return helperCall(sub.path as PathExpression, sub.params);
    }
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral': {
      const value = (e as hbs.AST.StringLiteral | hbs.AST.NumberLiteral | hbs.AST.BooleanLiteral).value;
      return () => value;
    }
    case 'NullLiteral':
      return () => null;
    case 'UndefinedLiteral':
      return () => undefined;
    default:
      return null;
  }
}
