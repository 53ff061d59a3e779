/**
 * Desired enrollments by column. The transform of a large district makes over a million; the
 * planner matches each with Canvas through three small numbers (section, user, role) and needs
 * a record only for the few that become operations. Columns give both without a million records.
 */
import { LazyRecords, type RecordColumns } from '../model/lazy-records.js';
import { Ordinals } from '../util/ordinals.js';
import type { DesiredEnrollment, DesiredState } from './desired.js';

/** Where an enrollment goes: its section and course, and the school and term they belong to. */
export interface Placement {
  readonly course_id: string;
  readonly section_id: string;
  readonly account: string | null;
  readonly term: string | null;
}

export interface DesiredEnrollmentColumns extends RecordColumns<DesiredEnrollment> {
  /** Index into `placements`. */
  readonly placement: Int32Array;
  readonly placements: readonly Placement[];
  /** Index into `userIds` (the desired users, in order). */
  readonly user: Int32Array;
  readonly userIds: readonly string[];
  /** Index into `roles` (Canvas roles) and into `statuses`. */
  readonly role: Int32Array;
  readonly roles: readonly string[];
  readonly status: Uint8Array;
  readonly statuses: readonly string[];
}

const desiredEnrollments = new LazyRecords<DesiredState, DesiredEnrollmentColumns>('enrollments', (desired) => columnsOfRecords(desired.enrollments));

/** Gives a desired state its enrollments as columns: `desired.enrollments` makes the records when first read. */
export function withDesiredEnrollmentColumns(desired: DesiredState, columns: DesiredEnrollmentColumns): void {
  desiredEnrollments.attach(desired, columns);
}

/** A desired state's enrollments as columns: the transform's when records were never made, else coded from the records. */
export function desiredEnrollmentColumnsOf(desired: DesiredState): DesiredEnrollmentColumns {
  return desiredEnrollments.columnsOf(desired);
}

/** Codes records (desired states made by tests: small). */
function columnsOfRecords(records: readonly DesiredEnrollment[]): DesiredEnrollmentColumns {
  const n = records.length;
  const placements: Placement[] = [];
  const placementKeys = new Ordinals();
  const users = new Ordinals();
  const roles = new Ordinals();
  const statuses = new Ordinals();
  const columns: DesiredEnrollmentColumns = {
    count: n, placement: new Int32Array(n), placements, user: new Int32Array(n), userIds: users.values,
    role: new Int32Array(n), roles: roles.values, status: new Uint8Array(n), statuses: statuses.values, record: (i) => records[i]!,
  };
  for (let i = 0; i < n; i++) {
    const d = records[i]!;
    const place = placementKeys.of(JSON.stringify([d.course_id, d.section_id, d.account, d.term]));
    if (place === placements.length) placements.push({ course_id: d.course_id, section_id: d.section_id, account: d.account, term: d.term });
    columns.placement[i] = place;
    columns.user[i] = users.of(d.user_id);
    columns.role[i] = roles.of(d.role);
    columns.status[i] = statuses.of(d.status);
  }
  return columns;
}
