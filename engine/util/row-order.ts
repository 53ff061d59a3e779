/** Stable sorts of row indexes by integer keys: linear, and walking memory in order. */

export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

const SMALL_SORT = 4096;

/** Row indexes ordered by 32-bit `keys` (stable: equal keys keep row order). LSD radix sort, 16 bits per pass. */
export function sortIndexesByKey(keys: Uint32Array): Int32Array {
  const n = keys.length;
  let order: Int32Array = identityOrder(n);
  // Each pass clears and sums 65,536 counters: below a few thousand rows a comparison sort is cheaper.
  if (n < SMALL_SORT) return order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  let spare: Int32Array = new Int32Array(n);
  for (let shift = 0; shift < 32; shift += 16) {
    const counts = new Int32Array(0x10001);
    for (let i = 0; i < n; i++) counts[((keys[order[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 0x10000; d++) counts[d]! += counts[d - 1]!;
    for (let i = 0; i < n; i++) {
      const row = order[i]!;
      spare[counts[(keys[row]! >>> shift) & 0xffff]!++] = row;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

/** Stable counting sort of `order` by the small non-negative `keys` of its entries. */
export function countingSort(order: Int32Array, keys: Int32Array): Int32Array {
  let maxKey = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i]! > maxKey) maxKey = keys[i]!;
  const starts = new Int32Array(maxKey + 2);
  for (let i = 0; i < order.length; i++) starts[keys[order[i]!]! + 1]!++;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const sorted = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    sorted[starts[keys[row]!]!++] = row;
  }
  return sorted;
}
