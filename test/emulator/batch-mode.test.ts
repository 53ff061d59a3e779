import { describe, expect, it } from 'vitest';
import { callJson, runImport, start } from './helpers.js';

const TERMS = { 't.csv': 'term_id,name,status\nT1,Fall,active\nT2,Spring,active\n' };
const courses = (ids: string[], term = 'T1') => ({ 'c.csv': 'course_id,short_name,long_name,term_id,status\n' + ids.map((id) => `${id},${id},${id},${term},active\n`).join('') });

describe('batch mode (§3.5) and change_threshold (§3.7)', () => {
  it('deletes SIS-managed courses of the term missing from the batch; leaves manual and other-term courses', async () => {
    const emu = await start();
    await runImport(emu, TERMS);
    await runImport(emu, courses(['C1', 'C2', 'C3']));
    await runImport(emu, courses(['X1'], 'T2'));
    await callJson(emu, 'POST', '/api/v1/accounts/self/courses', { form: { 'course[name]': 'Manual', 'course[sis_course_id]': 'M1', 'course[term_id]': 'sis_term_id:T1' } });
    const done = await runImport(emu, courses(['C1', 'C2']), { batch_mode: 'true', batch_mode_term_id: 'sis_term_id:T1' });
    expect(done.workflow_state).toBe('imported');
    expect(done.batch_mode).toBe(true);
    expect(done.batch_mode_term_id).toEqual(expect.any(Number));
    expect(done.data.counts.batch_courses_deleted).toBe(1);
    const status = Object.fromEntries(emu.dump().courses.map((c) => [c.course_id, c.status]));
    expect(status).toEqual({ C1: 'unpublished', C2: 'unpublished', C3: 'deleted', X1: 'unpublished', M1: 'unpublished' });
    expect(emu.dump().courses.find((c) => c.course_id === 'M1')!.created_by_sis).toBe(false);
  });

  it('drops enrollments with batch_mode_enrollment_drop_status', async () => {
    const emu = await start();
    await runImport(emu, { ...TERMS, ...courses(['C1']), 'u.csv': 'user_id,login_id,status\nu1,u1,active\nu2,u2,active\n' });
    await runImport(emu, { 'e.csv': 'course_id,user_id,role,status\nC1,u1,student,active\nC1,u2,student,active\n' });
    const done = await runImport(emu, { 'e.csv': 'course_id,user_id,role,status\nC1,u1,student,active\n' },
      { batch_mode: 'true', batch_mode_term_id: 'sis_term_id:T1', batch_mode_enrollment_drop_status: 'completed' });
    expect(done.data.counts.batch_enrollments_deleted).toBe(1);
    expect(emu.dump().enrollments.map((e) => `${e.user_id}:${e.status}`).sort()).toEqual(['u1:active', 'u2:concluded']);
  });

  it('aborts with the exact threshold message before deleting anything', async () => {
    const emu = await start();
    await runImport(emu, TERMS);
    await runImport(emu, courses(['C1', 'C2', 'C3', 'C4']));
    const done = await runImport(emu, courses(['C1']), { batch_mode: 'true', batch_mode_term_id: 'sis_term_id:T1', change_threshold: '50' });
    expect(done.workflow_state).toBe('aborted');
    expect(done.change_threshold).toBe(50);
    expect(done.processing_warnings).toEqual([[null, '3 courses would be deleted and exceeds the set threshold of 50%']]);
    expect(emu.dump().courses.every((c) => c.status === 'unpublished')).toBe(true);
  });

  it('multi_term_batch_mode cleans every term in the terms file, and aborts without one', async () => {
    const emu = await start();
    await runImport(emu, TERMS);
    await runImport(emu, courses(['C1', 'C2']));
    await runImport(emu, courses(['X1', 'X2'], 'T2'));
    const done = await runImport(emu, { ...TERMS, ...courses(['C1']) }, { multi_term_batch_mode: 'true', change_threshold: '100' });
    expect(done.multi_term_batch_mode).toBe(true);
    expect(done.data.counts.batch_courses_deleted).toBe(3);
    const none = await runImport(emu, courses(['C1']), { multi_term_batch_mode: 'true', change_threshold: '100' });
    expect(none.workflow_state).toBe('aborted');
    expect(none.processing_warnings).toEqual([[null, 'Terms not found. Terms must be included with multi_term_batch_mode']]);
  });

  it('rows that warned are not stamped, so batch mode deletes their objects (INFERRED §3.5)', async () => {
    const emu = await start();
    await runImport(emu, TERMS);
    await runImport(emu, courses(['C1', 'C2']));
    const done = await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,term_id,status\nC1,C1,C1,T1,active\nC2,,C2,T1,active\n' },
      { batch_mode: 'true', batch_mode_term_id: 'sis_term_id:T1' });
    expect(done.workflow_state).toBe('imported_with_messages');
    expect(done.processing_warnings).toEqual([['c.csv', 'No short_name given for course C2']]);
    expect(emu.dump().courses.find((c) => c.course_id === 'C2')!.status).toBe('deleted');
  });

  it('skip_deletes skips deleted rows silently', async () => {
    const emu = await start();
    await runImport(emu, courses(['C1']));
    const done = await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,status\nC1,C1,C1,deleted\n' }, { skip_deletes: 'true' });
    expect(done.workflow_state).toBe('imported');
    expect(done.data.counts.courses).toBe(0);
    expect(emu.dump().courses[0]!.status).toBe('unpublished');
  });
});
