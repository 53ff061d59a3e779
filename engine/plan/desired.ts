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
export type DesiredEnrollment = EnrollmentRecord & Placed & { course_id: string; section_id: string; user_id: string };

export interface DesiredState {
  accounts: DesiredAccount[];
  terms: DesiredTerm[];
  termOverrides: DesiredTermOverride[];
  courses: DesiredCourse[];
  sections: DesiredSection[];
  users: DesiredUser[];
  enrollments: DesiredEnrollment[];
  /** Things the transform decided not to sync, said once each (e.g. classes with no synced term). */
  notes: string[];
}
