/**
 * A zip whose entries are listed from its central directory without inflating any, and inflated
 * one at a time, when read: a district's export or Canvas report holds a few hundred megabytes of
 * CSV once inflated, and only the file being parsed needs to be in memory.
 *
 * It is also where a zip bomb stops. The directory declares each entry's sizes; the caps
 * (util/limits.ts) are checked against them before anything is inflated (entry count, total
 * size, one entry's size, its compression ratio), and an entry is then inflated in small pieces
 * into a buffer of its declared size, stopping as soon as it would inflate past it: declared sizes
 * can lie, but an entry is never allowed more than it declared. Memory stays at one entry of at
 * most `fileBytes`, and a bomb is refused before it is inflated at all.
 */
import { createRequire } from 'node:module';
import type { Location } from '../errors.js';
import { DEFAULT_LIMITS, formatBytes, overLimit, RATIO_EXEMPT_BYTES, type InputLimits } from './limits.js';

// Required when the first zip is opened: an export or report in a folder never loads fflate.
const require = createRequire(import.meta.url);

export interface LazyZip {
  /** Every entry path, in archive order. */
  readonly entries: string[];
  /** The inflated bytes of one entry. */
  read(entry: string): Uint8Array;
}

interface EntryRecord {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export interface ZipOptions {
  /** Names the archive in messages (`export.zip`). */
  label: string;
  limits?: InputLimits;
}

/**
 * `unreadable` turns a reason (a truncated or corrupt archive) into the caller's located error;
 * a cap passed is a `limits.*` DataError naming the archive and the entry.
 */
export function openLazyZip(bytes: Uint8Array, unreadable: (err: Error) => Error, options: ZipOptions = { label: 'zip' }): LazyZip {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const label = options.label;
  const fail = (why: string): Error => unreadable(new Error(why));
  const records = readCentralDirectory(bytes, fail, limits, label);
  const byName = new Map(records.map((r) => [r.name, r]));
  return {
    entries: records.map((r) => r.name),
    read: (entry) => {
      const record = byName.get(entry);
      if (!record) throw fail(`no entry ${entry}`);
      return inflateEntry(bytes, record, fail, limits, { file: `${label}:${entry}` });
    },
  };
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_U32 = 0xffffffff;

function readCentralDirectory(bytes: Uint8Array, fail: (why: string) => Error, limits: InputLimits, label: string): EntryRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  const end = findEndRecord(bytes, view);
  if (end < 0) throw fail(bytes.byteLength < 22 ? 'too short to be a zip' : 'no end of central directory record (truncated, or not a zip)');
  let count = u16(end + 10);
  let dirSize = u32(end + 12);
  let dirOffset = u32(end + 16);
  const locator = end - 20;
  if ((count === 0xffff || dirOffset === MAX_U32 || dirSize === MAX_U32) && locator >= 0 && u32(locator) === EOCD64_LOCATOR) {
    const at = u64(locator + 8);
    if (at + 56 > bytes.byteLength || u32(at) !== EOCD64) throw fail('damaged zip64 end of central directory');
    count = u64(at + 32);
    dirSize = u64(at + 40);
    dirOffset = u64(at + 48);
  }
  if (count > limits.zipEntries) {
    throw overLimit('zipEntries', `${label} holds ${count.toLocaleString('en-US')} entries; the limit is ${limits.zipEntries.toLocaleString('en-US')}`, { file: label },
      'A OneRoster export or a Canvas report holds a dozen files');
  }
  if (dirOffset + dirSize > bytes.byteLength) throw fail('the central directory lies past the end of the file (truncated)');
  const records: EntryRecord[] = [];
  let total = 0;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.byteLength || u32(at) !== CENTRAL) throw fail(`damaged central directory at entry ${i + 1}`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: the name is UTF-8; otherwise code page 437, read as latin1 (as fflate does).
    const name = flags & 0x800 ? new TextDecoder().decode(nameBytes) : Buffer.from(nameBytes).toString('latin1');
    if (size === MAX_U32 || compressedSize === MAX_U32 || localOffset === MAX_U32) {
      const zip64 = zip64Extra(view, at + 46 + nameLength, extraLength);
      if (zip64 === null) throw fail(`entry ${name} lacks its zip64 sizes`);
      let k = zip64;
      if (size === MAX_U32) { size = u64(k); k += 8; }
      if (compressedSize === MAX_U32) { compressedSize = u64(k); k += 8; }
      if (localOffset === MAX_U32) localOffset = u64(k);
    }
    checkEntryName(name, fail);
    total += size;
    if (total > limits.zipBytes) {
      throw overLimit('zipBytes', `${label} inflates to more than ${formatBytes(limits.zipBytes)} (its directory declares ${formatBytes(total)} by entry ${name})`, { file: label },
        'This looks like a zip bomb, or a much larger export than expected');
    }
    records.push({ name, method, flags, compressedSize, size, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

/** Where the end of central directory record starts (searched from the end, past a comment of up to 64 KiB), or -1. */
function findEndRecord(bytes: Uint8Array, view: DataView): number {
  const last = bytes.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) if (view.getUint32(at, true) === EOCD) return at;
  return -1;
}

/** Start of the zip64 extended information field's data within an extra field, or null. */
function zip64Extra(view: DataView, start: number, length: number): number | null {
  for (let at = start; at + 4 <= start + length;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) return at + 4;
    at += 4 + size;
  }
  return null;
}

/**
 * rosterops never writes entries to disk, but a name climbing out of the archive (`../x`), an
 * absolute one or one holding a NUL is no export's: it is refused rather than matched.
 */
function checkEntryName(name: string, fail: (why: string) => Error): void {
  const parts = name.split(/[/\\]/);
  if (name.startsWith('/') || name.includes('\\') || /^[a-z]:/i.test(name) || parts.includes('..') || name.includes('\u0000')) {
    throw fail(`entry ${JSON.stringify(name.replaceAll('\u0000', '\\0'))} has an unsafe path (absolute, with "..", a backslash or a NUL)`);
  }
}

/** Compressed bytes handed to the inflater at a time: at most ~1,000× that comes out of one push. */
const PIECE = 64 * 1024;

function inflateEntry(bytes: Uint8Array, entry: EntryRecord, fail: (why: string) => Error, limits: InputLimits, where: Location): Uint8Array {
  const name = entry.name;
  if (entry.flags & 1) throw fail(`entry ${name} is encrypted`);
  if (entry.size > limits.fileBytes) {
    throw overLimit('fileBytes', `${where.file} inflates to ${formatBytes(entry.size)}; the limit for one file is ${formatBytes(limits.fileBytes)}`, where);
  }
  if (entry.size > RATIO_EXEMPT_BYTES && entry.size > entry.compressedSize * limits.zipRatio) {
    const ratio = Math.round(entry.size / Math.max(1, entry.compressedSize));
    throw overLimit('zipRatio', `${where.file} inflates ${ratio.toLocaleString('en-US')} times its compressed size (${formatBytes(entry.compressedSize)} → ${formatBytes(entry.size)}); the limit is ${limits.zipRatio}`, where,
      'This looks like a zip bomb; CSV exports compress 2–20 times');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.byteLength || view.getUint32(at, true) !== LOCAL) throw fail(`entry ${name} has no local header where the directory says`);
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.byteLength) throw fail(`entry ${name} is cut short (the file is truncated)`);
  const data = bytes.subarray(dataStart, dataEnd);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw fail(`stored entry ${name} has two different sizes`);
    return data.slice();
  }
  if (entry.method !== 8) throw fail(`entry ${name} uses compression method ${entry.method}; only stored and deflated entries can be read`);
  return inflateInPieces(data, entry.size, name, fail);
}

/** Inflates into a buffer of the declared size, stopping at the first byte past it. */
function inflateInPieces(data: Uint8Array, declared: number, name: string, fail: (why: string) => Error): Uint8Array {
  const { Inflate } = require('fflate') as typeof import('fflate');
  const out = new Uint8Array(declared);
  let written = 0;
  let overflow = false;
  const inflater = new Inflate((chunk) => {
    if (overflow) return;
    if (written + chunk.length > declared) {
      overflow = true;
      return;
    }
    out.set(chunk, written);
    written += chunk.length;
  });
  try {
    for (let at = 0; at < data.length && !overflow; at += PIECE) {
      const end = Math.min(data.length, at + PIECE);
      inflater.push(data.subarray(at, end), end === data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (err) {
    throw fail(`entry ${name} cannot be inflated: ${(err as Error).message}`);
  }
  if (overflow) throw fail(`entry ${name} inflates past the ${formatBytes(declared)} its directory declares (a forged or damaged archive)`);
  if (written !== declared) throw fail(`entry ${name} inflates to ${formatBytes(written)}, not the ${formatBytes(declared)} its directory declares (truncated or damaged)`);
  return out;
}
