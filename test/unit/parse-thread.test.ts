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
    const thread = ParseThread.start(jobs, script('data-error.mjs', `import { parentPort } from 'node:worker_threads';
      const error = { kind: 'data', code: 'csv.encoding', message: 'users.csv is not valid UTF-8', location: { file: 'users.csv', line: 3 }, hint: 'Save it as UTF-8.',
        diagnostics: [{ severity: 'error', code: 'csv.encoding', message: 'users.csv is not valid UTF-8', file: 'users.csv', line: 3 }] };
      parentPort.postMessage({ index: 0, outcome: { error } });
      parentPort.postMessage({ index: 1, outcome: { error } });`));
    const err = await thread!.take(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: 'csv.encoding', location: { file: 'users.csv', line: 3 }, hint: 'Save it as UTF-8.' });
  });

  it('no thread where its script is absent (running from the sources): the caller parses as before', () => {
    expect(ParseThread.start(jobs, pathToFileURL(join(dir, 'absent.js')))).toBeNull();
  });
});
