/**
 * Canvas id resolution in paths and parameters: a Canvas id, `self` (accounts), or
 * `sis_<kind>_id:X` forms (URL-decoded by the router).
 */
import type { Account, Course, Section, Store, Term, User } from './store.js';

function numeric(id: string): number | null {
  return /^\d+$/.test(id) ? Number(id) : null;
}

function prefixed(id: string, prefix: string): string | null {
  return id.startsWith(`${prefix}:`) ? id.slice(prefix.length + 1) : null;
}

export function findAccount(store: Store, id: string): Account | undefined {
  if (id === 'self') return store.rootAccount;
  const sis = prefixed(id, 'sis_account_id');
  if (sis !== null) return store.accountBySisId(sis);
  const n = numeric(id);
  return n === null ? undefined : store.accounts.get(n);
}

export function findTerm(store: Store, id: string): Term | undefined {
  const sis = prefixed(id, 'sis_term_id');
  if (sis !== null) return store.termBySisId(sis);
  const n = numeric(id);
  return n === null ? undefined : store.terms.get(n);
}

export function findCourse(store: Store, id: string): Course | undefined {
  const sis = prefixed(id, 'sis_course_id');
  if (sis !== null) return store.courseBySisId(sis);
  const integration = prefixed(id, 'sis_integration_id');
  if (integration !== null) return [...store.courses.values()].find((c) => c.integrationId === integration);
  const n = numeric(id);
  return n === null ? undefined : store.courses.get(n);
}

export function findSection(store: Store, id: string): Section | undefined {
  const sis = prefixed(id, 'sis_section_id');
  if (sis !== null) return store.sectionBySisId(sis);
  const integration = prefixed(id, 'sis_integration_id');
  if (integration !== null) return [...store.sections.values()].find((s) => s.integrationId === integration);
  const n = numeric(id);
  return n === null ? undefined : store.sections.get(n);
}

export function findUser(store: Store, id: string): User | undefined {
  if (id === 'self') return undefined;
  const sis = prefixed(id, 'sis_user_id');
  if (sis !== null) return userOf(store, store.loginBySis(sis)?.userId);
  const integration = prefixed(id, 'sis_integration_id');
  if (integration !== null) return userOf(store, store.loginByIntegrationId(integration)?.userId);
  const login = prefixed(id, 'sis_login_id');
  if (login !== null) return userOf(store, store.activeLoginsByName(login)[0]?.userId);
  const n = numeric(id);
  return n === null ? undefined : store.users.get(n);
}

function userOf(store: Store, userId: number | undefined): User | undefined {
  return userId === undefined ? undefined : store.users.get(userId);
}
