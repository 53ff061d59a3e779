/**
 * logins.csv: adds one more login to an existing user (canvas-sis.md §2.2, messages §5.3). The
 * new login is always active; every existing_* value given must lead to the same user.
 */
import { isValidEmail } from '../names.js';
import type { User } from '../store.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';
import { providerOfRow, setSisEmail } from './users.js';

export function importLogin(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const userId = row.get('user_id');
  const loginId = row.get('login_id');
  if (userId === null) return ctx.warn(row, 'No user_id given for a user');
  if (loginId === null) return ctx.warn(row, `No login_id given for user ${userId}`);
  const existingSis = row.get('existing_user_id');
  const existingIntegration = row.get('existing_integration_id');
  const existingCanvas = row.get('existing_canvas_user_id');
  if (existingSis === null && existingIntegration === null && existingCanvas === null) {
    return ctx.warn(row, `No existing user provided for login with SIS ID ${userId}`);
  }
  if (store.loginBySis(userId) || store.activeLoginsByName(loginId).length > 0) {
    return ctx.warn(row, `An existing Canvas user with the SIS ID ${userId} or login of ${loginId} already exists, skipping`);
  }

  const targets: (User | undefined)[] = [];
  if (existingSis !== null) targets.push(userOfLogin(ctx, store.loginBySis(existingSis)?.userId));
  if (existingIntegration !== null) targets.push(userOfLogin(ctx, store.loginByIntegrationId(existingIntegration)?.userId));
  if (existingCanvas !== null) targets.push(/^\d+$/.test(existingCanvas) ? store.users.get(Number(existingCanvas)) : undefined);
  if (targets.some((u) => u === undefined)) return ctx.warn(row, `Could not find the existing user for login with SIS ID ${userId}, skipping`);
  const user = targets[0]!;
  if (targets.some((u) => u !== user)) {
    return ctx.warn(row, `An existing user does not match existing user ids provided for login with SIS ID ${userId}, skipping`);
  }

  const provider = providerOfRow(store, row);
  if (provider === undefined) return ctx.warn(row, `unrecognized authentication provider ${row.get('authentication_provider_id')} for ${userId}, skipping`);
  const integrationId = row.get('integration_id');
  if (integrationId !== null && store.loginByIntegrationId(integrationId)) {
    const other = store.loginByIntegrationId(integrationId)!;
    const who = other.sisUserId !== null ? `SIS ID ${other.sisUserId}` : `Canvas ID ${other.userId}`;
    return ctx.warn(row, `An existing Canvas user with the ${who} has already claimed ${userId}'s requested integration_id, skipping`);
  }

  const login = store.addLogin({ userId: user.id, uniqueId: loginId, sisUserId: userId, integrationId, authenticationProviderId: provider?.id ?? null });
  ctx.recordState('Pseudonym', 'non-existent', 'active');
  ctx.stamp(login);
  const email = row.get('email');
  if (email !== null) {
    if (!isValidEmail(email)) return ctx.warn(row, `The email address associated with user '${userId}' is invalid (email: '${email}')`);
    setSisEmail(ctx, store, login, email, false);
  }
  return true;
}

function userOfLogin(ctx: ImportContext, userId: number | undefined): User | undefined {
  return userId === undefined ? undefined : ctx.store.users.get(userId);
}
