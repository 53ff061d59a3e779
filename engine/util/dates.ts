/**
 * Dates cross three conventions: OneRoster calendar dates (`YYYY-MM-DD`, no zone), Canvas report
 * instants (ISO 8601 in the root account's zone, e.g. `2024-01-15T00:00:00-06:00`) and the loose
 * forms Canvas accepts on import. The planner compares instants normalised to UTC
 * (`YYYY-MM-DDTHH:MM:SSZ`), so a zone difference is never mistaken for a change.
 */

const ISO_INSTANT = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Normalise an ISO-like instant to `YYYY-MM-DDTHH:MM:SSZ`; a value without zone is read in `timeZone`. */
export function toUtcInstant(value: string | null | undefined, timeZone = 'UTC'): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  const m = ISO_INSTANT.exec(v);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  if (!validFields(fields)) return null;
  let ms: number;
  if (zone) {
    ms = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
    if (zone.toUpperCase() !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
  } else {
    ms = zonedToUtcMs(fields, timeZone);
  }
  return formatUtc(ms);
}

/** A OneRoster calendar date at local midnight (plus `dayOffset` days) in `timeZone`, as UTC instant. */
export function calendarDateToUtc(date: string, timeZone: string, dayOffset = 0): string | null {
  const m = CALENDAR_DATE.exec(date.trim());
  if (!m) return null;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + dayOffset);
  const d = new Date(base);
  const fields = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, 0] as const;
  if (!validFields([Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0])) return null;
  return formatUtc(zonedToUtcMs(fields, timeZone));
}

export function isCalendarDate(value: string): boolean {
  const m = CALENDAR_DATE.exec(value);
  return m !== null && validFields([Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0]);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function validFields([y, mo, d, h, mi, s]: readonly number[]): boolean {
  if (mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || s! > 59) return false;
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  return d! <= days;
}

function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset (ms) of `timeZone` from UTC at the UTC instant `ms`. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    offsetFormatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - ms;
}

function zonedToUtcMs(f: readonly [number, number, number, number, number, number], timeZone: string): number {
  const naive = Date.UTC(f[0], f[1] - 1, f[2], f[3], f[4], f[5]);
  // Two passes settle the offset across a DST change.
  let ms = naive - zoneOffsetMs(naive, timeZone);
  ms = naive - zoneOffsetMs(ms, timeZone);
  return ms;
}
