/**
 * The structure of a parsed plan file, checked before any command looks at it: every key the
 * model (model/plan.ts) promises is there with its type, nothing else is, and every problem is
 * reported with the JSON pointer of the offending value.
 *
 * Hand-written rather than an ajv schema: one linear pass with no copies and no per-value
 * allocation (the pointer is built only when something is wrong; a 200,000-student plan has
 * millions of values), cross-field checks a schema cannot state (risk indexes within `risks`)
 * in the same pass, and messages that say what the value should be in rosterops' own words.
 * Unknown keys are refused: a field added to the model must be added here, and to planIdOf or the
 * file digest (plan-file.ts), before a plan carrying it can be read.
 */
import { ENTITY_ORDER } from '../model/canvas.js';
import { ACCESS_EFFECTS, ACTIONS, IMPORT_FILE_NAMES, RISK_KINDS } from '../model/plan.js';

/** Longer strings are not something rosterops writes (SIS cells are capped well below this). */
export const MAX_PLAN_STRING_LENGTH = 1 << 20;

export class PlanShapeError extends Error {
  constructor(readonly pointer: string, message: string) {
    super(message);
  }
}

type Segment = string | number;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const VERDICTS = ['ok', 'needs-approval', 'blocked'] as const;
const VIOLATIONS = ['needs-approval', 'blocked'] as const;

/** RFC 6901: `~` and `/` inside a segment are escaped. */
export function jsonPointer(path: readonly Segment[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * One walk over the plan. `path` is a stack of the segments leading to the value being checked,
 * pushed and popped around each child, so a pointer exists only for the first problem.
 */
class Checker {
  private readonly path: Segment[] = [];
  private riskCount = 0;

  fail(message: string, extra?: Segment): never {
    throw new PlanShapeError(jsonPointer(extra === undefined ? this.path : [...this.path, extra]), message);
  }

  /** Check `o[key]` with `check`, with `key` on the path. */
  private at<T>(o: Record<string, unknown>, key: Segment, check: (v: unknown) => T): T {
    this.path.push(key);
    const result = check((o as Record<Segment, unknown>)[key]);
    this.path.pop();
    return result;
  }

  private object(value: unknown, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`expected an object, found ${describe(value)}`);
    const o = value as Record<string, unknown>;
    for (const k of required) if (!has(o, k)) this.fail(`"${k}" is missing`, k);
    for (const k in o) {
      if (!has(o, k)) continue;
      if (!required.includes(k) && !optional.includes(k)) this.fail(`unknown key "${k}"`, k);
    }
    return o;
  }

  private array(value: unknown): unknown[] {
    if (!Array.isArray(value)) this.fail(`expected an array, found ${describe(value)}`);
    return value;
  }

  private string(value: unknown): string {
    if (typeof value !== 'string') this.fail(`expected a string, found ${describe(value)}`);
    if (value.length > MAX_PLAN_STRING_LENGTH) this.fail(`a string of ${value.length} characters, over the limit of ${MAX_PLAN_STRING_LENGTH}`);
    return value;
  }

  private nullableString(value: unknown): string | null {
    return value === null ? null : this.string(value);
  }

  private matching(value: unknown, pattern: RegExp, what: string): string {
    const s = this.string(value);
    if (!pattern.test(s)) this.fail(`expected ${what}, found ${describe(s)}`);
    return s;
  }

  private oneOf<T extends string>(value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(`expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${describe(value)}`);
    }
    return value as T;
  }

  private count(value: unknown): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.fail(`expected a whole number ≥ 0, found ${describe(value)}`);
    return value;
  }

  /** An object whose keys are free (ids, names) and whose values all pass `check`. */
  private record(value: unknown, check: (v: unknown) => unknown, keys?: readonly string[]): void {
    if (keys) this.object(value, [], keys);
    else if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`expected an object, found ${describe(value)}`);
    const o = value as Record<string, unknown>;
    for (const k in o) {
      if (!has(o, k)) continue;
      if (!keys) {
        this.path.push(k);
        this.string(k);
        this.path.pop();
      }
      this.at(o, k, check);
    }
  }

  private each(value: unknown, check: (v: unknown) => unknown): void {
    const list = this.array(value);
    for (let i = 0; i < list.length; i++) this.at(list as unknown as Record<string, unknown>, i, check);
  }

  plan(value: unknown): void {
    const o = this.object(value,
      ['formatVersion', 'planId', 'fileDigest', 'inputs', 'summary', 'operations', 'risks', 'verdict', 'counts', 'notes', 'labels']);
    this.at(o, 'formatVersion', (v) => this.string(v));
    this.at(o, 'planId', (v) => this.matching(v, DIGEST, 'sha256:<64 hex digits>'));
    this.at(o, 'fileDigest', (v) => this.matching(v, DIGEST, 'sha256:<64 hex digits>'));
    this.at(o, 'inputs', (v) => this.inputs(v));
    // Risks first: operations point into them.
    this.at(o, 'risks', (v) => this.each(v, (r) => this.risk(r)));
    this.riskCount = (o.risks as unknown[]).length;
    this.at(o, 'operations', (v) => this.each(v, (op) => this.operation(op)));
    this.at(o, 'summary', (v) => this.record(v, (perAction) => this.record(perAction, (n) => this.count(n), ACTIONS), ENTITY_ORDER));
    this.at(o, 'verdict', (v) => this.verdict(v));
    this.at(o, 'counts', (v) => this.record(v, (c) => {
      const counts = this.object(c, ['desired', 'canvasManaged', 'canvasTotal']);
      for (const k of ['desired', 'canvasManaged', 'canvasTotal']) this.at(counts, k, (n) => this.count(n));
    }, ENTITY_ORDER));
    this.at(o, 'notes', (v) => this.each(v, (n) => this.string(n)));
    this.at(o, 'labels', (v) => {
      const labels = this.object(v, ['accounts', 'terms']);
      for (const k of ['accounts', 'terms']) this.at(labels, k, (r) => this.record(r, (name) => this.string(name)));
    });
  }

  private inputs(value: unknown): void {
    const o = this.object(value, ['config', 'sis', 'canvas', 'asOf'], ['sources']);
    for (const k of ['config', 'sis', 'canvas']) this.at(o, k, (v) => this.string(v));
    this.at(o, 'asOf', (v) => this.matching(v, DAY, 'a date as YYYY-MM-DD'));
    if (has(o, 'sources')) {
      this.at(o, 'sources', (v) => {
        const sources = this.object(v, ['sis', 'canvas']);
        for (const k of ['sis', 'canvas']) this.at(sources, k, (s) => this.string(s));
      });
    }
  }

  private risk(value: unknown): void {
    const o = this.object(value, ['kind', 'entity', 'keys', 'explanation', 'suggestedFix']);
    this.at(o, 'kind', (v) => this.oneOf(v, RISK_KINDS));
    this.at(o, 'entity', (v) => this.oneOf(v, ENTITY_ORDER));
    this.at(o, 'keys', (v) => this.each(v, (k) => this.string(k)));
    this.at(o, 'explanation', (v) => this.string(v));
    this.at(o, 'suggestedFix', (v) => this.string(v));
  }

  private operation(value: unknown): void {
    const o = this.object(value, ['entity', 'action', 'key', 'canvasId', 'changes', 'reason', 'rows'], ['role', 'account', 'term', 'risks', 'access']);
    this.at(o, 'entity', (v) => this.oneOf(v, ENTITY_ORDER));
    this.at(o, 'action', (v) => this.oneOf(v, ACTIONS));
    this.at(o, 'key', (v) => this.string(v));
    this.at(o, 'canvasId', (v) => this.nullableString(v));
    this.at(o, 'changes', (v) => this.each(v, (c) => {
      const change = this.object(c, ['field', 'before', 'after']);
      this.at(change, 'field', (f) => this.string(f));
      this.at(change, 'before', (b) => this.nullableString(b));
      this.at(change, 'after', (a) => this.nullableString(a));
    }));
    this.at(o, 'reason', (v) => {
      const reason = this.object(v, ['rule', 'text'], ['source']);
      this.at(reason, 'rule', (r) => this.string(r));
      this.at(reason, 'text', (t) => this.string(t));
      if (has(reason, 'source')) this.at(reason, 'source', (s) => this.string(s));
    });
    this.at(o, 'rows', (v) => this.each(v, (r) => {
      const row = this.object(r, ['file', 'cells']);
      this.at(row, 'file', (f) => this.oneOf(f, IMPORT_FILE_NAMES));
      this.at(row, 'cells', (c) => this.record(c, (cell) => this.string(cell)));
    }));
    if (has(o, 'role')) this.at(o, 'role', (v) => this.string(v));
    if (has(o, 'account')) this.at(o, 'account', (v) => this.nullableString(v));
    if (has(o, 'term')) this.at(o, 'term', (v) => this.nullableString(v));
    if (has(o, 'risks')) {
      this.at(o, 'risks', (v) => this.each(v, (i) => {
        const n = this.count(i);
        if (n >= this.riskCount) this.fail(`risk ${n} does not exist (the plan has ${this.riskCount})`);
      }));
    }
    if (has(o, 'access')) this.at(o, 'access', (v) => this.access(v));
  }

  private access(value: unknown): void {
    const o = this.object(value, ['effect'], ['cascadedEnrollments', 'afterTermEnd']);
    this.at(o, 'effect', (v) => this.oneOf(v, ACCESS_EFFECTS));
    if (has(o, 'cascadedEnrollments')) this.at(o, 'cascadedEnrollments', (v) => this.record(v, (n) => this.count(n)));
    if (has(o, 'afterTermEnd')) this.at(o, 'afterTermEnd', (v) => { if (v !== true) this.fail(`expected true, found ${describe(v)}`); });
  }

  private verdict(value: unknown): void {
    const o = this.object(value, ['status', 'reasons']);
    this.at(o, 'status', (v) => this.oneOf(v, VERDICTS));
    this.at(o, 'reasons', (v) => this.each(v, (r) => {
      const reason = this.object(r, ['guard', 'requires', 'message']);
      this.at(reason, 'guard', (g) => this.string(g));
      this.at(reason, 'requires', (q) => this.oneOf(q, VIOLATIONS));
      this.at(reason, 'message', (m) => this.string(m));
    }));
  }
}

/** The first structural problem of a parsed plan file, or null when it has the shape of a Plan. */
export function planShapeProblem(value: unknown): PlanShapeError | null {
  try {
    new Checker().plan(value);
    return null;
  } catch (err) {
    if (err instanceof PlanShapeError) return err;
    throw err;
  }
}
