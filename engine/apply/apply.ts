/**
 * apply: exactly the approved plan, or nothing. Refuses blocked and unapproved plans, refuses a
 * stale plan (re-plans, and goes on only if the effect is unchanged), sends the plan's rows as SIS
 * imports exactly once (journal first, in-flight imports awaited, lost answers resolved from the
 * import list: sis-import.ts), maps Canvas's messages back to operations, then re-plans to prove
 * convergence. Once anything was sent, every way out writes the apply record (session.ts).
 */
import { ExitCode, PlanRefusedError, RosteropsError } from '../errors.js';
import type { ImportFlags, ImportMessage, SisImport } from '../canvas/sis-import.js';
import { SUCCESSFUL_IMPORT_STATES } from '../canvas/sis-import.js';
import type { LiveCanvas } from '../canvas/live.js';
import type { CanvasState } from '../model/canvas.js';
import type { Operation, Plan } from '../model/plan.js';
import { planAgainstCanvas, prepareSisSide, type SisSide, type Sources } from '../pipeline.js';
import type { Config } from '../policy/types.js';
import { importPhases, type PlacedRow } from '../plan/phases.js';
import { sha256Hex } from '../util/canonical.js';
import { ApplyExit, ApplyIncompleteError, setActiveApply } from './apply-state.js';
import { buildImport } from './build-import.js';
import { mapMessages, maskPersonalData, type MappedMessage } from './messages.js';
import { resumeInterrupted } from './resume.js';
import { applyTiming } from './timing.js';
import { ApplySession, type SessionPaths } from './session.js';

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
  /** Where the apply record and the journal are written; without it (library use) they stay in memory. */
  paths?: SessionPaths;
  /** Exactly-once timing; defaults suit production (apply/timing.ts). */
  timing?: Partial<ApplyTiming>;
}

export interface ApplyTiming {
  /** How long after sending an upload Canvas may still create its import: the request timeout plus a margin. */
  landingWindowMs: number;
  /** Pause between looks at the import list while waiting. */
  listIntervalMs: number;
  /** How long to wait for SIS imports already running on the account before refusing to upload. */
  busyWaitMs: number;
}

export interface Remaining {
  entity: string;
  action: string;
  key: string;
  why: string;
}

export interface ImportRecord {
  /** Index of the upload in plan/phases.ts order. */
  phase: number;
  /** null while Canvas's answer to the upload is lost and no import was found for it. */
  id: string | null;
  /** Canvas's state, or `upload-sent` before Canvas answered. */
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
  /**
   * converged / not-converged: the run ended and re-planned; already-applied: a rerun found Canvas
   * converged; nothing-to-apply: the plan was empty; incomplete: stopped by an error after sending;
   * interrupted: stopped by SIGINT/SIGTERM.
   */
  outcome: 'converged' | 'not-converged' | 'already-applied' | 'nothing-to-apply' | 'incomplete' | 'interrupted';
  /** Why the run stopped early (incomplete, interrupted). */
  error?: { code: string; message: string };
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
  // A previous run of this plan that was stopped: find what it sent before anything else (resume.ts).
  const resumed = await resumeInterrupted(req, sis);
  if (resumed.record) return resumed.record;
  const fresh = (await planAgainstCanvas(config, sis, readCanvas)).plan;
  const sameInputs = fresh.inputs.config === plan.inputs.config && fresh.inputs.sis === plan.inputs.sis && fresh.inputs.canvas === plan.inputs.canvas;
  // Canvas already holds what this plan would make, from the same SIS export and policies: an
  // earlier run whose journal is gone (a new CI runner) or another path got there. Nothing to send,
  // and nothing stale about it.
  if (fresh.operations.length === 0 && plan.operations.length > 0 && fresh.inputs.config === plan.inputs.config && fresh.inputs.sis === plan.inputs.sis) {
    log(`already applied: Canvas has converged with plan ${plan.planId} (a new plan is empty)`);
    return { planId: plan.planId, appliedPlanId: plan.planId, approval: req.approval ?? null, outcome: 'already-applied', imports: [], messages: [], converged: true, remaining: [] };
  }
  // The file's verdict is never trusted (it is only as honest as whoever wrote the file): guards
  // judge apply's own plan, and a file that recorded another verdict is not the plan it claims to be.
  checkVerdict(fresh, req.approval);
  if (!sameVerdict(fresh.verdict, plan.verdict)) throw verdictMismatch(plan, fresh);
  if (fresh.planId !== plan.planId) throw staleError(plan, fresh);
  if (!sameInputs) log('Canvas or the SIS changed since planning, but the plan is the same: applying it');

  if (plan.operations.length === 0) {
    log('nothing to apply: the plan is empty');
    return { planId: plan.planId, appliedPlanId: plan.planId, approval: req.approval ?? null, outcome: 'nothing-to-apply', imports: [], messages: [], converged: true, remaining: [] };
  }

  return sendPhases(req, sis, resumed.session, importPhases(plan.operations).map((rows, index) => ({ index, rows })));
}

export interface PhaseToSend {
  index: number;
  rows: PlacedRow[];
}

export function timingOf(req: ApplyRequest): ApplyTiming {
  return { ...applyTiming(req.canvas, {}), ...req.timing };
}

/** A new session for this run, registered for the signal handlers (main.ts). */
export function openSession(req: ApplyRequest, previous?: ConstructorParameters<typeof ApplySession>[4]): ApplySession {
  // The journal is a CI artifact: the Canvas URL goes in without any credentials or query.
  const url = new URL(req.canvas.http.baseUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  const session = new ApplySession(req.paths ?? { record: null, journal: null }, req.plan.planId, req.approval ?? null,
    { url: url.toString().replace(/\/$/, ''), account: req.config.sources.canvas.account }, previous);
  setActiveApply(session);
  return session;
}

/**
 * Uploads the phases in order, one import each, following each to its end; then re-plans. Any
 * failure once something was sent becomes an ApplyIncompleteError after the record is written.
 */
export async function sendPhases(req: ApplyRequest, sis: SisSide, session: ApplySession, phases: readonly PhaseToSend[]): Promise<ApplyRecord> {
  const { config, log } = req;
  const record = session.record;
  try {
    for (const { index, rows } of phases) {
      const built = buildImport(rows);
      await waitUntilIdle(req);
      const done = await sendOne(req, session, index, built);
      const canvasSaid = mapMessages(await req.canvas.imports.messages(done), built);
      const shown = config.showPersonalData ? canvasSaid : maskPersonalData(canvasSaid, built);
      log(`import ${done.id} ended ${done.workflow_state}${shown.length ? ` with ${shown.length} message(s)` : ''}`);
      record.messages.push(...shown);
      const entry = record.imports.find((i) => i.phase === index)!;
      Object.assign(entry, { id: String(done.id), workflowState: done.workflow_state, counts: done.data?.counts ?? {} });
      // A later phase builds on an earlier one (logins before users): stop when Canvas failed it.
      if (!SUCCESSFUL_IMPORT_STATES.has(done.workflow_state)) break;
    }
    return await converge(req, sis, session);
  } catch (err) {
    throw await stopped(session, err);
  }
}

/** Re-plans after the imports, explains what is left, and closes the run's journal and record. */
export async function converge(req: ApplyRequest, sis: SisSide, session: ApplySession): Promise<ApplyRecord> {
  const record = session.record;
  const after = (await planAgainstCanvas(req.config, sis, () => req.canvas.readState())).plan;
  const failed = record.imports.find((i) => !SUCCESSFUL_IMPORT_STATES.has(i.workflowState));
  record.remaining = explainRemaining(after.operations, record.messages, req.config, failed ?? null);
  record.converged = record.remaining.length === 0 && !failed;
  record.outcome = record.converged ? 'converged' : 'not-converged';
  await session.finish();
  return record;
}

/** The error to throw once apply stops: as it is when nothing was sent, else with the record written and what was sent. */
export async function stopped(session: ApplySession, err: unknown): Promise<unknown> {
  if (err instanceof ApplyIncompleteError || !session.sentAnything()) return err;
  const reason = err instanceof RosteropsError ? { code: err.code, message: err.message } : { code: 'internal', message: (err as Error)?.message ?? String(err) };
  const path = await session.stop(reason);
  // A refusal keeps its code (stale 4, busy 7): the cause is what a script branches on.
  const exit = err instanceof PlanRefusedError ? err.exitCode : ApplyExit.incomplete;
  return new ApplyIncompleteError(err instanceof Error ? err : new Error(String(err)), session.describeSent(), path ?? session.writeProblem(), exit);
}

/** One phase: journal, upload (never twice), follow to the end. */
async function sendOne(req: ApplyRequest, session: ApplySession, index: number, built: ReturnType<typeof buildImport>): Promise<SisImport> {
  const { imports } = req.canvas;
  const timing = timingOf(req);
  const rowsIn = rowsPerFile(built.rowOwner.keys());
  const files = [...built.files].map(([name, text]) => ({ name, size: new TextEncoder().encode(text).byteLength, rows: rowsIn[name] ?? 0 }));
  const knownBefore = await imports.recentIds();
  const phase = await session.phaseStarting({ index, zipSha256: sha256Hex(built.zip), zipBytes: built.zip.byteLength, rows: built.rowCount, files, knownBefore: [...knownBefore] });
  const started = await imports.upload(built.zip, {
    flags: importFlags(req.config), files, knownBefore,
    landingWindowMs: timing.landingWindowMs, listIntervalMs: timing.listIntervalMs,
    beforeSend: async (attempt, sentAt) => {
      await session.attemptSending(phase, sentAt);
      session.importRecord(phase);
      if (attempt === 1) req.log(`uploading ${built.rowCount} rows in ${built.files.size} file(s): ${[...built.files.keys()].join(', ')}`);
    },
    notLanded: (attempt) => session.attemptNotLanded(phase, attempt),
  });
  await session.importState(phase, String(started.id), started.workflow_state);
  req.log(`import ${started.id} created`);
  return imports.wait(started.id, req.canvas.poll, (imp) => session.importState(phase, String(imp.id), imp.workflow_state));
}

/**
 * Waits (bounded, with progress) for SIS imports already running on the account: another job's,
 * a person's, or a timed-out earlier run's. Uploading beside them would queue behind or race them.
 */
export async function waitUntilIdle(req: ApplyRequest): Promise<void> {
  const { busyWaitMs, listIntervalMs } = timingOf(req);
  const deadline = Date.now() + busyWaitMs;
  let said = '';
  for (;;) {
    const running = await req.canvas.imports.running();
    if (running.length === 0) return;
    const list = running.map((i) => `${i.id} (${i.workflow_state}${i.progress !== undefined ? ` ${i.progress}%` : ''})`).join(', ');
    if (Date.now() >= deadline) {
      throw new PlanRefusedError('apply.imports-running',
        `SIS imports are still running on the account after waiting ${Math.round(busyWaitMs / 1000)}s: ${running.map((i) => i.id).join(', ')}`,
        'Another job, a person or an earlier apply started them. Let them end (or abort them in Canvas), then run the same apply again; uploading beside them could apply rows twice or out of order.',
        ApplyExit.busy);
    }
    if (list !== said) req.log(`waiting for SIS import(s) already running on the account to end before uploading: ${list}`);
    said = list;
    await new Promise<void>((r) => setTimeout(r, Math.min(listIntervalMs, Math.max(0, deadline - Date.now()))));
  }
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
