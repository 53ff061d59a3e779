/**
 * Reads one collection page by page (reference oneroster.md §2.3), handing each page's records
 * over in order and never ending early:
 * - a `Link: rel="next"` that is not plain limit/offset paging is followed page after page;
 * - with `X-Total-Count`, the remaining offsets are asked several at a time, and a short page in
 *   the middle has its gap asked for;
 * - with neither, offsets are asked one after another until a short page (the first short page is
 *   confirmed by one more request, since a server may cap the page size below the one asked).
 * Whenever the number of records read disagrees with X-Total-Count, the pull fails: a plan from a
 * half-read export would drop every record it missed.
 */
import type { JsonPage, RequestPurpose, SisHttp } from './http.js';
import type { JsonRecord } from './records.js';

export interface PageOptions {
  pageSize: number;
  /** Requests in flight at once for one collection. */
  concurrency: number;
  /** Cap on records of one collection (limits.rows). */
  maxRecords: number;
}

/** Receives each page's records in collection order; `offset` is the first one's. */
export type PageSink = (records: JsonRecord[], offset: number) => void;

const MAX_LINK_PAGES = 1_000_000;

export async function pullCollection(http: SisHttp, collection: string, options: PageOptions, sink: PageSink): Promise<number> {
  const base = `${http.baseUrl}/${collection}`;
  const first = await fetchPage(http, collection, pageUrl(base, options.pageSize, 0), { collection, offset: 0 });
  const total = totalCountOf(first.page.headers);
  const next = nextLinkOf(first.page);
  const asked = options.pageSize;
  const pull = new Pull(http, collection, options, sink, total);
  pull.accept(first.records, 0);
  if (next !== null && !isOffsetPaging(next, base, first.records.length)) return pull.followLinks(next);
  if (total !== null) return pull.byOffsets(base, first.records.length === 0 ? asked : Math.min(asked, first.records.length));
  return pull.untilShortPage(base, first.records.length, asked);
}

class Pull {
  private read = 0;

  constructor(
    private readonly http: SisHttp, private readonly collection: string, private readonly options: PageOptions,
    private readonly sink: PageSink, private readonly total: number | null,
  ) {}

  accept(records: JsonRecord[], offset: number): void {
    if (offset !== this.read) throw this.fail(offset, `records arrived out of order (expected offset ${this.read})`);
    this.read += records.length;
    if (this.read > this.options.maxRecords) {
      throw this.fail(offset, `more than ${this.options.maxRecords} records (limits.rows)`, 'Raise limits.rows in policies/rosterops.yaml if the district really is this large.');
    }
    this.sink(records, offset);
  }

  /** Ends with the number read, or fails if it is not X-Total-Count. */
  private done(): number {
    if (this.total !== null && this.read !== this.total) {
      throw this.fail(this.read, `the SIS announced ${this.total} records (X-Total-Count) but ${this.read} were read; the data changed during the pull, or the server pages inconsistently`,
        'Run again; if it keeps failing, ask the SIS vendor about stable paging (sort by sourcedId) for this collection.');
    }
    return this.read;
  }

  async followLinks(start: string): Promise<number> {
    const seen = new Set<string>();
    let next: string | null = start;
    for (let pages = 0; next !== null; pages++) {
      if (seen.has(next) || pages > MAX_LINK_PAGES) throw this.fail(this.read, 'the Link rel="next" chain loops back to a page already read');
      seen.add(next);
      const { page, records } = await fetchPage(this.http, this.collection, next, { collection: this.collection, offset: this.read });
      if (records.length === 0) break;
      this.accept(records, this.read);
      next = nextLinkOf(page);
    }
    return this.done();
  }

  /** X-Total-Count known: every remaining page at once, `concurrency` in flight, handed over in order. */
  async byOffsets(base: string, step: number): Promise<number> {
    const total = this.total!;
    const queue: { offset: number; limit: number }[] = [];
    for (let offset = this.read; offset < total; offset += step) queue.push({ offset, limit: Math.min(step, this.options.pageSize) });
    const arrived = new Map<number, JsonRecord[]>();
    const flush = () => {
      for (let records = arrived.get(this.read); records !== undefined; records = arrived.get(this.read)) {
        arrived.delete(this.read);
        if (records.length === 0) throw this.fail(this.read, `the SIS announced ${total} records (X-Total-Count) but the page at offset ${this.read} is empty`, 'Run again; the data may have changed during the pull.');
        this.accept(records, this.read);
      }
    };
    // After one page fails for good, the other workers take no new page: the pull is over.
    let failed = false;
    const worker = async () => {
      for (let job = queue.shift(); job !== undefined && !failed; job = queue.shift()) {
        const { records } = await fetchPage(this.http, this.collection, pageUrl(base, job.limit, job.offset), { collection: this.collection, offset: job.offset }).catch((err: unknown) => {
          failed = true;
          throw err;
        });
        if (records.length > job.limit) throw this.fail(job.offset, `the SIS answered ${records.length} records to limit=${job.limit}`);
        // A page shorter than asked in the middle: the server pages by a smaller size; ask for the gap.
        if (records.length > 0 && records.length < job.limit && job.offset + records.length < total) queue.push({ offset: job.offset + records.length, limit: job.limit - records.length });
        arrived.set(job.offset, records);
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
    flush();
    return this.done();
  }

  /** Neither Link nor X-Total-Count: one offset after another until a page comes back short. */
  async untilShortPage(base: string, firstLength: number, asked: number): Promise<number> {
    let step = asked;
    let last = firstLength;
    let previousFirstId: unknown = undefined;
    // A short first page may be the server's own maximum page size: one more request tells.
    let confirming = firstLength > 0 && firstLength < asked;
    while (last > 0 && (last >= step || confirming)) {
      const offset = this.read;
      const { records } = await fetchPage(this.http, this.collection, pageUrl(base, step, offset), { collection: this.collection, offset });
      if (records.length === 0) break;
      if (confirming) {
        step = Math.min(step, last);
        confirming = false;
      }
      const firstId = records[0]!.sourcedId;
      if (previousFirstId !== undefined && firstId === previousFirstId) throw this.fail(offset, 'the SIS answered the same page for two offsets; it does not seem to honour `offset`');
      previousFirstId = firstId;
      this.accept(records, offset);
      last = records.length;
    }
    return this.done();
  }

  private fail(offset: number, what: string, hint = 'Run again; if it keeps failing, the SIS pages its collections inconsistently: tell its vendor.') {
    return this.http.failure({ collection: this.collection, offset }, undefined, what, hint, 'oneroster-rest.incomplete');
  }
}

function pageUrl(base: string, limit: number, offset: number): string {
  return `${base}?limit=${limit}&offset=${offset}`;
}

async function fetchPage(http: SisHttp, collection: string, url: string, purpose: RequestPurpose): Promise<{ page: JsonPage; records: JsonRecord[] }> {
  const page = await http.getJson(url, purpose);
  const body = page.body as Record<string, unknown> | null;
  const list = body !== null && typeof body === 'object' && !Array.isArray(body) ? body[collection] : undefined;
  if (!Array.isArray(list)) {
    throw http.failure(purpose, 200, `the answer holds no "${collection}" list`, 'Check that sources.sis.rest.url is the base of the rostering service (…/ims/oneroster/v1p1 or …/ims/oneroster/rostering/v1p2).', 'oneroster-rest.not-a-collection');
  }
  return { page, records: list as JsonRecord[] };
}

function totalCountOf(headers: Headers): number | null {
  const value = headers.get('x-total-count');
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}

/** The `rel="next"` target of an RFC 8288 Link header, resolved against the page's URL. */
export function nextLinkOf(page: Pick<JsonPage, 'headers' | 'url'>): string | null {
  const header = page.headers.get('link');
  if (!header) return null;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '');
    if (rel && rel[1]!.toLowerCase().split(/\s+/).includes('next')) {
      try {
        const url = new URL(match[1]!, page.url);
        // '+' is a space to servers that read the query as a form, but a literal '+' to an OAuth 1
        // signer: sent as %20, the query means one thing to both, and is signed as sent.
        url.search = url.search.replace(/\+/g, '%20');
        return url.href;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** True when `next` is this collection at `offset` with only limit/offset changed: plain offset paging, which may be parallel. */
function isOffsetPaging(next: string, base: string, offset: number): boolean {
  const url = new URL(next);
  const own = new URL(base);
  if (url.origin !== own.origin || url.pathname !== own.pathname) return false;
  const keys = [...url.searchParams.keys()];
  return keys.every((k) => k === 'limit' || k === 'offset') && url.searchParams.get('offset') === String(offset);
}
