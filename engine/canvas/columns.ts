/**
 * Exact column lists, in order, from canvas-sis.md. One place, so the report reader, the report
 * writer (emulator, generator), the import writer (apply) and the emulator's importer agree.
 */

/** Provisioning report (`provisioning_csv`) columns per entity file, §4.3. */
export const PROVISIONING_COLUMNS = {
  users: ['canvas_user_id', 'user_id', 'integration_id', 'authentication_provider_id', 'login_id', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'email', 'status', 'created_by_sis'],
  accounts: ['canvas_account_id', 'account_id', 'canvas_parent_id', 'parent_account_id', 'name', 'status', 'created_by_sis'],
  terms: ['canvas_term_id', 'term_id', 'name', 'status', 'start_date', 'end_date', 'created_by_sis'],
  courses: ['canvas_course_id', 'course_id', 'integration_id', 'short_name', 'long_name', 'canvas_account_id', 'account_id', 'canvas_term_id', 'term_id', 'status', 'start_date', 'end_date', 'course_format', 'canvas_blueprint_course_id', 'blueprint_course_id', 'created_by_sis'],
  sections: ['canvas_section_id', 'section_id', 'canvas_course_id', 'course_id', 'integration_id', 'name', 'status', 'start_date', 'end_date', 'canvas_account_id', 'account_id', 'created_by_sis'],
  enrollments: ['canvas_course_id', 'course_id', 'canvas_user_id', 'user_id', 'role', 'role_id', 'canvas_section_id', 'section_id', 'status', 'canvas_associated_user_id', 'associated_user_id', 'created_by_sis', 'base_role_type', 'limit_section_privileges', 'canvas_enrollment_id'],
} as const;

/**
 * rosterops extension, not a Canvas report file: term date overrides per enrollment type, which
 * provisioning reports do not export (§4.3 "Term date overrides ... are not exported"). The live
 * client reads them from the Enrollment Terms API (`include[]=overrides`); offline snapshots may
 * carry this file. When it is absent the planner treats overrides as unknown.
 */
export const TERM_OVERRIDE_COLUMNS = ['canvas_term_id', 'term_id', 'date_override_enrollment_type', 'start_date', 'end_date'] as const;
export const TERM_OVERRIDES_FILE = 'term_overrides.csv';

/** SIS import (`instructure_csv`) columns that rosterops writes, in the order of Canvas's docs, §2. */
export const IMPORT_COLUMNS = {
  accounts: ['account_id', 'parent_account_id', 'name', 'status'],
  terms: ['term_id', 'name', 'status', 'start_date', 'end_date', 'date_override_enrollment_type'],
  courses: ['course_id', 'integration_id', 'short_name', 'long_name', 'account_id', 'term_id', 'status', 'start_date', 'end_date'],
  sections: ['section_id', 'course_id', 'integration_id', 'name', 'status', 'start_date', 'end_date'],
  users: ['user_id', 'integration_id', 'login_id', 'authentication_provider_id', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'email', 'status'],
  logins: ['user_id', 'integration_id', 'login_id', 'existing_user_id', 'existing_integration_id', 'existing_canvas_user_id', 'authentication_provider_id', 'email'],
  enrollments: ['course_id', 'section_id', 'user_id', 'role', 'status', 'start_date', 'end_date'],
  change_sis_id: ['old_id', 'new_id', 'old_integration_id', 'new_integration_id', 'type'],
} as const;

export type ProvisioningEntity = keyof typeof PROVISIONING_COLUMNS;
export type ImportFile = keyof typeof IMPORT_COLUMNS;
