/**
 * A tiny seeded PRNG for the generator and the drift functions. Nothing under engine/gen may use
 * Math.random: the same seed must give byte-identical exports on every machine.
 *
 * Core: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state), seeded through
 * splitmix32 so that nearby seeds (1, 2, 3...) give unrelated streams. `fork(label)` derives an
 * independent stream from the seed and a label, so one part of the generator can change how many
 * numbers it draws without shifting every later part.
 */

export interface Rng {
  /** The seed this stream was created from (after label mixing for forks). */
  readonly seed: number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** One element, chosen with the given (non-negative) weights. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** true with probability p. */
  chance(p: number): boolean;
  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** k distinct indices from [0, n), in ascending order (k is clamped to n). */
  sampleIndices(n: number, k: number): number[];
  /** An independent stream derived from this stream's seed and a label (does not consume numbers). */
  fork(label: string): Rng;
}

/** FNV-1a 32-bit hash of a string: used to mix labels into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    const mix = splitmix32(this.seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.uint32() / 4294967296;
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`Rng.int: bad range [${min}, ${max}]`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length === 0 || items.length !== weights.length) throw new RangeError('Rng.weighted: items and weights must be non-empty and of equal length');
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  sampleIndices(n: number, k: number): number[] {
    const want = Math.max(0, Math.min(n, Math.floor(k)));
    if (want === 0) return [];
    // Floyd's algorithm: k draws, no O(n) array, exact uniform sample.
    const chosen = new Set<number>();
    for (let j = n - want; j < n; j++) {
      const t = this.int(0, j);
      chosen.add(chosen.has(t) ? j : t);
    }
    return [...chosen].sort((x, y) => x - y);
  }

  fork(label: string): Rng {
    return new Sfc32((Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ hashString(label)) >>> 0);
  }
}

/** A seeded stream. Equal seeds give equal streams on every platform. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, got ${seed}`);
  return new Sfc32(Math.floor(seed) >>> 0);
}

/** Accepts either a stream or a seed (default 1), so callers can pass whichever they have. */
export function toRng(rngOrSeed: Rng | number | undefined): Rng {
  if (rngOrSeed === undefined) return createRng(1);
  return typeof rngOrSeed === 'number' ? createRng(rngOrSeed) : rngOrSeed;
}
