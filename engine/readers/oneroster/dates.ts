/**
 * Dates (§1.3): stored as YYYY-MM-DD. Accepts ISO dates and datetimes, and the D/M/YYYY or
 * M/D/YYYY that spreadsheet-edited exports carry. A slash date whose parts are both <= 12 is
 * ambiguous: the other dates of the same file decide when they can, otherwise D/M/YYYY is assumed.
 */
import { rowNumberOf } from '../../util/csv.js';
import { cell, requiredCell } from './cells.js';
import type { Problems } from './problems.js';
import type { BoundColumn, Sheet } from './sheet.js';

/** How a date was written: ISO, or with slashes read day-first, month-first, either way alike (5/5), or undecidable. */
type DateOrder = 'iso' | 'dayFirst' | 'monthFirst' | 'eitherWay' | 'ambiguous';

type ParsedDate = { ok: true; iso: string; order: DateOrder; monthFirstIso: string } | { ok: false; reason: string };

/** Writes a settled date into the record (or the column) that holds it. */
type DateSetter = (field: string, iso: string) => void;

interface PendingAmbiguousDate {
  assign: DateSetter | null;
  field: string;
  monthFirstIso: string;
}

interface SlashDateStats {
  column: BoundColumn;
  firstLine: number;
  example: string;
  count: number;
  ambiguous: number;
  firstAmbiguousLine: number;
  firstAmbiguous: string;
}

/** Date cells of one file: each distinct text is parsed once; ambiguous ones are settled when the file is done. */
export class DateCells {
  private readonly cache = new Map<string, ParsedDate>();
  /** Per column index: the last text read and its parse. */
  private readonly lastRaw: string[] = [];
  private readonly lastParsed: ParsedDate[] = [];
  private readonly stats = new Map<string, SlashDateStats>();
  private readonly pending: PendingAmbiguousDate[] = [];
  private unattached = 0;
  private dayFirstExample = '';
  private monthFirstExample = '';

  constructor(private readonly sheet: Sheet, private readonly problems: Problems) {}

  /** The cell as YYYY-MM-DD; '' when empty and optional; null (after reporting) when unusable. */
  read(row: readonly string[], i: number, col: BoundColumn, required: boolean, what: string): string | null {
    const raw = required ? requiredCell(this.sheet, row, i, col, this.problems, what) : cell(row, col.index);
    if (raw === null || raw === '') return raw;
    // Consecutive rows mostly repeat a column's date: a string compare beats hashing a fresh string.
    let parsed = this.lastRaw[col.index] === raw ? this.lastParsed[col.index] : undefined;
    if (parsed === undefined) {
      parsed = this.cache.get(raw);
      if (parsed === undefined) this.cache.set(raw, (parsed = parseDate(raw)));
      this.lastRaw[col.index] = raw;
      this.lastParsed[col.index] = parsed;
    }
    if (!parsed.ok) {
      this.problems.error({
        code: 'oneroster.invalid-date', file: this.sheet.file, line: rowNumberOf(this.sheet.table, i), column: col.index + 1, field: col.name,
        message: `${col.name} "${raw}" ${parsed.reason}`,
        hint: 'Write dates as YYYY-MM-DD (e.g. 2024-08-26).',
      });
      return null;
    }
    if (parsed.order !== 'iso') this.noteSlashDate(raw, parsed, i, col);
    return parsed.iso;
  }

  /**
   * A trimmed, non-empty cell as YYYY-MM-DD when it is written so (or as an ISO datetime), without
   * reading it as a row's date; undefined when it needs `read` (a message, or a slash date to count).
   */
  isoOf(raw: string): string | undefined {
    let parsed = this.cache.get(raw);
    if (parsed === undefined) this.cache.set(raw, (parsed = parseDate(raw)));
    return parsed.ok && parsed.order === 'iso' ? parsed.iso : undefined;
  }

  /** Ties the ambiguous dates read since the last call to the record that holds them. */
  attach(record: object): void {
    if (this.unattached > 0) this.attachWith((field, iso) => { (record as Record<string, unknown>)[field] = iso; });
  }

  /** Whether the row read last holds ambiguous dates (attach them, or drop them). */
  hasUnattached(): boolean {
    return this.unattached > 0;
  }

  /** Ties the ambiguous dates read since the last call to whatever `assign` writes (a row of columns). */
  attachWith(assign: DateSetter): void {
    for (let k = this.pending.length - this.unattached; k < this.pending.length; k++) this.pending[k]!.assign = assign;
    this.unattached = 0;
  }

  /** Forgets ambiguous dates of a row that produced no record. */
  dropUnattached(): void {
    this.pending.length -= this.unattached;
    this.unattached = 0;
  }

  /** Decides the ambiguous dates from the file's evidence and reports how slash dates were read. */
  settle(): void {
    const monthFirst = this.monthFirstExample !== '' && this.dayFirstExample === '';
    if (monthFirst) for (const p of this.pending) if (p.assign) p.assign(p.field, p.monthFirstIso);
    for (const s of this.stats.values()) this.reportColumn(s, monthFirst);
  }

  private noteSlashDate(raw: string, parsed: Extract<ParsedDate, { ok: true }>, i: number, col: BoundColumn): void {
    let s = this.stats.get(col.name);
    if (!s) {
      s = { column: col, firstLine: rowNumberOf(this.sheet.table, i), example: raw, count: 0, ambiguous: 0, firstAmbiguousLine: 0, firstAmbiguous: '' };
      this.stats.set(col.name, s);
    }
    s.count++;
    if (parsed.order === 'dayFirst' && this.dayFirstExample === '') this.dayFirstExample = raw;
    if (parsed.order === 'monthFirst' && this.monthFirstExample === '') this.monthFirstExample = raw;
    if (parsed.order !== 'ambiguous') return;
    if (s.ambiguous++ === 0) {
      s.firstAmbiguousLine = rowNumberOf(this.sheet.table, i);
      s.firstAmbiguous = raw;
    }
    this.pending.push({ assign: null, field: col.name, monthFirstIso: parsed.monthFirstIso });
    this.unattached++;
  }

  private reportColumn(s: SlashDateStats, monthFirst: boolean): void {
    const { file } = this.sheet;
    const field = s.column.name;
    if (s.ambiguous > 0) {
      const reading = monthFirst ? 'M/D/YYYY' : 'D/M/YYYY';
      const why = monthFirst
        ? `like the other dates in this file (e.g. "${this.monthFirstExample}")`
        : this.dayFirstExample !== ''
          ? `like the other dates in this file (e.g. "${this.dayFirstExample}")${this.monthFirstExample !== '' ? `, although some (e.g. "${this.monthFirstExample}") are M/D/YYYY` : ''}`
          : 'by assumption: nothing in this file tells day and month apart';
      this.problems.warn({
        code: 'oneroster.ambiguous-date', file, line: s.firstAmbiguousLine, column: s.column.index + 1, field,
        message: `${s.ambiguous === 1 ? '1 date' : `${s.ambiguous} dates`} in ${field} could be day/month or month/day (e.g. "${s.firstAmbiguous}"); read as ${reading} ${why}`,
        hint: 'Check a few of these dates in the plan; export dates as YYYY-MM-DD to remove the doubt.',
      });
    }
    if (s.count > s.ambiguous) {
      this.problems.warn({
        code: 'oneroster.date-format', file, line: s.firstLine, column: s.column.index + 1, field,
        message: `${field} holds dates written with slashes (e.g. "${s.example}") instead of YYYY-MM-DD; they were converted`,
        hint: 'OneRoster dates are YYYY-MM-DD; ask the SIS vendor (or whoever edits the file in a spreadsheet) to keep that format.',
      });
    }
  }
}

function parseDate(raw: string): ParsedDate {
  // Fast path: YYYY-MM-DD, optionally followed by a time (a DateTime where a Date was expected).
  if (raw.length >= 10 && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45) {
    if (raw.length > 10 && !isTimeSeparator(raw.charCodeAt(10))) return notADate;
    return calendarDate(raw.slice(0, 4), raw.slice(5, 7), raw.slice(8, 10), 'iso');
  }
  const loose = LOOSE_ISO.exec(raw);
  if (loose) return calendarDate(loose[1]!, loose[2]!, loose[3]!, 'iso');
  const slashed = SLASHED.exec(raw);
  if (slashed) return slashDate(slashed[1]!, slashed[2]!, slashed[3]!);
  return notADate;
}

const notADate: ParsedDate = { ok: false, reason: 'is not a date; expected YYYY-MM-DD' };
const LOOSE_ISO = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function isTimeSeparator(ch: number): boolean {
  return ch === 84 /* T */ || ch === 116 /* t */ || ch === 32 /* space */;
}

function slashDate(first: string, second: string, year: string): ParsedDate {
  const a = Number(first);
  const b = Number(second);
  if (a > 12 && b > 12) return { ok: false, reason: 'has no month: neither of the first two parts is 12 or less' };
  if (a > 12) return calendarDate(year, second, first, 'dayFirst');
  if (b > 12) return calendarDate(year, first, second, 'monthFirst');
  if (a === b) return calendarDate(year, first, second, 'eitherWay');
  // Both parts are 1..12, so both readings are real dates; keep the month-first one for settle().
  const dayFirst = calendarDate(year, second, first, 'ambiguous');
  const monthFirst = calendarDate(year, first, second, 'ambiguous');
  return dayFirst.ok && monthFirst.ok ? { ...dayFirst, monthFirstIso: monthFirst.iso } : dayFirst;
}

function calendarDate(year: string, month: string, day: string, order: DateOrder): ParsedDate {
  if (!isDigits(year) || !isDigits(month) || !isDigits(day)) return notADate;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return { ok: false, reason: 'is not a real calendar date' };
  const iso = `${year}-${month.length === 1 ? '0' : ''}${month}-${day.length === 1 ? '0' : ''}${day}`;
  return { ok: true, iso, order, monthFirstIso: '' };
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
