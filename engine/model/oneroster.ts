/**
 * The SIS side after reading: OneRoster 1.1 (and the 1.2 shape, roles folded back into users)
 * normalised into plain records. Every record remembers the file and row it came from, so a
 * plan operation or an error can point back at the source.
 */

export interface SourceRow {
  /** File name as seen by the user, e.g. `users.csv` (or `export.zip:users.csv`). */
  file: string;
  /** 1-based row number counting the header as row 1 (first data row = 2). */
  row: number;
}

/** Extra `metadata.*` columns, without the `metadata.` prefix. */
export type Metadata = Record<string, string>;

export interface OrOrg {
  sourcedId: string;
  name: string;
  /** district, school, department, local, state, national (as given, lower-cased). */
  type: string;
  identifier: string;
  parentSourcedId: string;
  metadata: Metadata;
  source: SourceRow;
}

export interface OrAcademicSession {
  sourcedId: string;
  title: string;
  /** gradingPeriod, semester, schoolYear, term (as given, first letter lower-cased). */
  type: string;
  /** YYYY-MM-DD */
  startDate: string;
  /** YYYY-MM-DD (OneRoster says exclusive; policies decide how to read it). */
  endDate: string;
  parentSourcedId: string;
  schoolYear: string;
  metadata: Metadata;
  source: SourceRow;
}

export interface OrCourse {
  sourcedId: string;
  title: string;
  courseCode: string;
  schoolYearSourcedId: string;
  orgSourcedId: string;
  grades: string[];
  subjects: string[];
  metadata: Metadata;
  source: SourceRow;
}

export interface OrClass {
  sourcedId: string;
  title: string;
  courseSourcedId: string;
  classCode: string;
  /** homeroom | scheduled (lower-cased). */
  classType: string;
  location: string;
  schoolSourcedId: string;
  termSourcedIds: string[];
  grades: string[];
  subjects: string[];
  periods: string[];
  metadata: Metadata;
  source: SourceRow;
}

export interface OrUserId {
  type: string;
  identifier: string;
}

export interface OrUser {
  sourcedId: string;
  enabledUser: boolean;
  orgSourcedIds: string[];
  /** student, teacher, aide, administrator, guardian, parent, proctor, relative (lower-cased). */
  role: string;
  username: string;
  userIds: OrUserId[];
  givenName: string;
  familyName: string;
  middleName: string;
  preferredGivenName: string;
  preferredFamilyName: string;
  identifier: string;
  email: string;
  sms: string;
  phone: string;
  agentSourcedIds: string[];
  grades: string[];
  metadata: Metadata;
  source: SourceRow;
}

export interface OrEnrollment {
  sourcedId: string;
  classSourcedId: string;
  schoolSourcedId: string;
  userSourcedId: string;
  /** student, teacher, administrator, proctor, aide (lower-cased). */
  role: string;
  primary: boolean;
  /** YYYY-MM-DD or '' */
  beginDate: string;
  /** YYYY-MM-DD or '' */
  endDate: string;
  /**
   * Where the row is (the `SourceRow` of the other records, as two fields): enrollments.csv has a
   * million rows in a large district, and an object per row for its position was 40 MB.
   */
  sourceFile: string;
  sourceRow: number;
}

/**
 * enrollments.csv by column: a large district has over a million rows, and the transform reads
 * five fields of each. Classes, users and schools are given by their position in the snapshot's
 * `classes`, `users` and `orgs` (-1: not there), so the transform finds them without a lookup.
 * `SisSnapshot.enrollments` makes the records on first read (engine/model/lazy-records.ts).
 */
export interface OrEnrollmentColumns {
  readonly count: number;
  readonly classIndex: Int32Array;
  readonly userIndex: Int32Array;
  /** Index into `roles` of each row's role. */
  readonly roleCode: Int32Array;
  readonly roles: readonly string[];
  /** 1 for a primary teacher. */
  readonly primary: Uint8Array;
  /** YYYY-MM-DD or '' */
  readonly beginDate: readonly string[];
  readonly endDate: readonly string[];
  sourceFile(i: number): string;
  readonly sourceRow: Int32Array;
  record(i: number): OrEnrollment;
}

export interface SisSnapshot {
  /** `1.1` or `1.2`, from manifest.csv. */
  version: string;
  /** Where the snapshot was read from (path as given). */
  origin: string;
  orgs: OrOrg[];
  academicSessions: OrAcademicSession[];
  courses: OrCourse[];
  classes: OrClass[];
  users: OrUser[];
  /** From the reader, columns that make these records on first read (OrEnrollmentColumns). */
  enrollments: OrEnrollment[];
  /** Non-fatal problems met while reading (tolerated deviations, skipped tobedeleted rows...). */
  warnings: import('../errors.js').Diagnostic[];
  /** sha256 over the files read, in name order (hex). */
  digest: string;
}
