/**
 * The exactly-once upload (engine/canvas/sis-import.ts) against a scripted Canvas on a virtual
 * clock: whatever happens to each upload request (answered, answer lost after Canvas acted or
 * before, landing late but inside the window, 5xx after or before acting, throttled), Canvas ends
 * with at most one import, and the upload returns that import or says clearly why it stopped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanvasHttp } from '../../engine/canvas/http.js';
import { SisImports, UploadUncertainError } from '../../engine/canvas/sis-import.js';
import { RemoteError } from '../../engine/errors.js';

type Fate =
  | { kind: 'answered' }
  | { kind: 'lost-after-acting'; landsAfterMs: number }
  | { kind: 'lost-before-acting' }
  | { kind: '5xx-after-acting' }
  | { kind: '5xx-before-acting' }
  | { kind: 'throttled' };

const WINDOW = 10_000;

/** A Canvas whose POSTs follow `fates` in order and whose import list may fail from a given look on. */
function scriptedCanvas(fates: Fate[], listFailsFrom = Infinity) {
  let now = 1_000_000;
  let lists = 0;
  const imports: { id: number; landsAt: number }[] = [];
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
  const create = (landsAt: number) => {
    const imp = { id: imports.length + 1, landsAt };
    imports.push(imp);
    return imp;
  };
  const fetchFake = (async (input: string | URL | Request, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    if (method === 'POST') {
      const fate = fates.shift() ?? { kind: 'answered' };
      switch (fate.kind) {
        case 'answered': return json(200, { id: create(now).id, workflow_state: 'created' });
        case 'lost-after-acting': create(now + fate.landsAfterMs); throw new TypeError('fetch failed');
        case 'lost-before-acting': throw new TypeError('fetch failed');
        case '5xx-after-acting': create(now); return json(502, { errors: ['bad gateway'] });
        case '5xx-before-acting': return json(503, { errors: ['unavailable'] });
        case 'throttled': return json(403, { errors: ['Rate Limit Exceeded'] }, { 'X-Rate-Limit-Remaining': '0' });
      }
    }
    void input;
    if (++lists >= listFailsFrom) return json(500, {});
    const visible = imports.filter((i) => i.landsAt <= now).sort((a, b) => b.id - a.id);
    return json(200, { sis_imports: visible.map((i) => ({ id: i.id, workflow_state: 'created', created_at: new Date(i.landsAt).toISOString() })) });
  }) as typeof fetch;
  const sleep = async (ms: number) => {
    now += ms;
  };
  const http = new CanvasHttp({ baseUrl: 'https://canvas.test', token: 'test-token-123', fetch: fetchFake, sleep, attempts: 2, backoffMs: 1 });
  const client = new SisImports(http, 'self', () => {}, { now: () => now, sleep });
  return { client, imports, landedBy: (t: number) => imports.filter((i) => i.landsAt <= t) };
}

const options = (sent: number[]) => ({
  flags: {}, files: [{ name: 'users.csv', size: 10 }], knownBefore: new Set<string>(), landingWindowMs: WINDOW, listIntervalMs: 500, attempts: 3,
  beforeSend: async () => {
    sent.push(1);
  },
});

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  fc.constant<Fate>({ kind: 'answered' }),
  fc.integer({ min: 0, max: WINDOW - 1 }).map<Fate>((landsAfterMs) => ({ kind: 'lost-after-acting', landsAfterMs })),
  fc.constant<Fate>({ kind: 'lost-before-acting' }),
  fc.constant<Fate>({ kind: '5xx-after-acting' }),
  fc.constant<Fate>({ kind: '5xx-before-acting' }),
  fc.constant<Fate>({ kind: 'throttled' }),
);

describe('exactly-once upload', () => {
  it('property: any sequence of request fates leaves at most one import, and the upload returns it or stops saying so', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fateArb, { minLength: 1, maxLength: 4 }), async (fates) => {
      const canvas = scriptedCanvas([...fates]);
      const sent: number[] = [];
      let result: { id: number | string } | null = null;
      let error: unknown = null;
      try {
        result = await canvas.client.upload(new Uint8Array([1, 2, 3]), options(sent));
      } catch (err) {
        error = err;
      }
      expect(canvas.imports.length).toBeLessThanOrEqual(1);
      if (result) expect(String(result.id)).toBe(String(canvas.imports[0]!.id));
      else {
        expect(error).toBeInstanceOf(RemoteError);
        // Stopping with an import created is never silent: only the "created none" failure may end without one.
        if (canvas.imports.length === 1) expect((error as RemoteError).code).not.toBe('canvas.upload-failed');
      }
    }), { numRuns: 300 });
  });

  it('a slow upload that lands after the client timed out is followed, not sent again', async () => {
    const canvas = scriptedCanvas([{ kind: 'lost-after-acting', landsAfterMs: WINDOW - 100 }]);
    const sent: number[] = [];
    const imp = await canvas.client.upload(new Uint8Array([1]), options(sent));
    expect(sent).toHaveLength(1);
    expect(imp.id).toBe(1);
    expect(canvas.imports).toHaveLength(1);
  });

  it('an upload that never reached Canvas is sent again only after the window has passed', async () => {
    const canvas = scriptedCanvas([{ kind: 'lost-before-acting' }]);
    const sent: number[] = [];
    const imp = await canvas.client.upload(new Uint8Array([1]), options(sent));
    expect(sent).toHaveLength(2);
    expect(imp.id).toBe(1);
  });

  it('when the import list cannot be read after a lost answer, it stops instead of uploading again', async () => {
    const canvas = scriptedCanvas([{ kind: 'lost-before-acting' }], 1);
    const sent: number[] = [];
    await expect(canvas.client.upload(new Uint8Array([1]), options(sent))).rejects.toBeInstanceOf(UploadUncertainError);
    expect(sent).toHaveLength(1);
  });
});
