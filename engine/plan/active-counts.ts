/**
 * How many users the SIS wants with access, against how many Canvas gives access to, for the
 * shrink check. A user the export disables is in the export but not "present": an export with
 * every user disabled is as empty as one with no users.
 *
 * Enrollments are not counted this way on purpose: a semester's end legitimately ends half of them
 * by date, and the shrink check's verdict is `blocked` (no approval can lift it). Enrollments ended
 * early are counted by the drop limits and protected sets instead (engine/plan/access-effects.ts),
 * which ask for approval.
 */
import type { CanvasState } from '../model/canvas.js';
import type { DesiredState } from './desired.js';

export interface ActiveCount {
  /** Desired users whose status is `active`. */
  desired: number;
  /** SIS-managed Canvas logins whose status is `active`. */
  canvas: number;
}

export interface ActiveCounts {
  users: ActiveCount;
}

export function activeCounts(desired: DesiredState, actual: CanvasState): ActiveCounts {
  let desiredUsers = 0;
  for (const u of desired.users) if (u.status === 'active') desiredUsers++;
  let canvasUsers = 0;
  for (const u of actual.users) if (u.user_id && u.created_by_sis && u.status === 'active') canvasUsers++;
  return { users: { desired: desiredUsers, canvas: canvasUsers } };
}
