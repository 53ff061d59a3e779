/**
 * Columns kept as bytes (enrollments.csv's sourcedIds): the values, the rows' trimmed ids, blank
 * ids and repeated ids must be exactly those of the same column read as strings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROVISIONING_COLUMNS } from '../../engine/canvas/columns.js';
import { readCanvasReport } from '../../engine/readers/canvas-report.js';
import { rowIdsOf } from '../../engine/readers/oneroster/row-ids.js';
import { cellText, parseCsvColumns, type CsvColumns } from '../../engine/util/csv.js';
import { streamed } from '../support/csv-input.js';
import { packForTransfer, unpackAfterTransfer } from '../../engine/util/parse-thread.js';


const keepIds = { keep: ['sourcedid'] };

/** Ids that a column stops interning for (thousands of different ones), then the awkward ones. */
const awkward = fc.constantFrom('', ' ', '  e7 ', '"q,1"', '"q""2"', 'é-ü', ' ñ', '\u00a0x', 'x\u00a0', '\t9\t', 'en-1', 'en-2', ' en-3', 'en-3', '"en-1"');

/** A file of `count` distinct ids with `extra` cells (awkward ones, or copies of earlier ids) put in at the given rows. */
function fileOf(count: number, extra: [number, string | number][]): string {
  const ids = Array.from({ length: count }, (_, i) => `enr-${(i * 7919) % 100_003}-${i}`);
  for (const [at, cell] of extra) ids.splice(at % (ids.length + 1), 0, typeof cell === 'number' ? ids[cell % ids.length]! : cell);
  return `sourcedId,role\n${ids.map((id, i) => `${id},${i % 3 === 0 ? 'teacher' : 'student'}`).join('\n')}\n`;
}

function compare(plain: CsvColumns, kept: CsvColumns): void {
  const a = plain.columns[0]!;
  const b = kept.columns[0]!;
  expect(b.kept, 'the id column is kept as bytes').toBeDefined();
  expect(a.kept).toBeUndefined();
  expect(kept.rowCount).toBe(plain.rowCount);
  for (let i = 0; i < plain.rowCount; i++) expect(cellText(b, b.codes[i]!)).toBe(a.values[a.codes[i]!]);
  expect(Array.from(b.codes, (c) => b.values[c])).toEqual(Array.from(a.codes, (c) => a.values[c]));
  expect(kept.columns[1]!.values).toEqual(plain.columns[1]!.values); // other columns are untouched
  const x = rowIdsOf(plain, 0);
  const y = rowIdsOf(kept, 0);
  for (let i = 0; i < plain.rowCount; i++) {
    expect(y.isEmpty(i)).toBe(x.isEmpty(i));
    expect(y.idAt(i)).toBe(x.idAt(i));
  }
  expect(y.earlierRows === null ? null : Array.from(y.earlierRows)).toEqual(x.earlierRows === null ? null : Array.from(x.earlierRows));
}

describe('columns kept as bytes', () => {
  it('give the same values, trimmed ids, blanks and repeats as the column read as text', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.oneof(awkward, fc.nat())), { maxLength: 12 }), fc.boolean(), (extra, stream) => {
      const text = fileOf(4_600, extra);
      const bytes = Buffer.from(text, 'utf8');
      const input = () => (stream ? streamed(bytes, 8_192) : bytes);
      compare(parseCsvColumns(input(), 'enrollments.csv'), parseCsvColumns(input(), 'enrollments.csv', keepIds));
    }), { numRuns: 25 });
  });

  it('a repeated id is found whether it repeats a value made before or after the column switched to bytes', () => {
    // Row 3's id was made as text before the switch (after 4,096 lookups); row 4,999's was kept as bytes.
    const text = fileOf(6_000, [[5_000, 3], [5_500, 4_999], [20, ' enr-0-0 ']]);
    const table = parseCsvColumns(Buffer.from(text), 'enrollments.csv', keepIds);
    const ids = rowIdsOf(table, 0);
    const firstRow = new Map<string, number>();
    const expected: [number, number][] = [];
    for (let row = 0; row < table.rowCount; row++) {
      const id = ids.idAt(row);
      const first = firstRow.get(id);
      if (first === undefined) firstRow.set(id, row);
      else expected.push([row, first]);
    }
    expect(expected).toHaveLength(3);
    expect(Array.from(ids.earlierRows!).flatMap((first, row) => (first === -1 ? [] : [[row, first]]))).toEqual(expected);
  });

  it('a column of few values is not kept, whatever it is called', () => {
    const text = `sourcedId,role\n${Array.from({ length: 9_000 }, (_, i) => `s${i % 50},student`).join('\n')}\n`;
    expect(parseCsvColumns(Buffer.from(text), 'enrollments.csv', keepIds).columns[0]!.kept).toBeUndefined();
  });
});

describe('columns kept as bytes across threads and in the Canvas report', () => {
  it('a table packed for the parse thread arrives with the same values, its buffers moved', async () => {
    const text = fileOf(5_000, [[7, 'ü-1'], [4_800, 2]]);
    const original = parseCsvColumns(Buffer.from(text), 'enrollments.csv', keepIds);
    const expected = Array.from(original.columns[0]!.codes, (c) => cellText(original.columns[0]!, c));
    const table = parseCsvColumns(Buffer.from(text), 'enrollments.csv', keepIds);
    const moved = packForTransfer(table);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<CsvColumns>((resolve) => port2.once('message', (m: CsvColumns) => resolve(m)));
    port1.postMessage(table, moved);
    const arrived = await received;
    port1.close();
    expect(moved.every((b) => b.byteLength === 0), 'moved, not copied').toBe(true);
    unpackAfterTransfer(arrived);
    const column = arrived.columns[0]!;
    expect(column.kept).toBeDefined();
    expect(Array.from(column.codes, (c) => cellText(column, c))).toEqual(expected);
    expect(arrived.columns[1]!.values).toEqual(original.columns[1]!.values);
  });

  it('every Canvas enrollment keeps its canvas_enrollment_id when the report is large enough to keep them as bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rosterops-kept-'));
    try {
      const header = PROVISIONING_COLUMNS.enrollments;
      const rows = Array.from({ length: 6_000 }, (_, i) => header.map((h) => {
        switch (h) {
          // One quoted id (Canvas ids are whole numbers: the reader refuses any other).
          case 'canvas_enrollment_id': return i === 17 ? '"917"' : String(900_000 + i * 3);
          case 'course_id': case 'section_id': return `cls-${i % 40}`;
          case 'user_id': return `s${i}`;
          case 'canvas_user_id': return String(5_000 + i);
          case 'role': return 'student';
          case 'status': return 'active';
          case 'created_by_sis': return 'true';
          case 'base_role_type': return 'StudentEnrollment';
          default: return '';
        }
      }).join(','));
      writeFileSync(join(dir, 'enrollments.csv'), `${header.join(',')}\n${rows.join('\n')}\n`);
      const state = await readCanvasReport(dir);
      expect(state.enrollments).toHaveLength(6_000);
      expect(state.enrollments.map((e) => e.canvas_enrollment_id)).toEqual(Array.from({ length: 6_000 }, (_, i) => (i === 17 ? '917' : String(900_000 + i * 3))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
