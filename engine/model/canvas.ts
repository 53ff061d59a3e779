/**
 * Canvas-shaped records, keyed by SIS id. Field names are the Canvas SIS CSV column names, so the
 * same record type describes a row of a provisioning report (actual state, with canvas ids and
 * created_by_sis) and a row of an SIS import (desired state). `null` means "empty cell".
 * Reference: canvas-sis.md §2 (import columns) and §4.3 (provisioning report columns).
 */

export type Cell = string | null;

export type EntityName = 'accounts' | 'terms' | 'courses' | 'sections' | 'users' | 'enrollments';
export const ENTITY_ORDER: readonly EntityName[] = ['accounts', 'terms', 'courses', 'sections', 'users', 'enrollments'];

export type EnrollmentType = 'StudentEnrollment' | 'TeacherEnrollment' | 'TaEnrollment' | 'DesignerEnrollment';
export const ENROLLMENT_TYPES: readonly EnrollmentType[] = ['StudentEnrollment', 'TeacherEnrollment', 'TaEnrollment', 'DesignerEnrollment'];

export interface AccountRecord {
  account_id: string;
  parent_account_id: Cell;
  name: Cell;
  /** active | deleted */
  status: string;
  canvas_account_id?: Cell;
  canvas_parent_id?: Cell;
  created_by_sis?: boolean;
}

export interface TermRecord {
  term_id: string;
  name: Cell;
  /** active | deleted */
  status: string;
  /** ISO 8601 instant, normalised to UTC `YYYY-MM-DDTHH:MM:SSZ` */
  start_date: Cell;
  end_date: Cell;
  canvas_term_id?: Cell;
  created_by_sis?: boolean;
}

/** A per-enrollment-type date override of a term (terms.csv `date_override_enrollment_type` row). */
export interface TermOverrideRecord {
  term_id: string;
  date_override_enrollment_type: EnrollmentType;
  start_date: Cell;
  end_date: Cell;
}

export interface CourseRecord {
  course_id: string;
  integration_id: Cell;
  short_name: Cell;
  long_name: Cell;
  account_id: Cell;
  term_id: Cell;
  /** desired: active | completed | deleted ; actual (report): unpublished | active | concluded | deleted */
  status: string;
  start_date: Cell;
  end_date: Cell;
  canvas_course_id?: Cell;
  canvas_account_id?: Cell;
  canvas_term_id?: Cell;
  created_by_sis?: boolean;
}

export interface SectionRecord {
  section_id: string;
  course_id: Cell;
  integration_id: Cell;
  name: Cell;
  /** active | deleted */
  status: string;
  start_date: Cell;
  end_date: Cell;
  canvas_section_id?: Cell;
  canvas_course_id?: Cell;
  canvas_account_id?: Cell;
  account_id?: Cell;
  created_by_sis?: boolean;
}

/** One login (pseudonym). The provisioning report has one row per login, not per user. */
export interface UserRecord {
  /** SIS id of the login; null for a login created by hand. */
  user_id: Cell;
  integration_id: Cell;
  login_id: string;
  authentication_provider_id: Cell;
  first_name: Cell;
  last_name: Cell;
  full_name: Cell;
  sortable_name: Cell;
  short_name: Cell;
  email: Cell;
  /** active | suspended | deleted */
  status: string;
  canvas_user_id?: Cell;
  created_by_sis?: boolean;
}

export interface EnrollmentRecord {
  course_id: Cell;
  section_id: Cell;
  user_id: Cell;
  /** student | teacher | ta | observer | designer | custom role name */
  role: string;
  /** desired: active | completed | inactive | deleted ; actual (report): active | invited | concluded | inactive | deleted | rejected */
  status: string;
  canvas_course_id?: Cell;
  canvas_user_id?: Cell;
  canvas_section_id?: Cell;
  canvas_enrollment_id?: Cell;
  role_id?: Cell;
  base_role_type?: Cell;
  limit_section_privileges?: boolean;
  created_by_sis?: boolean;
}

/** What Canvas holds now, as read from a provisioning report (live or files). */
export interface CanvasState {
  origin: string;
  accounts: AccountRecord[];
  terms: TermRecord[];
  /** null when the source cannot tell (provisioning reports do not export overrides). */
  termOverrides: TermOverrideRecord[] | null;
  courses: CourseRecord[];
  sections: SectionRecord[];
  users: UserRecord[];
  /** From a report, columns that make these records on first read (model/enrollment-columns.ts). */
  enrollments: EnrollmentRecord[];
  /**
   * The account's login providers, when known (live: Authentication Providers API). Reports give a
   * login's provider as its numeric id while policies usually name the type (`saml`): with this list
   * the planner compares the two. Absent for offline snapshots.
   */
  authProviders?: { id: string; auth_type: string }[];
  warnings: import('../errors.js').Diagnostic[];
  /** sha256 over the files read, in name order (hex). */
  digest: string;
}
