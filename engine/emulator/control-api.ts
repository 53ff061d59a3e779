/**
 * Test-only control endpoints (same token; never faulted or throttled):
 * - `POST /__emulator/faults` body `{"faults":"<spec>","mode":"replace"|"add","rateLimit":{...}|null}`
 *   (or a plain-text spec body) → `{"faults":[pending rules]}`; `GET` returns the same;
 * - `GET /__emulator/state` → the state dump (`dump()` of index.ts).
 */
import type { EmulatorCore } from './core.js';
import { FaultSpecError } from './faults.js';
import { path, type Route } from './http.js';
import { stringParam } from './params.js';
import { badRequest, json } from './responses.js';
import { LeakyBucket, type RateLimitOptions } from './throttle.js';

export function controlRoutes(core: EmulatorCore, dump: () => unknown, setBucket: (b: LeakyBucket) => void): Route[] {
  return [
    {
      method: 'POST', pattern: path('/__emulator/faults'), name: 'control', control: true,
      handle: (req) => {
        const isText = !req.contentType.toLowerCase().includes('json') && !req.contentType.toLowerCase().includes('form');
        const spec = isText ? req.body.toString('utf8') : (stringParam(req.params, 'faults') ?? stringParam(req.params, 'spec') ?? '');
        try {
          if (stringParam(req.params, 'mode') === 'add') core.faults.add(spec);
          else core.faults.replace(spec);
        } catch (err) {
          if (err instanceof FaultSpecError) return badRequest({ errors: [{ message: err.message }] });
          throw err;
        }
        if (req.params.rateLimit !== undefined) {
          const r = req.params.rateLimit as unknown as RateLimitOptions | null;
          setBucket(new LeakyBucket(r && typeof r === 'object' ? { ...r, budget: Number(r.budget) } : undefined));
        }
        return json({ faults: core.faults.pending() });
      },
    },
    { method: 'GET', pattern: path('/__emulator/faults'), name: 'control', control: true, handle: () => json({ faults: core.faults.pending() }) },
    { method: 'GET', pattern: path('/__emulator/state'), name: 'control', control: true, handle: () => json(dump()) },
  ];
}
