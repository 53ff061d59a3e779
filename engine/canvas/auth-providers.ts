/**
 * One spelling for a login's authentication provider, whichever way Canvas state was read.
 *
 * A provisioning report names a login's provider by its numeric id (`1`); SIS imports and policies
 * name it by id or by type (`canvas`, `saml`; canvas-sis.md §2.1 users.csv). A live read and a
 * snapshot of the same Canvas must give the same plan (and planId), so at the reader boundary an
 * id is rewritten to its type whenever the account's providers are known and exactly one of them
 * has that type: the type then means the same provider in an import, and it is what a reviewer
 * reads in a plan (`canvas → saml`, not `1 → saml`). An id whose type is shared by several
 * providers (two SAML providers), or that the list does not hold, stays an id.
 *
 * The live client knows the providers from the Authentication Providers API; a snapshot knows them
 * from the rosterops extension file `authentication_providers.csv` (columns below), which
 * `writeProvisioningDir` writes when the state carries the list.
 */
import type { CanvasState, UserRecord } from '../model/canvas.js';

export const AUTH_PROVIDER_COLUMNS = ['id', 'auth_type'] as const;
export const AUTH_PROVIDERS_FILE = 'authentication_providers.csv';

export interface AuthProvider {
  id: string;
  auth_type: string;
}

/** id → type for the types exactly one provider has (lower case, as Canvas writes them). */
export function uniqueProviderTypes(providers: readonly AuthProvider[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const p of providers) count.set(p.auth_type.toLowerCase(), (count.get(p.auth_type.toLowerCase()) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const p of providers) if (count.get(p.auth_type.toLowerCase()) === 1) out.set(p.id, p.auth_type.toLowerCase());
  return out;
}

/**
 * The state with each login's provider id replaced by its type where that type is unambiguous.
 * Without a provider list the state is returned as it is. Records are copied, never changed in place.
 */
export function withProviderTypes(state: CanvasState): CanvasState {
  if (!state.authProviders || state.authProviders.length === 0) return state;
  const typeOf = uniqueProviderTypes(state.authProviders);
  if (typeOf.size === 0) return state;
  let changed = false;
  const users = state.users.map((u): UserRecord => {
    const type = u.authentication_provider_id === null ? undefined : typeOf.get(u.authentication_provider_id);
    if (type === undefined) return u;
    changed = true;
    return { ...u, authentication_provider_id: type };
  });
  return changed ? { ...state, users } : state;
}

/** Whether some login names its provider by a numeric id (which only a provider list can turn into a type). */
export function hasProviderIds(users: readonly UserRecord[]): boolean {
  return users.some((u) => u.authentication_provider_id !== null && /^\d+$/.test(u.authentication_provider_id));
}
