/**
 * `sources.sis.sftp`: the OneRoster export an SIS drops on an SFTP server every night, a zip or a
 * folder of CSVs, fetched into the temp folder (sources/temp-export.ts).
 *
 * Built on `ssh2` itself rather than ssh2-sftp-client: the host key check, the size cap counted
 * while each file streams and the idle timeout have to be ours, and the wrapper adds nothing here.
 *
 * The host key is pinned: the server's key must have the SHA256 fingerprint in `hostKey`, in the
 * form `ssh-keygen -lf` prints (`SHA256:` + unpadded base64). Without a pin, or with a changed key,
 * nothing is sent (no password, no request) and the error prints the fingerprint the server showed,
 * so the operator can check it out of band and pin it. A fingerprint is public; the password or
 * private key come from the environment variable named and are registered as secrets.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { Client, type ConnectConfig, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import { ConfigError, RemoteError } from '../errors.js';
import { DEFAULT_LIMITS, overLimit, type InputLimits } from '../util/limits.js';
import { redactThenCut, registerSecret } from '../util/redact.js';
import { checkFetchedZip, tooLarge, writeCapped, zipCap } from './fetched-files.js';

export interface SftpOptions {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  /**
   * A .zip, or a folder whose *.csv files are the export. A `*` in the last segment
   * (`/exports/oneroster_*.zip`, for SIS exports with a date-stamped name) picks the newest match.
   */
  path: string;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  hostKey?: string;
  /** Name of the variable holding the password. */
  passwordEnv?: string;
  /** Name of the variable holding the private key (OpenSSH or PEM text). */
  privateKeyEnv?: string;
}

export interface SftpFetchOptions {
  limits?: InputLimits;
  /** Connection and login must finish within this. */
  connectTimeoutMs?: number;
  /** No progress (an answer, a chunk of a file) for this long: the fetch fails. */
  idleTimeoutMs?: number;
}

const WHERE = 'sources.sis.sftp';

/** `SHA256:<base64 without padding>` of a host key blob, as OpenSSH prints it. */
export function sshFingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Fetches the export into `intoDir`; returns the path of the zip, or of the folder of CSVs. */
export async function fetchSftpExport(
  source: SftpOptions, env: NodeJS.ProcessEnv, intoDir: string, log: (line: string) => void, options: SftpFetchOptions = {},
): Promise<string> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const port = source.port ?? 22;
  const where = `SFTP ${source.user}@${source.host}:${port}`;
  const auth = credentialsFromEnv(source, env);
  const pinned = source.hostKey?.trim();
  if (pinned !== undefined && pinned !== '' && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(pinned)) {
    throw new ConfigError('sis.sftp-host-key-format', `${WHERE}.hostKey is not a SHA256 fingerprint (expected "SHA256:" and 43 base64 characters, as \`ssh-keygen -lf\` prints)`, { field: `${WHERE}.hostKey` },
      'Leave hostKey out once: the error then prints the server\'s fingerprint; check it with the SFTP provider and pin it.');
  }
  const session = new SftpSession(where, options.connectTimeoutMs ?? 20_000, options.idleTimeoutMs ?? 60_000);
  log(`SIS: connecting to ${where}`);
  try {
    const sftp = await session.open({ host: source.host, port, username: source.user, ...auth }, pinned ? pinned.replace(/=$/, '') : null);
    const path = posix.basename(source.path).includes('*') ? await newestMatch(session, sftp, source.path, log) : source.path;
    const stats = await session.call<Stats>((done) => sftp.stat(path, done), `stat ${path}`);
    if (stats.isDirectory()) return await fetchFolder(session, sftp, path, intoDir, limits, log);
    if (!stats.isFile() || !path.toLowerCase().endsWith('.zip')) {
      throw new RemoteError('sis.sftp-not-export', `${where}: ${path} is neither a folder nor a .zip`, undefined,
        `Set ${WHERE}.path to the OneRoster .zip the SIS drops, or to the folder holding its CSV files.`);
    }
    const cap = zipCap(limits);
    const label = `${where}${path}`;
    if (stats.size > cap) throw tooLarge(label, cap, 'zipBytes', { file: label });
    const into = join(intoDir, safeName(basename(path)));
    log(`SIS: fetching ${path}`);
    await session.download(sftp, path, into, cap, label, 'zipBytes');
    checkFetchedZip(into, label, limits);
    return into;
  } finally {
    session.close();
  }
}

/**
 * The newest file (by modification time, then name) whose name matches the pattern's last segment,
 * `*` standing for any run of characters: Infinite Campus's extract can append a date to the name.
 */
async function newestMatch(session: SftpSession, sftp: SFTPWrapper, pattern: string, log: (line: string) => void): Promise<string> {
  const dir = posix.dirname(pattern);
  const glob = posix.basename(pattern);
  const regex = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const list = await session.call<FileEntryWithStats[]>((done) => sftp.readdir(dir, done), `list ${dir}`);
  const matches = list.filter((e) => regex.test(e.filename) && e.attrs.isFile())
    .sort((a, b) => (a.attrs.mtime - b.attrs.mtime) || (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const newest = matches[matches.length - 1];
  if (!newest) {
    throw new RemoteError('sis.sftp-no-match', `${session.where}: no file in ${dir} matches ${glob}`, undefined, `Check ${WHERE}.path: has the SIS dropped tonight's export there, under that name?`);
  }
  const path = posix.join(dir, newest.filename);
  log(`SIS: ${matches.length} file${matches.length === 1 ? '' : 's'} match ${glob}; the newest is ${newest.filename}`);
  return path;
}

/** Every *.csv file of the folder (not recursive), into a folder of the temp folder. */
async function fetchFolder(session: SftpSession, sftp: SFTPWrapper, dir: string, intoDir: string, limits: InputLimits, log: (line: string) => void): Promise<string> {
  const list = await session.call<FileEntryWithStats[]>((done) => sftp.readdir(dir, done), `list ${dir}`);
  const csvs = list.filter((e) => e.filename.toLowerCase().endsWith('.csv') && !e.filename.startsWith('.') && e.attrs.isFile());
  if (csvs.length === 0) {
    throw new RemoteError('sis.sftp-empty', `${session.where}: ${dir} holds no CSV files`, undefined, `Check ${WHERE}.path: has the SIS dropped tonight's export there?`);
  }
  if (csvs.length > limits.zipEntries) {
    throw overLimit('zipEntries', `${session.where}: ${dir} holds ${csvs.length} CSV files; the limit is ${limits.zipEntries}`, { file: dir }, 'A OneRoster export holds a dozen files');
  }
  const folder = join(intoDir, 'export');
  mkdirSync(folder, { mode: 0o700 });
  log(`SIS: fetching ${csvs.length} CSV files from ${dir}`);
  for (const entry of csvs) {
    const label = `${session.where}${posix.join(dir, entry.filename)}`;
    if (entry.attrs.size > limits.fileBytes) throw tooLarge(label, limits.fileBytes, 'fileBytes', { file: label });
    await session.download(sftp, posix.join(dir, entry.filename), join(folder, safeName(entry.filename)), limits.fileBytes, label, 'fileBytes');
  }
  return folder;
}

/** A remote name cannot climb out of the temp folder. */
function safeName(name: string): string {
  return name.replace(/[/\\\0]/g, '_').replace(/^\.+/, '_');
}

function credentialsFromEnv(source: SftpOptions, env: NodeJS.ProcessEnv): Pick<ConnectConfig, 'password' | 'privateKey'> {
  const given = [source.passwordEnv, source.privateKeyEnv].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new ConfigError('sis.sftp-credentials', `${WHERE} must name exactly one of passwordEnv and privateKeyEnv`, { field: WHERE },
      'Add `passwordEnv: SIS_SFTP_PASSWORD` or `privateKeyEnv: SIS_SFTP_PRIVATE_KEY` (the name of an environment variable, not the secret).');
  }
  const key = source.passwordEnv !== undefined ? 'passwordEnv' : 'privateKeyEnv';
  const variable = given[0]!;
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new ConfigError('sis.sftp-credential-env', `${WHERE}.${key} names the environment variable ${variable}, which is not set`, { field: `${WHERE}.${key}` },
      `Set ${variable} (in GitHub Actions: a secret passed as env) to the SFTP ${key === 'passwordEnv' ? 'password' : 'private key (the whole OpenSSH or PEM text)'}.`);
  }
  registerSecret(value);
  if (key === 'passwordEnv') return { password: value };
  // Keys pasted into a secret often keep literal "\n" sequences instead of line breaks.
  return { privateKey: value.includes('\n') ? value : value.replace(/\\n/g, '\n') };
}

/** One SSH connection and its SFTP channel, with the timeouts and the error wording of this source. */
class SftpSession {
  private readonly client = new Client();
  private failure: Error | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(readonly where: string, private readonly connectTimeoutMs: number, private readonly idleTimeoutMs: number) {}

  open(config: ConnectConfig, pinned: string | null): Promise<SFTPWrapper> {
    let seen: string | null = null;
    return new Promise((resolve, reject) => {
      this.client.on('error', (err: Error & { level?: string }) => {
        reject(this.connectError(err, pinned, seen));
      });
      this.client.on('ready', () => {
        this.client.sftp((err, sftp) => (err ? reject(this.remote(`no SFTP subsystem (${err.message})`, err)) : resolve(sftp)));
      });
      this.client.connect({
        ...config,
        readyTimeout: this.connectTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        // Called before any credential is sent: a key that is not the pinned one ends the handshake.
        hostVerifier: (key: Buffer) => {
          seen = sshFingerprint(key);
          return pinned !== null && seen === pinned;
        },
      });
    });
  }

  private connectError(err: Error & { level?: string }, pinned: string | null, seen: string | null): RemoteError {
    if (seen !== null && seen !== pinned) {
      return pinned === null
        ? new RemoteError('sis.sftp-host-key-unpinned', `${this.where}: the server's host key is not pinned; it presented ${seen}`, undefined,
          `Check that fingerprint with the SFTP provider (e.g. \`ssh-keyscan -p <port> <host> | ssh-keygen -lf -\` from a trusted network), then set ${WHERE}.hostKey: "${seen}".`)
        : new RemoteError('sis.sftp-host-key-changed', `${this.where}: the server's host key ${seen} is not the pinned ${pinned}; nothing was sent to it`, undefined,
          `If the provider really changed its key, confirm the new fingerprint with them and set ${WHERE}.hostKey: "${seen}"; otherwise someone may be intercepting the connection.`);
    }
    if (err.level === 'client-authentication') {
      return new RemoteError('sis.sftp-auth', `${this.where}: the server refused the login`, undefined,
        `Check the user (${WHERE}.user) and the secret in the variable named by ${WHERE}.passwordEnv / privateKeyEnv.`, { cause: err });
    }
    if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
      return this.remote(`no SSH handshake within ${this.connectTimeoutMs / 1000}s`, err);
    }
    return this.remote(`connection failed (${redactThenCut(err.message, 200)})`, err);
  }

  private remote(what: string, cause: unknown): RemoteError {
    return new RemoteError('sis.sftp-network', `${this.where}: ${what}`, undefined, `Check ${WHERE}.host and port and the network, then run again; nothing was planned from a partial export.`, { cause });
  }

  /** One SFTP request, failing if the server does not answer within the idle timeout. */
  call<T>(start: (done: (err: Error | null | undefined, value: T) => void) => void, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.remote(`${what}: no answer within ${this.idleTimeoutMs / 1000}s`, null));
        this.client.end();
      }, this.idleTimeoutMs);
      start((err, value) => {
        clearTimeout(timer);
        if (!err) return resolve(value);
        const code = (err as Error & { code?: number }).code;
        // SFTP status 2 is "no such file", 3 "permission denied".
        const why = code === 2 ? 'no such file or folder' : code === 3 ? 'permission denied' : redactThenCut(err.message, 200);
        reject(new RemoteError('sis.sftp-request', `${this.where}: ${what}: ${why}`, undefined, `Check ${WHERE}.path and that ${WHERE}.user may read it.`, { cause: err }));
      });
    });
  }

  /** Streams one remote file to `into`, stopping past `cap` bytes or after the idle timeout. */
  async download(sftp: SFTPWrapper, remote: string, into: string, cap: number, label: string, key: 'zipBytes' | 'fileBytes'): Promise<void> {
    const stream = sftp.createReadStream(remote);
    const arm = () => {
      if (this.idle) clearTimeout(this.idle);
      this.idle = setTimeout(() => {
        this.failure = this.remote(`${remote}: no data for ${this.idleTimeoutMs / 1000}s`, null);
        stream.destroy(this.failure);
      }, this.idleTimeoutMs);
    };
    arm();
    try {
      await writeCapped(stream, into, cap, () => tooLarge(label, cap, key, { file: label }), arm);
    } catch (err) {
      stream.destroy();
      if (this.failure) throw this.failure;
      if (err instanceof RemoteError || (err instanceof Error && 'code' in err && String(err.code).startsWith('limits.'))) throw err;
      throw this.remote(`${remote}: the transfer broke (${redactThenCut((err as Error).message, 200)})`, err);
    } finally {
      if (this.idle) clearTimeout(this.idle);
    }
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.client.end();
  }
}
