/**
 * The desired Canvas state: what the SIS says Canvas should hold, already in Canvas's shape
 * (import-column names), each record carrying where it came from so an operation can explain itself.
 */
import type {
  AccountRecord, CourseRecord, EnrollmentRecord, SectionRecord, TermOverrideRecord, TermRecord, UserRecord,
} from '../model/canvas.js';

/** `users.csv:17`-style pointer into the SIS export (or `policies/terms.yaml:4` for policy-made rows). */
export type Origin = string;

export interface Placed {
  origin: Origin;
  /** School (account SIS id) the record belongs to; null for district-wide records. */
  account: string | null;
  /** Canvas term SIS id the record belongs to, when it has one. */
  term: string | null;
}

export type DesiredAccount = AccountRecord & Placed;
export type DesiredTerm = TermRecord & Placed;
export type DesiredTermOverride = TermOverrideRecord & Placed;
export type DesiredCourse = CourseRecord & Placed;
export type DesiredSection = SectionRecord & Placed;
export type DesiredUser = UserRecord & Placed & { user_id: string; role: string };
/**
 * A desired enrollment keeps where it came from as file + row rather than an `origin` string: a
 * large district has a million enrollments and only the few that become operations need the text
 * (`enrollmentOrigin`). Plain fields, so the records are plain object literals: a class with
 * private fields and an `origin` getter cost more to build and to collect (measured on a million
 * records kept alive: 357 ms + 295 ms of garbage collection, against 231 ms + 92 ms for literals).
 */
export type DesiredEnrollment = EnrollmentRecord & Omit<Placed, 'origin'> & {
  course_id: string; section_id: string; user_id: string;
  /** The file the record came from (`enrollments.csv`) and its row there. */
  originFile: string;
  originRow: number;
};

/** `enrollments.csv:17`: where a desired enrollment came from. */
export function enrollmentOrigin(d: DesiredEnrollment): Origin {
  return `${d.originFile}:${d.originRow}`;
}

export interface DesiredState {
  accounts: DesiredAccount[];
  terms: DesiredTerm[];
  termOverrides: DesiredTermOverride[];
  courses: DesiredCourse[];
  sections: DesiredSection[];
  users: DesiredUser[];
  /** From the transform, columns that make these records on first read (desired-enrollments.ts). */
  enrollments: DesiredEnrollment[];
  /** Things the transform decided not to sync, said once each (e.g. classes with no synced term). */
  notes: string[];
}
