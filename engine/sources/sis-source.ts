/**
 * Where the SIS export comes from, one place for plan, apply and sync: a folder or zip in the
 * checkout (`path`, or `--sis PATH`, which overrides any kind), a OneRoster REST service pulled at
 * run time (`rest`), or a CSV export fetched at run time (`sftp`, `download`) into a temporary
 * folder outside the work tree that is removed when the read ends, also on error and on Ctrl-C.
 * Credentials come from the environment variables the policy names.
 */
import { resolve } from 'node:path';
import type { SisSnapshot } from '../model/oneroster.js';
import type { Config, PolicySource } from '../policy/types.js';
import { ConfigError } from '../errors.js';
import { pullOneRosterRest, restSisName } from '../readers/oneroster-rest/index.js';
import { readOneRoster } from '../readers/oneroster/index.js';
import { fetchDownloadExport } from './download.js';
import { describeFileSource } from './fetch-export.js';
import { fetchSftpExport } from './sftp.js';
import { createTempExport, type TempExport } from './temp-export.js';
import type { SisHttpOptions } from '../readers/oneroster-rest/http.js';
import { envMilliseconds } from '../canvas/live.js';

export interface SisSourceFlags {
  /** `--sis PATH`: a local export, whatever the policy names. */
  sis?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (text: string) => void;
  /** A line for the log (a retry and why). */
  log?: (line: string) => void;
}

export interface SisSource {
  /** Reads (pulls, fetches) the export. Each call reads again; callers read once per command. */
  read(): Promise<SisSnapshot>;
  /** Where the export comes from, for the plan header: `OneRoster REST https://… (812 users)`. */
  describe(): string;
  /** Removes whatever the read left behind (a fetched export's temporary folder). */
  close(): Promise<void>;
}

export function openSisSource(config: Config, flags: SisSourceFlags = {}): SisSource {
  const sis = config.sources.sis;
  const env = flags.env ?? process.env;
  const limits = config.limits ? { limits: config.limits } : {};
  const log = flags.log ?? flags.onProgress ?? (() => undefined);
  if (flags.sis) return localSource(resolve(flags.sis), limits);
  switch (sis.kind ?? 'path') {
    case 'path':
      return localSource(sis.path, limits);
    case 'rest': {
      const rest = sis.rest!;
      let users: number | null = null;
      return {
        read: async () => {
          const snapshot = await pullOneRosterRest(rest, {
            format: sis.format, env, ...limits, http: httpTuning(env, flags), ...(flags.onProgress ? { onProgress: flags.onProgress } : {}),
          });
          users = snapshot.users.length;
          return snapshot;
        },
        describe: () => `${restSisName(rest)}${users === null ? '' : ` (${users} users)`}`,
        close: async () => {},
      };
    }
    case 'sftp': {
      const sftp = sis.sftp!;
      return fetchedSource('sftp', describeFileSource({ kind: 'sftp', sftp }), (dir) => fetchSftpExport(sftp, env, dir, log, limits), limits, sis.where);
    }
    case 'download': {
      const download = sis.download!;
      return fetchedSource('download', describeFileSource({ kind: 'download', download }), (dir) => fetchDownloadExport(download, env, dir, log, limits), limits, sis.where);
    }
  }
}

/** Where the configured SIS export comes from, as the plan header names it (before the user count). */
export function sisSourceLabel(config: Config): string | null {
  const sis = config.sources.sis;
  switch (sis.kind ?? 'path') {
    case 'rest': return restSisName(sis.rest!);
    case 'sftp': return describeFileSource({ kind: 'sftp', sftp: sis.sftp! });
    case 'download': return describeFileSource({ kind: 'download', download: sis.download! });
    default: return null;
  }
}

/** The same knobs as the Canvas client's (tests shorten the waits; production keeps the defaults). */
function httpTuning(env: NodeJS.ProcessEnv, flags: SisSourceFlags): SisHttpOptions {
  const backoffMs = envMilliseconds(env, 'ROSTEROPS_HTTP_BACKOFF_MS');
  const timeoutMs = envMilliseconds(env, 'ROSTEROPS_HTTP_TIMEOUT_MS');
  return { ...(backoffMs !== undefined ? { backoffMs } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(flags.log ? { onRetry: flags.log } : {}) };
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

/**
 * A CSV export fetched into a temporary folder (sources/temp-export.ts: outside any work tree, 0700),
 * read from there, and removed however the command ends: here when the read ends, by its exit hook
 * when apply's signal handler exits, by its own signal handler in plan and pull.
 */
function fetchedSource(kind: 'sftp' | 'download', name: string, fetchInto: (dir: string) => Promise<string>, limits: { limits?: Config['limits'] }, where?: PolicySource): SisSource {
  let users: number | null = null;
  let temp: TempExport | null = null;
  const close = async () => {
    temp?.dispose();
    temp = null;
  };
  return {
    read: async () => {
      temp = createTempExport();
      try {
        const path = await fetchInto(temp.dir).catch((err: unknown) => {
          throw locatedInPolicy(err, where);
        });
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

/** A configuration error of the fetcher (a variable not set, a bad pin) located at `sources.sis` in the policy file. */
function locatedInPolicy(err: unknown, where: PolicySource | undefined): unknown {
  if (!(err instanceof ConfigError) || err.location.file !== undefined || where === undefined) return err;
  return new ConfigError(err.code, err.message, { file: where.file, line: where.line, column: where.column, ...(err.location.field ? { field: err.location.field } : {}) }, err.hint, { cause: err });
}
