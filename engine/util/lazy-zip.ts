/**
 * A zip whose entries are listed without inflating any and inflated one at a time, when read: a
 * district's export or Canvas report holds a few hundred megabytes of CSV once inflated, and only
 * the file being parsed needs to be in memory.
 */
import { createRequire } from 'node:module';

// Required when the first zip is opened: an export or report in a folder never loads fflate.
const require = createRequire(import.meta.url);

export interface LazyZip {
  /** Every entry path, in archive order. */
  readonly entries: string[];
  /** The inflated bytes of one entry. */
  read(entry: string): Uint8Array;
}

/** `unreadable` turns fflate's error (a truncated or corrupt archive) into the caller's located error. */
export function openLazyZip(bytes: Uint8Array, unreadable: (err: Error) => Error): LazyZip {
  const { unzipSync } = require('fflate') as typeof import('fflate');
  const unzip = (filter: (name: string) => boolean): Record<string, Uint8Array> => {
    try {
      return unzipSync(bytes, { filter: (file) => filter(file.name) });
    } catch (err) {
      throw unreadable(err as Error);
    }
  };
  const entries: string[] = [];
  unzip((name) => {
    entries.push(name);
    return false;
  });
  return { entries, read: (entry) => unzip((name) => name === entry)[entry]! };
}
