/**
 * The parse thread only ever saves time: a thread that cannot start, dies, or stops early leaves
 * its files to the main thread, which parses them as it always did; a file's own error comes
 * back as the same typed error. (The real worker is exercised through the CLI in
 * test/cli/parse-thread.test.ts; here stand-in worker scripts misbehave on purpose.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../engine/errors.js';
import { parseCsvFileColumns } from '../../engine/util/csv-file.js';
import { ParseThread } from '../../engine/util/parse-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'rosterops-parse-thread-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csv = join(dir, 'users.csv');
writeFileSync(csv, 'user_id,login_id,status\ns1,ana,active\ns2,"bo, jr",deleted\n');
const jobs = [{ path: csv, label: 'users.csv' }, { path: csv, label: 'again.csv' }];

function script(name: string, body: string): URL {
  const path = join(dir, name);
  writeFileSync(path, body);
  return pathToFileURL(path);
}

describe('ParseThread', () => {
  it.each([
    ['throws as it starts', 'throw new Error("boom");'],
    ['ends without sending anything', 'process.exit(0);'],
    ['sends one file, then dies', `import { parentPort } from 'node:worker_threads';
      parentPort.postMessage({ index: 0, outcome: { error: { kind: 'internal' } } });
      throw new Error('gone');`],
  ])('a thread that %s leaves its files to the main thread: same tables, same digests', async (_, body) => {
    const thread = ParseThread.start(jobs, script(`w-${body.length}.mjs`, body));
    expect(thread).not.toBeNull();
    for (const [i, job] of jobs.entries()) {
      const here = parseCsvFileColumns(job.path, job.label);
      const taken = await thread!.take(i);
      expect(taken.sha256).toBe(here.sha256);
      expect(taken.table.header).toEqual(['user_id', 'login_id', 'status']);
      expect(taken.table.columns.map((c) => Array.from(c.codes, (code) => c.values[code]))).toEqual(here.table.columns.map((c) => Array.from(c.codes, (code) => c.values[code])));
      expect(taken.table.file).toBe(job.label);
    }
  });

  it('a file\'s own error comes back as the typed error, with its location and hint', async () => {
    const thread = ParseThread.start(jobs, script('data-error.mjs', `import { parentPort, workerData } from 'node:worker_threads';
      Atomics.store(workerData.claims, 0, 1);
      Atomics.store(workerData.claims, 1, 1);
      const error = { kind: 'data', code: 'csv.encoding', message: 'users.csv is not valid UTF-8', location: { file: 'users.csv', line: 3 }, hint: 'Save it as UTF-8.',
        diagnostics: [{ severity: 'error', code: 'csv.encoding', message: 'users.csv is not valid UTF-8', file: 'users.csv', line: 3 }] };
      parentPort.postMessage({ index: 0, outcome: { error } });
      parentPort.postMessage({ index: 1, outcome: { error } });`));
    // Wait until the stand-in has claimed both files (else the main thread parses them itself).
    while (Atomics.load((thread as unknown as { claims: Int32Array }).claims, 1) === 0) await new Promise((r) => setTimeout(r, 5));
    const err = await thread!.take(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: 'csv.encoding', location: { file: 'users.csv', line: 3 }, hint: 'Save it as UTF-8.' });
  });

  it('a file the thread has not started is parsed here at once, and the thread skips it', async () => {
    // The stand-in claims the first file, works on it for a while, then reports whether it could
    // still claim the second: the main thread asked for that one meanwhile, so it must not.
    const thread = ParseThread.start(jobs, script('slow.mjs', `import { parentPort, workerData } from 'node:worker_threads';
      Atomics.store(workerData.claims, 0, 1);
      await new Promise((r) => setTimeout(r, 400));
      parentPort.postMessage({ index: 0, outcome: { error: { kind: 'internal' } } });
      const second = Atomics.compareExchange(workerData.claims, 1, 0, 1) === 0;
      parentPort.postMessage(second ? { index: 1, outcome: { error: { kind: 'data', code: 'x', message: 'the thread took it', location: {}, hint: '', diagnostics: [] } } } : { index: 1, skipped: true });`));
    while (Atomics.load((thread as unknown as { claims: Int32Array }).claims, 0) === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await thread!.take(1);
    expect(second.table.file).toBe('again.csv');
    expect((await thread!.take(0)).table.file).toBe('users.csv'); // the stand-in gave up on it: parsed here
  });

  it('no thread where its script is absent (running from the sources): the caller parses as before', () => {
    expect(ParseThread.start(jobs, pathToFileURL(join(dir, 'absent.js')))).toBeNull();
  });
});
