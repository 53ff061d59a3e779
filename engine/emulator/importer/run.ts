/**
 * Runs one SIS batch (canvas-sis.md §1.3–1.4, §3.5): unpack and type the files, import type by
 * type in IMPORTERS order, batch-mode cleanup, then the terminal state. It is a generator that
 * yields between slices of rows so sis-processor.ts can spread the work over timers: clients see
 * `importing` with rising progress, and an abort takes effect between slices.
 */
import { stringify } from 'csv-stringify/sync';
import type { FileStore } from '../files.js';
import type { SisBatch } from '../sis-batch.js';
import { nowIso, type Store } from '../store.js';
import { applyCleanup, planCleanup } from './batch-mode.js';
import { importChangeSisId } from './change-sis-id.js';
import { ImportContext } from './context.js';
import { importCourse } from './courses.js';
import { COUNT_KEYS, IMPORTERS, type ImporterType } from './detect.js';
import { importEnrollment } from './enrollments.js';
import { importLogin } from './logins.js';
import type { Row } from './rows.js';
import { importSection } from './sections.js';
import { importTerm } from './terms.js';
import { unsupportedMessage } from './unsupported.js';
import { unpackUpload, type TypedCsv } from './upload.js';
import { importUser } from './users.js';
import { importAccount } from './accounts.js';
import { importXlist } from './xlists.js';

type RowImporter = (ctx: ImportContext, row: Row) => boolean;

const ROW_IMPORTERS: Partial<Record<ImporterType, RowImporter>> = {
  change_sis_id: importChangeSisId,
  account: importAccount,
  term: importTerm,
  course: importCourse,
  section: importSection,
  xlist: importXlist,
  user: importUser,
  login: importLogin,
  enrollment: importEnrollment,
};

/** Canvas runs batches of ≤ 50 rows (counting 1 for the batch) inline (§1.1 `running_immediately`). */
const RUN_IMMEDIATELY_THRESHOLD = 50;

export interface RunEnvironment {
  store: Store;
  files: FileStore;
  timeZone: string;
  /** Rows imported between two yields. */
  sliceSize: number;
  nextErrorReport: () => number;
}

export function* runImport(batch: SisBatch, env: RunEnvironment): Generator<void, void, void> {
  const ctx = new ImportContext(env.store, batch, env.timeZone);
  batch.data.downloadable_attachment_ids = [];
  let typed: TypedCsv[];
  try {
    typed = unpackUpload(batch);
  } catch {
    failWithError(batch, ctx, env, null);
    return;
  }
  storeAttachments(batch, env.files, typed);
  const supplied = new Set(typed.map((t) => t.type));
  const totalRows = typed.reduce((n, t) => n + t.file.rows.length, 0);
  batch.data.supplied_batches = IMPORTERS.filter((t) => supplied.has(t));
  const counts: Record<string, number> = (batch.data.counts = Object.fromEntries(IMPORTERS.map((t) => [COUNT_KEYS[t], 0])));
  batch.data.running_immediately = totalRows + 1 <= RUN_IMMEDIATELY_THRESHOLD;
  const completed: string[] = (batch.data.completed_importers = []);
  batch.touch();
  if (batch.injectFailure) {
    failWithError(batch, ctx, env, typed[0]?.file.name ?? null);
    return;
  }
  yield;
  if (aborted(batch)) return;

  let processed = 0;
  for (const type of IMPORTERS) {
    const files = typed.filter((t) => t.type === type);
    if (files.length === 0) continue;
    const importRow = ROW_IMPORTERS[type];
    let count = 0;
    for (const { file } of files) {
      if (!importRow) {
        batch.addMessage(file.name, unsupportedMessage(type));
        continue;
      }
      for (let i = 0; i < file.rows.length; i++) {
        const row = file.row(i);
        processed++;
        // A row counts when it was applied, even with a warning (bad dates: "row still imported");
        // rows skipped by a warning return false and are not counted (§1.4 counts).
        if (!row.blank && importRow(ctx, row)) count++;
        if (processed % env.sliceSize === 0) {
          batch.progress = Math.min(99, Math.floor((processed / Math.max(1, totalRows)) * 100));
          batch.touch();
          yield;
          if (aborted(batch)) return;
        }
      }
    }
    counts[COUNT_KEYS[type]] = count;
    completed.push(type);
  }

  if (batch.batchMode) {
    const plan = planCleanup(ctx, supplied);
    if (plan && 'abort' in plan) {
      // A tripped guard aborts the batch with a batch-level warning (file null), §3.5/§3.7.
      batch.addMessage(null, plan.abort);
      batch.workflowState = 'aborted';
      finish(batch, ctx, env, true);
      return;
    }
    if (plan) {
      batch.workflowState = 'cleanup_batch';
      batch.progress = 0;
      batch.touch();
      yield;
      if (!stillIn(batch, 'cleanup_batch')) return;
      Object.assign(counts, applyCleanup(ctx, plan));
    }
  }
  finish(batch, ctx, env, true);
}

/** `SisBatch#finish`: terminal state, capped message lists, counts, statistics, errors file. */
function finish(batch: SisBatch, ctx: ImportContext, env: RunEnvironment, importFinished: boolean): void {
  const hasMessages = batch.messages.length > 0;
  const hasFailures = batch.failures.length > 0;
  if (batch.workflowState !== 'aborted') {
    if (importFinished && !hasFailures) batch.workflowState = hasMessages ? 'imported_with_messages' : 'imported';
    else batch.workflowState = hasMessages ? 'failed_with_messages' : 'failed';
  }
  if (hasMessages) writeErrorsFile(batch, env.files);
  batch.populateMessageLists();
  batch.data.statistics = ctx.statistics();
  if (importFinished) batch.progress = 100;
  batch.endedAt = nowIso();
  batch.touch();
}

/** An exception inside Canvas's importer: a failure naming an error report, batch failed (§5.1). */
function failWithError(batch: SisBatch, ctx: ImportContext, env: RunEnvironment, file: string | null): void {
  batch.addMessage(file, `Error while importing CSV. Please contact support. (Error report ${env.nextErrorReport()})`, { failure: true });
  finish(batch, ctx, env, false);
}

/** Uploaded CSVs become downloadable attachments; password columns are stripped from users files (§1.3). */
function storeAttachments(batch: SisBatch, files: FileStore, typed: TypedCsv[]): void {
  for (const t of typed) {
    let name = t.file.name.split('/').pop()!;
    let bytes = t.bytes;
    const secret = t.file.header.map((h, i) => (['password', 'ssha_password'].includes(h.trim().toLowerCase()) ? i : -1)).filter((i) => i >= 0);
    if (t.type === 'user' && secret.length > 0) {
      const keep = (cells: readonly string[]): string[] => cells.filter((_, i) => !secret.includes(i));
      bytes = new TextEncoder().encode(stringify([keep(t.file.header), ...t.file.rows.map(keep)], { record_delimiter: '\n' }));
      name = name.replace(/\.csv$/i, '_filtered.csv');
    }
    const stored = files.add(name, 'text/csv', bytes);
    batch.csvAttachmentIds.push(stored.id);
    batch.data.downloadable_attachment_ids!.push(stored.id);
  }
}

/** `sis_errors_attachment_<id>.csv` with `sis_import_id,file,message,row` (§1.4). */
function writeErrorsFile(batch: SisBatch, files: FileStore): void {
  const rows = batch.messages.map((m) => [String(batch.id), m.file ?? '', m.message, m.row === null ? '' : String(m.row)]);
  const text = stringify([['sis_import_id', 'file', 'message', 'row'], ...rows], { record_delimiter: '\n' });
  batch.errorsAttachmentId = files.add(`sis_errors_attachment_${batch.id}.csv`, 'text/csv', new TextEncoder().encode(text)).id;
}

/** Re-reads the state after a yield: an API call may have aborted the batch meanwhile. */
function aborted(batch: SisBatch): boolean {
  return stillIn(batch, 'aborted');
}

function stillIn(batch: SisBatch, state: SisBatch['workflowState']): boolean {
  return batch.workflowState === state;
}
