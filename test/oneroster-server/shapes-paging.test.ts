/**
 * The wire format of the local OneRoster server over the bundled example: wrapper keys, record
 * shapes and references (reference oneroster.md §2.5), paging headers (§2.3), filter, sort and
 * fields, typed views, and imsx payloads for 400 and 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneRosterServer } from '../../engine/oneroster-server/index.js';
import { emptyValues, getJson, startExample } from './helpers.js';

// Reference §2.5 "1.1 user" plus the fields every entity carries.
const USER_FIELDS_11 = ['sourcedId', 'status', 'dateLastModified', 'metadata', 'username', 'userIds', 'enabledUser', 'givenName', 'familyName', 'middleName', 'role', 'orgs', 'identifier', 'email', 'sms', 'phone', 'agents', 'grades', 'password'];
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

let server: OneRosterServer;
beforeAll(async () => {
  server = await startExample({ maxLimit: 500 });
});
afterAll(async () => server.close());

function expectRef(ref: any, type: string, collection: string): void {
  expect(Object.keys(ref).sort()).toEqual(['href', 'sourcedId', 'type']);
  expect(ref.type).toBe(type);
  expect(ref.href).toBe(`${server.baseUrl}/${collection}/${encodeURIComponent(ref.sourcedId)}`);
}

describe('record shapes (1.1)', () => {
  it('serves users under {"users": [...]} with only the spec fields, references as {href, sourcedId, type}, no empty values', async () => {
    const { status, headers, body } = await getJson(`${server.baseUrl}/users?limit=500`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body)).toEqual(['users']);
    expect(body.users).toHaveLength(500);
    for (const user of body.users) {
      for (const key of Object.keys(user)) expect(USER_FIELDS_11).toContain(key);
      expect(user.status).toBe('active');
      expect(user.dateLastModified).toMatch(DATETIME);
      expect(['true', 'false']).toContain(user.enabledUser);
      expect(Array.isArray(user.orgs)).toBe(true);
      for (const org of user.orgs) expectRef(org, 'org', 'orgs');
      for (const id of user.userIds ?? []) expect(Object.keys(id).sort()).toEqual(['identifier', 'type']);
      if (user.grades) expect(Array.isArray(user.grades)).toBe(true);
    }
    expect(emptyValues(body)).toEqual([]);
    // users.csv row 100001: Nathan has a middle name, 100004 (Minh) has none: the key is left out.
    const minh = body.users.find((u: any) => u.sourcedId === '100004');
    expect(minh).not.toHaveProperty('middleName');
    expect(body.users.find((u: any) => u.sourcedId === '100001').middleName).toBe('Gabriel');
  });

  it('serves a single record under its singular key, classes with course, school and terms references and list fields as arrays', async () => {
    const { status, body } = await getJson(`${server.baseUrl}/classes/cls-e1-HRKG-Y-01`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['class']);
    const cls = body.class;
    expectRef(cls.course, 'course', 'courses');
    expectRef(cls.school, 'org', 'orgs');
    expect(cls.terms).toHaveLength(1);
    expectRef(cls.terms[0], 'academicSession', 'academicSessions');
    expect(cls.grades).toEqual(['KG']);
    expect(cls.periods).toEqual(['HR']);
    expect(cls.subjectCodes).toEqual(['24039']);
  });

  it('puts metadata.* columns into a metadata object and links org parents and children', async () => {
    const { body } = await getJson(`${server.baseUrl}/orgs/sch-e1`);
    expect(body.org.metadata).toEqual({ address1: '6318 Spring Street', city: 'Maple Valley', state: 'OR', postCode: '97282' });
    expectRef(body.org.parent, 'org', 'orgs');
    const district = (await getJson(`${server.baseUrl}/orgs/dist-1`)).body.org;
    expect(district).not.toHaveProperty('parent');
    expect(district.children.map((c: any) => c.sourcedId)).toContain('sch-e1');
  });

  it('serves enrollments with user, class and school references, primary as "true"/"false" and dates as YYYY-MM-DD', async () => {
    const { body } = await getJson(`${server.baseUrl}/enrollments?limit=5`);
    const teacher = body.enrollments.find((e: any) => e.role === 'teacher');
    expect(teacher.primary).toBe('true');
    expectRef(teacher.user, 'user', 'users');
    expectRef(teacher.class, 'class', 'classes');
    expectRef(teacher.school, 'org', 'orgs');
    expect(teacher.beginDate).toMatch(DATE);
    const student = body.enrollments.find((e: any) => e.role === 'student');
    expect(student).not.toHaveProperty('primary');
  });

  it('serves academicSessions with schoolYear as a year, parent references, and /terms as the term-typed view', async () => {
    const { body } = await getJson(`${server.baseUrl}/academicSessions/sem-2026-1`);
    expect(body.academicSession.schoolYear).toBe('2026');
    expect(body.academicSession.startDate).toBe('2025-08-18');
    expectRef(body.academicSession.parent, 'academicSession', 'academicSessions');
    const terms = await getJson(`${server.baseUrl}/terms`);
    expect(Object.keys(terms.body)).toEqual(['academicSessions']);
    for (const t of terms.body.academicSessions) expect(t.type).toBe('term');
  });

  it('answers the typed views /schools, /students and /teachers with the base wrapper keys', async () => {
    const schools = await getJson(`${server.baseUrl}/schools`);
    expect(Object.keys(schools.body)).toEqual(['orgs']);
    expect(schools.body.orgs.map((o: any) => o.type)).toEqual(['school', 'school', 'school']);
    const teachers = await getJson(`${server.baseUrl}/teachers?limit=500`);
    expect(Number(teachers.headers.get('x-total-count'))).toBe(teachers.body.users.length);
    expect(teachers.body.users.every((u: any) => u.role === 'teacher')).toBe(true);
    const students = await getJson(`${server.baseUrl}/students?limit=1`);
    expect(Number(students.headers.get('x-total-count')) + Number(teachers.headers.get('x-total-count'))).toBeLessThanOrEqual(815);
    expect((await getJson(`${server.baseUrl}/schools/dist-1`)).status).toBe(404);
    expect((await getJson(`${server.baseUrl}/students/T1003`)).status).toBe(404);
    expect((await getJson(`${server.baseUrl}/teachers/T1003`)).body.user.sourcedId).toBe('T1003');
  });
});

describe('paging', () => {
  it('defaults to 100 records, sends X-Total-Count and a Link header with next, first and last', async () => {
    const { headers, body } = await getJson(`${server.baseUrl}/users`);
    expect(body.users).toHaveLength(100);
    expect(headers.get('x-total-count')).toBe('815');
    const link = headers.get('link')!;
    expect(link).toContain(`<${server.baseUrl}/users?limit=100&offset=100>; rel="next"`);
    expect(link).toContain(`<${server.baseUrl}/users?limit=100&offset=0>; rel="first"`);
    expect(link).toContain(`<${server.baseUrl}/users?limit=100&offset=800>; rel="last"`);
    expect(link).not.toContain('rel="prev"');
  });

  it('following rel="next" visits every record exactly once and the last page has no next link', async () => {
    const seen = new Set<string>();
    let url: string | null = `${server.baseUrl}/users?limit=120`;
    let pages = 0;
    while (url) {
      const page = await getJson(url);
      pages++;
      for (const u of page.body.users) {
        expect(seen.has(u.sourcedId)).toBe(false);
        seen.add(u.sourcedId);
      }
      url = /<([^>]*)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(pages).toBe(7);
    expect(seen.size).toBe(815);
  });

  it('keeps the filter in the links, percent-encoded with %20 for spaces', async () => {
    const filter = "role='teacher' AND email~'maplevalley'";
    const { headers } = await getJson(`${server.baseUrl}/users?limit=10&filter=${encodeURIComponent(filter)}`);
    expect(headers.get('link')).toContain(`filter=role%3D%27teacher%27%20AND%20email~%27maplevalley%27&limit=10&offset=10`);
  });

  it('serves a limit above the maximum as the maximum page', async () => {
    const { status, body, headers } = await getJson(`${server.baseUrl}/enrollments?limit=100000`);
    expect(status).toBe(200);
    expect(body.enrollments).toHaveLength(500);
    expect(headers.get('link')).toContain('limit=500&offset=500>; rel="next"');
  });

  it('answers an offset past the end with an empty page and the true total', async () => {
    const { body, headers } = await getJson(`${server.baseUrl}/users?offset=5000`);
    expect(body.users).toEqual([]);
    expect(headers.get('x-total-count')).toBe('815');
  });

  it.each(['limit=0', 'limit=abc', 'offset=-1', 'limit=1.5', 'orderBy=up'])('refuses %s with 400 and an imsx payload', async (q) => {
    const { status, body } = await getJson(`${server.baseUrl}/users?${q}`);
    expect(status).toBe(400);
    expect(body.imsx_codeMajor).toBe('failure');
    expect(body.imsx_severity).toBe('error');
    expect(body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('invaliddata');
  });
});

describe('filter, sort, fields', () => {
  it('filters with = and AND on a reference path', async () => {
    const filter = "role='student' AND class.sourcedId='cls-e1-HRKG-Y-01'";
    const { body, headers } = await getJson(`${server.baseUrl}/enrollments?filter=${encodeURIComponent(filter)}`);
    expect(body.enrollments.length).toBeGreaterThan(0);
    expect(headers.get('x-total-count')).toBe(String(body.enrollments.length));
    for (const e of body.enrollments) {
      expect(e.role).toBe('student');
      expect(e.class.sourcedId).toBe('cls-e1-HRKG-Y-01');
    }
  });

  it('filters with OR, !=, ~ and on list references (orgs.sourcedId)', async () => {
    const or = await getJson(`${server.baseUrl}/orgs?filter=${encodeURIComponent("type='district' OR identifier='412666600159'")}`);
    expect(or.body.orgs.map((o: any) => o.sourcedId).sort()).toEqual(['dist-1', 'sch-e1']);
    const ne = await getJson(`${server.baseUrl}/orgs?filter=${encodeURIComponent("type!='school'")}`);
    expect(ne.body.orgs.map((o: any) => o.sourcedId)).toEqual(['dist-1']);
    const contains = await getJson(`${server.baseUrl}/orgs?filter=${encodeURIComponent("name~'ELEMENTARY'")}`);
    expect(contains.body.orgs.length).toBeGreaterThan(0);
    for (const o of contains.body.orgs) expect(o.name.toLowerCase()).toContain('elementary');
    const inOrg = await getJson(`${server.baseUrl}/users?limit=1000&filter=${encodeURIComponent("orgs.sourcedId='sch-e1'")}`);
    expect(inOrg.body.users.length).toBeGreaterThan(0);
    for (const u of inOrg.body.users) expect(u.orgs.map((o: any) => o.sourcedId)).toContain('sch-e1');
  });

  it('compares with > and < as strings (dates)', async () => {
    const { body } = await getJson(`${server.baseUrl}/academicSessions?filter=${encodeURIComponent("startDate>'2025-12-31'")}`);
    expect(body.academicSessions.length).toBeGreaterThan(0);
    for (const s of body.academicSessions) expect(s.startDate > '2025-12-31').toBe(true);
  });

  it.each([
    ["bogus='x'", 'invalid_filter_field'],
    ["role='a' AND role='b' AND role='c'", 'invalid_filter_field'],
    ["role='a' AND role='b' OR role='c'", 'invalid_filter_field'],
    ['role=student', 'invalid_filter_field'],
    ["role='a' and role='b'", 'invalid_filter_field'],
  ])('refuses the filter %s with 400 %s', async (filter, code) => {
    const { status, body } = await getJson(`${server.baseUrl}/users?filter=${encodeURIComponent(filter)}`);
    expect(status).toBe(400);
    expect(body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe(code);
    expect(body.imsx_description).toMatch(/^rosterops OneRoster server: /);
  });

  it('sorts by a field, ascending and descending', async () => {
    const asc = (await getJson(`${server.baseUrl}/courses?sort=title&limit=1000`)).body.courses.map((c: any) => c.title);
    expect(asc).toEqual([...asc].sort());
    const desc = (await getJson(`${server.baseUrl}/courses?sort=title&orderBy=desc&limit=1000`)).body.courses.map((c: any) => c.title);
    expect(desc).toEqual([...asc].reverse());
    const bad = await getJson(`${server.baseUrl}/courses?sort=nope`);
    expect(bad.status).toBe(400);
    expect(bad.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('invalid_sort_field');
  });

  it('selects fields; an unknown field gets every field and an invalid_selection_field warning', async () => {
    const some = await getJson(`${server.baseUrl}/users?limit=3&fields=sourcedId,role`);
    for (const u of some.body.users) expect(Object.keys(u).sort()).toEqual(['role', 'sourcedId']);
    const single = await getJson(`${server.baseUrl}/users/100001?fields=givenName`);
    expect(single.body.user).toEqual({ givenName: 'Nathan' });
    const unknown = await getJson(`${server.baseUrl}/users?limit=1&fields=sourcedId,shoeSize`);
    expect(unknown.status).toBe(200);
    expect(unknown.body.users[0].username).toBeDefined();
    expect(unknown.body.statusInfoSet[0].imsx_severity).toBe('warning');
    expect(unknown.body.statusInfoSet[0].imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('invalid_selection_field');
  });
});

describe('404s', () => {
  it.each(['/users/no-such-user', '/widgets', '/users/100001/extra/deep'])('answers %s with 404 unknownobject', async (path) => {
    const { status, body } = await getJson(`${server.baseUrl}${path}`);
    expect(status).toBe(404);
    expect(body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unknownobject');
  });

  it('does not serve the other version\'s path', async () => {
    expect((await getJson(`${server.url}/ims/oneroster/rostering/v1p2/users`)).status).toBe(404);
  });
});

describe('1.2', () => {
  let v12: OneRosterServer;
  beforeAll(async () => {
    v12 = await startExample({ version: '1.2' });
  });
  afterAll(async () => v12.close());

  it('serves under /ims/oneroster/rostering/v1p2 with roles[] instead of role and orgs', async () => {
    expect(v12.baseUrl).toBe(`${v12.url}/ims/oneroster/rostering/v1p2`);
    const { body } = await getJson(`${v12.baseUrl}/users/T1003`);
    const user = body.user;
    expect(user).not.toHaveProperty('role');
    expect(user).not.toHaveProperty('orgs');
    expect(user.roles.length).toBeGreaterThan(0);
    expect(user.roles[0].roleType).toBe('primary');
    expect(user.roles[0].role).toBe('teacher');
    expect(Object.keys(user.roles[0].org).sort()).toEqual(['href', 'sourcedId', 'type']);
    const teachers = await getJson(`${v12.baseUrl}/teachers?filter=${encodeURIComponent("roles.org.sourcedId='sch-e1'")}`);
    expect(teachers.body.users.length).toBeGreaterThan(0);
    expect((await getJson(`${v12.url}/ims/oneroster/v1p1/users`)).status).toBe(404);
  });

  it('allows more than two AND clauses in 1.2', async () => {
    const filter = "status='active' AND enabledUser='true' AND roles.role='student'";
    const { status, body } = await getJson(`${v12.baseUrl}/users?filter=${encodeURIComponent(filter)}`);
    expect(status).toBe(200);
    expect(body.users.length).toBeGreaterThan(0);
  });
});
