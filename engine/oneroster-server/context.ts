/** What every request handler of the server reads: the served export, the auth checkers, faults and log. */
import type { CollectionRoute } from './collections.js';
import type { FaultBook } from './faults.js';
import type { OAuth1Verifier } from './oauth1.js';
import type { OAuth2Server } from './oauth2.js';
import type { OneRosterVersion, RecordSource } from './records.js';
import type { RequestLog } from './request-log.js';

export interface Context {
  version: OneRosterVersion;
  basePath: string;
  routes: Map<string, CollectionRoute>;
  sources: Map<string, RecordSource>;
  oauth1: OAuth1Verifier | null;
  oauth2: OAuth2Server | null;
  maxLimit: number;
  faults: FaultBook;
  log: RequestLog;
  origin: () => string;
  /** sourcedId → row, per base collection, built on the first single-record request. */
  rowIndex: Map<string, Map<string, number>>;
  /**
   * Recent selections (view + filter + sort → rows): a client paging through `/students` or a
   * filtered collection asks for the same selection once per page, and the export never changes.
   */
  selections: Map<string, number[]>;
}

export const CACHED_SELECTIONS = 16;

/** The rostering service base, e.g. `http://127.0.0.1:54321/ims/oneroster/v1p1`. */
export function baseUrlOf(ctx: Context): string {
  return `${ctx.origin()}${ctx.basePath}`;
}
