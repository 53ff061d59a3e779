/** Small pieces every entity diff uses: value comparison, field changes, operation assembly. */
import type { Cell, EntityName } from '../../model/canvas.js';
import type { FieldChange, ImportFileName, ImportRow, Operation, OperationReason, Risk } from '../../model/plan.js';

export const norm = (v: Cell | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);

/** Fields (in `fields` order) whose desired and actual values differ. */
export function fieldChanges<D extends object, A extends object>(desired: D, actual: A, fields: readonly string[]): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const after = norm((desired as Record<string, Cell>)[field]);
    const before = norm((actual as Record<string, Cell>)[field]);
    if (after !== before) changes.push({ field, before, after });
  }
  return changes;
}

/** Every non-empty desired field, as changes from nothing. */
export function creationChanges<D extends object>(desired: D, fields: readonly string[]): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const after = norm((desired as Record<string, Cell>)[field]);
    if (after !== null) changes.push({ field, before: null, after });
  }
  return changes;
}

/** An import row: only the named columns, empty cells for null. */
export function importRow(file: ImportFileName, values: Record<string, Cell | undefined>): ImportRow {
  const cells: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) cells[k] = v ?? '';
  return { file, cells };
}

/** An operation as the diff builds it: the Canvas id may be missing or undefined, risks come later. */
export type OperationDraft = Omit<Operation, 'canvasId' | 'risks'> & { canvasId?: Cell | undefined };

export function operation(d: OperationDraft): Operation {
  const op: Operation = {
    entity: d.entity, action: d.action, key: d.key, canvasId: d.canvasId ?? null, changes: d.changes, reason: d.reason, rows: d.rows,
  };
  if (d.role !== undefined) op.role = d.role;
  if (d.account !== undefined) op.account = d.account;
  if (d.term !== undefined) op.term = d.term;
  return op;
}

/** Collects operations and risks; links a risk to the operations it concerns. */
export class PlanBuilder {
  readonly operations: Operation[] = [];
  readonly risks: Risk[] = [];
  readonly notes: string[] = [];

  add(op: Operation): Operation {
    this.operations.push(op);
    return op;
  }

  risk(risk: Risk, ...ops: Operation[]): void {
    const index = this.risks.push(risk) - 1;
    for (const op of ops) (op.risks ??= []).push(index);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

export const reasons = {
  create: (origin: string): OperationReason => ({ rule: 'sis', text: 'in the SIS, not in Canvas', source: origin }),
  update: (entity: EntityName, origin: string): OperationReason => ({
    rule: `rules.${entity}.owns`, text: 'fields the SIS owns differ from Canvas', source: origin,
  }),
  restore: (entity: EntityName, origin: string): OperationReason => ({
    rule: 'sis', text: `deleted in Canvas but present in the SIS: the import restores it (${entity})`, source: origin,
  }),
  adoptBySisId: (origin: string): OperationReason => ({
    rule: 'canvas.sis-id-match',
    text: 'created by hand in Canvas with this SIS id: the import takes it over and it becomes SIS-managed',
    source: origin,
  }),
  drop: (entity: EntityName, policy: string): OperationReason => ({
    rule: `rules.${entity}.missing=${policy}`, text: 'SIS-managed in Canvas, missing from the SIS export',
  }),
};
