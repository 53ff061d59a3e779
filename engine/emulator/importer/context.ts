/**
 * What every per-type importer shares while one batch runs: the store, the batch (messages), the
 * stickiness rules of §3.3, stamping with the batch id (§3.1) and the state-change log behind
 * `data.statistics` (§1.4).
 */
import { toUtcInstant } from '../../util/dates.js';
import { nowIso, type Base, type Store } from '../store.js';
import type { SisBatch } from '../sis-batch.js';
import type { Row } from './rows.js';

/** Models counted in `data.statistics` (§1.4), in Canvas's order. */
export const STATISTICS_MODELS = [
  'Account', 'EnrollmentTerm', 'CommunicationChannel', 'AbstractCourse', 'Course', 'CourseSection', 'Enrollment',
  'GroupCategory', 'Group', 'GroupMembership', 'Pseudonym', 'UserObserver', 'AccountUser',
] as const;
export type StatisticsModel = (typeof STATISTICS_MODELS)[number];

interface StateChange {
  model: StatisticsModel;
  from: string;
  to: string;
}

/** An object whose stuck-field set an import may honour. */
export interface Sticky {
  stuck: Set<string>;
}

export class ImportContext {
  readonly override: boolean;
  readonly addStickiness: boolean;
  readonly clearStickiness: boolean;
  readonly skipDeletes: boolean;
  /** Terms saved by normal terms.csv rows of this batch (multi-term batch mode, §3.5). */
  readonly touchedTermIds = new Set<number>();
  readonly stateChanges: StateChange[] = [];

  constructor(readonly store: Store, readonly batch: SisBatch, readonly timeZone: string) {
    const o = batch.options;
    this.override = o.override_sis_stickiness === true;
    // add_/clear_ are only honoured together with override (§1.2); clear wins over add (§3.3).
    this.clearStickiness = this.override && o.clear_sis_stickiness === true;
    this.addStickiness = this.override && !this.clearStickiness && o.add_sis_stickiness === true;
    this.skipDeletes = o.skip_deletes === true;
  }

  /** A row-level warning (`failure:false`, §1.4); returns false so importers can `return ctx.warn(...)` to skip a row. */
  warn(row: Row, message: string): false {
    this.batch.addMessage(row.file.name, message, { row: row.line });
    return false;
  }

  canWrite(obj: Sticky, field: string): boolean {
    return this.override || !obj.stuck.has(field);
  }

  /**
   * Writes `value` into `obj[key]` unless the sticky `field` is stuck; with add_sis_stickiness a
   * changed field becomes stuck. Returns whether the value changed.
   */
  assign<T extends Sticky, K extends keyof T>(obj: T, field: string, key: K, value: T[K]): boolean {
    if (!this.canWrite(obj, field)) return false;
    if (obj[key] === value) return false;
    obj[key] = value;
    if (this.addStickiness) obj.stuck.add(field);
    return true;
  }

  /** Marks an object as saved by this batch: batch id, updated_at, and clear_sis_stickiness. */
  stamp(obj: Base): void {
    obj.sisBatchId = this.batch.id;
    obj.updatedAt = nowIso();
    if (this.clearStickiness) obj.stuck.clear();
  }

  /** A record saved by this batch that carries no batch id (users): clear_sis_stickiness still applies. */
  saved(obj: Sticky & { updatedAt: string }): void {
    obj.updatedAt = nowIso();
    if (this.clearStickiness) obj.stuck.clear();
  }

  recordState(model: StatisticsModel, from: string, to: string): void {
    if (from !== to) this.stateChanges.push({ model, from, to });
  }

  /** A CSV date in the root account's zone (§2.0); `undefined` when unparseable. */
  parseDate(value: string | null): string | null | undefined {
    if (value === null) return null;
    return toUtcInstant(value, this.timeZone) ?? undefined;
  }

  /** `data.statistics`: created/restored/deleted per model, plus concluded and deactivated. */
  statistics(): Record<string, unknown> {
    const stats: Record<string, unknown> = { total_state_changes: this.stateChanges.length };
    for (const model of STATISTICS_MODELS) {
      const changes = this.stateChanges.filter((c) => c.model === model);
      const deletedState = model === 'CommunicationChannel' ? 'retired' : 'deleted';
      const entry: Record<string, number> = {
        created: changes.filter((c) => c.from === 'non-existent').length,
        restored: changes.filter((c) => c.from === deletedState && c.to !== deletedState).length,
        deleted: changes.filter((c) => c.to === deletedState).length,
      };
      if (model === 'Course' || model === 'Enrollment') entry.concluded = changes.filter((c) => c.to === 'completed').length;
      if (model === 'Enrollment') entry.deactivated = changes.filter((c) => c.to === 'inactive').length;
      stats[model] = entry;
    }
    return stats;
  }
}
