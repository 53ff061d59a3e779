/** terms.csv incl. per-enrollment-type date override rows (canvas-sis.md §2.4, messages §5.5). */
import { ENROLLMENT_TYPES, type EnrollmentType } from '../../model/canvas.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

/**
 * The model error Canvas gives when a term with active courses is deleted, as it appears inside
 * `A term did not pass validation (...)`. The `Workflow state ` prefix is Rails' full-message
 * formatting and is UNVERIFIED (§5.5).
 */
export const TERM_HAS_ACTIVE_COURSES_ERROR = 'Workflow state Cannot delete a term with active courses';
export const DEFAULT_TERM_DELETE_ERROR = 'Cannot delete the default term';

export function importTerm(ctx: ImportContext, row: Row): boolean {
  const termId = row.get('term_id');
  const status = row.get('status');
  if (termId === null) return ctx.warn(row, 'No term_id given for a term');
  if (status === null || !/^(active|deleted)/i.test(status)) return ctx.warn(row, `Improper status "${status ?? ''}" for term ${termId}`);
  const deleted = /^deleted/i.test(status);
  if (ctx.skipDeletes && deleted) return false;
  const overrideType = row.get('date_override_enrollment_type');
  if (overrideType !== null) return importOverride(ctx, row, termId, overrideType, deleted);

  const name = row.get('name');
  if (name === null) return ctx.warn(row, `No name given for term ${termId}`);
  const { startAt, endAt } = rowDates(ctx, row, termId);

  const { store } = ctx;
  let term = store.termBySisId(termId);
  if (term && deleted && term.workflowState !== 'deleted') {
    const t = term;
    if (t.isDefault) return ctx.warn(row, `A term did not pass validation (term: ${termId} / ${name}, error: ${DEFAULT_TERM_DELETE_ERROR})`);
    if ([...store.courses.values()].some((c) => c.termId === t.id && c.workflowState !== 'deleted')) {
      return ctx.warn(row, `A term did not pass validation (term: ${termId} / ${name}, error: ${TERM_HAS_ACTIVE_COURSES_ERROR})`);
    }
  }
  if (!term) {
    term = store.addTerm({ name, sisSourceId: termId });
    ctx.recordState('EnrollmentTerm', 'non-existent', 'active');
  } else {
    ctx.assign(term, 'name', 'name', name);
  }
  // Term dates are always overwritten, empty clears (§2.4), unless stuck.
  ctx.assign(term, 'start_at', 'startAt', startAt);
  ctx.assign(term, 'end_at', 'endAt', endAt);
  term.integrationId = row.get('integration_id');
  const to = deleted ? 'deleted' : 'active';
  ctx.recordState('EnrollmentTerm', term.workflowState, to);
  term.workflowState = to;
  ctx.stamp(term);
  ctx.touchedTermIds.add(term.id);
  return true;
}

function importOverride(ctx: ImportContext, row: Row, termId: string, type: string, deleted: boolean): boolean {
  if (!(ENROLLMENT_TYPES as readonly string[]).includes(type)) return ctx.warn(row, 'Invalid date_override_enrollment_type');
  const term = ctx.store.termBySisId(termId);
  if (!term) return ctx.warn(row, 'Cannot set date override on non-existent term');
  const enrollmentType = type as EnrollmentType;
  const existing = term.overrides.get(enrollmentType);
  if (deleted) {
    // A manually edited (stuck) override is neither updated nor deleted (§2.4).
    if (existing && (ctx.canWrite(existing, 'start_at') && ctx.canWrite(existing, 'end_at'))) term.overrides.delete(enrollmentType);
    return true;
  }
  const { startAt, endAt } = rowDates(ctx, row, termId);
  const override = existing ?? { enrollmentType, startAt: null, endAt: null, stuck: new Set<string>(), sisBatchId: null };
  ctx.assign(override, 'start_at', 'startAt', startAt);
  ctx.assign(override, 'end_at', 'endAt', endAt);
  override.sisBatchId = ctx.batch.id;
  if (ctx.clearStickiness) override.stuck.clear();
  term.overrides.set(enrollmentType, override);
  return true;
}

/** start/end of a terms.csv row; a bad date warns and is read as empty, the row still imports (§2.0). */
function rowDates(ctx: ImportContext, row: Row, termId: string): { startAt: string | null; endAt: string | null } {
  const startAt = ctx.parseDate(row.get('start_date'));
  const endAt = ctx.parseDate(row.get('end_date'));
  if (startAt === undefined || endAt === undefined) ctx.warn(row, `Bad date format for term ${termId}`);
  return { startAt: startAt ?? null, endAt: endAt ?? null };
}
