/**
 * The relationship collections (reference oneroster.md §2.2) of the local OneRoster server,
 * checked against the base collections they are views of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneRosterServer } from '../../engine/oneroster-server/index.js';
import { getJson, startExample } from './helpers.js';

let server: OneRosterServer;
beforeAll(async () => {
  server = await startExample();
});
afterAll(async () => server.close());

async function all(path: string): Promise<any[]> {
  const { status, body } = await getJson(`${server.baseUrl}${path}${path.includes('?') ? '&' : '?'}limit=1000`);
  expect(status).toBe(200);
  return Object.values(body)[0] as any[];
}

const CLASS = 'cls-e1-HRKG-Y-01';

describe('relationship collections', () => {
  it('/classes/{id}/students and /teachers are the users enrolled with that role', async () => {
    const enrollments = await all(`/enrollments?filter=${encodeURIComponent(`class.sourcedId='${CLASS}'`)}`);
    const byRole = (role: string) => enrollments.filter((e) => e.role === role).map((e) => e.user.sourcedId).sort();
    expect(byRole('student').length).toBeGreaterThan(0);
    expect((await all(`/classes/${CLASS}/students`)).map((u) => u.sourcedId).sort()).toEqual(byRole('student'));
    expect((await all(`/classes/${CLASS}/teachers`)).map((u) => u.sourcedId).sort()).toEqual(byRole('teacher'));
    expect((await all(`/schools/sch-e1/classes/${CLASS}/students`)).map((u) => u.sourcedId).sort()).toEqual(byRole('student'));
    expect((await all(`/schools/sch-e1/classes/${CLASS}/enrollments`)).length).toBe(enrollments.length);
  });

  it('/schools/{id}/classes, /courses, /enrollments, /students match the filtered base collections', async () => {
    const classes = await all(`/classes?filter=${encodeURIComponent("school.sourcedId='sch-e1'")}`);
    expect((await all('/schools/sch-e1/classes')).map((c) => c.sourcedId)).toEqual(classes.map((c) => c.sourcedId));
    const courses = await all(`/courses?filter=${encodeURIComponent("org.sourcedId='sch-e1'")}`);
    expect((await all('/schools/sch-e1/courses')).map((c) => c.sourcedId)).toEqual(courses.map((c) => c.sourcedId));
    const students = await all(`/students?filter=${encodeURIComponent("orgs.sourcedId='sch-e1'")}`);
    expect((await all('/schools/sch-e1/students')).map((u) => u.sourcedId)).toEqual(students.map((u) => u.sourcedId));
    const { headers } = await getJson(`${server.baseUrl}/schools/sch-e1/enrollments?limit=1`);
    const filtered = await getJson(`${server.baseUrl}/enrollments?limit=1&filter=${encodeURIComponent("school.sourcedId='sch-e1'")}`);
    expect(headers.get('x-total-count')).toBe(filtered.headers.get('x-total-count'));
    expect(headers.get('link')).toContain(`${server.baseUrl}/schools/sch-e1/enrollments?limit=1&offset=1>; rel="next"`);
  });

  it('/courses/{id}/classes, /users/{id}/classes, /teachers/{id}/classes', async () => {
    const cls = (await getJson(`${server.baseUrl}/classes/${CLASS}`)).body.class;
    expect((await all(`/courses/${cls.course.sourcedId}/classes`)).map((c) => c.sourcedId)).toContain(CLASS);
    const teacherClasses = (await all('/teachers/T1003/classes')).map((c) => c.sourcedId);
    expect(teacherClasses).toContain(CLASS);
    expect((await all('/users/T1003/classes')).map((c) => c.sourcedId)).toEqual(teacherClasses);
  });

  it('answers 404 unknownobject for a missing parent, a parent of the wrong type, and an unknown relationship', async () => {
    for (const path of ['/schools/nope/classes', '/schools/dist-1/classes', '/students/T1003/classes', '/classes/x/y', '/schools/sch-e1/classes/nope/students']) {
      const { status, body } = await getJson(`${server.baseUrl}${path}`);
      expect(status, path).toBe(404);
      expect(body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unknownobject');
    }
  });
});
