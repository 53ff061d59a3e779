/**
 * A CSV file on disk parsed by column while it is read (util/csv.ts parses a `StreamedInput`
 * through one buffer of a few megabytes) and hashed as it goes, so no whole-file copy of a
 * district's 100 MB enrollments.csv is ever held.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import { parseCsv, parseCsvColumns, type ColumnOptions, type CsvColumns, type CsvTable, type StreamedInput } from './csv.js';
import { sha256Hex } from './canonical.js';
import type { FileDigest } from './digest.js';

export interface ParsedFile<T> {
  table: T;
  /** sha256 of the file's bytes, hex, and their number. */
  sha256: string;
  byteLength: number;
}

/** Parses the file at `path` by column (`label` names it in messages). */
export function parseCsvFileColumns(path: string, label: string, options: ColumnOptions = {}): ParsedFile<CsvColumns> {
  const input = new HashingFile(path, label);
  try {
    const table = parseCsvColumns(input, label, options);
    return { table, ...input.hashed() };
  } finally {
    input.close();
  }
}

/** Parses a small file (manifest.csv) into records. */
export function parseCsvFileRows(path: string, label: string): ParsedFile<CsvTable> {
  return parseCsvBytesRows(readable(label, () => readFileSync(path)), label);
}

/** The same, for bytes already in memory (a zip entry). */
export function parseCsvBytesColumns(bytes: Uint8Array, label: string, options: ColumnOptions = {}): ParsedFile<CsvColumns> {
  return { table: parseCsvColumns(bytes, label, options), ...hashOf(bytes) };
}

export function parseCsvBytesRows(bytes: Uint8Array, label: string): ParsedFile<CsvTable> {
  return { table: parseCsv(bytes, label), ...hashOf(bytes) };
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

  constructor(private readonly path: string, label: string) {
    this.fd = readable(label, () => openSync(path, 'r'));
    this.size = fstatSync(this.fd).size;
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
