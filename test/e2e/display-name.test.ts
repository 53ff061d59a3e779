/**
 * A renamed student's display name (Canvas `short_name`) follows the SIS. The example's student
 * s100326 is renamed in the SIS and holds a short_name in Canvas (an earlier import or an admin set
 * it): users.csv cannot clear a short_name, only overwrite it, so before this fix apply said
 * "Converged" while Canvas still showed the old name everywhere the display name is used.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { ROOT, runCliAsync } from '../support/workspace.js';

const CANVAS_TOKEN = 'emulator-token-display-name';
let canvas: CanvasEmulator;
let dir: string;

beforeAll(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago', snapshot: join(ROOT, 'examples/maple-valley/canvas-snapshot') });
  dir = mkdtempSync(join(tmpdir(), 'rosterops-display-name-'));
});

afterAll(async () => {
  await canvas.close();
});

const student = () => canvas.dump().users.find((u) => u.user_id === 's100326')!;

describe('display name of a renamed student', () => {
  it('is brought in line with the SIS name, and a new plan is empty', async () => {
    expect(student()).toMatchObject({ full_name: 'Olivia Diaz', short_name: 'Olivia Diaz' });
    const env = { CANVAS_TOKEN };
    const plan = await runCliAsync(['plan', '--canvas-url', canvas.url, '--out', join(dir, 'plan.json'), '--show-personal-data'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('short_name: "Olivia Diaz" → "Jack Mitchell"');
    const apply = await runCliAsync(['apply', '--plan', join(dir, 'plan.json'), '--canvas-url', canvas.url, '--record', join(dir, 'record.json')], { env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(student()).toMatchObject({ full_name: 'Jack Mitchell', short_name: 'Jack Mitchell' });
    // Users Canvas shows by their name (no short_name of their own) are not touched.
    expect(canvas.dump().users.find((u) => u.user_id === 's100001')!.short_name ?? null).toBeNull();
    const again = await runCliAsync(['plan', '--canvas-url', canvas.url, '--detailed-exitcode'], { env });
    expect(again.code, again.stdout).toBe(0);
  }, 60_000);
});
