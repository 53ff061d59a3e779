/**
 * What an operation does to people's access, read from what it writes — the status and end date of
 * its import row, before → after — never from its action label. An `update` that writes
 * `suspended` over `active` locks a user out exactly like a `drop` does; guards, protected sets and
 * the blast radius count both (issue 12: 807 "updates" suspended every user with verdict OK).
 *
 * Pure and linear: one look at each operation's own row and changes, no allocation per operation.
 */
import type { EntityName } from '../model/canvas.js';
import type { AccessEffect, ImportFileName, ImportRow, Operation } from '../model/plan.js';

export type { AccessEffect };

/** Statuses (import or report spelling) that leave a person without access, and the effect of writing them. */
const EFFECT_OF_STATUS: ReadonlyMap<string, AccessEffect> = new Map([
  ['suspended', 'suspends'], ['deleted', 'deletes'], ['completed', 'concludes'], ['concluded', 'concludes'], ['inactive', 'deactivates'],
]);

/** Statuses in which nobody had access to lose: writing a loss status over them takes nothing away. */
const WITHOUT_ACCESS: ReadonlySet<string> = new Set(['suspended', 'deleted', 'completed', 'concluded', 'inactive', 'rejected']);

const FILE_OF: Record<EntityName, ImportFileName> = {
  accounts: 'accounts', terms: 'terms', courses: 'courses', sections: 'sections', users: 'users', enrollments: 'enrollments',
};

/** The row that writes the operation's own object (a user adopted through logins.csv also has a users.csv row). */
function ownRow(op: Operation): ImportRow | undefined {
  const file = FILE_OF[op.entity];
  for (let i = op.rows.length - 1; i >= 0; i--) if (op.rows[i]!.file === file) return op.rows[i];
  return undefined;
}

const lower = (v: string | null | undefined): string => (v ?? '').trim().toLowerCase();

/**
 * Milliseconds of an end date cell or change value, NaN when there is none or it does not parse.
 * Plan values are instants (`2026-01-10T06:00:00Z`); a bare day is read at UTC midnight.
 */
function instant(value: string | null | undefined): number {
  return value ? Date.parse(value) : Number.NaN;
}

/**
 * The access an operation takes away, or null. `asOfMs` is the start of the plan's day (in the
 * account's zone): an end date at or before it has passed.
 *
 * - a row whose status leaves no access (suspended, deleted, completed/concluded, inactive), written
 *   over a status that had access (the `status` change's before), or by any `drop`;
 * - an end date moved to the plan's day or earlier, from a later one or none: an enrollment
 *   concludes, a course or section concludes, a term (or one enrollment type's override) ends.
 *   A new term override ending in the past counts too: before it the term's own dates applied.
 */
export function accessEffectOf(op: Operation, asOfMs: number): AccessEffect | null {
  const row = ownRow(op);
  // What is written: the row's status (what apply sends), else the status change's after. Most
  // rows say `active`: looked up as written first, so the common case makes no new string.
  const written = row?.cells.status ?? statusAfter(op) ?? '';
  const effect = EFFECT_OF_STATUS.get(written) ?? (written === 'active' || written === '' ? undefined : EFFECT_OF_STATUS.get(lower(written)));
  if (effect !== undefined) {
    if (op.action === 'drop') return effect;
    const before = statusBefore(op);
    if (before !== undefined && !WITHOUT_ACCESS.has(before)) return effect;
  } else if (op.action === 'drop') {
    return 'deletes';
  }
  if (endMovedIntoPast(op, row, asOfMs)) return op.entity === 'terms' ? 'ends' : 'concludes';
  return null;
}

function statusAfter(op: Operation): string | null {
  for (const c of op.changes) if (c.field === 'status') return c.after;
  return null;
}

/** The status the object had before, from the operation's `status` change; undefined when it does not change status. */
function statusBefore(op: Operation): string | undefined {
  // A null before is an object that did not exist: creating it suspended or ended takes nothing away.
  for (const c of op.changes) if (c.field === 'status') return c.before === null ? undefined : lower(c.before);
  return undefined;
}

function endMovedIntoPast(op: Operation, row: ImportRow | undefined, asOfMs: number): boolean {
  if (!Number.isFinite(asOfMs)) return false;
  for (const c of op.changes) {
    if (c.field !== 'end_date') continue;
    const after = instant(c.after);
    if (!(after <= asOfMs)) return false;
    const before = instant(c.before);
    return c.before === null || !(before <= asOfMs);
  }
  // No change listed but a row that sends an end date (an enrollment or section row carrying dates).
  const cell = row?.cells.end_date;
  if (!cell || op.entity === 'terms') return false;
  return instant(cell) <= asOfMs;
}

/** Words for rendering: "suspends 807 users", "concludes 4,545 enrollments". */
export const EFFECT_VERB: Record<AccessEffect, string> = {
  suspends: 'suspends', deletes: 'deletes', concludes: 'concludes', deactivates: 'deactivates', ends: 'ends',
};

/** The plan's day as the guards read it when no time zone is at hand (hand-built plans, rendering). */
export function asOfMsOf(asOf: string | null | undefined): number {
  return asOf ? Date.parse(`${asOf}T00:00:00Z`) : Number.NaN;
}
