/**
 * Enrollment Terms API: `GET /api/v1/accounts/:account_id/terms` → `{"enrollment_terms":[...]}`
 * (active terms unless `workflow_state[]` says otherwise; `include[]=overrides` adds the
 * per-enrollment-type dates), one term, and `PUT` to edit a term by hand (which sticks the edited
 * fields, §3.3, including override dates).
 */
import { ENROLLMENT_TYPES, type EnrollmentType } from '../model/canvas.js';
import type { EmulatorCore } from './core.js';
import { path, type ApiRequest, type Route } from './http.js';
import { termJson } from './json.js';
import { findAccount, findTerm } from './lookup.js';
import { paginate } from './pagination.js';
import { listParam, objectParam, stringParam, type Params } from './params.js';
import { json, notFound, type ApiResponse } from './responses.js';
import { nowIso, type Term } from './store.js';

export function termRoutes(core: EmulatorCore): Route[] {
  const { store } = core;
  const withTerm = (req: ApiRequest, fn: (t: Term) => ApiResponse): ApiResponse => {
    if (!findAccount(store, req.pathParams.account_id!)) return notFound();
    const term = findTerm(store, req.pathParams.id!);
    return term ? fn(term) : notFound();
  };
  return [
    {
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/terms'), name: 'terms-list',
      handle: (req) => {
        if (!findAccount(store, req.pathParams.account_id!)) return notFound();
        const states = listParam(req.params, 'workflow_state');
        const wanted = states.length === 0 ? ['active'] : states;
        const overrides = listParam(req.params, 'include').includes('overrides');
        const terms = [...store.terms.values()].filter((t) => wanted.includes('all') || wanted.includes(t.workflowState)).sort(termOrder);
        const { page, link } = paginate(terms, req.params, req.url, req.baseUrl, true);
        return json({ enrollment_terms: page.map((t) => termJson(t, overrides)) }, 200, { Link: link });
      },
    },
    {
      method: 'GET', pattern: path('/api/v1/accounts/:account_id/terms/:id'), name: 'terms-show',
      handle: (req) => withTerm(req, (t) => json(termJson(t, true))),
    },
    {
      method: 'PUT', pattern: path('/api/v1/accounts/:account_id/terms/:id'), name: 'terms-update',
      handle: (req) => withTerm(req, (t) => json(termJson(updateTerm(t, objectParam(req.params, 'enrollment_term')), true))),
    },
  ];
}

/** Canvas lists terms by COALESCE(start_at, created_at) descending (id breaks ties, INFERRED). */
function termOrder(a: Term, b: Term): number {
  const key = (t: Term): number => Date.parse(t.startAt ?? t.createdAt);
  return key(b) - key(a) || a.id - b.id;
}

function updateTerm(term: Term, p: Params): Term {
  const name = stringParam(p, 'name');
  if (name && name !== term.name) stick(term, 'name', () => (term.name = name));
  if (p.start_at !== undefined) {
    const v = iso(stringParam(p, 'start_at'));
    if (v !== term.startAt) stick(term, 'start_at', () => (term.startAt = v));
  }
  if (p.end_at !== undefined) {
    const v = iso(stringParam(p, 'end_at'));
    if (v !== term.endAt) stick(term, 'end_at', () => (term.endAt = v));
  }
  const overrides = objectParam(p, 'overrides');
  for (const type of ENROLLMENT_TYPES) {
    const o = objectParam(overrides, type);
    if (Object.keys(o).length === 0) continue;
    const existing = term.overrides.get(type as EnrollmentType) ?? { enrollmentType: type, startAt: null, endAt: null, stuck: new Set<string>(), sisBatchId: null };
    if (o.start_at !== undefined) {
      existing.startAt = iso(stringParam(o, 'start_at'));
      existing.stuck.add('start_at');
    }
    if (o.end_at !== undefined) {
      existing.endAt = iso(stringParam(o, 'end_at'));
      existing.stuck.add('end_at');
    }
    term.overrides.set(type, existing);
  }
  term.updatedAt = nowIso();
  return term;
}

function stick(term: Term, field: string, write: () => void): void {
  write();
  term.stuck.add(field);
}

function iso(v: string | null): string | null {
  if (!v) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
