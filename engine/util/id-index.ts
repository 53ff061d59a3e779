/** Id hashing: the small hash table behind the OneRoster registries and the enrollment diff's user ids. */
import { fnv1a } from './repeats.js';

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

  /** The id's ordinal, adding it when it is new. */
  ordinalOrAdd(id: string): number {
    if ((this.ids.length + 1) * 2 > this.mask + 1) this.grow();
    const hash = fnv1a(id) | 0;
    let slot = hash & this.mask;
    for (let held = this.slots[slot * 2]!; held !== 0; slot = (slot + 1) & this.mask, held = this.slots[slot * 2]!) {
      if (this.slots[slot * 2 + 1] === hash && this.ids[held - 1] === id) return held - 1;
    }
    this.ids.push(id);
    this.slots[slot * 2] = this.ids.length;
    this.slots[slot * 2 + 1] = hash;
    return this.ids.length - 1;
  }

  /** The first ordinal of the id, or -1. */
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

  /** Four times the room; entries move with the hash they keep, so no id is hashed again. */
  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 4;
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
    for (let at = 0; at < old.length; at += 2) if (old[at] !== 0) this.place(old[at + 1]!, old[at]!);
  }
}
