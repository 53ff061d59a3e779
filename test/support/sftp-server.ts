/**
 * A local SFTP server for tests (ssh2's Server, as in its documented SFTP server example): a host
 * key generated per server, password or public-key login, and read-only SFTP over a folder on
 * disk (`/x/y` on the server is `root/x/y`). It records each login attempt and every path read.
 */
import { timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import ssh2 from 'ssh2';
import { sshFingerprint } from '../../engine/sources/sftp.js';

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

export interface SftpTestServer {
  port: number;
  /** The host key's fingerprint, `SHA256:…` as ssh-keygen prints it. */
  fingerprint: string;
  /** What clients did: `login password ok`, `read /exports/x.zip`, … */
  log: string[];
  close(): Promise<void>;
}

export interface SftpServerOptions {
  root: string;
  user: string;
  password?: string;
  /** Public key (OpenSSH text) accepted for `user`. */
  publicKey?: string;
}

export function generateKey(type: 'ed25519' | 'rsa' = 'ed25519'): { private: string; public: string } {
  const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : utils.generateKeyPairSync('ed25519');
  return { private: pair.private, public: pair.public };
}

function attrsOf(path: string) {
  const s = statSync(path);
  return { mode: s.mode, uid: 0, gid: 0, size: s.size, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
}

export async function startSftpServer(options: SftpServerOptions): Promise<SftpTestServer> {
  const hostKey = generateKey('ed25519');
  const parsedHost = utils.parseKey(hostKey.private);
  if (parsedHost instanceof Error) throw parsedHost;
  const allowedKey = options.publicKey ? utils.parseKey(options.publicKey) : null;
  if (allowedKey instanceof Error) throw allowedKey;
  const log: string[] = [];
  const local = (remote: string) => join(options.root, normalize(`/${remote}`));

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.username !== options.user) return ctx.reject();
      if (ctx.method === 'password') {
        const ok = options.password !== undefined && ctx.password === options.password;
        log.push(`login password ${ok ? 'ok' : 'refused'}`);
        return ok ? ctx.accept() : ctx.reject();
      }
      if (ctx.method === 'publickey' && allowedKey) {
        const same = ctx.key.algo === allowedKey.type && ctx.key.data.length === allowedKey.getPublicSSH().length && timingSafeEqual(ctx.key.data, allowedKey.getPublicSSH());
        if (!same) return ctx.reject();
        if (ctx.signature && ctx.blob) {
          if (allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
          log.push('login publickey ok');
        }
        return ctx.accept();
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const files = new Map<number, { fd: number } | { dir: string; done: boolean }>();
          let next = 0;
          const handle = (entry: { fd: number } | { dir: string; done: boolean }) => {
            const id = next++;
            files.set(id, entry);
            const buf = Buffer.alloc(4);
            buf.writeUInt32BE(id);
            return buf;
          };
          const lookup = (buf: Buffer) => (buf.length === 4 ? files.get(buf.readUInt32BE(0)) : undefined);
          const withStat = (reqid: number, path: string) => {
            try {
              sftp.attrs(reqid, attrsOf(local(path)));
            } catch {
              sftp.status(reqid, STATUS.NO_SUCH_FILE);
            }
          };
          sftp.on('REALPATH', (reqid, path) => sftp.name(reqid, [{ filename: normalize(`/${path}`), longname: '', attrs: {} as never }]));
          sftp.on('STAT', withStat);
          sftp.on('LSTAT', withStat);
          sftp.on('OPEN', (reqid, filename) => {
            try {
              const fd = openSync(local(filename), 'r');
              log.push(`read ${filename}`);
              sftp.handle(reqid, handle({ fd }));
            } catch {
              sftp.status(reqid, STATUS.NO_SUCH_FILE);
            }
          });
          sftp.on('FSTAT', (reqid, h) => {
            const f = lookup(h);
            if (!f || !('fd' in f)) return sftp.status(reqid, STATUS.FAILURE);
            const s = fstatSync(f.fd);
            sftp.attrs(reqid, { mode: s.mode, uid: 0, gid: 0, size: s.size, atime: 0, mtime: 0 });
          });
          sftp.on('READ', (reqid, h, offset, length) => {
            const f = lookup(h);
            if (!f || !('fd' in f)) return sftp.status(reqid, STATUS.FAILURE);
            const buf = Buffer.alloc(length);
            const n = readSync(f.fd, buf, 0, length, offset);
            if (n === 0) return sftp.status(reqid, STATUS.EOF);
            sftp.data(reqid, buf.subarray(0, n));
          });
          sftp.on('OPENDIR', (reqid, path) => {
            try {
              if (!statSync(local(path)).isDirectory()) throw new Error('not a folder');
              log.push(`list ${path}`);
              sftp.handle(reqid, handle({ dir: path, done: false }));
            } catch {
              sftp.status(reqid, STATUS.NO_SUCH_FILE);
            }
          });
          sftp.on('READDIR', (reqid, h) => {
            const f = lookup(h);
            if (!f || !('dir' in f)) return sftp.status(reqid, STATUS.FAILURE);
            if (f.done) return sftp.status(reqid, STATUS.EOF);
            f.done = true;
            const names = readdirSync(local(f.dir)).map((filename) => ({ filename, longname: filename, attrs: attrsOf(join(local(f.dir), filename)) }));
            sftp.name(reqid, names);
          });
          sftp.on('CLOSE', (reqid, h) => {
            const f = lookup(h);
            if (f && 'fd' in f) closeSync(f.fd);
            if (h.length === 4) files.delete(h.readUInt32BE(0));
            sftp.status(reqid, STATUS.OK);
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    fingerprint: sshFingerprint(parsedHost.getPublicSSH()),
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
