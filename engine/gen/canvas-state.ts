/**
 * The Canvas side of a generated district: what Canvas holds after a clean sync with the given
 * policies (plan against an empty Canvas, then simulate the import), and the example district's
 * story of drift on top of it. Built from the real transform and planner, so a generated snapshot
 * can never disagree with what the planner would produce.
 */
import type { CanvasState, UserRecord } from '../model/canvas.js';
import type { SisSnapshot } from '../model/oneroster.js';
import { computePlan } from '../plan/plan.js';
import { simulateImport } from '../plan/simulate.js';
import { transform } from '../plan/transform.js';
import type { Config } from '../policy/types.js';
import {
  addManualCourseWithEnrollment, addManualUserWithFormulaLogin, addManualUserWithOtherLogin, addSisManagedExtras, changeAuthProvider,
  changeEmails, renameUsers, type DriftChange, type DriftResult,
} from './drift.js';

export function emptyCanvasState(origin = 'empty'): CanvasState {
  return { origin, accounts: [], terms: [], termOverrides: [], courses: [], sections: [], users: [], enrollments: [], warnings: [], digest: '' };
}

/**
 * Canvas right after syncing `sis` with `config`, before anyone touched it. Term overrides are
 * left out on purpose: the example's policies add them, so the first plan shows them.
 */
export function syncedCanvasState(sis: SisSnapshot, config: Config, asOf: string): CanvasState {
  const withoutOverrides: Config = { ...config, termOverrides: [] };
  const desired = transform(sis, withoutOverrides, asOf);
  const empty = emptyCanvasState();
  const plan = computePlan(desired, empty, withoutOverrides, { config: '', sis: '', canvas: '', asOf });
  const state = simulateImport(empty, plan.operations);
  return { ...state, origin: 'synced', termOverrides: [] };
}

export interface Story {
  state: CanvasState;
  changes: DriftChange[];
}

const isStudent = (u: UserRecord) => /^s\d/.test(u.user_id ?? '');
const isTeacher = (u: UserRecord) => (u.user_id ?? '').startsWith('staff_t');

/**
 * The bundled example's drift, one of each thing an admin meets (README walk-through): a student
 * created by hand this morning with the formula's login, one created with another login, a leaver
 * still in Canvas, a rename, a new e-mail, a hand-made course enrollment, a teacher on the wrong
 * login provider. (The term override is in policies/terms.yaml.)
 */
export function exampleStory(synced: CanvasState): Story {
  let state = synced;
  const changes: DriftChange[] = [];
  const step = (r: DriftResult) => {
    state = r.state;
    changes.push(r.change);
  };
  const students = state.users.filter((u) => isStudent(u) && u.status === 'active');
  const pick = (i: number) => students[Math.floor((students.length * i) / 7)]!;
  const morning = pick(1);
  step(addManualUserWithFormulaLogin(state, morning.login_id, { first: morning.first_name ?? '', last: morning.last_name ?? '' }, morning.email));
  const other = pick(2);
  const handLogin = `${(other.first_name ?? 'x').slice(0, 1)}${other.last_name ?? 'user'}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  step(addManualUserWithOtherLogin(state, handLogin, { first: other.first_name ?? '', last: other.last_name ?? '' }, other.email));
  step(addSisManagedExtras(state, 1, 11));
  const untouched = (except: UserRecord[]) => new Set(state.users.filter((u) => u.user_id && !except.includes(u)).map((u) => u.user_id!));
  step(renameUsers(state, 1, 12, { exclude: untouched([pick(3)]) }));
  step(changeEmails(state, 1, 13, { exclude: untouched([pick(4)]) }));
  const teacher = state.users.find((u) => isTeacher(u) && u.status === 'active')!;
  step(changeAuthProvider(state, 1, 'canvas', 14, { exclude: untouched([teacher]) }));
  step(addManualCourseWithEnrollment(state, { name: 'Robotics Club (made by hand)', sisId: 'manual-robotics', user_id: teacher.user_id!, role: 'teacher', rng: 15 }));
  return { state, changes };
}
