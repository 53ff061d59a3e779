/**
 * Guards count effects, not labels (issue 12). The classifier reads what an operation writes — the
 * status of its row over the status it had, an end date moved into the past — whatever its action
 * label; the guards count those operations, and the enrollments Canvas ends on its own with a
 * concluded or deleted course, toward the drop limits, the protected sets and the shrink check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanvasState, CourseRecord, EnrollmentRecord, EntityName } from '../../engine/model/canvas.js';
import { ACTIONS, type Action, type ImportFileName, type Operation, type Plan } from '../../engine/model/plan.js';
import { markAccessEffects } from '../../engine/plan/access-cascades.js';
import { accessEffectOf } from '../../engine/plan/access-effects.js';
import { evaluateGuards } from '../../engine/plan/guards.js';
import { simulateImport } from '../../engine/plan/simulate.js';
import { blastRadius } from '../../engine/render/blast-radius.js';
import { testConfig } from '../support/config.js';
import { emptyCanvas } from '../support/workspace.js';

const ASOF = Date.parse('2025-10-15T05:00:00Z');
const ENTITIES: EntityName[] = ['users', 'enrollments', 'courses', 'sections'];
const LOSS_STATUSES = ['suspended', 'deleted', 'completed', 'inactive'];
const ACCESS_STATUSES = ['active', 'invited', 'unpublished', 'published', 'available', 'creation_pending'];
const NO_ACCESS = ['suspended', 'deleted', 'completed', 'concluded', 'inactive'];

function op(entity: EntityName, action: Action, status: string, before: string | null, extra: Partial<Operation> = {}): Operation {
  return {
    entity, action, key: `${entity}-k`, canvasId: '1', reason: { rule: 'r', text: 't' },
    changes: before === null && action !== 'create' ? [] : [{ field: 'status', before, after: status }],
    rows: [{ file: entity as ImportFileName, cells: { status } }], ...extra,
  };
}

describe('accessEffectOf', () => {
  it('counts any operation that writes a loss status over one that gave access, whatever its label', () => {
    fc.assert(fc.property(fc.constantFrom(...ENTITIES), fc.constantFrom(...ACTIONS), fc.constantFrom(...LOSS_STATUSES), fc.constantFrom(...ACCESS_STATUSES), fc.boolean(),
      (entity, action, status, before, upper) => {
        const written = upper ? status.toUpperCase() : status;
        expect(accessEffectOf(op(entity, action, written, before), ASOF)).not.toBeNull();
      }));
  });

  it('does not count a loss status written over one without access (already suspended, concluded…), except as a drop', () => {
    fc.assert(fc.property(fc.constantFrom(...ENTITIES), fc.constantFrom<Action>('create', 'update', 'adopt'), fc.constantFrom(...LOSS_STATUSES), fc.constantFrom(...NO_ACCESS),
      (entity, action, status, before) => {
        expect(accessEffectOf(op(entity, action, status, before), ASOF)).toBeNull();
        expect(accessEffectOf(op(entity, 'drop', status, before), ASOF)).not.toBeNull();
      }));
  });

  it('does not count an operation that keeps or gives access', () => {
    fc.assert(fc.property(fc.constantFrom(...ENTITIES), fc.constantFrom<Action>('create', 'update', 'adopt'), fc.constantFrom('active', 'published', 'unpublished'), fc.constantFrom(null, ...ACCESS_STATUSES, ...NO_ACCESS),
      (entity, action, status, before) => {
        expect(accessEffectOf(op(entity, action, status, before), ASOF)).toBeNull();
      }));
  });

  it('counts an end date moved to the plan\'s day or before, from a later one or none, whatever the label', () => {
    const day = 86_400_000;
    fc.assert(fc.property(fc.constantFrom<EntityName>('terms', 'courses', 'sections', 'enrollments'), fc.constantFrom(...ACTIONS),
      fc.integer({ min: 0, max: 400 }), fc.option(fc.integer({ min: 1, max: 400 })),
      (entity, action, daysBefore, laterBy) => {
        const after = new Date(ASOF - daysBefore * day).toISOString();
        const before = laterBy === null ? null : new Date(ASOF + laterBy * day).toISOString();
        const o: Operation = {
          entity, action, key: 'k', canvasId: null, reason: { rule: 'r', text: 't' },
          changes: [{ field: 'end_date', before, after }], rows: [{ file: entity as ImportFileName, cells: { end_date: after, status: 'active' } }],
        };
        expect(accessEffectOf(o, ASOF)).toBe(action === 'drop' ? 'deletes' : entity === 'terms' ? 'ends' : 'concludes');
        // Moved later, or already in the past before: nothing is taken.
        const later = { ...o, changes: [{ field: 'end_date', before: after, after: new Date(ASOF + day).toISOString() }] };
        if (action !== 'drop') expect(accessEffectOf(later, ASOF)).toBeNull();
      }));
  });

  it('reads the users.csv row of an adoption through logins.csv', () => {
    const adopt = op('users', 'adopt', 'suspended', 'active');
    adopt.rows = [{ file: 'logins', cells: { user_id: 's1' } }, { file: 'users', cells: { status: 'suspended' } }];
    expect(accessEffectOf(adopt, ASOF)).toBe('suspends');
  });
});

const guards = testConfig().guards;
const counts = (entity: string, desired: number, canvasManaged: number): Plan['counts'] => ({ [entity]: { desired, canvasManaged, canvasTotal: canvasManaged } });

describe('guards count effects', () => {
  it('mass suspension by update and mass conclusion by update are not ok, like the same drops', () => {
    fc.assert(fc.property(fc.constantFrom<Action>('update', 'drop', 'adopt'), fc.integer({ min: 101, max: 900 }), (action, n) => {
      const users = Array.from({ length: n }, (_, i) => op('users', action, 'suspended', 'active', { key: `u${i}` }));
      expect(evaluateGuards(guards, users, [], counts('users', 1000, 1000), { asOfMs: ASOF }).status).not.toBe('ok');
      const enrollments = Array.from({ length: n * 2 }, (_, i) => op('enrollments', action, 'completed', 'active', { key: `s|u${i}|student`, role: 'student' }));
      expect(evaluateGuards(guards, enrollments, [], counts('enrollments', 2000, 2000), { asOfMs: ASOF }).status).not.toBe('ok');
    }));
  });

  it('half the students suspended needs approval, and with the active counts the shrink check blocks it', () => {
    const suspended = Array.from({ length: 400 }, (_, i) => op('users', 'update', 'suspended', 'active', { key: `s${i}` }));
    const v = evaluateGuards(guards, suspended, [], counts('users', 800, 800), { asOfMs: ASOF });
    expect(v.status).toBe('needs-approval');
    expect(v.reasons.map((r) => r.guard)).toEqual(['guards.drops.users.maxCount', 'guards.drops.users.maxShare']);
    expect(v.reasons[0]!.message).toContain('400 suspended');
    const active = { users: { desired: 400, canvas: 800 } };
    expect(evaluateGuards(guards, suspended, [], counts('users', 800, 800), { asOfMs: ASOF, active }).status).toBe('blocked');
  });

  it('a protected set with `drop` catches an update that takes access away, narrowed by dropStatus', () => {
    expect(evaluateGuards(guards, [op('users', 'update', 'deleted', 'active')], [], counts('users', 999, 1000)).status).toBe('blocked');
    expect(evaluateGuards(guards, [op('users', 'update', 'suspended', 'active')], [], counts('users', 999, 1000)).status).toBe('ok');
    const teachers = { ...guards, protect: [{ entity: 'enrollments' as const, actions: ['drop'], roles: ['teacher'], onViolation: 'needs-approval' as const, where: { file: 'g.yaml', line: 3, column: 5, path: '/' } }] };
    const v = evaluateGuards(teachers, [op('enrollments', 'update', 'completed', 'active', { role: 'teacher' })], [], counts('enrollments', 999, 1000));
    expect(v).toMatchObject({ status: 'needs-approval', reasons: [{ guard: 'guards.protect[0]' }] });
  });
});

/** Canvas with `courses` courses of 10 students and a teacher each, all SIS-managed and active. */
function district(courses: number): CanvasState {
  const state = emptyCanvas();
  let id = 1;
  for (let c = 0; c < courses; c++) {
    const course: CourseRecord = {
      course_id: `c${c}`, integration_id: null, short_name: `C${c}`, long_name: `Course ${c}`, account_id: 'sch1', term_id: 'f25', status: 'active',
      start_date: null, end_date: null, canvas_course_id: String(100 + c), canvas_account_id: '2', canvas_term_id: '3', created_by_sis: true,
    };
    state.courses.push(course);
    state.sections.push({ section_id: `sec${c}`, course_id: course.course_id, integration_id: null, name: `S${c}`, status: 'active', start_date: null, end_date: null, canvas_section_id: String(200 + c), canvas_course_id: course.canvas_course_id, created_by_sis: true });
    for (let u = 0; u <= 10; u++) {
      const e: EnrollmentRecord = {
        course_id: course.course_id, section_id: `sec${c}`, user_id: u === 10 ? `t${c}` : `s${c}-${u}`, role: u === 10 ? 'teacher' : 'student', status: 'active',
        canvas_course_id: course.canvas_course_id, canvas_section_id: String(200 + c), canvas_user_id: String(1000 + c * 20 + u), canvas_enrollment_id: String(id++), created_by_sis: true,
      };
      state.enrollments.push(e);
    }
  }
  return state;
}

function concludeCourse(state: CanvasState, courseId: string, status = 'completed'): Operation {
  const c = state.courses.find((x) => x.course_id === courseId)!;
  return {
    entity: 'courses', action: 'drop', key: courseId, canvasId: c.canvas_course_id ?? null, reason: { rule: 'rules.courses.missing=conclude', text: 't' },
    changes: [{ field: 'status', before: c.status, after: status }], account: 'sch1', term: 'f25',
    rows: [{ file: 'courses', cells: { course_id: courseId, short_name: c.short_name!, long_name: c.long_name!, account_id: 'sch1', term_id: 'f25', status } }],
  };
}

describe('Canvas cascades: a concluded course takes access from all its students', () => {
  it('counts the enrollments of concluded courses toward the drop limits and the protected sets', () => {
    const state = district(30);
    const ops = ['c0', 'c1', 'c2'].map((c) => concludeCourse(state, c));
    markAccessEffects(ops, state, ASOF);
    expect(ops.map((o) => o.access)).toEqual(Array(3).fill({ effect: 'concludes', cascadedEnrollments: { student: 10, teacher: 1 } }));
    const g = { ...guards, protect: [{ entity: 'enrollments' as const, actions: ['drop'], roles: ['teacher'], onViolation: 'needs-approval' as const, where: { file: 'g.yaml', line: 3, column: 5, path: '/' } }] };
    const v = evaluateGuards(g, ops, [], { ...counts('enrollments', 300, 300), courses: { desired: 27, canvasManaged: 30, canvasTotal: 30 } }, { asOfMs: ASOF });
    expect(v.status).toBe('needs-approval');
    expect(v.reasons.find((r) => r.guard === 'guards.drops.enrollments.maxShare')!.message).toMatch(/^33 of 300 .*33 ended by Canvas/);
    expect(v.reasons.find((r) => r.guard === 'guards.protect[0]')!.message).toMatch(/^3 .*enrollments ended with course c0/);
    const [group] = blastRadius({ operations: ops });
    expect(group).toMatchObject({ cascadedEnrollments: 33, losses: { courses: { concludes: 3 } } });
  });

  it('does not count twice an enrollment the plan ends itself, nor one already concluded', () => {
    const state = district(2);
    state.enrollments[0]!.status = 'concluded';
    const e1 = state.enrollments[1]!;
    const ops = [concludeCourse(state, 'c0'), op('enrollments', 'drop', 'completed', 'active', { key: `${e1.section_id}|${e1.user_id}|student`, role: 'student' })];
    markAccessEffects(ops, state, ASOF);
    expect(ops[0]!.access).toEqual({ effect: 'concludes', cascadedEnrollments: { student: 8, teacher: 1 } });
  });

  it('a deleted course takes every live enrollment, an inactive one included', () => {
    const state = district(1);
    state.enrollments[0]!.status = 'inactive';
    const ops = [concludeCourse(state, 'c0', 'deleted')];
    markAccessEffects(ops, state, ASOF);
    expect(ops[0]!.access).toEqual({ effect: 'deletes', cascadedEnrollments: { student: 10, teacher: 1 } });
  });

  it('the simulation concludes them too, and reactivating the course brings none back', () => {
    const state = district(2);
    const after = simulateImport(state, [concludeCourse(state, 'c0')]);
    const statusIn = (s: CanvasState, c: string) => [...new Set(s.enrollments.filter((e) => e.course_id === c).map((e) => e.status))];
    expect(statusIn(after, 'c0')).toEqual(['concluded']);
    expect(statusIn(after, 'c1')).toEqual(['active']);
    const reopened = simulateImport(after, [{ ...concludeCourse(after, 'c0', 'active'), action: 'update' }]);
    expect(reopened.courses.find((c) => c.course_id === 'c0')!.status).toBe('active');
    expect(statusIn(reopened, 'c0')).toEqual(['concluded']);
  });

  it('a term whose end moves into the past ends its courses for everyone; an override ending in the past, for its type only', () => {
    const state = district(3);
    state.courses[2]!.term_id = 's26';
    const end = (key: string, changes: Operation['changes']): Operation => ({
      entity: 'terms', action: 'update', key, canvasId: null, reason: { rule: 'termOverrides', text: 't' }, changes, term: key.split('|')[0]!,
      rows: [{ file: 'terms', cells: { term_id: key.split('|')[0]!, status: 'active', end_date: changes[0]!.after! } }],
    });
    const term = [end('f25', [{ field: 'end_date', before: '2025-12-20T06:00:00Z', after: '2025-10-01T05:00:00Z' }])];
    markAccessEffects(term, state, ASOF);
    expect(term[0]!.access).toEqual({ effect: 'ends', cascadedEnrollments: { student: 20, teacher: 2 } });
    const students = [end('f25|StudentEnrollment', [{ field: 'end_date', before: null, after: '2025-10-01T05:00:00Z' }])];
    markAccessEffects(students, state, ASOF);
    expect(students[0]!.access).toEqual({ effect: 'ends', cascadedEnrollments: { student: 20 } });
    // Moved later: nothing ends.
    const later = [end('f25', [{ field: 'end_date', before: '2025-12-20T06:00:00Z', after: '2026-01-10T06:00:00Z' }])];
    markAccessEffects(later, state, ASOF);
    expect(later[0]!.access).toBeUndefined();
  });

  it('an enrollment concluded after its term ended in Canvas takes nothing more, unless an override keeps its type in', () => {
    const state = district(1);
    state.terms.push({ term_id: 'f25', name: 'Fall', status: 'active', start_date: '2025-08-18T05:00:00Z', end_date: '2025-10-01T05:00:00Z', canvas_term_id: '3', created_by_sis: true });
    const conclude = (user: string, role: string) => op('enrollments', 'update', 'completed', 'active', { key: `sec0|${user}|${role}`, role, term: 'f25' });
    const ops = [conclude('s0-0', 'student'), conclude('t0', 'teacher')];
    markAccessEffects(ops, state, ASOF, [{ term_id: 'f25', date_override_enrollment_type: 'TeacherEnrollment', start_date: null, end_date: '2025-10-20T05:00:00Z' }]);
    expect(ops.map((o) => o.access)).toEqual([{ effect: 'concludes', afterTermEnd: true }, { effect: 'concludes' }]);
    const v = evaluateGuards({ ...guards, drops: { enrollments: { maxShare: null, maxCount: 0, onViolation: 'needs-approval' } } }, ops, [], counts('enrollments', 11, 11), { asOfMs: ASOF });
    expect(v.reasons.map((r) => r.message)).toEqual(['1 enrollments would lose access (1 concluded); the limit is 0']);
  });

  it('a deleted section takes its enrollments, a deleted login takes the user\'s; a suspended login takes none', () => {
    const state = district(2);
    const ops: Operation[] = [
      { ...op('sections', 'drop', 'deleted', 'active'), key: 'sec0' },
      { ...op('users', 'update', 'deleted', 'active'), key: 's1-3' },
      { ...op('users', 'update', 'suspended', 'active'), key: 's1-4' },
    ];
    markAccessEffects(ops, state, ASOF);
    expect(ops.map((o) => o.access)).toEqual([
      { effect: 'deletes', cascadedEnrollments: { student: 10, teacher: 1 } },
      { effect: 'deletes', cascadedEnrollments: { student: 1 } },
      { effect: 'suspends' },
    ]);
  });
});
