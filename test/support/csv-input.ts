import type { StreamedInput } from '../../engine/util/csv.js';

/** The bytes as a streamed input read `windowBytes` at a time (the reader of files on disk). */
export function streamed(bytes: Uint8Array, windowBytes: number): StreamedInput {
  let at = 0;
  return {
    size: bytes.length,
    windowBytes,
    read: (into, offset, length) => {
      const n = Math.min(length, bytes.length - at);
      into.set(bytes.subarray(at, at + n), offset);
      at += n;
      return n;
    },
    whole: () => bytes,
  };
}
