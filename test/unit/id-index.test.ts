import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../engine/util/id-index.js';

describe('IdIndex', () => {
  it('numbers ids like a Map of first positions, through every growth of its table', () => {
    const id = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: 0, max: 3_000 }).map((n) => `s${n}`));
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('add', 'ordinalOrAdd', 'ordinalOf'), id), { maxLength: 4_000 }), (steps) => {
      const index = new IdIndex();
      const ids: string[] = [];
      const first = new Map<string, number>();
      for (const [op, value] of steps) {
        if (op === 'add') {
          index.add(value);
          if (!first.has(value)) first.set(value, ids.length);
          ids.push(value);
        } else if (op === 'ordinalOrAdd') {
          const known = first.get(value);
          expect(index.ordinalOrAdd(value)).toBe(known ?? ids.length);
          if (known === undefined) {
            first.set(value, ids.length);
            ids.push(value);
          }
        } else {
          expect(index.ordinalOf(value)).toBe(first.get(value) ?? -1);
        }
      }
      expect(index.ids).toEqual(ids);
      for (const [value, at] of first) expect(index.ordinalOf(value)).toBe(at);
    }), { numRuns: 60 });
  });
});
