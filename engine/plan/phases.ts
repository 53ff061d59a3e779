/**
 * Which rows travel in which SIS import. Inside one import Canvas processes users.csv before
 * logins.csv (reference §1.3 order), but adopting a hand-made user needs its SIS login attached
 * (logins.csv) before that user's users.csv row runs, or Canvas creates a duplicate. So logins go
 * in an earlier import; everything else follows in one import, where Canvas's own order applies.
 * Apply and the import simulation both use this, so they cannot disagree.
 */
import type { ImportRow, Operation } from '../model/plan.js';

export interface PlacedRow {
  row: ImportRow;
  op: Operation;
}

export function importPhases(operations: readonly Operation[]): PlacedRow[][] {
  const logins: PlacedRow[] = [];
  const rest: PlacedRow[] = [];
  for (const op of operations) for (const row of op.rows) (row.file === 'logins' ? logins : rest).push({ row, op });
  return [logins, rest].filter((phase) => phase.length > 0);
}
