/**
 * Files on disk are parsed while they are read (one 4 MiB window, reused) and hashed as they go:
 * the table and the digest must be those of the whole file, whether the fast path reads it to the
 * end or hands it to the robust path halfway.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvColumns, type CsvColumns } from '../../engine/util/csv.js';
import { parseCsvFileColumns } from '../../engine/util/csv-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rosterops-csv-file-'));

function written(name: string, text: string): { path: string; bytes: Buffer } {
  const path = join(dir, name);
  const bytes = Buffer.from(text, 'utf8');
  writeFileSync(path, bytes);
  return { path, bytes };
}

function rows(t: CsvColumns): string[][] {
  return Array.from({ length: t.rowCount }, (_, r) => t.columns.map((c) => c.values[c.codes[r]!]!));
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('CSV files read piece by piece', () => {
  it('a file larger than the window: same table as reading it whole, digest of every byte', () => {
    const lines = ['\ufeffsourcedId,classSourcedId,userSourcedId,role,name'];
    // ~7 MB: the window moves on about twice; long, repeated and non-ASCII values cross its edges.
    for (let i = 0; i < 110_000; i++) lines.push(`enrollment-${i},cls-e${i % 97}-ART01-Y-01,s${100000 + (i % 5000)},${i % 9 ? 'student' : 'teacher'},Zoë Ødegård-Nguyễn ${i % 13}`);
    const { path, bytes } = written('big.csv', `${lines.join('\r\n')}\r\n`);
    expect(bytes.length).toBeGreaterThan(6 << 20);
    const parsed = parseCsvFileColumns(path, 'big.csv');
    const whole = parseCsvColumns(bytes, 'big.csv');
    expect(parsed.table.header).toEqual(whole.header);
    expect(rows(parsed.table)).toEqual(rows(whole));
    expect(parsed.sha256).toBe(sha256(bytes));
    expect(parsed.byteLength).toBe(bytes.length);
  });

  it('a file the fast path gives up on (a quoted line break) is read whole by the robust path, and hashed once', () => {
    const { path, bytes } = written('quoted.csv', 'id,note\n1,plain\n2,"two\nlines"\n3,"with ""quotes"""\n');
    const parsed = parseCsvFileColumns(path, 'quoted.csv');
    expect(rows(parsed.table)).toEqual([['1', 'plain'], ['2', 'two\nlines'], ['3', 'with "quotes"']]);
    expect(parsed.sha256).toBe(sha256(bytes));
  });

  it('bad input is reported with the file name, as for bytes in memory', () => {
    const path = join(dir, 'latin1.csv');
    writeFileSync(path, Buffer.from([0x69, 0x64, 0x0a, 0x31, 0xe9, 0x0a])); // "id\n1\xe9\n": café saved as Latin-1, not UTF-8
    expect(() => parseCsvFileColumns(path, 'latin1.csv')).toThrow(/latin1\.csv is not valid UTF-8/);
    const { path: empty } = written('empty.csv', '  \n');
    expect(() => parseCsvFileColumns(empty, 'empty.csv')).toThrow(/empty\.csv is empty/);
    expect(() => parseCsvFileColumns(join(dir, 'gone.csv'), 'gone.csv')).toThrow(/cannot read gone\.csv/);
  });
});
