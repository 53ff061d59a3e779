/**
 * CSV reading shared by every reader. Two paths, one contract:
 * - fast path: one pass over the file for regular files (below);
 * - robust path: csv-parse for anything irregular (ragged rows, blank lines, quoted line breaks,
 *   lone carriage returns, stray quotes), which also locates what is wrong for the message.
 * The fast path is taken only when its result is provably the same as the robust one would be:
 * one record per physical line, every record as wide as the header, quotes well formed. When it
 * meets anything else it gives up and the robust path reads the file from the start.
 *
 * The fast path is built for files of a million rows (enrollments):
 * - it reads the UTF-8 bytes, never a decoded whole-file text: each cell's end is found, compared
 *   with the cell above and hashed in one loop over the bytes, four at a time where none can end
 *   the cell (character loops over a string cost several times more in V8). UTF-8 never uses a
 *   byte below 0x80 inside a multi-byte character, so separators are found byte by byte; text
 *   input is read as its UTF-8 bytes;
 * - each column interns its cells: a value seen before in that column (a class id, a user id, a
 *   role, a date) is found in a small table by its hash and bytes and the same string is
 *   returned, so a million rows hold a few hundred thousand strings instead of ten million.
 *   Columns whose values turn out to be (nearly) all distinct, such as sourcedIds, stop interning
 *   after a probe;
 * - strings are created from the bytes (flat copies): a slice of a whole-file text (V8 makes a
 *   view from 13 characters on) would keep the entire text alive as long as a reader keeps one id.
 * `parseCsvColumns` stores the table by column, dictionary-encoded (no array per record), and
 * can read a file piece by piece (`StreamedInput`) through one reused buffer of a few megabytes:
 * a district's enrollments.csv is over 100 MB, and a whole-file buffer per file cost that much
 * memory each, given back only at V8's next full collection.
 */
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { DataError, InternalError, RosteropsError, type Diagnostic } from '../errors.js';
import { checkColumns, checkRows, type CellLimits } from './csv-checks.js';
import { KeptValues, KeptValuesBuilder } from './kept-values.js';
import { DEFAULT_LIMITS, formatBytes } from './limits.js';

export interface CsvTable {
  /** Name used in messages, e.g. `users.csv`. */
  file: string;
  /** Header cells as written (BOM removed, surrounding whitespace trimmed). */
  header: string[];
  /** Data records; every record has exactly header.length cells (missing trailing cells are ''). */
  rows: string[][];
  /** 1-based line number of each record (header = 1). null when record i sits on line i + 2. */
  lineNumbers: Int32Array | null;
  diagnostics: Diagnostic[];
}

/**
 * The same table stored by column, dictionary-encoded: the cell of column c in record r is
 * `columns[c].values[columns[c].codes[r]]`. No array per record, and the codes are plain numbers
 * the garbage collector never has to trace. Code 0 is always the empty string.
 */
export interface CsvColumns {
  file: string;
  header: string[];
  rowCount: number;
  columns: CsvColumn[];
  /** 1-based line number of each record (header = 1). null when record i sits on line i + 2. */
  lineNumbers: Int32Array | null;
  diagnostics: Diagnostic[];
}

/**
 * Codes take two bytes while a column has fewer than 65,536 distinct values (roles, dates, class
 * and section ids: nearly every column), four bytes otherwise.
 */
export interface CsvColumn {
  codes: Uint16Array | Int32Array;
  /** Each code's value (code 0 is ''). For a column kept as bytes, made in full on first use: prefer `cellText`. */
  values: string[];
  /** Set when the column was asked to keep its values as bytes and they turned out (nearly) all different. */
  kept?: KeptValues;
}

/** The value of `code` in `column`, made on its own for a column kept as bytes. */
export function cellText(column: CsvColumn, code: number): string {
  return column.kept ? column.kept.text(code) : column.values[code]!;
}

/** A column kept as bytes (util/kept-values.ts). */
export class KeptColumn implements CsvColumn {
  private made: string[] | null = null;

  constructor(readonly codes: Uint16Array | Int32Array, readonly kept: KeptValues) {}

  get values(): string[] {
    this.made ??= this.kept.all();
    return this.made;
  }
}

export interface ColumnOptions {
  /**
   * Columns (header names in lower case; a header matches ignoring case and surrounding blanks)
   * whose values, once they turn out to be nearly all different, are kept as bytes rather than
   * made into strings (ids nobody reads one by one). Plain data, so a parse job can carry it.
   */
  keep?: readonly string[];
  /** Caps on cells and rows (util/limits.ts); the defaults when absent. Plain data, so a parse job can carry it. */
  limits?: CellLimits;
}

/** An input read piece by piece, such as a file on disk (see util/csv-file.ts). */
export interface StreamedInput {
  /** Reads up to `length` bytes into `into` at `offset`; 0 at the end of the input. */
  read(into: Uint8Array, offset: number, length: number): number;
  /** Size in bytes, to size the tables (an estimate is enough). */
  readonly size: number;
  /** The whole input at once, for the robust path. */
  whole(): Uint8Array;
  /** How many bytes to hold at once (default 4 MiB; a longer line grows it). */
  readonly windowBytes?: number;
}

export type CsvInput = string | Uint8Array | StreamedInput;

function isStreamed(input: CsvInput): input is StreamedInput {
  return typeof input === 'object' && !(input instanceof Uint8Array);
}

export function rowNumberOf(table: { lineNumbers: Int32Array | null }, index: number): number {
  return table.lineNumbers ? table.lineNumbers[index]! : index + 2;
}

export function parseCsv(input: string | Uint8Array, file: string, limits: CellLimits = DEFAULT_LIMITS): CsvTable {
  const source = openSource(input, file);
  const scanner = source.scanner(false);
  if (scanner) {
    const rows: string[][] = [];
    const width = scanner.header.length;
    const cells = scanner.cells;
    while (scanner.next()) rows.push(rowOf(cells, width));
    if (!scanner.failed) {
      const table: CsvTable = { file, header: scanner.header, rows, lineNumbers: null, diagnostics: [] };
      checkRows(table, limits, source.mayHoldNul());
      return table;
    }
  }
  const table = robustly(source, file);
  checkRows(table, limits, source.mayHoldNul());
  return table;
}

/**
 * The robust path, which decodes the whole file into one string: a file past V8's longest
 * string (~512 MiB) cannot take it, and is a located error rather than a crash.
 */
function robustly(source: Source, file: string): CsvTable {
  try {
    return robustParse(normaliseLineBreaks(source.text()), file);
  } catch (err) {
    if (err instanceof RosteropsError) throw err;
    const size = source.size();
    throw new DataError('csv.too-large-to-repair', `${file} (${formatBytes(size)}) is not plain one-record-per-line CSV, and is too large for the careful reader: ${(err as Error).message}`, { file },
      'Export the file again without line breaks inside quoted cells or ragged rows, or split it; the fast reader takes files of any size, the careful one up to ~500 MB.', { cause: err });
  }
}

export function parseCsvColumns(input: CsvInput, file: string, options: ColumnOptions = {}): CsvColumns {
  const source = openSource(input, file);
  const scanner = source.scanner(true, options.keep ?? []);
  if (scanner) {
    while (scanner.next()) {
      // The scanner stores each cell's code as it reads it (see Scanner.store).
    }
    if (!scanner.failed) {
      const rowCount = scanner.rows;
      const columns = scanner.header.map((_, i): CsvColumn => {
        const codes = fitted(scanner.codesOf(i), rowCount);
        const kept = scanner.keptOf(i);
        return kept ? new KeptColumn(codes, kept) : { codes, values: scanner.valuesOf(i) };
      });
      const parsed: CsvColumns = { file, header: scanner.header, rowCount, columns, lineNumbers: null, diagnostics: [] };
      checkColumns(parsed, options.limits ?? DEFAULT_LIMITS, source.mayHoldNul());
      return parsed;
    }
  }
  const table = robustly(source, file);
  const columns = table.header.map((_, c) => encodeColumn(table.rows, c));
  const parsed: CsvColumns = { file, header: table.header, rowCount: table.rows.length, columns, lineNumbers: table.lineNumbers, diagnostics: table.diagnostics };
  checkColumns(parsed, options.limits ?? DEFAULT_LIMITS, source.mayHoldNul());
  return parsed;
}

/** The first `count` codes; copied out when the room reserved for them (an estimate) was much larger. */
function fitted(codes: Uint16Array | Int32Array, count: number): Uint16Array | Int32Array {
  return codes.length - count > (count >>> 4) + 64 ? codes.slice(0, count) : codes.subarray(0, count);
}

function encodeColumn(rows: readonly string[][], c: number): CsvColumn {
  const values = [''];
  const codeOf = new Map<string, number>([['', 0]]);
  const codes = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]![c]!;
    let code = codeOf.get(v);
    if (code === undefined) {
      code = values.push(v) - 1;
      codeOf.set(v, code);
    }
    codes[r] = code;
  }
  return { codes, values };
}

/**
 * A copy of the scanner's cells as a new record. Array literals, one per width: V8 tracks where
 * each literal is allocated and, seeing that nearly all records live on, allocates them directly
 * in the old generation instead of copying a million arrays out of the young one (slice() cannot
 * be told apart from short-lived copies).
 */
function rowOf(c: string[], width: number): string[] {
  switch (width) {
    case 1: return [c[0]!];
    case 2: return [c[0]!, c[1]!];
    case 3: return [c[0]!, c[1]!, c[2]!];
    case 4: return [c[0]!, c[1]!, c[2]!, c[3]!];
    case 5: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!];
    case 6: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!];
    case 7: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!];
    case 8: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!];
    case 9: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!];
    case 10: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!];
    case 11: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!];
    case 12: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!];
    case 13: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!];
    case 14: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!];
    case 15: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!];
    case 16: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!];
    case 17: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!];
    case 18: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!];
    case 19: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!];
    case 20: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!];
    case 21: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!];
    case 22: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!];
    case 23: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!];
    case 24: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!];
    case 25: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!];
    case 26: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!];
    case 27: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!];
    case 28: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!];
    case 29: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!];
    case 30: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!];
    case 31: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!, c[30]!];
    case 32: return [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!, c[30]!, c[31]!];
    default: return c.slice();
  }
}

// ---------------------------------------------------------------------------------------------
// Input

/** Buffer's own decoders for a byte range (what buffer.toString(encoding, s, e) calls). */
type NodeBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

interface Source {
  /** The decoded text without BOM (decoded on first use). */
  text(): string;
  /** Whether the bytes read so far (or the text, once decoded) hold a NUL: found by one memchr pass, located by util/csv-checks.ts. */
  mayHoldNul(): boolean;
  /** The input's size in bytes. */
  size(): number;
  /** A fast-path scanner positioned after the header, or null when the file needs the robust path. */
  scanner(encode: boolean, keep?: readonly string[]): Scanner | null;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const proto = Buffer.prototype as Partial<NodeBuffer>;
const HAS_BUFFER_SLICES = typeof proto.latin1Slice === 'function' && typeof proto.utf8Slice === 'function';

function openSource(input: CsvInput, file: string): Source {
  if (isStreamed(input)) return openStream(input, file);
  let text: string | null = null;
  const decoded = (): string => (text ??= decodeText(input, file));
  const nul = typeof input === 'string' ? input.includes('\u0000') : input.indexOf(0) !== -1;
  const mayHoldNul = (): boolean => nul;
  const size = (): number => (typeof input === 'string' ? input.length : input.byteLength);
  let raw: Uint8Array;
  if (typeof input === 'string') {
    // Text is read as its UTF-8 bytes (one code path); text that has no UTF-8 form goes the robust way.
    if (!HAS_BUFFER_SLICES || !(input as string & { isWellFormed(): boolean }).isWellFormed()) return { text: decoded, mayHoldNul, size, scanner: () => null };
    raw = Buffer.from(input, 'utf8');
  } else {
    raw = input;
    if (!isUtf8(raw)) decodeUtf8(raw, file); // throws the located encoding error
    if (!HAS_BUFFER_SLICES) return { text: decoded, mayHoldNul, size, scanner: () => null };
  }
  const bom = UTF8_BOM.every((b, i) => raw[i] === b) ? 3 : 0;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset + bom, raw.byteLength - bom) as NodeBuffer;
  if (isBlankAscii(bytes)) throw emptyFile(file);
  return { text: decoded, mayHoldNul, size, scanner: (encode, keep) => Scanner.open(ByteWindow.whole(bytes), 0, encode, keep) };
}

/** A streamed input: the fast path reads it window by window; the robust path reads it whole. */
function openStream(input: StreamedInput, file: string): Source {
  let text: string | null = null;
  const decoded = (): string => (text ??= decodeText(input.whole(), file));
  let scanned: ByteWindow | null = null;
  // Once the robust path has the whole text, it is what was read; until then, the windows scanned.
  const mayHoldNul = (): boolean => (text !== null ? text.includes('\u0000') : scanned?.sawNul ?? false);
  const size = (): number => input.size;
  if (!HAS_BUFFER_SLICES) return { text: decoded, mayHoldNul, size, scanner: () => null };
  return {
    text: decoded,
    mayHoldNul,
    size,
    scanner: (encode, keep) => {
      if (scanned !== null) throw new InternalError('a streamed CSV input is scanned once');
      const window = (scanned = ByteWindow.stream(input, file));
      const bom = UTF8_BOM.every((b, i) => window.bytes[i] === b) ? 3 : 0;
      if (window.eof && isBlankAscii(window.bytes.subarray(bom))) throw emptyFile(file);
      return Scanner.open(window, bom, encode, keep);
    },
  };
}

/** How much of a streamed input the fast path holds at once; a longer line grows it. */
const WINDOW_BYTES = 4 << 20;

/**
 * The bytes the scanner sees: the whole input, or a streamed input one buffer at a time. Records
 * never straddle `lastLine` (the fast path takes one record per line), so everything up to it can
 * be scanned before the window moves on.
 */
class ByteWindow {
  bytes: NodeBuffer;
  /** Index of the last line feed in `bytes`, -1 if none: a record starting at or before it is complete. */
  lastLine: number;
  eof: boolean;
  private filled = 0;
  /** Bytes given to the scanner so far, for estimates. */
  consumed = 0;
  /** Whether any byte read so far is a NUL (a streamed input is looked at window by window). */
  sawNul = false;

  private constructor(private readonly input: StreamedInput | null, private readonly file: string, private buffer: NodeBuffer) {
    this.bytes = buffer;
    this.lastLine = -1;
    this.eof = input === null;
    if (input === null) {
      this.filled = buffer.length;
      this.lastLine = buffer.lastIndexOf(LF);
    }
  }

  static whole(bytes: NodeBuffer): ByteWindow {
    return new ByteWindow(null, '', bytes);
  }

  static stream(input: StreamedInput, file: string): ByteWindow {
    // A file reads whole in one window when it fits; a size of 0 may be a pipe, which is read window by window.
    const bytes = Math.max(1, Math.min(input.windowBytes ?? WINDOW_BYTES, input.size > 0 ? input.size + 1 : WINDOW_BYTES));
    const window = new ByteWindow(input, file, Buffer.allocUnsafeSlow(bytes) as NodeBuffer);
    window.fill(0);
    return window;
  }

  /** Total size of the input, when streamed (an estimate); the window's length otherwise. */
  get size(): number {
    return this.input ? this.input.size : this.bytes.length;
  }

  /** Drops the bytes before `keep` and reads on (positions move down by `keep`). */
  advance(keep: number): void {
    const carried = this.filled - keep;
    if (carried === this.buffer.length) {
      // One line longer than the whole buffer: make room.
      const bigger = Buffer.allocUnsafeSlow(this.buffer.length * 2) as NodeBuffer;
      this.buffer.copy(bigger, 0, keep, this.filled);
      this.buffer = bigger;
    } else {
      this.buffer.copyWithin(0, keep, this.filled);
    }
    this.consumed += keep;
    this.fill(carried);
  }

  private fill(carried: number): void {
    const input = this.input!;
    const buffer = this.buffer;
    let filled = carried;
    while (filled < buffer.length) {
      const n = input.read(buffer, filled, buffer.length - filled);
      if (n === 0) {
        this.eof = true;
        break;
      }
      filled += n;
    }
    // The new bytes only (the carried ones were looked at last time): one memchr pass.
    if (!this.sawNul && buffer.subarray(carried, filled).indexOf(0) !== -1) this.sawNul = true;
    this.filled = filled;
    this.bytes = buffer.subarray(0, filled) as NodeBuffer;
    this.lastLine = this.bytes.lastIndexOf(LF);
    // The carried bytes were past the previous window's last line: they are checked now, whole lines only.
    const complete = this.eof ? filled : this.lastLine + 1;
    if (!isUtf8(this.bytes.subarray(0, complete))) decodeUtf8(this.bytes.subarray(0, complete), this.file);
  }
}

function decodeText(input: string | Uint8Array, file: string): string {
  let text = typeof input === 'string' ? input : decodeUtf8(input, file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw emptyFile(file);
  return text;
}

function emptyFile(file: string): DataError {
  return new DataError('csv.empty', `${file} is empty: it has no header row`, { file, line: 1 }, 'Export the file again; every CSV needs a header row.');
}

/** Whether the bytes are all ASCII whitespace (what String.prototype.trim removes; other blanks are left to the robust path). */
function isBlankAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 32 && (b < 9 || b > 13)) return false;
  }
  return true;
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError('csv.encoding', `${file} is not valid UTF-8`, { file }, 'Save the export as UTF-8 (OneRoster and Canvas both require it).');
  }
}

/** Mixed or CR-only line endings: normalise once for the robust path. */
function normaliseLineBreaks(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function allBlank(cells: readonly string[]): boolean {
  for (const v of cells) if (v.trim() !== '') return false;
  return true;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

// ---------------------------------------------------------------------------------------------
// Fast path: the bytes, one record per call. UTF-8 never uses bytes below 0x80 inside a
// multi-byte character, so separators, quotes and line breaks are found byte by byte.

class Scanner {
  /** The cells of the current record. */
  readonly cells: string[];
  /**
   * With `encode`: per column, the code of each record's cell (its index in the column's values).
   * Two bytes per cell until a column passes 65,535 values; sized from the line count.
   */
  private readonly codes: (Uint16Array | Int32Array)[] | null;
  private capacity = 0;
  /** Records read so far. */
  rows = 0;
  /** Set when the file turned out to need the robust path. */
  failed = false;
  private pos: number;
  private bytes: NodeBuffer;
  private readonly columns: Column[];

  private constructor(private readonly window: ByteWindow, readonly header: string[], start: number, encode: boolean, keep: readonly string[]) {
    this.pos = start;
    this.bytes = window.bytes;
    this.cells = new Array<string>(header.length).fill('');
    this.columns = header.map((name) => new Column(window.bytes, encode, encode && keep.includes(name.toLowerCase())));
    if (encode) {
      this.capacity = this.linesLeft();
      this.codes = header.map(() => new Uint16Array(this.capacity));
    } else {
      this.codes = null;
    }
  }

  /** With `encode`: the codes of a column, one per record read (and unused room after them). */
  codesOf(column: number): Uint16Array | Int32Array {
    return this.codes![column]!;
  }

  /** Stores the code of the current record's cell in column `col`. */
  private store(col: number, code: number): void {
    let codes = this.codes![col]!;
    if (code > 0xffff && codes.BYTES_PER_ELEMENT === 2) this.codes![col] = codes = Int32Array.from(codes);
    codes[this.rows] = code;
  }

  /** More room for codes when the line count was an estimate that fell short. */
  private grow(): void {
    this.capacity = Math.ceil(this.capacity * 1.5) + 1024;
    const capacity = this.capacity;
    for (let c = 0; c < this.codes!.length; c++) {
      const old = this.codes![c]!;
      const grown = old.BYTES_PER_ELEMENT === 2 ? new Uint16Array(capacity) : new Int32Array(capacity);
      grown.set(old);
      this.codes![c] = grown;
    }
  }

  /** A scanner positioned after the header (which starts at `start`), or null when the header needs the robust path. */
  static open(window: ByteWindow, start: number, encode: boolean, keep: readonly string[] = []): Scanner | null {
    while (window.lastLine < start && !window.eof) window.advance(0); // a header longer than the window
    const bytes = window.bytes;
    const lf = bytes.indexOf(LF, start);
    let end = lf === -1 ? bytes.length : lf;
    if (end > start && bytes[end - 1] === CR) end--;
    const cr = bytes.indexOf(CR, start);
    if (cr !== -1 && cr < end) return null; // a lone CR in the header line
    const line = bytes.utf8Slice(start, end);
    if (line.includes('"')) return null; // quoted headers are rare; let the robust path handle them
    const header = line.split(',').map((h) => h.trim());
    if (header.some((h) => h === '')) return null;
    return new Scanner(window, header, lf === -1 ? bytes.length : lf + 1, encode, keep);
  }

  /**
   * At least the records left, to size the tables: the lines left when the input is at hand,
   * else an estimate from the lines seen so far (the tables grow if it falls short).
   */
  linesLeft(): number {
    const bytes = this.bytes;
    let lines = 0;
    for (let at = bytes.indexOf(LF, this.pos); at !== -1; at = bytes.indexOf(LF, at + 1)) lines++;
    if (this.window.eof) return this.pos < bytes.length && bytes[bytes.length - 1] !== LF ? lines + 1 : lines;
    const seen = this.window.lastLine + 1 - this.pos;
    const left = this.window.size - this.window.consumed - this.pos;
    return seen <= 0 || left <= 0 ? 1024 : Math.ceil((left / seen) * lines * 1.02) + 16;
  }

  /** Moves the window on when the next record may not be complete in it; returns the position of that record. */
  private nextStart(): number {
    const window = this.window;
    if (this.pos <= window.lastLine || window.eof) return this.pos;
    while (this.pos > window.lastLine && !window.eof) {
      window.advance(this.pos);
      this.pos = 0;
    }
    this.bytes = window.bytes;
    for (const column of this.columns) column.rebind(window.bytes);
    return this.pos;
  }

  /** A column's values, when encoding (code 0 is ''). */
  valuesOf(column: number): string[] {
    return this.columns[column]!.values;
  }

  /** A column's values when it kept them as bytes, else null. */
  keptOf(column: number): KeptValues | null {
    return this.columns[column]!.keptValues();
  }

  /**
   * Reads the next record into `cells` (and `codes`); false at the end, or when the file turns
   * out to need the robust path (`failed`): a blank line, a lone CR, a record of another width,
   * a record of blank cells (the robust path skips those), a quote inside an unquoted cell, a
   * quoted cell not closed on its line or followed by anything but a separator.
   */
  next(): boolean {
    if (this.failed) return false;
    const start = this.nextStart();
    const bytes = this.bytes;
    const n = bytes.length;
    if (start >= n) return false;
    const first = bytes[start]!;
    if (first === LF || first === CR) return this.fail(); // blank line: the robust path skips it and numbers lines
    const cells = this.cells;
    const width = cells.length;
    const codes = this.codes;
    if (codes !== null && this.rows === this.capacity) this.grow();
    let visible = false;
    let s = start;
    for (let col = 0; ; col++) {
      if (col === width) return this.fail();
      const column = this.columns[col]!;
      let e: number;
      if (s < n && bytes[s] === QUOTE) {
        e = this.quoted(s, column, col);
        if (e < 0) return this.fail();
        if (!visible && cells[col]!.trim() !== '') visible = true;
      } else {
        // One pass over the cell's bytes finds its end, compares it with the value above and hashes it.
        cells[col] = column.scan(s);
        if (codes !== null) this.store(col, column.code);
        e = column.end;
        if (e > s) {
          const ch = bytes[s]!;
          if (ch > 32 && ch < 127) visible = true;
        }
      }
      const stop = e < n ? bytes[e]! : LF;
      if (stop === COMMA) {
        s = e + 1;
        continue;
      }
      if (stop === QUOTE) return this.fail(); // a quote inside an unquoted cell, or text after a closing quote
      if (stop === CR) {
        // Only the CR of a CRLF (or a final CR) is a line break the robust path would read the same way.
        if (e + 1 < n && bytes[e + 1] !== LF) return this.fail();
        this.pos = e + 2;
      } else if (stop === LF) {
        this.pos = e + 1;
      } else {
        return this.fail(); // text after a closing quote
      }
      if (col !== width - 1 || (!visible && allBlank(cells))) return this.fail();
      this.rows++;
      return true;
    }
  }

  /** A quoted cell at s: unescaped into cells[col]; returns where it ends, or -1 if it is not closed on its line. */
  private quoted(s: number, column: Column, col: number): number {
    const bytes = this.bytes;
    const n = bytes.length;
    let escaped = false;
    let ascii = true;
    let k = s + 1;
    for (; ; k++) {
      if (k >= n) return -1; // unterminated
      const b = bytes[k]!;
      if (b === QUOTE) {
        if (k + 1 < n && bytes[k + 1] === QUOTE) {
          escaped = true;
          k++;
          continue;
        }
        break;
      }
      if (b === LF || b === CR) return -1; // a line break inside quotes: several lines make one record
      if (b >= 0x80) ascii = false;
    }
    let value = ascii ? bytes.latin1Slice(s + 1, k) : bytes.utf8Slice(s + 1, k);
    if (escaped) value = value.replaceAll('""', '"');
    this.cells[col] = value;
    const code = column.add(value);
    if (this.codes !== null) this.store(col, code);
    return k + 1;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Columns: interned cells

/** After this many lookups a column whose values were (nearly) all new stops interning. */
const INTERN_PROBE = 4096;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Masks keeping the first 0..4 bytes of a little-endian word. */
const WORD_MASK = [0, 0xff, 0xffff, 0xffffff, -1];
/**
 * Int32s per interning table slot (16 bytes): (value index + 1) * 16 + length if at most 8 bytes
 * (0 = empty slot), hash, then the value's two words if short, else where its copy starts in `stored` and its length.
 */
const SLOT = 4;

/**
 * The cells of one column. Values are interned in an open-addressing table whose 16-byte slots
 * hold what a lookup needs: the value's hash and, for values of up to 8 bytes (ids, codes), the
 * bytes themselves as two words, so a short value is recognised without reading anything else;
 * a longer one is compared with a copy of its bytes the column keeps (`stored`: a streamed input
 * is gone by the time the value repeats). No allocation unless the value is new. With `encode` every value gets a code (its index in `values`, 0 = '').
 */
class Column {
  /** Code of the value the last `scan` returned (with `encode`). */
  code = 0;
  /** Where the cell read by the last `scan` ends (its separator, or the end of the file). */
  end = 0;
  readonly values: string[];
  private interning = true;
  /** Whether comparing with the previous row's value is worth it (it is, in sorted columns). */
  private tryLast = true;
  private cells = 0;
  private lastHits = 0;
  private lookups = 0;
  private misses = 0;
  private last = '';
  private lastStart = 0;
  private lastLength = 0;
  private lastW0 = 0;
  private lastW1 = 0;
  private lastCode = 0;
  private table = new Int32Array(64 * SLOT);
  private mask = 63;
  private view: DataView;
  /**
   * The bytes of each interned value longer than 8 bytes, one after the other: a table slot points
   * here, not into the input, which a streamed input does not keep.
   */
  private stored = new Uint8Array(0);
  private storedView = new DataView(this.stored.buffer);
  private storedLength = 0;

  /** With `keep`, once the column stops interning, values are kept as bytes here (util/kept-values.ts). */
  private kept: KeptValuesBuilder | null = null;

  constructor(private bytes: NodeBuffer, private readonly encode: boolean, private readonly keep = false) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.values = encode ? [''] : [];
  }

  /** The window moved on: cells are now read from `bytes`; the previous cell's bytes are gone. */
  rebind(bytes: NodeBuffer): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.lastLength > 8) this.lastLength = 0; // short values are compared by their words, kept here
  }

  /**
   * The cell starting at s and ending before the next comma, quote, CR, LF or the end; sets `end`
   * and `code`. Bytes are read four at a time (a DataView word) while none of them can end the
   * cell; the value above and the interning table are then checked the same way.
   */
  scan(s: number): string {
    const bytes = this.bytes;
    const view = this.view;
    const n = bytes.length;
    let k = s;
    // Words of four ASCII bytes none of which is below '-' (0x2d): the separators are all below it.
    while (k + 4 <= n) {
      const w = view.getUint32(k, true);
      if ((((w - 0x2d2d2d2d) & ~w) | w) & 0x80808080) break;
      k += 4;
    }
    let high = 0;
    for (; k < n; k++) {
      const b = bytes[k]!;
      if (b <= QUOTE ? b === QUOTE || b === LF || b === CR : b === COMMA) break;
      high |= b;
    }
    this.end = k;
    if (k === s) return this.empty();
    const length = k - s;
    const ascii = high < 0x80;
    this.cells++;
    if (length <= 8) {
      const w0 = this.word(s, length < 4 ? length : 4);
      const w1 = length > 4 ? this.word(s + 4, length - 4) : 0;
      // Exports are sorted: the value of the row above is the most likely one.
      if (this.tryLast && length === this.lastLength && w0 === this.lastW0 && w1 === this.lastW1) return this.repeat();
      if (!this.interning) return this.distinct(s, k, ascii, w0, w1);
      let hash = Math.imul(w0 ^ length, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77);
      hash ^= hash >>> 15;
      return this.intern(s, k, ascii, hash, w0, w1);
    }
    if (this.tryLast && length === this.lastLength && this.same(s, this.lastStart, length)) return this.repeat();
    if (!this.interning) return this.distinct(s, k, ascii, 0, 0);
    // FNV-1a over the cell's 4-byte words (counted from its start), then its last bytes.
    let hash = FNV_OFFSET;
    let j = s;
    for (; j + 4 <= k; j += 4) hash = Math.imul(hash ^ view.getUint32(j, true), FNV_PRIME);
    for (; j < k; j++) hash = Math.imul(hash ^ bytes[j]!, FNV_PRIME);
    return this.intern(s, k, ascii, hash, 0, 0);
  }

  /** A value that is not a stretch of the file (a quoted cell, unescaped): coded, not interned. */
  add(value: string): number {
    this.lastLength = 0; // the next cell is not compared with it
    if (this.kept) return this.kept.addText(value);
    return this.encode ? this.values.push(value) - 1 : 0;
  }

  keptValues(): KeptValues | null {
    return this.kept ? this.kept.finish() : null;
  }

  /** The first `count` (0..4) bytes at p as a little-endian number. */
  private word(p: number, count: number): number {
    if (p + 4 <= this.bytes.length) return this.view.getUint32(p, true) & WORD_MASK[count]!;
    let w = 0;
    for (let i = count - 1; i >= 0; i--) w = (w << 8) | this.bytes[p + i]!;
    return w;
  }

  private empty(): string {
    this.code = 0;
    return '';
  }

  private repeat(): string {
    this.lastHits++;
    this.code = this.lastCode;
    return this.last;
  }

  /** A value not looked up (the column's values are all different). */
  private distinct(s: number, e: number, ascii: boolean, w0: number, w1: number): string {
    if (this.kept) {
      // The scanner only reads a cell's text to tell a blank record, when its first byte is not printable ASCII.
      const first = this.bytes[s]!;
      const v = first > 32 && first < 127 ? '' : this.make(s, e, ascii);
      this.remember(v, s, e - s, w0, w1, this.kept.addBytes(this.bytes, s, e, ascii));
      return v;
    }
    const v = this.make(s, e, ascii);
    const code = this.encode ? this.values.push(v) - 1 : 0;
    this.remember(v, s, e - s, w0, w1, code);
    return v;
  }

  private intern(s: number, e: number, ascii: boolean, hash: number, w0: number, w1: number): string {
    const length = e - s;
    const mask = this.mask;
    const table = this.table;
    const short = length <= 8;
    this.lookups++;
    let slot = hash & mask;
    const tag = short ? length : 0;
    for (let at = slot * SLOT, held = table[at]!; held !== 0; slot = (slot + 1) & mask, at = slot * SLOT, held = table[at]!) {
      if (table[at + 1] !== hash || (held & 15) !== tag) continue;
      if (short ? table[at + 2] === w0 && table[at + 3] === w1 : table[at + 3] === length && this.sameAsStored(s, table[at + 2]!, length)) {
        const index = (held >>> 4) - 1;
        const v = this.values[index]!;
        this.remember(v, s, length, w0, w1, index);
        return v;
      }
    }
    this.misses++;
    const v = this.make(s, e, ascii);
    const index = this.values.push(v) - 1;
    const at = slot * SLOT;
    table[at] = (index + 1) * 16 + tag;
    table[at + 1] = hash;
    table[at + 2] = short ? w0 : this.store(s, length);
    table[at + 3] = short ? w1 : length;
    if ((index + 1) * 2 > mask) this.grow();
    if ((this.lookups === INTERN_PROBE || this.lookups === 1 << 20) && this.misses * 10 > this.lookups * 9) this.stopInterning();
    this.remember(v, s, length, w0, w1, this.encode ? index : 0);
    return v;
  }

  private remember(v: string, start: number, length: number, w0: number, w1: number, code: number): void {
    this.last = v;
    this.lastStart = start;
    this.lastLength = length;
    this.lastW0 = w0;
    this.lastW1 = w1;
    this.code = this.lastCode = code;
  }

  /** bytes[a, a + length) === bytes[b, b + length), last word first (ids differ at the end). */
  private same(a: number, b: number, length: number): boolean {
    if (a === b) return true;
    if (length < 4) {
      const bytes = this.bytes;
      for (let k = length - 1; k >= 0; k--) if (bytes[a + k] !== bytes[b + k]) return false;
      return true;
    }
    const view = this.view;
    if (view.getUint32(a + length - 4, true) !== view.getUint32(b + length - 4, true)) return false;
    for (let k = 0; k + 4 < length; k += 4) if (view.getUint32(a + k, true) !== view.getUint32(b + k, true)) return false;
    return true;
  }

  /** Keeps a copy of bytes [s, s + length) for later comparisons; returns where it is kept. */
  private store(s: number, length: number): number {
    const at = this.storedLength;
    if (at + length > this.stored.length) {
      const grown = new Uint8Array(Math.max(this.stored.length * 2, at + length + 4096));
      grown.set(this.stored.subarray(0, at));
      this.stored = grown;
      this.storedView = new DataView(grown.buffer);
    }
    this.stored.set(this.bytes.subarray(s, s + length), at);
    this.storedLength = at + length;
    return at;
  }

  /** bytes[s, s + length) === stored[at, at + length) (length > 8), last word first. */
  private sameAsStored(s: number, at: number, length: number): boolean {
    const view = this.view;
    const kept = this.storedView;
    if (view.getUint32(s + length - 4, true) !== kept.getUint32(at + length - 4, true)) return false;
    for (let k = 0; k + 4 < length; k += 4) if (view.getUint32(s + k, true) !== kept.getUint32(at + k, true)) return false;
    return true;
  }

  /** A new string for bytes [s, e): short ASCII ones built from char codes, others decoded by Buffer. */
  private make(s: number, e: number, ascii: boolean): string {
    const b = this.bytes;
    if (!ascii) return b.utf8Slice(s, e);
    switch (e - s) {
      case 1: return String.fromCharCode(b[s]!);
      case 2: return String.fromCharCode(b[s]!, b[s + 1]!);
      case 3: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
      case 4: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
      case 5: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
      case 6: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
      case 7: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
      case 8: return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
      default: return b.latin1Slice(s, e);
    }
  }

  private grow(): void {
    const size = (this.mask + 1) * 4;
    const table = new Int32Array(size * SLOT);
    const mask = size - 1;
    const old = this.table;
    for (let i = 0; i <= this.mask; i++) {
      const from = i * SLOT;
      if (old[from] === 0) continue;
      let slot = old[from + 1]! & mask;
      while (table[slot * SLOT] !== 0) slot = (slot + 1) & mask;
      const to = slot * SLOT;
      for (let i2 = 0; i2 < SLOT; i2++) table[to + i2] = old[from + i2]!;
    }
    this.table = table;
    this.mask = mask;
  }

  /** Values in this column are (nearly) all distinct: stop looking them up. */
  private stopInterning(): void {
    this.interning = false;
    this.tryLast = this.lastHits * 10 > this.cells;
    this.table = new Int32Array(0);
    this.stored = new Uint8Array(0);
    this.storedView = new DataView(this.stored.buffer);
    this.storedLength = 0;
    if (!this.encode) this.values.length = 0;
    else if (this.keep) {
      // The values made so far keep their codes: the bytes of each, in order.
      const kept = new KeptValuesBuilder();
      for (let code = 1; code < this.values.length; code++) kept.addText(this.values[code]!);
      this.values.length = 1;
      this.kept = kept;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Robust path

// csv-parse (its CommonJS build) is required when the first irregular file comes: regular files never load it.
const require = createRequire(import.meta.url);

function robustParse(text: string, file: string): CsvTable {
  const csvParseSync = (require('csv-parse/sync') as typeof import('csv-parse/sync')).parse;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = csvParseSync(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      bom: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    throw new DataError(
      'csv.malformed',
      `${file} is not valid CSV: ${e.message ?? String(err)}`,
      { file, line: e.lines },
      'Check the quoting on that line: a field with a comma or quote must be wrapped in double quotes, and inner quotes doubled.',
    );
  }
  const diagnostics: Diagnostic[] = [];
  const headerRecord = records[0]!.record.map((h) => h.trim());
  // Trailing empty header cells (",,") are a common export slip: drop them.
  let width = headerRecord.length;
  while (width > 0 && headerRecord[width - 1] === '') width--;
  const header = headerRecord.slice(0, width);
  const emptyAt = header.indexOf('');
  if (emptyAt !== -1) {
    throw new DataError('csv.empty-header', `${file}: header column ${emptyAt + 1} has no name`, { file, line: 1, column: emptyAt + 1 }, 'Name every column in the header row, or remove the empty column.');
  }
  const rows: string[][] = [];
  const lineNumbers = new Int32Array(records.length - 1);
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i]!;
    const line = info.lines;
    if (record.every((v) => v.trim() === '')) continue;
    if (record.length > width && record.slice(width).some((v) => v.trim() !== '')) {
      diagnostics.push({
        severity: 'warning', code: 'csv.extra-fields', file, line,
        message: `row has ${record.length} fields but the header names ${width}; the extra values are ignored`,
        hint: 'Add a header for the extra column or remove the trailing values.',
      });
    }
    const row = record.length === width ? record : normaliseWidth(record, width);
    lineNumbers[rows.length] = line;
    rows.push(row);
  }
  return { file, header, rows, lineNumbers: lineNumbers.subarray(0, rows.length), diagnostics };
}

function normaliseWidth(record: string[], width: number): string[] {
  if (record.length > width) return record.slice(0, width);
  const row = record.slice();
  while (row.length < width) row.push('');
  return row;
}
