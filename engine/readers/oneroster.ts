/**
 * Reads a OneRoster 1.1 / 1.2 CSV export (a folder, or a `.zip` as the spec ships it) into a
 * `SisSnapshot` (reference oneroster.md §1).
 *
 * The reader is lenient where real exports are sloppy in harmless ways (BOM, CRLF, header case
 * slips and known typos, TRUE/FALSE, capitalised enums, d/m/yyyy dates, status values in bulk
 * files) and strict where guessing could move people between classes (missing ids, dangling
 * references, duplicate sourcedIds, impossible dates). Every problem carries the file, row and
 * column it came from and a hint a district admin can act on. Errors are collected across all
 * files and thrown together; the snapshot is returned only when there are none.
 *
 * Performance: enrollments.csv can hold over a million rows, so each file is converted in one
 * loop over the parsed rows, with column indexes bound once, string ids interned to the record
 * they point at, and dates parsed once per distinct value.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { DataError, fromDiagnostics, RosteropsError, type Diagnostic } from '../errors.js';
import type {
  Metadata, OrAcademicSession, OrClass, OrCourse, OrEnrollment, OrOrg, OrUser, OrUserId, SisSnapshot,
} from '../model/oneroster.js';
import { parseCsv, rowNumberOf, type CsvTable } from '../util/csv.js';

export interface ReadOneRosterOptions {
  /**
   * Prefix for file names in messages and `source.file` (`<label>:users.csv`). Default: the zip's
   * file name for a zip, no prefix for a folder.
   */
  label?: string;
}

export async function readOneRoster(path: string, options: ReadOneRosterOptions = {}): Promise<SisSnapshot> {
  const pkg = await openPackage(path, options.label);
  const problems = new Problems();
  const manifest = readManifest(pkg, problems);
  const tables = parseDataTables(pkg, problems);
  const version = decideVersion(manifest, tables.get('users'), problems);
  // roles.csv only exists in 1.2; in a 1.1 export a stray copy is neither read nor hashed.
  if (version === '1.2') parseDataTable(pkg, 'roles', tables, problems);
  else pkg.loaded.delete(fileNameOf('roles').toLowerCase());
  const modes = checkFileSet(pkg, manifest, version, tables, problems);

  const sheetOf = (key: DataFile, columns: readonly ColumnSpec[]): Sheet | null => {
    const table = tables.get(key);
    return table ? bindSheet(table, columns, modes.get(key)!, version, problems) : null;
  };
  const orgs = readOrgs(sheetOf('orgs', ORG_COLUMNS), problems);
  const sessions = readAcademicSessions(sheetOf('academicSessions', SESSION_COLUMNS), problems);
  const courseSheet = sheetOf('courses', COURSE_COLUMNS);
  const courses = readCourses(courseSheet, orgs, sessions, problems);
  // Without an authoritative courses.csv a class keeps its courseSourcedId unchecked (§1.8 lets
  // a producer leave courses out and mark them absent).
  const coursesAuthoritative = courseSheet !== null && modes.get('courses') !== 'absent';
  const classes = readClasses(sheetOf('classes', CLASS_COLUMNS), orgs, sessions, courses, coursesAuthoritative, problems);
  // 1.2 keeps roles in roles.csv; only without it do 1.1-style columns left in users.csv count.
  const rolesSheet = version === '1.2' ? sheetOf('roles', ROLE_COLUMNS) : null;
  const users = readUsers(sheetOf('users', userColumns(version)), orgs, rolesSheet === null, problems);
  if (rolesSheet) assignRolesFromRolesFile(users, rolesSheet, orgs, problems);
  else if (version === '1.2' && users.usable && !tables.has('roles')) warnRolesTakenFromUsers(users.file, problems);
  const enrollments = readEnrollments(sheetOf('enrollments', ENROLLMENT_COLUMNS), classes, users, orgs, problems);

  problems.throwIfErrors();
  return {
    version,
    origin: path,
    orgs: orgs.records(),
    academicSessions: sessions.records(),
    courses: courses.records(),
    classes: classes.records(),
    users: users.records(),
    enrollments,
    warnings: problems.finishWarnings(),
    digest: digestOf(pkg.loaded),
  };
}

// ---------------------------------------------------------------------------------------------
// The data files rosterops reads, by their canonical (spec) names.

type DataFile = 'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'enrollments' | 'roles';

const DATA_FILES: readonly DataFile[] = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', 'roles'];
const MANIFEST = 'manifest.csv';
const WANTED_NAMES = new Set([MANIFEST.toLowerCase(), ...DATA_FILES.map((f) => `${f.toLowerCase()}.csv`)]);

function fileNameOf(key: DataFile): string {
  return `${key}.csv`;
}

// ---------------------------------------------------------------------------------------------
// Package access: a folder or a zip, file names matched case-insensitively.

interface PackageFile {
  /** Spec spelling (`academicSessions.csv`), used for the digest so renaming case does not change it. */
  canonicalName: string;
  /** What the user sees in messages and source rows, e.g. `export.zip:users.csv`. */
  label: string;
  bytes: Uint8Array;
}

interface RosterPackage {
  /** Every CSV in the package: lower-case name → name as stored. */
  names: Map<string, string>;
  /** The files this reader uses, loaded, by lower-case name. */
  loaded: Map<string, PackageFile>;
  /** Label for a file name (present or not), e.g. for a "users.csv is missing" message. */
  labelFor(name: string): string;
}

async function openPackage(path: string, label: string | undefined): Promise<RosterPackage> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new DataError('oneroster.not-found', `${path} does not exist`, { file: path }, 'Give the path of the OneRoster export: a folder of CSV files or the .zip your SIS produced.');
  }
  if (isDirectory) return openDirectory(path, label);
  if (path.toLowerCase().endsWith('.zip')) return openZip(path, label ?? basename(path));
  throw new DataError('oneroster.not-a-package', `${path} is neither a folder nor a .zip`, { file: path }, 'Give the folder holding manifest.csv, users.csv, ... or the OneRoster .zip itself.');
}

function prefixer(label: string | undefined): (name: string) => string {
  return label ? (name) => `${label}:${name}` : (name) => name;
}

async function openDirectory(dir: string, label: string | undefined): Promise<RosterPackage> {
  const labelFor = prefixer(label);
  const names = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() || isIgnoredName(entry.name) || !entry.name.toLowerCase().endsWith('.csv')) continue;
    addUniqueName(names, entry.name, labelFor);
  }
  const loaded = new Map<string, PackageFile>();
  await Promise.all([...names].filter(([lower]) => WANTED_NAMES.has(lower)).map(async ([lower, name]) => {
    const bytes = new Uint8Array(await readFile(join(dir, name)));
    loaded.set(lower, { canonicalName: canonicalNameOf(lower), label: labelFor(name), bytes });
  }));
  return { names, loaded, labelFor };
}

async function openZip(path: string, label: string): Promise<RosterPackage> {
  const labelFor = prefixer(label);
  const entries: { path: string; folder: string; name: string }[] = [];
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(new Uint8Array(await readFile(path)), {
      filter: (file) => {
        const entry = zipEntryOf(file.name);
        if (!entry) return false;
        entries.push(entry);
        return WANTED_NAMES.has(entry.name.toLowerCase());
      },
    });
  } catch (err) {
    throw new DataError('oneroster.zip-invalid', `${label} is not a readable zip: ${(err as Error).message}`, { file: label },
      'Download the export again; if it keeps failing, unzip it yourself and point rosterops at the folder.', { cause: err });
  }
  const folder = chooseZipFolder(entries, label);
  const names = new Map<string, string>();
  const loaded = new Map<string, PackageFile>();
  for (const entry of entries) {
    if (entry.folder !== folder) continue;
    const lower = addUniqueName(names, entry.name, labelFor);
    const bytes = unzipped[entry.path];
    if (bytes) loaded.set(lower, { canonicalName: canonicalNameOf(lower), label: labelFor(entry.name), bytes });
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

function canonicalNameOf(lower: string): string {
  if (lower === MANIFEST) return MANIFEST;
  return DATA_FILES.map(fileNameOf).find((n) => n.toLowerCase() === lower) ?? lower;
}

function digestOf(files: Map<string, PackageFile>): string {
  const hash = createHash('sha256');
  const sorted = [...files.values()].sort((a, b) => (a.canonicalName < b.canonicalName ? -1 : a.canonicalName > b.canonicalName ? 1 : 0));
  for (const f of sorted) {
    hash.update(`${f.canonicalName}\u0000${f.bytes.length}\u0000`);
    hash.update(f.bytes);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Problems: errors are collected across files (one run reports them all), then thrown together.
// Warnings that can repeat on every row are counted and reported once per file and column.

const MAX_ERRORS = 50;

type Problem = Omit<Diagnostic, 'severity'>;

/** A warning that may fire on many rows; `message` is built once, from the count and the first example. */
interface RepeatedWarning {
  code: string;
  message: (count: number, example: string) => string;
  hint: string;
}

interface RepeatTally {
  diagnostic: Diagnostic;
  count: number;
  example: string;
}

class Problems {
  private readonly errors: Diagnostic[] = [];
  private errorCount = 0;
  private readonly warnings: Diagnostic[] = [];
  /** Per kind, the files/fields it fired for (a handful), so counting allocates nothing. */
  private readonly repeats = new Map<RepeatedWarning, RepeatTally[]>();

  error(problem: Problem): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ severity: 'error', ...problem });
  }

  warn(problem: Problem): void {
    this.warnings.push({ severity: 'warning', ...problem });
  }

  /** Count occurrences of a per-row warning; the first occurrence gives the location. */
  repeat(kind: RepeatedWarning, file: string, line: number, field: string, example: string, times = 1): void {
    let tallies = this.repeats.get(kind);
    if (!tallies) this.repeats.set(kind, (tallies = []));
    for (const t of tallies) {
      if (t.diagnostic.file === file && t.diagnostic.field === field) {
        t.count += times;
        return;
      }
    }
    const diagnostic: Diagnostic = { severity: 'warning', code: kind.code, message: '', hint: kind.hint, file, line, field };
    this.warnings.push(diagnostic);
    tallies.push({ diagnostic, count: times, example });
  }

  throwIfErrors(): void {
    if (this.errorCount === 0) return;
    const shown = this.errors.slice();
    if (this.errorCount > MAX_ERRORS) {
      shown[MAX_ERRORS - 1] = {
        severity: 'error', code: 'oneroster.too-many-errors',
        message: `${this.errorCount - (MAX_ERRORS - 1)} more errors not listed`,
        hint: 'Fix the problems above (often one export setting causes many of them) and run again.',
      };
    }
    throw fromDiagnostics(DataError, shown);
  }

  finishWarnings(): Diagnostic[] {
    for (const [kind, tallies] of this.repeats) {
      for (const { diagnostic, count, example } of tallies) diagnostic.message = kind.message(count, example);
    }
    return this.warnings;
  }
}

/** "1 row carries" / "3 rows carry". */
function rows(count: number, verbOne: string, verbMany: string): string {
  return count === 1 ? `1 row ${verbOne}` : `${count} rows ${verbMany}`;
}

// ---------------------------------------------------------------------------------------------
// manifest.csv (§1.2): propertyName,value.

interface ManifestEntry {
  /** propertyName as written. */
  name: string;
  value: string;
  line: number;
}

interface Manifest {
  file: string;
  /** Lower-case propertyName → entry. */
  entries: Map<string, ManifestEntry>;
}

function readManifest(pkg: RosterPackage, problems: Problems): Manifest | null {
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

function indexIgnoringCase(header: readonly string[], name: string): number {
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

type OneRosterVersion = '1.1' | '1.2';

/** `oneroster.version` from the manifest; without it, guess from users.csv (1.1 has a role column, 1.2 does not). */
function decideVersion(manifest: Manifest | null, users: CsvTable | undefined, problems: Problems): OneRosterVersion {
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

/** `file.X` mode from the manifest: '' when the manifest is missing, silent or says something else. */
type FileMode = 'absent' | 'bulk' | 'delta' | '';

/**
 * Checks which files are there against what the manifest says and what rosterops needs, and
 * returns each data file's mode. Problems with the set of files are reported here once, so the
 * readers below only deal with rows.
 */
function checkFileSet(pkg: RosterPackage, manifest: Manifest | null, version: OneRosterVersion, tables: Map<DataFile, CsvTable>, problems: Problems): Map<DataFile, FileMode> {
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

function isRequiredFile(key: DataFile, tables: Map<DataFile, CsvTable>): boolean {
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

// ---------------------------------------------------------------------------------------------
// Tables and column binding. Columns are found by header name, never by position.

/** Every data file but roles.csv, which waits until the version is known. */
function parseDataTables(pkg: RosterPackage, problems: Problems): Map<DataFile, CsvTable> {
  const tables = new Map<DataFile, CsvTable>();
  for (const key of DATA_FILES) if (key !== 'roles') parseDataTable(pkg, key, tables, problems);
  return tables;
}

function parseDataTable(pkg: RosterPackage, key: DataFile, tables: Map<DataFile, CsvTable>, problems: Problems): void {
  const file = pkg.loaded.get(fileNameOf(key).toLowerCase());
  const table = file ? parseTable(file, problems) : null;
  if (table) tables.set(key, table);
}

/** parseCsv, with its failure turned into a collected error so other files still get checked. */
function parseTable(file: PackageFile, problems: Problems): CsvTable | null {
  let table: CsvTable;
  try {
    table = parseCsv(file.bytes, file.label);
  } catch (err) {
    if (!(err instanceof RosteropsError)) throw err;
    for (const d of err.diagnostics) problems.error(d);
    return null;
  }
  for (const d of table.diagnostics) {
    if (d.severity === 'error') problems.error(d);
    else problems.warn(d);
  }
  return table;
}

interface ColumnSpec {
  name: string;
  required: boolean;
  /** Misspellings seen in real exports, accepted with a warning. */
  aliases: readonly string[];
}

function column(name: string, required = false, aliases: readonly string[] = []): ColumnSpec {
  return { name, required, aliases };
}

/** A column found in a file's header; `index` is -1 when the (optional) column is not there. */
interface BoundColumn {
  readonly name: string;
  readonly index: number;
}

interface MetadataColumn {
  key: string;
  index: number;
}

/** A parsed file with its columns bound by name. */
interface Sheet {
  file: string;
  table: CsvTable;
  mode: FileMode;
  /** False when a required column is missing: rows are not read and references into the file are not checked. */
  usable: boolean;
  columns: Map<string, BoundColumn>;
  metadata: MetadataColumn[];
}

function columnOf(sheet: Sheet, name: string): BoundColumn {
  return sheet.columns.get(name) ?? { name, index: -1 };
}

const METADATA_PREFIX = 'metadata.';

const SOURCED_ID = column('sourcedId', true);
const STATUS = column('status');
const DATE_LAST_MODIFIED = column('dateLastModified', false, ['dataLastModified']);
const COMMON_COLUMNS = [SOURCED_ID, STATUS, DATE_LAST_MODIFIED];

const ORG_COLUMNS = [...COMMON_COLUMNS, column('name', true), column('type', true), column('identifier'), column('parentSourcedId')];
const SESSION_COLUMNS = [
  ...COMMON_COLUMNS, column('title', true), column('type', true), column('startDate', true), column('endDate', true), column('parentSourcedId'), column('schoolYear', true),
];
const COURSE_COLUMNS = [
  ...COMMON_COLUMNS, column('schoolYearSourcedId'), column('title', true), column('courseCode'), column('grades'), column('orgSourcedId', true),
  column('subjects'), column('subjectCodes'),
];
const CLASS_COLUMNS = [
  ...COMMON_COLUMNS, column('title', true), column('grades'), column('courseSourcedId', true), column('classCode'), column('classType', true),
  column('location'), column('schoolSourcedId', true), column('termSourcedIds', true, ['termSourcedId']), column('subjects'), column('subjectCodes'), column('periods'),
];
const ENROLLMENT_COLUMNS = [
  ...COMMON_COLUMNS, column('classSourcedId', true), column('schoolSourcedId', true), column('userSourcedId', true), column('role', true),
  column('primary'), column('beginDate'), column('endDate'),
];
const ROLE_COLUMNS = [
  ...COMMON_COLUMNS, column('userSourcedId', true), column('roleType', true), column('role', true), column('beginDate'), column('endDate'),
  column('orgSourcedId', true), column('userProfileSourcedId'),
];

/**
 * users.csv differs by version (§1.5): 1.1 carries orgSourcedIds and role, 1.2 moves them to
 * roles.csv and adds preferred names. Both shapes know all columns, so a 1.1 file with preferred
 * names, or a 1.2 file that kept role/orgSourcedIds, is not met with "unknown column" warnings.
 */
function userColumns(version: OneRosterVersion): ColumnSpec[] {
  const is11 = version === '1.1';
  return [
    ...COMMON_COLUMNS, column('enabledUser', true), column('orgSourcedIds', is11, ['orgSourcedId']), column('role', is11), column('username', true),
    column('userIds', false, ['userId']), column('givenName', true), column('familyName', true), column('middleName'), column('identifier'),
    column('email'), column('sms'), column('phone'), column('agentSourcedIds'), column('grades'), column('password'), column('userMasterIdentifier'),
    column('resourceSourcedIds'), column('preferredGivenName', false, ['prefferedGivenName']), column('preferredMiddleName', false, ['prefferedMiddleName']),
    column('preferredFamilyName', false, ['prefferedFamilyName']), column('primaryOrgSourcedId'), column('pronouns'),
  ];
}

function bindSheet(table: CsvTable, specs: readonly ColumnSpec[], mode: FileMode, version: OneRosterVersion, problems: Problems): Sheet {
  const file = table.file;
  const exact = new Map(specs.map((s) => [s.name, s]));
  const ignoringCase = new Map(specs.map((s) => [s.name.toLowerCase(), s]));
  const aliases = new Map(specs.flatMap((s) => s.aliases.map((a) => [a.toLowerCase(), s] as const)));
  const columns = new Map<string, BoundColumn>();
  const metadata: MetadataColumn[] = [];
  const unknown: { header: string; index: number }[] = [];
  let usable = true;

  table.header.forEach((header, index) => {
    const lower = header.toLowerCase();
    if (lower.startsWith(METADATA_PREFIX) && header.length > METADATA_PREFIX.length && lower !== 'metadata.__proto__') {
      metadata.push({ key: header.slice(METADATA_PREFIX.length), index });
      return;
    }
    const spec = exact.get(header) ?? ignoringCase.get(lower) ?? aliases.get(lower);
    if (!spec) {
      unknown.push({ header, index });
      return;
    }
    const earlier = columns.get(spec.name);
    if (earlier) {
      usable = false;
      problems.error({
        code: 'oneroster.duplicate-column', file, line: 1, column: index + 1, field: header,
        message: `the header names ${spec.name} twice (columns ${earlier.index + 1} and ${index + 1})`,
        hint: 'Remove one of the two columns, so it is clear which values to use.',
      });
      return;
    }
    columns.set(spec.name, { name: spec.name, index });
    if (header !== spec.name) warnAboutColumnSpelling(header, spec, index, file, problems);
  });

  for (const spec of specs) {
    if (!spec.required || columns.has(spec.name)) continue;
    usable = false;
    problems.error({
      code: 'oneroster.missing-column', file, line: 1, field: spec.name,
      message: `the required column ${spec.name} is missing from the header`,
      hint: missingColumnHint(spec.name, file, version, unknown.map((u) => u.header)),
    });
  }
  for (const { header, index } of unknown) {
    problems.warn({
      code: 'oneroster.unknown-column', file, line: 1, column: index + 1, field: header,
      message: `column "${header}" is not a OneRoster ${version} column of this file; it is ignored`,
      hint: `Extensions must be named metadata.<name> (e.g. metadata.${header}); otherwise check the spelling.`,
    });
  }
  if (table.rows.length === 0) {
    problems.warn({
      code: 'oneroster.empty-file', file, line: 1,
      message: 'the file has a header but no rows',
      hint: 'OneRoster does not allow empty files; if the SIS really has nothing here, leave the file out and mark it absent in manifest.csv.',
    });
  }
  return { file, table, mode, usable, columns, metadata };
}

function warnAboutColumnSpelling(header: string, spec: ColumnSpec, index: number, file: string, problems: Problems): void {
  const isAlias = header.toLowerCase() !== spec.name.toLowerCase();
  problems.warn({
    code: isAlias ? 'oneroster.column-alias' : 'oneroster.column-case', file, line: 1, column: index + 1, field: header,
    message: isAlias
      ? `column "${header}" is read as ${spec.name} (a known misspelling)`
      : `column "${header}" is read as ${spec.name} (OneRoster headers are case-sensitive)`,
    hint: `Rename the column to ${spec.name} in the export.`,
  });
}

function missingColumnHint(name: string, file: string, version: OneRosterVersion, unknownHeaders: string[]): string {
  const near = unknownHeaders.find((h) => editDistance(h.toLowerCase(), name.toLowerCase()) <= 2);
  if (near) return `Column "${near}" looks like a misspelling of ${name}; rename it to ${name}.`;
  if (version === '1.1' && (name === 'role' || name === 'orgSourcedIds') && file.toLowerCase().endsWith('users.csv')) {
    return 'This looks like a OneRoster 1.2 users.csv (roles live in roles.csv): set oneroster.version to 1.2 in manifest.csv, or add the 1.1 columns orgSourcedIds and role.';
  }
  return `Add a ${name} column to the header of ${basename(file.replace(/^.*:/, ''))}; OneRoster ${version} requires it.`;
}

/** Levenshtein distance, for "did you mean" hints on short header names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Cells. Values are trimmed only when they need it (a char code check is cheaper than trim()).

function cell(row: readonly string[], index: number): string {
  if (index < 0) return '';
  const v = row[index]!;
  const n = v.length;
  if (n === 0) return v;
  return v.charCodeAt(0) <= 32 || v.charCodeAt(n - 1) <= 32 ? v.trim() : v;
}

/** `"t1, t2"` → ['t1','t2']; blank items (a trailing comma) are dropped. */
function splitList(value: string): string[] {
  if (value === '') return [];
  if (!value.includes(',')) return [value];
  const items: string[] = [];
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item !== '') items.push(item);
  }
  return items;
}

function readMetadata(sheet: Sheet, row: readonly string[]): Metadata {
  const metadata: Metadata = {};
  for (const m of sheet.metadata) {
    const value = cell(row, m.index);
    if (value !== '') metadata[m.key] = value;
  }
  return metadata;
}

/** Reports an empty required cell; returns null so the caller can mark the row broken. */
function requiredCell(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, problems: Problems, what: string): string | null {
  const value = cell(row, col.index);
  if (value !== '') return value;
  problems.error({
    code: 'oneroster.missing-value', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} is empty`,
    hint: `Every ${what} needs a ${col.name}: fill it in, or remove the row if it should not be exported.`,
  });
  return null;
}

function invalidValue(sheet: Sheet, i: number, col: BoundColumn, value: string, expected: string, problems: Problems): void {
  problems.error({
    code: 'oneroster.invalid-value', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} is "${value}"; expected ${expected}`,
    hint: `Use one of: ${expected}.`,
  });
}

/** A controlled vocabulary: spelling (exact or lower-case) → the token rosterops stores. */
interface Vocabulary {
  lookup: ReadonlyMap<string, string>;
  /** The tokens as the spec writes them, for messages. */
  accepted: string;
}

function vocabulary(tokens: Record<string, string>): Vocabulary {
  const lookup = new Map<string, string>();
  for (const [written, stored] of Object.entries(tokens)) {
    lookup.set(written, stored);
    lookup.set(written.toLowerCase(), stored);
  }
  return { lookup, accepted: Object.keys(tokens).join(', ') };
}

/** Case-insensitive match; 1.2 `ext:` tokens pass through as written (§1.1 extensible vocabularies). */
function readEnum(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, vocab: Vocabulary, problems: Problems, what: string): string | null {
  const value = requiredCell(sheet, row, i, col, problems, what);
  if (value === null) return null;
  const token = vocab.lookup.get(value) ?? vocab.lookup.get(value.toLowerCase());
  if (token !== undefined) return token;
  if (value.startsWith('ext:')) return value;
  invalidValue(sheet, i, col, value, vocab.accepted, problems);
  return null;
}

const ORG_TYPES = vocabulary({ department: 'department', school: 'school', district: 'district', local: 'local', state: 'state', national: 'national' });
const SESSION_TYPES = vocabulary({ gradingPeriod: 'gradingPeriod', semester: 'semester', schoolYear: 'schoolYear', term: 'term' });
const CLASS_TYPES = vocabulary({ homeroom: 'homeroom', scheduled: 'scheduled' });
const ENROLLMENT_ROLES = vocabulary({
  // aide is not a CSV enrollment role, but exporters send it for teaching assistants (§1.5); keep it.
  administrator: 'administrator', proctor: 'proctor', student: 'student', teacher: 'teacher', aide: 'aide',
});
/**
 * users.role (1.1) and roles.role (1.2). The model stores the 1.1 vocabulary, so the 1.2 staff
 * roles collapse onto administrator (the 1.1 token for non-teaching staff with access).
 */
const USER_ROLES = vocabulary({
  administrator: 'administrator', aide: 'aide', guardian: 'guardian', parent: 'parent', proctor: 'proctor', relative: 'relative',
  student: 'student', teacher: 'teacher',
  counselor: 'administrator', districtAdministrator: 'administrator', principal: 'administrator', siteAdministrator: 'administrator',
  systemAdministrator: 'administrator',
});
const ROLE_TYPES = vocabulary({ primary: 'primary', secondary: 'secondary' });

/** true/false, any case; '' gives `empty`. null (after reporting) for anything else. */
function readBoolean(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, empty: boolean, problems: Problems): boolean | null {
  const value = cell(row, col.index);
  if (value === '') return empty;
  if (value === 'true') return true;
  if (value === 'false') return false;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  invalidValue(sheet, i, col, value, 'true, false', problems);
  return null;
}

const MALFORMED_USER_ID: RepeatedWarning = {
  code: 'oneroster.invalid-user-id',
  message: (n, example) => `${rows(n, 'holds', 'hold')} a userIds entry that is not {type:identifier} (e.g. "${example}"); such entries are ignored`,
  hint: 'Write userIds as {type:identifier}, several in one quoted field: "{LDAP:123},{SIS:456}".',
};

/** `{LDAP:12},{LTI:15}` → [{type:'LDAP', identifier:'12'}, ...]. Commas inside braces belong to the identifier. */
function parseUserIds(value: string, onMalformed: (entry: string) => void): OrUserId[] {
  if (value === '') return [];
  const ids: OrUserId[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k <= value.length; k++) {
    const ch = value.charCodeAt(k);
    if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */) depth = Math.max(0, depth - 1);
    else if ((ch === 44 /* , */ && depth === 0) || k === value.length) {
      const entry = value.slice(start, k).trim();
      start = k + 1;
      if (entry === '') continue;
      const inner = entry.startsWith('{') && entry.endsWith('}') ? entry.slice(1, -1) : entry;
      const colon = inner.indexOf(':');
      if (colon <= 0) onMalformed(entry);
      else ids.push({ type: inner.slice(0, colon).trim(), identifier: inner.slice(colon + 1).trim() });
    }
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Dates (§1.3): stored as YYYY-MM-DD. Accepts ISO dates and datetimes, and the D/M/YYYY or
// M/D/YYYY that spreadsheet-edited exports carry. A slash date whose parts are both <= 12 is
// ambiguous: the other dates of the same file decide when they can, otherwise D/M/YYYY is assumed.

/** How a date was written: ISO, or with slashes read day-first, month-first, either way alike (5/5), or undecidable. */
type DateOrder = 'iso' | 'dayFirst' | 'monthFirst' | 'eitherWay' | 'ambiguous';

type ParsedDate = { ok: true; iso: string; order: DateOrder; monthFirstIso: string } | { ok: false; reason: string };

interface PendingAmbiguousDate {
  target: Record<string, unknown> | null;
  field: string;
  monthFirstIso: string;
}

interface SlashDateStats {
  column: BoundColumn;
  firstLine: number;
  example: string;
  count: number;
  ambiguous: number;
  firstAmbiguousLine: number;
  firstAmbiguous: string;
}

/** Date cells of one file: each distinct text is parsed once; ambiguous ones are settled when the file is done. */
class DateCells {
  private readonly cache = new Map<string, ParsedDate>();
  /** Per column index: the last text read and its parse. */
  private readonly lastRaw: string[] = [];
  private readonly lastParsed: ParsedDate[] = [];
  private readonly stats = new Map<string, SlashDateStats>();
  private readonly pending: PendingAmbiguousDate[] = [];
  private unattached = 0;
  private dayFirstExample = '';
  private monthFirstExample = '';

  constructor(private readonly sheet: Sheet, private readonly problems: Problems) {}

  /** The cell as YYYY-MM-DD; '' when empty and optional; null (after reporting) when unusable. */
  read(row: readonly string[], i: number, col: BoundColumn, required: boolean, what: string): string | null {
    const raw = required ? requiredCell(this.sheet, row, i, col, this.problems, what) : cell(row, col.index);
    if (raw === null || raw === '') return raw;
    // Consecutive rows mostly repeat a column's date: a string compare beats hashing a fresh string.
    let parsed = this.lastRaw[col.index] === raw ? this.lastParsed[col.index] : undefined;
    if (parsed === undefined) {
      parsed = this.cache.get(raw);
      if (parsed === undefined) this.cache.set(raw, (parsed = parseDate(raw)));
      this.lastRaw[col.index] = raw;
      this.lastParsed[col.index] = parsed;
    }
    if (!parsed.ok) {
      this.problems.error({
        code: 'oneroster.invalid-date', file: this.sheet.file, line: rowNumberOf(this.sheet.table, i), column: col.index + 1, field: col.name,
        message: `${col.name} "${raw}" ${parsed.reason}`,
        hint: 'Write dates as YYYY-MM-DD (e.g. 2024-08-26).',
      });
      return null;
    }
    if (parsed.order !== 'iso') this.noteSlashDate(raw, parsed, i, col);
    return parsed.iso;
  }

  /** Ties the ambiguous dates read since the last call to the record that holds them. */
  attach(record: object): void {
    for (let k = this.pending.length - this.unattached; k < this.pending.length; k++) this.pending[k]!.target = record as Record<string, unknown>;
    this.unattached = 0;
  }

  /** Forgets ambiguous dates of a row that produced no record. */
  dropUnattached(): void {
    this.pending.length -= this.unattached;
    this.unattached = 0;
  }

  /** Decides the ambiguous dates from the file's evidence and reports how slash dates were read. */
  settle(): void {
    const monthFirst = this.monthFirstExample !== '' && this.dayFirstExample === '';
    if (monthFirst) for (const p of this.pending) if (p.target) p.target[p.field] = p.monthFirstIso;
    for (const s of this.stats.values()) this.reportColumn(s, monthFirst);
  }

  private noteSlashDate(raw: string, parsed: Extract<ParsedDate, { ok: true }>, i: number, col: BoundColumn): void {
    let s = this.stats.get(col.name);
    if (!s) {
      s = { column: col, firstLine: rowNumberOf(this.sheet.table, i), example: raw, count: 0, ambiguous: 0, firstAmbiguousLine: 0, firstAmbiguous: '' };
      this.stats.set(col.name, s);
    }
    s.count++;
    if (parsed.order === 'dayFirst' && this.dayFirstExample === '') this.dayFirstExample = raw;
    if (parsed.order === 'monthFirst' && this.monthFirstExample === '') this.monthFirstExample = raw;
    if (parsed.order !== 'ambiguous') return;
    if (s.ambiguous++ === 0) {
      s.firstAmbiguousLine = rowNumberOf(this.sheet.table, i);
      s.firstAmbiguous = raw;
    }
    this.pending.push({ target: null, field: col.name, monthFirstIso: parsed.monthFirstIso });
    this.unattached++;
  }

  private reportColumn(s: SlashDateStats, monthFirst: boolean): void {
    const { file } = this.sheet;
    const field = s.column.name;
    if (s.ambiguous > 0) {
      const reading = monthFirst ? 'M/D/YYYY' : 'D/M/YYYY';
      const why = monthFirst
        ? `like the other dates in this file (e.g. "${this.monthFirstExample}")`
        : this.dayFirstExample !== ''
          ? `like the other dates in this file (e.g. "${this.dayFirstExample}")${this.monthFirstExample !== '' ? `, although some (e.g. "${this.monthFirstExample}") are M/D/YYYY` : ''}`
          : 'by assumption: nothing in this file tells day and month apart';
      this.problems.warn({
        code: 'oneroster.ambiguous-date', file, line: s.firstAmbiguousLine, column: s.column.index + 1, field,
        message: `${s.ambiguous === 1 ? '1 date' : `${s.ambiguous} dates`} in ${field} could be day/month or month/day (e.g. "${s.firstAmbiguous}"); read as ${reading} ${why}`,
        hint: 'Check a few of these dates in the plan; export dates as YYYY-MM-DD to remove the doubt.',
      });
    }
    if (s.count > s.ambiguous) {
      this.problems.warn({
        code: 'oneroster.date-format', file, line: s.firstLine, column: s.column.index + 1, field,
        message: `${field} holds dates written with slashes (e.g. "${s.example}") instead of YYYY-MM-DD; they were converted`,
        hint: 'OneRoster dates are YYYY-MM-DD; ask the SIS vendor (or whoever edits the file in a spreadsheet) to keep that format.',
      });
    }
  }
}

function parseDate(raw: string): ParsedDate {
  // Fast path: YYYY-MM-DD, optionally followed by a time (a DateTime where a Date was expected).
  if (raw.length >= 10 && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45) {
    if (raw.length > 10 && !isTimeSeparator(raw.charCodeAt(10))) return notADate;
    return calendarDate(raw.slice(0, 4), raw.slice(5, 7), raw.slice(8, 10), 'iso');
  }
  const loose = LOOSE_ISO.exec(raw);
  if (loose) return calendarDate(loose[1]!, loose[2]!, loose[3]!, 'iso');
  const slashed = SLASHED.exec(raw);
  if (slashed) return slashDate(slashed[1]!, slashed[2]!, slashed[3]!);
  return notADate;
}

const notADate: ParsedDate = { ok: false, reason: 'is not a date; expected YYYY-MM-DD' };
const LOOSE_ISO = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function isTimeSeparator(ch: number): boolean {
  return ch === 84 /* T */ || ch === 116 /* t */ || ch === 32 /* space */;
}

function slashDate(first: string, second: string, year: string): ParsedDate {
  const a = Number(first);
  const b = Number(second);
  if (a > 12 && b > 12) return { ok: false, reason: 'has no month: neither of the first two parts is 12 or less' };
  if (a > 12) return calendarDate(year, second, first, 'dayFirst');
  if (b > 12) return calendarDate(year, first, second, 'monthFirst');
  if (a === b) return calendarDate(year, first, second, 'eitherWay');
  // Both parts are 1..12, so both readings are real dates; keep the month-first one for settle().
  const dayFirst = calendarDate(year, second, first, 'ambiguous');
  const monthFirst = calendarDate(year, first, second, 'ambiguous');
  return dayFirst.ok && monthFirst.ok ? { ...dayFirst, monthFirstIso: monthFirst.iso } : dayFirst;
}

function calendarDate(year: string, month: string, day: string, order: DateOrder): ParsedDate {
  if (!isDigits(year) || !isDigits(month) || !isDigits(day)) return notADate;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return { ok: false, reason: 'is not a real calendar date' };
  const iso = `${year}-${month.length === 1 ? '0' : ''}${month}-${day.length === 1 ? '0' : ''}${day}`;
  return { ok: true, iso, order, monthFirstIso: '' };
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// ---------------------------------------------------------------------------------------------
// Records: sourcedId, status and the registry other files resolve their references against.

/**
 * What one file contributed, by sourcedId. Besides the records it remembers the ids that must not
 * be reported as dangling: rows skipped as tobedeleted (a reference to them is skipped with a
 * warning) and rows that already produced an error (a second error would only repeat the first).
 */
class Registry<T extends { sourcedId: string }> {
  /** Records in file order; a record's position is its ordinal. Records are only ever added. */
  readonly list: T[] = [];
  private readonly index = new IdIndex();
  /** sourcedIds of rows skipped because they are (or depend on) tobedeleted records. */
  readonly deleted = new Set<string>();
  readonly broken = new Set<string>();

  constructor(readonly file: string, readonly usable: boolean) {}

  add(record: T): void {
    this.index.add(record.sourcedId);
    this.list.push(record);
  }

  get(id: string): T | undefined {
    const ordinal = this.index.ordinalOf(id);
    return ordinal === -1 ? undefined : this.list[ordinal];
  }

  /** Position of the record in `list`, or -1; lets callers key dense arrays by record. */
  ordinalOf(id: string): number {
    return this.index.ordinalOf(id);
  }

  /** The record's own sourcedId string (interned: references share it instead of keeping their copy). */
  idAt(ordinal: number): string {
    return this.index.ids[ordinal]!;
  }

  records(): T[] {
    return this.list;
  }

  /** Why a reference to `id` (not in the registry) does not resolve. */
  whyMissing(id: string): 'deleted' | 'known-bad' | 'missing' {
    if (this.deleted.has(id)) return 'deleted';
    if (!this.usable || this.broken.has(id)) return 'known-bad';
    return 'missing';
  }
}

/**
 * sourcedId → ordinal, as an open-addressing table with the hash stored beside the ordinal.
 * enrollments.csv looks up a class, a user and a school per row; against a Map this was the
 * largest cost of the whole conversion (each lookup chases several scattered heap objects),
 * while here a probe reads one compact array and compares strings only when hashes agree.
 */
class IdIndex {
  readonly ids: string[] = [];
  private slots = new Int32Array(32); // pairs: ordinal + 1 (0 = empty), hash
  private mask = 15;

  add(id: string): void {
    if ((this.ids.length + 1) * 2 > this.mask + 1) this.grow();
    this.ids.push(id);
    this.place(fnv1a(id) | 0, this.ids.length);
  }

  ordinalOf(id: string): number {
    const hash = fnv1a(id) | 0;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot * 2]!;
      if (held === 0) return -1;
      if (this.slots[slot * 2 + 1] === hash && this.ids[held - 1] === id) return held - 1;
    }
  }

  private place(hash: number, ordinalPlusOne: number): void {
    let slot = hash & this.mask;
    while (this.slots[slot * 2] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot * 2] = ordinalPlusOne;
    this.slots[slot * 2 + 1] = hash;
  }

  private grow(): void {
    const size = (this.mask + 1) * 4;
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
    for (let k = 0; k < this.ids.length; k++) this.place(fnv1a(this.ids[k]!) | 0, k + 1);
  }
}

/**
 * For each row whose sourcedId repeats an earlier row, the index of that earlier row (-1 for the
 * others); null when no id repeats. Hashes are sorted rather than inserted into a table: with a
 * million rows a hash table is dominated by cache misses, while a radix sort of 32-bit hashes
 * walks memory in order. Only rows whose hashes agree have their strings compared.
 */
function earlierRowsOfRepeatedIds(ids: readonly string[]): Int32Array | null {
  const n = ids.length;
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = fnv1a(ids[i]!);
  const order = sortIndexesByKey(hashes);
  let earlier: Int32Array | null = null;
  for (let a = 0; a < n; ) {
    const hash = hashes[order[a]!]!;
    let b = a + 1;
    while (b < n && hashes[order[b]!] === hash) b++;
    // Within a run the order is the file order (the sort is stable), so the first match is the earliest row.
    for (let x = a + 1; x < b; x++) {
      const row = order[x]!;
      const id = ids[row]!;
      if (id === '') continue;
      for (let y = a; y < x; y++) {
        const candidate = order[y]!;
        if (ids[candidate] === id && (earlier === null || earlier[candidate] === -1)) {
          earlier ??= new Int32Array(n).fill(-1);
          earlier[row] = candidate;
          break;
        }
      }
    }
    a = b;
  }
  return earlier;
}

/** Row indexes ordered by 32-bit `keys` (stable: equal keys keep row order). LSD radix sort, 16 bits per pass. */
function sortIndexesByKey(keys: Uint32Array): Int32Array {
  const n = keys.length;
  let order: Int32Array = identityOrder(n);
  let spare: Int32Array = new Int32Array(n);
  for (let shift = 0; shift < 32; shift += 16) {
    const counts = new Int32Array(0x10001);
    for (let i = 0; i < n; i++) counts[((keys[order[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 0x10000; d++) counts[d]! += counts[d - 1]!;
    for (let i = 0; i < n; i++) {
      const row = order[i]!;
      spare[counts[(keys[row]! >>> shift) & 0xffff]!++] = row;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash >>> 0;
}

/**
 * The last id looked up in a registry. Exports are usually sorted by class or by user, so
 * consecutive enrollment rows repeat ids; comparing with the previous id skips the hash lookup.
 */
class RecentLookup<T extends { sourcedId: string }> {
  private lastId: string | null = null;
  private lastOrdinal = -1;

  constructor(private readonly registry: Registry<T>) {}

  ordinalOf(id: string): number {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastOrdinal = this.registry.ordinalOf(id);
    }
    return this.lastOrdinal;
  }
}

function emptyRegistry<T extends { sourcedId: string }>(file: string): Registry<T> {
  return new Registry<T>(file, false);
}

const TOBEDELETED_SKIPPED: RepeatedWarning = {
  code: 'oneroster.tobedeleted-skipped',
  message: (n, example) => `${n === 1 ? '1 row' : `${n} rows`} with status tobedeleted (or the 1.0 "inactive") treated as not in the export (first: "${example}")`,
  hint: 'Nothing to do if these records were meant to go; rosterops plans their removal like any record missing from the export.',
};
const STATUS_IN_BULK: RepeatedWarning = {
  code: 'oneroster.status-in-bulk',
  message: (n, example) => `${rows(n, 'carries', 'carry')} a status ("${example}" first) although this is a bulk file, where status must be blank; the values are honoured`,
  hint: 'In a bulk export leave status and dateLastModified empty; use tobedeleted only in delta files.',
};
const STATUS_MISSING_IN_DELTA: RepeatedWarning = {
  code: 'oneroster.status-missing',
  message: (n) => `${rows(n, 'has', 'have')} no status in this delta file; read as active`,
  hint: 'Delta files must give every row a status (active or tobedeleted).',
};

/**
 * One pass over a sheet's rows, doing what every file shares: sourcedId present and unique,
 * status honoured (tobedeleted rows go to `registry.deleted`), then `visit` for each live row.
 */
function forEachLiveRow<T extends { sourcedId: string }>(
  sheet: Sheet, registry: Registry<T>, problems: Problems, what: string,
  visit: (row: readonly string[], i: number, id: string) => void,
): void {
  const { table, file } = sheet;
  const idCol = columnOf(sheet, 'sourcedId');
  const statusCol = columnOf(sheet, 'status');
  const rowsOf = table.rows;
  const ids = new Array<string>(rowsOf.length);
  for (let i = 0; i < rowsOf.length; i++) ids[i] = cell(rowsOf[i]!, idCol.index);
  const earlierRows = earlierRowsOfRepeatedIds(ids);
  for (let i = 0; i < rowsOf.length; i++) {
    const row = rowsOf[i]!;
    const id = ids[i]!;
    if (id === '') {
      requiredCell(sheet, row, i, idCol, problems, what);
      continue;
    }
    if (earlierRows !== null && earlierRows[i] !== -1) {
      reportDuplicateId(sheet, i, earlierRows[i]!, id, problems);
      registry.broken.add(id);
      continue;
    }
    const status = readStatus(sheet, row, i, statusCol, problems);
    if (status === 'invalid') {
      registry.broken.add(id);
      continue;
    }
    if (status === 'tobedeleted') {
      registry.deleted.add(id);
      problems.repeat(TOBEDELETED_SKIPPED, file, rowNumberOf(table, i), 'status', id);
      continue;
    }
    visit(row, i, id);
  }
}

function reportDuplicateId(sheet: Sheet, i: number, first: number, id: string, problems: Problems): void {
  const line = rowNumberOf(sheet.table, i);
  const firstLine = rowNumberOf(sheet.table, first);
  problems.error({
    code: 'oneroster.duplicate-id', file: sheet.file, line, field: 'sourcedId',
    message: `${sheet.file}:${line} duplicates sourcedId "${id}" first seen at ${sheet.file}:${firstLine}`,
    hint: 'Each record must have its own sourcedId: remove the repeated row, or give it a different id.',
  });
}

function readStatus(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, problems: Problems): 'active' | 'tobedeleted' | 'invalid' {
  const value = cell(row, col.index);
  if (value === '') {
    if (sheet.mode === 'delta') problems.repeat(STATUS_MISSING_IN_DELTA, sheet.file, rowNumberOf(sheet.table, i), 'status', '');
    return 'active';
  }
  if (sheet.mode === 'bulk') problems.repeat(STATUS_IN_BULK, sheet.file, rowNumberOf(sheet.table, i), 'status', value);
  const lower = value === 'active' || value === 'tobedeleted' ? value : value.toLowerCase();
  if (lower === 'active') return 'active';
  if (lower === 'tobedeleted' || lower === 'inactive') return 'tobedeleted';
  invalidValue(sheet, i, col, value, 'active, tobedeleted (or blank in a bulk file)', problems);
  return 'invalid';
}

function sourceOf(sheet: Sheet, i: number): { file: string; row: number } {
  return { file: sheet.file, row: rowNumberOf(sheet.table, i) };
}

function danglingReference(sheet: Sheet, i: number, col: BoundColumn, id: string, target: string, problems: Problems): void {
  problems.error({
    code: 'oneroster.dangling-reference', file: sheet.file, line: rowNumberOf(sheet.table, i), column: col.index + 1, field: col.name,
    message: `${col.name} "${id}" does not match any sourcedId in ${target}`,
    hint: `Add the missing record to ${target}, or correct the id; a bulk export must contain everything it refers to.`,
  });
}

function dependsOnDeleted(kind: string, targetFile: string): RepeatedWarning {
  return {
    code: 'oneroster.depends-on-tobedeleted',
    message: (n, example) => `${n === 1 ? `1 ${kind}` : `${n} ${kind}s`} skipped because ${n === 1 ? 'it refers' : 'they refer'} to a tobedeleted record of ${targetFile} (first: "${example}")`,
    hint: 'Expected when a record is being removed: whatever hangs off it goes too. If not, check the status of that record.',
  };
}

const DANGLING_PARENT: RepeatedWarning = {
  code: 'oneroster.dangling-parent',
  message: (n, example) => `${rows(n, 'names', 'name')} a parentSourcedId that is not in the file or is tobedeleted (first: "${example}"); read as having no parent`,
  hint: 'Add the parent record, or leave parentSourcedId empty.',
};

/** Parent links within one file: an unknown parent is tolerated (the hierarchy is informative only). */
function resolveParents<T extends { sourcedId: string; parentSourcedId: string; source: { row: number } }>(registry: Registry<T>, sheet: Sheet, problems: Problems): void {
  const parentCol = columnOf(sheet, 'parentSourcedId');
  for (const record of registry.list) {
    const parentId = record.parentSourcedId;
    if (parentId === '') continue;
    const parent = parentId === record.sourcedId ? undefined : registry.get(parentId);
    if (parent) {
      record.parentSourcedId = parent.sourcedId;
      continue;
    }
    record.parentSourcedId = '';
    if (registry.broken.has(parentId)) continue;
    problems.repeat(DANGLING_PARENT, sheet.file, record.source.row, parentCol.name, parentId);
  }
}

// ---------------------------------------------------------------------------------------------
// orgs.csv

function readOrgs(sheet: Sheet | null, problems: Problems): Registry<OrOrg> {
  if (!sheet) return emptyRegistry(fileNameOf('orgs'));
  const registry = new Registry<OrOrg>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const nameCol = columnOf(sheet, 'name');
  const typeCol = columnOf(sheet, 'type');
  const identifierCol = columnOf(sheet, 'identifier');
  const parentCol = columnOf(sheet, 'parentSourcedId');
  forEachLiveRow(sheet, registry, problems, 'org', (row, i, id) => {
    const name = requiredCell(sheet, row, i, nameCol, problems, 'org');
    const type = readEnum(sheet, row, i, typeCol, ORG_TYPES, problems, 'org');
    if (name === null || type === null) {
      registry.broken.add(id);
      return;
    }
    registry.add({
      sourcedId: id, name, type, identifier: cell(row, identifierCol.index), parentSourcedId: cell(row, parentCol.index),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  resolveParents(registry, sheet, problems);
  return registry;
}

// ---------------------------------------------------------------------------------------------
// academicSessions.csv

const SESSION_ENDS_BEFORE_START: RepeatedWarning = {
  code: 'oneroster.session-dates',
  message: (n, example) => `${n === 1 ? '1 session ends' : `${n} sessions end`} before ${n === 1 ? 'it starts' : 'they start'} (first: "${example}")`,
  hint: 'Check startDate and endDate of these sessions in the SIS.',
};
const SCHOOL_YEAR_FORMAT: RepeatedWarning = {
  code: 'oneroster.school-year-format',
  message: (n, example) => `${rows(n, 'has', 'have')} a schoolYear that is not a four-digit year (e.g. "${example}"); kept as written`,
  hint: 'schoolYear is the calendar year in which the school year ends, e.g. 2025 for 2024-25.',
};

function readAcademicSessions(sheet: Sheet | null, problems: Problems): Registry<OrAcademicSession> {
  if (!sheet) return emptyRegistry(fileNameOf('academicSessions'));
  const registry = new Registry<OrAcademicSession>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'academic session';
  const titleCol = columnOf(sheet, 'title');
  const typeCol = columnOf(sheet, 'type');
  const startCol = columnOf(sheet, 'startDate');
  const endCol = columnOf(sheet, 'endDate');
  const parentCol = columnOf(sheet, 'parentSourcedId');
  const yearCol = columnOf(sheet, 'schoolYear');
  const dates = new DateCells(sheet, problems);
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, titleCol, problems, what);
    const type = readEnum(sheet, row, i, typeCol, SESSION_TYPES, problems, what);
    const startDate = dates.read(row, i, startCol, true, what);
    const endDate = dates.read(row, i, endCol, true, what);
    const schoolYear = requiredCell(sheet, row, i, yearCol, problems, what);
    if (title === null || type === null || startDate === null || endDate === null || schoolYear === null) {
      registry.broken.add(id);
      dates.dropUnattached();
      return;
    }
    if (schoolYear.length !== 4 || !isDigits(schoolYear)) problems.repeat(SCHOOL_YEAR_FORMAT, sheet.file, rowNumberOf(sheet.table, i), yearCol.name, schoolYear);
    const session: OrAcademicSession = {
      sourcedId: id, title, type, startDate, endDate, parentSourcedId: cell(row, parentCol.index), schoolYear,
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    };
    dates.attach(session);
    registry.add(session);
  });
  dates.settle();
  for (const s of registry.list) {
    if (s.endDate < s.startDate) problems.repeat(SESSION_ENDS_BEFORE_START, sheet.file, s.source.row, endCol.name, s.sourcedId);
  }
  resolveParents(registry, sheet, problems);
  return registry;
}

// ---------------------------------------------------------------------------------------------
// courses.csv (optional)

const UNKNOWN_SCHOOL_YEAR: RepeatedWarning = {
  code: 'oneroster.dangling-school-year',
  message: (n, example) => `${rows(n, 'names', 'name')} a schoolYearSourcedId that is not in academicSessions.csv or is tobedeleted (first: "${example}"); read as empty`,
  hint: 'Add the school year to academicSessions.csv, or leave schoolYearSourcedId empty.',
};

function readCourses(sheet: Sheet | null, orgs: Registry<OrOrg>, sessions: Registry<OrAcademicSession>, problems: Problems): Registry<OrCourse> {
  if (!sheet) return emptyRegistry(fileNameOf('courses'));
  const registry = new Registry<OrCourse>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'course';
  const titleCol = columnOf(sheet, 'title');
  const codeCol = columnOf(sheet, 'courseCode');
  const yearCol = columnOf(sheet, 'schoolYearSourcedId');
  const orgCol = columnOf(sheet, 'orgSourcedId');
  const gradesCol = columnOf(sheet, 'grades');
  const subjectsCol = columnOf(sheet, 'subjects');
  const orgGone = dependsOnDeleted(what, orgs.file);
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, titleCol, problems, what);
    const orgId = requiredCell(sheet, row, i, orgCol, problems, what);
    if (title === null || orgId === null) {
      registry.broken.add(id);
      return;
    }
    const org = orgs.get(orgId);
    if (!org) {
      const why = orgs.whyMissing(orgId);
      if (why === 'deleted') {
        registry.deleted.add(id);
        problems.repeat(orgGone, sheet.file, rowNumberOf(sheet.table, i), orgCol.name, orgId);
        return;
      }
      if (why === 'missing') danglingReference(sheet, i, orgCol, orgId, orgs.file, problems);
      registry.broken.add(id);
      return;
    }
    let schoolYearSourcedId = cell(row, yearCol.index);
    if (schoolYearSourcedId !== '') {
      const year = sessions.get(schoolYearSourcedId);
      if (year) schoolYearSourcedId = year.sourcedId;
      else {
        if (sessions.whyMissing(schoolYearSourcedId) !== 'known-bad') problems.repeat(UNKNOWN_SCHOOL_YEAR, sheet.file, rowNumberOf(sheet.table, i), yearCol.name, schoolYearSourcedId);
        schoolYearSourcedId = '';
      }
    }
    registry.add({
      sourcedId: id, title, courseCode: cell(row, codeCol.index), schoolYearSourcedId, orgSourcedId: org.sourcedId,
      grades: splitList(cell(row, gradesCol.index)), subjects: splitList(cell(row, subjectsCol.index)),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  return registry;
}

// ---------------------------------------------------------------------------------------------
// classes.csv

const SCHOOL_NOT_A_SCHOOL: RepeatedWarning = {
  code: 'oneroster.school-type',
  message: (n, example) => `${rows(n, 'names', 'name')} a schoolSourcedId whose org type is not school (first: "${example}")`,
  hint: 'OneRoster wants classes and enrollments attached to an org of type school; check the type in orgs.csv.',
};
const TERM_DELETED: RepeatedWarning = {
  code: 'oneroster.term-tobedeleted',
  message: (n, example) => `${rows(n, 'lists', 'list')} a term that is tobedeleted (first: "${example}"); the term is dropped from the class`,
  hint: 'Expected while a term is being removed; otherwise check the status of that session.',
};
const COURSE_NOT_LISTED: RepeatedWarning = {
  code: 'oneroster.course-not-listed',
  message: (n, example) => `${rows(n, 'names', 'name')} a courseSourcedId that is not in courses.csv (first: "${example}"); kept, because the manifest marks courses absent`,
  hint: 'Either export courses.csv in full (bulk) or leave it out.',
};

interface ClassRefs {
  orgs: Registry<OrOrg>;
  sessions: Registry<OrAcademicSession>;
  courses: Registry<OrCourse>;
  coursesAuthoritative: boolean;
  /** Warnings for classes skipped because their school, course or every term is tobedeleted. */
  schoolGone: RepeatedWarning;
  courseGone: RepeatedWarning;
  termsGone: RepeatedWarning;
}

function readClasses(
  sheet: Sheet | null, orgs: Registry<OrOrg>, sessions: Registry<OrAcademicSession>, courses: Registry<OrCourse>, coursesAuthoritative: boolean, problems: Problems,
): Registry<OrClass> {
  if (!sheet) return emptyRegistry(fileNameOf('classes'));
  const registry = new Registry<OrClass>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const refs: ClassRefs = {
    orgs, sessions, courses, coursesAuthoritative,
    schoolGone: dependsOnDeleted('class', orgs.file), courseGone: dependsOnDeleted('class', courses.file), termsGone: dependsOnDeleted('class', sessions.file),
  };
  const what = 'class';
  const c = {
    title: columnOf(sheet, 'title'), course: columnOf(sheet, 'courseSourcedId'), code: columnOf(sheet, 'classCode'), type: columnOf(sheet, 'classType'),
    location: columnOf(sheet, 'location'), school: columnOf(sheet, 'schoolSourcedId'), terms: columnOf(sheet, 'termSourcedIds'),
    grades: columnOf(sheet, 'grades'), subjects: columnOf(sheet, 'subjects'), periods: columnOf(sheet, 'periods'),
  };
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, c.title, problems, what);
    const courseId = requiredCell(sheet, row, i, c.course, problems, what);
    const classType = readEnum(sheet, row, i, c.type, CLASS_TYPES, problems, what);
    const schoolId = requiredCell(sheet, row, i, c.school, problems, what);
    const termsText = requiredCell(sheet, row, i, c.terms, problems, what);
    if (title === null || courseId === null || classType === null || schoolId === null || termsText === null) {
      registry.broken.add(id);
      return;
    }
    const resolved = resolveClassRefs(sheet, i, c, courseId, schoolId, splitList(termsText), refs, problems);
    if (resolved === 'deleted') registry.deleted.add(id);
    if (typeof resolved === 'string') {
      if (resolved === 'broken') registry.broken.add(id);
      return;
    }
    registry.add({
      sourcedId: id, title, courseSourcedId: resolved.courseSourcedId, classCode: cell(row, c.code.index), classType,
      location: cell(row, c.location.index), schoolSourcedId: resolved.schoolSourcedId, termSourcedIds: resolved.termSourcedIds,
      grades: splitList(cell(row, c.grades.index)), subjects: splitList(cell(row, c.subjects.index)), periods: splitList(cell(row, c.periods.index)),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  return registry;
}

/**
 * A class's school, course and terms, interned to the records they name. 'deleted' when the
 * class hangs off something tobedeleted (it goes too), 'broken' when a reference is wrong.
 */
function resolveClassRefs(
  sheet: Sheet, i: number, c: Record<'course' | 'school' | 'terms', BoundColumn>,
  courseId: string, schoolId: string, termIds: string[], refs: ClassRefs, problems: Problems,
): { courseSourcedId: string; schoolSourcedId: string; termSourcedIds: string[] } | 'deleted' | 'broken' {
  const line = rowNumberOf(sheet.table, i);
  let broken = false;
  let deleted = false;

  const school = refs.orgs.get(schoolId);
  if (school) {
    if (school.type !== 'school') problems.repeat(SCHOOL_NOT_A_SCHOOL, sheet.file, line, c.school.name, schoolId);
  } else {
    const why = refs.orgs.whyMissing(schoolId);
    if (why === 'deleted') {
      deleted = true;
      problems.repeat(refs.schoolGone, sheet.file, line, c.school.name, schoolId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.school, schoolId, refs.orgs.file, problems);
      broken = true;
    }
  }

  let courseSourcedId = courseId;
  const course = refs.courses.get(courseId);
  if (course) courseSourcedId = course.sourcedId;
  else if (refs.coursesAuthoritative) {
    const why = refs.courses.whyMissing(courseId);
    if (why === 'deleted') {
      deleted = true;
      problems.repeat(refs.courseGone, sheet.file, line, c.course.name, courseId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.course, courseId, refs.courses.file, problems);
      broken = true;
    }
  } else if (refs.courses.list.length > 0) {
    problems.repeat(COURSE_NOT_LISTED, sheet.file, line, c.course.name, courseId);
  }

  const termSourcedIds: string[] = [];
  let droppedTerm = false;
  for (const termId of termIds) {
    const term = refs.sessions.get(termId);
    if (term) {
      termSourcedIds.push(term.sourcedId);
      continue;
    }
    const why = refs.sessions.whyMissing(termId);
    if (why === 'deleted') {
      droppedTerm = true;
      problems.repeat(TERM_DELETED, sheet.file, line, c.terms.name, termId);
    } else {
      if (why === 'missing') danglingReference(sheet, i, c.terms, termId, refs.sessions.file, problems);
      broken = true;
    }
  }
  // A class whose every term is going away has nowhere to live: it goes too.
  if (droppedTerm && termSourcedIds.length === 0 && !broken) {
    deleted = true;
    problems.repeat(refs.termsGone, sheet.file, line, c.terms.name, termIds[0]!);
  }
  if (broken) return 'broken';
  if (deleted) return 'deleted';
  return { courseSourcedId, schoolSourcedId: school!.sourcedId, termSourcedIds };
}

// ---------------------------------------------------------------------------------------------
// users.csv (+ roles.csv in 1.2)

const ENABLED_USER_EMPTY: RepeatedWarning = {
  code: 'oneroster.enabled-user-empty',
  message: (n) => `${rows(n, 'has', 'have')} an empty enabledUser; read as true`,
  hint: 'enabledUser is required: write true or false.',
};
const DANGLING_AGENT: RepeatedWarning = {
  code: 'oneroster.dangling-agent',
  message: (n, example) => `${rows(n, 'lists', 'list')} agentSourcedIds that are not users in the export or are tobedeleted (first: "${example}"); those links are dropped`,
  hint: 'Export the parents/guardians too, or leave agentSourcedIds empty.',
};
const USER_ORG_DELETED: RepeatedWarning = {
  code: 'oneroster.user-org-tobedeleted',
  message: (n, example) => `${rows(n, 'lists', 'list')} an org that is tobedeleted (first: "${example}"); the org is dropped from the user`,
  hint: 'Expected while an org is being removed; otherwise check the status of that org.',
};

interface UserColumns {
  enabled: BoundColumn; orgs: BoundColumn; role: BoundColumn; username: BoundColumn; userIds: BoundColumn; givenName: BoundColumn;
  familyName: BoundColumn; middleName: BoundColumn; identifier: BoundColumn; email: BoundColumn; sms: BoundColumn; phone: BoundColumn;
  agents: BoundColumn; grades: BoundColumn; preferredGivenName: BoundColumn; preferredFamilyName: BoundColumn; primaryOrg: BoundColumn;
}

class UserRegistry extends Registry<OrUser> {
  /** 1.2: primaryOrgSourcedId per user, used to pick among several roles. */
  readonly primaryOrg = new Map<string, string>();
}

/**
 * Users, with role and orgSourcedIds from users.csv when `inlineRoles` (1.1, or a 1.2 export
 * without roles.csv that kept the 1.1 columns); otherwise they are filled from roles.csv.
 */
function readUsers(sheet: Sheet | null, orgs: Registry<OrOrg>, inlineRoles: boolean, problems: Problems): UserRegistry {
  if (!sheet) return new UserRegistry(fileNameOf('users'), false);
  const registry = new UserRegistry(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'user';
  const c: UserColumns = {
    enabled: columnOf(sheet, 'enabledUser'), orgs: columnOf(sheet, 'orgSourcedIds'), role: columnOf(sheet, 'role'), username: columnOf(sheet, 'username'),
    userIds: columnOf(sheet, 'userIds'), givenName: columnOf(sheet, 'givenName'), familyName: columnOf(sheet, 'familyName'),
    middleName: columnOf(sheet, 'middleName'), identifier: columnOf(sheet, 'identifier'), email: columnOf(sheet, 'email'), sms: columnOf(sheet, 'sms'),
    phone: columnOf(sheet, 'phone'), agents: columnOf(sheet, 'agentSourcedIds'), grades: columnOf(sheet, 'grades'),
    preferredGivenName: columnOf(sheet, 'preferredGivenName'), preferredFamilyName: columnOf(sheet, 'preferredFamilyName'),
    primaryOrg: columnOf(sheet, 'primaryOrgSourcedId'),
  };
  const rolesInColumns = inlineRoles && c.role.index !== -1 && c.orgs.index !== -1;
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const user = readUserRow(sheet, row, i, id, c, rolesInColumns, orgs, problems);
    if (user === null) registry.broken.add(id);
    else registry.add(user);
    const primaryOrg = cell(row, c.primaryOrg.index);
    if (primaryOrg !== '') registry.primaryOrg.set(id, primaryOrg);
  });
  resolveAgents(registry, sheet, c.agents, problems);
  return registry;
}

function readUserRow(
  sheet: Sheet, row: readonly string[], i: number, id: string, c: UserColumns, inlineRoles: boolean, orgs: Registry<OrOrg>, problems: Problems,
): OrUser | null {
  const what = 'user';
  const line = rowNumberOf(sheet.table, i);
  const enabledText = cell(row, c.enabled.index);
  if (enabledText === '' && c.enabled.index !== -1) problems.repeat(ENABLED_USER_EMPTY, sheet.file, line, c.enabled.name, '');
  const enabledUser = readBoolean(sheet, row, i, c.enabled, true, problems);
  const username = requiredCell(sheet, row, i, c.username, problems, what);
  const givenName = requiredCell(sheet, row, i, c.givenName, problems, what);
  const familyName = requiredCell(sheet, row, i, c.familyName, problems, what);
  let role = '';
  let orgSourcedIds: string[] = [];
  let rolesOk = true;
  if (inlineRoles) {
    role = readEnum(sheet, row, i, c.role, USER_ROLES, problems, what) ?? '';
    const orgsText = requiredCell(sheet, row, i, c.orgs, problems, what);
    const resolved = orgsText === null ? null : resolveUserOrgs(sheet, i, c.orgs, splitList(orgsText), orgs, problems);
    rolesOk = role !== '' && resolved !== null;
    orgSourcedIds = resolved ?? [];
  }
  if (enabledUser === null || username === null || givenName === null || familyName === null || !rolesOk) return null;
  const userIds = parseUserIds(cell(row, c.userIds.index), (entry) => problems.repeat(MALFORMED_USER_ID, sheet.file, line, c.userIds.name, entry));
  return {
    sourcedId: id, enabledUser, orgSourcedIds, role, username, userIds, givenName, familyName,
    middleName: cell(row, c.middleName.index), preferredGivenName: cell(row, c.preferredGivenName.index),
    preferredFamilyName: cell(row, c.preferredFamilyName.index), identifier: cell(row, c.identifier.index),
    email: cell(row, c.email.index), sms: cell(row, c.sms.index), phone: cell(row, c.phone.index),
    agentSourcedIds: splitList(cell(row, c.agents.index)), grades: splitList(cell(row, c.grades.index)),
    metadata: readMetadata(sheet, row), source: { file: sheet.file, row: line },
  };
}

/** 1.1 orgSourcedIds, interned; tobedeleted orgs are dropped with a warning. null after an error. */
function resolveUserOrgs(sheet: Sheet, i: number, col: BoundColumn, ids: string[], orgs: Registry<OrOrg>, problems: Problems): string[] | null {
  const resolved: string[] = [];
  let ok = true;
  for (const orgId of ids) {
    const org = orgs.get(orgId);
    if (org) {
      resolved.push(org.sourcedId);
      continue;
    }
    const why = orgs.whyMissing(orgId);
    if (why === 'deleted') problems.repeat(USER_ORG_DELETED, sheet.file, rowNumberOf(sheet.table, i), col.name, orgId);
    else {
      if (why === 'missing') danglingReference(sheet, i, col, orgId, orgs.file, problems);
      ok = false;
    }
  }
  return ok ? resolved : null;
}

/** agentSourcedIds point at other users, so they are checked once every user is known. */
function resolveAgents(registry: UserRegistry, sheet: Sheet, col: BoundColumn, problems: Problems): void {
  for (const user of registry.list) {
    if (user.agentSourcedIds.length === 0) continue;
    const kept: string[] = [];
    for (const agentId of user.agentSourcedIds) {
      const agent = registry.get(agentId);
      if (agent) kept.push(agent.sourcedId);
      else if (!registry.broken.has(agentId)) problems.repeat(DANGLING_AGENT, sheet.file, user.source.row, col.name, agentId);
    }
    user.agentSourcedIds = kept;
  }
}

interface RoleRow {
  sourcedId: string;
  primary: boolean;
  role: string;
  orgSourcedId: string;
}

const ROLE_SKIPPED: RepeatedWarning = {
  code: 'oneroster.role-skipped',
  message: (n, example) => `${rows(n, 'refers', 'refer')} to a user or org that is tobedeleted (first: "${example}"); the role is ignored`,
  hint: 'Expected while a user or org is being removed.',
};
const NO_PRIMARY_ROLE: RepeatedWarning = {
  code: 'oneroster.no-primary-role',
  message: (n, example) => `${n === 1 ? '1 user has' : `${n} users have`} no roleType=primary role (first: "${example}"); a secondary role was used`,
  hint: 'Give each user one primary role in roles.csv.',
};
const SEVERAL_PRIMARY_ROLES: RepeatedWarning = {
  code: 'oneroster.several-primary-roles',
  message: (n, example) => `${n === 1 ? '1 user has' : `${n} users have`} primary roles that differ between orgs (first: "${example}"); the one at primaryOrgSourcedId, else the lowest role sourcedId, was used`,
  hint: 'Set primaryOrgSourcedId in users.csv so it is clear which role counts.',
};

/**
 * 1.2 (§1.9): a user's role is its roleType=primary role in roles.csv, its orgs are the orgs of
 * all its roles. Which role wins never depends on row order, so shuffled exports plan alike.
 */
function assignRolesFromRolesFile(users: UserRegistry, sheet: Sheet, orgs: Registry<OrOrg>, problems: Problems): void {
  const rolesByUser = readRoles(sheet, users, orgs, problems);
  if (!sheet.usable || !users.usable) return;
  for (const user of users.list) {
    const roles = rolesByUser.get(user.sourcedId);
    if (!roles) {
      problems.error({
        code: 'oneroster.missing-role', file: user.source.file, line: user.source.row, field: 'role',
        message: `user "${user.sourcedId}" has no role in ${sheet.file}`,
        hint: `Add a row for this user to ${sheet.file} (roleType primary, with the user's school as orgSourcedId).`,
      });
      continue;
    }
    const chosen = choosePrimaryRole(roles, users.primaryOrg.get(user.sourcedId));
    if (!chosen.primary) problems.repeat(NO_PRIMARY_ROLE, users.file, user.source.row, 'role', user.sourcedId);
    else if (roles.some((r) => r.primary && r.role !== chosen.role)) problems.repeat(SEVERAL_PRIMARY_ROLES, users.file, user.source.row, 'role', user.sourcedId);
    user.role = chosen.role;
    user.orgSourcedIds = orgsOfRoles(roles, chosen.orgSourcedId);
  }
}

/** Only reached when checkFileSet accepted a 1.2 export without roles.csv because users.csv kept role and orgSourcedIds. */
function warnRolesTakenFromUsers(file: string, problems: Problems): void {
  problems.warn({
    code: 'oneroster.roles-from-users', file, line: 1, field: 'role',
    message: 'this OneRoster 1.2 export has no roles.csv; role and orgSourcedIds are taken from the 1.1-style columns of users.csv',
    hint: 'OneRoster 1.2 keeps roles in roles.csv: export it, or declare oneroster.version 1.1 if this is a 1.1 export.',
  });
}

function choosePrimaryRole(roles: RoleRow[], primaryOrg: string | undefined): RoleRow {
  const primaries = roles.filter((r) => r.primary);
  const pool = primaries.length > 0 ? primaries : roles;
  const atPrimaryOrg = primaryOrg === undefined ? [] : pool.filter((r) => r.orgSourcedId === primaryOrg);
  const candidates = atPrimaryOrg.length > 0 ? atPrimaryOrg : pool;
  return candidates.reduce((best, r) => (r.sourcedId < best.sourcedId ? r : best));
}

/** The chosen role's org first, then the others in id order (stable whatever the row order). */
function orgsOfRoles(roles: RoleRow[], firstOrg: string): string[] {
  const others = [...new Set(roles.map((r) => r.orgSourcedId))].filter((o) => o !== firstOrg).sort();
  return [firstOrg, ...others];
}

function readRoles(sheet: Sheet, users: UserRegistry, orgs: Registry<OrOrg>, problems: Problems): Map<string, RoleRow[]> {
  const byUser = new Map<string, RoleRow[]>();
  if (!sheet.usable) return byUser;
  const registry = new Registry<{ sourcedId: string }>(sheet.file, true);
  const what = 'role';
  const userCol = columnOf(sheet, 'userSourcedId');
  const typeCol = columnOf(sheet, 'roleType');
  const roleCol = columnOf(sheet, 'role');
  const orgCol = columnOf(sheet, 'orgSourcedId');
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const userId = requiredCell(sheet, row, i, userCol, problems, what);
    const roleType = readEnum(sheet, row, i, typeCol, ROLE_TYPES, problems, what);
    const role = readEnum(sheet, row, i, roleCol, USER_ROLES, problems, what);
    const orgId = requiredCell(sheet, row, i, orgCol, problems, what);
    if (userId === null || roleType === null || role === null || orgId === null) return;
    const user = users.get(userId);
    const org = orgs.get(orgId);
    const userWhy = user ? null : users.whyMissing(userId);
    const orgWhy = org ? null : orgs.whyMissing(orgId);
    if (userWhy === 'missing') danglingReference(sheet, i, userCol, userId, users.file, problems);
    if (orgWhy === 'missing') danglingReference(sheet, i, orgCol, orgId, orgs.file, problems);
    if (!user || !org) {
      if (userWhy === 'deleted' || orgWhy === 'deleted') problems.repeat(ROLE_SKIPPED, sheet.file, rowNumberOf(sheet.table, i), 'status', id);
      return;
    }
    const entry: RoleRow = { sourcedId: id, primary: roleType === 'primary', role, orgSourcedId: org.sourcedId };
    const list = byUser.get(user.sourcedId);
    if (list) list.push(entry);
    else byUser.set(user.sourcedId, [entry]);
  });
  return byUser;
}

// ---------------------------------------------------------------------------------------------
// enrollments.csv: the big one. One loop, indexes bound once, ids interned to their records.

const DUPLICATE_ENROLLMENTS: RepeatedWarning = {
  code: 'oneroster.duplicate-enrollment',
  message: (n, example) => `${rows(n, 'repeats', 'repeat')} an earlier enrollment of the same user in the same class with the same role (first: "${example}"); each group was merged into one enrollment spanning the earliest beginDate to the latest endDate`,
  hint: 'Usually harmless: many SIS export one row per term. Nothing to do unless the dates look wrong.',
};

function readEnrollments(
  sheet: Sheet | null, classes: Registry<OrClass>, users: Registry<OrUser>, orgs: Registry<OrOrg>, problems: Problems,
): OrEnrollment[] {
  if (!sheet || !sheet.usable) return [];
  const registry = new Registry<{ sourcedId: string }>(sheet.file, true);
  const what = 'enrollment';
  const classCol = columnOf(sheet, 'classSourcedId');
  const schoolCol = columnOf(sheet, 'schoolSourcedId');
  const userCol = columnOf(sheet, 'userSourcedId');
  const roleCol = columnOf(sheet, 'role');
  const primaryCol = columnOf(sheet, 'primary');
  const beginCol = columnOf(sheet, 'beginDate');
  const endCol = columnOf(sheet, 'endDate');
  const dates = new DateCells(sheet, problems);
  const classGone = dependsOnDeleted(what, classes.file);
  const userGone = dependsOnDeleted(what, users.file);
  const schoolGone = dependsOnDeleted(what, orgs.file);
  const enrollments: OrEnrollment[] = [];
  // Class and user ordinals per enrollment, for the duplicate merge (numbers, not string keys).
  const classLookup = new RecentLookup(classes);
  const userLookup = new RecentLookup(users);
  const schoolLookup = new RecentLookup(orgs);
  const classOrdinals = new Int32Array(sheet.table.rows.length);
  const userOrdinals = new Int32Array(sheet.table.rows.length);
  const file = sheet.file;

  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const classId = requiredCell(sheet, row, i, classCol, problems, what);
    const schoolId = requiredCell(sheet, row, i, schoolCol, problems, what);
    const userId = requiredCell(sheet, row, i, userCol, problems, what);
    const role = readEnum(sheet, row, i, roleCol, ENROLLMENT_ROLES, problems, what);
    const primary = readBoolean(sheet, row, i, primaryCol, false, problems);
    const beginDate = dates.read(row, i, beginCol, false, what);
    const endDate = dates.read(row, i, endCol, false, what);
    if (classId === null || schoolId === null || userId === null || role === null || primary === null || beginDate === null || endDate === null) {
      dates.dropUnattached();
      return;
    }
    const classOrdinal = classLookup.ordinalOf(classId);
    const userOrdinal = userLookup.ordinalOf(userId);
    const schoolOrdinal = schoolLookup.ordinalOf(schoolId);
    if (classOrdinal === -1 || userOrdinal === -1 || schoolOrdinal === -1) {
      dates.dropUnattached();
      const classWhy = classOrdinal !== -1 ? null : classes.whyMissing(classId);
      const userWhy = userOrdinal !== -1 ? null : users.whyMissing(userId);
      const schoolWhy = schoolOrdinal !== -1 ? null : orgs.whyMissing(schoolId);
      if (classWhy === 'missing') danglingReference(sheet, i, classCol, classId, classes.file, problems);
      if (userWhy === 'missing') danglingReference(sheet, i, userCol, userId, users.file, problems);
      if (schoolWhy === 'missing') danglingReference(sheet, i, schoolCol, schoolId, orgs.file, problems);
      // Report the skip once, against the first reference that is going away.
      const line = rowNumberOf(sheet.table, i);
      if (classWhy === 'deleted') problems.repeat(classGone, file, line, classCol.name, classId);
      else if (userWhy === 'deleted') problems.repeat(userGone, file, line, userCol.name, userId);
      else if (schoolWhy === 'deleted') problems.repeat(schoolGone, file, line, schoolCol.name, schoolId);
      return;
    }
    const enrollment: OrEnrollment = {
      sourcedId: id, classSourcedId: classes.idAt(classOrdinal), schoolSourcedId: orgs.idAt(schoolOrdinal),
      userSourcedId: users.idAt(userOrdinal), role, primary, beginDate, endDate, source: { file, row: rowNumberOf(sheet.table, i) },
    };
    dates.attach(enrollment);
    classOrdinals[enrollments.length] = classOrdinal;
    userOrdinals[enrollments.length] = userOrdinal;
    enrollments.push(enrollment);
  });
  dates.settle(); // before merging: settling can still change beginDate/endDate
  return mergeDuplicateEnrollments(enrollments, classOrdinals, userOrdinals, sheet, problems);
}

/**
 * Real exports emit one row per term for a year-long class. Keep one enrollment per
 * (class, user, role): the row with the earliest beginDate ('' = open start; ties: lowest
 * sourcedId, so row order never matters), widened to the latest endDate ('' = open end), primary
 * if any row says so. It takes the place of the group's first row.
 *
 * Groups are found by sorting row indexes on (user, class) ordinals with two counting sorts:
 * linear, sequential in memory, and no quadratic case when one user sits in thousands of classes.
 */
function mergeDuplicateEnrollments(
  enrollments: OrEnrollment[], classOrdinals: Int32Array, userOrdinals: Int32Array, sheet: Sheet, problems: Problems,
): OrEnrollment[] {
  const n = enrollments.length;
  const classKeys = classOrdinals.subarray(0, n);
  const userKeys = userOrdinals.subarray(0, n);
  const order = stableSortByUserThenClass(classKeys, userKeys);
  const result = enrollments.slice();
  let dropped: Uint8Array | null = null;
  for (let a = 0; a < n; ) {
    const head = order[a]!;
    let b = a + 1;
    while (b < n && userKeys[order[b]!] === userKeys[head] && classKeys[order[b]!] === classKeys[head]) b++;
    if (b - a > 1) dropped = mergeGroup(result, order, a, b, dropped ?? new Uint8Array(n));
    a = b;
  }
  if (dropped === null) return result;
  reportMergedEnrollments(enrollments, dropped, sheet, problems);
  return result.filter((_, k) => dropped[k] === 0);
}

/** Row indexes ordered by user ordinal, then class ordinal, then file order. */
function stableSortByUserThenClass(classKeys: Int32Array, userKeys: Int32Array): Int32Array {
  const byClass = countingSort(identityOrder(classKeys.length), classKeys);
  return countingSort(byClass, userKeys);
}

function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Stable counting sort of `order` by the small non-negative `keys` of its entries. */
function countingSort(order: Int32Array, keys: Int32Array): Int32Array {
  let maxKey = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i]! > maxKey) maxKey = keys[i]!;
  const starts = new Int32Array(maxKey + 2);
  for (let i = 0; i < order.length; i++) starts[keys[order[i]!]! + 1]!++;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const sorted = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    sorted[starts[keys[row]!]!++] = row;
  }
  return sorted;
}

/**
 * One (user, class) run, `order[a..b)` in file order. Rows with the same role merge into the
 * run's first row of that role; later ones are marked dropped. Runs are tiny (one row per term).
 */
function mergeGroup(result: OrEnrollment[], order: Int32Array, a: number, b: number, dropped: Uint8Array): Uint8Array {
  for (let x = a + 1; x < b; x++) {
    const later = order[x]!;
    for (let y = a; y < x; y++) {
      const first = order[y]!;
      if (dropped[first] === 1 || result[first]!.role !== result[later]!.role) continue;
      result[first] = mergedEnrollment(result[first]!, result[later]!);
      dropped[later] = 1;
      break;
    }
  }
  return dropped;
}

function mergedEnrollment(a: OrEnrollment, b: OrEnrollment): OrEnrollment {
  const winner = startsFirst(a, b) ? a : b;
  winner.endDate = laterEnd(a.endDate, b.endDate);
  winner.primary = a.primary || b.primary;
  return winner;
}

function reportMergedEnrollments(enrollments: OrEnrollment[], dropped: Uint8Array, sheet: Sheet, problems: Problems): void {
  let count = 0;
  let first = -1;
  for (let k = 0; k < dropped.length; k++) {
    if (dropped[k] === 0) continue;
    if (first === -1) first = k;
    count++;
  }
  if (count === 0) return; // runs with the same user and class but different roles merge nothing
  const e = enrollments[first]!;
  problems.repeat(DUPLICATE_ENROLLMENTS, sheet.file, e.source.row, 'sourcedId', e.sourcedId, count);
}

function startsFirst(a: OrEnrollment, b: OrEnrollment): boolean {
  if (a.beginDate !== b.beginDate) return a.beginDate < b.beginDate; // '' sorts first: an open start is the earliest
  return a.sourcedId < b.sourcedId;
}

function laterEnd(a: string, b: string): string {
  if (a === '' || b === '') return '';
  return a > b ? a : b;
}
