/**
 * One apply run's bookkeeping: the journal (written before each upload and at each change of state)
 * and the apply record (written at the end, and on every way out once something was sent). Writes
 * are queued, so a signal arriving mid-write waits for it and then writes the final state.
 */
import { DataError } from '../errors.js';
import type { Approval, ApplyRecord, ImportRecord } from './apply.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ActiveApply } from './apply-state.js';
import { writeJournal, type Journal, type JournalPhase } from './journal.js';

export interface SessionPaths {
  /** Where the record goes; null when the caller (a library test) keeps it in memory. */
  record: string | null;
  journal: string | null;
}

export class ApplySession implements ActiveApply {
  readonly record: ApplyRecord;
  readonly journal: Journal;
  private queue: Promise<void> = Promise.resolve();
  private recordWritten = false;
  private lastWriteProblem: string | null = null;

  constructor(readonly paths: SessionPaths, planId: string, approval: Approval | null, canvas: { url: string; account: string }, previous?: Journal) {
    this.record = { planId, appliedPlanId: planId, approval, outcome: 'converged', imports: [], messages: [], converged: false, remaining: [] };
    this.journal = previous
      ? { ...previous, state: 'sending', phases: previous.phases.map((p) => ({ ...p, attempts: [...p.attempts] })) }
      : { kind: 'rosterops-apply-journal', formatVersion: 1, planId, canvas: canvas.url, account: canvas.account, state: 'sending', updatedAt: '', phases: [] };
  }

  sentAnything(): boolean {
    return this.journal.phases.some((p) => p.attempts.length > 0);
  }

  describeSent(): string[] {
    return this.journal.phases.filter((p) => p.attempts.length > 0).map((p) => {
      const what = `upload ${p.index + 1} (${p.rows} rows, sent ${p.attempts.length === 1 ? 'once' : `${p.attempts.length} times`})`;
      if (p.importId) return `${what}: import ${p.importId}, ${p.workflowState ?? 'state unknown'}${p.workflowState && !isEnded(p.workflowState) ? ' (Canvas may still be working on it)' : ''}`;
      if (p.attempts.every((a) => a.landed === false)) return `${what}: created no import (the import list shows none)`;
      return `${what}: Canvas's answer was lost; it is not known yet whether it created an import`;
    });
  }

  /** A phase is about to be uploaded for the first time. */
  async phaseStarting(phase: Omit<JournalPhase, 'attempts' | 'importId' | 'workflowState'>): Promise<JournalPhase> {
    const entry: JournalPhase = { ...phase, attempts: [], importId: null, workflowState: null };
    this.journal.phases = [...this.journal.phases.filter((p) => p.index !== phase.index), entry];
    return entry;
  }

  /** Before the request leaves: the journal must say so first. */
  async attemptSending(phase: JournalPhase, sentAt: Date): Promise<void> {
    phase.attempts.push({ sentAt: sentAt.toISOString(), landed: null });
    try {
      await this.saveJournal();
    } catch (err) {
      // No journal, no upload: a rerun could not know about it.
      phase.attempts.pop();
      throw new DataError('journal.unwritable', `cannot write the apply journal: ${(err as Error).message}`, { file: this.paths.journal ?? undefined },
        'apply writes the journal before every upload, so that a rerun never sends the same rows twice. Make the folder of the apply record (--record) writable and run again.');
    }
  }

  async attemptNotLanded(phase: JournalPhase, attempt: number): Promise<void> {
    const a = phase.attempts[attempt - 1];
    if (a) a.landed = false;
    await this.saveJournal();
  }

  async importState(phase: JournalPhase, id: string, state: string): Promise<void> {
    const changed = phase.importId !== id || phase.workflowState !== state;
    phase.importId = id;
    phase.workflowState = state;
    const last = phase.attempts.at(-1);
    if (last && last.landed === null) last.landed = true;
    const known = this.record.imports.find((i) => i.phase === phase.index);
    if (known) {
      known.id = id;
      known.workflowState = state;
    }
    if (changed) await this.saveJournal();
  }

  /** The record's entry for a phase, created when its upload starts. */
  importRecord(phase: JournalPhase): ImportRecord {
    let entry = this.record.imports.find((i) => i.phase === phase.index);
    if (!entry) {
      entry = {
        phase: phase.index, id: phase.importId, workflowState: phase.workflowState ?? 'upload-sent', counts: {}, rows: phase.rows,
        files: Object.fromEntries(phase.files.map((f) => [f.name, f.rows])),
      };
      this.record.imports.push(entry);
    }
    return entry;
  }

  /** The run ended normally: the record says everything, the journal is closed. */
  async finish(): Promise<void> {
    if (this.journal.phases.length > 0) {
      this.journal.state = 'ended';
      await this.saveJournal();
    }
    await this.writeRecord();
  }

  async stop(reason: { code: string; message: string }): Promise<string | null> {
    this.record.outcome = reason.code === 'signal' ? 'interrupted' : 'incomplete';
    this.record.converged = false;
    this.record.error = reason;
    for (const p of this.journal.phases) if (p.attempts.length > 0) this.importRecord(p);
    try {
      if (this.journal.phases.length > 0) await this.saveJournal();
      await this.writeRecord();
      return this.paths.record;
    } catch (err) {
      // The run is already stopping for another reason: say why the record is missing rather than fail again.
      this.lastWriteProblem = `the apply record ${this.paths.record ?? ''} could not be written: ${(err as Error).message}`;
      return null;
    }
  }

  /** Why the last stop could not write the record, for the printed report. */
  writeProblem(): { problem: string } | null {
    return this.lastWriteProblem ? { problem: this.lastWriteProblem } : null;
  }

  /** Writes the record (queued behind any journal write). */
  writeRecord(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.paths.record) return;
      await writeFileAtomic(this.paths.record, JSON.stringify(this.record, null, 2) + '\n');
      this.recordWritten = true;
    });
  }

  get hasWrittenRecord(): boolean {
    return this.recordWritten;
  }

  private saveJournal(): Promise<void> {
    const snapshot = JSON.parse(JSON.stringify(this.journal)) as Journal;
    return this.enqueue(async () => {
      if (this.paths.journal) await writeJournal(this.paths.journal, snapshot);
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => {});
    return next;
  }
}

const ENDED = new Set(['imported', 'imported_with_messages', 'failed', 'failed_with_messages', 'aborted', 'restored', 'partially_restored']);
const isEnded = (state: string) => ENDED.has(state);
