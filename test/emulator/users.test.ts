import { describe, expect, it } from 'vitest';
import { callJson, runImport, start } from './helpers.js';

const HEADER = 'user_id,login_id,first_name,last_name,email,status\n';

describe('users.csv matching (§3.2)', () => {
  it('finds a user by SIS id and updates it; full_name and sortable_name rules', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': `${HEADER}u1,jdoe,Jane,Doe,jane@example.edu,active\n` });
    await runImport(emu, { 'u.csv': `${HEADER}u1,jdoe2,Janet,Doe,jane@example.edu,active\n` });
    const users = emu.dump().users;
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ user_id: 'u1', login_id: 'jdoe2', full_name: 'Janet Doe', sortable_name: 'Doe, Janet', first_name: 'Janet', last_name: 'Doe', email: 'jane@example.edu', created_by_sis: true });
    await runImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nu2,mm,Mary Ann Smith,active\n' });
    expect(emu.dump().users.find((u) => u.user_id === 'u2')).toMatchObject({ full_name: 'Mary Ann Smith', sortable_name: 'Smith, Mary Ann' });
  });

  it('silently claims a manually created login with the same login name (case-insensitive)', async () => {
    const emu = await start();
    const manual = await callJson(emu, 'POST', '/api/v1/accounts/self/users', {
      form: { 'user[name]': 'Pat Manual', 'pseudonym[unique_id]': 'PAT@example.edu' },
    });
    expect(manual.sis_user_id).toBeNull();
    const done = await runImport(emu, { 'u.csv': `${HEADER}s100,pat@example.edu,Pat,Sis,,active\n` });
    expect(done.workflow_state).toBe('imported');
    const users = emu.dump().users;
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ canvas_user_id: String(manual.id), user_id: 's100', full_name: 'Pat Sis', created_by_sis: true });
  });

  it('creates a duplicate user when the manual login name differs (no e-mail or name matching)', async () => {
    const emu = await start();
    await callJson(emu, 'POST', '/api/v1/accounts/self/users', { form: { 'user[name]': 'Pat', 'pseudonym[unique_id]': 'pat.manual', 'communication_channel[address]': 'pat@example.edu' } });
    await runImport(emu, { 'u.csv': `${HEADER}s100,s100,Pat,Sis,pat@example.edu,active\n` });
    expect(new Set(emu.dump().users.map((u) => u.canvas_user_id)).size).toBe(2);
  });

  it('warns with Canvas wording when a login name is already claimed by another SIS id', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': `${HEADER}u1,jdoe,Jane,Doe,,active\n` });
    const done = await runImport(emu, { 'u.csv': `${HEADER}u2,JDOE,Jim,Doe,,active\n` });
    expect(done.workflow_state).toBe('imported_with_messages');
    expect(done.processing_warnings).toEqual([['u.csv', "An existing Canvas user with the SIS ID u1 has already claimed u2's user_id requested login information, skipping"]]);
    expect(done.data.counts.users).toBe(0);
    expect(emu.dump().users).toHaveLength(1);
  });

  it('warns with the Canvas ID form when a manual login holds the requested name during a rename', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': `${HEADER}u1,jdoe,Jane,Doe,,active\n` });
    const manual = await callJson(emu, 'POST', '/api/v1/accounts/self/users', { form: { 'user[name]': 'Other', 'pseudonym[unique_id]': 'taken' } });
    const done = await runImport(emu, { 'u.csv': `${HEADER}u1,taken,Jane,Doe,,active\n` });
    expect(done.processing_warnings).toEqual([['u.csv', `An existing Canvas user with the Canvas ID ${manual.id} has already claimed u1's user_id requested login information, skipping`]]);
  });

  it('update_sis_id_if_login_claimed rewrites the SIS id instead of warning', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': `${HEADER}u1,jdoe,Jane,Doe,,active\n` });
    const done = await runImport(emu, { 'u.csv': `${HEADER}u1-new,jdoe,Jane,Doe,,active\n` }, { update_sis_id_if_login_claimed: 'true' });
    expect(done.workflow_state).toBe('imported');
    expect(emu.dump().users.map((u) => u.user_id)).toEqual(['u1-new']);
  });

  it('warns when another login holds the integration_id', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': 'user_id,integration_id,login_id,status\nu1,int-1,a,active\n' });
    const done = await runImport(emu, { 'u.csv': 'user_id,integration_id,login_id,status\nu2,int-1,b,active\n' });
    expect(done.processing_warnings).toEqual([['u.csv', "An existing Canvas user with the SIS ID u1 has already claimed u2's requested integration_id, skipping"]]);
  });

  it('row-level validation messages', async () => {
    const emu = await start();
    const done = await runImport(emu, {
      'u.csv': 'user_id,login_id,status,authentication_provider_id,email\n,x,active,,\nu1,,active,,\nu2,y,,,\nu3,z,bogus,,\nu4,w,active,nope,\nu5,v,active,,not-an-email\n',
    });
    expect(done.processing_warnings.map((w: string[]) => w[1])).toEqual([
      'No user_id given for a user', 'No login_id given for user u1', 'No status given for user u2', 'Improper status for user u3',
      'unrecognized authentication provider nope for u4, skipping', "The email address associated with user 'u5' is invalid (email: 'not-an-email')",
    ]);
    // the login of u5 is saved although its e-mail was refused
    expect(emu.dump().users.map((u) => u.user_id)).toEqual(['u5']);
  });

  it('authentication_provider_id by type and by id', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': 'user_id,login_id,authentication_provider_id,status\nu1,a,google,active\nu2,b,3,active\n' });
    const users = emu.dump().users;
    expect(users.map((u) => u.authentication_provider_id)).toEqual(['2', '3']);
  });
});

describe('logins.csv (§2.2)', () => {
  it('attaches a login to an existing user without creating a user', async () => {
    const emu = await start();
    const manual = await callJson(emu, 'POST', '/api/v1/accounts/self/users', { form: { 'user[name]': 'Pat Manual', 'pseudonym[unique_id]': 'pat.manual' } });
    const done = await runImport(emu, { 'logins.csv': `user_id,login_id,existing_canvas_user_id\ns100,s100@school.edu,${manual.id}\n` });
    expect(done.workflow_state).toBe('imported');
    expect(done.data.counts.logins).toBe(1);
    const users = emu.dump().users;
    expect(users).toHaveLength(2);
    expect(new Set(users.map((u) => u.canvas_user_id))).toEqual(new Set([String(manual.id)]));
    expect(users.find((u) => u.user_id === 's100')!.created_by_sis).toBe(true);
    // a later users.csv row finds the user through the new login's SIS id
    await runImport(emu, { 'u.csv': `${HEADER.trimEnd()}\ns100,s100@school.edu,Pat,Formal,,active\n` });
    expect(emu.dump().users.every((u) => u.full_name === 'Pat Formal')).toBe(true);
    const logins = await callJson(emu, 'GET', `/api/v1/users/${manual.id}/logins`);
    expect(logins.map((l: any) => l.unique_id).sort()).toEqual(['pat.manual', 's100@school.edu']);
  });

  it('uses Canvas wording for the refusals', async () => {
    const emu = await start();
    await runImport(emu, { 'u.csv': 'user_id,login_id,status\nu1,a,active\nu2,b,active\n' });
    const done = await runImport(emu, {
      'logins.csv': 'user_id,login_id,existing_user_id,existing_canvas_user_id\nn1,n1,,\nu1,new,u2,\nn2,a,u2,\nn3,n3,ghost,\nn4,n4,u1,999\n',
    });
    expect(done.processing_warnings.map((w: string[]) => w[1])).toEqual([
      'No existing user provided for login with SIS ID n1',
      'An existing Canvas user with the SIS ID u1 or login of new already exists, skipping',
      'An existing Canvas user with the SIS ID n2 or login of a already exists, skipping',
      'Could not find the existing user for login with SIS ID n3, skipping',
      'Could not find the existing user for login with SIS ID n4, skipping',
    ]);
  });
});
