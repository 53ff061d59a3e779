/**
 * apply: exactly the approved plan, or nothing. Refuses blocked and unapproved plans, refuses a
 * stale plan (re-plans, and goes on only if the effect is unchanged), sends one SIS import of the
 * plan's rows, maps Canvas's messages back to operations, then re-plans to prove convergence.
 */
import { ExitCode, PlanRefusedError } from '../errors.js';
import type { ImportFlags, ImportMessage } from '../canvas/sis-import.js';
import { SUCCESSFUL_IMPORT_STATES } from '../canvas/sis-import.js';
import type { LiveCanvas } from '../canvas/live.js';
import type { CanvasState } from '../model/canvas.js';
import type { Operation, Plan } from '../model/plan.js';
import { planAgainstCanvas, prepareSisSide, type SisSide, type Sources } from '../pipeline.js';
import type { Config } from '../policy/types.js';
import { importPhases } from '../plan/phases.js';
import { buildImport } from './build-import.js';
import { mapMessages, maskPersonalData, type MappedMessage } from './messages.js';

export interface Approval {
  /** Who or what allowed a plan outside guards, for the log and the record. */
  by: string;
  /** Operations the approval covers (the approved plan's); routine changes may go beyond them. */
  planId: string;
}

export interface ApplyRequest {
  plan: Plan;
  config: Config;
  /** The SIS export as it is now, and the live Canvas. */
  sis: Sources['readSis'];
  /** The SIS side already read for this plan's day (sync planned from it a moment ago); else `sis` is read. */
  sisSide?: SisSide;
  canvas: LiveCanvas;
  log: (line: string) => void;
  /** Set when a plan outside guards may go (an approval bound to its planId, or --allow-needs-approval). */
  approval?: Approval;
}

export interface Remaining {
  entity: string;
  action: string;
  key: string;
  why: string;
}

export interface ImportRecord {
  id: string;
  workflowState: string;
  counts: Record<string, number>;
  rows: number;
  /** Rows sent per file. The CSV contents are not kept: they hold names and e-mails, and the record is a CI artifact. */
  files: Record<string, number>;
}

export interface ApplyRecord {
  planId: string;
  /** The plan actually sent (equal to planId unless routine changes were allowed on top). */
  appliedPlanId: string;
  approval: Approval | null;
  /** One per phase (plan/phases.ts), in the order sent; empty when the plan was empty. */
  imports: ImportRecord[];
  messages: MappedMessage[];
  converged: boolean;
  remaining: Remaining[];
}

export function importFlags(config: Config): ImportFlags {
  const s = config.apply.stickiness;
  return {
    override_sis_stickiness: s !== 'respect',
    clear_sis_stickiness: s === 'override-and-clear',
    update_sis_id_if_login_claimed: config.apply.updateSisIdIfLoginClaimed,
  };
}

export function checkVerdict(plan: Plan, approval: Approval | undefined): void {
  const why = plan.verdict.reasons.map((r) => r.message).join('; ');
  if (plan.verdict.status === 'blocked') {
    throw new PlanRefusedError('apply.blocked', `plan ${plan.planId} is blocked by guards: ${why}`,
      'A blocked plan is never applied. Fix the cause (e.g. a truncated export) and plan again, or change the guard in policies/guards.yaml through a reviewed pull request.', ExitCode.needsApproval);
  }
  if (plan.verdict.status === 'needs-approval' && !approval) {
    throw new PlanRefusedError('apply.needs-approval', `plan ${plan.planId} needs approval: ${why}`,
      'Approve the pull request that shows this planId, commit an approval record naming it, or pass --allow-needs-approval (logged).', ExitCode.needsApproval);
  }
}

/** Canonical effect of an operation, to compare plans operation by operation. */
const effect = (op: Operation) => JSON.stringify([op.entity, op.action, op.key, op.rows]);

export async function applyPlan(req: ApplyRequest): Promise<ApplyRecord> {
  const { plan, config, log } = req;
  checkVerdict(plan, req.approval);
  if (req.approval) log(`applying a plan outside guards (${plan.verdict.status}) approved by ${req.approval.by} for ${req.approval.planId}`);

  const readCanvas = (): Promise<CanvasState> => req.canvas.readState();
  // Read once: the staleness check and the convergence check plan the same export (pipeline.ts SisSide).
  const sis = req.sisSide?.day === plan.inputs.asOf ? req.sisSide : await prepareSisSide(config, req.sis, plan.inputs.asOf);
  const fresh = (await planAgainstCanvas(config, sis, readCanvas)).plan;
  const sameInputs = fresh.inputs.config === plan.inputs.config && fresh.inputs.sis === plan.inputs.sis && fresh.inputs.canvas === plan.inputs.canvas;
  // The file's verdict is never trusted (it is only as honest as whoever wrote the file): guards
  // judge apply's own plan, and a file that recorded another verdict is not the plan it claims to be.
  checkVerdict(fresh, req.approval);
  if (!sameVerdict(fresh.verdict, plan.verdict)) throw verdictMismatch(plan, fresh);
  if (fresh.planId !== plan.planId) throw staleError(plan, fresh);
  if (!sameInputs) log('Canvas or the SIS changed since planning, but the plan is the same: applying it');

  if (plan.operations.length === 0) {
    log('nothing to apply: the plan is empty');
    return { planId: plan.planId, appliedPlanId: plan.planId, approval: req.approval ?? null, imports: [], messages: [], converged: true, remaining: [] };
  }

  const imports: ImportRecord[] = [];
  const messages: MappedMessage[] = [];
  for (const phase of importPhases(plan.operations)) {
    const built = buildImport(phase);
    log(`uploading ${built.rowCount} rows in ${built.files.size} file(s): ${[...built.files.keys()].join(', ')}`);
    const started = await req.canvas.imports.upload(built.zip, importFlags(config));
    log(`import ${started.id} created`);
    const done = await req.canvas.imports.wait(started.id, req.canvas.poll);
    const said = mapMessages(await req.canvas.imports.messages(done), built);
    const mapped = config.showPersonalData ? said : maskPersonalData(said, built);
    log(`import ${done.id} ended ${done.workflow_state}${mapped.length ? ` with ${mapped.length} message(s)` : ''}`);
    messages.push(...mapped);
    imports.push({ id: String(done.id), workflowState: done.workflow_state, counts: done.data?.counts ?? {}, rows: built.rowCount, files: rowsPerFile(built.rowOwner.keys()) });
    // A later phase builds on an earlier one (logins before users): stop when Canvas failed it.
    if (!SUCCESSFUL_IMPORT_STATES.has(done.workflow_state)) break;
  }

  const after = (await planAgainstCanvas(config, sis, readCanvas)).plan;
  const failed = imports.find((i) => !SUCCESSFUL_IMPORT_STATES.has(i.workflowState));
  const remaining = explainRemaining(after.operations, messages, config, failed ?? null);
  return {
    planId: plan.planId,
    appliedPlanId: plan.planId,
    approval: req.approval ?? null,
    imports,
    messages,
    converged: remaining.length === 0 && !failed,
    remaining,
  };
}

function sameVerdict(a: Plan['verdict'], b: Plan['verdict']): boolean {
  const text = (v: Plan['verdict']) => JSON.stringify([v.status, v.reasons.map((r) => [r.guard, r.requires, r.message])]);
  return text(a) === text(b);
}

function verdictMismatch(plan: Plan, fresh: Plan): PlanRefusedError {
  return new PlanRefusedError(
    'apply.verdict-mismatch',
    `plan ${plan.planId} records the verdict "${plan.verdict.status}" (${plan.verdict.reasons.length} reason(s)), but planned again now it is "${fresh.verdict.status}" (${fresh.verdict.reasons.length} reason(s)): the file was edited, or Canvas, the SIS or the guards changed since planning`,
    'Plan again and review the new plan; apply judges the guards itself and never takes a verdict from the plan file.',
    ExitCode.stale,
  );
}

function staleError(plan: Plan, fresh: Plan): PlanRefusedError {
  const before = new Set(plan.operations.map(effect));
  const now = new Set(fresh.operations.map(effect));
  const gone = plan.operations.filter((op) => !now.has(effect(op))).length;
  const added = fresh.operations.filter((op) => !before.has(effect(op))).length;
  return new PlanRefusedError(
    'apply.stale',
    `plan ${plan.planId} is stale: Canvas, the SIS or the policies changed since it was made (${gone} of its operations no longer apply as planned, ${added} new ones; the plan today is ${fresh.planId})`,
    'Plan again and review the new plan; an approval names one planId and never carries over to a different plan.',
    ExitCode.stale,
  );
}

/** Why an operation is still in the plan after the import: Canvas's own message, else the likely cause. */
function explainRemaining(ops: readonly Operation[], messages: readonly MappedMessage[], config: Config, failed: ImportRecord | null): Remaining[] {
  const byKey = new Map<string, ImportMessage[]>();
  for (const m of messages) for (const k of m.operations) (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(m);
  return ops.map((op) => {
    const said = byKey.get(op.key);
    let why: string;
    if (said?.length) why = `Canvas: ${said.map((m) => m.message).join(' / ')}`;
    else if (failed) why = `import ${failed.id} ended ${failed.workflowState}`;
    else if (op.action === 'update' && config.apply.stickiness === 'respect') {
      why = `Canvas kept its value of ${op.changes.map((c) => c.field).join(', ')}: most likely edited by hand in Canvas (sticky). Set apply.stickiness: override to let the SIS win, or accept Canvas's value by not owning the field`;
    } else why = 'Canvas accepted the import but the change did not take effect (no message)';
    return { entity: op.entity, action: op.action, key: op.key, why };
  });
}

/** `users.csv:7`-style row keys → rows per file. */
function rowsPerFile(rowKeys: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of rowKeys) {
    const file = key.slice(0, key.lastIndexOf(':'));
    counts[file] = (counts[file] ?? 0) + 1;
  }
  return counts;
}
