import { describe, expect, it } from 'vitest';
import { callJson, runImport, start } from './helpers.js';

describe('terms.csv and date overrides (§2.4)', () => {
  it('imports terms in the account zone and manages per-enrollment-type overrides via the Terms API shape', async () => {
    const emu = await start({ timeZone: 'America/Chicago' });
    await runImport(emu, { 't.csv': 'term_id,name,status,start_date,end_date\nT1,Fall 2024,active,2024-08-15 00:00:00,2024-12-20T00:00:00Z\n' });
    const done = await runImport(emu, {
      'o.csv': 'term_id,name,status,start_date,end_date,date_override_enrollment_type\nT1,,active,2024-08-01 00:00:00,2025-01-10 00:00:00,StudentEnrollment\nT1,,active,,,BogusEnrollment\nT9,,active,,,TeacherEnrollment\n',
    });
    expect(done.processing_warnings).toEqual([['o.csv', 'Invalid date_override_enrollment_type'], ['o.csv', 'Cannot set date override on non-existent term']]);
    const terms = await callJson(emu, 'GET', '/api/v1/accounts/self/terms?include[]=overrides');
    const t1 = terms.enrollment_terms.find((t: any) => t.sis_term_id === 'T1');
    expect(t1).toMatchObject({
      name: 'Fall 2024', start_at: '2024-08-15T05:00:00Z', end_at: '2024-12-20T00:00:00Z', workflow_state: 'active',
      overrides: { StudentEnrollment: { start_at: '2024-08-01T05:00:00Z', end_at: '2025-01-10T06:00:00Z' } },
    });
    expect(Object.keys(t1)).toEqual(expect.arrayContaining(['id', 'name', 'sis_term_id', 'start_at', 'end_at', 'workflow_state', 'overrides']));
    expect(terms.enrollment_terms.find((t: any) => t.name === 'Default Term').sis_term_id).toBeNull();
    // without include[]=overrides the key is absent
    const plain = await callJson(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(plain.enrollment_terms[0]).not.toHaveProperty('overrides');

    await runImport(emu, { 'o.csv': 'term_id,name,status,date_override_enrollment_type\nT1,,deleted,StudentEnrollment\n' });
    const after = await callJson(emu, 'GET', '/api/v1/accounts/self/terms?include[]=overrides');
    expect(after.enrollment_terms.find((t: any) => t.sis_term_id === 'T1').overrides).toEqual({});
  });

  it('bad dates warn but import the row; deleting a term with active courses is refused', async () => {
    const emu = await start();
    let done = await runImport(emu, { 't.csv': 'term_id,name,status,start_date,end_date\nT1,Fall,active,2012-13-05 00:00:00,\n' });
    expect(done.processing_warnings).toEqual([['t.csv', 'Bad date format for term T1']]);
    expect(emu.dump().terms.find((t) => t.term_id === 'T1')).toMatchObject({ name: 'Fall', start_date: null });
    await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,term_id,status\nC1,C1,C1,T1,active\n' });
    done = await runImport(emu, { 't.csv': 'term_id,name,status\nT1,Fall,deleted\n' });
    expect(done.processing_warnings[0][1]).toMatch(/^A term did not pass validation \(term: T1 \/ Fall, error: .*Cannot delete a term with active courses\)$/);
  });
});

describe('change_sis_id (§2.14, §3.4)', () => {
  it('runs first, renames ids and integration ids, and refuses collisions with Canvas wording', async () => {
    const emu = await start();
    await runImport(emu, {
      'u.csv': 'user_id,integration_id,login_id,status\nu1,i1,a,active\nu2,,b,active\n',
      'c.csv': 'course_id,short_name,long_name,status\nC1,C1,C1,active\n',
    });
    const done = await runImport(emu, {
      // the enrollment file already uses the new ids: change_sis_id runs before it
      'e.csv': 'course_id,user_id,role,status\nC1-new,u1-new,student,active\n',
      'x.csv': 'old_id,new_id,old_integration_id,new_integration_id,type\nu1,u1-new,,,user\nC1,C1-new,,,course\nu2,u1-new,,,user\n,,i1,<delete>,user\nzz,yy,,,term\nu2,u3,,,widget\n',
    });
    expect(done.data.supplied_batches).toEqual(['change_sis_id', 'enrollment']);
    expect(done.processing_warnings.map((w: string[]) => w[1])).toEqual([
      "A new_id, 'u1-new', referenced an existing user and the user with sis_user_id 'u2' was not updated",
      "An old_id, 'zz', referenced a non-existent term and was not changed.",
      "Invalid type 'widget' for change_sis_id",
    ]);
    expect(done.data.counts).toMatchObject({ change_sis_ids: 3, enrollments: 1 });
    const users = emu.dump().users;
    expect(users.find((u) => u.login_id === 'a')).toMatchObject({ user_id: 'u1-new', integration_id: null });
    expect(emu.dump().courses[0]!.course_id).toBe('C1-new');
  });

  it('the published sample with missing type fields warns "No type given"', async () => {
    const emu = await start();
    const { readFileSync } = await import('node:fs');
    const sample = readFileSync('/work/shared/reference/canvas-fixtures/sis_csv_doc_sample_change_sis_id.csv', 'utf8');
    const done = await runImport(emu, { 'change_sis_id.csv': sample });
    expect(done.processing_warnings.slice(0, 3).map((w: string[]) => w[1])).toEqual(['No type given for change_sis_id', 'No type given for change_sis_id', 'No type given for change_sis_id']);
  });
});
