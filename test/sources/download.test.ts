/**
 * The HTTPS-download source against local HTTP servers on 127.0.0.1 (http is allowed for loopback
 * only): headers from the environment, redirects, the size cap while streaming, zip checks.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DataError, RemoteError } from '../../engine/errors.js';
import { fetchDownloadExport, type DownloadOptions } from '../../engine/sources/download.js';
import { DEFAULT_LIMITS } from '../../engine/util/limits.js';
import { redact } from '../../engine/util/redact.js';
import { ROOT } from '../support/workspace.js';
import { buildZip } from '../support/zip-builder.js';

const EXAMPLE = join(ROOT, 'examples/maple-valley/oneroster');
const SECRET = 'Bearer dl-secret-9f8e7d6c5b4a39281706';
const env = { SIS_DOWNLOAD_AUTH: SECRET };

interface Seen { path: string; headers: IncomingHttpHeaders }
interface Local { server: Server; origin: string; seen: Seen[] }

let zip: Buffer;
let files: Local;
let storage: Local;
let into: string;
const logged: string[] = [];
const log = (line: string) => logged.push(line);

function serve(route: (path: string, res: ServerResponse) => void): Promise<Local> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    route(req.url ?? '', res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, seen, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

beforeAll(async () => {
  const names = readdirSync(EXAMPLE).filter((f) => f.endsWith('.csv'));
  zip = buildZip(names.map((name) => ({ name, data: readFileSync(join(EXAMPLE, name)) })));
  storage = await serve((path, res) => {
    if (path.startsWith('/signed/oneroster.zip')) return void res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
    res.writeHead(404).end();
  });
  files = await serve((path, res) => {
    switch (path) {
      case '/oneroster.zip': return void res.writeHead(200, { 'content-length': zip.length }).end(zip);
      case '/chunked.zip': res.writeHead(200); res.write(zip.subarray(0, 1000)); return void res.end(zip.subarray(1000));
      case '/same-origin': return void res.writeHead(302, { location: '/oneroster.zip' }).end();
      case '/elsewhere': return void res.writeHead(302, { location: `${storage.origin}/signed/oneroster.zip?sig=abc` }).end();
      case '/loop': return void res.writeHead(302, { location: '/loop' }).end();
      case '/truncated.zip': return void res.writeHead(200).end(zip.subarray(0, zip.length - 60));
      case '/login.zip': return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please sign in</body></html>');
      case '/short.zip': res.writeHead(200, { 'content-length': zip.length }); res.write(zip.subarray(0, 500)); return void res.destroy();
      case '/echo.zip': return void res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad token: ${SECRET}`);
      default: return void res.writeHead(404).end('not here');
    }
  });
});

afterAll(() => {
  files.server.close();
  storage.server.close();
});

beforeEach(() => {
  into = mkdtempSync(join(tmpdir(), 'rosterops-dl-into-'));
  logged.length = 0;
  files.seen.length = 0;
  storage.seen.length = 0;
});

const source = (path: string, extra: Partial<DownloadOptions> = {}): DownloadOptions => ({ url: `${files.origin}${path}`, headers: { Authorization: 'SIS_DOWNLOAD_AUTH' }, ...extra });

async function failure(p: Promise<unknown>): Promise<Error & { code?: string; hint?: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the download to fail');
}

function printed(err: Error & { hint?: string }): string {
  return redact(`${err.message}\n${err.hint ?? ''}\n${logged.join('\n')}`);
}

describe('HTTPS download source', () => {
  it('sends the headers from the environment and saves the zip', async () => {
    const path = await fetchDownloadExport(source('/oneroster.zip'), env, into, log);
    expect(readFileSync(path).equals(zip)).toBe(true);
    expect(files.seen[0]!.headers.authorization).toBe(SECRET);
    expect(logged.join('\n')).not.toContain(SECRET);
  });

  it('streams a body without Content-Length', async () => {
    const path = await fetchDownloadExport(source('/chunked.zip'), env, into, log);
    expect(readFileSync(path).equals(zip)).toBe(true);
  });

  it('follows a redirect on the same origin with the headers', async () => {
    await fetchDownloadExport(source('/same-origin'), env, into, log);
    expect(files.seen.map((s) => s.headers.authorization)).toEqual([SECRET, SECRET]);
  });

  it('follows a redirect to another origin without the secret header', async () => {
    const path = await fetchDownloadExport(source('/elsewhere'), env, into, log);
    expect(readFileSync(path).equals(zip)).toBe(true);
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(storage.seen)).not.toContain(SECRET);
    expect(logged.join('\n')).toContain('without the configured headers');
    expect(logged.join('\n')).not.toContain('sig=abc');
  });

  it('stops after a bounded number of redirects', async () => {
    const err = await failure(fetchDownloadExport(source('/loop'), env, into, log));
    expect(err.code).toBe('sis.download-redirects');
  });

  it('refuses a body over the cap as it streams, declared or not', async () => {
    const limits = { ...DEFAULT_LIMITS, zipBytes: 1500 };
    for (const path of ['/oneroster.zip', '/chunked.zip']) {
      const err = await failure(fetchDownloadExport(source(path), env, into, log, { limits }));
      expect(err).toBeInstanceOf(DataError);
      expect(err.code).toBe('limits.zipBytes');
    }
  });

  it('refuses a truncated zip, an HTML page and a cut connection', async () => {
    expect((await failure(fetchDownloadExport(source('/truncated.zip'), env, into, log))).code).toBe('sis.fetched-zip-invalid');
    const page = await failure(fetchDownloadExport(source('/login.zip'), env, into, log));
    expect(page.code).toBe('sis.fetched-not-zip');
    expect(page.message).toContain('SIS download');
    const cut = await failure(fetchDownloadExport(source('/short.zip'), env, into, log));
    expect(cut).toBeInstanceOf(RemoteError);
    expect(['sis.download-network', 'sis.download-truncated']).toContain(cut.code);
  });

  it('an HTTP error names the download, the status and a hint; an echoed secret is redacted', async () => {
    const err = await failure(fetchDownloadExport(source('/echo.zip'), env, into, log));
    expect(err.code).toBe('sis.download-status');
    expect(err.status).toBe(401);
    expect(err.message).toContain('SIS download');
    expect(err.message).toContain('401');
    expect(err.hint).toContain('sources.sis.download.headers');
    expect(printed(err)).not.toContain('dl-secret-9f8e7d6c');
    expect(err.message).not.toContain('dl-secret-9f8e7d6c');
    const missing = await failure(fetchDownloadExport(source('/nope.zip'), env, into, log));
    expect(missing.status).toBe(404);
  });

  it('a header variable that is not set is a ConfigError naming the header and the variable', async () => {
    const err = await failure(fetchDownloadExport(source('/oneroster.zip'), {}, into, log));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('Authorization');
    expect(err.message).toContain('SIS_DOWNLOAD_AUTH');
    expect(files.seen).toHaveLength(0);
  });

  it('refuses http to a host that is not loopback, and credentials in the URL', async () => {
    const plain = await failure(fetchDownloadExport({ url: 'http://files.example.org/oneroster.zip' }, env, into, log));
    expect(plain.code).toBe('sis.download-url-insecure');
    const creds = await failure(fetchDownloadExport({ url: 'https://user:pw@files.example.org/x.zip' }, env, into, log));
    expect(creds.code).toBe('sis.download-url-credentials');
    expect(creds.message).not.toContain('pw@');
  });

  it('nothing is left but the zip', async () => {
    await fetchDownloadExport(source('/oneroster.zip'), env, into, log);
    expect(readdirSync(into)).toEqual(['oneroster.zip']);
  });
});
