/**
 * Caps on what rosterops reads, so that a hostile or broken input (a zip bomb, a 10 MB "name", a
 * file of a billion rows) ends in a located error instead of exhausting memory. The defaults are
 * sized for a district of 2,000,000 students: its enrollments.csv holds about 12 million rows of
 * ~90 bytes (1.1 GB), its users.csv about 2 million of ~150 bytes; every cap leaves several times
 * that. `limits:` in policies/rosterops.yaml changes them (engine/policy/load/resolve-limits.ts).
 */
import { DataError, type Location } from '../errors.js';

export interface InputLimits {
  /** Bytes of one CSV file, on disk or inflated from a zip. */
  fileBytes: number;
  /** Bytes a zip inflates to, all entries together (as its directory declares them; each is held to it). */
  zipBytes: number;
  /** Entries in a zip. */
  zipEntries: number;
  /** Inflated bytes per compressed byte of one entry (entries under 1 MiB are exempt). */
  zipRatio: number;
  /** Bytes of one CSV cell. */
  cellBytes: number;
  /** Data rows of one CSV file. */
  rows: number;
}

const GIB = 1024 ** 3;

export const DEFAULT_LIMITS: Readonly<InputLimits> = Object.freeze({
  fileBytes: 4 * GIB,
  zipBytes: 8 * GIB,
  zipEntries: 1000,
  // CSV exports deflate 2–15× (enrollments.csv, the most repetitive, ~15×); a zip bomb 1000×.
  zipRatio: 200,
  // The longest legitimate OneRoster cells are lists of ids (a teacher's orgSourcedIds, grades): a few KiB.
  cellBytes: 64 * 1024,
  rows: 50_000_000,
});

/** Entries that inflate to less than this are not held to `zipRatio` (a tiny file of commas compresses well). */
export const RATIO_EXEMPT_BYTES = 1024 * 1024;

/**
 * Caps of the policy files themselves. They are fixed: they guard the reading of the file that
 * would configure them.
 */
export const POLICY_LIMITS = Object.freeze({
  fileBytes: 1024 * 1024,
  /** Mappings and lists inside one another. */
  depth: 64,
  /** Aliases expanded per document (the `yaml` package's billion-laughs guard). */
  aliases: 100,
});

export function limitHint(key: keyof InputLimits, what: string): string {
  return `${what}; if this input is genuine, raise limits.${key} in policies/rosterops.yaml (README "Limits").`;
}

/** The error for an input past one of the caps. */
export function overLimit(key: keyof InputLimits, message: string, location: Location, what = 'Check that this is the export you meant to read'): DataError {
  return new DataError(`limits.${key}`, message, location, limitHint(key, what));
}

/** 4294967296 → "4 GiB", 65536 → "64 KiB", 1234 → "1,234 bytes". */
export function formatBytes(n: number): string {
  const units: [number, string][] = [[GIB, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
    }
  }
  return `${n.toLocaleString('en-US')} bytes`;
}
