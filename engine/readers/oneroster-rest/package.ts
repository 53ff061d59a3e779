/**
 * The pulled tables as a `RosterPackage`, the shape the CSV reader lists an export into, so that
 * `readOneRoster` reads REST records with every check and conversion a CSV export gets. The
 * manifest is written to say what the pull was: the version spoken and, per file, bulk or absent.
 */
import { InternalError } from '../../errors.js';
import type { CsvColumns } from '../../util/csv.js';
import { parseCsvBytesRows } from '../../util/csv-file.js';
import type { FileDigest } from '../../util/digest.js';
import { fileNameOf, MANIFEST, type DataFile, type PackageFile, type RosterPackage } from '../oneroster/files.js';

export interface PulledTable {
  key: DataFile;
  table: CsvColumns;
  digest: FileDigest;
}

export function pulledPackage(version: '1.1' | '1.2', tables: readonly PulledTable[], labelPrefix: string): RosterPackage {
  const names = new Map<string, string>();
  const loaded = new Map<string, PackageFile>();
  const manifest = ['propertyName,value', 'manifest.version,1.0', `oneroster.version,${version}`];
  for (const { key, table, digest } of tables) {
    const name = fileNameOf(key);
    names.set(name.toLowerCase(), name);
    loaded.set(name.toLowerCase(), tableFile(name, table, digest));
    manifest.push(`file.${key},bulk`);
  }
  for (const key of ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', ...(version === '1.2' ? ['roles'] : [])]) {
    if (!tables.some((t) => t.key === key)) manifest.push(`file.${key},absent`);
  }
  const manifestBytes = new TextEncoder().encode(manifest.join('\n') + '\n');
  names.set(MANIFEST, MANIFEST);
  loaded.set(MANIFEST, manifestFile(`${labelPrefix}manifest`, manifestBytes));
  return { names, loaded, labelFor: (name) => `${labelPrefix}${name.replace(/\.csv$/i, '')}` };
}

function tableFile(canonicalName: string, table: CsvColumns, digest: FileDigest): PackageFile {
  const notParsed = () => {
    throw new InternalError(`${canonicalName} was pulled over REST; it has no rows to parse`);
  };
  const file: PackageFile = {
    canonicalName,
    label: table.file,
    columns: () => {
      file.digest = digest;
      return table;
    },
    rows: notParsed,
    adopt: notParsed,
    job: { path: '', label: table.file, size: 0 },
  };
  return file;
}

function manifestFile(label: string, bytes: Uint8Array): PackageFile {
  const file: PackageFile = {
    canonicalName: MANIFEST,
    label,
    columns: () => {
      throw new InternalError('manifest.csv is read by rows');
    },
    rows: () => {
      const parsed = parseCsvBytesRows(bytes, label);
      file.digest = { canonicalName: MANIFEST, sha256: parsed.sha256, byteLength: parsed.byteLength };
      return parsed.table;
    },
    adopt: () => {
      throw new InternalError('manifest.csv is read by rows');
    },
    job: { path: '', label, size: bytes.byteLength },
  };
  return file;
}
