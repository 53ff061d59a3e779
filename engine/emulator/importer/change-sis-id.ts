/**
 * change_sis_id.csv, run before every other file of its import (canvas-sis.md §2.14, §3.4,
 * messages §5.15). Direct writes: no stickiness, only the uniqueness checks; restamps the batch id.
 * Groups and group categories are not modelled by the emulator, so their rows find nothing.
 */
import type { Account, Course, Login, Section, Term } from '../store.js';
import type { ImportContext } from './context.js';
import type { Row } from './rows.js';

const TYPES = ['account', 'term', 'course', 'section', 'group', 'group_category', 'user'] as const;
type ChangeType = (typeof TYPES)[number];
type Target = Account | Term | Course | Section | Login;

export function importChangeSisId(ctx: ImportContext, row: Row): boolean {
  const type = row.get('type');
  const oldId = row.get('old_id');
  const newId = row.get('new_id');
  const oldIntegration = row.get('old_integration_id');
  const newIntegration = row.get('new_integration_id');
  if (type === null) return ctx.warn(row, 'No type given for change_sis_id');
  if (oldId === null && oldIntegration === null) return ctx.warn(row, 'No old_id or old_integration_id given for change_sis_id');
  if (newId === null && newIntegration === null) return ctx.warn(row, 'No new_id or new_integration_id given for change_sis_id');
  const t = type.toLowerCase() as ChangeType;
  if (!TYPES.includes(t)) return ctx.warn(row, `Invalid type '${type}' for change_sis_id`);
  if (t === 'group_category' && (oldIntegration !== null || newIntegration !== null)) return ctx.warn(row, 'Group categories should not have integration IDs.');

  const byOld = oldId !== null ? findBySis(ctx, t, oldId) : undefined;
  const byOldIntegration = oldIntegration !== null ? findByIntegration(ctx, t, oldIntegration) : undefined;
  if (byOld && byOldIntegration && byOld !== byOldIntegration) {
    return ctx.warn(row, `An old_id, '${oldId}', referenced a different ${t} than the old_integration_id, '${oldIntegration}'`);
  }
  if (oldId !== null && !byOld) return ctx.warn(row, `An old_id, '${oldId}', referenced a non-existent ${t} and was not changed.`);
  if (oldIntegration !== null && !byOldIntegration) return ctx.warn(row, `An old_integration_id, '${oldIntegration}', referenced a non-existent ${t} and was not changed.`);
  const target = (byOld ?? byOldIntegration)!;

  if (newId !== null && findBySis(ctx, t, newId)) {
    const column = t === 'user' ? 'sis_user_id' : 'sis_source_id';
    return ctx.warn(row, `A new_id, '${newId}', referenced an existing ${t} and the ${t} with ${column} '${oldId ?? ''}' was not updated`);
  }
  const clearsIntegration = newIntegration !== null && newIntegration.toLowerCase() === '<delete>';
  if (newIntegration !== null && !clearsIntegration && findByIntegration(ctx, t, newIntegration)) {
    return ctx.warn(row, `A new_integration_id, '${newIntegration}', referenced an existing ${t} and the ${t} with integration_id '${oldIntegration ?? ''}' was not updated`);
  }

  const { store } = ctx;
  if (newId !== null) {
    if (t === 'user') store.setLoginSisUserId(target as Login, newId);
    else setSource(ctx, t, target, newId);
  }
  if (newIntegration !== null) {
    const value = clearsIntegration ? null : newIntegration;
    if (t === 'user') store.setLoginIntegrationId(target as Login, value);
    else (target as Account).integrationId = value;
  }
  ctx.stamp(target);
  return true;
}

function setSource(ctx: ImportContext, t: ChangeType, target: Target, sis: string): void {
  const { store } = ctx;
  if (t === 'account') store.setSisSourceId('account', target as Account, sis);
  else if (t === 'term') store.setSisSourceId('term', target as Term, sis);
  else if (t === 'course') store.setSisSourceId('course', target as Course, sis);
  else if (t === 'section') store.setSisSourceId('section', target as Section, sis);
}

function findBySis(ctx: ImportContext, t: ChangeType, sis: string): Target | undefined {
  const { store } = ctx;
  switch (t) {
    case 'account': return store.accountBySisId(sis);
    case 'term': return store.termBySisId(sis);
    case 'course': return store.courseBySisId(sis);
    case 'section': return store.sectionBySisId(sis);
    case 'user': return store.loginBySis(sis);
    default: return undefined;
  }
}

function findByIntegration(ctx: ImportContext, t: ChangeType, id: string): Target | undefined {
  const { store } = ctx;
  const scan = <T extends { integrationId: string | null }>(items: Iterable<T>): T | undefined => {
    for (const item of items) if (item.integrationId === id) return item;
    return undefined;
  };
  switch (t) {
    case 'account': return scan(store.accounts.values());
    case 'term': return scan(store.terms.values());
    case 'course': return scan(store.courses.values());
    case 'section': return scan(store.sections.values());
    case 'user': return store.loginByIntegrationId(id);
    default: return undefined;
  }
}
