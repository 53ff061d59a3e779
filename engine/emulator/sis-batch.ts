/**
 * One SIS import (Canvas `SisBatch`): its state, options, messages and the SisImport JSON of §1.4.
 * Processing lives in importer/run.ts and sis-processor.ts; this module only holds and renders.
 */
import { fileJson, type FileStore } from './files.js';
import { nowIso, type Iso } from './store.js';

export type SisWorkflowState =
  | 'initializing' | 'created' | 'importing' | 'cleanup_batch' | 'imported' | 'imported_with_messages'
  | 'failed' | 'failed_with_messages' | 'aborted' | 'restoring' | 'partially_restored' | 'restored';

/** States an abort can still find (§1.1 `PUT .../abort`). */
export const NOT_COMPLETED_STATES: readonly SisWorkflowState[] = ['initializing', 'created', 'importing', 'cleanup_batch'];
export const TERMINAL_STATES: readonly SisWorkflowState[] = ['imported', 'imported_with_messages', 'failed', 'failed_with_messages', 'aborted', 'partially_restored', 'restored'];

/** Options read from the options hash: `true` or absent (null in JSON), §1.2/§1.4. */
export interface SisOptions {
  override_sis_stickiness?: true;
  add_sis_stickiness?: true;
  clear_sis_stickiness?: true;
  update_sis_id_if_login_claimed?: true;
  skip_deletes?: true;
  /** Stored as value_to_boolean of the raw param, so it can be false while batch mode is on (§1.2). */
  multi_term_batch_mode?: boolean;
  diffing_drop_status?: string;
  diffing_user_remove_status?: string;
  batch_mode_enrollment_drop_status?: string;
}

export interface SisMessage {
  file: string | null;
  message: string;
  /** 1-based row counting the header as 1; null for file- and batch-level messages. */
  row: number | null;
  failure: boolean;
  createdAt: Iso;
}

export interface SisBatchData {
  import_type: string;
  downloadable_attachment_ids?: number[];
  supplied_batches?: string[];
  counts?: Record<string, number>;
  running_immediately?: boolean;
  completed_importers?: string[];
  statistics?: Record<string, unknown>;
  error_message?: string;
  stack_trace?: string;
}

export interface Upload {
  filename: string;
  bytes: Uint8Array;
}

/** Canvas caps the JSON message lists at 24 and appends a summary row (§1.4). */
export const MESSAGE_LIST_CAP = 24;

export class SisBatch {
  readonly id: number;
  readonly createdAt: Iso;
  startedAt: Iso | null = null;
  endedAt: Iso | null = null;
  updatedAt: Iso;
  progress = 0;
  workflowState: SisWorkflowState = 'created';
  data: SisBatchData;
  batchMode: true | null = null;
  batchModeTermId: number | null = null;
  changeThreshold: number | null = null;
  diffingDataSetIdentifier: string | null = null;
  diffingRemaster: true | null = null;
  diffRowCountThreshold: number | null = null;
  options: SisOptions = {};
  readonly messages: SisMessage[] = [];
  processingErrors: [string | null, string][] = [];
  processingWarnings: [string | null, string][] = [];
  errorsAttachmentId: number | null = null;
  csvAttachmentIds: number[] = [];
  /** Set by the `fail-import` fault: this batch ends failed_with_messages. */
  injectFailure = false;

  constructor(id: number, readonly upload: Upload, importType = 'instructure_csv') {
    this.id = id;
    this.createdAt = nowIso();
    this.updatedAt = this.createdAt;
    this.data = { import_type: importType };
  }

  touch(): void {
    this.updatedAt = nowIso();
  }

  addMessage(file: string | null, message: string, options: { row?: number | null; failure?: boolean } = {}): void {
    this.messages.push({ file, message, row: options.row ?? null, failure: options.failure ?? false, createdAt: nowIso() });
  }

  get failures(): SisMessage[] {
    return this.messages.filter((m) => m.failure);
  }

  get warnings(): SisMessage[] {
    return this.messages.filter((m) => !m.failure);
  }

  /** `populate_old_warnings_and_errors`: fills the capped lists and error/warning counts at finish. */
  populateMessageLists(): void {
    const counts = (this.data.counts ??= {});
    const failures = this.failures;
    const warnings = this.warnings;
    this.processingErrors = capped(failures, 'errors');
    this.processingWarnings = capped(warnings, 'warnings');
    counts.error_count = failures.length;
    counts.warning_count = warnings.length;
  }

  toJson(baseUrl: string, files: FileStore): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: this.id,
      created_at: this.createdAt,
      started_at: this.startedAt,
      ended_at: this.endedAt,
      updated_at: this.updatedAt,
      progress: this.progress,
      workflow_state: this.workflowState,
      data: this.data,
      batch_mode: this.batchMode,
      batch_mode_term_id: this.batchModeTermId,
      multi_term_batch_mode: this.options.multi_term_batch_mode ?? null,
      override_sis_stickiness: this.options.override_sis_stickiness ?? null,
      add_sis_stickiness: this.options.add_sis_stickiness ?? null,
      update_sis_id_if_login_claimed: this.options.update_sis_id_if_login_claimed ?? null,
      clear_sis_stickiness: this.options.clear_sis_stickiness ?? null,
      diffing_data_set_identifier: this.diffingDataSetIdentifier,
      diffing_remaster: this.diffingRemaster,
      diffed_against_import_id: null,
      diffing_drop_status: this.options.diffing_drop_status ?? null,
      diffing_user_remove_status: this.options.diffing_user_remove_status ?? null,
      skip_deletes: this.options.skip_deletes ?? null,
      change_threshold: this.changeThreshold,
      diff_row_count_threshold: this.diffRowCountThreshold,
    };
    if (this.processingErrors.length > 0) json.processing_errors = this.processingErrors;
    if (this.processingWarnings.length > 0) json.processing_warnings = this.processingWarnings;
    if (this.diffingDataSetIdentifier !== null) json.diffing_threshold_exceeded = false;
    const errorsFile = this.errorsAttachmentId !== null ? files.get(this.errorsAttachmentId) : undefined;
    if (errorsFile) json.errors_attachment = fileJson(baseUrl, errorsFile);
    const csvs = this.csvAttachmentIds.map((id) => files.get(id)).filter((f) => f !== undefined);
    if (csvs.length > 0) json.csv_attachments = csvs.map((f) => fileJson(baseUrl, f));
    return json;
  }
}

function capped(messages: SisMessage[], noun: 'errors' | 'warnings'): [string | null, string][] {
  const list: [string | null, string][] = messages.slice(0, MESSAGE_LIST_CAP).map((m) => [m.file, m.message]);
  if (messages.length > MESSAGE_LIST_CAP) {
    list.push([`and ${messages.length - MESSAGE_LIST_CAP} more ${noun} that were not included`, `Download the error file to see all ${noun}.`]);
  }
  return list;
}
