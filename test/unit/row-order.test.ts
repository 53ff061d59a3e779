import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earlierRowsOfRepeatedIds, lastIndexOfEach } from '../../engine/util/repeats.js';
import { countingSort, identityOrder, sortIndexesByKey } from '../../engine/util/row-order.js';

/** The obvious stable sort the fast ones must agree with. */
const reference = (keys: ArrayLike<number>): number[] => Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);

describe('row order', () => {
  // Sizes either side of the switch from comparison sort to radix sort, with few distinct keys so ties are common.
  const sizes = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 4000, max: 9000 }));
  const keyOf = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0xffff, 0x10000, 0xffffffff));

  it('sortIndexesByKey is a stable sort by unsigned 32-bit key at every size', () => {
    fc.assert(fc.property(sizes, fc.array(keyOf, { minLength: 1, maxLength: 64 }), (n, pool) => {
      const keys = Uint32Array.from({ length: n }, (_, i) => pool[(i * 7919) % pool.length]!);
      expect(Array.from(sortIndexesByKey(keys))).toEqual(reference(keys));
    }), { numRuns: 60 });
  });

  it('countingSort reorders a given order stably by small keys', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (list) => {
      const keys = Int32Array.from(list);
      const reversed = identityOrder(keys.length).reverse();
      const expected = Array.from(reversed).sort((a, b) => keys[a]! - keys[b]!); // Array#sort is stable
      expect(Array.from(countingSort(reversed, keys))).toEqual(expected);
    }));
  });

  it('earlierRowsOfRepeatedIds points each repeat at the first earlier row with the same id', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'x'.repeat(30)), { maxLength: 6000 }), (ids) => {
      const first = new Map<string, number>();
      const expected = ids.map((id, row) => {
        if (id === '') return -1;
        const at = first.get(id);
        if (at === undefined) first.set(id, row);
        return at ?? -1;
      });
      const got = earlierRowsOfRepeatedIds(ids);
      if (expected.every((e) => e === -1)) expect(got).toBeNull();
      else expect(Array.from(got!)).toEqual(expected);
    }), { numRuns: 40 });
  });

  it('lastIndexOfEach finds the last equal key of each query, and whether keys repeat', () => {
    const id = fc.constantFrom('', 'a', 'b', 'ab', 'ba', 's1', 's10', 'x'.repeat(30));
    fc.assert(fc.property(fc.array(fc.option(id), { maxLength: 5000 }), fc.array(id, { maxLength: 300 }), (keys, queries) => {
      const last = new Map<string, number>();
      let repeats = false;
      keys.forEach((k, i) => {
        if (!k) return;
        if (last.has(k)) repeats = true;
        last.set(k, i);
      });
      const { found, keysRepeat } = lastIndexOfEach(keys, queries);
      expect(Array.from(found)).toEqual(queries.map((q) => (q === '' ? -1 : last.get(q) ?? -1)));
      expect(keysRepeat).toBe(repeats);
    }), { numRuns: 60 });
  });
});
