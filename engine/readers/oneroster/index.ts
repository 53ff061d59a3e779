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
 * they point at, and dates parsed once per distinct value. Enrollments are read once per
 * distinct value and kept as columns (`OrEnrollmentColumns`): `SisSnapshot.enrollments` makes
 * the records only when something reads it.
 *
 * This module holds the entry point and the order of the steps only; each step lives in a module
 * of its own beside it.
 */
import type { SisSnapshot } from '../../model/oneroster.js';
import { withOrEnrollmentColumns } from '../../model/oneroster-enrollments.js';
import { readAcademicSessions } from './academic-sessions.js';
import { readClasses } from './classes.js';
import {
  bindSheet, CLASS_COLUMNS, COURSE_COLUMNS, ENROLLMENT_COLUMNS, ORG_COLUMNS, ROLE_COLUMNS, SESSION_COLUMNS, userColumns, type ColumnSpec,
} from './columns.js';
import { readCourses } from './courses.js';
import { readEnrollments } from './enrollments.js';
import { checkFileSet } from './file-set.js';
import { digestOf, fileNameOf, openPackage, type DataFile, type RosterPackage } from './files.js';
import { decideVersion, readManifest } from './manifest.js';
import { readOrgs } from './orgs.js';
import { Problems } from './problems.js';
import { assignRolesFromRolesFile, warnRolesTakenFromUsers } from './roles.js';
import type { Sheet } from './sheet.js';
import type { InputLimits } from '../../util/limits.js';
import type { TakenTable } from '../../util/parse-thread.js';
import { parseDataTable, parseDataTables, takeDataTable } from './tables.js';
import { readUsers } from './users.js';

export interface ReadOneRosterOptions {
  /**
   * Prefix for file names in messages and `source.file` (`<label>:users.csv`). Default: the zip's
   * file name for a zip, no prefix for a folder.
   */
  label?: string;
  /**
   * Read enrollments.csv cell by cell instead of once per distinct value. Same result, slower:
   * for the test that compares the two.
   */
  cellByCell?: boolean;
  /**
   * The export already listed, with enrollments.csv being parsed on the parse thread (see
   * readers/background-parse.ts): it is taken up when the reader gets to it, and its problems are
   * reported where they would have been.
   */
  listed?: { pkg: RosterPackage; enrollments: (() => TakenTable) | null };
  /** Caps on the files read (util/limits.ts); the defaults when absent. */
  limits?: InputLimits;
}

export async function readOneRoster(path: string, options: ReadOneRosterOptions = {}): Promise<SisSnapshot> {
  const pkg = options.listed?.pkg ?? openPackage(path, options.label, options.limits);
  const problems = new Problems();
  const manifest = readManifest(pkg, problems);
  const early = options.listed?.enrollments ?? null;
  const tables = parseDataTables(pkg, problems, new Set(early ? ['enrollments'] : []));
  const enrollmentsSlot = problems.slot(); // enrollments.csv is the last file parsed above
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
  // Read while the parse thread parsed enrollments.csv, the last and largest file; its table is needed from here.
  if (early) await takeDataTable(pkg, 'enrollments', early(), tables, problems, enrollmentsSlot);
  const enrollments = readEnrollments(sheetOf('enrollments', ENROLLMENT_COLUMNS), classes, users, orgs, problems, options.cellByCell ?? false);

  problems.throwIfErrors();
  const digest = digestOf(pkg.loaded); // each file was hashed as it was read
  const snapshot: SisSnapshot = {
    version,
    origin: path,
    orgs: orgs.records(),
    academicSessions: sessions.records(),
    courses: courses.records(),
    classes: classes.records(),
    users: users.records(),
    enrollments: [],
    warnings: problems.finishWarnings(),
    digest,
  };
  withOrEnrollmentColumns(snapshot, enrollments);
  return snapshot;
}
