/**
 * The SIS sources that are files somewhere: `path` (in the checkout or on the runner), `sftp` and
 * `download` (fetched at run time into a temp folder). `fetchExportInto` brings any of them to a
 * path the OneRoster reader opens (a folder of CSVs or a .zip); the REST source plugs in beside
 * them by writing its collections as CSVs into the same temp folder.
 */
import { ConfigError } from '../errors.js';
import type { InputLimits } from '../util/limits.js';
import { fetchDownloadExport, type DownloadOptions } from './download.js';
import { fetchSftpExport, type SftpOptions } from './sftp.js';
import { withTempExport } from './temp-export.js';

export type FileSource =
  | { kind: 'path'; path: string }
  | { kind: 'sftp'; sftp: SftpOptions }
  | { kind: 'download'; download: DownloadOptions };

/** What `sources.sis` holds (policy/types.ts Sources['sis']), read structurally. */
interface SisKeys {
  kind?: string;
  path?: string;
  sftp?: SftpOptions;
  download?: DownloadOptions;
}

/** The file source a loaded `sources.sis` names; null when it names another kind (REST). */
export function fileSourceOf(sis: object): FileSource | null {
  const keys = sis as SisKeys;
  if (keys.kind === 'rest') return null;
  const named = (['sftp', 'download'] as const).filter((k) => keys[k] !== undefined);
  if (named.length > 1) {
    throw new ConfigError('sis.several-sources', `sources.sis names ${named.join(' and ')}; it must name exactly one source`, { field: 'sources.sis' }, 'Keep one of path, rest, sftp and download.');
  }
  if (keys.sftp) return { kind: 'sftp', sftp: keys.sftp };
  if (keys.download) return { kind: 'download', download: keys.download };
  if (keys.path) return { kind: 'path', path: keys.path };
  return null;
}

/** Where a source is, for messages and the plan header (no credentials, no query string). */
export function describeFileSource(source: FileSource): string {
  switch (source.kind) {
    case 'path': return source.path;
    case 'sftp': return `SFTP ${source.sftp.user}@${source.sftp.host}:${source.sftp.port ?? 22}${source.sftp.path}`;
    case 'download': {
      try {
        const url = new URL(source.download.url);
        return `HTTPS download ${url.origin}${url.pathname}`;
      } catch {
        return 'HTTPS download';
      }
    }
  }
}

export interface FetchContext {
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  limits?: InputLimits;
}

/** Brings the export into `intoDir` (a `path` source is used where it is); returns the path to read. */
export async function fetchExportInto(source: FileSource, intoDir: string, ctx: FetchContext): Promise<string> {
  const limits = ctx.limits ? { limits: ctx.limits } : {};
  switch (source.kind) {
    case 'path': return source.path;
    case 'sftp': return fetchSftpExport(source.sftp, ctx.env, intoDir, ctx.log, limits);
    case 'download': return fetchDownloadExport(source.download, ctx.env, intoDir, ctx.log, limits);
  }
}

/**
 * Runs `use` on the fetched export; the temp folder is removed when `use` ends, however it ends.
 * Whatever `use` needs from the export (tables, digests) it must take before returning.
 */
export function withFetchedExport<T>(source: FileSource, ctx: FetchContext, use: (exportPath: string) => Promise<T>): Promise<T> {
  if (source.kind === 'path') return use(source.path);
  return withTempExport(async (dir) => use(await fetchExportInto(source, dir, ctx)));
}
