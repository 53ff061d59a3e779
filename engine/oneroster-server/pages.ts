/**
 * Answers for the collections and single records: the selection (typed view, relationship,
 * filter, sort; cached, since each page of a walk asks for the same one), the page of records
 * built from the export's rows and serialised one record at a time, X-Total-Count and the RFC 8288
 * Link header (first, prev, next, last).
 */
import type { ServerResponse } from 'node:http';
import type { CollectionRoute } from './collections.js';
import { baseUrlOf, CACHED_SELECTIONS, type Context } from './context.js';
import { imsxStatus } from './imsx.js';
import { percentEncode } from './oauth1.js';
import { matchesFilter, parseCollectionQuery, parseFields, project, valuesAt, type CollectionQuery } from './query.js';
import type { JsonRecord, RecordSource } from './records.js';
import type { RelationshipContext } from './relationships.js';
import type { LoggedRequest } from './request-log.js';
import { sendBody, sendJson } from './responses.js';

/** The record `id` of a (typed) collection, or null. */
export function findRecord(ctx: Context, route: CollectionRoute, id: string): JsonRecord | null {
  const source = ctx.sources.get(route.base);
  if (!source) return null;
  let index = ctx.rowIndex.get(source.collection);
  if (!index) {
    index = new Map();
    for (let r = 0; r < source.rowCount; r++) if (!index.has(source.sourcedId(r))) index.set(source.sourcedId(r), r);
    ctx.rowIndex.set(source.collection, index);
  }
  const row = index.get(id);
  if (row === undefined) return null;
  const record = source.record(row, baseUrlOf(ctx));
  return route.where && !route.where(record) ? null : record;
}

export function relationshipContext(ctx: Context): RelationshipContext {
  return {
    version: ctx.version, sources: ctx.sources, routes: ctx.routes,
    exists: (name, id) => {
      const route = ctx.routes.get(name);
      return route !== undefined && findRecord(ctx, route, id) !== null;
    },
  };
}

export function single(ctx: Context, route: CollectionRoute, source: RecordSource | undefined, id: string, url: URL, res: ServerResponse, entry: LoggedRequest): number {
  const record = source ? findRecord(ctx, route, id) : null;
  if (!source || !record) return sendJson(res, 404, imsxStatus('unknownobject', `no ${route.singular} with sourcedId ${id}`));
  const { known, unknown } = parseFields(url.searchParams.get('fields'), source.fields);
  const payload: JsonRecord = { [route.singular]: project(record, known) };
  if (unknown.length > 0) payload.statusInfoSet = [imsxStatus('invalid_selection_field', `no such field: ${unknown.join(', ')}`, 'warning')];
  return sendBody(res, 200, JSON.stringify(payload), {}, takeCutBody(ctx, route, entry));
}

export function collection(ctx: Context, route: CollectionRoute, source: RecordSource | undefined, url: URL, res: ServerResponse, entry: LoggedRequest): number {
  const fields = source?.fields ?? new Set(['sourcedId', 'status', 'dateLastModified', 'metadata']);
  const query = parseCollectionQuery(url.searchParams, fields, ctx.maxLimit, ctx.version);
  const base = baseUrlOf(ctx);
  const rows = source ? cachedSelection(ctx, source, route, query, base) : null;
  const total = rows ? rows.length : source ? source.rowCount : 0;
  const rowAt = (i: number): number => (rows ? rows[i]! : i);
  const lie = ctx.faults.take('lie-total', [route.name, route.base]);
  if (lie) entry.fault = 'lie-total';
  const shownTotal = total + (lie?.param ?? 0);

  const parts: string[] = [];
  const end = Math.min(total, query.offset + query.limit);
  for (let i = query.offset; i < end; i++) parts.push(JSON.stringify(project(source!.record(rowAt(i), base), query.fields)));
  let body = `{"${route.plural}":[${parts.join(',')}]`;
  if (query.unknownFields.length > 0) {
    body += `,"statusInfoSet":${JSON.stringify([imsxStatus('invalid_selection_field', `no such field: ${query.unknownFields.join(', ')}`, 'warning')])}`;
  }
  body += '}';
  const headers: Record<string, string> = {};
  const names = [route.name, route.base];
  if (ctx.faults.take('no-total', names)) entry.fault = 'no-total';
  else headers['X-Total-Count'] = String(shownTotal);
  if (ctx.faults.take('no-link', names)) entry.fault = 'no-link';
  else headers.Link = linkHeader(url, query, shownTotal);
  return sendBody(res, 200, body, headers, takeCutBody(ctx, route, entry));
}

function takeCutBody(ctx: Context, route: CollectionRoute, entry: LoggedRequest): boolean {
  if (!ctx.faults.take('cut-body', [route.name, route.base])) return false;
  entry.fault = 'cut-body';
  return true;
}

function cachedSelection(ctx: Context, source: RecordSource, route: CollectionRoute, query: CollectionQuery, base: string): number[] | null {
  if (!route.where && !query.filter && !query.sort) return null;
  const key = JSON.stringify([route.name, query.filter, query.sort, query.descending]);
  let rows = ctx.selections.get(key);
  if (rows) {
    ctx.selections.delete(key);
  } else {
    rows = selectRows(source, route, query, base) ?? [];
    if (ctx.selections.size >= CACHED_SELECTIONS) ctx.selections.delete(ctx.selections.keys().next().value!);
  }
  ctx.selections.set(key, rows);
  return rows;
}

/** Row numbers matching the view, filter and sort; null when every row in file order is meant. */
function selectRows(source: RecordSource, route: CollectionRoute, query: CollectionQuery, base: string): number[] | null {
  if (!route.where && !query.filter && !query.sort) return null;
  const rows: number[] = [];
  const keys: string[] = [];
  for (let r = 0; r < source.rowCount; r++) {
    const record = source.record(r, base);
    if (route.where && !route.where(record)) continue;
    if (query.filter && !matchesFilter(record, query.filter)) continue;
    rows.push(r);
    if (query.sort) keys.push(valuesAt(record, query.sort)[0] ?? '\uffff');
  }
  if (!query.sort) return rows;
  const order = rows.map((_, i) => i);
  const sign = query.descending ? -1 : 1;
  order.sort((a, b) => (keys[a]! < keys[b]! ? -sign : keys[a]! > keys[b]! ? sign : a - b));
  return order.map((i) => rows[i]!);
}

/** RFC 8288 links to the first, previous, next and last pages, keeping every other parameter. */
function linkHeader(url: URL, query: CollectionQuery, total: number): string {
  const at = (offset: number): string => {
    // Percent-encoded (RFC 3986, spaces as %20): a client signing the link with OAuth 1.0a reads it back unchanged.
    const pairs: string[] = [];
    for (const [k, v] of url.searchParams) if (k !== 'limit' && k !== 'offset' && !k.startsWith('oauth_')) pairs.push(`${percentEncode(k)}=${percentEncode(v)}`);
    pairs.push(`limit=${query.limit}`, `offset=${offset}`);
    return `${url.origin}${url.pathname}?${pairs.join('&')}`;
  };
  const links: string[] = [];
  const last = total === 0 ? 0 : Math.floor((total - 1) / query.limit) * query.limit;
  if (query.offset + query.limit < total) links.push(`<${at(query.offset + query.limit)}>; rel="next"`);
  if (query.offset > 0) links.push(`<${at(Math.max(0, query.offset - query.limit))}>; rel="prev"`);
  links.push(`<${at(0)}>; rel="first"`);
  links.push(`<${at(last)}>; rel="last"`);
  return links.join(', ');
}
