/**
 * The emulator names the host the client used in the URLs it hands out (report files, page links),
 * as Canvas does: reached as `localhost`, its report file is on `localhost`, so the client's rule
 * "the token goes only to the Canvas origin" lets a live plan through instead of refusing the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasEmulator } from '../../engine/emulator/index.js';
import { cli, exampleEmulator, examplePolicies } from '../support/example-apply.js';

let emulator: CanvasEmulator | null = null;
afterEach(async () => {
  await emulator?.close();
  emulator = null;
});

describe('emulator reached by another loopback name', () => {
  it('plans live through http://localhost:PORT with the same planId as through 127.0.0.1', async () => {
    emulator = await exampleEmulator();
    const { policies } = examplePolicies();
    const port = new URL(emulator.url).port;
    const viaIp = await cli(['plan', '--config', policies, '--canvas-url', emulator.url, '--format', 'json']);
    const viaName = await cli(['plan', '--config', policies, '--canvas-url', `http://localhost:${port}`, '--format', 'json']);
    expect(viaIp.code, viaIp.out).toBe(0);
    expect(viaName.code, viaName.out).toBe(0);
    const planId = (out: string) => /"planId":\s*"(sha256:[0-9a-f]{64})"/.exec(out)?.[1];
    expect(planId(viaName.out)).toBeDefined();
    expect(planId(viaName.out)).toBe(planId(viaIp.out));
  }, 60_000);
});
