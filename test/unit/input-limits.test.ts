/**
 * The pieces behind the input caps, on their own: the zip reader against archives a real archiver
 * writes, the NUL and cell-size checks whichever way a file is read, the Canvas URL rules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { DataError } from '../../engine/errors.js';
import { parseCsv, parseCsvColumns } from '../../engine/util/csv.js';
import { canvasUrlProblem } from '../../engine/util/canvas-url.js';
import { openLazyZip } from '../../engine/util/lazy-zip.js';
import { DEFAULT_LIMITS } from '../../engine/util/limits.js';
import { streamed } from '../support/csv-input.js';
import { bombEntry } from '../support/bad-inputs.js';
import { buildZip } from '../support/zip-builder.js';

const unreadable = (err: Error) => new DataError('zip.bad', err.message, { file: 't.zip' });

describe('the zip reader', () => {
  it('reads back every entry fflate wrote, stored or deflated, in archive order', () => {
    // Not all digits: fflate orders such names first, as objects order their keys.
    const name = fc.stringMatching(/^[a-zA-Z_é][a-zA-Z0-9_ .é-]{0,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(0, 1, 6, 9)), { maxLength: 6, selector: ([n]) => n }), (files) => {
        const archive = zipSync(Object.fromEntries(files.map(([n, data, level]) => [n, [data, { level }]])));
        const zip = openLazyZip(archive, unreadable, { label: 't.zip' });
        expect(zip.entries).toEqual(files.map(([n]) => n));
        for (const [n, data] of files) expect(zip.read(n)).toEqual(data);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a bomb from its directory, and stops one that lies at the size it declared', () => {
    const honest = buildZip([bombEntry('users.csv', 300)]);
    expect(() => openLazyZip(honest, unreadable, { label: 'b.zip' }).read('users.csv')).toThrow(/limit is 200/);
    const lying = buildZip([bombEntry('users.csv', 300, 1000)]);
    expect(() => openLazyZip(lying, unreadable, { label: 'b.zip' }).read('users.csv')).toThrow(/inflates past the 1,000 bytes its directory declares/);
    const tooMany = buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.csv`, data: new Uint8Array(1) })));
    expect(() => openLazyZip(tooMany, unreadable, { label: 'm.zip', limits: { ...DEFAULT_LIMITS, zipEntries: 4 } })).toThrow(expect.objectContaining({ code: 'limits.zipEntries' }));
  });
});

describe('NULs and oversized cells', () => {
  const text = 'id,name\n1,Ann\n2,Bo\u0000b\n3,Cy\n';

  it('are located by row and column however the file is read, and the cell is never quoted', () => {
    const bytes = new TextEncoder().encode(text);
    for (const input of [text, bytes, streamed(bytes, 4), streamed(bytes, 9), streamed(bytes, 64)]) {
      expect(() => parseCsvColumns(input, 'u.csv')).toThrow(expect.objectContaining({ code: 'csv.nul', location: { file: 'u.csv', line: 3, column: 2, field: 'name' } }));
    }
    expect(() => parseCsv(text, 'u.csv')).toThrow(expect.objectContaining({ code: 'csv.nul', location: { file: 'u.csv', line: 3, column: 2, field: 'name' } }));
    try {
      parseCsvColumns(text, 'u.csv');
    } catch (err) {
      expect((err as Error).message).not.toContain('Bo');
    }
  });

  it('a NUL in a file the robust path reads (a quoted line break) is found too', () => {
    expect(() => parseCsvColumns('id,name\n1,"two\nlines"\n2,x\u0000\n', 'r.csv')).toThrow(expect.objectContaining({ code: 'csv.nul', location: expect.objectContaining({ line: 4, field: 'name' }) }));
  });

  it('a cell over cellBytes is an error at its row, a cell at the limit is not', () => {
    const limits = { cellBytes: 10, rows: 100 };
    expect(parseCsvColumns('id,name\n1,abcdefghij\n', 'c.csv', { limits }).rowCount).toBe(1);
    expect(() => parseCsvColumns('id,name\n1,abc\n2,abcdefghijk\n', 'c.csv', { limits })).toThrow(expect.objectContaining({ code: 'limits.cellBytes', location: { file: 'c.csv', line: 3, column: 2, field: 'name' } }));
    // Counted in UTF-8 bytes: four 3-byte characters are 12 bytes.
    expect(() => parseCsvColumns('id,name\n1,€€€€\n', 'c.csv', { limits })).toThrow(/limits\.cellBytes|12 bytes/);
    expect(() => parseCsvColumns('id\n1\n2\n3\n', 'r.csv', { limits: { cellBytes: 10, rows: 2 } })).toThrow(expect.objectContaining({ code: 'limits.rows' }));
  });
});

describe('Canvas URLs', () => {
  it.each([
    ['https://district.instructure.com', null],
    ['http://127.0.0.1:8900', null],
    ['https://district.instructure.com/', null],
    ['https://lms.example.org/canvas', null],
    ['ftp://district.instructure.com', /scheme is ftp/],
    ['http://', /not a valid URL/],
    ['district.instructure.com', /not an absolute URL/],
    ['https://district.instructure.com/api/v1', /part of the API/],
    ['https://district.instructure.com?x=1', /query/],
    ['https://district.instructure.com#x', /fragment/],
    ['https://a:b@district.instructure.com', /user name or password/],
    [' https://district.instructure.com', /space/],
    ['', /empty/],
  ])('%j', (url, problem) => {
    const found = canvasUrlProblem(url);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });
});
