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

/**
 * For each query, the index of the last key equal to it (-1 when none), and whether any non-empty
 * key repeats: a join of a couple of hundred thousand ids (Canvas logins' SIS ids against the
 * desired users') by sorting hashes, as above, rather than filling and probing a Map of them.
 * Empty keys and queries never match.
 */
export function lastIndexOfEach(keys: readonly (string | null)[], queries: readonly string[]): { found: Int32Array; keysRepeat: boolean } {
  const n = keys.length;
  const hashes = new Uint32Array(n + queries.length);
  for (let i = 0; i < n; i++) hashes[i] = fnv1a(keys[i] ?? '');
  for (let q = 0; q < queries.length; q++) hashes[n + q] = fnv1a(queries[q]!);
  const order = sortIndexesByKey(hashes);
  const found = new Int32Array(queries.length).fill(-1);
  let keysRepeat = false;
  for (let a = 0; a < order.length; ) {
    const hash = hashes[order[a]!]!;
    let b = a + 1;
    while (b < order.length && hashes[order[b]!] === hash) b++;
    // A run holds the keys first (lower indexes, and the sort is stable), in order, then the queries.
    for (let x = a + 1; x < b; x++) {
      const at = order[x]!;
      const text = at < n ? keys[at] ?? '' : queries[at - n]!;
      if (text === '') continue;
      for (let y = x - 1; y >= a; y--) {
        const k = order[y]!;
        if (k >= n || keys[k] !== text) continue;
        if (at < n) keysRepeat = true;
        else found[at - n] = k;
        break;
      }
    }
    a = b;
  }
  return { found, keysRepeat };
}
