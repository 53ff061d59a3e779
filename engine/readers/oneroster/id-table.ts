/** sourcedId hashing: the small hash table behind the registries, and the finder of repeated ids. */
import { sortIndexesByKey } from './row-order.js';

/**
 * sourcedId → ordinal, as an open-addressing table with the hash stored beside the ordinal.
 * enrollments.csv looks up a class, a user and a school per row; against a Map this was the
 * largest cost of the whole conversion (each lookup chases several scattered heap objects),
 * while here a probe reads one compact array and compares strings only when hashes agree.
 */
export class IdIndex {
  readonly ids: string[] = [];
  private slots = new Int32Array(32); // pairs: ordinal + 1 (0 = empty), hash
  private mask = 15;

  add(id: string): void {
    if ((this.ids.length + 1) * 2 > this.mask + 1) this.grow();
    this.ids.push(id);
    this.place(fnv1a(id) | 0, this.ids.length);
  }

  ordinalOf(id: string): number {
    const hash = fnv1a(id) | 0;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot * 2]!;
      if (held === 0) return -1;
      if (this.slots[slot * 2 + 1] === hash && this.ids[held - 1] === id) return held - 1;
    }
  }

  private place(hash: number, ordinalPlusOne: number): void {
    let slot = hash & this.mask;
    while (this.slots[slot * 2] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot * 2] = ordinalPlusOne;
    this.slots[slot * 2 + 1] = hash;
  }

  private grow(): void {
    const size = (this.mask + 1) * 4;
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
    for (let k = 0; k < this.ids.length; k++) this.place(fnv1a(this.ids[k]!) | 0, k + 1);
  }
}

/**
 * For each row whose sourcedId repeats an earlier row, the index of that earlier row (-1 for the
 * others); null when no id repeats. Hashes are sorted rather than inserted into a table: with a
 * million rows a hash table is dominated by cache misses, while a radix sort of 32-bit hashes
 * walks memory in order. Only rows whose hashes agree have their strings compared.
 */
export function earlierRowsOfRepeatedIds(ids: readonly string[]): Int32Array | null {
  const n = ids.length;
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = fnv1a(ids[i]!);
  const order = sortIndexesByKey(hashes);
  let earlier: Int32Array | null = null;
  for (let a = 0; a < n; ) {
    const hash = hashes[order[a]!]!;
    let b = a + 1;
    while (b < n && hashes[order[b]!] === hash) b++;
    // Within a run the order is the file order (the sort is stable), so the first match is the earliest row.
    for (let x = a + 1; x < b; x++) {
      const row = order[x]!;
      const id = ids[row]!;
      if (id === '') continue;
      for (let y = a; y < x; y++) {
        const candidate = order[y]!;
        if (ids[candidate] === id && (earlier === null || earlier[candidate] === -1)) {
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

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash >>> 0;
}
