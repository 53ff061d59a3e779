/**
 * A CSV file on disk parsed by column while it is read (util/csv.ts parses a `StreamedInput`
 * through one buffer of a few megabytes) and hashed as it goes, so no whole-file copy of a
 * district's 100 MB enrollments.csv is ever held.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import { parseCsv, parseCsvColumns, type ColumnOptions, type CsvColumns, type CsvTable, type StreamedInput } from './csv.js';
import { sha256Hex } from './canonical.js';
import type { FileDigest } from './digest.js';
import { DEFAULT_LIMITS, formatBytes, overLimit, type InputLimits } from './limits.js';
import { requireRegularFile } from './regular-file.js';

export interface ParsedFile<T> {
  table: T;
  /** sha256 of the file's bytes, hex, and their number. */
  sha256: string;
  byteLength: number;
}

/** Parses the file at `path` by column (`label` names it in messages). */
export function parseCsvFileColumns(path: string, label: string, options: ColumnOptions & { limits?: InputLimits } = {}): ParsedFile<CsvColumns> {
  const input = new HashingFile(path, label, options.limits ?? DEFAULT_LIMITS);
  try {
    const table = parseCsvColumns(input, label, options);
    return { table, ...input.hashed() };
  } finally {
    input.close();
  }
}

/** Parses a small file (manifest.csv) into records. */
export function parseCsvFileRows(path: string, label: string, limits: InputLimits = DEFAULT_LIMITS): ParsedFile<CsvTable> {
  checkedFileSize(path, label, limits);
  return parseCsvBytesRows(readable(label, () => readFileSync(path)), label, limits);
}

/**
 * The size of a regular file within `fileBytes`, found before it is opened: a FIFO would block
 * the open, a device never end (util/regular-file.ts).
 */
export function checkedFileSize(path: string, label: string, limits: InputLimits): number {
  const size = requireRegularFile(path, label, (code, message, hint) => new DataError(code, message, { file: label }, hint));
  if (size > limits.fileBytes) {
    throw overLimit('fileBytes', `${label} is ${formatBytes(size)}; the limit for one file is ${formatBytes(limits.fileBytes)}`, { file: label });
  }
  return size;
}

/** The same, for bytes already in memory (a zip entry). */
export function parseCsvBytesColumns(bytes: Uint8Array, label: string, options: ColumnOptions = {}): ParsedFile<CsvColumns> {
  return { table: parseCsvColumns(bytes, label, options), ...hashOf(bytes) };
}

export function parseCsvBytesRows(bytes: Uint8Array, label: string, limits: InputLimits = DEFAULT_LIMITS): ParsedFile<CsvTable> {
  return { table: parseCsv(bytes, label, limits), ...hashOf(bytes) };
}

export function fileDigestOf(canonicalName: string, parsed: { sha256: string; byteLength: number }): FileDigest {
  return { canonicalName, sha256: parsed.sha256, byteLength: parsed.byteLength };
}

/** A file that cannot be opened (removed meanwhile, no permission) is a located input error, not a crash. */
function readable<T>(label: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    throw new DataError('csv.unreadable', `cannot read ${label}: ${(err as Error).message}`, { file: label },
      'Check that the file exists and that rosterops may read it.', { cause: err });
  }
}

function hashOf(bytes: Uint8Array): { sha256: string; byteLength: number } {
  return { sha256: sha256Hex(bytes), byteLength: bytes.byteLength };
}

/** A file read front to back, hashed as it is read; `whole()` (the robust path) reads it again. */
class HashingFile implements StreamedInput {
  readonly size: number;
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private position = 0;
  private atEnd = false;
  private wholeHash: { sha256: string; byteLength: number } | null = null;

  constructor(private readonly path: string, label: string, limits: InputLimits) {
    checkedFileSize(path, label, limits);
    // Non-blocking, and checked again once open: a file swapped for a FIFO since the check must not block the open.
    this.fd = readable(label, () => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    const stats = fstatSync(this.fd);
    if (!stats.isFile()) {
      closeSync(this.fd);
      throw new DataError('input.not-a-file', `cannot read ${label}: it is no longer a regular file`, { file: label }, 'Something replaced the file while rosterops was reading the export; run again.');
    }
    this.size = stats.size;
  }

  read(into: Uint8Array, offset: number, length: number): number {
    const n = readSync(this.fd, into, offset, length, this.position);
    if (n === 0) this.atEnd = true;
    this.hash.update(into.subarray(offset, offset + n));
    this.position += n;
    return n;
  }

  whole(): Uint8Array {
    const bytes = readFileSync(this.path);
    this.wholeHash = hashOf(bytes);
    return bytes;
  }

  /** The hash of every byte of the file, read to its end once. */
  hashed(): { sha256: string; byteLength: number } {
    if (this.wholeHash) return this.wholeHash;
    if (this.atEnd) return { sha256: this.hash.digest('hex'), byteLength: this.position };
    return hashOf(readFileSync(this.path)); // not read to the end (cannot happen when parsing succeeded)
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * A zip's bytes, read whole (its directory is at its end): a regular file, within `zipBytes` and
 * under the 2 GiB Node.js reads at once.
 */
export function readZipFile(path: string, label: string, limits: InputLimits = DEFAULT_LIMITS): Uint8Array {
  const size = requireRegularFile(path, label, (code, message, hint) => new DataError(code, message, { file: label }, hint));
  if (size > limits.zipBytes) {
    throw overLimit('zipBytes', `${label} is ${formatBytes(size)}; the limit for a zip is ${formatBytes(limits.zipBytes)}`, { file: label });
  }
  if (size >= 2 * 1024 ** 3) {
    throw new DataError('input.zip-too-large', `${label} is ${formatBytes(size)}: rosterops reads zips of up to 2 GiB`, { file: label },
      'Unzip it and point rosterops at the folder: files in a folder are read piece by piece, whatever their size.');
  }
  return readable(label, () => readFileSync(path));
}
