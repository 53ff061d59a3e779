/**
 * How many people the SIS wants with access, against how many Canvas gives access to, for the
 * shrink check. A user the export disables or an enrollment whose end date has passed is in the
 * export but not "present": an export with every user disabled is as empty as one with no users.
 * Linear, over columns for enrollments.
 */
import type { CanvasState } from '../model/canvas.js';
import { BY_SIS, enrollmentColumnsOf } from '../model/enrollment-columns.js';
import type { DesiredState } from './desired.js';
import type { DesiredEnrollmentColumns } from './desired-enrollments.js';

export interface ActiveCount {
  /** Desired objects that give access (users `active`, enrollments `active`). */
  desired: number;
  /** SIS-managed Canvas objects that give access today. */
  canvas: number;
}

export interface ActiveCounts {
  users: ActiveCount;
  enrollments: ActiveCount;
}

/** Report statuses in which an enrollment gives access. */
const ENROLLMENT_ACCESS = new Set(['active', 'invited', 'creation_pending']);

export function activeCounts(desired: DesiredState, desiredEnrollments: DesiredEnrollmentColumns, actual: CanvasState): ActiveCounts {
  let desiredUsers = 0;
  for (const u of desired.users) if (u.status === 'active') desiredUsers++;
  let canvasUsers = 0;
  for (const u of actual.users) if (u.user_id && u.created_by_sis && u.status === 'active') canvasUsers++;

  const activeCode = desiredEnrollments.statuses.indexOf('active');
  let desiredEnrolled = 0;
  for (let i = 0; i < desiredEnrollments.count; i++) if (desiredEnrollments.status[i] === activeCode) desiredEnrolled++;
  const columns = enrollmentColumnsOf(actual);
  const giving = columns.status.values.map((s) => ENROLLMENT_ACCESS.has(s));
  let canvasEnrolled = 0;
  for (let i = 0; i < columns.count; i++) if (columns.createdBySis[i] === BY_SIS && giving[columns.status.codes[i]!]) canvasEnrolled++;
  return { users: { desired: desiredUsers, canvas: canvasUsers }, enrollments: { desired: desiredEnrolled, canvas: canvasEnrolled } };
}
