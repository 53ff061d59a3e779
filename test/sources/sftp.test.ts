/**
 * The SFTP source against a local ssh2 server with a host key generated per test run: the pin,
 * password and private-key logins, a zip and a folder of CSVs, and the caps.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DataError, RemoteError } from '../../engine/errors.js';
import { fetchSftpExport, sshFingerprint, type SftpOptions } from '../../engine/sources/sftp.js';
import { DEFAULT_LIMITS } from '../../engine/util/limits.js';
import { generateKey, startSftpServer, type SftpTestServer } from '../support/sftp-server.js';
import { ROOT } from '../support/workspace.js';
import { buildZip } from '../support/zip-builder.js';

const EXAMPLE = join(ROOT, 'examples/maple-valley/oneroster');
const PASSWORD = 'sftp-Pa55word-that-must-never-print';
const clientKey = generateKey('ed25519');
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

let root: string;
let zipBytes: Buffer;
let pwServer: SftpTestServer;
let keyServer: SftpTestServer;
let rsaServer: SftpTestServer;
let into: string;
const logged: string[] = [];
const log = (line: string) => logged.push(line);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rosterops-sftp-root-'));
  mkdirSync(join(root, 'exports/tonight'), { recursive: true });
  const files = readdirSync(EXAMPLE).filter((f) => f.endsWith('.csv'));
  zipBytes = buildZip(files.map((name) => ({ name, data: readFileSync(join(EXAMPLE, name)) })));
  writeFileSync(join(root, 'exports/oneroster.zip'), zipBytes);
  for (const f of files) writeFileSync(join(root, 'exports/tonight', f), readFileSync(join(EXAMPLE, f)));
  writeFileSync(join(root, 'exports/tonight/README.txt'), 'not part of the export');
  writeFileSync(join(root, 'exports/broken.zip'), zipBytes.subarray(0, zipBytes.length - 40));
  mkdirSync(join(root, 'exports/dated'));
  // Date-stamped names (Infinite Campus "Append Date to Filename"): the newest by mtime wins, not the last by name.
  writeFileSync(join(root, 'exports/dated/oneroster_20261207.zip'), zipBytes);
  writeFileSync(join(root, 'exports/dated/oneroster_20269999.zip'), 'stale and not a zip');
  writeFileSync(join(root, 'exports/dated/other.zip'), 'not this one');
  utimesSync(join(root, 'exports/dated/oneroster_20261207.zip'), new Date('2026-12-07T05:00:00Z'), new Date('2026-12-07T05:00:00Z'));
  utimesSync(join(root, 'exports/dated/oneroster_20269999.zip'), new Date('2026-11-01T05:00:00Z'), new Date('2026-11-01T05:00:00Z'));
  utimesSync(join(root, 'exports/dated/other.zip'), new Date('2026-12-08T05:00:00Z'), new Date('2026-12-08T05:00:00Z'));
  pwServer = await startSftpServer({ root, user: 'rostering', password: PASSWORD });
  keyServer = await startSftpServer({ root, user: 'rostering', publicKey: clientKey.public });
  rsaServer = await startSftpServer({ root, user: 'rostering', publicKey: rsaPem });
});

afterAll(async () => {
  await Promise.all([pwServer?.close(), keyServer?.close(), rsaServer?.close()]);
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  into = mkdtempSync(join(tmpdir(), 'rosterops-sftp-into-'));
  logged.length = 0;
  pwServer.log.length = 0;
});

function source(server: SftpTestServer, extra: Partial<SftpOptions> = {}): SftpOptions {
  return { host: '127.0.0.1', port: server.port, user: 'rostering', path: '/exports/oneroster.zip', hostKey: server.fingerprint, passwordEnv: 'SIS_SFTP_PASSWORD', ...extra };
}
const env = { SIS_SFTP_PASSWORD: PASSWORD };

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the fetch to fail');
}

function everything(err: Error): string {
  const e = err as RemoteError;
  return `${e.message}\n${e.hint ?? ''}\n${logged.join('\n')}`;
}

describe('SFTP source', () => {
  it('fetches a zip with the pinned host key and a password', async () => {
    const path = await fetchSftpExport(source(pwServer), env, into, log);
    expect(path).toBe(join(into, 'oneroster.zip'));
    expect(readFileSync(path).equals(zipBytes)).toBe(true);
    expect(pwServer.log).toEqual(['login password ok', 'read /exports/oneroster.zip']);
  });

  it('fetches every CSV of a folder, and nothing else', async () => {
    const path = await fetchSftpExport(source(pwServer, { path: '/exports/tonight' }), env, into, log);
    const expected = readdirSync(EXAMPLE).filter((f) => f.endsWith('.csv')).sort();
    expect(readdirSync(path).sort()).toEqual(expected);
    for (const f of expected) expect(readFileSync(join(path, f)).equals(readFileSync(join(EXAMPLE, f)))).toBe(true);
  });

  it('accepts a pin written with the trailing "=" some tools print', async () => {
    const path = await fetchSftpExport(source(pwServer, { hostKey: `${pwServer.fingerprint}=` }), env, into, log);
    expect(readFileSync(path).equals(zipBytes)).toBe(true);
  });

  it('a * in the file name fetches the newest matching file', async () => {
    const path = await fetchSftpExport(source(pwServer, { path: '/exports/dated/oneroster_*.zip' }), env, into, log);
    expect(readFileSync(path).equals(zipBytes)).toBe(true);
    expect(logged.join('\n')).toContain('2 files match oneroster_*.zip; the newest is oneroster_20261207.zip');
    const none = await failure(fetchSftpExport(source(pwServer, { path: '/exports/dated/roster_*.zip' }), env, into, log));
    expect((none as RemoteError).code).toBe('sis.sftp-no-match');
  });

  it('refuses a server whose key is not pinned, printing the fingerprint to pin, before sending the password', async () => {
    const err = await failure(fetchSftpExport(source(pwServer, { hostKey: undefined }), env, into, log));
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).code).toBe('sis.sftp-host-key-unpinned');
    expect((err as RemoteError).exitCode).toBe(1);
    expect(everything(err)).toContain(pwServer.fingerprint);
    expect(pwServer.log).toEqual([]);
    expect(readdirSync(into)).toEqual([]);
  });

  it('refuses a changed host key: prints the real fingerprint, logs in nowhere, fetches nothing', async () => {
    const other = sshFingerprint(Buffer.from('some other host key'));
    const err = await failure(fetchSftpExport(source(pwServer, { hostKey: other }), env, into, log));
    expect((err as RemoteError).code).toBe('sis.sftp-host-key-changed');
    expect(err.message).toContain(pwServer.fingerprint);
    expect(err.message).toContain(other);
    expect(pwServer.log).toEqual([]);
    expect(readdirSync(into)).toEqual([]);
  });

  it('refuses a malformed pin as a configuration error', async () => {
    const err = await failure(fetchSftpExport(source(pwServer, { hostKey: 'MD5:aa:bb' }), env, into, log));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).location.field).toBe('sources.sis.sftp.hostKey');
  });

  it('a wrong password is a RemoteError that never shows the password', async () => {
    const wrong = 'wrong-Pa55word-also-secret';
    const err = await failure(fetchSftpExport(source(pwServer), { SIS_SFTP_PASSWORD: wrong }, into, log));
    expect((err as RemoteError).code).toBe('sis.sftp-auth');
    expect(everything(err)).not.toContain(wrong);
    expect(everything(err)).not.toContain(PASSWORD);
    expect(pwServer.log).toEqual(['login password refused']);
    expect(readdirSync(into)).toEqual([]);
  });

  it('a missing variable is a ConfigError naming the key and the variable', async () => {
    const err = await failure(fetchSftpExport(source(pwServer), {}, into, log));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('passwordEnv');
    expect(err.message).toContain('SIS_SFTP_PASSWORD');
    expect((err as ConfigError).location.field).toBe('sources.sis.sftp.passwordEnv');
  });

  it('logs in with an OpenSSH ed25519 private key from the environment', async () => {
    const path = await fetchSftpExport(source(keyServer, { passwordEnv: undefined, privateKeyEnv: 'SIS_SFTP_PRIVATE_KEY' }), { SIS_SFTP_PRIVATE_KEY: clientKey.private }, into, log);
    expect(readFileSync(path).equals(zipBytes)).toBe(true);
    expect(keyServer.log).toContain('login publickey ok');
  });

  it('logs in with a PEM RSA key pasted with literal \\n sequences', async () => {
    const pasted = rsaPem.trim().split('\n').join('\\n');
    const path = await fetchSftpExport(source(rsaServer, { passwordEnv: undefined, privateKeyEnv: 'SIS_SFTP_PRIVATE_KEY' }), { SIS_SFTP_PRIVATE_KEY: pasted }, into, log);
    expect(readFileSync(path).equals(zipBytes)).toBe(true);
  });

  it('a key the server does not know is refused', async () => {
    const stranger = generateKey('ed25519');
    const err = await failure(fetchSftpExport(source(keyServer, { passwordEnv: undefined, privateKeyEnv: 'K' }), { K: stranger.private }, into, log));
    expect((err as RemoteError).code).toBe('sis.sftp-auth');
    expect(everything(err)).not.toContain(stranger.private.split('\n')[1]!);
  });

  it('a zip larger than limits.zipBytes is refused before it is fetched', async () => {
    const limits = { ...DEFAULT_LIMITS, zipBytes: 1000 };
    const err = await failure(fetchSftpExport(source(pwServer), env, into, log, { limits }));
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('limits.zipBytes');
    expect(pwServer.log).not.toContain('read /exports/oneroster.zip');
  });

  it('a CSV file larger than limits.fileBytes is refused', async () => {
    const limits = { ...DEFAULT_LIMITS, fileBytes: 2000 };
    const err = await failure(fetchSftpExport(source(pwServer, { path: '/exports/tonight' }), env, into, log, { limits }));
    expect((err as DataError).code).toBe('limits.fileBytes');
  });

  it('a truncated zip is refused before anything reads it', async () => {
    const err = await failure(fetchSftpExport(source(pwServer, { path: '/exports/broken.zip' }), env, into, log));
    expect((err as DataError).code).toBe('sis.fetched-zip-invalid');
  });

  it('a path that does not exist names the server and the path', async () => {
    const err = await failure(fetchSftpExport(source(pwServer, { path: '/exports/nope.zip' }), env, into, log));
    expect((err as RemoteError).code).toBe('sis.sftp-request');
    expect(err.message).toContain('/exports/nope.zip');
    expect(err.message).toContain('no such file');
  });

  it('a closed port is a network error, not a hang', async () => {
    const err = await failure(fetchSftpExport(source(pwServer, { port: 1 }), env, into, log, { connectTimeoutMs: 3000 }));
    expect((err as RemoteError).code).toBe('sis.sftp-network');
  });
});
