/**
 * `rosterops pull --out DIR`: fetches the configured SIS export (sources.sis) and writes it as a
 * OneRoster CSV bulk set, for debugging and offline plans. It prints file names and row counts,
 * never a record. DIR holds every student's name and e-mail, so a DIR inside a git work tree is
 * refused unless --force.
 */
import { resolve } from 'node:path';
import { ConfigError, ExitCode } from '../../errors.js';
import type { Config } from '../../policy/types.js';
import { isMissingOrEmpty, writeBulkSet, type WrittenFile } from '../../sources/bulk-set.js';
import { describeFileSource, fileSourceOf, withFetchedExport } from '../../sources/fetch-export.js';
import { enclosingWorkTree } from '../../sources/work-tree.js';
import type { Output } from '../output.js';
import { loadConfig } from './plan.js';

export interface PullFlags {
  out: string;
  force?: boolean;
  config: string;
  verbose?: boolean;
}

/**
 * Brings the export to a path the OneRoster reader opens and calls `use` with it before its temp
 * folder goes away. A source kind that is not a file (REST) plugs in here: it writes its
 * collections as CSVs into a temp folder and calls `use` with that folder.
 */
export type ExportFetcher = <T>(use: (exportPath: string) => Promise<T>) => Promise<T>;

export async function pullCommand(output: Output, flags: PullFlags): Promise<number> {
  const out = resolve(flags.out);
  checkOutDir(output, out, flags.force === true);
  const config = await loadConfig(output, flags.config, flags.verbose);
  const { fetcher, description } = fetcherFor(config, output);
  output.err(`pulling the SIS export from ${description}\n`);
  const written = await pullInto(fetcher, out, config);
  output.out(countsTable(written, out));
  return ExitCode.ok;
}

/** Fetches through `fetcher` and writes the bulk set into `out`. */
export function pullInto(fetcher: ExportFetcher, out: string, config: Pick<Config, 'sources' | 'limits'>): Promise<WrittenFile[]> {
  return fetcher((exportPath) => writeBulkSet(exportPath, out, config.sources.sis.format, config.limits ?? undefined));
}

function fetcherFor(config: Config, output: Output): { fetcher: ExportFetcher; description: string } {
  const source = fileSourceOf(config.sources.sis);
  if (source === null && config.sources.sis.kind === 'rest') {
    // The REST pull yields tables, not files; writing them as CSV plugs in as an ExportFetcher.
    throw new ConfigError('pull.rest-not-supported', '`rosterops pull` cannot write a OneRoster REST pull as CSV yet', { file: config.files[0], field: 'sources.sis.rest' },
      '`rosterops plan` reads the REST service directly; to debug it, plan with --format json.');
  }
  if (source === null) {
    throw new ConfigError('sis.no-source', 'sources.sis names no source rosterops can pull', { file: config.files[0], field: 'sources.sis' },
      'Set one of sources.sis.path, sftp or download (README "Connecting your SIS").');
  }
  const ctx = { env: process.env, log: (line: string) => output.err(`${line}\n`), ...(config.limits ? { limits: config.limits } : {}) };
  return { fetcher: (use) => withFetchedExport(source, ctx, use), description: describeFileSource(source) };
}

function checkOutDir(output: Output, out: string, force: boolean): void {
  const tree = enclosingWorkTree(out);
  if (tree !== null) {
    if (!force) {
      throw new ConfigError('pull.out-in-work-tree', `--out ${out} lies inside the git work tree ${tree}; the export holds every student's personal data and one \`git add\` would commit it`, { field: '--out' },
        'Write it outside the repository (e.g. under $RUNNER_TEMP or /tmp), or pass --force if the folder is ignored and you accept the risk.');
    }
    output.err(`warning: --out ${out} lies inside the git work tree ${tree} (--force); do not commit it\n`);
  }
  if (!isMissingOrEmpty(out)) {
    throw new ConfigError('pull.out-not-empty', `--out ${out} exists and is not empty`, { field: '--out' }, 'Give a new or empty folder: pull does not overwrite or mix with other files.');
  }
}

function countsTable(files: WrittenFile[], out: string): string {
  const width = Math.max(...files.map((f) => f.name.length));
  const lines = files.map((f) => `  ${f.name.padEnd(width)}  ${f.rows.toLocaleString('en-US').padStart(10)} rows`);
  return `wrote a OneRoster CSV bulk set to ${out}\n${lines.join('\n')}\n`;
}
