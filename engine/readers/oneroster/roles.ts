/** roles.csv (1.2): each user's role and orgs, filled into the users read from users.csv. */
import type { OrOrg } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { requiredCell } from './cells.js';
import { forEachLiveRow } from './live-rows.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { danglingReference } from './references.js';
import { Registry } from './registry.js';
import { columnOf, type Sheet } from './sheet.js';
import type { UserRegistry } from './users.js';
import { readEnum, ROLE_TYPES, USER_ROLES } from './vocabularies.js';

interface RoleRow {
  sourcedId: string;
  primary: boolean;
  role: string;
  orgSourcedId: string;
}

const ROLE_SKIPPED: RepeatedWarning = {
  code: 'oneroster.role-skipped',
  message: (n, example) => `${rows(n, 'refers', 'refer')} to a user or org that is tobedeleted (first: "${example}"); the role is ignored`,
  hint: 'Expected while a user or org is being removed.',
};
const NO_PRIMARY_ROLE: RepeatedWarning = {
  code: 'oneroster.no-primary-role',
  message: (n, example) => `${n === 1 ? '1 user has' : `${n} users have`} no roleType=primary role (first: "${example}"); a secondary role was used`,
  hint: 'Give each user one primary role in roles.csv.',
};
const SEVERAL_PRIMARY_ROLES: RepeatedWarning = {
  code: 'oneroster.several-primary-roles',
  message: (n, example) => `${n === 1 ? '1 user has' : `${n} users have`} primary roles that differ between orgs (first: "${example}"); the one at primaryOrgSourcedId, else the lowest role sourcedId, was used`,
  hint: 'Set primaryOrgSourcedId in users.csv so it is clear which role counts.',
};

/**
 * 1.2 (§1.9): a user's role is its roleType=primary role in roles.csv, its orgs are the orgs of
 * all its roles. Which role wins never depends on row order, so shuffled exports plan alike.
 */
export function assignRolesFromRolesFile(users: UserRegistry, sheet: Sheet, orgs: Registry<OrOrg>, problems: Problems): void {
  const rolesByUser = readRoles(sheet, users, orgs, problems);
  if (!sheet.usable || !users.usable) return;
  for (const user of users.list) {
    const roles = rolesByUser.get(user.sourcedId);
    if (!roles) {
      problems.error({
        code: 'oneroster.missing-role', file: user.source.file, line: user.source.row, field: 'role',
        message: `user "${user.sourcedId}" has no role in ${sheet.file}`,
        hint: `Add a row for this user to ${sheet.file} (roleType primary, with the user's school as orgSourcedId).`,
      });
      continue;
    }
    const chosen = choosePrimaryRole(roles, users.primaryOrg.get(user.sourcedId));
    if (!chosen.primary) problems.repeat(NO_PRIMARY_ROLE, users.file, user.source.row, 'role', user.sourcedId);
    else if (roles.some((r) => r.primary && r.role !== chosen.role)) problems.repeat(SEVERAL_PRIMARY_ROLES, users.file, user.source.row, 'role', user.sourcedId);
    user.role = chosen.role;
    user.orgSourcedIds = orgsOfRoles(roles, chosen.orgSourcedId);
  }
}

/** Only reached when checkFileSet accepted a 1.2 export without roles.csv because users.csv kept role and orgSourcedIds. */
export function warnRolesTakenFromUsers(file: string, problems: Problems): void {
  problems.warn({
    code: 'oneroster.roles-from-users', file, line: 1, field: 'role',
    message: 'this OneRoster 1.2 export has no roles.csv; role and orgSourcedIds are taken from the 1.1-style columns of users.csv',
    hint: 'OneRoster 1.2 keeps roles in roles.csv: export it, or declare oneroster.version 1.1 if this is a 1.1 export.',
  });
}

function choosePrimaryRole(roles: RoleRow[], primaryOrg: string | undefined): RoleRow {
  const primaries = roles.filter((r) => r.primary);
  const pool = primaries.length > 0 ? primaries : roles;
  const atPrimaryOrg = primaryOrg === undefined ? [] : pool.filter((r) => r.orgSourcedId === primaryOrg);
  const candidates = atPrimaryOrg.length > 0 ? atPrimaryOrg : pool;
  return candidates.reduce((best, r) => (r.sourcedId < best.sourcedId ? r : best));
}

/** The chosen role's org first, then the others in id order (stable whatever the row order). */
function orgsOfRoles(roles: RoleRow[], firstOrg: string): string[] {
  const others = [...new Set(roles.map((r) => r.orgSourcedId))].filter((o) => o !== firstOrg).sort();
  return [firstOrg, ...others];
}

function readRoles(sheet: Sheet, users: UserRegistry, orgs: Registry<OrOrg>, problems: Problems): Map<string, RoleRow[]> {
  const byUser = new Map<string, RoleRow[]>();
  if (!sheet.usable) return byUser;
  const registry = new Registry<{ sourcedId: string }>(sheet.file, true);
  const what = 'role';
  const userCol = columnOf(sheet, 'userSourcedId');
  const typeCol = columnOf(sheet, 'roleType');
  const roleCol = columnOf(sheet, 'role');
  const orgCol = columnOf(sheet, 'orgSourcedId');
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const userId = requiredCell(sheet, row, i, userCol, problems, what);
    const roleType = readEnum(sheet, row, i, typeCol, ROLE_TYPES, problems, what);
    const role = readEnum(sheet, row, i, roleCol, USER_ROLES, problems, what);
    const orgId = requiredCell(sheet, row, i, orgCol, problems, what);
    if (userId === null || roleType === null || role === null || orgId === null) return;
    const user = users.get(userId);
    const org = orgs.get(orgId);
    const userWhy = user ? null : users.whyMissing(userId);
    const orgWhy = org ? null : orgs.whyMissing(orgId);
    if (userWhy === 'missing') danglingReference(sheet, i, userCol, userId, users.file, problems);
    if (orgWhy === 'missing') danglingReference(sheet, i, orgCol, orgId, orgs.file, problems);
    if (!user || !org) {
      if (userWhy === 'deleted' || orgWhy === 'deleted') problems.repeat(ROLE_SKIPPED, sheet.file, rowNumberOf(sheet.table, i), 'status', id);
      return;
    }
    const entry: RoleRow = { sourcedId: id, primary: roleType === 'primary', role, orgSourcedId: org.sourcedId };
    const list = byUser.get(user.sourcedId);
    if (list) list.push(entry);
    else byUser.set(user.sourcedId, [entry]);
  });
  return byUser;
}
