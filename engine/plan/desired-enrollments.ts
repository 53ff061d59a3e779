/**
 * Desired enrollments by column. The transform of a large district makes over a million; the
 * planner matches each with Canvas through three small numbers (section, user, role) and needs
 * a record only for the few that become operations. Columns give both without a million records.
 */
import { LazyRecords, type RecordColumns } from '../model/lazy-records.js';
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

const desiredEnrollments = new LazyRecords<DesiredState, DesiredEnrollmentColumns>('enrollments');

/** Gives a desired state its enrollments as columns: `desired.enrollments` makes the records when first read. */
export function withDesiredEnrollmentColumns(desired: DesiredState, columns: DesiredEnrollmentColumns): void {
  desiredEnrollments.attach(desired, columns);
}

/** A desired state's enrollments as columns: the transform's when records were never made, else coded from the records. */
export function desiredEnrollmentColumnsOf(desired: DesiredState): DesiredEnrollmentColumns {
  return desiredEnrollments.columnsOf(desired) ?? columnsOfRecords(desired.enrollments);
}

/** Codes records (desired states made by tests: small). */
function columnsOfRecords(records: readonly DesiredEnrollment[]): DesiredEnrollmentColumns {
  const n = records.length;
  const coder = <T>(key: (value: T) => string) => {
    const list: T[] = [];
    const at = new Map<string, number>();
    return {
      list,
      of(value: T): number {
        const k = key(value);
        let code = at.get(k);
        if (code === undefined) at.set(k, (code = list.push(value) - 1));
        return code;
      },
    };
  };
  const placements = coder<Placement>((p) => JSON.stringify([p.course_id, p.section_id, p.account, p.term]));
  const users = coder<string>((u) => u);
  const roles = coder<string>((r) => r);
  const statuses = coder<string>((s) => s);
  const columns: DesiredEnrollmentColumns = {
    count: n, placement: new Int32Array(n), placements: placements.list, user: new Int32Array(n), userIds: users.list,
    role: new Int32Array(n), roles: roles.list, status: new Uint8Array(n), statuses: statuses.list, record: (i) => records[i]!,
  };
  for (let i = 0; i < n; i++) {
    const d = records[i]!;
    columns.placement[i] = placements.of({ course_id: d.course_id, section_id: d.section_id, account: d.account, term: d.term });
    columns.user[i] = users.of(d.user_id);
    columns.role[i] = roles.of(d.role);
    columns.status[i] = statuses.of(d.status);
  }
  return columns;
}
