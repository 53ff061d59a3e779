/**
 * Account Reports API for `provisioning_csv` (canvas-sis.md §4.1): start, status, history,
 * delete, abort, the list of report types, and the file downloads reports point at.
 */
import type { EmulatorCore } from './core.js';
import { fileJson } from './files.js';
import { path, type ApiRequest, type Route } from './http.js';
import { findAccount } from './lookup.js';
import { paginate } from './pagination.js';
import { objectParam } from './params.js';
import { REPORT_ENTITIES, type AccountReport } from './report-runner.js';
import { json, notFound, type ApiResponse } from './responses.js';

const SUPPORTED = 'provisioning_csv';
const BASE = '/api/v1/accounts/:account_id/reports';

export function reportRoutes(core: EmulatorCore): Route[] {
  const withAccount = (handler: (req: ApiRequest, accountId: number) => ApiResponse) => (req: ApiRequest): ApiResponse => {
    const account = findAccount(core.store, req.pathParams.account_id!);
    return account ? handler(req, account.id) : notFound();
  };
  const find = (req: ApiRequest, accountId: number): AccountReport | undefined =>
    req.pathParams.report === SUPPORTED ? core.reports.reports.find((r) => String(r.id) === req.pathParams.id && r.accountId === accountId) : undefined;
  const render = (r: AccountReport, req: ApiRequest): unknown => r.toJson(req.baseUrl, core.files);

  return [
    {
      method: 'GET', pattern: path(BASE), name: 'reports-index',
      handle: withAccount((req, accountId) => {
        const last = core.reports.reports.filter((r) => r.accountId === accountId && r.status !== 'deleted').at(-1);
        const parameters = Object.fromEntries([
          ...REPORT_ENTITIES.map((e) => [e, { required: false, description: `Get the Provisioning file for ${e}` }]),
          ['enrollment_term_id', { required: false, description: 'The canvas id of the term to get grades from' }],
          ['include_deleted', { required: false, description: 'Include deleted objects' }],
          ['created_by_sis', { required: false, description: 'Only include objects created by SIS' }],
        ]);
        return json([{ report: SUPPORTED, title: 'Provisioning', parameters, last_run: last ? render(last, req) : null }]);
      }),
    },
    {
      method: 'POST', pattern: path(`${BASE}/:report`), name: 'reports-create',
      handle: withAccount((req, accountId) => {
        if (req.pathParams.report !== SUPPORTED) return notFound();
        const run = core.reports.start(SUPPORTED, accountId, { ...objectParam(req.params, 'parameters') });
        return json(render(run, req));
      }),
    },
    {
      method: 'GET', pattern: path(`${BASE}/:report`), name: 'reports-list',
      handle: withAccount((req, accountId) => {
        if (req.pathParams.report !== SUPPORTED) return notFound();
        const runs = core.reports.reports.filter((r) => r.accountId === accountId).sort((a, b) => b.id - a.id);
        const { page, link } = paginate(runs, req.params, req.url, req.baseUrl, true);
        return json(page.map((r) => render(r, req)), 200, { Link: link });
      }),
    },
    {
      method: 'GET', pattern: path(`${BASE}/:report/:id`), name: 'reports-status',
      handle: withAccount((req, accountId) => {
        const run = find(req, accountId);
        return run ? json(render(run, req)) : notFound();
      }),
    },
    {
      method: 'DELETE', pattern: path(`${BASE}/:report/:id`), name: 'reports-delete',
      handle: withAccount((req, accountId) => {
        const run = find(req, accountId);
        if (!run) return notFound();
        run.status = 'deleted';
        return json(render(run, req));
      }),
    },
    {
      // The abort endpoint is UNVERIFIED (§4.1); the `aborted` state exists in Canvas's model.
      method: 'PUT', pattern: path(`${BASE}/:report/:id/abort`), name: 'reports-abort',
      handle: withAccount((req, accountId) => {
        const run = find(req, accountId);
        if (!run) return notFound();
        if (run.status === 'created' || run.status === 'running') run.status = 'aborted';
        return json(render(run, req));
      }),
    },
  ];
}

export function fileRoutes(core: EmulatorCore): Route[] {
  const download = (req: ApiRequest): ApiResponse => {
    const file = /^\d+$/.test(req.pathParams.id!) ? core.files.get(Number(req.pathParams.id)) : undefined;
    if (!file) return notFound();
    return { status: 200, bytes: file.bytes, headers: { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"` } };
  };
  return [
    { method: 'GET', pattern: path('/files/:id/download'), name: 'files-download', handle: download },
    { method: 'GET', pattern: path('/accounts/:account_id/files/:id/download'), name: 'files-download', handle: download },
    {
      method: 'GET', pattern: path('/api/v1/files/:id'), name: 'files-show',
      handle: (req) => {
        const file = /^\d+$/.test(req.pathParams.id!) ? core.files.get(Number(req.pathParams.id)) : undefined;
        return file ? json(fileJson(req.baseUrl, file)) : notFound();
      },
    },
  ];
}
