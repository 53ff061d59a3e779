/**
 * Test-only control endpoints (same token; never faulted or throttled):
 * - `POST /__emulator/faults` body `{"faults":"<spec>","mode":"replace"|"add","rateLimit":{...}|null}`
 *   (or a plain-text spec body) → `{"faults":[pending rules]}`; `GET` returns the same;
 * - `GET /__emulator/state` → the state dump (`dump()` of index.ts);
 * - `POST /__emulator/sis-imports/running` body `{"ms": N}` → starts an SIS import (no rows) that
 *   stays `importing` for N ms and then ends `imported`: another job's import, running when a client
 *   comes. (It does not hold back the batches queued after it, as Canvas's strand would; a client
 *   that waits for it, as rosterops does, cannot tell.) Answers its SisImport JSON;
 * - `GET /__emulator/sis-imports/uploads` → `{"uploads":[{id, workflow_state, created_at, bytes,
 *   content_sha256, files}]}`: what each import was sent, digested over the unpacked CSVs (name
 *   and bytes, sorted) and as CSV text by file name, so a test can count imports of the same rows
 *   whatever the zip's timestamps.
 */
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { EmulatorCore } from './core.js';
import { FaultSpecError } from './faults.js';
import { path, type Route } from './http.js';
import { stringParam } from './params.js';
import { badRequest, json } from './responses.js';
import { SisBatch } from './sis-batch.js';
import { nowIso } from './store.js';
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
    {
      method: 'POST', pattern: path('/__emulator/sis-imports/running'), name: 'control', control: true,
      handle: (req) => {
        const ms = Number(stringParam(req.params, 'ms') ?? req.params.ms ?? 0);
        if (!Number.isFinite(ms) || ms < 0) return badRequest({ errors: [{ message: 'ms must be a non-negative number of milliseconds' }] });
        return json(startRunningImport(core, ms).toJson(req.baseUrl, core.files));
      },
    },
    {
      method: 'GET', pattern: path('/__emulator/sis-imports/uploads'), name: 'control', control: true,
      handle: () => json({
        uploads: core.sis.all.map((b) => ({
          id: b.id, workflow_state: b.workflowState, created_at: b.createdAt, bytes: b.upload.bytes.byteLength, content_sha256: contentDigest(b.upload.bytes), files: unpacked(b.upload.bytes),
        })),
      }),
    },
  ];
}

function startRunningImport(core: EmulatorCore, ms: number): SisBatch {
  const batch = new SisBatch(core.nextSisBatchId(), { filename: 'sis_import.zip', bytes: new Uint8Array() });
  batch.workflowState = 'importing';
  batch.startedAt = nowIso();
  batch.data.counts = {};
  core.sis.enqueue(batch);
  core.scheduler.schedule(() => {
    batch.workflowState = 'imported';
    batch.progress = 100;
    batch.endedAt = nowIso();
    batch.touch();
    core.sis.kick();
  }, ms);
  return batch;
}

/** The CSV texts of an upload, by file name (test-only: they hold personal data). */
function unpacked(bytes: Uint8Array): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, data]) => [name, new TextDecoder().decode(data)]));
  } catch {
    return {};
  }
}

/** sha256 over the unpacked files (sorted by name); a body that is not a zip is digested as it is. */
function contentDigest(bytes: Uint8Array): string {
  const hash = createHash('sha256');
  try {
    const files = unzipSync(bytes);
    for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]!.byteLength}\0`).update(files[name]!);
  } catch {
    hash.update(bytes);
  }
  return hash.digest('hex');
}
