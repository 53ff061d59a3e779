import { describe, expect, it } from 'vitest';
import { call, callJson, postImport, runImport, start, waitImport, zip, TOKEN } from './helpers.js';

const USERS = 'user_id,login_id,first_name,last_name,email,status\nu1,jdoe,Jane,Doe,jane@example.edu,active\n';

describe('SIS import lifecycle', () => {
  it('creates a batch in `created`, runs it asynchronously and ends `imported` with the §1.4 shape', async () => {
    const emu = await start({ processingDelayMs: 20 });
    const created = await postImport(emu, { 'users.csv': USERS });
    expect(created.workflow_state).toBe('created');
    expect(created.progress).toBe(0);
    expect(created.data).toEqual({ import_type: 'instructure_csv' });
    for (const flag of ['batch_mode', 'batch_mode_term_id', 'multi_term_batch_mode', 'override_sis_stickiness', 'add_sis_stickiness', 'update_sis_id_if_login_claimed',
      'clear_sis_stickiness', 'diffing_data_set_identifier', 'diffing_remaster', 'diffed_against_import_id', 'diffing_drop_status', 'diffing_user_remove_status',
      'skip_deletes', 'change_threshold', 'diff_row_count_threshold']) {
      expect(created).toHaveProperty(flag, null);
    }
    expect(created).not.toHaveProperty('processing_warnings');
    expect(created).not.toHaveProperty('processing_errors');

    const done = await waitImport(emu, created.id);
    expect(done.workflow_state).toBe('imported');
    expect(done.progress).toBe(100);
    expect(done.started_at).toEqual(expect.any(String));
    expect(done.ended_at).toEqual(expect.any(String));
    expect(done.data.supplied_batches).toEqual(['user']);
    expect(Object.keys(done.data.counts)).toEqual([
      'change_sis_ids', 'accounts', 'terms', 'abstract_courses', 'courses', 'sections', 'xlists', 'users', 'logins', 'enrollments', 'admins',
      'group_categories', 'groups', 'group_memberships', 'grade_publishing_results', 'user_observers', 'error_count', 'warning_count',
    ]);
    expect(done.data.counts.users).toBe(1);
    expect(done.data.counts.error_count).toBe(0);
    expect(done.data.counts.warning_count).toBe(0);
    expect(done.data.running_immediately).toBe(true);
    expect(done.data.completed_importers).toEqual(['user']);
    expect(done.data.statistics.total_state_changes).toBeGreaterThan(0);
    expect(done.data.statistics.Pseudonym.created).toBe(1);
    expect(done.csv_attachments[0].filename).toBe('users.csv');
    expect(done).not.toHaveProperty('processing_warnings');
  });

  it('accepts a raw csv body with extension, and sis_account_id / numeric account ids', async () => {
    const emu = await start();
    const res = await call(emu, 'POST', '/api/v1/accounts/1/sis_imports?import_type=instructure_csv&extension=csv', { body: USERS, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    const done = await waitImport(emu, ((await res.json()) as any).id);
    expect(done.workflow_state).toBe('imported');
    expect(done.data.counts.users).toBe(1);
    // text/csv content type → csv without extension
    const res2 = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports', { body: USERS, headers: { 'Content-Type': 'text/csv' } });
    expect((await waitImport(emu, ((await res2.json()) as any).id)).workflow_state).toBe('imported');
  });

  it('answers the documented 400s', async () => {
    const emu = await start();
    const form = new FormData();
    form.append('import_type', 'instructure_csv');
    let res = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports', { body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: true, error_message: 'Missing attachment' });

    res = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports', { body: USERS, headers: { 'Content-Type': 'text/csv; charset=iso-8859-1' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'Invalid content type, UTF-8 required' });

    const post = (qs: string) => call(emu, 'POST', `/api/v1/accounts/self/sis_imports?extension=zip&${qs}`, { body: zip({ 'u.csv': USERS }), headers: { 'Content-Type': 'application/zip' } });
    res = await post('batch_mode=true&batch_mode_term_id=sis_term_id:nope');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'Batch mode specified, but the given batch_mode_term_id cannot be found.' });
    res = await post('multi_term_batch_mode=true');
    expect(await res.json()).toEqual({ message: 'change_threshold is required to use multi term_batch mode.' });
    res = await post('batch_mode_enrollment_drop_status=gone');
    expect(await res.json()).toEqual({ message: 'Invalid batch_mode_enrollment_drop_status' });
    res = await post('diffing_drop_status=gone');
    expect(await res.json()).toEqual({ message: 'Invalid diffing_drop_status' });
    res = await post('diffing_user_remove_status=gone');
    expect(await res.json()).toEqual({ message: 'Invalid diffing_user_remove_status' });
  });

  it('refuses sub-accounts and unknown accounts', async () => {
    const emu = await start();
    await runImport(emu, { 'accounts.csv': 'account_id,parent_account_id,name,status\nA1,,School,active\n' });
    let res = await call(emu, 'GET', '/api/v1/accounts/sis_account_id:A1/sis_imports');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: ['SIS imports can only be executed on root accounts'] });
    res = await call(emu, 'GET', '/api/v1/accounts/999/sis_imports');
    expect(res.status).toBe(404);
  });

  it('stores option flags as true or null and echoes them', async () => {
    const emu = await start();
    const created = await postImport(emu, { 'u.csv': USERS }, {
      override_sis_stickiness: 'true', add_sis_stickiness: '1', update_sis_id_if_login_claimed: 'true', skip_deletes: 'true', clear_sis_stickiness: 'false',
    });
    expect(created.override_sis_stickiness).toBe(true);
    expect(created.add_sis_stickiness).toBe(true);
    expect(created.clear_sis_stickiness).toBeNull();
    expect(created.update_sis_id_if_login_claimed).toBe(true);
    expect(created.skip_deletes).toBe(true);
    // add_ without override is not honoured
    const other = await postImport(emu, { 'u.csv': USERS }, { add_sis_stickiness: 'true' });
    expect(other.add_sis_stickiness).toBeNull();
  });

  it('lists newest first with Link pagination, shows importing, aborts', async () => {
    const emu = await start({ processingDelayMs: 200 });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await postImport(emu, { 'u.csv': USERS })).id);
    const res = await call(emu, 'GET', '/api/v1/accounts/self/sis_imports?per_page=2');
    const body = (await res.json()) as any;
    expect(body.sis_imports.map((b: any) => b.id)).toEqual([ids[2], ids[1]]);
    const link = res.headers.get('link')!;
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="current"');
    expect(link).toContain('rel="first"');
    expect(link).not.toContain('rel="last"');
    expect(link).not.toContain(TOKEN);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const page2 = await callJson(emu, 'GET', new URL(next).pathname + new URL(next).search);
    expect(page2.sis_imports.map((b: any) => b.id)).toEqual([ids[0]]);

    const aborted = await callJson(emu, 'PUT', `/api/v1/accounts/self/sis_imports/${ids[2]}/abort`);
    expect(aborted.workflow_state).toBe('aborted');
    const again = await call(emu, 'PUT', `/api/v1/accounts/self/sis_imports/${ids[2]}/abort`);
    expect(again.status).toBe(404);
    const importing = await callJson(emu, 'GET', '/api/v1/accounts/self/sis_imports/importing');
    expect(Array.isArray(importing.sis_imports)).toBe(true);
    expect((await waitImport(emu, ids[0]!)).workflow_state).toBe('imported');
    expect((await waitImport(emu, ids[1]!)).workflow_state).toBe('imported');
    expect((await callJson(emu, 'GET', `/api/v1/accounts/self/sis_imports/${ids[2]}`)).workflow_state).toBe('aborted');
  });

  it('processes batches one at a time in creation order', async () => {
    const emu = await start({ processingDelayMs: 10, rowsPerStep: 1 });
    const a = await postImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nx,x1,First,active\nx2,x2,Two,active\n' });
    const b = await postImport(emu, { 'u.csv': 'user_id,login_id,full_name,status\nx,x1,Second,active\n' });
    const seen: string[] = [];
    for (let i = 0; i < 400; i++) {
      const [ja, jb] = await Promise.all([a, b].map((x) => callJson(emu, 'GET', `/api/v1/accounts/self/sis_imports/${x.id}`)));
      seen.push(`${ja.workflow_state}/${jb.workflow_state}`);
      expect(ja.workflow_state === 'importing' && jb.workflow_state === 'importing').toBe(false);
      if (jb.workflow_state === 'imported') break;
      await new Promise((r) => setTimeout(r, 3));
    }
    const st = emu.dump();
    expect(st.users.find((u) => u.user_id === 'x')!.full_name).toBe('Second');
  });

  it('a 200+-row import runs asynchronously with rising progress', async () => {
    const emu = await start({ processingDelayMs: 15, rowsPerStep: 50 });
    const lines = ['user_id,login_id,first_name,last_name,status'];
    for (let i = 0; i < 250; i++) lines.push(`s${i},login${i},First${i},Last${i},active`);
    const created = await postImport(emu, { 'users.csv': lines.join('\n') + '\n' });
    const seen: string[] = [];
    const progress: number[] = [];
    let json: any;
    do {
      json = await callJson(emu, 'GET', `/api/v1/accounts/self/sis_imports/${created.id}`);
      seen.push(json.workflow_state);
      progress.push(json.progress);
      await new Promise((r) => setTimeout(r, 5));
    } while (!['imported', 'imported_with_messages', 'failed_with_messages'].includes(json.workflow_state));
    expect(seen).toContain('importing');
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(json.workflow_state).toBe('imported');
    expect(json.data.counts.users).toBe(250);
    expect(json.data.running_immediately).toBe(false);
  });

  it('caps processing_warnings at 24 plus a summary row', async () => {
    const emu = await start();
    const lines = ['user_id,login_id,status'];
    for (let i = 0; i < 30; i++) lines.push(`u${i},,active`);
    const done = await runImport(emu, { 'users.csv': lines.join('\n') + '\n' });
    expect(done.workflow_state).toBe('imported_with_messages');
    expect(done.processing_warnings).toHaveLength(25);
    expect(done.processing_warnings[0]).toEqual(['users.csv', 'No login_id given for user u0']);
    expect(done.processing_warnings[24]).toEqual(['and 6 more warnings that were not included', 'Download the error file to see all warnings.']);
    expect(done.data.counts.warning_count).toBe(30);
    expect(done.data.counts.users).toBe(0);
    expect(done.errors_attachment.filename).toBe(`sis_errors_attachment_${done.id}.csv`);
    const errorsCsv = await (await call(emu, 'GET', new URL(done.errors_attachment.url).pathname)).text();
    expect(errorsCsv.split('\n')[0]).toBe('sis_import_id,file,message,row');
    expect(errorsCsv.split('\n')[1]).toBe(`${done.id},users.csv,No login_id given for user u0,2`);
    const errors = await callJson(emu, 'GET', `/api/v1/accounts/self/sis_imports/${done.id}/errors?per_page=100`);
    expect(errors.sis_import_errors).toHaveLength(30);
  });
});
