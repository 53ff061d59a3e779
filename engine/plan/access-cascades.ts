/**
 * Enrollments Canvas ends on its own when the plan ends what holds them. They are not operations
 * (no row names them) but people lose access all the same, so guards count them:
 *
 * - a course concluded through SIS concludes its active and invited enrollments; deleted, it deletes
 *   every enrollment not already deleted; made active again it brings none back (canvas-lms
 *   `Course#update_enrolled_users`; reference §3.8 says so for deletion only);
 * - a section deleted deletes its active enrollments (reference §2.6);
 * - a login deleted deletes the user's enrollments (reference §2.1; counted even when the user has
 *   another login: the guard errs on the side of asking);
 * - a term whose end moves into the past ends its courses for everyone enrolled, and a term override
 *   ending in the past does so for its enrollment type (reference §3.9). Teachers whose own override
 *   runs later are counted too: the guard errs on the side of asking.
 *
 * Pure. Runs only when the plan ends a course, section, login or term; then one pass over Canvas's
 * enrollment columns with lookups per distinct value, and a record made only for the enrollments
 * found (to skip those the plan already ends by an operation of its own).
 */
import type { CanvasState, TermOverrideRecord } from '../model/canvas.js';
import { enrollmentColumnsOf } from '../model/enrollment-columns.js';
import type { AccessEffect, Operation } from '../model/plan.js';
import { accessEffectOf } from './access-effects.js';

/**
 * Marks each operation that takes access away with `access` (its effect, and the enrollments Canvas
 * ends with it). Operations that take nothing away are left without the field.
 */
export function markAccessEffects(
  operations: Operation[], actual: CanvasState, asOfMs: number, overrides: readonly TermOverrideRecord[] = [],
): void {
  const effects = operations.map((op) => accessEffectOf(op, asOfMs));
  const cascades = cascadedEnrollments(operations, effects, actual);
  const ended = endedByTerm(actual, asOfMs, overrides);
  operations.forEach((op, i) => {
    const effect = effects[i];
    if (!effect) return;
    const cascaded = cascades.get(i);
    op.access = cascaded ? { effect, cascadedEnrollments: sortedKeys(cascaded) } : { effect };
    if (op.entity === 'enrollments' && (effect === 'concludes' || effect === 'deactivates') && ended(op.term, op.role)) op.access.afterTermEnd = true;
  });
}

const TYPE_OF_ROLE: Record<string, string> = { student: 'StudentEnrollment', teacher: 'TeacherEnrollment', ta: 'TaEnrollment', designer: 'DesignerEnrollment' };

/**
 * Whether an enrollment of this term and role has already lost its access by date: its term ended
 * in Canvas on or before the plan's day, and no date override (in the policies) keeps its type in.
 * A custom role is never taken as ended (its type is not known here).
 */
function endedByTerm(actual: CanvasState, asOfMs: number, overrides: readonly TermOverrideRecord[]): (term: string | null | undefined, role: string | undefined) => boolean {
  const endedTerms = new Set<string>();
  for (const t of actual.terms) if (t.term_id && t.end_date && Date.parse(t.end_date) <= asOfMs) endedTerms.add(t.term_id);
  if (endedTerms.size === 0) return () => false;
  const keptIn = new Set<string>();
  for (const o of overrides) if (!o.end_date || !(Date.parse(o.end_date) <= asOfMs)) keptIn.add(`${o.term_id}|${o.date_override_enrollment_type}`);
  return (term, role) => {
    const type = role === undefined ? undefined : TYPE_OF_ROLE[role];
    return !!term && type !== undefined && endedTerms.has(term) && !keptIn.has(`${term}|${type}`);
  };
}

function sortedKeys(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}

const CONCLUDE = 1;
const DELETE = 2;

/** Canvas role of a term override's enrollment type. */
const ROLE_OF_TYPE: Record<string, string> = { StudentEnrollment: 'student', TeacherEnrollment: 'teacher', TaEnrollment: 'ta', DesignerEnrollment: 'designer' };

/** Report statuses Canvas concludes with a course: the enrollment still gives access. */
const CONCLUDABLE = new Set(['active', 'invited', 'creation_pending']);

interface Cause {
  op: number;
  kind: typeof CONCLUDE | typeof DELETE;
  /** Only enrollments of this role (term overrides); null = all. */
  role: string | null;
}

/**
 * Per operation index, the enrollments (per role) that Canvas ends because of it. `effects[i]` is
 * the access effect of `operations[i]`.
 */
export function cascadedEnrollments(
  operations: readonly Operation[], effects: readonly (AccessEffect | null)[], actual: CanvasState,
): Map<number, Record<string, number>> {
  const byCourse = new Map<string, Cause[]>();
  const bySection = new Map<string, Cause>();
  const byUser = new Map<string, Cause>();
  const termEnds = new Map<string, Cause[]>();
  const endedByPlan = new Set<string>();
  operations.forEach((op, i) => {
    const effect = effects[i];
    if (!effect) return;
    const kind = effect === 'deletes' ? DELETE : CONCLUDE;
    if (op.entity === 'courses') appendTo(byCourse, op.key, { op: i, kind, role: null });
    else if (op.entity === 'sections' && kind === DELETE) bySection.set(op.key, { op: i, kind, role: null });
    else if (op.entity === 'users' && kind === DELETE) byUser.set(op.key, { op: i, kind, role: null });
    else if (op.entity === 'terms' && effect === 'ends') {
      const [term = op.key, type] = op.key.split('|');
      appendTo(termEnds, term, { op: i, kind, role: type === undefined ? null : ROLE_OF_TYPE[type] ?? type });
    } else if (op.entity === 'enrollments') endedByPlan.add(op.key);
  });
  const result = new Map<number, Record<string, number>>();
  if (byCourse.size === 0 && bySection.size === 0 && byUser.size === 0 && termEnds.size === 0) return result;
  if (termEnds.size > 0) {
    for (const c of actual.courses) {
      const causes = c.course_id && c.term_id ? termEnds.get(c.term_id) : undefined;
      if (causes) for (const cause of causes) appendTo(byCourse, c.course_id, cause);
    }
  }

  const columns = enrollmentColumnsOf(actual);
  const causesOf = <T>(values: readonly string[], map: Map<string, T>): (T | undefined)[] => values.map((v) => (v === '' ? undefined : map.get(v)));
  const courseCauses = causesOf(columns.course_id.values, byCourse);
  const sectionCause = causesOf(columns.section_id.values, bySection);
  const userCause = causesOf(columns.user_id.values, byUser);
  const concludable = columns.status.values.map((s) => CONCLUDABLE.has(s));
  const live = columns.status.values.map((s) => s !== 'deleted');
  const roles = columns.role.values;
  for (let i = 0; i < columns.count; i++) {
    const status = columns.status.codes[i]!;
    if (!live[status]) continue;
    const role = roles[columns.role.codes[i]!]!;
    const cause = causeFor(courseCauses[columns.course_id.codes[i]!], role, concludable[status]!)
      ?? causeFor(sectionCause[columns.section_id.codes[i]!], role, concludable[status]!)
      ?? causeFor(userCause[columns.user_id.codes[i]!], role, concludable[status]!);
    if (!cause) continue;
    if (endedByPlan.size > 0) {
      const r = columns.record(i);
      if (r.section_id && r.user_id && endedByPlan.has(`${r.section_id}|${r.user_id}|${r.role}`)) continue;
    }
    const counts = result.get(cause.op) ?? result.set(cause.op, {}).get(cause.op)!;
    counts[role] = (counts[role] ?? 0) + 1;
  }
  return result;
}

/** The cause that ends an enrollment of this role and state: a conclusion only ends one that still gives access. */
function causeFor(causes: Cause | Cause[] | undefined, role: string, concludable: boolean): Cause | undefined {
  if (causes === undefined) return undefined;
  if (!Array.isArray(causes)) return ends(causes, role, concludable) ? causes : undefined;
  for (const c of causes) if (ends(c, role, concludable)) return c;
  return undefined;
}

function ends(c: Cause, role: string, concludable: boolean): boolean {
  return (c.role === null || c.role === role) && (c.kind === DELETE || concludable);
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
