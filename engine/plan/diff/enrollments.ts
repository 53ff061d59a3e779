/**
 * Enrollments have no SIS id: identity is section + user + role (reference §2.7). The hot path of
 * large districts, so it works on string keys and plain loops only.
 */
import type { CanvasState, EnrollmentRecord } from '../../model/canvas.js';
import type { Config } from '../../policy/types.js';
import type { DesiredEnrollment } from '../desired.js';
import { importRow, operation, reasons, type PlanBuilder } from './common.js';
import type { StructureScope } from './structure.js';
import type { UserResolution } from './users.js';

/** Report status → the import status that means the same state. */
const REPORT_TO_IMPORT: Record<string, string> = {
  active: 'active', invited: 'invited', concluded: 'completed', completed: 'completed', inactive: 'inactive', deleted: 'deleted', rejected: 'rejected',
};

const DROP_STATUS = { conclude: 'completed', inactivate: 'inactive', delete: 'deleted' } as const;

function enrollmentRow(e: { course_id: string | null; section_id: string | null; user_id: string | null; role: string }, status: string) {
  return importRow('enrollments', { course_id: e.course_id, section_id: e.section_id, user_id: e.user_id, role: e.role, status });
}

export function diffEnrollments(
  desired: DesiredEnrollment[], actual: CanvasState, config: Config, plan: PlanBuilder, users: UserResolution, scope: StructureScope,
): void {
  const rule = config.rules.enrollments;
  const ownsStatus = rule.owns.includes('status');
  const existing = new Map<string, EnrollmentRecord>();
  const keyOfActual = (a: EnrollmentRecord): string | null => {
    const user = a.user_id || (a.canvas_user_id ? users.sisIdOfCanvasUser.get(a.canvas_user_id) : undefined);
    const section = a.section_id;
    return user && section ? `${section}|${user}|${a.role}` : null;
  };
  for (const a of actual.enrollments) {
    const key = keyOfActual(a);
    if (key === null) continue;
    const held = existing.get(key);
    // The same identity reported twice (deleted + active re-enrolment): the live one counts.
    if (!held || held.status === 'deleted') existing.set(key, a);
  }
  const wanted = new Set<string>();
  for (const d of desired) {
    const key = `${d.section_id}|${d.user_id}|${d.role}`;
    wanted.add(key);
    const a = existing.get(key);
    if (!a || a.status === 'deleted') {
      // Reports leave out concluded enrollments (§4.3), so "absent" may already be "concluded":
      // never create an enrollment only to end it.
      if (d.status === 'completed' || d.status === 'deleted') continue;
      plan.add(operation({
        entity: 'enrollments', action: 'create', key, canvasId: a?.canvas_enrollment_id,
        changes: [{ field: 'status', before: a ? 'deleted' : null, after: d.status }],
        reason: a ? reasons.restore('enrollments', d.origin) : reasons.create(d.origin),
        rows: [enrollmentRow(d, d.status)], role: d.role, account: d.account, term: d.term,
      }));
      continue;
    }
    const before = REPORT_TO_IMPORT[a.status] ?? a.status;
    const statusDiffers = ownsStatus && before !== d.status;
    const adopt = a.created_by_sis === false;
    if (!statusDiffers && !adopt) continue;
    plan.add(operation({
      entity: 'enrollments', action: adopt ? 'adopt' : 'update', key, canvasId: a.canvas_enrollment_id,
      changes: statusDiffers ? [{ field: 'status', before: a.status, after: d.status }] : [],
      reason: adopt
        ? { rule: 'canvas.enrollment-identity', source: d.origin, text: 'enrolled by hand with the same section, user and role: the import takes the enrollment over' }
        : reasons.update('enrollments', d.origin),
      rows: [enrollmentRow(d, ownsStatus ? d.status : before)], role: d.role, account: d.account, term: d.term,
    }));
  }
  if (rule.manual === 'flag') flagManualEnrollments(actual, wanted, keyOfActual, plan);
  if (rule.missing === 'ignore') return;
  const target = DROP_STATUS[rule.missing];
  const courseTerm = new Map<string, { account: string | null; term: string | null }>();
  for (const c of actual.courses) if (c.course_id) courseTerm.set(c.course_id, { account: c.account_id, term: c.term_id });
  for (const a of actual.enrollments) {
    if (!a.created_by_sis || !a.user_id || !a.section_id) continue;
    const key = keyOfActual(a);
    if (key === null || wanted.has(key)) continue;
    if (!a.course_id || !scope.courses.has(a.course_id)) continue;
    const current = REPORT_TO_IMPORT[a.status] ?? a.status;
    if (current === 'deleted' || current === target || (target === 'inactive' && current === 'completed')) continue;
    const place = courseTerm.get(a.course_id);
    plan.add(operation({
      entity: 'enrollments', action: 'drop', key, canvasId: a.canvas_enrollment_id,
      changes: [{ field: 'status', before: a.status, after: target }], reason: reasons.drop('enrollments', rule.missing),
      rows: [enrollmentRow(a, target)], role: a.role, account: place?.account ?? null, term: place?.term ?? null,
    }));
  }
}

/** One risk for all live enrollments made by hand that the SIS does not have (they are left alone). */
function flagManualEnrollments(
  actual: CanvasState, wanted: Set<string>, keyOf: (a: EnrollmentRecord) => string | null, plan: PlanBuilder,
): void {
  const keys: string[] = [];
  for (const a of actual.enrollments) {
    if (a.created_by_sis || a.status === 'deleted') continue;
    const key = keyOf(a) ?? `canvas:${a.canvas_enrollment_id}`;
    if (!wanted.has(key)) keys.push(key);
  }
  if (keys.length === 0) return;
  keys.sort();
  plan.risk({
    kind: 'manual-object', entity: 'enrollments', keys: keys.slice(0, 50),
    explanation: `${keys.length} enrollment(s) were made by hand in Canvas and are not in the SIS; the sync leaves them alone`,
    suggestedFix: 'Add them to the SIS if they should be managed, remove them in Canvas, or set rules.enrollments.manual: ignore to stop flagging them.',
  });
}
