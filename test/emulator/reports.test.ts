import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVISIONING_COLUMNS } from '../../engine/canvas/columns.js';
import { call, callJson, header, rows, runImport, runReport, start, TOKEN } from './helpers.js';

const DATA = {
  'a.csv': 'account_id,parent_account_id,name,status\nA1,,School,active\n',
  't.csv': 'term_id,name,status,start_date,end_date\nT1,Fall,active,2024-08-15 00:00:00,2024-12-20 00:00:00\n',
  'c.csv': 'course_id,short_name,long_name,account_id,term_id,status,start_date,end_date\nC1,BIO,Biology,A1,T1,published,2024-09-01 00:00:00,\nC2,OLD,Old,A1,T1,completed,,\n',
  's.csv': 'section_id,course_id,name,status\nS1,C1,Sec 1,active\n',
  'u.csv': 'user_id,login_id,first_name,last_name,email,status\nu1,jdoe,Jane,Doe,jane@example.edu,active\nu2,gone,Gone,User,,deleted\n',
  'e.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,student,active\nC1,S1,u1,teacher,completed\n',
};

describe('provisioning_csv reports (§4.1–4.3)', () => {
  it('start → poll → download a zip with the exact columns, filters and created_by_sis', async () => {
    const emu = await start({ timeZone: 'America/Chicago', processingDelayMs: 10 });
    await runImport(emu, DATA);
    await callJson(emu, 'POST', '/api/v1/accounts/self/users', { form: { 'user[name]': 'Hand Made', 'pseudonym[unique_id]': 'hand@example.edu' } });
    const started = await callJson(emu, 'POST', '/api/v1/accounts/self/reports/provisioning_csv', {
      form: { 'parameters[users]': 'true', 'parameters[accounts]': 'true', 'parameters[terms]': 'true', 'parameters[courses]': 'true', 'parameters[sections]': 'true', 'parameters[enrollments]': 'true' },
    });
    expect(started).toMatchObject({ report: 'provisioning_csv', status: 'created', progress: 0, file_url: null, attachment: null });
    const { report, files } = await runReport(emu, { users: 'true', accounts: 'true', terms: 'true', courses: 'true', sections: 'true', enrollments: 'true' });
    expect(report.status).toBe('complete');
    expect(report.progress).toBe(100);
    expect(report.attachment.filename).toMatch(/^provisioning_csv_\d{2}_[A-Z][a-z]{2}_\d{4}_\d+\.zip$/);
    expect(report.attachment['content-type']).toBe('application/zip');
    expect(report.file_url).toMatch(/\/accounts\/1\/files\/\d+\/download$/);
    expect([...files.keys()]).toEqual(['users.csv', 'accounts.csv', 'terms.csv', 'courses.csv', 'sections.csv', 'enrollments.csv']);
    for (const [entity, cols] of Object.entries(PROVISIONING_COLUMNS)) expect(header(files.get(`${entity}.csv`)!)).toEqual(cols);

    const users = rows(files.get('users.csv')!);
    expect(users).toHaveLength(2); // the deleted login is left out without include_deleted
    expect(users.find((u) => u.user_id === 'u1')).toMatchObject({ first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe', sortable_name: 'Doe, Jane', email: 'jane@example.edu', status: 'active', created_by_sis: 'true' });
    expect(users.find((u) => u.login_id === 'hand@example.edu')).toMatchObject({ user_id: '', created_by_sis: 'false', email: 'hand@example.edu' });
    const courses = rows(files.get('courses.csv')!);
    expect(courses.map((c) => c.course_id)).toEqual(['C1']); // concluded course excluded
    expect(courses[0]).toMatchObject({ status: 'active', account_id: 'A1', term_id: 'T1', start_date: '2024-09-01T00:00:00-05:00', end_date: '', created_by_sis: 'true' });
    expect(rows(files.get('terms.csv')!).find((t) => t.term_id === 'T1')).toMatchObject({ start_date: '2024-08-15T00:00:00-05:00', end_date: '2024-12-20T00:00:00-06:00' });
    const enrollments = rows(files.get('enrollments.csv')!);
    expect(enrollments).toHaveLength(1); // the completed teacher enrollment is excluded
    expect(enrollments[0]).toMatchObject({ course_id: 'C1', section_id: 'S1', user_id: 'u1', role: 'student', role_id: '3', base_role_type: 'StudentEnrollment', status: 'active', limit_section_privileges: 'false' });

    const all = await runReport(emu, { users: 'true', courses: 'true', enrollments: 'true', include_deleted: 'true' });
    expect(rows(all.files.get('users.csv')!).map((u) => u.user_id).sort()).toEqual(['', 'u1', 'u2']);
    expect(rows(all.files.get('courses.csv')!).map((c) => `${c.course_id}:${c.status}`)).toEqual(['C1:active', 'C2:concluded']);
    expect(rows(all.files.get('enrollments.csv')!).map((e) => e.status).sort()).toEqual(['active', 'concluded']);
    expect(all.report.parameters.extra_text).toContain('Include Deleted Objects;');
  });

  it('one entity gives a single csv; created_by_sis filters; term filter; no entity → error', async () => {
    const emu = await start();
    await runImport(emu, DATA);
    await callJson(emu, 'POST', '/api/v1/accounts/self/courses', { form: { 'course[name]': 'Manual', 'course[sis_course_id]': 'M1' } });
    const one = await runReport(emu, { courses: 'true' });
    expect(one.report.attachment.filename).toMatch(/\.csv$/);
    expect(one.report.attachment['content-type']).toBe('text/csv');
    expect(rows([...one.files.values()][0]!).map((c) => `${c.course_id}:${c.created_by_sis}`)).toEqual(['C1:true', 'M1:false']);
    const sis = await runReport(emu, { courses: 'true', created_by_sis: 'true' });
    expect(rows([...sis.files.values()][0]!).map((c) => c.course_id)).toEqual(['C1']);
    const term = await runReport(emu, { courses: 'true', enrollment_term_id: 'sis_term_id:T1' });
    expect(rows([...term.files.values()][0]!).map((c) => c.course_id)).toEqual(['C1']);
    const none = await runReport(emu, { include_deleted: 'true' });
    expect(none.report.status).toBe('error');
    expect(none.report.attachment).toBeNull();
  });

  it('accepts JSON parameters, lists history, deletes, and needs the token for downloads', async () => {
    const emu = await start();
    const started = await callJson(emu, 'POST', '/api/v1/accounts/1/reports/provisioning_csv', { json: { parameters: { users: true, enrollments: true } } });
    expect(started.parameters).toMatchObject({ users: true, enrollments: true });
    let report = started;
    while (report.status !== 'complete') report = await callJson(emu, 'GET', `/api/v1/accounts/1/reports/provisioning_csv/${started.id}`);
    const anonymous = await fetch(report.file_url);
    expect(anonymous.status).toBe(401);
    const viaAttachment = await fetch(report.attachment.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(viaAttachment.status).toBe(200);
    const history = await callJson(emu, 'GET', '/api/v1/accounts/1/reports/provisioning_csv');
    expect(history.map((r: any) => r.id)).toEqual([started.id]);
    const deleted = await callJson(emu, 'DELETE', `/api/v1/accounts/1/reports/provisioning_csv/${started.id}`);
    expect(deleted.status).toBe('deleted');
    expect((await call(emu, 'POST', '/api/v1/accounts/1/reports/no_such_report')).status).toBe(404);
  });

  it('seeds from a provisioning report (--snapshot) and round-trips it', async () => {
    const source = await start();
    await runImport(source, DATA);
    const { files } = await runReport(source, { users: 'true', accounts: 'true', terms: 'true', courses: 'true', sections: 'true', enrollments: 'true', include_deleted: 'true' });
    const dir = mkdtempSync(join(tmpdir(), 'emu-snapshot-'));
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const seeded = await start({ snapshot: dir });
    const again = await runReport(seeded, { users: 'true', accounts: 'true', terms: 'true', courses: 'true', sections: 'true', enrollments: 'true', include_deleted: 'true' });
    for (const name of ['users.csv', 'accounts.csv', 'courses.csv', 'sections.csv', 'enrollments.csv']) expect(again.files.get(name)).toBe(files.get(name));
    // the seeded account keeps working: an import finds seeded users by SIS id
    const done = await runImport(seeded, { 'u.csv': 'user_id,login_id,full_name,status\nu1,jdoe,Jane Renamed,active\n' });
    expect(done.workflow_state).toBe('imported');
    expect(seeded.dump().users.filter((u) => u.user_id === 'u1')).toHaveLength(1);
  });
});
