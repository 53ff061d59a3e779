/**
 * Paging, as a property: whatever the collection's size, the page size asked, the server's own
 * maximum and which of X-Total-Count / Link it sends, every record arrives exactly once, in order;
 * and a server that loses records mid-pull is never taken for a complete one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../engine/errors.js';
import type { Authoriser } from '../../engine/readers/oneroster-rest/auth.js';
import { SisHttp } from '../../engine/readers/oneroster-rest/http.js';
import { pullCollection } from '../../engine/readers/oneroster-rest/pager.js';

const BASE = 'https://sis.example.org/ims/oneroster/v1p1';
const noAuth: Authoriser = { header: async () => 'Bearer t', renew: () => false };

interface Server { total: number; maxLimit: number; totalHeader: boolean; link: boolean; dropAt: number | null }

/** An in-memory OneRoster collection `users` of `total` records, paged as `server` says. */
function fetchFor(server: Server): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), server.maxLimit);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    // A record deleted while the pull runs: every page from `dropAt` on is shifted by one.
    const all = Array.from({ length: server.total }, (_, i) => ({ sourcedId: `u${i}` }));
    const live = server.dropAt !== null && offset >= server.dropAt ? all.filter((_, i) => i !== 0) : all;
    const page = live.slice(offset, offset + limit);
    const headers = new Headers({ 'content-type': 'application/json' });
    if (server.totalHeader) headers.set('x-total-count', String(server.total));
    if (server.link && offset + page.length < live.length) headers.set('link', `<${BASE}/users?limit=${limit}&offset=${offset + limit}>; rel="next"`);
    return new Response(JSON.stringify({ users: page }), { status: 200, headers });
  }) as typeof fetch;
}

async function pulled(server: Server, pageSize: number, concurrency: number): Promise<string[]> {
  const http = new SisHttp(BASE, noAuth, 'OneRoster REST test', { fetch: fetchFor(server), sleep: async () => {} });
  const ids: string[] = [];
  await pullCollection(http, 'users', { pageSize, concurrency, maxRecords: 1_000_000 }, (records, offset) => {
    expect(offset).toBe(ids.length);
    for (const r of records) ids.push(String(r.sourcedId));
  });
  return ids;
}

const serverArb = fc.record({
  total: fc.integer({ min: 0, max: 120 }),
  maxLimit: fc.integer({ min: 1, max: 60 }),
  totalHeader: fc.boolean(),
  link: fc.boolean(),
});

describe('paging property', () => {
  it('reads every record exactly once, in order', async () => {
    await fc.assert(fc.asyncProperty(serverArb, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 4 }), async (s, pageSize, concurrency) => {
      const ids = await pulled({ ...s, dropAt: null }, pageSize, concurrency);
      expect(ids).toEqual(Array.from({ length: s.total }, (_, i) => `u${i}`));
    }), { numRuns: 300 });
  });

  it('never returns a short roster when a record vanishes mid-pull and X-Total-Count was given', async () => {
    await fc.assert(fc.asyncProperty(serverArb, fc.integer({ min: 1, max: 50 }), async (s, pageSize) => {
      fc.pre(s.total > 1);
      const server = { ...s, totalHeader: true, dropAt: 1 };
      const outcome = await pulled(server, pageSize, 2).then((ids) => ids, (e: unknown) => e);
      if (Array.isArray(outcome)) {
        // Only possible when the first page already held everything: nothing was lost.
        expect(outcome.length).toBe(s.total);
      } else {
        expect(outcome).toBeInstanceOf(RemoteError);
        expect((outcome as RemoteError).message).toContain('OneRoster REST test: reading users at offset');
      }
    }), { numRuns: 200 });
  });
});
