import { describe, expect, it } from 'vitest';
import { call, runImport, start, waitImport } from './helpers.js';

describe('file type by header and fixed importer order (§1.3)', () => {
  it('detects types from headers regardless of file names, and imports in IMPORTERS order', async () => {
    const emu = await start();
    // Deliberately misleading names and reverse dependency order inside the zip.
    const done = await runImport(emu, {
      'a_first.csv': 'course_id,section_id,user_id,role,status\nC1,,u1,student,active\n',
      'b.csv': 'User_ID,Login_ID,First_Name,Last_Name,Status\nu1,jdoe,Jane,Doe,active\n',
      'c.csv': 'section_id,course_id,name,status\nS1,C1,Section 1,active\n',
      'd.csv': 'course_id,short_name,long_name,account_id,term_id,status\nC1,C1,Course 1,A1,T1,active\n',
      'e.csv': 'term_id,name,status,start_date,end_date\nT1,Fall,active,2024-08-01 00:00:00,2024-12-20 00:00:00\n',
      'f.csv': 'account_id,parent_account_id,name,status\nA1,,School,active\n',
    });
    expect(done.workflow_state).toBe('imported');
    expect(done.data.supplied_batches).toEqual(['account', 'term', 'course', 'section', 'user', 'enrollment']);
    expect(done.data.completed_importers).toEqual(['account', 'term', 'course', 'section', 'user', 'enrollment']);
    expect(done.data.counts).toMatchObject({ accounts: 1, terms: 1, courses: 1, sections: 1, users: 1, enrollments: 1 });
  });

  it('reports unknown headers, malformed CSV and bad UTF-8 as failures while importing the other files', async () => {
    const emu = await start();
    const { zipSync, strToU8 } = await import('fflate');
    const bytes = zipSync({
      'users.csv': strToU8('user_id,login_id,status\nu1,jdoe,active\n'),
      'mystery.csv': strToU8('foo,bar\n1,2\n'),
      'broken.csv': strToU8('user_id,login_id,status\n"u2,jdoe2,active\n'),
      'latin1.csv': new Uint8Array([0x75, 0x73, 0x65, 0x72, 0x5f, 0x69, 0x64, 0x0a, 0xe9, 0x0a]),
      'readme.txt': strToU8('hello'),
      '__MACOSX/._users.csv': strToU8('junk'),
      'empty.csv': new Uint8Array(),
    });
    const res = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports?extension=zip', { body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
    const done = await waitImport(emu, ((await res.json()) as any).id);
    expect(done.workflow_state).toBe('failed_with_messages');
    expect(done.processing_errors).toEqual(expect.arrayContaining([
      ['mystery.csv', "Couldn't find Canvas CSV import headers"],
      ['broken.csv', 'Malformed CSV'],
      ['latin1.csv', 'Invalid UTF-8'],
    ]));
    expect(done.processing_errors).toHaveLength(3);
    expect(done.processing_warnings).toEqual([['readme.txt', 'Skipping unknown file type']]);
    expect(done.data.counts.users).toBe(1);
    expect(done.data.counts.error_count).toBe(3);
    expect(emu.dump().users.map((u) => u.user_id)).toEqual(['u1']);
  });

  it('tells logins.csv from users.csv by the existing_* columns', async () => {
    const emu = await start();
    const done = await runImport(emu, {
      'x.csv': 'user_id,login_id,existing_user_id\nu1-alt,alt-login,u1\n',
      'y.csv': 'user_id,login_id,status\nu1,jdoe,active\n',
    });
    expect(done.data.supplied_batches).toEqual(['user', 'login']);
    expect(done.data.counts).toMatchObject({ users: 1, logins: 1 });
  });
});
