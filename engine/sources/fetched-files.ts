/**
 * Writing a fetched file to the temp folder under a size cap enforced while it streams (a server
 * that lies about, or omits, the size still stops at the cap), and checking a fetched zip before
 * anything reads it: the same directory checks and caps as a zip in the checkout (util/lazy-zip.ts).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { DataError, type Location } from '../errors.js';
import { openLazyZip } from '../util/lazy-zip.js';
import { DEFAULT_LIMITS, formatBytes, overLimit, type InputLimits } from '../util/limits.js';

/** rosterops holds a zip in memory to list it (util/csv-file.ts readZipFile): 2 GiB at most. */
const ZIP_READ_MAX = 2 * 1024 ** 3 - 1;

/** The most bytes a fetched zip may have: limits.zipBytes, and what a zip can be read at. */
export function zipCap(limits: InputLimits = DEFAULT_LIMITS): number {
  return Math.min(limits.zipBytes, ZIP_READ_MAX);
}

export function tooLarge(label: string, cap: number, key: 'zipBytes' | 'fileBytes', location: Location): DataError {
  return overLimit(key, `${label} is larger than ${formatBytes(cap)}; the fetch was stopped`, location, 'Check that the SIS source names the OneRoster export');
}

/**
 * Streams `chunks` into `path`, throwing `over()` as soon as more than `cap` bytes arrived (the
 * partial file is left for the temp folder's removal). Returns the byte count.
 */
export async function writeCapped(chunks: AsyncIterable<Uint8Array>, path: string, cap: number, over: () => Error, onChunk?: () => void): Promise<number> {
  const out = createWriteStream(path, { mode: 0o600 });
  let total = 0;
  try {
    for await (const chunk of chunks) {
      onChunk?.();
      total += chunk.byteLength;
      if (total > cap) throw over();
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close').catch(() => undefined);
  }
  return total;
}

/**
 * Refuses a fetched file that is not a readable zip within the caps, naming where it came from:
 * an HTML login page served with 200, a transfer cut short, a zip bomb.
 */
export function checkFetchedZip(path: string, label: string, limits: InputLimits = DEFAULT_LIMITS): void {
  const bytes = readFileSync(path);
  const hint = 'Check the SIS source: it must serve the OneRoster .zip itself (a login page or an error page is not one); if the transfer was cut, run again.';
  if (bytes.byteLength >= 4 && !(bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    throw new DataError('sis.fetched-not-zip', `${label} is not a zip (it starts with ${JSON.stringify(printableStart(bytes))})`, { file: label }, hint);
  }
  const zip = openLazyZip(bytes, (err) => new DataError('sis.fetched-zip-invalid', `${label} is not a readable zip: ${err.message}`, { file: label }, hint, { cause: err }), { label, limits });
  if (!zip.entries.some((e) => e.toLowerCase().endsWith('.csv'))) {
    throw new DataError('sis.fetched-zip-empty', `${label} holds no CSV files`, { file: label }, hint);
  }
}

/** The first bytes as text, with anything unprintable replaced (never more than a few words of a page). */
function printableStart(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 16)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
}
