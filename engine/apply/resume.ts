/**
 * Picking up after a stopped apply (killed, interrupted, failed after sending). The journal beside
 * the apply record says what was sent; before anything else the rerun finds those imports (never
 * sending their rows again), waits for them to end, and re-plans:
 * - nothing left to do → "already applied" (exit 0), the record lists the imports;
 * - nothing of the plan landed → the plan is applied as if for the first time;
 * - some uploads landed and what is left is exactly the rest of the plan's uploads → those are sent;
 * - otherwise the plan is stale (exit 4), as for any plan Canvas moved away from.
 */
import { PlanRefusedError } from '../errors.js';
import { SUCCESSFUL_IMPORT_STATES, type SisImport } from '../canvas/sis-import.js';
import { planAgainstCanvas, type SisSide } from '../pipeline.js';
import { importPhases } from '../plan/phases.js';
import { ExitCode } from '../errors.js';
import { checkVerdict, converge, openSession, sendPhases, stopped, timingOf, waitUntilIdle, type ApplyRecord, type ApplyRequest } from './apply.js';
import { buildImport } from './build-import.js';
import { readJournal, type Journal, type JournalPhase } from './journal.js';
import { mapMessages, maskPersonalData } from './messages.js';
import type { ApplySession } from './session.js';

export interface Resumed {
  session: ApplySession;
  /** Set when the rerun ended here (already applied, or the rest of the plan sent). */
  record?: ApplyRecord;
}

export async function resumeInterrupted(req: ApplyRequest, sis: SisSide): Promise<Resumed> {
  const path = req.paths?.journal;
  const previous = path ? await readJournal(path) : null;
  if (!previous || previous.planId !== req.plan.planId || !previous.phases.some((p) => p.attempts.length > 0)) {
    if (previous && previous.planId !== req.plan.planId && previous.state === 'sending') {
      req.log(`the journal ${path} is from an apply of another plan (${previous.planId}) that did not end; this plan starts afresh (imports still running on the account are awaited before uploading)`);
    }
    const session = openSession(req);
    // Imports still running (another job, a person, an earlier run) are awaited before the re-plan, so it sees their effect.
    await waitUntilIdle(req);
    return { session };
  }
  const session = openSession(req, previous);
  try {
    return await resume(req, sis, session, previous);
  } catch (err) {
    throw await stopped(session, err);
  }
}

async function resume(req: ApplyRequest, sis: SisSide, session: ApplySession, previous: Journal): Promise<Resumed> {
  const { log, plan } = req;
  const phases = importPhases(plan.operations);
  const interrupted = previous.state === 'sending';
  if (interrupted) log(`an earlier apply of plan ${plan.planId} stopped after sending ${session.describeSent().length} upload(s) (journal ${req.paths?.journal}): finding what Canvas made of them before sending anything`);
  // An ended run's imports are known and over; only a stopped run's need finding and waiting for.
  for (const phase of interrupted ? session.journal.phases.filter((p) => p.attempts.length > 0).sort((a, b) => a.index - b.index) : []) {
    const imp = await findImport(req, session, phase);
    if (!imp) continue;
    // Messages map to operations through the rows sent; a continuation's upload (index past the plan's) has none to map.
    const rows = phases[phase.index];
    if (rows) {
      const built = buildImport(rows);
      const canvasSaid = mapMessages(await req.canvas.imports.messages(imp), built);
      session.record.messages.push(...(req.config.showPersonalData ? canvasSaid : maskPersonalData(canvasSaid, built)));
    }
    Object.assign(session.importRecord(phase), { id: String(imp.id), workflowState: imp.workflow_state, counts: imp.data?.counts ?? {} });
  }
  await waitUntilIdle(req);
  const fresh = (await planAgainstCanvas(req.config, sis, () => req.canvas.readState())).plan;
  if (fresh.operations.length === 0) {
    log(`already applied: Canvas has converged with plan ${plan.planId}`);
    const record = await converge(req, sis, session);
    record.outcome = 'already-applied';
    await session.writeRecord();
    return { session, record };
  }
  const landed = new Set(session.journal.phases.filter((p) => p.workflowState && SUCCESSFUL_IMPORT_STATES.has(p.workflowState)).map((p) => p.index));
  if (!interrupted || landed.size === 0) {
    // Nothing of the plan took effect (or the earlier run ended): the normal path re-plans and applies it, or finds it stale.
    if (interrupted) log('none of the earlier uploads took effect: applying the plan as planned');
    return { session: openSession(req) };
  }
  const rest = phases.filter((_, index) => !landed.has(index));
  const restRows = new Map<string, number>();
  for (const placed of rest.flat()) restRows.set(rowKey(placed.row), (restRows.get(rowKey(placed.row)) ?? 0) + 1);
  const freshRows = fresh.operations.flatMap((op) => op.rows.map(rowKey));
  const approved = freshRows.every((k) => {
    const left = restRows.get(k) ?? 0;
    restRows.set(k, left - 1);
    return left > 0;
  });
  if (approved) {
    // Only rows of this plan's uploads that did not land: the approval covers each of them. The
    // guards still judge what is left on their own (never the file's verdict): a rest that is
    // blocked, or that needs an approval this run does not have, is not sent.
    checkVerdict(fresh, req.approval);
    const first = Math.max(phases.length, ...session.journal.phases.map((p) => p.index + 1));
    const next = importPhases(fresh.operations).map((rows, i) => ({ index: first + i, rows }));
    log(`upload(s) ${[...landed].filter((i) => i < phases.length).map((i) => i + 1).join(', ')} landed; the ${freshRows.length} row(s) still needed are all rows of this plan that did not: sending them`);
    return { session, record: await sendPhases(req, sis, session, next) };
  }
  throw new PlanRefusedError('apply.stale',
    `plan ${plan.planId} was partly applied by an earlier run, and what is left now is not part of the plan's remaining rows (the plan today is ${fresh.planId}, ${fresh.operations.length} operation(s))`,
    'Plan again and review the new plan: Canvas or the SIS changed besides what this plan sent.', ExitCode.stale);
}

const rowKey = (row: { file: string; cells: Record<string, string> }): string =>
  JSON.stringify([row.file, Object.entries(row.cells).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);

/** The import a journalled upload created, followed to its end; null when it is established that it created none. */
async function findImport(req: ApplyRequest, session: ApplySession, phase: JournalPhase): Promise<SisImport | null> {
  const { imports } = req.canvas;
  let id = phase.importId;
  if (!id) {
    if (phase.attempts.every((a) => a.landed === false)) return null;
    const timing = timingOf(req);
    const lastSent = Math.max(...phase.attempts.map((a) => Date.parse(a.sentAt)));
    req.log(`upload ${phase.index + 1} was sent at ${new Date(lastSent).toISOString()} and its answer never arrived: watching the import list until ${Math.round(timing.landingWindowMs / 1000)}s after that`);
    const landed = await imports.findLanded({ files: phase.files, knownBefore: new Set(phase.knownBefore), landingWindowMs: timing.landingWindowMs, listIntervalMs: timing.listIntervalMs }, lastSent);
    if (!landed) {
      for (let n = 1; n <= phase.attempts.length; n++) await session.attemptNotLanded(phase, n);
      req.log(`upload ${phase.index + 1} created no import`);
      return null;
    }
    id = String(landed.id);
    req.log(`upload ${phase.index + 1} had created import ${id}`);
  }
  await session.importState(phase, id, phase.workflowState ?? 'created');
  session.importRecord(phase);
  req.log(`waiting for import ${id} to end`);
  return imports.wait(id, req.canvas.poll, (imp) => session.importState(phase, String(imp.id), imp.workflow_state));
}
