/**
 * The sourcedId of each row of a file, trimmed as `cell` trims it, and the rows that repeat an
 * earlier row's id. enrollments.csv keeps its sourcedIds as bytes (util/kept-values.ts): they are
 * hashed and compared as bytes, and made into strings only for the rows that need one.
 */
import type { CsvColumn, CsvColumns } from '../../util/csv.js';
import type { KeptValues } from '../../util/kept-values.js';
import { earlierRowsOfRepeatedIds, earlierRowsOfRepeats, fnv1aBytes } from '../../util/repeats.js';
import { trimmed } from './cells.js';

export interface RowIds {
  /** Whether row i has no id (a blank cell, or no sourcedId column). */
  isEmpty(i: number): boolean;
  idAt(i: number): string;
  /** For each row whose id repeats an earlier row's, that earlier row (-1 for the others); null when none repeats. */
  readonly earlierRows: Int32Array | null;
}

export function rowIdsOf(table: CsvColumns, index: number): RowIds {
  if (index < 0) return { isEmpty: () => true, idAt: () => '', earlierRows: null };
  const column = table.columns[index]!;
  return column.kept ? keptRowIds(column.codes, column.kept) : textRowIds(column, table.rowCount);
}

function textRowIds({ codes, values }: CsvColumn, rowCount: number): RowIds {
  const byCode = values.map(trimmed);
  const ids = new Array<string>(rowCount);
  for (let i = 0; i < rowCount; i++) ids[i] = byCode[codes[i]!]!;
  return { isEmpty: (i) => ids[i] === '', idAt: (i) => ids[i]!, earlierRows: earlierRowsOfRepeatedIds(ids) };
}

function keptRowIds(codes: Uint16Array | Int32Array, kept: KeptValues): RowIds {
  const { bytes } = kept;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A value with a blank at either end is trimmed as text; the others are their bytes.
  const trimmedText = new Map<number, string>();
  const hashOfCode = new Uint32Array(kept.count);
  for (let code = 1; code < kept.count; code++) {
    const s = kept.start(code);
    const e = kept.end(code);
    if (s < e && bytes[s]! > 32 && bytes[e - 1]! > 32) {
      hashOfCode[code] = fnv1aBytes(view, s, e);
      continue;
    }
    const text = trimmed(kept.text(code));
    trimmedText.set(code, text);
    const own = Buffer.from(text, 'utf8');
    hashOfCode[code] = fnv1aBytes(new DataView(own.buffer, own.byteOffset, own.byteLength), 0, own.length);
  }
  const textOf = (code: number): string => (code === 0 ? '' : trimmedText.get(code) ?? kept.text(code));
  const isEmpty = (i: number): boolean => {
    const code = codes[i]!;
    return code === 0 || trimmedText.get(code) === '';
  };
  const sameBytes = (a: number, b: number): boolean => {
    const s = kept.start(a);
    const t = kept.start(b);
    const length = kept.end(a) - s;
    if (kept.end(b) - t !== length) return false;
    for (let k = 0; k < length; k++) if (bytes[s + k] !== bytes[t + k]) return false;
    return true;
  };
  const hashes = new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) hashes[i] = hashOfCode[codes[i]!]!;
  const earlierRows = earlierRowsOfRepeats(hashes, isEmpty, (a, b) => {
    const ca = codes[a]!;
    const cb = codes[b]!;
    if (ca === cb) return true;
    return trimmedText.has(ca) || trimmedText.has(cb) ? textOf(ca) === textOf(cb) : sameBytes(ca, cb);
  });
  return { isEmpty, idAt: (i) => textOf(codes[i]!), earlierRows };
}
