/**
 * Canvas enrollments by column. A provisioning report of a large district lists over a million
 * enrollments, and the planner reads six fields of each to match them with the SIS: holding
 * them as dictionary codes (the report reader's own columns) instead of a million records
 * saves most of the time and memory of reading the report. Records are made for the rows that
 * become operations, or for everything on first read of `CanvasState.enrollments` (lazy-records.ts).
 */
import type { CanvasState, EnrollmentRecord } from './canvas.js';
import { Ordinals } from '../util/ordinals.js';
import { LazyRecords, type RecordColumns } from './lazy-records.js';

/** The value of row i is `values[codes[i]]`; '' is an empty cell (always code 0). */
export interface CodedColumn {
  readonly codes: ArrayLike<number>;
  readonly values: readonly string[];
}

/** created_by_sis of a row: false, true, or not said (records made by tests and the emulator). */
export const BY_HAND = 0;
export const BY_SIS = 1;
export const UNSAID = 2;

export interface EnrollmentColumns extends RecordColumns<EnrollmentRecord> {
  readonly course_id: CodedColumn;
  readonly section_id: CodedColumn;
  readonly user_id: CodedColumn;
  readonly canvas_user_id: CodedColumn;
  readonly role: CodedColumn;
  /** As the report says it (active, concluded, deleted…), lower-cased. */
  readonly status: CodedColumn;
  /** BY_HAND, BY_SIS or UNSAID per row. */
  readonly createdBySis: Uint8Array;
}

const reportEnrollments = new LazyRecords<CanvasState, EnrollmentColumns>('enrollments', (state) => columnsOfRecords(state.enrollments));

/** Gives a state its enrollments as columns: `state.enrollments` makes the records when first read. */
export function withEnrollmentColumns(state: CanvasState, columns: EnrollmentColumns): void {
  reportEnrollments.attach(state, columns);
}

/** A state's enrollments as columns: its own when it has not made records yet, else coded from its records. */
export function enrollmentColumnsOf(state: CanvasState): EnrollmentColumns {
  return reportEnrollments.columnsOf(state);
}

/** Codes records (states made by the emulator, the simulation and tests: small). */
function columnsOfRecords(records: readonly EnrollmentRecord[]): EnrollmentColumns {
  const n = records.length;
  const coder = () => {
    const codes = new Int32Array(n);
    const ordinals = new Ordinals();
    ordinals.of(''); // code 0 is the empty cell, as in a report's columns
    return { column: { codes, values: ordinals.values } as CodedColumn, put: (i: number, value: string | null | undefined) => { codes[i] = ordinals.of(value ?? ''); } };
  };
  const course = coder();
  const section = coder();
  const user = coder();
  const canvasUser = coder();
  const role = coder();
  const status = coder();
  const createdBySis = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    course.put(i, r.course_id);
    section.put(i, r.section_id);
    user.put(i, r.user_id);
    canvasUser.put(i, r.canvas_user_id);
    role.put(i, r.role);
    status.put(i, r.status);
    createdBySis[i] = r.created_by_sis === undefined ? UNSAID : r.created_by_sis ? BY_SIS : BY_HAND;
  }
  return {
    count: n, course_id: course.column, section_id: section.column, user_id: user.column, canvas_user_id: canvasUser.column,
    role: role.column, status: status.column, createdBySis, record: (i) => records[i]!,
  };
}
