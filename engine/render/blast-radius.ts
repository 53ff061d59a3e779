/**
 * Who a plan touches, per school and term: "312 students at Lincoln High lose 14 courses". Reviewers
 * judge a roster change by the people and courses behind it, not by the number of import rows.
 * What takes access away is counted by its effect, whatever its action label: an `update` that
 * suspends is shown as "suspends 807 users" (engine/plan/access-effects.ts).
 * Pure and linear in the number of operations.
 */
import type { EntityName } from '../model/canvas.js';
import type { AccessEffect, Action, Operation, Plan } from '../model/plan.js';
import { accessEffectOf, asOfMsOf } from '../plan/access-effects.js';

export interface BlastRadiusGroup {
  /** Account (school) SIS id, null for operations outside any school (terms, district-wide). */
  account: string | null;
  term: string | null;
  /** Distinct people who lose at least one enrollment, per role, largest first. */
  peopleLosingEnrollments: { role: string; people: number }[];
  /** Distinct courses those enrollments are in. */
  coursesLosingEnrollments: number;
  /** Enrollment operations that take access away (drops, and updates that conclude, deactivate or delete). */
  droppedEnrollments: number;
  /** Operations that take access away, per entity and effect, whatever their action. */
  losses: Partial<Record<EntityName, Partial<Record<AccessEffect, number>>>>;
  /** Enrollments Canvas ends on its own with the courses, sections, logins or terms this group ends. */
  cascadedEnrollments: number;
  /** Operations per action and entity, enrollment drops included. */
  operations: Record<Action, Partial<Record<EntityName, number>>>;
  /** The operations that take no access away, per action and entity. */
  keepingAccess: Record<Action, Partial<Record<EntityName, number>>>;
  total: number;
}

interface Accumulator {
  group: BlastRadiusGroup;
  peopleByRole: Map<string, Set<string>>;
  courses: Set<string>;
}

/** The user and course a dropped enrollment belongs to: from its import row, else from its key. */
function enrollmentParts(op: Operation): { user: string; course: string; role: string } {
  const cells = op.rows[0]?.cells ?? {};
  const [section = '', user = '', role = ''] = op.key.split('|');
  return {
    user: cells.user_id || user,
    course: cells.course_id || cells.section_id || section,
    role: op.role ?? (cells.role || role),
  };
}

export function blastRadius(plan: Pick<Plan, 'operations'> & { inputs?: Pick<Plan['inputs'], 'asOf'> }): BlastRadiusGroup[] {
  // The planner marks each operation with its effect (time zone exact); a hand-built plan is read here.
  const asOfMs = asOfMsOf(plan.inputs?.asOf);
  const groups = new Map<string, Accumulator>();
  for (const op of plan.operations) {
    const account = op.account ?? null;
    const term = op.term ?? null;
    const id = `${account ?? ''}\u0000${term ?? ''}`;
    let acc = groups.get(id);
    if (!acc) {
      acc = {
        group: {
          account, term, peopleLosingEnrollments: [], coursesLosingEnrollments: 0, droppedEnrollments: 0, losses: {}, cascadedEnrollments: 0,
          operations: { create: {}, update: {}, adopt: {}, drop: {} }, keepingAccess: { create: {}, update: {}, adopt: {}, drop: {} }, total: 0,
        },
        peopleByRole: new Map(),
        courses: new Set(),
      };
      groups.set(id, acc);
    }
    const perEntity = acc.group.operations[op.action];
    perEntity[op.entity] = (perEntity[op.entity] ?? 0) + 1;
    acc.group.total++;
    const effect = op.access?.effect ?? accessEffectOf(op, asOfMs);
    if (effect === null) {
      const keeping = acc.group.keepingAccess[op.action];
      keeping[op.entity] = (keeping[op.entity] ?? 0) + 1;
      continue;
    }
    const lost = (acc.group.losses[op.entity] ??= {});
    lost[effect] = (lost[effect] ?? 0) + 1;
    for (const role in op.access?.cascadedEnrollments ?? {}) acc.group.cascadedEnrollments += op.access!.cascadedEnrollments![role]!;
    if (op.entity === 'enrollments') {
      const { user, course, role } = enrollmentParts(op);
      acc.group.droppedEnrollments++;
      let people = acc.peopleByRole.get(role);
      if (!people) acc.peopleByRole.set(role, (people = new Set()));
      people.add(user);
      acc.courses.add(course);
    }
  }
  const result: BlastRadiusGroup[] = [];
  for (const { group, peopleByRole, courses } of groups.values()) {
    group.peopleLosingEnrollments = [...peopleByRole].map(([role, people]) => ({ role, people: people.size }))
      .sort((a, b) => b.people - a.people || compare(a.role, b.role));
    group.coursesLosingEnrollments = courses.size;
    result.push(group);
  }
  const losing = (g: BlastRadiusGroup) => g.peopleLosingEnrollments.reduce((n, r) => n + r.people, 0);
  return result.sort((a, b) => losing(b) - losing(a) || b.droppedEnrollments - a.droppedEnrollments || b.cascadedEnrollments - a.cascadedEnrollments || b.total - a.total
    || compare(a.account ?? '', b.account ?? '') || compare(a.term ?? '', b.term ?? ''));
}

/** Groups that take access away from anyone, for a short terminal summary. */
export function takesAccess(g: BlastRadiusGroup): boolean {
  return Object.keys(g.losses).length > 0 || g.cascadedEnrollments > 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
