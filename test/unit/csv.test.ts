import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { parseCsv, rowNumberOf } from '../../engine/util/csv.js';

describe('parseCsv', () => {
  it('strips a BOM and reads CRLF files', () => {
    const t = parseCsv('\ufeffa,b\r\n1,2\r\n3,4\r\n', 'x.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([['1', '2'], ['3', '4']]);
  });

  it('keeps quoted commas, quotes and lists intact', () => {
    const t = parseCsv('id,list\n1,"t1,t2"\n2,"say ""hi"""\n', 'x.csv');
    expect(t.rows).toEqual([['1', 't1,t2'], ['2', 'say "hi"']]);
  });

  it('pads short rows instead of merging them into the next line, and keeps line numbers', () => {
    const t = parseCsv('a,b,c\n1,2,3\n\n4,5\n6,7,8', 'x.csv');
    expect(t.rows).toEqual([['1', '2', '3'], ['4', '5', ''], ['6', '7', '8']]);
    expect([0, 1, 2].map((i) => rowNumberOf(t, i))).toEqual([2, 4, 5]);
  });

  it('warns about extra fields and drops trailing empty header cells', () => {
    const t = parseCsv('a,b,,\n1,2\n3,4,5\n', 'x.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([['1', '2'], ['3', '4']]);
    expect(t.diagnostics.map((d) => [d.code, d.line])).toEqual([['csv.extra-fields', 3]]);
  });

  it('rejects invalid UTF-8 and unterminated quotes with a location', () => {
    expect(() => parseCsv(new Uint8Array([0x61, 0x0a, 0xff]), 'bad.csv')).toThrow(/not valid UTF-8/);
    expect(() => parseCsv('a,b\n1,"open\n', 'q.csv')).toThrow(/q.csv is not valid CSV/);
  });

  it('property: any table written by csv-stringify reads back identically', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', ' ', 'é', '\n', '1') , maxLength: 6 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 20 }), (width, raw) => {
        const header = Array.from({ length: width }, (_, i) => `c${i}`);
        // Rows whose cells are all blank are skipped by design (Canvas does the same).
        const rows = raw.map((r) => r.slice(0, width)).filter((r) => r.some((v) => v.trim() !== ''));
        const text = stringify([header, ...rows]);
        const t = parseCsv(text, 'p.csv');
        expect(t.header).toEqual(header);
        expect(t.rows).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
