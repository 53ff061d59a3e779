/**
 * Accounts API reads a client needs to find its way around (`canvas.get_account(1)` and the like):
 * show an account, list accounts / sub-accounts, authentication providers, and the account-wide
 * users and courses lists.
 */
import type { EmulatorCore } from './core.js';
import { path, type ApiRequest, type Route } from './http.js';
import { courseApiState, courseJson, userJson } from './json.js';
import { findAccount, findTerm } from './lookup.js';
import { paginate } from './pagination.js';
import { listParam, stringParam } from './params.js';
import { truthy } from './importer/rows.js';
import { descendants } from './report-state.js';
import { json, notFound, type ApiResponse } from './responses.js';
import type { Account } from './store.js';

export function accountJson(core: EmulatorCore, a: Account): Record<string, unknown> {
  const root = a.id === core.store.rootAccountId;
  return {
    id: a.id,
    name: a.name,
    workflow_state: a.workflowState,
    parent_account_id: a.parentId,
    root_account_id: root ? null : core.store.rootAccountId,
    uuid: `emulated-account-${a.id}`,
    default_storage_quota_mb: 500,
    default_user_storage_quota_mb: 50,
    default_group_storage_quota_mb: 50,
    default_time_zone: core.timeZone,
    sis_account_id: a.sisSourceId,
    integration_id: a.integrationId,
    sis_import_id: a.sisBatchId,
    lti_guid: `emulated-account-${a.id}:canvas-lms`,
  };
}

export function accountRoutes(core: EmulatorCore): Route[] {
  const { store } = core;
  const withAccount = (fn: (req: ApiRequest, a: Account) => ApiResponse) => (req: ApiRequest): ApiResponse => {
    const account = findAccount(store, req.pathParams.account_id!);
    return account ? fn(req, account) : notFound();
  };
  const page = <T>(req: ApiRequest, items: T[], render: (t: T) => unknown, withLast = false): ApiResponse => {
    const { page: slice, link } = paginate(items, req.params, req.url, req.baseUrl, withLast);
    return json(slice.map(render), 200, { Link: link });
  };
  return [
    { method: 'GET', pattern: path('/api/v1/accounts'), name: 'accounts-list', handle: (req) => page(req, [store.rootAccount], (a) => accountJson(core, a)) },
    { method: 'GET', pattern: path('/api/v1/accounts/:account_id'), name: 'accounts-show', handle: withAccount((_req, a) => json(accountJson(core, a))) },
    {
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/sub_accounts'), name: 'accounts-sub-accounts',
      handle: withAccount((req, a) => {
        const recursive = truthy(req.params.recursive);
        const ids = recursive ? descendants(store, a.id) : null;
        const subs = [...store.accounts.values()].filter((s) => s.id !== a.id && s.workflowState !== 'deleted' && (ids ? ids.has(s.id) : s.parentId === a.id));
        return page(req, subs, (s) => accountJson(core, s));
      }),
    },
    {
      // Authentication Providers API: the account's login providers (id → auth_type).
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/authentication_providers'), name: 'auth-providers-list',
      handle: withAccount((req) => page(req, [...store.authProviders.values()].sort((x, y) => x.id - y.id), (p) => ({ id: p.id, auth_type: p.authType, position: p.id }))),
    },
    {
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/users'), name: 'users-list',
      handle: withAccount((req) => {
        const search = stringParam(req.params, 'search_term')?.toLowerCase() ?? null;
        const includeDeleted = truthy(req.params.include_deleted_users);
        const users = [...store.users.values()]
          .filter((u) => store.loginsOf(u.id).some((l) => includeDeleted || l.workflowState !== 'deleted'))
          .filter((u) => search === null || [u.name, u.sortableName, store.primaryEmail(u.id) ?? '', ...store.loginsOf(u.id).flatMap((l) => [l.uniqueId, l.sisUserId ?? ''])]
            .some((v) => v.toLowerCase().includes(search)))
          .sort((x, y) => x.sortableName.localeCompare(y.sortableName) || x.id - y.id);
        return page(req, users, (u) => userJson(store, u));
      }),
    },
    {
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/courses'), name: 'courses-list',
      handle: withAccount((req, a) => {
        const ids = descendants(store, a.id);
        const states = listParam(req.params, 'state');
        const termParam = stringParam(req.params, 'enrollment_term_id');
        const term = termParam ? findTerm(store, termParam) : undefined;
        const search = stringParam(req.params, 'search_term')?.toLowerCase() ?? null;
        const courses = [...store.courses.values()]
          .filter((c) => ids.has(c.accountId))
          .filter((c) => (states.length === 0 ? c.workflowState !== 'deleted' : states.includes('all') || states.includes(c.workflowState) || states.includes(courseApiState(c))))
          .filter((c) => !termParam || c.termId === term?.id)
          .filter((c) => search === null || [c.name, c.courseCode, c.sisSourceId ?? ''].some((v) => v.toLowerCase().includes(search)))
          .sort((x, y) => x.id - y.id);
        return page(req, courses, (c) => courseJson(store, c), true);
      }),
    },
  ];
}
