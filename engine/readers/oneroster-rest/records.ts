/**
 * OneRoster JSON records (reference oneroster.md §2.5) as the cells of the matching CSV file
 * (Appendix A): GUIDRefs become `...SourcedId` columns, lists become comma-separated cells,
 * booleans and numbers their text, `metadata` keys `metadata.<key>` columns. What the CSV
 * binding cannot carry is dropped the way a CSV export drops it.
 */
import type { DataFile } from '../oneroster/files.js';

export type JsonRecord = Record<string, unknown>;
export type Cells = Map<string, string>;

export type Collection = 'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'enrollments';

/** In the order they are pulled and read. */
export const COLLECTIONS: readonly Collection[] = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments'];

/** The CSV header each collection's table starts with (Appendix A); metadata columns are added as met. */
export const HEADERS: Record<DataFile, readonly string[]> = {
  orgs: ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
  academicSessions: ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'],
  courses: ['sourcedId', 'status', 'dateLastModified', 'schoolYearSourcedId', 'title', 'courseCode', 'grades', 'orgSourcedId', 'subjects', 'subjectCodes'],
  classes: [
    'sourcedId', 'status', 'dateLastModified', 'title', 'grades', 'courseSourcedId', 'classCode', 'classType', 'location', 'schoolSourcedId', 'termSourcedIds',
    'subjects', 'subjectCodes', 'periods',
  ],
  enrollments: ['sourcedId', 'status', 'dateLastModified', 'classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role', 'primary', 'beginDate', 'endDate'],
  users: [
    'sourcedId', 'status', 'dateLastModified', 'enabledUser', 'orgSourcedIds', 'role', 'username', 'userIds', 'givenName', 'familyName', 'middleName',
    'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password', 'userMasterIdentifier', 'preferredGivenName', 'preferredMiddleName',
    'preferredFamilyName', 'primaryOrgSourcedId', 'pronouns',
  ],
  roles: ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'roleType', 'role', 'beginDate', 'endDate', 'orgSourcedId', 'userProfileSourcedId'],
};

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function refId(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return text((value as { sourcedId?: unknown }).sourcedId);
}

function list(value: unknown, item: (v: unknown) => string = text): string {
  if (value === undefined || value === null) return '';
  if (!Array.isArray(value)) return item(value);
  return value.map(item).filter((v) => v !== '').join(',');
}

function set(cells: Cells, name: string, value: string): void {
  if (value !== '') cells.set(name, value);
}

/** sourcedId, status (blank when active, as a bulk CSV file writes it), dateLastModified, metadata.* */
function common(record: JsonRecord): Cells {
  const cells: Cells = new Map();
  set(cells, 'sourcedId', text(record.sourcedId));
  const status = text(record.status);
  if (status !== 'active') set(cells, 'status', status);
  set(cells, 'dateLastModified', text(record.dateLastModified));
  const metadata = record.metadata;
  if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
    for (const [key, value] of Object.entries(metadata)) set(cells, `metadata.${key}`, text(value));
  }
  return cells;
}

function copy(cells: Cells, record: JsonRecord, names: readonly string[]): void {
  for (const name of names) set(cells, name, text(record[name]));
}

export function orgCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, ['name', 'type', 'identifier']);
  set(cells, 'parentSourcedId', refId(r.parent));
  return cells;
}

export function sessionCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, ['title', 'type', 'startDate', 'endDate', 'schoolYear']);
  set(cells, 'parentSourcedId', refId(r.parent));
  return cells;
}

export function courseCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, ['title', 'courseCode']);
  set(cells, 'schoolYearSourcedId', refId(r.schoolYear));
  set(cells, 'grades', list(r.grades));
  set(cells, 'orgSourcedId', refId(r.org));
  set(cells, 'subjects', list(r.subjects));
  set(cells, 'subjectCodes', list(r.subjectCodes));
  return cells;
}

export function classCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, ['title', 'classCode', 'classType', 'location']);
  set(cells, 'grades', list(r.grades));
  set(cells, 'courseSourcedId', refId(r.course));
  set(cells, 'schoolSourcedId', refId(r.school));
  set(cells, 'termSourcedIds', list(r.terms, refId));
  set(cells, 'subjects', list(r.subjects));
  set(cells, 'subjectCodes', list(r.subjectCodes));
  set(cells, 'periods', list(r.periods));
  return cells;
}

export function enrollmentCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, ['role', 'primary', 'beginDate', 'endDate']);
  set(cells, 'classSourcedId', refId(r.class));
  set(cells, 'schoolSourcedId', refId(r.school));
  set(cells, 'userSourcedId', refId(r.user));
  return cells;
}

/** `{type:identifier}` entries, as users.csv writes userIds. */
function userIdsText(value: unknown): string {
  return list(value, (entry) => {
    if (entry && typeof entry === 'object') {
      const { type, identifier } = entry as { type?: unknown; identifier?: unknown };
      return `{${text(type)}:${text(identifier)}}`;
    }
    return text(entry);
  });
}

export function userCells(r: JsonRecord): Cells {
  const cells = common(r);
  copy(cells, r, [
    'enabledUser', 'role', 'username', 'givenName', 'familyName', 'middleName', 'identifier', 'email', 'sms', 'phone', 'password', 'userMasterIdentifier',
    'preferredMiddleName', 'pronouns',
  ]);
  set(cells, 'orgSourcedIds', list(r.orgs, refId));
  set(cells, 'userIds', userIdsText(r.userIds));
  set(cells, 'agentSourcedIds', list(r.agents, refId));
  set(cells, 'grades', list(r.grades));
  // 1.2's JSON binding names preferred names First/Last in some implementations (reference §2.5).
  set(cells, 'preferredGivenName', text(r.preferredGivenName ?? r.preferredFirstName));
  set(cells, 'preferredFamilyName', text(r.preferredFamilyName ?? r.preferredLastName));
  set(cells, 'primaryOrgSourcedId', refId(r.primaryOrg));
  return cells;
}

/**
 * A 1.2 user's `roles[]` as roles.csv rows. The JSON binding gives a role no sourcedId of its
 * own; `<user sourcedId>#role<n>` stands in (roles are folded into their user, the id is never planned on).
 */
export function roleCells(user: JsonRecord): Cells[] {
  const roles = user.roles;
  if (!Array.isArray(roles)) return [];
  const userId = text(user.sourcedId);
  return roles.map((role: JsonRecord, n) => {
    const cells: Cells = new Map();
    set(cells, 'sourcedId', `${userId}#role${n + 1}`);
    set(cells, 'userSourcedId', userId);
    set(cells, 'roleType', text(role.roleType));
    set(cells, 'role', text(role.role));
    set(cells, 'beginDate', text(role.beginDate));
    set(cells, 'endDate', text(role.endDate));
    set(cells, 'orgSourcedId', refId(role.org));
    set(cells, 'userProfileSourcedId', refId(role.userProfile));
    return cells;
  });
}

export const CELLS_OF: Record<Collection, (r: JsonRecord) => Cells> = {
  orgs: orgCells,
  academicSessions: sessionCells,
  courses: courseCells,
  classes: classCells,
  users: userCells,
  enrollments: enrollmentCells,
};
