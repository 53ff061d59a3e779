import { describe, expect, it } from 'vitest';
import { callJson, runImport, start } from './helpers.js';

const USER = (name: string) => ({ 'u.csv': `user_id,login_id,full_name,status\nu1,jdoe,${name},active\n` });
const COURSE = (name: string, status = 'active') => ({ 'c.csv': `course_id,short_name,long_name,status\nC1,C1,${name},${status}\n` });

describe('stickiness (§3.3)', () => {
  it('an admin edit sticks the field; imports skip it unless override_sis_stickiness', async () => {
    const emu = await start();
    await runImport(emu, USER('Jane Doe'));
    const id = emu.dump().users[0]!.canvas_user_id;
    const edited = await callJson(emu, 'PUT', `/api/v1/users/${id}`, { form: { 'user[name]': 'Jane Admin-Edited' } });
    expect(edited.name).toBe('Jane Admin-Edited');
    expect((await callJson(emu, 'GET', '/__emulator/state')).emulator.users[0].stuck).toEqual(['name', 'sortable_name']);

    let done = await runImport(emu, USER('Jane From SIS'));
    expect(done.workflow_state).toBe('imported');
    expect(emu.dump().users[0]!.full_name).toBe('Jane Admin-Edited');

    done = await runImport(emu, USER('Jane From SIS'), { override_sis_stickiness: 'true' });
    expect(emu.dump().users[0]!.full_name).toBe('Jane From SIS');
    // override ignores the stuck set but keeps it
    expect((await callJson(emu, 'GET', '/__emulator/state')).emulator.users[0].stuck).toEqual(['name', 'sortable_name']);
    await runImport(emu, USER('Jane Again'));
    expect(emu.dump().users[0]!.full_name).toBe('Jane From SIS');

    // clear_sis_stickiness empties the stuck set of records the batch saves
    await runImport(emu, USER('Jane Cleared'), { override_sis_stickiness: 'true', clear_sis_stickiness: 'true' });
    expect((await callJson(emu, 'GET', '/__emulator/state')).emulator.users[0].stuck).toEqual([]);
    await runImport(emu, USER('Jane Free'));
    expect(emu.dump().users[0]!.full_name).toBe('Jane Free');

    // add_sis_stickiness marks fields the batch changes
    await runImport(emu, USER('Jane Pinned'), { override_sis_stickiness: 'true', add_sis_stickiness: 'true' });
    await runImport(emu, USER('Jane Unpinned'));
    expect(emu.dump().users[0]!.full_name).toBe('Jane Pinned');
  });

  it('publishing a course by hand pins workflow_state: later completed/deleted rows are ignored silently', async () => {
    const emu = await start();
    await runImport(emu, COURSE('Biology'));
    expect(emu.dump().courses[0]!.status).toBe('unpublished');
    const published = await callJson(emu, 'PUT', '/api/v1/courses/sis_course_id:C1', { form: { 'course[event]': 'offer', 'course[name]': 'Biology (hand)' } });
    expect(published.workflow_state).toBe('available');
    const done = await runImport(emu, COURSE('Biology', 'deleted'));
    expect(done.workflow_state).toBe('imported');
    expect(emu.dump().courses[0]).toMatchObject({ status: 'active', long_name: 'Biology (hand)' });
    await runImport(emu, COURSE('Biology', 'deleted'), { override_sis_stickiness: 'true' });
    expect(emu.dump().courses[0]).toMatchObject({ status: 'deleted', long_name: 'Biology' });
  });

  it('a login suspended by hand stays suspended', async () => {
    const emu = await start();
    await runImport(emu, USER('Jane Doe'));
    const state = await callJson(emu, 'GET', '/__emulator/state');
    const loginId = state.emulator.logins[0].id;
    await callJson(emu, 'PUT', `/api/v1/accounts/self/logins/${loginId}`, { form: { 'login[workflow_state]': 'suspended' } });
    await runImport(emu, USER('Jane Doe'));
    expect(emu.dump().users[0]!.status).toBe('suspended');
  });
});
