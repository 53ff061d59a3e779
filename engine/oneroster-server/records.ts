/**
 * CSV rows → the OneRoster REST JSON records (reference oneroster.md §2.5), per version:
 * references as `{href, sourcedId, type}`, lists as arrays, absent (empty) fields omitted,
 * `metadata.*` columns as a `metadata` object. A bulk export leaves `status` and
 * `dateLastModified` blank, but the REST binding requires both: blank status is served as
 * `active` and blank dateLastModified as the time the export was loaded.
 */
import type { LoadedExport, Table } from './export.js';

export type OneRosterVersion = '1.1' | '1.2';
export type JsonRecord = Record<string, unknown>;

export interface Ref {
  href: string;
  sourcedId: string;
  type: string;
}

/** The base collections a record comes from (typed views like /schools read one of these). */
export type BaseCollection = 'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'enrollments' | 'demographics';

export interface RecordSource {
  collection: BaseCollection;
  rowCount: number;
  /** The record of row `r`, in full (projection happens later). */
  record(r: number, baseUrl: string): JsonRecord;
  /** sourcedId of row `r`, without building the record. */
  sourcedId(r: number): string;
  /** The trimmed CSV cell of row `r` under `column` ('' when the file has no such column), without building the record. */
  raw(r: number, column: string): string;
  /** Top-level field names a record of this collection may carry (for filter/sort/fields checks). */
  fields: ReadonlySet<string>;
}

const COMMON = ['sourcedId', 'status', 'dateLastModified', 'metadata'];
const FIELDS: Record<OneRosterVersion, Record<BaseCollection, string[]>> = {
  '1.1': {
    orgs: [...COMMON, 'name', 'type', 'identifier', 'parent', 'children'],
    academicSessions: [...COMMON, 'title', 'startDate', 'endDate', 'type', 'parent', 'children', 'schoolYear'],
    courses: [...COMMON, 'title', 'schoolYear', 'courseCode', 'grades', 'subjects', 'org', 'subjectCodes', 'resources'],
    classes: [...COMMON, 'title', 'classCode', 'classType', 'location', 'grades', 'subjects', 'course', 'school', 'terms', 'subjectCodes', 'periods', 'resources'],
    users: [...COMMON, 'username', 'userIds', 'enabledUser', 'givenName', 'familyName', 'middleName', 'role', 'identifier', 'email', 'sms', 'phone', 'agents', 'orgs', 'grades', 'password'],
    enrollments: [...COMMON, 'user', 'class', 'school', 'role', 'primary', 'beginDate', 'endDate'],
    demographics: [...COMMON, 'birthDate', 'sex', 'americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces', 'hispanicOrLatinoEthnicity', 'countryOfBirthCode', 'stateOfBirthAbbreviation', 'cityOfBirth', 'publicSchoolResidenceStatus'],
  },
  '1.2': {
    orgs: [...COMMON, 'name', 'type', 'identifier', 'parent', 'children'],
    academicSessions: [...COMMON, 'title', 'startDate', 'endDate', 'type', 'parent', 'children', 'schoolYear'],
    courses: [...COMMON, 'title', 'schoolYear', 'courseCode', 'grades', 'subjects', 'org', 'subjectCodes', 'resources'],
    classes: [...COMMON, 'title', 'classCode', 'classType', 'location', 'grades', 'subjects', 'course', 'school', 'terms', 'subjectCodes', 'periods', 'resources'],
    users: [...COMMON, 'userMasterIdentifier', 'username', 'userIds', 'enabledUser', 'givenName', 'familyName', 'middleName', 'preferredFirstName', 'preferredMiddleName', 'preferredLastName', 'pronouns', 'roles', 'userProfiles', 'primaryOrg', 'identifier', 'email', 'sms', 'phone', 'agents', 'grades', 'password', 'resources'],
    enrollments: [...COMMON, 'user', 'class', 'school', 'role', 'primary', 'beginDate', 'endDate'],
    demographics: [...COMMON, 'birthDate', 'sex', 'americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces', 'hispanicOrLatinoEthnicity', 'countryOfBirthCode', 'stateOfBirthAbbreviation', 'cityOfBirth', 'publicSchoolResidenceStatus'],
  },
};

/** Reference `type` tokens, and the collection an href points into. */
const REF_PATH: Record<string, string> = { org: 'orgs', academicSession: 'academicSessions', course: 'courses', class: 'classes', user: 'users', userProfile: 'userProfiles' };

export function ref(baseUrl: string, type: string, sourcedId: string): Ref {
  return { href: `${baseUrl}/${REF_PATH[type] ?? type}/${encodeURIComponent(sourcedId)}`, sourcedId, type };
}

/** A quoted CSV list `"a,b"` → ['a', 'b'] (blank items dropped). */
function list(value: string): string[] {
  if (value.trim() === '') return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** `{SIS:123},{LDAP:x}` → [{type, identifier}] */
function userIds(value: string): { type: string; identifier: string }[] {
  const out: { type: string; identifier: string }[] = [];
  for (const m of value.matchAll(/\{([^:}]*):([^}]*)\}/g)) out.push({ type: m[1]!.trim(), identifier: m[2]!.trim() });
  return out;
}

/** Spec booleans in JSON are the strings "true"/"false" (1.1 binding; 1.2 TrueFalseEnum). */
function trueFalse(value: string): string | undefined {
  const v = value.trim().toLowerCase();
  return v === 'true' || v === 'false' ? v : value.trim() === '' ? undefined : value.trim();
}

/** The builder of one table's records: reads cells by column name, omits empty fields. */
class RowReader {
  private readonly index = new Map<string, number>();

  constructor(readonly table: Table) {}

  col(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.table.column(name);
      this.index.set(name, i);
    }
    return i;
  }

  get(r: number, name: string): string {
    return this.table.cell(r, this.col(name)).trim();
  }
}

function put(target: JsonRecord, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
  target[key] = value;
}

export function buildSources(data: LoadedExport, version: OneRosterVersion, loadedAt: string): Map<BaseCollection, RecordSource> {
  const sources = new Map<BaseCollection, RecordSource>();
  const base = (reader: RowReader, r: number): JsonRecord => {
    const rec: JsonRecord = {
      sourcedId: reader.get(r, 'sourcedId'),
      status: normalStatus(reader.get(r, 'status')),
      dateLastModified: dateTime(reader.get(r, 'dateLastModified')) ?? loadedAt,
    };
    const metadataColumns = reader.table.metadataColumns;
    if (metadataColumns.length > 0) {
      const metadata: JsonRecord = {};
      for (const [c, key] of metadataColumns) {
        const v = reader.table.cell(r, c).trim();
        if (v !== '') metadata[key] = v;
      }
      if (Object.keys(metadata).length > 0) rec.metadata = metadata;
    }
    return rec;
  };
  const add = (collection: BaseCollection, build: (reader: RowReader, r: number, baseUrl: string) => JsonRecord): void => {
    const table = data.tables.get(collection);
    if (!table) return;
    const reader = new RowReader(table);
    const idCol = reader.col('sourcedId');
    sources.set(collection, {
      collection,
      rowCount: table.rowCount,
      fields: new Set(FIELDS[version][collection]),
      sourcedId: (r) => table.cell(r, idCol).trim(),
      raw: (r, column) => reader.get(r, column),
      record: (r, baseUrl) => build(reader, r, baseUrl),
    });
  };

  const orgChildren = childrenOf(data.tables.get('orgs'));
  add('orgs', (rd, r, b) => {
    const rec = base(rd, r);
    put(rec, 'name', rd.get(r, 'name'));
    put(rec, 'type', rd.get(r, 'type'));
    put(rec, 'identifier', rd.get(r, 'identifier'));
    const parent = rd.get(r, 'parentSourcedId');
    if (parent) rec.parent = ref(b, 'org', parent);
    put(rec, 'children', (orgChildren.get(rec.sourcedId as string) ?? []).map((id) => ref(b, 'org', id)));
    return rec;
  });

  const sessionChildren = childrenOf(data.tables.get('academicSessions'));
  add('academicSessions', (rd, r, b) => {
    const rec = base(rd, r);
    put(rec, 'title', rd.get(r, 'title'));
    put(rec, 'startDate', rd.get(r, 'startDate'));
    put(rec, 'endDate', rd.get(r, 'endDate'));
    put(rec, 'type', rd.get(r, 'type'));
    const parent = rd.get(r, 'parentSourcedId');
    if (parent) rec.parent = ref(b, 'academicSession', parent);
    put(rec, 'children', (sessionChildren.get(rec.sourcedId as string) ?? []).map((id) => ref(b, 'academicSession', id)));
    put(rec, 'schoolYear', rd.get(r, 'schoolYear'));
    return rec;
  });

  add('courses', (rd, r, b) => {
    const rec = base(rd, r);
    put(rec, 'title', rd.get(r, 'title'));
    const year = rd.get(r, 'schoolYearSourcedId');
    if (year) rec.schoolYear = ref(b, 'academicSession', year);
    put(rec, 'courseCode', rd.get(r, 'courseCode'));
    put(rec, 'grades', list(rd.get(r, 'grades')));
    put(rec, 'subjects', list(rd.get(r, 'subjects')));
    const org = rd.get(r, 'orgSourcedId');
    if (org) rec.org = ref(b, 'org', org);
    put(rec, 'subjectCodes', list(rd.get(r, 'subjectCodes')));
    return rec;
  });

  add('classes', (rd, r, b) => {
    const rec = base(rd, r);
    put(rec, 'title', rd.get(r, 'title'));
    put(rec, 'classCode', rd.get(r, 'classCode'));
    put(rec, 'classType', rd.get(r, 'classType'));
    put(rec, 'location', rd.get(r, 'location'));
    put(rec, 'grades', list(rd.get(r, 'grades')));
    put(rec, 'subjects', list(rd.get(r, 'subjects')));
    const course = rd.get(r, 'courseSourcedId');
    if (course) rec.course = ref(b, 'course', course);
    const school = rd.get(r, 'schoolSourcedId');
    if (school) rec.school = ref(b, 'org', school);
    // Some producers write the singular header (reference §1.10).
    const terms = rd.get(r, 'termSourcedIds') || rd.get(r, 'termSourcedId');
    put(rec, 'terms', list(terms).map((id) => ref(b, 'academicSession', id)));
    put(rec, 'subjectCodes', list(rd.get(r, 'subjectCodes')));
    put(rec, 'periods', list(rd.get(r, 'periods')));
    return rec;
  });

  if (version === '1.1') {
    // A 1.2 users.csv served as 1.1 has no role or orgSourcedIds: they come from roles.csv.
    const roles = data.tables.get('users')?.column('role') === -1 ? rolesByUser(data) : null;
    add('users', (rd, r, b) => {
      const rec = base(rd, r);
      put(rec, 'username', rd.get(r, 'username'));
      put(rec, 'userIds', userIds(rd.get(r, 'userIds')));
      put(rec, 'enabledUser', trueFalse(rd.get(r, 'enabledUser')));
      put(rec, 'givenName', rd.get(r, 'givenName'));
      put(rec, 'familyName', rd.get(r, 'familyName'));
      put(rec, 'middleName', rd.get(r, 'middleName'));
      const userRoles = roles?.get(rd.get(r, 'sourcedId')) ?? [];
      const primary = userRoles.find((x) => x.roleType === 'primary') ?? userRoles[0];
      put(rec, 'role', roles ? (primary ? ROLE_11[primary.role] ?? primary.role : undefined) : rd.get(r, 'role'));
      put(rec, 'identifier', rd.get(r, 'identifier'));
      put(rec, 'email', rd.get(r, 'email'));
      put(rec, 'sms', rd.get(r, 'sms'));
      put(rec, 'phone', rd.get(r, 'phone'));
      put(rec, 'agents', list(rd.get(r, 'agentSourcedIds')).map((id) => ref(b, 'user', id)));
      const orgs = roles ? [...new Set(userRoles.map((x) => x.org))] : list(rd.get(r, 'orgSourcedIds'));
      put(rec, 'orgs', orgs.map((id) => ref(b, 'org', id)));
      put(rec, 'grades', list(rd.get(r, 'grades')));
      put(rec, 'password', rd.get(r, 'password'));
      return rec;
    });
  } else {
    const roles = rolesByUser(data);
    const profiles = profilesByUser(data.tables.get('userProfiles'));
    add('users', (rd, r, b) => {
      const rec = base(rd, r);
      const id = rec.sourcedId as string;
      put(rec, 'userMasterIdentifier', rd.get(r, 'userMasterIdentifier'));
      put(rec, 'username', rd.get(r, 'username'));
      put(rec, 'userIds', userIds(rd.get(r, 'userIds')));
      put(rec, 'enabledUser', trueFalse(rd.get(r, 'enabledUser')));
      put(rec, 'givenName', rd.get(r, 'givenName'));
      put(rec, 'familyName', rd.get(r, 'familyName'));
      put(rec, 'middleName', rd.get(r, 'middleName'));
      put(rec, 'preferredFirstName', rd.get(r, 'preferredGivenName'));
      put(rec, 'preferredMiddleName', rd.get(r, 'preferredMiddleName'));
      put(rec, 'preferredLastName', rd.get(r, 'preferredFamilyName'));
      put(rec, 'pronouns', rd.get(r, 'pronouns'));
      // A 1.1-shaped users.csv served as 1.2: its role and orgs become roles (first org primary).
      const rows = roles?.get(id) ?? legacyRoles(rd, r);
      put(rec, 'roles', rows.map((role) => roleJson(role, b)));
      put(rec, 'userProfiles', (profiles.get(id) ?? []).map((p) => ({ ...p })));
      const primaryOrg = rd.get(r, 'primaryOrgSourcedId');
      if (primaryOrg) rec.primaryOrg = ref(b, 'org', primaryOrg);
      put(rec, 'identifier', rd.get(r, 'identifier'));
      put(rec, 'email', rd.get(r, 'email'));
      put(rec, 'sms', rd.get(r, 'sms'));
      put(rec, 'phone', rd.get(r, 'phone'));
      put(rec, 'agents', list(rd.get(r, 'agentSourcedIds')).map((aid) => ref(b, 'user', aid)));
      put(rec, 'grades', list(rd.get(r, 'grades')));
      put(rec, 'password', rd.get(r, 'password'));
      put(rec, 'resources', list(rd.get(r, 'resourceSourcedIds')).map((rid) => ({ href: `${b}/resources/${encodeURIComponent(rid)}`, sourcedId: rid, type: 'resource' })));
      return rec;
    });
  }

  add('enrollments', (rd, r, b) => {
    const rec = base(rd, r);
    const user = rd.get(r, 'userSourcedId');
    if (user) rec.user = ref(b, 'user', user);
    const cls = rd.get(r, 'classSourcedId');
    if (cls) rec.class = ref(b, 'class', cls);
    const school = rd.get(r, 'schoolSourcedId');
    if (school) rec.school = ref(b, 'org', school);
    put(rec, 'role', rd.get(r, 'role'));
    put(rec, 'primary', trueFalse(rd.get(r, 'primary')));
    put(rec, 'beginDate', rd.get(r, 'beginDate'));
    put(rec, 'endDate', rd.get(r, 'endDate'));
    return rec;
  });

  add('demographics', (rd, r) => {
    const rec = base(rd, r);
    for (const field of FIELDS[version].demographics.slice(COMMON.length)) {
      const v = rd.get(r, field);
      put(rec, field, /^(true|false)$/i.test(v) ? v.toLowerCase() : v);
    }
    return rec;
  });
  return sources;
}

/** 1.2 role tokens that 1.1 (reference §1.7) names otherwise. */
const ROLE_11: Record<string, string> = {
  districtAdministrator: 'administrator', siteAdministrator: 'administrator', systemAdministrator: 'administrator', principal: 'administrator',
};

function normalStatus(value: string): string {
  if (value === '') return 'active';
  return value === 'inactive' ? 'tobedeleted' : value;
}

/** A CSV dateLastModified as a DateTime with milliseconds and Z; unreadable values are passed as written. */
function dateTime(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

function childrenOf(table: Table | undefined): Map<string, string[]> {
  const children = new Map<string, string[]>();
  if (!table) return children;
  const idCol = table.column('sourcedId');
  const parentCol = table.column('parentSourcedId');
  for (let r = 0; r < table.rowCount; r++) {
    const parent = table.cell(r, parentCol).trim();
    if (parent === '') continue;
    const list = children.get(parent) ?? [];
    list.push(table.cell(r, idCol).trim());
    children.set(parent, list);
  }
  return children;
}

interface RoleRow {
  roleType: string;
  role: string;
  org: string;
  userProfile?: string;
  beginDate?: string;
  endDate?: string;
}

function roleJson(role: RoleRow, baseUrl: string): JsonRecord {
  const out: JsonRecord = { roleType: role.roleType, role: role.role, org: ref(baseUrl, 'org', role.org) };
  if (role.userProfile) out.userProfile = ref(baseUrl, 'userProfile', role.userProfile);
  if (role.beginDate) out.beginDate = role.beginDate;
  if (role.endDate) out.endDate = role.endDate;
  return out;
}

function rolesByUser(data: LoadedExport): Map<string, RoleRow[]> | null {
  const table = data.tables.get('roles');
  if (!table) return null;
  const rd = new RowReader(table);
  const byUser = new Map<string, RoleRow[]>();
  for (let r = 0; r < table.rowCount; r++) {
    const user = rd.get(r, 'userSourcedId');
    const row: RoleRow = { roleType: rd.get(r, 'roleType'), role: rd.get(r, 'role'), org: rd.get(r, 'orgSourcedId') };
    const profile = rd.get(r, 'userProfileSourcedId');
    if (profile) row.userProfile = profile;
    const begin = rd.get(r, 'beginDate');
    if (begin) row.beginDate = begin;
    const end = rd.get(r, 'endDate');
    if (end) row.endDate = end;
    const rows = byUser.get(user) ?? [];
    rows.push(row);
    byUser.set(user, rows);
  }
  return byUser;
}

function legacyRoles(rd: RowReader, r: number): RoleRow[] {
  const role = rd.get(r, 'role');
  if (role === '') return [];
  return list(rd.get(r, 'orgSourcedIds')).map((org, i) => ({ roleType: i === 0 ? 'primary' : 'secondary', role, org }));
}

function profilesByUser(table: Table | undefined): Map<string, JsonRecord[]> {
  const byUser = new Map<string, JsonRecord[]>();
  if (!table) return byUser;
  const rd = new RowReader(table);
  for (let r = 0; r < table.rowCount; r++) {
    const profile: JsonRecord = { profileId: rd.get(r, 'sourcedId') };
    put(profile, 'profileType', rd.get(r, 'profileType'));
    put(profile, 'vendorId', rd.get(r, 'vendorId'));
    put(profile, 'applicationId', rd.get(r, 'applicationId'));
    put(profile, 'description', rd.get(r, 'description'));
    const credential: JsonRecord = {};
    put(credential, 'type', rd.get(r, 'credentialType'));
    put(credential, 'username', rd.get(r, 'username'));
    put(credential, 'password', rd.get(r, 'password'));
    if (Object.keys(credential).length > 0) profile.credentials = [credential];
    const user = rd.get(r, 'userSourcedId');
    const rows = byUser.get(user) ?? [];
    rows.push(profile);
    byUser.set(user, rows);
  }
  return byUser;
}
