/**
 * users.csv (canvas-sis.md §2.1, matching §3.2, messages §5.2). The SIS id belongs to the login;
 * a row finds its login by SIS id, else by login name among non-deleted logins (which is how a
 * manually created login is silently adopted), and never by e-mail or name.
 */
import { inferSortableName, isValidEmail } from '../names.js';
import type { AuthProvider, Login, Store, User } from '../store.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

export function importUser(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const userId = row.get('user_id');
  const loginId = row.get('login_id');
  const status = row.get('status');
  if (userId === null) return ctx.warn(row, 'No user_id given for a user');
  if (loginId === null) return ctx.warn(row, `No login_id given for user ${userId}`);
  if (status === null) return ctx.warn(row, `No status given for user ${userId}`);
  if (!/^(active|suspended|deleted)/i.test(status)) return ctx.warn(row, `Improper status for user ${userId}`);
  if (row.anyCell((v) => v.includes('\u0000'))) return ctx.warn(row, 'Some of the fields contain NULL character');
  const deleted = /^deleted/i.test(status);
  if (ctx.skipDeletes && deleted) return false;

  const provider = providerOfRow(store, row);
  if (provider === undefined) return ctx.warn(row, `unrecognized authentication provider ${row.get('authentication_provider_id')} for ${userId}, skipping`);
  const integrationId = row.get('integration_id');

  // §3.2 steps 1–4.
  const bySis = store.loginBySis(userId);
  const byLogin = store.activeLoginsByName(loginId).find((l) => provider === null || l.authenticationProviderId === provider.id);
  const byIntegration = integrationId !== null ? store.loginByIntegrationId(integrationId) : undefined;
  let pseudo = bySis ?? byLogin;

  // Step 5: another login holds the requested integration_id.
  if (byIntegration && !deleted && byIntegration !== pseudo) {
    return ctx.warn(row, `An existing Canvas user with the ${holder(byIntegration)} has already claimed ${userId}'s requested integration_id, skipping`);
  }
  // Step 6.
  if (pseudo) {
    if (pseudo.sisUserId !== null && pseudo.sisUserId !== userId) {
      if (ctx.batch.options.update_sis_id_if_login_claimed !== true) {
        return ctx.warn(row, `An existing Canvas user with the SIS ID ${pseudo.sisUserId} has already claimed ${userId}'s user_id requested login information, skipping`);
      }
    }
    const sameName = pseudo.uniqueId.toLowerCase() === loginId.toLowerCase();
    if (byLogin && byLogin !== pseudo && !(deleted && sameName)) {
      return ctx.warn(row, `An existing Canvas user with the ${holder(byLogin)} has already claimed ${userId}'s user_id requested login information, skipping`);
    }
  }

  // A row for an already deleted login that says deleted changes nothing (§2.1).
  if (pseudo && deleted && pseudo.workflowState === 'deleted') return true;

  let user: User;
  if (!pseudo) {
    user = store.addUser(newUserNames(row, loginId));
    pseudo = store.addLogin({ userId: user.id, uniqueId: loginId, sisUserId: userId, authenticationProviderId: provider?.id ?? null });
    ctx.recordState('Pseudonym', 'non-existent', 'active');
  } else {
    user = store.users.get(pseudo.userId)!;
    if (pseudo.sisUserId !== userId) store.setLoginSisUserId(pseudo, userId); // adoption, or update_sis_id_if_login_claimed
    updateNames(ctx, user, row);
    if (pseudo.uniqueId !== loginId && ctx.canWrite(pseudo, 'unique_id')) {
      store.setLoginUniqueId(pseudo, loginId);
      if (ctx.addStickiness) pseudo.stuck.add('unique_id');
    }
    pseudo.authenticationProviderId = provider?.id ?? null;
  }
  if (integrationId !== null) store.setLoginIntegrationId(pseudo, integrationId);
  const declared = row.get('declared_user_type');
  if (declared !== null) pseudo.declaredUserType = declared.toLowerCase() === '<delete>' ? null : declared;
  const pronouns = row.get('pronouns');
  if (pronouns !== null) ctx.assign(user, 'pronouns', 'pronouns', pronouns.toLowerCase() === '<delete>' ? null : pronouns);

  applyLoginStatus(ctx, store, pseudo, user, status);
  ctx.stamp(pseudo);
  ctx.saved(user);

  const email = row.get('email');
  if (email !== null) {
    // The login was saved already; only the e-mail part is skipped (§3.2, INFERRED).
    if (!isValidEmail(email)) return ctx.warn(row, `The email address associated with user '${userId}' is invalid (email: '${email}')`);
    setSisEmail(ctx, store, pseudo, email, deleted);
  }
  return true;
}

/** `SIS ID <sis>` of a login, or `Canvas ID <user id>` when it has no SIS id (§3.2). */
function holder(login: Login): string {
  return login.sisUserId !== null ? `SIS ID ${login.sisUserId}` : `Canvas ID ${login.userId}`;
}

/** The row's provider: null when the cell is empty, undefined when Canvas would not recognise it (§2.1). */
export function providerOfRow(store: Store, row: Row): AuthProvider | null | undefined {
  const value = row.get('authentication_provider_id');
  if (value === null) return null;
  return findAuthProvider(store, value) ?? undefined;
}

/** An active provider by integer id or by type (`google`, `saml`, …), §2.1. */
export function findAuthProvider(store: Store, value: string): AuthProvider | null {
  if (/^\d+$/.test(value)) return store.authProviders.get(Number(value)) ?? null;
  const type = value.toLowerCase();
  for (const p of store.authProviders.values()) if (p.authType === type) return p;
  return null;
}

interface NameColumns {
  full: string | null;
  first: string | null;
  last: string | null;
  sortable: string | null;
  short: string | null;
}

function nameColumns(row: Row): NameColumns {
  return { full: row.get('full_name'), first: row.get('first_name'), last: row.get('last_name'), sortable: row.get('sortable_name'), short: row.get('short_name') };
}

/** name = full_name or "first last"; sortable = sortable_name, "last, first", or inferred from full_name (§2.1). */
function namesFrom(c: NameColumns): { name: string | null; sortable: string | null } {
  if (c.full === null && c.first === null && c.last === null) return { name: null, sortable: c.sortable };
  const name = c.full ?? [c.first, c.last].filter((v) => v !== null).join(' ');
  const sortable = c.sortable ?? (c.full !== null ? inferSortableName(c.full) : [c.last, c.first].filter((v) => v !== null).join(', '));
  return { name, sortable };
}

function newUserNames(row: Row, loginId: string): { name: string; sortableName: string; shortName: string | null } {
  const c = nameColumns(row);
  const { name, sortable } = namesFrom(c);
  // No name at all: sortable_name, else short_name, else login_id becomes the name (§2.1).
  const finalName = name ?? c.sortable ?? c.short ?? loginId;
  return { name: finalName, sortableName: sortable ?? inferSortableName(finalName), shortName: c.short };
}

function updateNames(ctx: ImportContext, user: User, row: Row): void {
  const c = nameColumns(row);
  const { name, sortable } = namesFrom(c);
  if (name !== null) ctx.assign(user, 'name', 'name', name);
  if (sortable !== null) ctx.assign(user, 'sortable_name', 'sortableName', sortable);
  if (c.short !== null) ctx.assign(user, 'short_name', 'shortName', c.short);
}

function applyLoginStatus(ctx: ImportContext, store: Store, login: Login, user: User, status: string): void {
  const to = /^deleted/i.test(status) ? 'deleted' : /^suspended/i.test(status) ? 'suspended' : 'active';
  if (!ctx.canWrite(login, 'workflow_state')) return;
  const from = login.workflowState;
  if (from === to) return;
  ctx.assign(login, 'workflow_state', 'workflowState', to);
  ctx.recordState('Pseudonym', from, to);
  if (to !== 'deleted' && user.workflowState === 'deleted') user.workflowState = 'registered';
  if (to === 'deleted') cascadeLoginDeletion(ctx, store, login);
}

/**
 * A deleted login takes the user's enrollments in this root account with it when the user has no
 * other active login there (§2.1). Enrollments are not restored when the login comes back.
 */
export function cascadeLoginDeletion(ctx: ImportContext | null, store: Store, login: Login): void {
  const others = store.loginsOf(login.userId).filter((l) => l !== login && l.workflowState !== 'deleted');
  if (others.length > 0) return;
  for (const e of store.enrollmentsOfUser(login.userId)) {
    if (e.workflowState === 'deleted') continue;
    ctx?.recordState('Enrollment', e.workflowState, 'deleted');
    e.workflowState = 'deleted';
  }
}

/** The login's SIS e-mail channel: updated in place, made active; retired when the login is deleted (§2.1). */
export function setSisEmail(ctx: ImportContext, store: Store, login: Login, email: string, deleted: boolean): void {
  let channel = login.sisCommunicationChannelId !== null ? store.channels.get(login.sisCommunicationChannelId) : undefined;
  if (!channel) channel = store.channelsOf(login.userId).find((c) => c.path.toLowerCase() === email.toLowerCase());
  if (!channel) {
    channel = store.addChannel(login.userId, email, 'active');
    ctx.recordState('CommunicationChannel', 'non-existent', 'active');
  }
  channel.path = email;
  const to = deleted ? 'retired' : 'active';
  ctx.recordState('CommunicationChannel', channel.workflowState, to);
  channel.workflowState = to;
  login.sisCommunicationChannelId = channel.id;
}
