/** manifest.csv (§1.2): propertyName,value; and the OneRoster version it declares (or a guess when it does not). */
import { rowNumberOf } from '../../util/csv.js';
import { MANIFEST, type RosterPackage } from './files.js';
import type { Problems } from './problems.js';
import { parseTable } from './tables.js';

export interface ManifestEntry {
  /** propertyName as written. */
  name: string;
  value: string;
  line: number;
}

export interface Manifest {
  file: string;
  /** Lower-case propertyName → entry. */
  entries: Map<string, ManifestEntry>;
}

export function readManifest(pkg: RosterPackage, problems: Problems): Manifest | null {
  const file = pkg.loaded.get(MANIFEST);
  if (!file) {
    problems.warn({
      code: 'oneroster.missing-manifest', file: pkg.labelFor(MANIFEST),
      message: 'manifest.csv is missing, so the OneRoster version and the bulk/delta mode of each file are guessed',
      hint: 'OneRoster 1.1 and 1.2 exports must include manifest.csv; ask your SIS vendor to turn it on.',
    });
    return null;
  }
  const table = parseTable(file, problems);
  if (!table) return null;
  const nameAt = indexIgnoringCase(table.header, 'propertyName');
  const valueAt = indexIgnoringCase(table.header, 'value');
  if (nameAt === -1 || valueAt === -1) {
    problems.error({
      code: 'oneroster.missing-column', file: file.label, line: 1, field: nameAt === -1 ? 'propertyName' : 'value',
      message: `manifest.csv must have the columns propertyName,value (found: ${table.header.join(',')})`,
      hint: 'Make the first line of manifest.csv exactly "propertyName,value".',
    });
    return null;
  }
  const entries = new Map<string, ManifestEntry>();
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    const name = row[nameAt]!.trim();
    if (name === '') continue;
    const key = name.toLowerCase();
    const line = rowNumberOf(table, i);
    const earlier = entries.get(key);
    if (earlier) {
      problems.warn({
        code: 'oneroster.manifest-duplicate', file: file.label, line, field: name,
        message: `${name} is listed again; the first value (line ${earlier.line}) is used`,
        hint: 'List each property once in manifest.csv.',
      });
      continue;
    }
    entries.set(key, { name, value: row[valueAt]!.trim(), line });
  }
  return { file: file.label, entries };
}

export function indexIgnoringCase(header: readonly string[], name: string): number {
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

export type OneRosterVersion = '1.1' | '1.2';

/** `oneroster.version` from the manifest; without it, guess from users.csv (1.1 has a role column, 1.2 does not). */
export function decideVersion(manifest: Manifest | null, users: { header: readonly string[] } | undefined, problems: Problems): OneRosterVersion {
  const guessed: OneRosterVersion = users && indexIgnoringCase(users.header, 'role') === -1 ? '1.2' : '1.1';
  const entry = manifest?.entries.get('oneroster.version');
  const value = entry?.value ?? '';
  if (value === '1.1' || value.startsWith('1.1.')) return '1.1';
  if (value === '1.2' || value.startsWith('1.2.')) return '1.2';
  const why = users ? (guessed === '1.1' ? 'users.csv has a role column' : 'users.csv has no role column') : 'users.csv is missing';
  if (manifest && entry && value !== '' && value !== '1.0') {
    problems.error({
      code: 'oneroster.unsupported-version', file: manifest.file, line: entry.line, field: 'oneroster.version',
      message: `oneroster.version is "${value}"; rosterops reads OneRoster 1.1 and 1.2`,
      hint: 'Export OneRoster 1.1 or 1.2 CSV, and check the oneroster.version row of manifest.csv.',
    });
    return guessed;
  }
  if (manifest) {
    problems.warn({
      code: 'oneroster.version-guessed', file: manifest.file, line: entry?.line, field: 'oneroster.version',
      message: `${entry ? `oneroster.version is "${value}"` : 'manifest.csv has no oneroster.version row'}; reading the export as OneRoster ${guessed} because ${why}`,
      hint: 'Add the row "oneroster.version,1.1" (or 1.2) to manifest.csv.',
    });
  }
  return guessed;
}
