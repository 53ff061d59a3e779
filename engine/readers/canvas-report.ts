/**
 * Reads a Canvas `provisioning_csv` report (canvas-sis.md §4.1–4.3) into a `CanvasState`: what
 * Canvas holds now. Accepts the report as Canvas delivers it (a `.zip` of entity files, or a single
 * `.csv` when one entity was selected) or unpacked into a directory.
 *
 * The enrollments file can hold over a million rows, so files are parsed column-wise
 * (util/csv.ts parseCsvColumns: interned, dictionary-encoded, no array per row) and converted in
 * one loop each, with column indexes looked up once, statuses and booleans read once per distinct
 * value, and no per-row allocation beyond the record itself. Enrollments stay columns (records are
 * made on demand: model/enrollment-columns.ts).
 */
import { readdirSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { PROVISIONING_COLUMNS, TERM_OVERRIDE_COLUMNS, TERM_OVERRIDES_FILE, type ProvisioningEntity } from '../canvas/columns.js';
import { AUTH_PROVIDER_COLUMNS, AUTH_PROVIDERS_FILE, hasProviderIds, withProviderTypes, type AuthProvider } from '../canvas/auth-providers.js';
import { DataError, fromDiagnostics, type Diagnostic, type Location } from '../errors.js';
import { ENROLLMENT_TYPES } from '../model/canvas.js';
import type {
  AccountRecord, CanvasState, Cell, CourseRecord, EnrollmentRecord, EnrollmentType, SectionRecord, TermOverrideRecord, TermRecord, UserRecord,
} from '../model/canvas.js';
import { BY_HAND, BY_SIS, withEnrollmentColumns, type CodedColumn, type EnrollmentColumns } from '../model/enrollment-columns.js';
import { cellText, rowNumberOf, type CsvColumn, type CsvColumns } from '../util/csv.js';
import { toUtcInstant } from '../util/dates.js';
import { earlierRowsOfRepeatedIds, earlierRowsOfRepeats } from '../util/repeats.js';
import { openLazyZip } from '../util/lazy-zip.js';
import { checkedFileSize, fileDigestOf, parseCsvBytesColumns, parseCsvFileColumns, readZipFile, type ParsedFile } from '../util/csv-file.js';
import { DEFAULT_LIMITS, type InputLimits } from '../util/limits.js';
import { describeKind, examinePath } from '../util/regular-file.js';
import { digestOfFiles, type FileDigest } from '../util/digest.js';
import type { ParseJob } from '../util/parse-job.js';
import type { TakenTable } from '../util/parse-thread.js';

/**
 * The six Canvas entity files plus the rosterops extensions `term_overrides.csv` and
 * `authentication_providers.csv` (what a live read gets from other APIs; canvas/columns.ts,
 * canvas/auth-providers.ts).
 */
type ReportEntity = ProvisioningEntity | 'term_overrides' | 'authentication_providers';
type Extension = Exclude<ReportEntity, ProvisioningEntity>;
const isExtension = (entity: ReportEntity): entity is Extension => entity === 'term_overrides' || entity === 'authentication_providers';

const REPORT_ENTITIES: readonly ReportEntity[] = ['users', 'accounts', 'terms', 'courses', 'sections', 'enrollments', 'term_overrides', 'authentication_providers'];

/** Columns without which a file cannot be matched against an import (the task's identifying columns). */
const REQUIRED_COLUMNS: Readonly<Record<ReportEntity, readonly string[]>> = {
  users: ['canvas_user_id', 'user_id', 'login_id', 'status'],
  accounts: ['account_id', 'canvas_account_id', 'status'],
  terms: ['term_id', 'status'],
  courses: ['course_id', 'canvas_course_id', 'status'],
  sections: ['section_id', 'canvas_section_id', 'course_id', 'status'],
  enrollments: ['course_id', 'section_id', 'user_id', 'role', 'status', 'canvas_user_id'],
  term_overrides: ['term_id', 'date_override_enrollment_type'],
  authentication_providers: [...AUTH_PROVIDER_COLUMNS],
};

/**
 * sis_export_csv headers (§4.3), used only to recognise which entity a file holds, so that a
 * sis_export file gets the "not a provisioning report" error instead of being ignored.
 */
const SIS_EXPORT_COLUMNS: Readonly<Record<ProvisioningEntity, readonly string[]>> = {
  users: ['user_id', 'integration_id', 'authentication_provider_id', 'login_id', 'password', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'email', 'status'],
  accounts: ['account_id', 'parent_account_id', 'name', 'status'],
  terms: ['term_id', 'name', 'status', 'start_date', 'end_date'],
  courses: ['course_id', 'integration_id', 'short_name', 'long_name', 'account_id', 'term_id', 'status', 'start_date', 'end_date', 'course_format', 'blueprint_course_id'],
  sections: ['section_id', 'course_id', 'integration_id', 'name', 'status', 'start_date', 'end_date'],
  enrollments: ['course_id', 'user_id', 'role', 'role_id', 'section_id', 'status', 'associated_user_id', 'limit_section_privileges'],
};

/** Every column a file of that entity may have, in either report shape. */
const KNOWN_COLUMNS: Readonly<Record<ReportEntity, ReadonlySet<string>>> = {
  users: new Set([...PROVISIONING_COLUMNS.users, ...SIS_EXPORT_COLUMNS.users]),
  accounts: new Set([...PROVISIONING_COLUMNS.accounts, ...SIS_EXPORT_COLUMNS.accounts]),
  terms: new Set([...PROVISIONING_COLUMNS.terms, ...SIS_EXPORT_COLUMNS.terms]),
  courses: new Set([...PROVISIONING_COLUMNS.courses, ...SIS_EXPORT_COLUMNS.courses]),
  sections: new Set([...PROVISIONING_COLUMNS.sections, ...SIS_EXPORT_COLUMNS.sections]),
  enrollments: new Set([...PROVISIONING_COLUMNS.enrollments, ...SIS_EXPORT_COLUMNS.enrollments]),
  term_overrides: new Set(TERM_OVERRIDE_COLUMNS),
  authentication_providers: new Set(AUTH_PROVIDER_COLUMNS),
};

/** Other entity files a Canvas report may contain; rosterops does not use them, so they are skipped quietly. */
const UNUSED_CANVAS_FILES = new Set(['groups.csv', 'group_membership.csv', 'group_categories.csv', 'xlist.csv', 'user_observers.csv', 'admins.csv']);

/**
 * The statuses each file can hold, in either report shape (canvas-sis.md §4.3: provisioning writes
 * `concluded` where sis_export writes `completed`; `invited` stands for creation_pending too).
 */
const KNOWN_STATUSES: Readonly<Record<ProvisioningEntity, ReadonlySet<string>>> = {
  users: new Set(['active', 'suspended', 'deleted']),
  accounts: new Set(['active', 'deleted']),
  terms: new Set(['active', 'deleted']),
  courses: new Set(['unpublished', 'active', 'concluded', 'completed', 'deleted']),
  sections: new Set(['active', 'deleted']),
  enrollments: new Set(['active', 'invited', 'concluded', 'completed', 'inactive', 'deleted', 'rejected']),
};

/** Enough located problems to fix a file in one pass without flooding the terminal. */
const MAX_ERRORS = 100;

const RUN_PROVISIONING_HINT =
  'run the Provisioning report in Canvas (Admin > Settings > Reports > Provisioning, or POST /api/v1/accounts/:account_id/reports/provisioning_csv)';

export async function readCanvasReport(path: string, limits: InputLimits = DEFAULT_LIMITS): Promise<CanvasState> {
  return stateOf(loadSourceFiles(path, limits), path);
}

/**
 * The report at `path`, listed so that its files can be parsed on the parse thread
 * (util/parse-thread.ts). `jobs` is null when they cannot be: a path that is no report (whose
 * error `readHere` raises, as `readCanvasReport` would) or a report with a file only in memory.
 * A caller keeps one of the two readers: each holds only what it needs (the listing holds a
 * zip's bytes, which a report parsed elsewhere must not keep alive).
 */
export interface ListedCanvasReport {
  jobs: (ParseJob & { size: number })[] | null;
  /** The state, every file parsed here. */
  readHere(): Promise<CanvasState>;
  /** The state, each file's table taken from `parsed` (in `jobs` order). */
  readParsed(parsed: readonly TakenTable[]): Promise<CanvasState>;
}

export function listCanvasReport(path: string, limits: InputLimits = DEFAULT_LIMITS): ListedCanvasReport {
  let loaded: { sources: SourceFile[]; singleCsv: boolean };
  try {
    loaded = loadSourceFiles(path, limits);
  } catch {
    return { jobs: null, readHere: () => readCanvasReport(path, limits), readParsed: () => readCanvasReport(path, limits) };
  }
  const wanted = loaded.sources.filter((s) => !UNUSED_CANVAS_FILES.has(s.name.toLowerCase()));
  const jobs = wanted.flatMap((s) => (s.job ? [s.job] : []));
  return {
    jobs: jobs.length === wanted.length ? jobs : null,
    readHere: readerOf(loaded, path),
    readParsed: parsedReaderOf(wanted.map(({ name, display, job }) => ({ name, display, job })), loaded.singleCsv, path),
  };
}

// Each reader is made in a function of its own: closures made side by side share what they keep.
function readerOf(loaded: { sources: SourceFile[]; singleCsv: boolean }, path: string): () => Promise<CanvasState> {
  return async () => stateOf(loaded, path);
}

function parsedReaderOf(listed: Omit<SourceFile, 'parse'>[], singleCsv: boolean, path: string): ListedCanvasReport['readParsed'] {
  return async (parsed) => {
    const settled = await Promise.all(parsed);
    // Handed over in the listing's order; a file's error is raised when its turn comes, as it would be here.
    const sources = listed.map((s, i): SourceFile => {
      const r = settled[i]!;
      return { ...s, parse: () => { if ('error' in r) throw r.error; return r.parsed; } };
    });
    return stateOf({ sources, singleCsv }, path);
  };
}

/**
 * A report already in memory, as the Reports API delivers it (`fileName` says whether it is the
 * usual .zip or a single entity's .csv); `origin` names it in messages.
 */
export function readCanvasReportBytes(bytes: Uint8Array, fileName: string, origin: string, limits: InputLimits = DEFAULT_LIMITS): CanvasState {
  const loaded = fileName.toLowerCase().endsWith('.csv')
    ? { sources: [{ name: fileName, display: origin, parse: () => parseCsvBytesColumns(bytes, origin, { keep: KEPT_COLUMNS, limits }), job: null }], singleCsv: true }
    : { sources: loadZip(origin, bytes, null, limits), singleCsv: false };
  return stateOf(loaded, origin, true);
}

function stateOf({ sources, singleCsv }: { sources: SourceFile[]; singleCsv: boolean }, path: string, inMemory = false): CanvasState {
  const problems = new Problems();
  const files = identifyFiles(sources, problems, singleCsv);
  const digest = digestOfFiles([...files.values()].map((f) => f.digest));
  const state: CanvasState = {
    origin: path, accounts: [], terms: [], termOverrides: null, courses: [], sections: [], users: [], enrollments: [], warnings: [], digest: '',
  };
  for (const entity of REPORT_ENTITIES) {
    const file = files.get(entity);
    if (!file) {
      // A missing extension file is the normal case: Canvas does not export overrides or providers.
      if (!isExtension(entity)) problems.warn(missingFileWarning(entity, path));
      continue;
    }
    for (const d of file.table.diagnostics) problems.add(d);
    convertFile(file, state, problems);
    files.delete(entity); // its table is no longer needed: let it go before the next file's records are built
  }
  // A report read live gets the provider list from the API (canvas/live-state.ts), not from a file.
  if (!inMemory && !state.authProviders && hasProviderIds(state.users)) problems.warn(providerIdsWarning(path));
  if (problems.errors.length > 0) throw fromDiagnostics(DataError, problems.errors);
  state.warnings = problems.warnings;
  state.digest = digest;
  // Provider ids as types, exactly as a live read of the same Canvas gives them.
  return withProviderTypes(state);
}

/** A report written by Canvas names providers by id; without the list a policy's `saml` cannot be matched to `2`. */
function providerIdsWarning(path: string): Omit<Diagnostic, 'severity'> {
  return {
    code: 'canvas-report.provider-ids', file: path, field: 'authentication_provider_id',
    message: `users.csv names login providers by id and the snapshot has no ${AUTH_PROVIDERS_FILE}: ids are compared with the policies' provider names as they are`,
    hint: `Add ${AUTH_PROVIDERS_FILE} (columns ${AUTH_PROVIDER_COLUMNS.join(', ')}: GET /api/v1/accounts/self/authentication_providers) to the snapshot, or plan live with --canvas-url.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Problems: errors are collected across files (so one run reports them all), then thrown together.

class Problems {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  error(code: string, message: string, location: Location, hint?: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ severity: 'error', code, message, hint, ...location });
  }

  warn(d: Omit<Diagnostic, 'severity'>): void {
    this.warnings.push({ severity: 'warning', ...d });
  }

  add(d: Diagnostic): void {
    if (d.severity === 'error') this.error(d.code, d.message, d, d.hint);
    else this.warnings.push(d);
  }
}

function missingFileWarning(entity: ProvisioningEntity, path: string): Omit<Diagnostic, 'severity'> {
  return {
    code: 'canvas-report.missing-file', file: path,
    message: `the report has no ${entity}.csv; Canvas ${entity} are taken to be none`,
    hint: `Tick "${entity}" when running the provisioning report, or the plan will treat every ${entity.replace(/s$/, '')} as absent from Canvas.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Input: a directory, a zip (entries at its root or inside one folder) or one CSV file.

interface SourceFile {
  /** Name of the file itself, used to tell which entity it is. */
  name: string;
  /** Where the file is, for messages: a path, or `<zip>/<entry>`. */
  display: string;
  /** Reads and parses the file when its turn comes (a file on disk is read piece by piece). */
  parse(): ParsedFile<CsvColumns>;
  /** The same parse, described for the parse thread (null for a report in memory); `size` in bytes, compressed in a zip. */
  job: (ParseJob & { size: number }) | null;
}

function loadSourceFiles(path: string, limits: InputLimits): { sources: SourceFile[]; singleCsv: boolean } {
  const info = examinePath(path);
  if (info.kind === 'directory') return { sources: loadDirectory(path, limits), singleCsv: false };
  if (info.kind !== 'file') {
    throw new DataError(info.kind === 'missing' ? 'canvas-report.not-found' : 'canvas-report.not-a-file', `cannot read the Canvas report ${path}: it is ${describeKind(info.kind)}`, { file: path },
      'Pass the provisioning report as downloaded (.zip or .csv) or a directory holding its CSV files.');
  }
  const lower = path.toLowerCase();
  if (lower.endsWith('.zip')) return { sources: loadZip(path, readZipFile(path, path, limits), path, limits), singleCsv: false };
  if (lower.endsWith('.csv')) return { sources: [fileSource(basename(path), path, checkedFileSize(path, path, limits), limits)], singleCsv: true };
  throw new DataError('canvas-report.unknown-input', `${path} is not a directory, a .zip or a .csv file`, { file: path },
    'Pass the provisioning report as downloaded (.zip or .csv) or a directory holding its CSV files.');
}

function loadDirectory(dir: string, limits: InputLimits): SourceFile[] {
  // Sorted, so warnings come out in the same order on every file system.
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: SourceFile[] = [];
  for (const entry of entries) {
    if (!isReportCandidate(entry.name) || UNUSED_CANVAS_FILES.has(entry.name.toLowerCase())) continue;
    // Any other *.csv is read, so a FIFO, a device, a broken link or a folder by that name is refused
    // here, before anything opens it (skipping it would plan as if Canvas had none of that entity).
    const path = join(dir, entry.name);
    files.push(fileSource(entry.name, path, checkedFileSize(path, path, limits), limits));
  }
  return files;
}

/**
 * canvas_enrollment_id: a million different ids at 200,000 students, read only for the few
 * enrollments a plan changes, so kept as bytes (util/kept-values.ts).
 */
const KEPT_COLUMNS = ['canvas_enrollment_id'];

function fileSource(name: string, path: string, size: number, limits: InputLimits): SourceFile {
  return { name, display: path, parse: () => parseCsvFileColumns(path, path, { keep: KEPT_COLUMNS, limits }), job: { path, label: path, size, keep: KEPT_COLUMNS, limits } };
}

/**
 * The zip's CSV entries; each is inflated when its turn comes (the listing inflates nothing).
 * `onDisk` is the zip's path when it has one (the parse thread reads it from there).
 */
function loadZip(path: string, bytes: Uint8Array, onDisk: string | null, limits: InputLimits): SourceFile[] {
  const badZip = { code: 'canvas-report.bad-zip', message: `${path} is not a readable zip`, hint: 'Download the report again; the archive looks truncated or corrupt.' };
  const zip = openLazyZip(bytes, (err) => new DataError(badZip.code, `${badZip.message}: ${err.message}`, { file: path }, badZip.hint, { cause: err }), { label: path, limits });
  const names = zip.entries.filter(isZipCandidate).sort();
  const folders = new Set(names.map((n) => posix.dirname(n)));
  if (folders.size > 1) {
    throw new DataError('canvas-report.zip-layout', `${path} holds CSV files in several folders (${[...folders].join(', ')})`, { file: path },
      'Zip the report files at the root of the archive or inside a single folder.');
  }
  return names.map((n) => {
    const display = `${path}/${n}`;
    const job = onDisk === null ? null : { path: onDisk, entry: n, label: display, badZip, size: bytes.byteLength / names.length, keep: KEPT_COLUMNS, limits };
    return { name: posix.basename(n), display, parse: () => parseCsvBytesColumns(zip.read(n), display, { keep: KEPT_COLUMNS, limits }), job };
  });
}

function isZipCandidate(entryName: string): boolean {
  if (entryName.endsWith('/')) return false;
  const parts = entryName.split('/');
  // macOS archivers add __MACOSX/ resource forks and ._ files; they are never report data.
  if (parts.some((p) => p === '__MACOSX' || p.startsWith('.'))) return false;
  return isReportCandidate(parts[parts.length - 1]!);
}

function isReportCandidate(fileName: string): boolean {
  return !fileName.startsWith('.') && fileName.toLowerCase().endsWith('.csv');
}

// ---------------------------------------------------------------------------------------------
// Which entity a file holds: its name says so, and its header must agree.

interface ReportFile {
  entity: ReportEntity;
  display: string;
  digest: FileDigest;
  table: CsvColumns;
}

function canonicalName(entity: ReportEntity): string {
  return entity === 'term_overrides' ? TERM_OVERRIDES_FILE : entity === 'authentication_providers' ? AUTH_PROVIDERS_FILE : `${entity}.csv`;
}

function entityNamed(fileName: string): ReportEntity | null {
  const lower = fileName.toLowerCase();
  return REPORT_ENTITIES.find((e) => canonicalName(e) === lower) ?? null;
}

/** Reads, parses and hashes the files one by one. */
function identifyFiles(sources: SourceFile[], problems: Problems, singleCsv: boolean): Map<ReportEntity, ReportFile> {
  const found = new Map<ReportEntity, ReportFile>();
  for (const source of sources) {
    if (UNUSED_CANVAS_FILES.has(source.name.toLowerCase())) continue;
    const parsed = source.parse();
    const table = parsed.table;
    const entity = entityOf(source, table, singleCsv, problems);
    if (entity === null) continue;
    const earlier = found.get(entity);
    if (earlier) {
      throw new DataError('canvas-report.duplicate-file', `${source.display} and ${earlier.display} both hold ${entity}`, { file: source.display },
        `Keep one ${canonicalName(entity)} per report.`);
    }
    // Named canonically (`users.csv`), so the digest does not depend on how the download was named.
    found.set(entity, { entity, display: source.display, digest: fileDigestOf(canonicalName(entity), parsed), table });
  }
  return found;
}

function entityOf(source: SourceFile, table: CsvColumns, singleCsv: boolean, problems: Problems): ReportEntity | null {
  const header = new Set(table.header.map((h) => h.toLowerCase()));
  const named = entityNamed(source.name);
  const best = bestHeaderMatch(header);
  if (named !== null) {
    if (best === null) return ignoreUnrecognised(source, problems, `its header matches no Canvas report file, not even ${source.name}`);
    if (best.entity !== named && best.score > headerScore(named, header)) {
      throw new DataError('canvas-report.file-mismatch', `${source.display} is named ${source.name} but its header is that of ${canonicalName(best.entity)}`,
        { file: source.display, line: 1 }, 'Rename the file to match its content, or use the report files as Canvas wrote them.');
    }
    return named;
  }
  // A single-entity report downloads as `provisioning_csv_<date>_<id>.csv`: only the header tells.
  if (best !== null && best.score >= 0.5) return best.entity;
  if (singleCsv) {
    throw new DataError('canvas-report.unrecognised', `${source.display}: its header matches no provisioning report file`, { file: source.display, line: 1 },
      `Pass a provisioning_csv report: ${RUN_PROVISIONING_HINT}.`);
  }
  return ignoreUnrecognised(source, problems, 'its header matches no Canvas report file');
}

function ignoreUnrecognised(source: SourceFile, problems: Problems, why: string): null {
  problems.warn({ code: 'canvas-report.unrecognised-file', file: source.display, line: 1, message: `${source.name} is ignored: ${why}`,
    hint: 'Remove the file from the report folder, or restore its original header.' });
  return null;
}

/** The entity whose columns the header covers best, among those it shares an identifying column with. */
function bestHeaderMatch(header: ReadonlySet<string>): { entity: ReportEntity; score: number } | null {
  let best: { entity: ReportEntity; score: number } | null = null;
  for (const entity of REPORT_ENTITIES) {
    const score = headerScore(entity, header);
    if (score > 0 && (best === null || score > best.score)) best = { entity, score };
  }
  return best;
}

/** Share of the entity's known columns present; 0 unless an identifying (non-status) column is there. */
function headerScore(entity: ReportEntity, header: ReadonlySet<string>): number {
  const identifying = REQUIRED_COLUMNS[entity].some((c) => c !== 'status' && header.has(c));
  if (!identifying) return 0;
  const known = KNOWN_COLUMNS[entity];
  let present = 0;
  for (const c of known) if (header.has(c)) present++;
  return present / known.size;
}

// ---------------------------------------------------------------------------------------------
// Cells of one file: column indexes resolved once, values read with their location at hand.

const TRUE_FALSE: Readonly<Record<string, boolean>> = { true: true, false: false };
const BOOL_FALSE = 0;
const BOOL_TRUE = 1;
const BOOL_EMPTY = 2;

/** Text of row r in a column read directly; empty (or an absent column) is null. */
function textOf(column: CsvColumn | null, r: number): Cell {
  if (column === null) return null;
  const code = column.codes[r]!;
  return code === 0 ? null : cellText(column, code);
}

/** Codes of a column's values that are not whole numbers (code 0, the empty cell, is left to the column's own rules). */
function nonNumericCodes(column: CsvColumn): Set<number> {
  const bad = new Set<number>();
  const kept = column.kept;
  if (kept) {
    for (let code = 1; code < kept.count; code++) {
      const start = kept.ends[code - 1]!;
      const end = kept.ends[code]!;
      for (let k = start; k < end; k++) {
        const b = kept.bytes[k]!;
        if (b < 0x30 || b > 0x39) {
          bad.add(code);
          break;
        }
      }
    }
    return bad;
  }
  const values = column.values;
  for (let code = 1; code < values.length; code++) if (!/^\d+$/.test(values[code]!)) bad.add(code);
  return bad;
}

class FileCells {
  private readonly indexByName = new Map<string, number>();
  private readonly columns: CsvColumn[];
  /** Per column, the normalised status of each distinct value (a column holds a handful). */
  private readonly statuses = new Map<number, (string | undefined)[]>();
  /** Per column, the boolean each distinct value reads as (BOOL_*; absent: not read yet or not a boolean). */
  private readonly bools = new Map<number, number[]>();

  constructor(readonly file: ReportFile, private readonly problems: Problems) {
    const header = file.table.header;
    this.columns = file.table.columns;
    for (let i = header.length - 1; i >= 0; i--) this.indexByName.set(header[i]!.toLowerCase(), i); // first one wins
  }

  get table(): CsvColumns {
    return this.file.table;
  }

  /** The cell of row r in column i (a present column). */
  private value(r: number, i: number): string {
    const column = this.columns[i]!;
    return cellText(column, column.codes[r]!);
  }

  /** Column index, or -1 when the file does not have it. */
  index(column: string): number {
    return this.indexByName.get(column) ?? -1;
  }

  has(column: string): boolean {
    return this.indexByName.has(column);
  }

  /** Reports every required column that is missing; true when all are there. */
  checkRequired(entity: ReportEntity): boolean {
    const missing = REQUIRED_COLUMNS[entity].filter((c) => !this.has(c));
    for (const column of missing) {
      this.problems.error('canvas-report.missing-column', `${this.file.display} has no ${column} column`,
        { file: this.file.display, line: 1, field: column }, this.missingColumnHint(entity, column));
    }
    return missing.length === 0;
  }

  private missingColumnHint(entity: ReportEntity, column: string): string {
    const name = canonicalName(entity);
    if (entity === 'term_overrides') return `${name} needs the columns ${TERM_OVERRIDE_COLUMNS.join(', ')}.`;
    if (entity === 'authentication_providers') return `${name} needs the columns ${AUTH_PROVIDER_COLUMNS.join(', ')}.`;
    const sisExport = !this.file.table.header.some((h) => h.toLowerCase().startsWith('canvas_'));
    const shape = sisExport
      ? 'this looks like a sis_export_csv report, which has no Canvas ids and no created_by_sis'
      : `this does not look like a provisioning_csv report (it has no ${column})`;
    return `${shape}; ${RUN_PROVISIONING_HINT}, or use the report's ${name} unmodified.`;
  }

  /** Text of a cell; empty (or an absent column) is null. */
  text(r: number, i: number): Cell {
    if (i < 0) return null;
    const v = this.value(r, i);
    return v === '' ? null : v;
  }

  /** A cell that must not be empty (login_id, role, status...); reports it and returns '' if it is. */
  required(rowIndex: number, i: number): string {
    const v = this.value(rowIndex, i);
    if (v === '') this.problems.error('canvas-report.empty-value', `${this.columnName(i)} is empty`, this.at(rowIndex, i), 'Canvas always fills this column; use the report file unmodified.');
    return v;
  }

  status(rowIndex: number, i: number): string {
    const column = this.columns[i]!;
    const code = column.codes[rowIndex]!;
    if (code === 0) return this.required(rowIndex, i); // reports the empty cell
    let byCode = this.statuses.get(i);
    if (!byCode) this.statuses.set(i, (byCode = []));
    let status = byCode[code];
    if (status === undefined) {
      status = byCode[code] = column.values[code]!.trim().toLowerCase();
      this.checkStatus(status, rowIndex, i); // once per distinct value, at its first row
    }
    return status;
  }

  /** An unknown status is reported at the first row holding it. */
  checkStatus(status: string, rowIndex: number, i: number): void {
    const entity = this.file.entity;
    if (isExtension(entity) || status === '' || KNOWN_STATUSES[entity].has(status)) return;
    this.problems.error('canvas-report.unknown-status', `${this.columnName(i)} ${JSON.stringify(status)} is not a status Canvas writes in ${canonicalName(entity)} (${[...KNOWN_STATUSES[entity]].join(', ')})`,
      this.at(rowIndex, i), 'The report file has been edited, or comes from another tool; use the report as Canvas wrote it.');
  }

  /**
   * Every Canvas id column (canvas_user_id, canvas_course_id, …) holds whole numbers: Canvas ids
   * are integers, and a plan addresses records by them. Checked per distinct value; a bad one is
   * reported at its first row.
   */
  checkCanvasIds(): void {
    const header = this.file.table.header;
    for (let i = 0; i < header.length; i++) {
      const name = header[i]!.toLowerCase();
      if (!/^canvas_[a-z_]*id$/.test(name)) continue;
      const column = this.columns[i]!;
      const bad = nonNumericCodes(column);
      if (bad.size === 0) continue;
      for (let r = 0; r < column.codes.length && r < this.file.table.rowCount; r++) {
        if (!bad.has(column.codes[r]!)) continue;
        this.problems.error('canvas-report.bad-canvas-id', `${name} must be a Canvas id (a whole number), not ${JSON.stringify(cellText(column, column.codes[r]!))}`, this.at(r, i),
          'Canvas ids are whole numbers; the report file has been edited or damaged. Use the report as Canvas wrote it.');
        break;
      }
    }
  }

  date(rowIndex: number, i: number): Cell {
    if (i < 0) return null;
    const v = this.value(rowIndex, i);
    if (v === '') return null;
    const instant = toUtcInstant(v);
    if (instant === null) {
      this.problems.error('canvas-report.bad-date', `${this.columnName(i)} is not a date: ${JSON.stringify(v)}`, this.at(rowIndex, i),
        'Canvas writes ISO 8601 dates such as 2024-01-15T00:00:00-06:00; use the report file unmodified.');
    }
    return instant;
  }

  /** A present column's cells, for converters that read them directly (see textOf). */
  column(i: number): CsvColumn | null {
    return i < 0 ? null : this.columns[i]!;
  }

  /** true/false (any case); empty or an absent column is undefined. Remembered per distinct value (errors are still reported per row). */
  bool(rowIndex: number, i: number): boolean | undefined {
    if (i < 0) return undefined;
    const code = this.columns[i]!.codes[rowIndex]!;
    let byCode = this.bools.get(i);
    if (!byCode) this.bools.set(i, (byCode = []));
    const known = byCode[code];
    if (known === BOOL_TRUE) return true;
    if (known === BOOL_FALSE) return false;
    if (known === BOOL_EMPTY) return undefined;
    const b = this.parseBool(rowIndex, i);
    if (known === undefined && (b !== undefined || code === 0)) byCode[code] = b === true ? BOOL_TRUE : b === false ? BOOL_FALSE : BOOL_EMPTY;
    return b;
  }

  private parseBool(rowIndex: number, i: number): boolean | undefined {
    const v = this.value(rowIndex, i);
    if (v === 'true') return true; // the case Canvas writes, checked before normalising
    if (v === 'false') return false;
    if (v === '') return undefined;
    const b = TRUE_FALSE[v.trim().toLowerCase()];
    if (b === undefined) {
      this.problems.error('canvas-report.bad-boolean', `${this.columnName(i)} must be true or false, not ${JSON.stringify(v)}`, this.at(rowIndex, i));
    }
    return b;
  }

  /**
   * created_by_sis, or, where the report does not say (sis_export_csv has no such column), whether
   * the row carries a SIS id: sis_export lists only SIS objects, so that is the best available guess.
   */
  createdBySis(rowIndex: number, i: number, hasSisId: boolean): boolean {
    return this.bool(rowIndex, i) ?? hasSisId;
  }

  /** Warns once when the file lacks created_by_sis. */
  checkCreatedBySis(): number {
    const i = this.index('created_by_sis');
    if (i < 0) {
      this.problems.warn({
        code: 'canvas-report.no-created-by-sis', file: this.file.display, line: 1, field: 'created_by_sis',
        message: `${this.file.display} has no created_by_sis column; every row with a SIS id is taken as created by SIS`,
        hint: `sis_export_csv files lack created_by_sis (and Canvas ids); for exact values ${RUN_PROVISIONING_HINT}.`,
      });
    }
    return i;
  }

  at(rowIndex: number, i: number): Location {
    return { file: this.file.display, line: rowNumberOf(this.file.table, rowIndex), column: i + 1, field: this.columnName(i) };
  }

  lineOf(rowIndex: number): number {
    return rowNumberOf(this.file.table, rowIndex);
  }

  columnName(i: number): string {
    return this.file.table.header[i]!.toLowerCase();
  }
}

/** Finds a key seen on an earlier row of the same file, reporting both rows. */
class UniqueKeys {
  private readonly firstRow = new Map<string, number>();

  constructor(private readonly cells: FileCells, private readonly problems: Problems, private readonly what: string) {}

  check(key: string, label: string, rowIndex: number, column: number): void {
    const line = this.cells.lineOf(rowIndex);
    const earlier = this.firstRow.get(key);
    if (earlier === undefined) {
      this.firstRow.set(key, line);
      return;
    }
    reportRepeatedId(this.cells, this.problems, label, earlier, rowIndex, column, this.what);
  }
}

function reportRepeatedId(cells: FileCells, problems: Problems, label: string, earlierLine: number, rowIndex: number, column: number, what: string): void {
  problems.error('canvas-report.duplicate-id', `${label} appears on rows ${earlierLine} and ${cells.lineOf(rowIndex)}${what}`, cells.at(rowIndex, column),
    'A SIS id is unique in a Canvas root account; the report file has been edited or concatenated. Use the report as Canvas wrote it.');
}

/**
 * What UniqueKeys finds, for the SIS ids of a large file (a login per user): for each row that
 * repeats an earlier row's id, that row (else -1); null when none does. Found by sorting hashes
 * (util/repeats.ts) rather than by filling a Map with every id.
 */
function repeatedIds(cells: FileCells, index: number): Int32Array | null {
  const column = cells.column(index)!;
  return earlierRowsOfRepeatedIds(Array.from(column.codes, (code) => cellText(column, code)));
}

// ---------------------------------------------------------------------------------------------
// One converter per entity: explicit object literals keep records uniformly shaped and fast.

function convertFile(file: ReportFile, state: CanvasState, problems: Problems): void {
  const cells = new FileCells(file, problems);
  if (!cells.checkRequired(file.entity)) return;
  cells.checkCanvasIds();
  switch (file.entity) {
    case 'users': state.users = readUsers(cells, problems); break;
    case 'accounts': state.accounts = readAccounts(cells, problems); break;
    case 'terms': state.terms = readTerms(cells, problems); break;
    case 'courses': state.courses = readCourses(cells, problems); break;
    case 'sections': state.sections = readSections(cells, problems); break;
    case 'enrollments': withEnrollmentColumns(state, readEnrollments(cells)); break;
    case 'term_overrides': state.termOverrides = readTermOverrides(cells, problems); break;
    case 'authentication_providers': state.authProviders = readAuthProviders(cells, problems); break;
  }
}

function readUsers(cells: FileCells, problems: Problems): UserRecord[] {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.users);
  const createdBySis = cells.checkCreatedBySis();
  const count = cells.table.rowCount;
  const out: UserRecord[] = new Array(count);
  // One Canvas user may have several logins (rows); only a login's SIS id must be unique.
  const repeated = repeatedIds(cells, c.user_id);
  checkLoginsOfOneUser(cells, problems, c);
  for (let r = 0; r < count; r++) {
    const userId = cells.text(r, c.user_id);
    if (repeated !== null && repeated[r] !== -1) {
      reportRepeatedId(cells, problems, `user_id ${JSON.stringify(userId)}`, cells.lineOf(repeated[r]!), r, c.user_id, ' (two logins with the same SIS id)');
    }
    out[r] = {
      user_id: userId,
      integration_id: cells.text(r, c.integration_id),
      login_id: cells.required(r, c.login_id),
      authentication_provider_id: cells.text(r, c.authentication_provider_id),
      first_name: cells.text(r, c.first_name),
      last_name: cells.text(r, c.last_name),
      full_name: cells.text(r, c.full_name),
      sortable_name: cells.text(r, c.sortable_name),
      short_name: cells.text(r, c.short_name),
      email: cells.text(r, c.email),
      status: cells.status(r, c.status),
      canvas_user_id: cells.text(r, c.canvas_user_id),
      created_by_sis: cells.createdBySis(r, createdBySis, userId !== null),
    };
  }
  return out;
}

/**
 * users.csv lists one row per login, so a user with two logins has two rows with one
 * canvas_user_id (DESIGN.md "Planner semantics"). Such rows share what belongs to the user, not
 * the login: the names (first_name and last_name are split from sortable_name, canvas-sis.md §4.3).
 * (The e-mail is the user's first channel too, but a report can show it on one login's row only,
 * so it is not compared.) Two rows of one canvas_user_id whose names differ
 * are two different people under one id, and the same login (login_id, ignoring case, under the
 * same authentication provider) on two rows is one login listed twice: either way the file has
 * been edited or concatenated, and the plan would match people wrongly.
 */
const USER_LEVEL_COLUMNS = ['full_name', 'sortable_name', 'short_name', 'first_name', 'last_name'] as const;

function checkLoginsOfOneUser(cells: FileCells, problems: Problems, c: Record<(typeof PROVISIONING_COLUMNS.users)[number], number>): void {
  const count = cells.table.rowCount;
  const canvasId = cells.column(c.canvas_user_id)!;
  if (!canvasId.kept) {
    const codes = canvasId.codes;
    const earlier = earlierRowsOfRepeats(Uint32Array.from(codes.subarray(0, count)), (r) => codes[r] === 0, (a, b) => codes[a] === codes[b]);
    for (let r = 0; earlier !== null && r < count; r++) {
      const first = earlier[r]!;
      if (first === -1) continue;
      const differing = USER_LEVEL_COLUMNS.find((name) => c[name] >= 0 && cells.text(first, c[name]) !== cells.text(r, c[name]));
      if (differing === undefined) continue;
      problems.error('canvas-report.conflicting-user', `canvas_user_id ${cellText(canvasId, codes[r]!)} is on rows ${cells.lineOf(first)} and ${cells.lineOf(r)} with different ${differing}: one Canvas user's logins share their names`,
        cells.at(r, c.canvas_user_id), 'The report file has been edited or two reports were joined; use the report as Canvas wrote it.');
    }
  }
  const login = cells.column(c.login_id)!;
  if (login.kept) return;
  // Codes of equal logins ignoring case, made equal: one lower-casing per distinct login.
  const canonical = new Map<string, number>();
  const sameLogin = login.values.map((v, code) => {
    const key = v.toLowerCase();
    const known = canonical.get(key);
    if (known !== undefined) return known;
    canonical.set(key, code);
    return code;
  });
  const provider = cells.column(c.authentication_provider_id);
  const keys = Uint32Array.from(login.codes.subarray(0, count), (code) => sameLogin[code]!);
  const earlierLogin = earlierRowsOfRepeats(keys, (r) => keys[r] === 0, (a, b) => keys[a] === keys[b] && (provider === null || textOf(provider, a) === textOf(provider, b)));
  for (let r = 0; earlierLogin !== null && r < count; r++) {
    const first = earlierLogin[r]!;
    if (first === -1) continue;
    problems.error('canvas-report.duplicate-login', `login_id on row ${cells.lineOf(r)} repeats the login of row ${cells.lineOf(first)} (same login, ignoring case, same authentication provider)`,
      cells.at(r, c.login_id), 'A login is unique in a Canvas root account; the report file has been edited or concatenated. Use the report as Canvas wrote it.');
  }
}

/**
 * Accounts, terms, courses and sections are keyed by SIS id. Rows without one (made by hand: every
 * Canvas has a Default Term) are left out, since no import can address them; a repeated id is an
 * error naming both rows.
 */
function readKeyed<T>(cells: FileCells, problems: Problems, idColumn: string, idIndex: number, build: (r: number, id: string) => T): T[] {
  const out: T[] = [];
  const sisIds = new UniqueKeys(cells, problems, '');
  const count = cells.table.rowCount;
  for (let r = 0; r < count; r++) {
    const id = cells.text(r, idIndex);
    if (id === null) continue;
    sisIds.check(id, `${idColumn} ${JSON.stringify(id)}`, r, idIndex);
    out.push(build(r, id));
  }
  return out;
}

function readAccounts(cells: FileCells, problems: Problems): AccountRecord[] {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.accounts);
  const createdBySis = cells.checkCreatedBySis();
  return readKeyed(cells, problems, 'account_id', c.account_id, (r, id): AccountRecord => ({
    account_id: id,
    parent_account_id: cells.text(r, c.parent_account_id),
    name: cells.text(r, c.name),
    status: cells.status(r, c.status),
    canvas_account_id: cells.text(r, c.canvas_account_id),
    canvas_parent_id: cells.text(r, c.canvas_parent_id),
    created_by_sis: cells.createdBySis(r, createdBySis, true),
  }));
}

function readTerms(cells: FileCells, problems: Problems): TermRecord[] {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.terms);
  const createdBySis = cells.checkCreatedBySis();
  return readKeyed(cells, problems, 'term_id', c.term_id, (r, id): TermRecord => ({
    term_id: id,
    name: cells.text(r, c.name),
    status: cells.status(r, c.status),
    start_date: cells.date(r, c.start_date),
    end_date: cells.date(r, c.end_date),
    canvas_term_id: cells.text(r, c.canvas_term_id),
    created_by_sis: cells.createdBySis(r, createdBySis, true),
  }));
}

function readCourses(cells: FileCells, problems: Problems): CourseRecord[] {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.courses);
  const createdBySis = cells.checkCreatedBySis();
  return readKeyed(cells, problems, 'course_id', c.course_id, (r, id): CourseRecord => ({
    course_id: id,
    integration_id: cells.text(r, c.integration_id),
    short_name: cells.text(r, c.short_name),
    long_name: cells.text(r, c.long_name),
    account_id: cells.text(r, c.account_id),
    term_id: cells.text(r, c.term_id),
    status: cells.status(r, c.status),
    start_date: cells.date(r, c.start_date),
    end_date: cells.date(r, c.end_date),
    canvas_course_id: cells.text(r, c.canvas_course_id),
    canvas_account_id: cells.text(r, c.canvas_account_id),
    canvas_term_id: cells.text(r, c.canvas_term_id),
    created_by_sis: cells.createdBySis(r, createdBySis, true),
  }));
}

function readSections(cells: FileCells, problems: Problems): SectionRecord[] {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.sections);
  const createdBySis = cells.checkCreatedBySis();
  return readKeyed(cells, problems, 'section_id', c.section_id, (r, id): SectionRecord => ({
    section_id: id,
    course_id: cells.text(r, c.course_id),
    integration_id: cells.text(r, c.integration_id),
    name: cells.text(r, c.name),
    status: cells.status(r, c.status),
    start_date: cells.date(r, c.start_date),
    end_date: cells.date(r, c.end_date),
    canvas_section_id: cells.text(r, c.canvas_section_id),
    canvas_course_id: cells.text(r, c.canvas_course_id),
    canvas_account_id: cells.text(r, c.canvas_account_id),
    account_id: cells.text(r, c.account_id),
    created_by_sis: cells.createdBySis(r, createdBySis, true),
  }));
}

/**
 * A million rows in a large district: they stay columns (see model/enrollment-columns.ts). Every
 * row is still checked here, so a bad cell is reported whether or not its record is ever made.
 */
function readEnrollments(cells: FileCells): EnrollmentColumns {
  const c = indexesOf(cells, PROVISIONING_COLUMNS.enrollments);
  const createdBySisColumn = cells.checkCreatedBySis();
  const count = cells.table.rowCount;
  const course = cells.column(c.course_id)!;
  const section = cells.column(c.section_id)!;
  const user = cells.column(c.user_id)!;
  const role = cells.column(c.role)!;
  const status = cells.column(c.status)!;
  const canvasCourse = cells.column(c.canvas_course_id);
  const canvasUser = cells.column(c.canvas_user_id)!;
  const canvasSection = cells.column(c.canvas_section_id);
  const canvasEnrollment = cells.column(c.canvas_enrollment_id);
  const roleId = cells.column(c.role_id);
  const baseRoleType = cells.column(c.base_role_type);
  const limitsSection = new Uint8Array(count);
  const createdBySis = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    if (role.codes[r] === 0) cells.required(r, c.role);
    if (status.codes[r] === 0) cells.required(r, c.status);
    const limits = cells.bool(r, c.limit_section_privileges);
    limitsSection[r] = limits === undefined ? BOOL_EMPTY : limits ? BOOL_TRUE : BOOL_FALSE;
    // An enrollment has no SIS id of its own: it is SIS-addressable through its user and course/section.
    const addressable = user.codes[r] !== 0 && (course.codes[r] !== 0 || section.codes[r] !== 0);
    createdBySis[r] = cells.createdBySis(r, createdBySisColumn, addressable) ? BY_SIS : BY_HAND;
  }
  const statuses: CodedColumn = { codes: status.codes, values: status.values.map((v) => v.trim().toLowerCase()) };
  checkStatusesOfColumn(cells, statuses, c.status);
  return {
    count, course_id: course, section_id: section, user_id: user, canvas_user_id: canvasUser, role, status: statuses, createdBySis,
    record: (r): EnrollmentRecord => {
      const limits = limitsSection[r]!;
      return {
        course_id: textOf(course, r),
        section_id: textOf(section, r),
        user_id: textOf(user, r),
        role: role.values[role.codes[r]!]!,
        status: statuses.values[status.codes[r]!]!,
        canvas_course_id: textOf(canvasCourse, r),
        canvas_user_id: textOf(canvasUser, r),
        canvas_section_id: textOf(canvasSection, r),
        canvas_enrollment_id: textOf(canvasEnrollment, r),
        role_id: textOf(roleId, r),
        base_role_type: textOf(baseRoleType, r),
        limit_section_privileges: limits === BOOL_EMPTY ? undefined : limits === BOOL_TRUE,
        created_by_sis: createdBySis[r] === BY_SIS,
      };
    },
  };
}

/** Unknown statuses of a column read by code, each reported at its first row. */
function checkStatusesOfColumn(cells: FileCells, statuses: CodedColumn, i: number): void {
  const unknown = new Set<number>();
  for (let code = 1; code < statuses.values.length; code++) unknown.add(code);
  for (let r = 0; r < cells.table.rowCount && unknown.size > 0; r++) {
    const code = statuses.codes[r]!;
    if (!unknown.delete(code)) continue;
    cells.checkStatus(statuses.values[code]!, r, i);
  }
}

function readTermOverrides(cells: FileCells, problems: Problems): TermOverrideRecord[] {
  const c = indexesOf(cells, TERM_OVERRIDE_COLUMNS);
  const count = cells.table.rowCount;
  const out: TermOverrideRecord[] = new Array(count);
  const keys = new UniqueKeys(cells, problems, '');
  for (let r = 0; r < count; r++) {
    const termId = cells.required(r, c.term_id);
    const type = enrollmentType(cells, problems, r, c.date_override_enrollment_type);
    keys.check(`${termId}\u0000${type}`, `the ${type} override of term_id ${JSON.stringify(termId)}`, r, c.date_override_enrollment_type);
    out[r] = { term_id: termId, date_override_enrollment_type: type, start_date: cells.date(r, c.start_date), end_date: cells.date(r, c.end_date) };
  }
  return out;
}

function readAuthProviders(cells: FileCells, problems: Problems): AuthProvider[] {
  const c = indexesOf(cells, AUTH_PROVIDER_COLUMNS);
  const count = cells.table.rowCount;
  const out: AuthProvider[] = new Array(count);
  const keys = new UniqueKeys(cells, problems, '');
  for (let r = 0; r < count; r++) {
    const id = cells.required(r, c.id);
    if (id !== '' && !/^\d+$/.test(id)) {
      problems.error('canvas-report.bad-provider-id', `id must be a Canvas id (a whole number), not ${JSON.stringify(id)}`, cells.at(r, c.id),
        `${AUTH_PROVIDERS_FILE} lists the account's providers as the Authentication Providers API gives them: id, auth_type.`);
    }
    keys.check(id, `provider id ${JSON.stringify(id)}`, r, c.id);
    out[r] = { id, auth_type: cells.required(r, c.auth_type).toLowerCase() };
  }
  return out;
}

function enrollmentType(cells: FileCells, problems: Problems, r: number, i: number): EnrollmentType {
  const v = cells.required(r, i);
  if (v !== '' && !(ENROLLMENT_TYPES as readonly string[]).includes(v)) {
    problems.error('canvas-report.bad-enrollment-type', `date_override_enrollment_type must be one of ${ENROLLMENT_TYPES.join(', ')}, not ${JSON.stringify(v)}`, cells.at(r, i));
  }
  return v as EnrollmentType;
}

/** Column name → index (-1 when absent), looked up once per file. */
function indexesOf<const C extends readonly string[]>(cells: FileCells, columns: C): Record<C[number], number> {
  const out = {} as Record<C[number], number>;
  for (const column of columns) out[column as C[number]] = cells.index(column);
  return out;
}

// ---------------------------------------------------------------------------------------------


