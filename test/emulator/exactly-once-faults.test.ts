/**
 * The emulator faults the exactly-once tests need: a connection cut before the server acted, a
 * slow create that lands after its client gave up, an import held `initializing`, an import already
 * running, and the uploads listing that lets a test count rows sent twice.
 */
import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../engine/emulator/index.js';
import { callJson, postImport, start, TOKEN, waitImport } from './helpers.js';

const USERS = { 'u.csv': 'user_id,login_id,status\nu1,u1,active\n' };
const list = async (emu: Awaited<ReturnType<typeof start>>) => (await callJson(emu, 'GET', '/api/v1/accounts/self/sis_imports')).sis_imports as { id: number; workflow_state: string }[];

describe('faults for exactly-once uploads', () => {
  it('parses cut and hold-import', () => {
    expect(parseFaultSpec('cut:sis-imports-create:2,hold-import:next:1:2500,hold-import:next')).toEqual([
      { kind: 'cut', target: 'sis-imports-create', remaining: 2 },
      { kind: 'hold-import', target: 'next', remaining: 1, delayMs: 2500 },
      { kind: 'hold-import', target: 'next', remaining: 1, delayMs: 5000 },
    ]);
    expect(() => parseFaultSpec('hold-import:sis-imports')).toThrow(/takes the target "next"/);
  });

  it('cut breaks the connection before the server acts: no import exists', async () => {
    const emu = await start({ faults: 'cut:sis-imports-create:1' });
    await expect(postImport(emu, USERS)).rejects.toThrow();
    expect(await list(emu)).toEqual([]);
    expect((await postImport(emu, USERS)).id).toBe(1);
  });

  it('a slow create lands after the client gave up', async () => {
    const emu = await start({ faults: 'slow:sis-imports-create:1:300' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(fetch(`${emu.url}/api/v1/accounts/self/sis_imports?extension=csv`, {
      method: 'POST', body: 'user_id,login_id,status\nu1,u1,active\n', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/csv' }, signal: controller.signal,
    })).rejects.toThrow();
    expect(await list(emu)).toEqual([]);
    let landed: { id: number }[] = [];
    for (let i = 0; i < 50 && landed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      landed = await list(emu);
    }
    expect(landed).toHaveLength(1);
  });

  it('hold-import keeps the next import initializing, then it runs', async () => {
    const emu = await start({ faults: 'hold-import:next:1:150' });
    const created = await postImport(emu, USERS);
    expect(created.workflow_state).toBe('initializing');
    expect((await waitImport(emu, created.id)).workflow_state).toBe('imported');
  });

  it('an import already running: started from the control route, listed as importing, ends imported; uploads are listed unpacked', async () => {
    const emu = await start();
    const running = await callJson(emu, 'POST', '/__emulator/sis-imports/running', { json: { ms: 100 } });
    expect(running.workflow_state).toBe('importing');
    const filtered = await callJson(emu, 'GET', '/api/v1/accounts/self/sis_imports?workflow_state[]=importing&workflow_state[]=created');
    expect(filtered.sis_imports.map((i: { id: number }) => i.id)).toEqual([running.id]);
    expect((await waitImport(emu, running.id)).workflow_state).toBe('imported');
    await postImport(emu, USERS);
    await postImport(emu, USERS);
    const { uploads } = await callJson(emu, 'GET', '/__emulator/sis-imports/uploads');
    expect(uploads.map((u: { files: Record<string, string> }) => u.files)).toEqual([{}, USERS, USERS]);
    expect(uploads[1].content_sha256).toBe(uploads[2].content_sha256);
  });
});
