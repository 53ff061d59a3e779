/**
 * OAuth 1.0a verification by the local OneRoster server: the base string against RFC 5849's own
 * examples, then signed requests from the test's own signer (helpers.ts, written apart from the
 * verifier) with HMAC-SHA256 and HMAC-SHA1, and every way a request must be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneRosterServer } from '../../engine/oneroster-server/index.js';
import { baseStringUri, formPairs, hmacSignature, signatureBaseString } from '../../engine/oneroster-server/oauth1.js';
import { getJson, signedRequest, startExample } from './helpers.js';

describe('RFC 5849 examples', () => {
  it('builds the §3.4.1.1 signature base string', () => {
    const pairs: [string, string][] = [
      ...formPairs('b5=%3D%253D&a3=a&c%40=&a2=r%20b'),
      ...formPairs('c2&a3=2+q'),
      ['oauth_consumer_key', '9djdj82h48djs9d2'], ['oauth_token', 'kkk9d7dh3k39sjv7'], ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131201'], ['oauth_nonce', '7d8f3e4a'], ['oauth_signature', 'bYT5CMsGcbgUdFHObYMEfcx6bsw='], ['realm', 'Example'],
    ];
    expect(signatureBaseString('POST', baseStringUri('http', 'example.com', '/request'), pairs)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('computes the §1.2 HMAC-SHA1 signature', () => {
    const base = signatureBaseString('GET', baseStringUri('http', 'photos.example.net', '/photos'), [
      ['file', 'vacation.jpg'], ['size', 'original'], ['oauth_consumer_key', 'dpf43f3p2l4k3l03'], ['oauth_token', 'nnch734d00sl2jdk'],
      ['oauth_signature_method', 'HMAC-SHA1'], ['oauth_timestamp', '137131202'], ['oauth_nonce', 'chapoH'],
    ]);
    expect(hmacSignature('HMAC-SHA1', base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it('drops default ports and lowers scheme and host (§3.4.1.2)', () => {
    expect(baseStringUri('HTTP', 'Example.COM:80', '/r%20v/X')).toBe('http://example.com/r%20v/X');
    expect(baseStringUri('https', 'www.example.net:8080', '/')).toBe('https://www.example.net:8080/');
    expect(baseStringUri('https', 'example.net:443', '/x')).toBe('https://example.net/x');
  });
});

const KEY = 'district-key';
const SECRET = 'sec+ret/with&odd=chars~ünï';

describe('signed requests', () => {
  let server: OneRosterServer;
  beforeAll(async () => {
    server = await startExample({ oauth1: { consumerKey: KEY, consumerSecret: SECRET } });
  });
  afterAll(async () => server.close());

  it.each(['HMAC-SHA256', 'HMAC-SHA1'] as const)('accepts %s over a query with a filter, spaces and quotes', async (method) => {
    const query: [string, string][] = [['limit', '5'], ['offset', '0'], ['filter', "role='teacher' AND email~'@'"]];
    const { url, authorization } = signedRequest(`${server.baseUrl}/users`, query, { key: KEY, secret: SECRET, method });
    const { status, body } = await getJson(url, { Authorization: authorization });
    expect(status).toBe(200);
    expect(body.users).toHaveLength(5);
    const logged = server.requests.entries.at(-1)!;
    expect(logged.auth).toBe('oauth1');
    expect(logged.signatureMethod).toBe(method);
    expect(logged.consumerKey).toBe(KEY);
  });

  it('accepts the same request followed through its rel="next" link, re-signed', async () => {
    const first = signedRequest(`${server.baseUrl}/orgs`, [['limit', '2']], { key: KEY, secret: SECRET });
    const page = await getJson(first.url, { Authorization: first.authorization });
    const next = /<([^>]*)>; rel="next"/.exec(page.headers.get('link')!)![1]!;
    const u = new URL(next);
    const second = signedRequest(`${u.origin}${u.pathname}`, [...u.searchParams], { key: KEY, secret: SECRET });
    expect((await getJson(second.url, { Authorization: second.authorization })).status).toBe(200);
  });

  async function expect401(url: string, headers: Record<string, string>, why: RegExp): Promise<void> {
    const { status, body, headers: h } = await getJson(url, headers);
    expect(status).toBe(401);
    expect(body.imsx_codeMajor).toBe('failure');
    expect(body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unauthorisedrequest');
    expect(body.imsx_description).toMatch(why);
    expect(h.get('www-authenticate')).toContain('OAuth');
  }

  it('refuses a request without credentials', async () => {
    await expect401(`${server.baseUrl}/users`, {}, /sign the request/);
  });

  it('refuses a wrong secret and an unknown key', async () => {
    const wrong = signedRequest(`${server.baseUrl}/users`, [], { key: KEY, secret: 'not-the-secret' });
    await expect401(wrong.url, { Authorization: wrong.authorization }, /signature does not match/);
    const unknown = signedRequest(`${server.baseUrl}/users`, [], { key: 'other-key', secret: SECRET });
    await expect401(unknown.url, { Authorization: unknown.authorization }, /unknown oauth_consumer_key/);
  });

  it('refuses a query changed after signing (query parameters are in the base string)', async () => {
    const signed = signedRequest(`${server.baseUrl}/users`, [['limit', '5']], { key: KEY, secret: SECRET });
    await expect401(signed.url.replace('limit=5', 'limit=6'), { Authorization: signed.authorization }, /signature does not match/);
    const encodedDifferently = signedRequest(`${server.baseUrl}/users`, [['filter', "role='x y'"]], { key: KEY, secret: SECRET });
    // The same query, with its space turned into a different character: not what was signed.
    await expect401(encodedDifferently.url.replace('%20', '%2B'), { Authorization: encodedDifferently.authorization }, /signature does not match/);
  });

  it('refuses a nonce used twice', async () => {
    const signed = signedRequest(`${server.baseUrl}/orgs`, [], { key: KEY, secret: SECRET, nonce: 'once-only' });
    expect((await getJson(signed.url, { Authorization: signed.authorization })).status).toBe(200);
    await expect401(signed.url, { Authorization: signed.authorization }, /nonce was used before/);
  });

  it('refuses timestamps more than 10 minutes old or 5 minutes ahead, accepts inside the window', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = signedRequest(`${server.baseUrl}/orgs`, [], { key: KEY, secret: SECRET, timestamp: now - 700 });
    await expect401(old.url, { Authorization: old.authorization }, /in the past/);
    const ahead = signedRequest(`${server.baseUrl}/orgs`, [], { key: KEY, secret: SECRET, timestamp: now + 400 });
    await expect401(ahead.url, { Authorization: ahead.authorization }, /in the future/);
    const skewed = signedRequest(`${server.baseUrl}/orgs`, [], { key: KEY, secret: SECRET, timestamp: now - 500 });
    expect((await getJson(skewed.url, { Authorization: skewed.authorization })).status).toBe(200);
  });

  it('refuses an unsupported signature method and a header without a signature', async () => {
    const signed = signedRequest(`${server.baseUrl}/orgs`, [], { key: KEY, secret: SECRET });
    await expect401(signed.url, { Authorization: signed.authorization.replace('HMAC-SHA256', 'PLAINTEXT') }, /unsupported oauth_signature_method/);
    await expect401(signed.url, { Authorization: signed.authorization.replace(/, oauth_signature="[^"]*"/, '') }, /missing oauth_signature/);
  });

  it('answers a 404 for an unknown record only to a signed request', async () => {
    const signed = signedRequest(`${server.baseUrl}/users/nobody`, [], { key: KEY, secret: SECRET });
    expect((await getJson(signed.url, { Authorization: signed.authorization })).status).toBe(404);
  });
});
