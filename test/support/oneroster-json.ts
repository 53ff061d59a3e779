/**
 * A OneRoster CSV export as the JSON records of the REST binding (reference §2.5), written for the
 * tests independently of engine/readers/oneroster-rest: GUIDRefs with href/sourcedId/type, lists
 * as arrays, absent fields omitted, `status: active` for blank bulk statuses. A 1.1 export's users
 * become 1.2 users with `roles[]` when asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export type JsonRecord = Record<string, unknown>;
export type JsonExport = Record<'orgs' | 'academicSessions' | 'courses' | 'classes' | 'users' | 'enrollments', JsonRecord[]>;

function rowsOf(dir: string, name: string): Record<string, string>[] {
  const file = readdirSync(dir).find((f) => f.toLowerCase() === `${name.toLowerCase()}.csv`);
  if (!file) return [];
  return parse(readFileSync(join(dir, file)), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
}

const ref = (type: string, path: string) => (id: string | undefined) => (id ? { href: `${path}/${id}`, sourcedId: id, type } : undefined);
const orgRef = ref('org', '/orgs');
const sessionRef = ref('academicSession', '/academicSessions');
const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined);

function clean(record: JsonRecord): JsonRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));
}

function base(row: Record<string, string>): JsonRecord {
  const metadata = Object.fromEntries(Object.entries(row).filter(([k, v]) => k.startsWith('metadata.') && v !== '').map(([k, v]) => [k.slice(9), v]));
  return {
    sourcedId: row.sourcedId, status: row.status || 'active', dateLastModified: row.dateLastModified || undefined,
    metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
  };
}

export function jsonExportOf(dir: string, version: '1.1' | '1.2'): JsonExport {
  return {
    orgs: rowsOf(dir, 'orgs').map((r) => clean({ ...base(r), name: r.name, type: r.type, identifier: r.identifier, parent: orgRef(r.parentSourcedId) })),
    academicSessions: rowsOf(dir, 'academicSessions').map((r) => clean({
      ...base(r), title: r.title, type: r.type, startDate: r.startDate, endDate: r.endDate, parent: sessionRef(r.parentSourcedId), schoolYear: r.schoolYear,
    })),
    courses: rowsOf(dir, 'courses').map((r) => clean({
      ...base(r), title: r.title, schoolYear: sessionRef(r.schoolYearSourcedId), courseCode: r.courseCode, grades: list(r.grades), subjects: list(r.subjects),
      subjectCodes: list(r.subjectCodes), org: orgRef(r.orgSourcedId),
    })),
    classes: rowsOf(dir, 'classes').map((r) => clean({
      ...base(r), title: r.title, classCode: r.classCode, classType: r.classType, location: r.location, grades: list(r.grades), subjects: list(r.subjects),
      subjectCodes: list(r.subjectCodes), periods: list(r.periods), course: ref('course', '/courses')(r.courseSourcedId), school: orgRef(r.schoolSourcedId),
      terms: list(r.termSourcedIds)?.map((t) => sessionRef(t)),
    })),
    users: rowsOf(dir, 'users').map((r) => {
      const orgs = list(r.orgSourcedIds) ?? [];
      const userIds = r.userIds ? [...r.userIds.matchAll(/\{([^:}]*):([^}]*)\}/g)].map((m) => ({ type: m[1], identifier: m[2] })) : undefined;
      const common = {
        ...base(r), username: r.username, userIds, enabledUser: r.enabledUser, givenName: r.givenName, familyName: r.familyName, middleName: r.middleName,
        identifier: r.identifier, email: r.email, sms: r.sms, phone: r.phone, agents: list(r.agentSourcedIds)?.map((a) => ref('user', '/users')(a)), grades: list(r.grades),
        password: r.password,
      };
      if (version === '1.1') return clean({ ...common, role: r.role, orgs: orgs.map((o) => orgRef(o)) });
      return clean({ ...common, roles: orgs.map((o, i) => ({ roleType: i === 0 ? 'primary' : 'secondary', role: r.role, org: orgRef(o) })) });
    }),
    enrollments: rowsOf(dir, 'enrollments').map((r) => clean({
      ...base(r), role: r.role, primary: r.primary === '' || r.primary === undefined ? undefined : r.primary.toLowerCase() === 'true', beginDate: r.beginDate, endDate: r.endDate,
      user: ref('user', '/users')(r.userSourcedId), class: ref('class', '/classes')(r.classSourcedId), school: orgRef(r.schoolSourcedId),
    })),
  };
}
