/**
 * Where the SIS export comes from, one place for plan, apply and sync: a folder or zip in the
 * checkout (`path`, or `--sis PATH`, which overrides any kind), a OneRoster REST service pulled at
 * run time (`rest`), or a CSV export fetched at run time (`sftp`, `download`) into a temporary
 * folder outside the work tree that is removed when the read ends, also on error and on Ctrl-C.
 * Credentials come from the environment variables the policy names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { SisSnapshot } from '../model/oneroster.js';
import type { Config, DownloadSource, SftpSource } from '../policy/types.js';
import { pullOneRosterRest, restSisName } from '../readers/oneroster-rest/index.js';
import { readOneRoster } from '../readers/oneroster/index.js';

export interface SisSourceFlags {
  /** `--sis PATH`: a local export, whatever the policy names. */
  sis?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (text: string) => void;
}

export interface SisSource {
  /** Reads (pulls, fetches) the export. Each call reads again; callers read once per command. */
  read(): Promise<SisSnapshot>;
  /** Where the export comes from, for the plan header: `OneRoster REST https://… (812 users)`. */
  describe(): string;
  /** Removes whatever the read left behind (a fetched export's temporary folder). */
  close(): Promise<void>;
}

/** What engine/sources/sftp.ts and download.ts provide: the export fetched into `tempDir`, and its path there. */
export type ExportFetcher<S> = (source: S, env: NodeJS.ProcessEnv, tempDir: string) => Promise<string>;

export function openSisSource(config: Config, flags: SisSourceFlags = {}): SisSource {
  const sis = config.sources.sis;
  const env = flags.env ?? process.env;
  const limits = config.limits ? { limits: config.limits } : {};
  if (flags.sis) return localSource(resolve(flags.sis), limits);
  switch (sis.kind ?? 'path') {
    case 'path':
      return localSource(sis.path, limits);
    case 'rest': {
      const rest = sis.rest!;
      let users: number | null = null;
      return {
        read: async () => {
          const snapshot = await pullOneRosterRest(rest, { format: sis.format, env, ...limits, ...(flags.onProgress ? { onProgress: flags.onProgress } : {}) });
          users = snapshot.users.length;
          return snapshot;
        },
        describe: () => `${restSisName(rest)}${users === null ? '' : ` (${users} users)`}`,
        close: async () => {},
      };
    }
    case 'sftp':
      return fetchedSource('sftp', `SFTP ${sis.sftp!.user}@${sis.sftp!.host}:${sis.sftp!.path}`, (dir) => notWired<SftpSource>('sftp', config)(sis.sftp!, env, dir), limits);
    case 'download':
      return fetchedSource('download', `download ${new URL(sis.download!.url).origin}${new URL(sis.download!.url).pathname}`, (dir) => notWired<DownloadSource>('download', config)(sis.download!, env, dir), limits);
  }
}

function localSource(path: string, limits: { limits?: Config['limits'] }): SisSource {
  let users: number | null = null;
  return {
    read: async () => {
      const snapshot = await readOneRoster(path, limits.limits ? { limits: limits.limits } : {});
      users = snapshot.users.length;
      return snapshot;
    },
    describe: () => `OneRoster CSV ${path}${users === null ? '' : ` (${users} users)`}`,
    close: async () => {},
  };
}

/** A CSV export fetched into a temporary folder, read from there, and removed however the command ends. */
function fetchedSource(kind: 'sftp' | 'download', name: string, fetchInto: (dir: string) => Promise<string>, limits: { limits?: Config['limits'] }): SisSource {
  let users: number | null = null;
  let dir: string | null = null;
  const remove = () => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.kill(process.pid, signal);
  };
  const close = async () => {
    remove();
    process.off('exit', remove);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  return {
    read: async () => {
      dir = mkdtempSync(join(tmpdir(), `rosterops-sis-${kind}-`));
      process.once('exit', remove);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const path = await fetchInto(dir);
        const snapshot = await readOneRoster(path, { label: kind, ...(limits.limits ? { limits: limits.limits } : {}) });
        users = snapshot.users.length;
        return snapshot;
      } finally {
        await close();
      }
    },
    describe: () => `${name}${users === null ? '' : ` (${users} users)`}`,
    close,
  };
}

/** Until engine/sources/sftp.ts and download.ts are part of this build. */
function notWired<S>(kind: 'sftp' | 'download', config: Config): ExportFetcher<S> {
  return async () => {
    const where = config.sources.sis.where;
    throw new ConfigError(`sources.${kind}-unavailable`, `sources.sis.${kind}: this build cannot fetch ${kind === 'sftp' ? 'over SFTP' : 'over HTTPS'}`,
      { ...(where ? { file: where.file, line: where.line, column: where.column } : {}), field: `sources.sis.${kind}` },
      `Use sources.sis.path with an export on disk, or sources.sis.rest, or pass --sis PATH.`);
  };
}
