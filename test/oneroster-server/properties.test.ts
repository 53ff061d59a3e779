/**
 * Invariants of the local OneRoster server, by fast-check: any query the test's own OAuth 1.0a
 * signer signs (any characters, repeated names) verifies, and changing any one value breaks it;
 * any limit/offset walk along rel="next" returns each record once, in file order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneRosterServer } from '../../engine/oneroster-server/index.js';
import { getJson, signedRequest, startExample } from './helpers.js';

const KEY = 'prop-key';
const SECRET = 'prop-secret-ümlaut & more';

let server: OneRosterServer;
let plain: OneRosterServer;
beforeAll(async () => {
  server = await startExample({ oauth1: { consumerKey: KEY, consumerSecret: SECRET } });
  plain = await startExample({ maxLimit: 50 });
});
afterAll(async () => {
  await server.close();
  await plain.close();
});

// Names the server does not act on (so every request is a 200), values of any characters.
const extraParam = fc.tuple(fc.constantFrom('x', 'x y', 'a.b', 'ü', 'q'), fc.string({ unit: 'grapheme', maxLength: 12 }));

describe('OAuth 1.0a', () => {
  it('verifies every signed query and refuses it once one value changes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(extraParam, { maxLength: 4 }), fc.constantFrom('HMAC-SHA1', 'HMAC-SHA256') as fc.Arbitrary<'HMAC-SHA1' | 'HMAC-SHA256'>, async (params, method) => {
      const query: [string, string][] = [['limit', '1'], ...params];
      const good = signedRequest(`${server.baseUrl}/orgs`, query, { key: KEY, secret: SECRET, method });
      expect((await getJson(good.url, { Authorization: good.authorization })).status).toBe(200);
      const changed = query.map(([k, v], i): [string, string] => (i === query.length - 1 ? [k, `${v}!`] : [k, v]));
      const resigned = signedRequest(`${server.baseUrl}/orgs`, changed, { key: KEY, secret: SECRET, method });
      // The changed query sent with the original signature (and a fresh nonce would not help: the signature covers it).
      expect((await getJson(resigned.url, { Authorization: good.authorization })).status).toBe(401);
    }), { numRuns: 40 });
  });
});

describe('paging', () => {
  it('a walk along rel="next" from any offset with any limit returns the records from that offset on, once each, in order', async () => {
    const every = [] as string[];
    for (let offset = 0; ; offset += 50) {
      const page = (await getJson(`${plain.baseUrl}/courses?limit=50&offset=${offset}`)).body.courses as { sourcedId: string }[];
      every.push(...page.map((c) => c.sourcedId));
      if (page.length < 50) break;
    }
    expect(every).toHaveLength(69);
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 75 }), async (limit, offset) => {
      const seen: string[] = [];
      let url: string | null = `${plain.baseUrl}/courses?limit=${limit}&offset=${offset}`;
      while (url) {
        const page = await getJson(url);
        expect(page.headers.get('x-total-count')).toBe('69');
        expect(page.body.courses.length).toBeLessThanOrEqual(Math.min(limit, 50));
        seen.push(...page.body.courses.map((c: { sourcedId: string }) => c.sourcedId));
        url = /<([^>]*)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
      }
      expect(seen).toEqual(every.slice(offset));
    }), { numRuns: 40 });
  });
});
