/**
 * The collection query parameters of the REST binding (reference oneroster.md §2.3): `limit`
 * (default 100, capped at the server's maximum), `offset`, `sort` + `orderBy`, `filter` and
 * `fields`. Bad values are `ImsxError`s (400) naming the parameter.
 *
 * Filter grammar: `clause (" AND " clause)* | clause (" OR " clause)*`, where
 * `clause := field op "'" value "'"`, `op := = | != | > | >= | < | <= | ~` (`~` = contains,
 * ignoring case). `field` may be a dotted path into references (`course.sourcedId`,
 * `roles.org.sourcedId`); a path that reaches a list matches when any element does (`!=`: when
 * none is equal). OneRoster 1.1 allows at most two clauses; neither version allows mixing AND
 * with OR (the spec defines no precedence or parentheses).
 */
import { ImsxError } from './imsx.js';
import type { JsonRecord, OneRosterVersion } from './records.js';

export const DEFAULT_LIMIT = 100;

export type FilterOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';

export interface FilterClause {
  path: string[];
  op: FilterOp;
  value: string;
}

export interface Filter {
  join: 'AND' | 'OR';
  clauses: FilterClause[];
}

export interface CollectionQuery {
  limit: number;
  offset: number;
  sort: string[] | null;
  descending: boolean;
  filter: Filter | null;
  /** Requested fields that exist; null = all. */
  fields: string[] | null;
  /** Requested fields that do not exist (answered with every field and a warning). */
  unknownFields: string[];
}

export function parseCollectionQuery(params: URLSearchParams, fields: ReadonlySet<string>, maxLimit: number, version: OneRosterVersion): CollectionQuery {
  const limit = integerParam(params, 'limit', DEFAULT_LIMIT, 1);
  const offset = integerParam(params, 'offset', 0, 0);
  const sortText = params.get('sort');
  let sort: string[] | null = null;
  if (sortText !== null) {
    sort = sortText.trim().split('.');
    if (sortText.trim() === '' || !fields.has(sort[0]!)) throw new ImsxError(400, 'invalid_sort_field', `cannot sort by "${sortText}": no such field`);
  }
  const orderBy = params.get('orderBy');
  if (orderBy !== null && orderBy !== 'asc' && orderBy !== 'desc') throw new ImsxError(400, 'invaliddata', `orderBy must be asc or desc, not "${orderBy}"`);
  const filterText = params.get('filter');
  const filter = filterText === null ? null : parseFilter(filterText, fields, version);
  const { known, unknown } = parseFields(params.get('fields'), fields);
  return { limit: Math.min(limit, maxLimit), offset, sort, descending: orderBy === 'desc', filter, fields: known, unknownFields: unknown };
}

export function parseFields(text: string | null, fields: ReadonlySet<string>): { known: string[] | null; unknown: string[] } {
  if (text === null) return { known: null, unknown: [] };
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = names.filter((n) => fields.has(n));
  const unknown = names.filter((n) => !fields.has(n));
  // A request naming a field that does not exist gets every field (1.2 §3.4: "ALL of the data").
  return { known: unknown.length > 0 || known.length === 0 ? null : known, unknown };
}

function integerParam(params: URLSearchParams, name: string, fallback: number, min: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new ImsxError(400, 'invaliddata', `${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${text}"`);
  }
  return Number(text);
}

const CLAUSE = /^\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*(!=|>=|<=|=|>|<|~)\s*'([^']*)'\s*/;

export function parseFilter(text: string, fields: ReadonlySet<string>, version: OneRosterVersion): Filter {
  const clauses: FilterClause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  let rest = text;
  for (;;) {
    const m = CLAUSE.exec(rest);
    if (!m) throw new ImsxError(400, 'invalid_filter_field', `filter "${text}" is not of the form field='value' [AND|OR field='value']`);
    const path = m[1]!.split('.');
    if (!fields.has(path[0]!)) throw new ImsxError(400, 'invalid_filter_field', `cannot filter by "${m[1]}": no such field`);
    clauses.push({ path, op: m[2] as FilterOp, value: m[3]! });
    rest = rest.slice(m[0].length);
    if (rest.trim() === '') break;
    const j = /^(AND|OR)\s+/.exec(rest);
    if (!j) throw new ImsxError(400, 'invalid_filter_field', `filter "${text}": clauses are joined by " AND " or " OR " (upper case)`);
    joins.add(j[1] as 'AND' | 'OR');
    rest = rest.slice(j[0].length);
  }
  if (joins.size > 1) throw new ImsxError(400, 'invalid_filter_field', `filter "${text}" mixes AND with OR`);
  if (version === '1.1' && clauses.length > 2) throw new ImsxError(400, 'invalid_filter_field', `filter "${text}": OneRoster 1.1 allows at most two clauses`);
  return { join: joins.has('OR') ? 'OR' : 'AND', clauses };
}

/** The comparable values at `path` (lists flattened; a reference stands for its sourcedId). */
export function valuesAt(record: unknown, path: readonly string[]): string[] {
  let current: unknown[] = [record];
  for (const key of path) {
    const next: unknown[] = [];
    for (const item of current) {
      const v = item !== null && typeof item === 'object' ? (item as JsonRecord)[key] : undefined;
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined) next.push(v);
    }
    current = next;
  }
  const out: string[] = [];
  for (const v of current) {
    if (v !== null && typeof v === 'object') {
      const id = (v as JsonRecord).sourcedId;
      if (typeof id === 'string') out.push(id);
    } else out.push(String(v));
  }
  return out;
}

function compare(op: FilterOp, actual: string, expected: string): boolean {
  switch (op) {
    case '=': return actual === expected;
    case '!=': return actual !== expected;
    case '>': return actual > expected;
    case '>=': return actual >= expected;
    case '<': return actual < expected;
    case '<=': return actual <= expected;
    case '~': return actual.toLowerCase().includes(expected.toLowerCase());
  }
}

export function matchesFilter(record: JsonRecord, filter: Filter): boolean {
  const test = (c: FilterClause): boolean => {
    const values = valuesAt(record, c.path);
    if (c.op === '!=') return values.every((v) => v !== c.value);
    return values.some((v) => compare(c.op, v, c.value));
  };
  return filter.join === 'AND' ? filter.clauses.every(test) : filter.clauses.some(test);
}

export function project(record: JsonRecord, fields: readonly string[] | null): JsonRecord {
  if (fields === null) return record;
  const out: JsonRecord = {};
  for (const f of fields) if (record[f] !== undefined) out[f] = record[f];
  return out;
}
