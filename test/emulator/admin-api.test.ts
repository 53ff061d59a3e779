import { describe, expect, it } from 'vitest';
import { call, callJson, runImport, start } from './helpers.js';

describe('admin endpoints', () => {
  it('creates users, courses and enrollments by hand: Canvas JSON, not SIS-managed even with SIS ids', async () => {
    const emu = await start();
    const user = await callJson(emu, 'POST', '/api/v1/accounts/1/users', {
      form: { 'user[name]': 'Hand Made', 'pseudonym[unique_id]': 'hand', 'pseudonym[sis_user_id]': 'h1', 'communication_channel[address]': 'hand@example.edu' },
    });
    expect(user).toMatchObject({ name: 'Hand Made', sortable_name: 'Made, Hand', sis_user_id: 'h1', login_id: 'hand', sis_import_id: null });
    const dup = await call(emu, 'POST', '/api/v1/accounts/1/users', { form: { 'user[name]': 'X', 'pseudonym[unique_id]': 'HAND' } });
    expect(dup.status).toBe(400);
    expect(JSON.stringify(await dup.json())).toContain('ID already in use for this account and authentication provider');

    const course = await callJson(emu, 'POST', '/api/v1/accounts/self/courses', { json: { course: { name: 'Hand Course', course_code: 'HC', sis_course_id: 'HC1' } } });
    expect(course).toMatchObject({ name: 'Hand Course', course_code: 'HC', sis_course_id: 'HC1', workflow_state: 'unpublished', sis_import_id: null });
    const enrollment = await callJson(emu, 'POST', `/api/v1/courses/sis_course_id:HC1/enrollments`, {
      form: { 'enrollment[user_id]': 'sis_user_id:h1', 'enrollment[type]': 'StudentEnrollment', 'enrollment[enrollment_state]': 'active' },
    });
    expect(enrollment).toMatchObject({ type: 'StudentEnrollment', role: 'StudentEnrollment', enrollment_state: 'active', user_id: user.id, course_id: course.id, sis_course_id: 'HC1', sis_user_id: 'h1' });
    const invited = await callJson(emu, 'POST', `/api/v1/courses/${course.id}/enrollments`, { form: { 'enrollment[user_id]': String(user.id), 'enrollment[type]': 'TeacherEnrollment' } });
    expect(invited.enrollment_state).toBe('creation_pending'); // unpublished course: invitation pending

    const dump = emu.dump();
    expect(dump.users[0]).toMatchObject({ user_id: 'h1', created_by_sis: false, email: 'hand@example.edu' });
    expect(dump.courses[0]).toMatchObject({ course_id: 'HC1', created_by_sis: false });
    expect(dump.enrollments.map((e) => e.created_by_sis)).toEqual([false, false]);

    // an SIS row touching the manual enrollment adopts it (stamps it)
    await runImport(emu, { 'e.csv': 'course_id,user_id,role,status\nHC1,h1,student,active\n' });
    expect(emu.dump().enrollments.find((e) => e.role === 'student')!.created_by_sis).toBe(true);
  });

  it('section enrollments, user reads and account lists', async () => {
    const emu = await start();
    await runImport(emu, {
      'c.csv': 'course_id,short_name,long_name,status\nC1,C1,Course,active\n',
      's.csv': 'section_id,course_id,name,status\nS1,C1,Sec,active\n',
      'u.csv': 'user_id,login_id,full_name,status\nu1,u1,Una User,active\n',
    });
    const e = await callJson(emu, 'POST', '/api/v1/sections/sis_section_id:S1/enrollments', { form: { 'enrollment[user_id]': 'sis_user_id:u1', 'enrollment[type]': 'TaEnrollment', 'enrollment[enrollment_state]': 'active' } });
    expect(e).toMatchObject({ sis_section_id: 'S1', type: 'TaEnrollment' });
    expect((await callJson(emu, 'GET', '/api/v1/courses/sis_course_id:C1/enrollments')).map((x: any) => x.id)).toEqual([e.id]);
    expect(await callJson(emu, 'GET', '/api/v1/users/sis_user_id:u1')).toMatchObject({ name: 'Una User', sis_user_id: 'u1', login_id: 'u1' });
    expect(await callJson(emu, 'GET', '/api/v1/accounts/self')).toMatchObject({ id: 1, root_account_id: null, default_time_zone: 'UTC' });
    expect((await callJson(emu, 'GET', '/api/v1/accounts/1/users?search_term=una')).map((u: any) => u.sis_user_id)).toEqual(['u1']);
    expect((await callJson(emu, 'GET', '/api/v1/accounts/1/courses')).map((c: any) => c.sis_course_id)).toEqual(['C1']);
    expect((await call(emu, 'GET', '/api/v1/users/sis_user_id:nobody')).status).toBe(404);
  });

  it('enrollment status is not sticky: a hand conclusion is undone by the next active row', async () => {
    const emu = await start();
    const files = {
      'c.csv': 'course_id,short_name,long_name,status\nC1,C1,Course,active\n',
      'u.csv': 'user_id,login_id,status\nu1,u1,active\n',
      'e.csv': 'course_id,user_id,role,status\nC1,u1,student,active\n',
    };
    await runImport(emu, files);
    const id = emu.dump().enrollments[0]!.canvas_enrollment_id;
    const concluded = await callJson(emu, 'DELETE', `/api/v1/courses/sis_course_id:C1/enrollments/${id}?task=conclude`);
    expect(concluded.enrollment_state).toBe('completed');
    await runImport(emu, { 'e.csv': files['e.csv'] });
    expect(emu.dump().enrollments[0]!.status).toBe('active');
  });

  it('a manual term override edit sticks the override', async () => {
    const emu = await start();
    await runImport(emu, { 't.csv': 'term_id,name,status,start_date,end_date,date_override_enrollment_type\nT1,Fall,active,,,\n' });
    await runImport(emu, { 't.csv': 'term_id,name,status,start_date,end_date,date_override_enrollment_type\nT1,,active,2024-01-01T00:00:00Z,2024-06-01T00:00:00Z,StudentEnrollment\n' });
    await callJson(emu, 'PUT', '/api/v1/accounts/1/terms/sis_term_id:T1', { json: { enrollment_term: { overrides: { StudentEnrollment: { end_at: '2024-07-01T00:00:00Z' } } } } });
    await runImport(emu, { 't.csv': 'term_id,name,status,start_date,end_date,date_override_enrollment_type\nT1,,active,2024-01-01T00:00:00Z,2024-06-15T00:00:00Z,StudentEnrollment\n' });
    const terms = await callJson(emu, 'GET', '/api/v1/accounts/1/terms?include[]=overrides');
    expect(terms.enrollment_terms.find((t: any) => t.sis_term_id === 'T1').overrides.StudentEnrollment).toEqual({ start_at: '2024-01-01T00:00:00Z', end_at: '2024-07-01T00:00:00Z' });
  });
});

describe('account reads', () => {
  it('lists authentication providers with numeric ids and auth_type', async () => {
    const emu = await start({ authProviders: [{ id: 1, authType: 'canvas' }, { id: 9, authType: 'saml' }] });
    expect(await callJson(emu, 'GET', '/api/v1/accounts/self/authentication_providers')).toEqual([
      { id: 1, auth_type: 'canvas', position: 1 }, { id: 9, auth_type: 'saml', position: 9 },
    ]);
    await runImport(emu, { 'u.csv': 'user_id,login_id,authentication_provider_id,status\nu1,u1,saml,active\n' });
    expect(emu.dump().users[0]!.authentication_provider_id).toBe('9');
  });
});
