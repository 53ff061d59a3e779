/**
 * The Canvas client's rules for where the token goes, with a recording fetch: every URL it was
 * asked for and whether that request carried the token.
 */
import { describe, expect, it } from 'vitest';
import { CanvasHttp } from '../../engine/canvas/http.js';
import { ConfigError, RemoteError } from '../../engine/errors.js';

const TOKEN = 'canvas-unit-token-0123456789abcdef';

function client(baseUrl: string, answer: (url: string) => Response = () => new Response('{}', { status: 200 })) {
  const calls: { url: string; method: string; token: boolean }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ url, method: init?.method ?? 'GET', token: headers.Authorization === `Bearer ${TOKEN}` });
    expect(init?.redirect).toBe('manual');
    return answer(url);
  }) as typeof fetch;
  return { http: new CanvasHttp({ baseUrl, token: TOKEN, fetch: fetchImpl, attempts: 1 }), calls };
}

const redirect = (location: string, status = 302) => new Response(null, { status, headers: { location } });

describe('CanvasHttp origin rules', () => {
  it('an absolute URL on another origin (another port counts) is refused before anything is sent', async () => {
    const { http, calls } = client('https://canvas.example.org');
    await expect(http.request('GET', 'https://canvas.example.org:8443/api/v1/x')).rejects.toMatchObject({ code: 'canvas.foreign-origin' });
    await expect(http.request('GET', 'http://canvas.example.org/api/v1/x')).rejects.toMatchObject({ code: 'canvas.foreign-origin' });
    expect(calls).toEqual([]);
  });

  it('same-origin redirects keep the token; a POST answered 303 continues as a GET', async () => {
    const { http, calls } = client('https://canvas.example.org', (url) =>
      url.endsWith('/start') ? redirect('/middle', 303) : url.endsWith('/middle') ? redirect('https://canvas.example.org/end') : new Response('{"ok":true}'));
    expect(await http.json('POST', '/start', { body: 'x=1' })).toEqual({ ok: true });
    expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname} ${c.token}`)).toEqual(['POST /start true', 'GET /middle true', 'GET /end true']);
  });

  it('an API redirect to another origin is refused; a download redirect is followed without the token', async () => {
    const away = (url: string) => (url.startsWith('https://canvas.example.org') ? redirect('https://files.example.net/blob?sig=1') : new Response('bytes'));
    const api = client('https://canvas.example.org', away);
    await expect(api.http.request('GET', '/api/v1/terms')).rejects.toMatchObject({ code: 'canvas.redirect-foreign' });
    expect(api.calls.map((c) => c.url)).toEqual(['https://canvas.example.org/api/v1/terms']);

    const file = client('https://canvas.example.org', away);
    const res = await file.http.download('/files/9/download?download_frd=1', 'report 1');
    expect(new TextDecoder().decode(res.body)).toBe('bytes');
    expect(file.calls.map((c) => [new URL(c.url).origin, c.token])).toEqual([['https://canvas.example.org', true], ['https://files.example.net', false]]);
  });

  it('a file on another origin: only a verifier URL over https, and never with the token', async () => {
    const { http, calls } = client('https://canvas.example.org', () => new Response('bytes'));
    await expect(http.download('https://files.example.net/files/9/download', 'report 1')).rejects.toMatchObject({ code: 'canvas.file-foreign-origin', message: expect.stringMatching(/verifier/) });
    await expect(http.download('http://files.example.net/files/9/download?verifier=abc', 'report 1')).rejects.toMatchObject({ code: 'canvas.file-foreign-origin', message: expect.stringMatching(/https/) });
    await expect(http.download('ftp://files.example.net/f?verifier=abc', 'report 1')).rejects.toBeInstanceOf(RemoteError);
    expect(calls).toEqual([]);
    await http.download('https://files.example.net/files/9/download?verifier=abc', 'report 1');
    expect(calls).toEqual([{ url: 'https://files.example.net/files/9/download?verifier=abc', method: 'GET', token: false }]);
  });

  it('a Link rel="next" to another origin stops pagination with the origin named', async () => {
    const { http, calls } = client('https://canvas.example.org', () =>
      new Response('[1]', { headers: { link: '<https://evil.example.com/api/v1/terms?page=2>; rel="next"' } }));
    await expect(http.paginate('/api/v1/terms', {}, (p) => p as number[])).rejects.toMatchObject({ code: 'canvas.foreign-origin', message: expect.stringContaining('https://evil.example.com') });
    expect(calls).toHaveLength(1);
  });

  it('error text is redacted before it is cut', async () => {
    const { http } = client('https://canvas.example.org', () => new Response(JSON.stringify({ errors: [{ message: `${'x'.repeat(280)}${TOKEN}` }] }), { status: 400 }));
    const err = await http.request('GET', '/api/v1/x').catch((e: unknown) => e) as RemoteError;
    expect(err.code).toBe('canvas.http');
    for (let i = 0; i + 12 <= TOKEN.length; i++) expect(err.message).not.toContain(TOKEN.slice(i, i + 12));
  });

  it('a Canvas URL that is not http(s) is a configuration error, not a retried network failure', () => {
    expect(() => client('canvas.example.org')).toThrow(ConfigError);
    expect(() => client('ftp://canvas.example.org')).toThrow(ConfigError);
  });
});
