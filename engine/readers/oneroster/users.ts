/** users.csv; role and orgSourcedIds come from its own columns in 1.1 and from roles.csv (roles.ts) in 1.2. */
import type { OrOrg, OrUser, OrUserId } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { cell, readBoolean, readMetadata, requiredCell, splitList, splitListOnce } from './cells.js';
import { fileNameOf } from './files.js';
import { forEachLiveRow } from './live-rows.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { danglingReference } from './references.js';
import { Registry } from './registry.js';
import { columnOf, type BoundColumn, type Sheet } from './sheet.js';
import { readEnum, USER_ROLES } from './vocabularies.js';

const ENABLED_USER_EMPTY: RepeatedWarning = {
  code: 'oneroster.enabled-user-empty',
  message: (n) => `${rows(n, 'has', 'have')} an empty enabledUser; read as true`,
  hint: 'enabledUser is required: write true or false.',
};
const DANGLING_AGENT: RepeatedWarning = {
  code: 'oneroster.dangling-agent',
  message: (n, example) => `${rows(n, 'lists', 'list')} agentSourcedIds that are not users in the export or are tobedeleted (first: "${example}"); those links are dropped`,
  hint: 'Export the parents/guardians too, or leave agentSourcedIds empty.',
};
const USER_ORG_DELETED: RepeatedWarning = {
  code: 'oneroster.user-org-tobedeleted',
  message: (n, example) => `${rows(n, 'lists', 'list')} an org that is tobedeleted (first: "${example}"); the org is dropped from the user`,
  hint: 'Expected while an org is being removed; otherwise check the status of that org.',
};
const MALFORMED_USER_ID: RepeatedWarning = {
  code: 'oneroster.invalid-user-id',
  message: (n, example) => `${rows(n, 'holds', 'hold')} a userIds entry that is not {type:identifier} (e.g. "${example}"); such entries are ignored`,
  hint: 'Write userIds as {type:identifier}, several in one quoted field: "{LDAP:123},{SIS:456}".',
};

interface UserColumns {
  enabled: BoundColumn; orgs: BoundColumn; role: BoundColumn; username: BoundColumn; userIds: BoundColumn; givenName: BoundColumn;
  familyName: BoundColumn; middleName: BoundColumn; identifier: BoundColumn; email: BoundColumn; sms: BoundColumn; phone: BoundColumn;
  agents: BoundColumn; grades: BoundColumn; preferredGivenName: BoundColumn; preferredFamilyName: BoundColumn; primaryOrg: BoundColumn;
}

export class UserRegistry extends Registry<OrUser> {
  /** 1.2: primaryOrgSourcedId per user, used to pick among several roles. */
  readonly primaryOrg = new Map<string, string>();
}

/**
 * Users, with role and orgSourcedIds from users.csv when `inlineRoles` (1.1, or a 1.2 export
 * without roles.csv that kept the 1.1 columns); otherwise they are filled from roles.csv.
 */
export function readUsers(sheet: Sheet | null, orgs: Registry<OrOrg>, inlineRoles: boolean, problems: Problems): UserRegistry {
  if (!sheet) return new UserRegistry(fileNameOf('users'), false);
  const registry = new UserRegistry(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'user';
  const c: UserColumns = {
    enabled: columnOf(sheet, 'enabledUser'), orgs: columnOf(sheet, 'orgSourcedIds'), role: columnOf(sheet, 'role'), username: columnOf(sheet, 'username'),
    userIds: columnOf(sheet, 'userIds'), givenName: columnOf(sheet, 'givenName'), familyName: columnOf(sheet, 'familyName'),
    middleName: columnOf(sheet, 'middleName'), identifier: columnOf(sheet, 'identifier'), email: columnOf(sheet, 'email'), sms: columnOf(sheet, 'sms'),
    phone: columnOf(sheet, 'phone'), agents: columnOf(sheet, 'agentSourcedIds'), grades: columnOf(sheet, 'grades'),
    preferredGivenName: columnOf(sheet, 'preferredGivenName'), preferredFamilyName: columnOf(sheet, 'preferredFamilyName'),
    primaryOrg: columnOf(sheet, 'primaryOrgSourcedId'),
  };
  const rolesInColumns = inlineRoles && c.role.index !== -1 && c.orgs.index !== -1;
  const gradeLists = new Map<string, string[]>();
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const user = readUserRow(sheet, row, i, id, c, rolesInColumns, orgs, problems, gradeLists);
    if (user === null) registry.broken.add(id);
    else registry.add(user);
    const primaryOrg = cell(row, c.primaryOrg.index);
    if (primaryOrg !== '') registry.primaryOrg.set(id, primaryOrg);
  });
  resolveAgents(registry, sheet, c.agents, problems);
  return registry;
}

function readUserRow(
  sheet: Sheet, row: readonly string[], i: number, id: string, c: UserColumns, inlineRoles: boolean, orgs: Registry<OrOrg>, problems: Problems,
  gradeLists: Map<string, string[]>,
): OrUser | null {
  const what = 'user';
  const line = rowNumberOf(sheet.table, i);
  const enabledText = cell(row, c.enabled.index);
  if (enabledText === '' && c.enabled.index !== -1) problems.repeat(ENABLED_USER_EMPTY, sheet.file, line, c.enabled.name, '');
  const enabledUser = readBoolean(sheet, row, i, c.enabled, true, problems);
  const username = requiredCell(sheet, row, i, c.username, problems, what);
  const givenName = requiredCell(sheet, row, i, c.givenName, problems, what);
  const familyName = requiredCell(sheet, row, i, c.familyName, problems, what);
  let role = '';
  let orgSourcedIds: string[] = [];
  let rolesOk = true;
  if (inlineRoles) {
    role = readEnum(sheet, row, i, c.role, USER_ROLES, problems, what) ?? '';
    const orgsText = requiredCell(sheet, row, i, c.orgs, problems, what);
    const resolved = orgsText === null ? null : resolveUserOrgs(sheet, i, c.orgs, splitList(orgsText), orgs, problems);
    rolesOk = role !== '' && resolved !== null;
    orgSourcedIds = resolved ?? [];
  }
  if (enabledUser === null || username === null || givenName === null || familyName === null || !rolesOk) return null;
  const userIds = parseUserIds(cell(row, c.userIds.index), (entry) => problems.repeat(MALFORMED_USER_ID, sheet.file, line, c.userIds.name, entry));
  return {
    sourcedId: id, enabledUser, orgSourcedIds, role, username, userIds, givenName, familyName,
    middleName: cell(row, c.middleName.index), preferredGivenName: cell(row, c.preferredGivenName.index),
    preferredFamilyName: cell(row, c.preferredFamilyName.index), identifier: cell(row, c.identifier.index),
    email: cell(row, c.email.index), sms: cell(row, c.sms.index), phone: cell(row, c.phone.index),
    agentSourcedIds: splitList(cell(row, c.agents.index)), grades: splitListOnce(cell(row, c.grades.index), gradeLists),
    metadata: readMetadata(sheet, row), source: { file: sheet.file, row: line },
  };
}

/** 1.1 orgSourcedIds, interned; tobedeleted orgs are dropped with a warning. null after an error. */
function resolveUserOrgs(sheet: Sheet, i: number, col: BoundColumn, ids: string[], orgs: Registry<OrOrg>, problems: Problems): string[] | null {
  const resolved: string[] = [];
  let ok = true;
  for (const orgId of ids) {
    const org = orgs.get(orgId);
    if (org) {
      resolved.push(org.sourcedId);
      continue;
    }
    const why = orgs.whyMissing(orgId);
    if (why === 'deleted') problems.repeat(USER_ORG_DELETED, sheet.file, rowNumberOf(sheet.table, i), col.name, orgId);
    else {
      if (why === 'missing') danglingReference(sheet, i, col, orgId, orgs.file, problems);
      ok = false;
    }
  }
  return ok ? resolved : null;
}

/** agentSourcedIds point at other users, so they are checked once every user is known. */
function resolveAgents(registry: UserRegistry, sheet: Sheet, col: BoundColumn, problems: Problems): void {
  for (const user of registry.list) {
    if (user.agentSourcedIds.length === 0) continue;
    const kept: string[] = [];
    for (const agentId of user.agentSourcedIds) {
      const agent = registry.get(agentId);
      if (agent) kept.push(agent.sourcedId);
      else if (!registry.broken.has(agentId)) problems.repeat(DANGLING_AGENT, sheet.file, user.source.row, col.name, agentId);
    }
    user.agentSourcedIds = kept;
  }
}

/** `{LDAP:12},{LTI:15}` → [{type:'LDAP', identifier:'12'}, ...]. Commas inside braces belong to the identifier. */
function parseUserIds(value: string, onMalformed: (entry: string) => void): OrUserId[] {
  if (value === '') return [];
  const ids: OrUserId[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k <= value.length; k++) {
    const ch = value.charCodeAt(k);
    if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */) depth = Math.max(0, depth - 1);
    else if ((ch === 44 /* , */ && depth === 0) || k === value.length) {
      const entry = value.slice(start, k).trim();
      start = k + 1;
      if (entry === '') continue;
      const inner = entry.startsWith('{') && entry.endsWith('}') ? entry.slice(1, -1) : entry;
      const colon = inner.indexOf(':');
      if (colon <= 0) onMalformed(entry);
      else ids.push({ type: inner.slice(0, colon).trim(), identifier: inner.slice(colon + 1).trim() });
    }
  }
  return ids;
}
