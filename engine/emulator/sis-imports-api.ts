/**
 * SIS Import API (canvas-sis.md §1.1–1.2, answers §5.1): create (multipart `attachment` or raw
 * body), show, list, importing, abort, abort_all_pending, and the errors listings.
 */
import type { EmulatorCore } from './core.js';
import { path, type ApiRequest, type Route } from './http.js';
import { truthy } from './importer/rows.js';
import { findAccount, findTerm } from './lookup.js';
import { paginate } from './pagination.js';
import { hasParam, listParam, stringParam } from './params.js';
import { badRequest, json, notFound, serverError, type ApiResponse } from './responses.js';
import { NOT_COMPLETED_STATES, SisBatch, type Upload } from './sis-batch.js';

const BASE = '/api/v1/accounts/:account_id/sis_imports';

const DIFFING_DROP_STATUSES = ['deleted', 'completed', 'inactive', 'deleted_last_completed'];
const USER_REMOVE_STATUSES = ['deleted', 'suspended'];
/** The code accepts deleted_last_completed here, but cleanup cannot apply it (§1.2, INFERRED): treated as deleted. */
const BATCH_DROP_STATUSES = ['deleted', 'completed', 'inactive', 'deleted_last_completed'];

/** Raw-body uploads: extension from `extension`, else from the Content-Type, else zip (§1.2). */
const EXTENSION_BY_TYPE: Readonly<Record<string, string>> = { 'application/zip': 'zip', 'text/xml': 'xml', 'text/plain': 'csv', 'text/csv': 'csv' };

/**
 * `multi_term_batch_mode` is tested for *presence* by the controller, so even `false` turns batch
 * mode on (§1.2, INFERRED); the stored option is the boolean value.
 */
export function multiTermRequested(req: ApiRequest): boolean {
  return hasParam(req.params, 'multi_term_batch_mode') && stringParam(req.params, 'multi_term_batch_mode') !== '';
}

export function sisImportRoutes(core: EmulatorCore): Route[] {
  const guarded = (handler: (req: ApiRequest) => ApiResponse): ((req: ApiRequest) => ApiResponse) => (req) => {
    const account = findAccount(core.store, req.pathParams.account_id!);
    if (!account) return notFound();
    if (account.id !== core.store.rootAccountId) return badRequest({ errors: ['SIS imports can only be executed on root accounts'] });
    return handler(req);
  };
  const find = (id: string | undefined): SisBatch | undefined => core.sis.all.find((b) => String(b.id) === id);
  const render = (b: SisBatch, req: ApiRequest): unknown => b.toJson(req.baseUrl, core.files);

  return [
    { method: 'POST', pattern: path(BASE), name: 'sis-imports-create', handle: guarded((req) => create(core, req)) },
    { method: 'GET', pattern: path(BASE), name: 'sis-imports-list', handle: guarded((req) => list(core, req)) },
    {
      method: 'GET', pattern: path(`${BASE}/importing`), name: 'sis-imports-importing',
      handle: guarded((req) => json({ sis_imports: core.sis.all.filter((b) => b.workflowState === 'importing' || b.workflowState === 'cleanup_batch').map((b) => render(b, req)) })),
    },
    {
      method: 'PUT', pattern: path(`${BASE}/abort_all_pending`), name: 'sis-imports-abort-all',
      handle: guarded(() => {
        for (const b of core.sis.all) {
          if (b.workflowState === 'initializing' || b.workflowState === 'created') {
            b.workflowState = 'aborted';
            b.progress = 100;
            b.touch();
          }
        }
        return json({ aborted: true });
      }),
    },
    {
      method: 'GET', pattern: path(`${BASE}/:id`), name: 'sis-imports-status',
      handle: guarded((req) => {
        const b = find(req.pathParams.id);
        return b ? json(render(b, req)) : notFound();
      }),
    },
    {
      method: 'PUT', pattern: path(`${BASE}/:id/abort`), name: 'sis-imports-abort',
      handle: guarded((req) => {
        const b = find(req.pathParams.id);
        if (!b || !NOT_COMPLETED_STATES.includes(b.workflowState)) return notFound();
        b.workflowState = 'aborted';
        b.touch();
        return json(render(b, req));
      }),
    },
    {
      method: 'GET', pattern: path(`${BASE}/:id/errors`), name: 'sis-imports-errors',
      handle: guarded((req) => {
        const b = find(req.pathParams.id);
        return b ? errorsList([b], req) : notFound();
      }),
    },
    { method: 'GET', pattern: path('/api/v1/accounts/:account_id/sis_import_errors'), name: 'sis-imports-errors-all', handle: guarded((req) => errorsList(core.sis.all, req)) },
  ];
}

function create(core: EmulatorCore, req: ApiRequest): ApiResponse {
  const p = req.params;
  const importType = stringParam(p, 'import_type') ?? 'instructure_csv';
  // Canvas raises on other import types, which surfaces as a 500 (§1.2).
  if (importType !== 'instructure_csv') return serverError(500);

  let upload: Upload;
  if (req.isMultipart) {
    const part = req.files.get('attachment');
    if (!part) return badRequest({ error: true, error_message: 'Missing attachment' });
    upload = { filename: part.filename || 'sis_import.zip', bytes: new Uint8Array(part.data) };
  } else {
    const charset = /charset=([^;]+)/i.exec(req.contentType)?.[1]?.trim().replace(/"/g, '').toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return badRequest({ error: 'Invalid content type, UTF-8 required' });
    const type = req.contentType.split(';')[0]!.trim().toLowerCase();
    const ext = stringParam(p, 'extension') ?? EXTENSION_BY_TYPE[type] ?? 'zip';
    upload = { filename: `sis_import.${ext}`, bytes: new Uint8Array(req.body) };
  }

  const threshold = stringParam(p, 'change_threshold');
  const multi = multiTermRequested(req);
  let batchModeTermId: number | null = null;
  if (truthy(p.batch_mode)) {
    const termParam = stringParam(p, 'batch_mode_term_id');
    const term = termParam ? findTerm(core.store, termParam) : undefined;
    if (term && term.workflowState === 'active') batchModeTermId = term.id;
    if (batchModeTermId === null && !multi) return badRequest({ message: 'Batch mode specified, but the given batch_mode_term_id cannot be found.' });
  }
  if (multi && (threshold === null || threshold === '')) return badRequest({ message: 'change_threshold is required to use multi term_batch mode.' });
  const diffingDrop = stringParam(p, 'diffing_drop_status');
  if (diffingDrop && !DIFFING_DROP_STATUSES.includes(diffingDrop)) return badRequest({ message: 'Invalid diffing_drop_status' });
  const userRemove = stringParam(p, 'diffing_user_remove_status');
  if (userRemove && !USER_REMOVE_STATUSES.includes(userRemove)) return badRequest({ message: 'Invalid diffing_user_remove_status' });
  const batchDrop = stringParam(p, 'batch_mode_enrollment_drop_status');
  if (batchDrop && !BATCH_DROP_STATUSES.includes(batchDrop)) return badRequest({ message: 'Invalid batch_mode_enrollment_drop_status' });

  const batch = new SisBatch(core.nextSisBatchId(), upload, importType);
  const parsedThreshold = threshold !== null ? Number.parseInt(threshold, 10) : NaN;
  batch.changeThreshold = Number.isNaN(parsedThreshold) ? null : parsedThreshold;
  const o = batch.options;
  if (batchModeTermId !== null) {
    batch.batchMode = true;
    batch.batchModeTermId = batchModeTermId;
  } else if (multi) {
    batch.batchMode = true;
    o.multi_term_batch_mode = truthy(p.multi_term_batch_mode);
  } else {
    // Diffing is recorded but not performed: the emulator applies every file in full (a
    // baseline-less first batch of a data set behaves the same on Canvas, §3.6).
    const identifier = stringParam(p, 'diffing_data_set_identifier');
    if (identifier) {
      batch.diffingDataSetIdentifier = identifier;
      if (truthy(p.diffing_remaster_data_set)) batch.diffingRemaster = true;
    }
  }
  if (truthy(p.override_sis_stickiness)) {
    o.override_sis_stickiness = true;
    if (truthy(p.add_sis_stickiness)) o.add_sis_stickiness = true;
    if (truthy(p.clear_sis_stickiness)) o.clear_sis_stickiness = true;
  }
  if (truthy(p.update_sis_id_if_login_claimed)) o.update_sis_id_if_login_claimed = true;
  if (truthy(p.skip_deletes)) o.skip_deletes = true;
  if (diffingDrop) o.diffing_drop_status = diffingDrop;
  if (userRemove) o.diffing_user_remove_status = userRemove;
  if (batchDrop) o.batch_mode_enrollment_drop_status = batchDrop === 'deleted_last_completed' ? 'deleted' : batchDrop;
  const rowThreshold = Number.parseInt(stringParam(p, 'diff_row_count_threshold') ?? '', 10);
  if (!Number.isNaN(rowThreshold)) batch.diffRowCountThreshold = rowThreshold;
  batch.injectFailure = core.faults.takeImportFailure();
  const hold = core.faults.takeImportHold();
  if (hold !== null) {
    // Still storing its attachment (§1.4 `initializing`): it queues only later.
    batch.workflowState = 'initializing';
    core.scheduler.schedule(() => {
      if (batch.workflowState !== 'initializing') return;
      batch.workflowState = 'created';
      batch.touch();
      core.sis.kick();
    }, hold);
  }
  core.sis.enqueue(batch);
  return json(batch.toJson(req.baseUrl, core.files));
}

function list(core: EmulatorCore, req: ApiRequest): ApiResponse {
  const since = stringParam(req.params, 'created_since');
  const before = stringParam(req.params, 'created_before');
  const states = listParam(req.params, 'workflow_state');
  const items = [...core.sis.all]
    .filter((b) => !since || Date.parse(b.createdAt) >= Date.parse(since))
    .filter((b) => !before || Date.parse(b.createdAt) <= Date.parse(before))
    .filter((b) => states.length === 0 || states.includes('all') || states.includes(b.workflowState))
    .sort((a, b) => b.id - a.id);
  // No total is computed for this list, so no rel="last" (§1.1).
  const { page, link } = paginate(items, req.params, req.url, req.baseUrl, false);
  return json({ sis_imports: page.map((b) => b.toJson(req.baseUrl, core.files)) }, 200, { Link: link });
}

function errorsList(batches: readonly SisBatch[], req: ApiRequest): ApiResponse {
  const onlyFailures = truthy(req.params.failure);
  const rows = batches
    .flatMap((b) => b.messages.map((m, i) => ({ b, m, i })))
    .filter(({ m }) => !onlyFailures || m.failure)
    .sort((x, y) => y.b.id - x.b.id || y.i - x.i)
    .map(({ b, m }) => ({ sis_import_id: b.id, file: m.file, message: m.message, row_info: null, row: m.row }));
  const { page, link } = paginate(rows, req.params, req.url, req.baseUrl, false);
  return json({ sis_import_errors: page }, 200, { Link: link });
}
