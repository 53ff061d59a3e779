/**
 * Canvas's own cascade when a course changes state through SIS (canvas-lms
 * `Course#update_enrolled_users`): concluding it concludes its enrollments that still give access,
 * deleting it deletes them all, and making it active again brings none of them back. The planner's
 * simulation models the same (test/plan/access-effects.test.ts); a plan that concludes courses
 * must not look converged on the emulator while Canvas has ended everyone's access.
 */
import { describe, expect, it } from 'vitest';
import { runImport, start } from './helpers.js';

const BASE = {
  'courses.csv': 'course_id,short_name,long_name,status\nC1,C1,Course 1,published\nC2,C2,Course 2,published\n',
  'sections.csv': 'section_id,course_id,name,status\nS1,C1,Sec 1,active\nS2,C2,Sec 2,active\n',
  'users.csv': 'user_id,login_id,full_name,status\nu1,u1,User One,active\nu2,u2,User Two,active\nu3,u3,User Three,active\n',
  'enrollments.csv': 'course_id,section_id,user_id,role,status\n'
    + 'C1,S1,u1,student,active\nC1,S1,u2,student,inactive\nC1,S1,u3,teacher,active\nC2,S2,u1,student,active\n',
};

const course = (status: string, id = 'C1') => ({ 'c.csv': `course_id,short_name,long_name,status\n${id},${id},Course,${status}\n` });

describe('course state cascades to enrollments', () => {
  it('concluding a course concludes its active enrollments (an inactive one stays), and no other course', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    const done = await runImport(emu, course('completed'));
    const statuses = () => Object.fromEntries(emu.dump().enrollments.map((e) => [`${e.course_id}|${e.user_id}|${e.role}`, e.status]));
    expect(statuses()).toEqual({ 'C1|u1|student': 'concluded', 'C1|u2|student': 'inactive', 'C1|u3|teacher': 'concluded', 'C2|u1|student': 'active' });
    expect(done.data.statistics.Enrollment.concluded).toBe(2);

    // Made active again (the legacy un-conclude publishes it), the course brings none of them back.
    await runImport(emu, course('active'));
    expect(emu.dump().courses.find((c) => c.course_id === 'C1')!.status).toBe('active');
    expect(statuses()).toMatchObject({ 'C1|u1|student': 'concluded', 'C1|u3|teacher': 'concluded', 'C1|u2|student': 'inactive' });
  });

  it('deleting a course deletes every enrollment; restoring it restores none', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    await runImport(emu, course('deleted'));
    const inC1 = () => emu.dump().enrollments.filter((e) => e.course_id === 'C1').map((e) => e.status);
    expect(inC1()).toEqual(['deleted', 'deleted', 'deleted']);
    await runImport(emu, course('published'));
    expect(inC1()).toEqual(['deleted', 'deleted', 'deleted']);
    expect(emu.dump().enrollments.find((e) => e.course_id === 'C2')!.status).toBe('active');
  });
});
