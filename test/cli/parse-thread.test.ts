/**
 * The Canvas snapshot and the SIS export's enrollments.csv parsed on a second thread
 * (util/parse-thread.ts, readers/background-parse.ts) must change nothing but
 * the time: the same plan file, the same warnings, the same errors in the same order, for a
 * directory and a zip, and no process left waiting on a thread when the SIS side fails first.
 * Through the compiled CLI, where the thread really runs (ROSTEROPS_PARSE_THREAD=on forces it on
 * a district small enough to test; `off` is the single-thread reading).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOneRosterExport, writeCanvasSnapshot } from '../../engine/gen/cli.js';
import { parseThreadWanted } from '../../engine/util/parse-thread.js';
import { ROOT, runCli, runCliAsync, type CliResult } from '../support/workspace.js';

let root: string;
let sis: string;
let canvas: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rosterops-parse-thread-'));
  const generated = await generateOneRosterExport({ students: 1500, seed: 7, out: root });
  sis = generated.dir;
  await writeCanvasSnapshot(generated.spec, root, { policies: join(ROOT, 'policies'), drift: 3, example: false, seed: 7 });
  canvas = join(root, 'canvas-snapshot');
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function plan(canvasPath: string, thread: 'on' | 'off', out: string, sisPath = sis): CliResult {
  return runCli(['plan', '--sis', sisPath, '--canvas-snapshot', canvasPath, '--format', 'json', '--out', join(root, out)], { env: { ROSTEROPS_PARSE_THREAD: thread } });
}

/** A copy of the snapshot with one file replaced. */
function snapshotWith(name: string, file: string, content: string | Uint8Array): string {
  const dir = join(root, name);
  cpSync(canvas, dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

function zipOf(dir: string, name: string): string {
  const entries: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir)) entries[`provisioning/${f}`] = readFileSync(join(dir, f));
  const path = join(root, name);
  writeFileSync(path, zipSync(entries));
  return path;
}

describe('a Canvas snapshot parsed on the parse thread', () => {
  it('gives the same plan file and output as the single-thread reading, from a directory and from a zip', () => {
    const off = plan(canvas, 'off', 'off.json');
    const on = plan(canvas, 'on', 'on.json');
    expect(off.code, off.stderr).toBe(0);
    expect(on.code, on.stderr).toBe(0);
    const planned = readFileSync(join(root, 'off.json'), 'utf8');
    expect(JSON.parse(planned).operations.length).toBeGreaterThan(0);
    expect(readFileSync(join(root, 'on.json'), 'utf8')).toBe(planned);
    expect(on.stdout).toBe(off.stdout);
    expect(on.stderr.replace('on.json', 'off.json')).toBe(off.stderr);

    const zip = zipOf(canvas, 'report.zip');
    const zipped = plan(zip, 'on', 'zip-on.json');
    expect(zipped.code, zipped.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'zip-on.json'), 'utf8')).planId).toBe(JSON.parse(planned).planId);
  });

  it('raises a broken file\'s located error exactly as the single-thread reading does', () => {
    const badBytes = snapshotWith('bad-utf8', 'users.csv', Buffer.concat([readFileSync(join(canvas, 'users.csv')), Buffer.from([0x31, 0xff, 0xfe, 0x0a])]));
    const off = plan(badBytes, 'off', 'x.json');
    const on = plan(badBytes, 'on', 'x.json');
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/users\.csv is not valid UTF-8/);
    expect(on.code).toBe(1);
    expect(on.stderr).toBe(off.stderr);

    // Errors in two files: both readings report both, in the same order, with their rows.
    const blank = (file: string, column: string, dir: string) => {
      const lines = readFileSync(join(canvas, file), 'utf8').split('\n');
      const row = lines[1]!.split(',');
      row[lines[0]!.split(',').indexOf(column)] = '';
      writeFileSync(join(dir, file), [lines[0], row.join(','), ...lines.slice(2)].join('\n'));
    };
    const twoBad = snapshotWith('two-bad', 'terms.csv', readFileSync(join(canvas, 'terms.csv')));
    blank('enrollments.csv', 'role', twoBad);
    blank('courses.csv', 'status', twoBad);
    const off2 = plan(twoBad, 'off', 'y.json');
    const on2 = plan(twoBad, 'on', 'y.json');
    expect(off2.code).toBe(1);
    expect(off2.stderr).toMatch(/enrollments\.csv:2:/);
    expect(off2.stderr).toMatch(/courses\.csv:2:/);
    expect(on2.stderr).toBe(off2.stderr);
    expect(readdirSync(root)).not.toContain('y.json');
  });

  it('a zip that cannot be read is the same located error on the thread', () => {
    const zip = zipOf(canvas, 'cut.zip');
    const bytes = readFileSync(zip);
    // Keep the listing (central directory) but damage the first entry's compressed data.
    bytes.fill(0x55, 200, 4000);
    writeFileSync(zip, bytes);
    const off = plan(zip, 'off', 'z.json');
    const on = plan(zip, 'on', 'z.json');
    expect(off.code).toBe(1);
    expect(on.code).toBe(1);
    expect(off.stderr).toMatch(/cut\.zip is not a readable zip/);
    expect(on.stderr).toBe(off.stderr);
  });

  it('stops the thread when the SIS side fails first: the SIS error, promptly, and the process ends', async () => {
    const brokenSis = join(root, 'broken-sis');
    cpSync(sis, brokenSis, { recursive: true });
    rmSync(join(brokenSis, 'users.csv'));
    // A thread left running would hold the process open: the test would time out.
    const r = await runCliAsync(['plan', '--sis', brokenSis, '--canvas-snapshot', canvas, '--out', join(root, 'w.json')], { env: { ROSTEROPS_PARSE_THREAD: 'on' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/users\.csv/);
    expect(r.stderr).not.toMatch(/canvas/i);
  });
});

describe('a SIS export whose enrollments.csv is parsed on the parse thread', () => {
  /** A copy of the export with some files' text changed. */
  function exportWith(name: string, edit: Record<string, (text: string) => string | Uint8Array>): string {
    const dir = join(root, name);
    cpSync(sis, dir, { recursive: true });
    for (const [file, change] of Object.entries(edit)) writeFileSync(join(dir, file), change(readFileSync(join(sis, file), 'utf8')));
    return dir;
  }
  /** Blanks `column` on data row `row` (1 = first) of a CSV text. */
  const blank = (column: string, row: number) => (text: string): string => {
    const lines = text.split('\n');
    const cells = lines[row]!.split(',');
    cells[lines[0]!.split(',').indexOf(column)] = '';
    lines[row] = cells.join(',');
    return lines.join('\n');
  };
  function zipOfExport(dir: string, name: string): string {
    const entries: Record<string, Uint8Array> = {};
    for (const f of readdirSync(dir)) entries[f] = readFileSync(join(dir, f));
    const path = join(root, name);
    writeFileSync(path, zipSync(entries));
    return path;
  }

  it('reports the problems of every file in the same order and words, from a folder and from a zip', () => {
    // users.csv and classes.csv: rows without a required value, reported by readers that run
    // before the reader takes the enrollments table up; enrollments.csv: a row without a class (its
    // reader's error), or a quote left open (its parse error, listed first, with the other parse errors).
    const rowErrors = { 'users.csv': blank('username', 2), 'classes.csv': blank('title', 4) };
    const rowBroken = exportWith('sis-rows', { ...rowErrors, 'enrollments.csv': blank('classSourcedId', 3) });
    const parseBroken = exportWith('sis-parse', { ...rowErrors, 'enrollments.csv': (t) => `${t}"unclosed,row\n` });
    for (const path of [rowBroken, zipOfExport(rowBroken, 'sis-rows.zip'), parseBroken, zipOfExport(parseBroken, 'sis-parse.zip')]) {
      const off = plan(canvas, 'off', 's.json', path);
      const on = plan(canvas, 'on', 's.json', path);
      expect(off.code).toBe(1);
      expect(off.stderr).toMatch(/enrollments\.csv:\d+/);
      expect(off.stderr).toMatch(/users\.csv:3:/);
      expect(off.stderr).toMatch(/classes\.csv:5:/);
      expect(on.stderr).toBe(off.stderr);
      expect(on.code).toBe(1);
    }
    const parseErrors = plan(canvas, 'on', 's.json', parseBroken).stderr;
    expect(parseErrors.indexOf('csv.malformed')).toBeGreaterThan(-1);
    expect(parseErrors.indexOf('csv.malformed')).toBeLessThan(parseErrors.indexOf('users.csv'));
  });

  it('an enrollments.csv that is not UTF-8 is the same located error, and a plan of a clean zip export is the same plan', () => {
    const bad = exportWith('sis-bad-utf8', { 'enrollments.csv': (t) => Buffer.concat([Buffer.from(t), Buffer.from([0x31, 0xff, 0x0a])]) });
    const off = plan(canvas, 'off', 'u.json', bad);
    const on = plan(canvas, 'on', 'u.json', bad);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/enrollments\.csv is not valid UTF-8/);
    expect(on.stderr).toBe(off.stderr);

    const zipped = zipOfExport(sis, 'sis.zip');
    const zOff = plan(canvas, 'off', 'z-off.json', zipped);
    const zOn = plan(canvas, 'on', 'z-on.json', zipped);
    expect(zOff.code, zOff.stderr).toBe(0);
    expect(readFileSync(join(root, 'z-on.json'), 'utf8')).toBe(readFileSync(join(root, 'z-off.json'), 'utf8'));
    expect(zOn.stdout).toBe(zOff.stdout);
  });
});

describe('when the parse thread is used', () => {
  it('auto: only for reports of 8 MiB or more; on and off override', () => {
    expect(parseThreadWanted(1024, undefined)).toBe(false);
    expect(parseThreadWanted(1024, 'on')).toBe(true);
    expect(parseThreadWanted(1 << 30, 'off')).toBe(false);
    // On a machine with one core there is nothing to gain.
    expect(parseThreadWanted(1 << 30, undefined)).toBe(availableParallelism() > 1);
  });
});
