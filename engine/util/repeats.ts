/** Finding repeated strings among a million without a Map of them: their hashes are sorted. */
import { sortIndexesByKey } from './row-order.js';

/**
 * For each string that repeats an earlier one (a sourcedId in a file, an id a formula built), the
 * index of that earlier one (-1 for the others); null when none repeats. Empty strings never count.
 * Hashes are sorted rather than inserted into a table: with a million strings a hash table is
 * dominated by cache misses, while a radix sort of 32-bit hashes walks memory in order. Only
 * strings whose hashes agree are compared.
 */
export function earlierRowsOfRepeatedIds(ids: readonly string[]): Int32Array | null {
  const hashes = new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) hashes[i] = fnv1a(ids[i]!);
  return earlierRowsOfRepeats(hashes, (row) => ids[row] === '', (a, b) => ids[a] === ids[b]);
}

/**
 * The same for keys that are not strings (ids kept as bytes): `hashes` has one hash per row, equal
 * for equal keys; `isEmpty` rows never count; `same` compares two rows' keys.
 */
export function earlierRowsOfRepeats(hashes: Uint32Array, isEmpty: (row: number) => boolean, same: (a: number, b: number) => boolean): Int32Array | null {
  const n = hashes.length;
  const order = sortIndexesByKey(hashes);
  let earlier: Int32Array | null = null;
  for (let a = 0; a < n; ) {
    const hash = hashes[order[a]!]!;
    let b = a + 1;
    while (b < n && hashes[order[b]!] === hash) b++;
    // Within a run the order is the file order (the sort is stable), so the first match is the earliest row.
    for (let x = a + 1; x < b; x++) {
      const row = order[x]!;
      if (isEmpty(row)) continue;
      for (let y = a; y < x; y++) {
        const candidate = order[y]!;
        if (same(candidate, row) && (earlier === null || earlier[candidate] === -1)) {
          earlier ??= new Int32Array(n).fill(-1);
          earlier[row] = candidate;
          break;
        }
      }
    }
    a = b;
  }
  return earlier;
}

/** 32-bit FNV-1a over bytes [start, end): 4-byte words (little-endian, counted from start), then the last bytes. */
export function fnv1aBytes(view: DataView, start: number, end: number): number {
  let hash = 0x811c9dc5;
  let k = start;
  for (; k + 4 <= end; k += 4) hash = Math.imul(hash ^ view.getUint32(k, true), 0x01000193);
  for (; k < end; k++) hash = Math.imul(hash ^ view.getUint8(k), 0x01000193);
  return hash >>> 0;
}

/** 32-bit FNV-1a over the UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash >>> 0;
}
