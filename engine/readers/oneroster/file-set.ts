/** The set of files: what the export holds against what the manifest promises and rosterops needs. */
import type { CsvColumns } from '../../util/csv.js';
import { DATA_FILES, fileNameOf, type DataFile, type RosterPackage } from './files.js';
import { indexIgnoringCase, type Manifest, type ManifestEntry, type OneRosterVersion } from './manifest.js';
import type { Problems } from './problems.js';

/** `file.X` mode from the manifest: '' when the manifest is missing, silent or says something else. */
export type FileMode = 'absent' | 'bulk' | 'delta' | '';

/**
 * Checks which files are there against what the manifest says and what rosterops needs, and
 * returns each data file's mode. Problems with the set of files are reported here once, so the
 * readers below only deal with rows.
 */
export function checkFileSet(pkg: RosterPackage, manifest: Manifest | null, version: OneRosterVersion, tables: Map<DataFile, CsvColumns>, problems: Problems): Map<DataFile, FileMode> {
  const modes = new Map<DataFile, FileMode>();
  const deltaFiles: { name: string; line: number }[] = [];
  for (const key of DATA_FILES) {
    const name = fileNameOf(key);
    const present = pkg.names.has(name.toLowerCase());
    const entry = manifest?.entries.get(`file.${key.toLowerCase()}`);
    const mode = modeOf(entry, manifest, key, problems);
    modes.set(key, mode);
    if (key === 'roles' && version === '1.1') continue; // a 1.1 export has no roles.csv; one lying around is not read
    if (present) {
      if (mode === 'absent') {
        problems.warn({
          code: 'oneroster.file-marked-absent', file: manifest!.file, line: entry!.line, field: `file.${key}`,
          message: `manifest.csv marks ${name} absent, but the export contains it; it is read anyway`,
          hint: `Set file.${key} to bulk in manifest.csv, or leave ${name} out of the export.`,
        });
      } else if (mode === 'delta') {
        deltaFiles.push({ name, line: entry!.line });
      }
      continue;
    }
    if (entry && (mode === 'bulk' || mode === 'delta')) {
      problems.error({
        code: 'oneroster.missing-file', file: manifest!.file, line: entry.line, field: `file.${key}`,
        message: `manifest.csv says ${name} is ${mode}, but the export does not contain ${name}`,
        hint: `Add ${name} to the export, or set file.${key} to absent if the SIS really has nothing for it.`,
      });
    } else if (isRequiredFile(key, tables)) {
      problems.error({
        code: 'oneroster.missing-file', file: pkg.labelFor(name),
        message: `${name} is missing${mode === 'absent' ? ' (manifest.csv marks it absent)' : ''}; rosterops needs ${requiredFilesText(version)}`,
        hint: `Export ${name} as well (bulk), so the roster is complete.`,
      });
    }
  }
  if (deltaFiles.length > 0) warnAboutDeltaFiles(deltaFiles, manifest!.file, problems);
  if (manifest) warnAboutUnreadManifestFiles(pkg, manifest, problems);
  return modes;
}

/** A delta file lists changes only; planning from it as if it were the whole roster would drop everyone else. */
function warnAboutDeltaFiles(files: { name: string; line: number }[], manifestFile: string, problems: Problems): void {
  const names = files.map((f) => f.name).join(', ');
  problems.warn({
    code: 'oneroster.delta-file', file: manifestFile, line: Math.min(...files.map((f) => f.line)),
    message: `manifest.csv marks ${names} as delta: ${files.length === 1 ? 'it lists' : 'they list'} changes only, but rosterops plans from the export as the complete roster, so records not listed look dropped`,
    hint: 'Export a bulk (full) OneRoster set for rosterops; the drop guards hold a plan that shrinks the roster for approval.',
  });
}

function isRequiredFile(key: DataFile, tables: Map<DataFile, CsvColumns>): boolean {
  if (key === 'courses') return false;
  if (key !== 'roles') return true;
  // A 1.2 export that still carries 1.1-style role/orgSourcedIds columns in users.csv can do without roles.csv.
  const users = tables.get('users');
  return !(users && indexIgnoringCase(users.header, 'role') !== -1 && indexIgnoringCase(users.header, 'orgSourcedIds') !== -1);
}

function requiredFilesText(version: OneRosterVersion): string {
  return `orgs.csv, academicSessions.csv, classes.csv, users.csv${version === '1.2' ? ', roles.csv' : ''} and enrollments.csv`;
}

function modeOf(entry: ManifestEntry | undefined, manifest: Manifest | null, key: DataFile, problems: Problems): FileMode {
  if (!entry) return '';
  const value = entry.value.toLowerCase();
  if (value === 'absent' || value === 'bulk' || value === 'delta' || value === '') return value;
  problems.warn({
    code: 'oneroster.manifest-mode', file: manifest!.file, line: entry.line, field: `file.${key}`,
    message: `file.${key} is "${entry.value}"; expected absent, bulk or delta`,
    hint: `Set file.${key} to bulk (or absent) in manifest.csv.`,
  });
  return '';
}

/** Files rosterops does not read (demographics, results, ...) but the manifest promises: a warning, never an error. */
function warnAboutUnreadManifestFiles(pkg: RosterPackage, manifest: Manifest, problems: Problems): void {
  const read = new Set(DATA_FILES.map((f) => `file.${f.toLowerCase()}`));
  for (const [key, entry] of manifest.entries) {
    if (!key.startsWith('file.') || read.has(key)) continue;
    const mode = entry.value.toLowerCase();
    const name = `${entry.name.slice('file.'.length)}.csv`;
    if ((mode === 'bulk' || mode === 'delta') && !pkg.names.has(name.toLowerCase())) {
      problems.warn({
        code: 'oneroster.missing-file', file: manifest.file, line: entry.line, field: entry.name,
        message: `manifest.csv says ${name} is ${mode}, but the export does not contain it (rosterops does not need it)`,
        hint: `Set ${entry.name} to absent, or add the file, so other OneRoster consumers do not reject the export.`,
      });
    }
  }
}
