/**
 * Package access: the export as a folder or a zip, file names matched case-insensitively, and the
 * digest of the files read.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError, InternalError } from '../../errors.js';
import type { CsvColumns, CsvTable } from '../../util/csv.js';
import {
  checkedFileSize, fileDigestOf, parseCsvBytesColumns, parseCsvBytesRows, parseCsvFileColumns, parseCsvFileRows, readZipFile, type ParsedFile,
} from '../../util/csv-file.js';
import { digestOfFiles, type FileDigest } from '../../util/digest.js';
import { openLazyZip } from '../../util/lazy-zip.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../util/limits.js';
import type { ParseJob } from '../../util/parse-job.js';
import { describeKind, examinePath } from '../../util/regular-file.js';

// The data files rosterops reads, by their canonical (spec) names.

export type DataFile = 'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'enrollments' | 'roles';

export const DATA_FILES: readonly DataFile[] = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', 'roles'];
export const MANIFEST = 'manifest.csv';
const WANTED_NAMES = new Set([MANIFEST.toLowerCase(), ...DATA_FILES.map((f) => `${f.toLowerCase()}.csv`)]);

export function fileNameOf(key: DataFile): string {
  return `${key}.csv`;
}

export interface PackageFile {
  /** Spec spelling (`academicSessions.csv`), used for the digest so renaming case does not change it. */
  canonicalName: string;
  /** What the user sees in messages and source rows, e.g. `export.zip:users.csv`. */
  label: string;
  /**
   * Reads and parses the file, by column or into records, and sets `digest`. A file on disk is
   * read piece by piece (util/csv-file.ts); a zip entry is inflated when its turn comes.
   */
  columns(): CsvColumns;
  rows(): CsvTable;
  /** Takes as this file's parse the same parse done by the parse thread (util/parse-thread.ts). */
  adopt(parsed: ParsedFile<CsvColumns>): CsvColumns;
  /** `columns()` described for the parse thread, with the file's size (compressed, in a zip). */
  job: ParseJob & { size: number };
  /** The hash of the file's bytes, once it has been parsed. */
  digest?: FileDigest;
}

/** A file of the package, before it is parsed. */
function packageFile(
  canonicalName: string, label: string, parse: { columns(): ParsedFile<CsvColumns>; rows(): ParsedFile<CsvTable> }, job: PackageFile['job'],
): PackageFile {
  const file: PackageFile = {
    canonicalName,
    label,
    job,
    columns: () => file.adopt(parse.columns()),
    adopt: (parsed) => {
      file.digest = fileDigestOf(canonicalName, parsed);
      return parsed.table;
    },
    rows: () => {
      const parsed = parse.rows();
      file.digest = fileDigestOf(canonicalName, parsed);
      return parsed.table;
    },
  };
  return file;
}

export interface RosterPackage {
  /** Every CSV in the package: lower-case name → name as stored. */
  names: Map<string, string>;
  /** The files this reader uses, loaded, by lower-case name. */
  loaded: Map<string, PackageFile>;
  /** Label for a file name (present or not), e.g. for a "users.csv is missing" message. */
  labelFor(name: string): string;
}

/** Lists the export (nothing is parsed yet); throws the located error of a path that is no export. */
export function openPackage(path: string, label: string | undefined, limits: InputLimits = DEFAULT_LIMITS): RosterPackage {
  const { kind } = examinePath(path);
  if (kind === 'directory') return openDirectory(path, label, limits);
  if (kind === 'missing') {
    throw new DataError('oneroster.not-found', `${path} does not exist`, { file: path }, 'Give the path of the OneRoster export: a folder of CSV files or the .zip your SIS produced.');
  }
  if (kind !== 'file') {
    throw new DataError('oneroster.not-a-package', `${path} is ${describeKind(kind)}`, { file: path },
      'Give the path of the OneRoster export: a folder of CSV files or the .zip your SIS produced (pipes, devices and broken links are never read).');
  }
  if (path.toLowerCase().endsWith('.zip')) return openZip(path, label ?? basename(path), limits);
  throw new DataError('oneroster.not-a-package', `${path} is neither a folder nor a .zip`, { file: path }, 'Give the folder holding manifest.csv, users.csv, ... or the OneRoster .zip itself.');
}

function prefixer(label: string | undefined): (name: string) => string {
  return label ? (name) => `${label}:${name}` : (name) => name;
}

function openDirectory(dir: string, label: string | undefined, limits: InputLimits): RosterPackage {
  const labelFor = prefixer(label);
  const names = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (isIgnoredName(entry.name) || !entry.name.toLowerCase().endsWith('.csv')) continue;
    // A folder named like a file rosterops reads is refused below; others are none of its business.
    if (entry.isDirectory() && !WANTED_NAMES.has(entry.name.toLowerCase())) continue;
    addUniqueName(names, entry.name, labelFor);
  }
  const loaded = new Map<string, PackageFile>();
  for (const [lower, name] of names) {
    if (!WANTED_NAMES.has(lower)) continue;
    const path = join(dir, name);
    const label = labelFor(name);
    const keep = keptColumnsOf(lower);
    // Checked now, before the parse thread or a reader opens it: a FIFO would block the open.
    const size = checkedFileSize(path, label, limits);
    loaded.set(lower, packageFile(canonicalNameOf(lower), label, {
      columns: () => parseCsvFileColumns(path, label, { keep, limits }),
      rows: () => parseCsvFileRows(path, label, limits),
    }, { path, label, keep, limits, size }));
  }
  return { names, loaded, labelFor };
}

function openZip(path: string, label: string, limits: InputLimits): RosterPackage {
  const labelFor = prefixer(label);
  // Entries are listed first and each inflated when its turn comes: one file's bytes at a time.
  const bytes = readZipFile(path, label, limits);
  const badZip = {
    code: 'oneroster.zip-invalid', message: `${label} is not a readable zip`, file: label,
    hint: 'Download the export again; if it keeps failing, unzip it yourself and point rosterops at the folder.',
  };
  const zip = openLazyZip(bytes, (err) => new DataError(badZip.code, `${badZip.message}: ${err.message}`, { file: label }, badZip.hint, { cause: err }), { label, limits });
  const entries = zip.entries.map(zipEntryOf).filter((e) => e !== null);
  const folder = chooseZipFolder(entries, label);
  const names = new Map<string, string>();
  const loaded = new Map<string, PackageFile>();
  for (const entry of entries) {
    if (entry.folder !== folder) continue;
    const lower = addUniqueName(names, entry.name, labelFor);
    if (!WANTED_NAMES.has(lower)) continue;
    const entryLabel = labelFor(entry.name);
    const keep = keptColumnsOf(lower);
    loaded.set(lower, packageFile(canonicalNameOf(lower), entryLabel, {
      columns: () => parseCsvBytesColumns(zip.read(entry.path), entryLabel, { keep, limits }),
      rows: () => parseCsvBytesRows(zip.read(entry.path), entryLabel, limits),
    }, { path, entry: entry.path, label: entryLabel, badZip, keep, limits, size: bytes.byteLength / entries.length }));
  }
  return { names, loaded, labelFor };
}

/** A CSV entry of a zip, split into folder and name; null for folders, dotfiles, macOS metadata and non-CSV files. */
function zipEntryOf(path: string): { path: string; folder: string; name: string } | null {
  if (path.endsWith('/')) return null;
  const parts = path.split('/');
  if (parts.some((p) => p === '__MACOSX' || isIgnoredName(p))) return null;
  const name = parts.pop()!;
  if (!name.toLowerCase().endsWith('.csv')) return null;
  return { path, folder: parts.join('/'), name };
}

/** The spec wants files at the zip root; many zips wrap them in one folder. Anything else is ambiguous. */
function chooseZipFolder(entries: readonly { folder: string }[], label: string): string {
  const folders = [...new Set(entries.map((e) => e.folder))].sort();
  if (folders.length === 0) {
    throw new DataError('oneroster.zip-empty', `${label} holds no CSV files`, { file: label }, 'Check that this is the OneRoster export (manifest.csv, orgs.csv, users.csv, ...).');
  }
  if (folders.includes('')) return '';
  if (folders.length === 1) return folders[0]!;
  throw new DataError('oneroster.zip-layout', `${label} holds CSV files in several folders (${folders.join(', ')}), so it is not clear which export to read`, { file: label },
    'Put the OneRoster files at the root of the zip (the spec requires it), or unzip it and point rosterops at the right folder.');
}

function isIgnoredName(name: string): boolean {
  return name.startsWith('.');
}

function addUniqueName(names: Map<string, string>, name: string, labelFor: (n: string) => string): string {
  const lower = name.toLowerCase();
  const other = names.get(lower);
  if (other !== undefined) {
    throw new DataError('oneroster.duplicate-file', `the export holds both ${labelFor(other)} and ${labelFor(name)}; file names are matched ignoring case`, { file: labelFor(name) },
      'Keep one of the two files.');
  }
  names.set(lower, name);
  return lower;
}

/**
 * enrollments.csv's sourcedIds (a million in a large district, all different) are only checked
 * for repeats and rarely quoted in a message: they are kept as bytes (util/kept-values.ts).
 */
function keptColumnsOf(lower: string): string[] {
  return lower === 'enrollments.csv' ? ['sourcedid'] : [];
}

function canonicalNameOf(lower: string): string {
  if (lower === MANIFEST) return MANIFEST;
  return DATA_FILES.map(fileNameOf).find((n) => n.toLowerCase() === lower) ?? lower;
}

/** The digest of the files read; every one of them has been parsed by now. */
export function digestOf(files: Map<string, PackageFile>): string {
  return digestOfFiles([...files.values()].map((f) => {
    if (!f.digest) throw new InternalError(`${f.label} was loaded but not parsed`);
    return f.digest;
  }));
}
