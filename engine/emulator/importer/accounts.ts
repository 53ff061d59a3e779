/** accounts.csv (canvas-sis.md §2.3, messages §5.4). */
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

export function importAccount(ctx: ImportContext, row: Row): boolean {
  const { store } = ctx;
  const accountId = row.get('account_id');
  const parentSis = row.get('parent_account_id');
  const name = row.get('name');
  const status = row.get('status');
  if (accountId === null) return ctx.warn(row, 'No account_id given for an account');
  const wantsDelete = status !== null && /^deleted/i.test(status);
  const wantsActive = status !== null && /^active/i.test(status);
  if (ctx.skipDeletes && wantsDelete) return false;

  let parent = store.rootAccount;
  if (parentSis !== null) {
    const found = store.accountBySisId(parentSis);
    if (!found) return ctx.warn(row, `Parent account didn't exist for ${accountId}`);
    parent = found;
  }

  let account = store.accountBySisId(accountId);
  if (!account) {
    if (name === null) return ctx.warn(row, `No name given for account ${accountId}, skipping`);
    if (!wantsActive && !wantsDelete) return ctx.warn(row, `Improper status "${status ?? ''}" for account ${accountId}, skipping`);
    account = store.addAccount({ name, parentId: parent.id, sisSourceId: accountId });
    ctx.recordState('Account', 'non-existent', 'active');
  } else {
    // Refusals are checked before anything is written: Canvas does not save a refused record.
    const acc = account;
    const newParentId = ctx.canWrite(acc, 'parent_account_id') ? parent.id : acc.parentId;
    const effectiveParent = newParentId !== null ? store.accounts.get(newParentId) : undefined;
    if (wantsActive && acc.workflowState === 'deleted' && effectiveParent?.workflowState === 'deleted') {
      return ctx.warn(row, `Cannot restore sub_account with ID: ${accountId} because parent_account with ID: ${effectiveParent.sisSourceId ?? ''} has been deleted.`);
    }
    if (wantsDelete && acc.workflowState !== 'deleted') {
      if ([...store.accounts.values()].some((a) => a.parentId === acc.id && a.workflowState !== 'deleted')) {
        return ctx.warn(row, `Cannot delete the sub_account with ID: ${accountId} because it has active sub accounts.`);
      }
      if ([...store.courses.values()].some((c) => c.accountId === acc.id && c.workflowState !== 'deleted')) {
        return ctx.warn(row, `Cannot delete the sub_account with ID: ${accountId} because it has active courses.`);
      }
    }
    ctx.assign(acc, 'parent_account_id', 'parentId', parent.id);
    if (name !== null) ctx.assign(acc, 'name', 'name', name);
  }
  account.integrationId = row.get('integration_id');

  const to = wantsActive ? 'active' : wantsDelete ? 'deleted' : account.workflowState;
  ctx.recordState('Account', account.workflowState, to);
  account.workflowState = to;
  ctx.stamp(account);
  return true;
}
