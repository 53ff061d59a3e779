import { describe, expect, it } from 'vitest';
import { runImport, start } from './helpers.js';

const BASE = {
  'courses.csv': 'course_id,short_name,long_name,status\nC1,C1,Course 1,active\nC2,C2,Course 2,published\n',
  'sections.csv': 'section_id,course_id,name,status\nS1,C1,Sec 1,active\nS2,C1,Sec 2,active\n',
  'users.csv': 'user_id,login_id,full_name,status\nu1,u1,User One,active\nu2,u2,User Two,active\n',
  'enrollments.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,student,active\nC1,S2,u2,teacher,active\nC2,,u1,ta,active\n',
};

describe('statuses and cascades (§3.8)', () => {
  it('course states follow §3.8 and show as report statuses', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    const byId = () => Object.fromEntries(emu.dump().courses.map((c) => [c.course_id, c.status]));
    expect(byId()).toEqual({ C1: 'unpublished', C2: 'active' });
    await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,status\nC1,C1,Course 1,completed\nC2,C2,Course 2,active\n' });
    expect(byId()).toEqual({ C1: 'concluded', C2: 'active' }); // active never unpublishes
    await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,status\nC1,C1,Course 1,active\n' });
    expect(byId().C1).toBe('active'); // completed + active → available (legacy)
  });

  it('enrollment statuses, course-only rows land in the default section, role mapping', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    let enrollments = emu.dump().enrollments;
    const ta = enrollments.find((e) => e.course_id === 'C2')!;
    expect(ta).toMatchObject({ role: 'ta', base_role_type: 'TaEnrollment', section_id: null, status: 'active', role_id: '5' });
    expect(emu.dump().sections.some((s) => s.canvas_section_id === ta.canvas_section_id && s.section_id === null)).toBe(true);
    await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,student,completed\nC1,S2,u2,teacher,inactive\nC2,,u1,ta,deleted\n' });
    enrollments = emu.dump().enrollments;
    expect(Object.fromEntries(enrollments.map((e) => [e.role, e.status]))).toEqual({ student: 'concluded', teacher: 'inactive', ta: 'deleted' });
  });

  it('deleted_last_completed: deleted when another enrollment remains, else completed', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S2,u1,student,active\n' });
    await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,student,deleted_last_completed\n' });
    const student = (sec: string) => emu.dump().enrollments.find((e) => e.section_id === sec && e.role === 'student')!.status;
    expect(student('S1')).toBe('deleted');
    await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S2,u1,student,deleted_last_completed\n' });
    expect(student('S2')).toBe('concluded');
  });

  it('a deleted login deletes the enrollments of a user without other active logins; re-enrolling warns', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    await runImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nu1,u1,User One,deleted\n' });
    const ofUser = (id: string) => emu.dump().enrollments.filter((e) => e.user_id === id).map((e) => e.status);
    expect(ofUser('u1')).toEqual(['deleted', 'deleted']);
    expect(ofUser('u2')).toEqual(['active']);
    const done = await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,student,active\nC1,S2,u1,designer,active\n' });
    expect(done.processing_warnings).toEqual([
      ['e.csv', 'Attempted enrolling with deleted sis login u1 in course C1'],
      ['e.csv', 'Attempted enrolling of deleted user u1 in course C1'],
    ]);
    // the login comes back, the enrollments do not
    await runImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nu1,u1,User One,active\n' });
    expect(ofUser('u1').every((s) => s === 'deleted')).toBe(true);
  });

  it('a second login keeps enrollments; enrolling through the deleted login warns but activates', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    await runImport(emu, { 'l.csv': 'user_id,login_id,existing_user_id\nu1b,u1b,u1\n' });
    await runImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nu1,u1,User One,deleted\n' });
    expect(emu.dump().enrollments.filter((e) => e.canvas_user_id === emu.dump().users[0]!.canvas_user_id).every((e) => e.status === 'active')).toBe(true);
    const done = await runImport(emu, { 'e.csv': 'course_id,section_id,user_id,role,status\nC1,S1,u1,observer,active\n' });
    expect(done.processing_warnings).toEqual([['e.csv', 'Enrolled a user u1 in course C1, but referenced a deleted sis login']]);
  });

  it('deleting a section or a course deletes its enrollments', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    await runImport(emu, { 's.csv': 'section_id,course_id,name,status\nS1,C1,Sec 1,deleted\n' });
    const statusOf = (sec: string | null, course: string) => emu.dump().enrollments.find((e) => e.section_id === sec && e.course_id === course)!.status;
    expect(statusOf('S1', 'C1')).toBe('deleted');
    expect(statusOf('S2', 'C1')).toBe('active');
    await runImport(emu, { 'c.csv': 'course_id,short_name,long_name,status\nC2,C2,Course 2,deleted\n' });
    expect(statusOf(null, 'C2')).toBe('deleted');
  });

  it('enrollment reference warnings use Canvas wording', async () => {
    const emu = await start();
    await runImport(emu, BASE);
    const done = await runImport(emu, {
      'e.csv': 'course_id,section_id,user_id,role,status\n,,u1,student,active\nC1,S1,,student,active\nC1,S1,u1,student,gone\nC1,S1,u1,janitor,active\nCX,SX,u1,student,active\nC1,SX,u1,student,active\nCX,S1,u1,student,active\nC2,S1,u1,student,active\nC1,S1,ghost,student,active\n',
    });
    expect(done.processing_warnings.map((w: string[]) => w[1])).toEqual([
      'No course_id or section_id given for an enrollment',
      'No user_id given for an enrollment',
      'Improper status "gone" for an enrollment',
      'Improper role "janitor" for an enrollment',
      'Neither course nor section existed for user enrollment (Course ID: CX, Section ID: SX, User ID: u1)',
      'An enrollment referenced a non-existent section SX',
      'An enrollment referenced a non-existent course CX',
      'An enrollment listed a section (S1) and a course (C2) that are unrelated for user (u1)',
      'User not found for enrollment (User ID: ghost, Course ID: C1, Section ID: S1)',
    ]);
  });
});
