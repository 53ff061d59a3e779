import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../engine/emulator/index.js';
import { call, callJson, postImport, runImport, start, state, TOKEN, waitImport } from './helpers.js';

const USERS = { 'u.csv': 'user_id,login_id,status\nu1,u1,active\n' };

describe('auth', () => {
  it('answers 401 in Canvas shape without or with a wrong token, everywhere', async () => {
    const emu = await start();
    for (const path of ['/api/v1/accounts/self/sis_imports', '/api/v1/accounts/self/terms', '/__emulator/state', '/files/1/download', '/nope']) {
      for (const token of [null, 'wrong']) {
        const res = await call(emu, 'GET', path, { token });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.json()).toEqual({ errors: [{ message: 'Invalid access token.' }] });
      }
    }
    expect((await fetch(`${emu.url}/api/v1/accounts/self/terms?access_token=${TOKEN}`)).status).toBe(200);
  });

  it('never puts the token in a response body, header or dump', async () => {
    const emu = await start({ processingDelayMs: 5 });
    const done = await runImport(emu, USERS);
    const bodies: string[] = [JSON.stringify(done), JSON.stringify(emu.dump())];
    for (const path of ['/api/v1/accounts/self/sis_imports?per_page=1', `/api/v1/accounts/self/sis_imports?access_token=${TOKEN}`, '/__emulator/state', '/api/v1/accounts/self/terms']) {
      const res = await fetch(emu.url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
      bodies.push(await res.text(), JSON.stringify([...res.headers.entries()]));
    }
    for (const b of bodies) expect(b).not.toContain(TOKEN);
  });
});

describe('throttling (§4.5)', () => {
  it('normal answers carry the rate-limit headers; an exhausted budget answers 403 exactly', async () => {
    const emu = await start({ rateLimit: { budget: 3 } });
    const first = await call(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('2.0');
    expect(first.headers.get('x-request-cost')).toBe('1.0');
    await call(emu, 'GET', '/api/v1/accounts/self/terms');
    await call(emu, 'GET', '/api/v1/accounts/self/terms');
    const throttled = await call(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(throttled.status).toBe(403);
    expect(throttled.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(throttled.headers.get('x-rate-limit-remaining')).toBe('0.0');
    expect(throttled.headers.get('x-request-cost')).toBeNull();
    expect(await throttled.text()).toBe('403 Forbidden (Rate Limit Exceeded)\n');
    // control routes are not throttled, and can lift the budget
    await callJson(emu, 'POST', '/__emulator/faults', { json: { faults: '', rateLimit: null } });
    expect((await call(emu, 'GET', '/api/v1/accounts/self/terms')).status).toBe(200);
  });

  it('without a budget every answer still reports a remaining allowance', async () => {
    const emu = await start();
    const res = await call(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(Number(res.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(599);
    expect(res.headers.get('x-request-cost')).toMatch(/^\d+\.\d+$/);
  });
});

describe('faults', () => {
  it('parses the documented grammar', () => {
    expect(parseFaultSpec('5xx:reports-status:1,throttle:sis-imports-create:2,drop:sis-imports-create:1,slow:any:1:2000,fail-import:next,503:sis-imports:*')).toEqual([
      { kind: '5xx', target: 'reports-status', remaining: 1, status: 500 },
      { kind: 'throttle', target: 'sis-imports-create', remaining: 2 },
      { kind: 'drop', target: 'sis-imports-create', remaining: 1 },
      { kind: 'slow', target: 'any', remaining: 1, delayMs: 2000 },
      { kind: 'fail-import', target: 'next', remaining: 1 },
      { kind: '5xx', target: 'sis-imports', remaining: Infinity, status: 503 },
    ]);
    expect(() => parseFaultSpec('explode:any')).toThrow(/unknown kind/);
    expect(() => parseFaultSpec('5xx:any:0')).toThrow(/count/);
  });

  it('5xx answers N times on a route group, then recovers', async () => {
    const emu = await start({ faults: '502:sis-imports:2' });
    const a = await call(emu, 'GET', '/api/v1/accounts/self/sis_imports');
    const b = await call(emu, 'GET', '/api/v1/accounts/self/sis_imports/1');
    expect([a.status, b.status]).toEqual([502, 502]);
    expect((await call(emu, 'GET', '/api/v1/accounts/self/sis_imports')).status).toBe(200);
    await callJson(emu, 'POST', '/__emulator/faults', { json: { faults: '5xx:terms-list:1' } });
    const c = await call(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(c.status).toBe(500);
    expect(await c.json()).toMatchObject({ errors: [{ message: 'An error occurred.' }] });
  });

  it('throttle faults answer the 403 rate-limit shape', async () => {
    const emu = await start({ faults: 'throttle:sis-imports-create:2' });
    for (let i = 0; i < 2; i++) {
      const res = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports?extension=csv', { body: 'user_id,login_id,status\nu1,u1,active\n' });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('403 Forbidden (Rate Limit Exceeded)\n');
    }
    const ok = await call(emu, 'POST', '/api/v1/accounts/self/sis_imports?extension=csv', { body: 'user_id,login_id,status\nu1,u1,active\n' });
    expect(ok.status).toBe(200);
    expect((await callJson(emu, 'GET', '/api/v1/accounts/self/sis_imports')).sis_imports).toHaveLength(1);
  });

  it('drop destroys the connection after the import was created', async () => {
    const emu = await start({ faults: 'drop:sis-imports-create:1' });
    await expect(postImport(emu, USERS)).rejects.toThrow();
    const list = await callJson(emu, 'GET', '/api/v1/accounts/self/sis_imports');
    expect(list.sis_imports).toHaveLength(1);
    expect((await waitImport(emu, list.sis_imports[0].id)).workflow_state).toBe('imported');
  });

  it('slow delays the answer', async () => {
    const emu = await start({ faults: 'slow:terms:1:300' });
    const t0 = Date.now();
    expect((await call(emu, 'GET', '/api/v1/accounts/self/terms')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    const t1 = Date.now();
    await call(emu, 'GET', '/api/v1/accounts/self/terms');
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it('fail-import:next ends the next import failed_with_messages with an error report', async () => {
    const emu = await start({ faults: 'fail-import:next' });
    const failed = await runImport(emu, USERS);
    expect(failed.workflow_state).toBe('failed_with_messages');
    expect(failed.processing_errors).toEqual([['u.csv', expect.stringMatching(/^Error while importing CSV\. Please contact support\. \(Error report \d+\)$/)]]);
    expect(failed.data.counts.error_count).toBe(1);
    expect((await runImport(emu, USERS)).workflow_state).toBe('imported');
  });

  it('the control endpoint replaces/adds faults and the state endpoint reports them', async () => {
    const emu = await start();
    const res = await callJson(emu, 'POST', '/__emulator/faults', { json: { faults: 'drop:reports:1' } });
    expect(res.faults).toEqual([{ kind: 'drop', target: 'reports', remaining: 1 }]);
    await callJson(emu, 'POST', '/__emulator/faults', { json: { faults: 'slow:any:*:1', mode: 'add' } });
    expect((await callJson(emu, 'GET', '/__emulator/faults')).faults).toHaveLength(2);
    const bad = await call(emu, 'POST', '/__emulator/faults', { json: { faults: 'nonsense' } });
    expect(bad.status).toBe(400);
    const dump = await state(emu);
    expect(dump.emulator.rootAccountId).toBe(1);
  });
});
