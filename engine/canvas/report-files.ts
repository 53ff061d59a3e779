/**
 * Writes a `CanvasState` as the files of a Canvas `provisioning_csv` report (canvas-sis.md §4.1,
 * §4.3): one `<entity>.csv` per entity with exactly the report's columns, in the report's order.
 * Used by the Canvas emulator and the generator, and read back by engine/readers/canvas-report.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { strToU8, zipSync } from 'fflate';
import { AUTH_PROVIDER_COLUMNS, AUTH_PROVIDERS_FILE } from './auth-providers.js';
import { PROVISIONING_COLUMNS, TERM_OVERRIDE_COLUMNS, TERM_OVERRIDES_FILE, type ProvisioningEntity } from './columns.js';
import { DataError } from '../errors.js';
import { toUtcInstant } from '../util/dates.js';
import type { Cell, CanvasState, EnrollmentRecord } from '../model/canvas.js';

export interface ProvisioningRenderOptions {
  /** Root account time zone (IANA name); dates are written with its offset. Default `UTC`. */
  timeZone?: string;
  /** Entities to write (the report's entity flags). Default: all six. */
  entities?: ProvisioningEntity[];
}

/** The order in which Canvas packs entity files into the report (§4.1 packaging). */
export const PROVISIONING_ENTITY_ORDER: readonly ProvisioningEntity[] = ['users', 'accounts', 'terms', 'courses', 'sections', 'enrollments'];

export function provisioningFileName(entity: ProvisioningEntity): string {
  return `${entity}.csv`;
}

/**
 * File name → CSV text, in Canvas's entity order; then the rosterops extensions: `term_overrides.csv`
 * when overrides are known, `authentication_providers.csv` when the providers are.
 */
export function renderProvisioningFiles(state: CanvasState, options: ProvisioningRenderOptions = {}): Map<string, string> {
  const timeZone = options.timeZone ?? 'UTC';
  const wanted = new Set(options.entities ?? PROVISIONING_ENTITY_ORDER);
  const formatDate = dateFormatter(timeZone);
  const files = new Map<string, string>();
  for (const entity of PROVISIONING_ENTITY_ORDER) {
    if (!wanted.has(entity)) continue;
    const rows = entityRows(state, entity, formatDate);
    files.set(provisioningFileName(entity), toCsv(PROVISIONING_COLUMNS[entity], rows));
  }
  // Overrides travel with terms: a report without terms has no term dates to override.
  if (state.termOverrides !== null && wanted.has('terms')) {
    files.set(TERM_OVERRIDES_FILE, toCsv(TERM_OVERRIDE_COLUMNS, termOverrideRows(state, formatDate)));
  }
  // The account's login providers, when known, so that a snapshot reads provider ids as a live read does.
  if (state.authProviders && wanted.has('users')) {
    files.set(AUTH_PROVIDERS_FILE, toCsv(AUTH_PROVIDER_COLUMNS, state.authProviders.map((p) => [p.id, p.auth_type])));
  }
  return files;
}

/** Writes the report files into `dir` (created if needed); returns the file names written. */
export async function writeProvisioningDir(state: CanvasState, dir: string, options: ProvisioningRenderOptions = {}): Promise<string[]> {
  const files = renderProvisioningFiles(state, options);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of files) await writeFile(join(dir, name), text, 'utf8');
  return [...files.keys()];
}

/** The report as Canvas packages several entities: a zip with the entity files at its root. */
export function provisioningZip(state: CanvasState, options: ProvisioningRenderOptions = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of renderProvisioningFiles(state, options)) entries[name] = strToU8(text);
  return zipSync(entries);
}

// ---------------------------------------------------------------------------------------------
// Rows per entity. Each array follows PROVISIONING_COLUMNS[entity] exactly; cells the records do
// not carry (course_format, blueprint and associated-user ids) are written empty.

type Row = (string | null)[];
type DateFormat = (value: Cell, where: string) => string | null;

function entityRows(state: CanvasState, entity: ProvisioningEntity, date: DateFormat): Row[] {
  switch (entity) {
    case 'users':
      return state.users.map((u) => [
        u.canvas_user_id ?? null, u.user_id, u.integration_id, u.authentication_provider_id, u.login_id,
        u.first_name, u.last_name, u.full_name, u.sortable_name, u.short_name, u.email, u.status, bool(u.created_by_sis),
      ]);
    case 'accounts':
      return state.accounts.map((a) => [
        a.canvas_account_id ?? null, a.account_id, a.canvas_parent_id ?? null, a.parent_account_id, a.name, a.status, bool(a.created_by_sis),
      ]);
    case 'terms':
      return state.terms.map((t) => [
        t.canvas_term_id ?? null, t.term_id, t.name, t.status,
        date(t.start_date, `term ${t.term_id} start_date`), date(t.end_date, `term ${t.term_id} end_date`), bool(t.created_by_sis),
      ]);
    case 'courses':
      return state.courses.map((c) => [
        c.canvas_course_id ?? null, c.course_id, c.integration_id, c.short_name, c.long_name,
        c.canvas_account_id ?? null, c.account_id, c.canvas_term_id ?? null, c.term_id, c.status,
        date(c.start_date, `course ${c.course_id} start_date`), date(c.end_date, `course ${c.course_id} end_date`),
        null, null, null, bool(c.created_by_sis),
      ]);
    case 'sections':
      return state.sections.map((s) => [
        s.canvas_section_id ?? null, s.section_id, s.canvas_course_id ?? null, s.course_id, s.integration_id, s.name, s.status,
        date(s.start_date, `section ${s.section_id} start_date`), date(s.end_date, `section ${s.section_id} end_date`),
        s.canvas_account_id ?? null, s.account_id ?? null, bool(s.created_by_sis),
      ]);
    case 'enrollments':
      return state.enrollments.map((e) => [
        e.canvas_course_id ?? null, e.course_id, e.canvas_user_id ?? null, e.user_id, e.role, e.role_id ?? null,
        e.canvas_section_id ?? null, e.section_id, e.status, null, null, bool(e.created_by_sis),
        baseRoleType(e), bool(e.limit_section_privileges), e.canvas_enrollment_id ?? null,
      ]);
  }
}

function termOverrideRows(state: CanvasState, date: DateFormat): Row[] {
  // The extension file carries the Canvas term id too, so it reads like the report's own files.
  const canvasTermId = new Map(state.terms.map((t) => [t.term_id, t.canvas_term_id ?? null]));
  return (state.termOverrides ?? []).map((o) => {
    const where = `term ${o.term_id} ${o.date_override_enrollment_type} override`;
    return [canvasTermId.get(o.term_id) ?? null, o.term_id, o.date_override_enrollment_type, date(o.start_date, `${where} start_date`), date(o.end_date, `${where} end_date`)];
  });
}

const BASE_ROLE_TYPES: Readonly<Record<string, string>> = {
  student: 'StudentEnrollment',
  teacher: 'TeacherEnrollment',
  ta: 'TaEnrollment',
  designer: 'DesignerEnrollment',
  observer: 'ObserverEnrollment',
};

/** Canvas always fills base_role_type; derive it from a base role when the record lacks it. */
function baseRoleType(e: EnrollmentRecord): string | null {
  if (e.base_role_type != null) return e.base_role_type;
  return BASE_ROLE_TYPES[e.role] ?? null;
}

function bool(value: boolean | undefined): string | null {
  return value === undefined ? null : value ? 'true' : 'false';
}

/** A cell csv-stringify would quote: it holds the delimiter, a quote or a line break. */
const NEEDS_QUOTING = /[",\r\n]/;

/**
 * csv-stringify output (quotes only where needed, like Ruby's CSV; null as an empty cell). It
 * takes ~8 s for a 1.2M-row enrollments file, so rows with no cell to quote — nearly all of them —
 * are joined directly, which is byte-for-byte what csv-stringify writes for them; the rest go
 * through csv-stringify.
 */
function toCsv(columns: readonly string[], rows: Row[]): string {
  const parts: string[] = [stringify([columns as string[]], { record_delimiter: '\n' })];
  for (const row of rows) parts.push(isPlain(row) ? row.join(',') + '\n' : stringify([row], { record_delimiter: '\n' }));
  return parts.join('');
}

function isPlain(row: Row): boolean {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v !== null && v !== undefined && NEEDS_QUOTING.test(v)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dates: ISO 8601 in the root account's zone, e.g. `2024-01-15T00:00:00-06:00` (§4.3).

/**
 * Canvas formats with ActiveSupport's `iso8601`, which writes `Z` when the zone *is* UTC and the
 * numeric offset otherwise (so `Europe/London` in winter is `+00:00`, not `Z`).
 */
const UTC_ZONE_NAMES = new Set(['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu']);

function dateFormatter(timeZone: string): DateFormat {
  const isUtc = UTC_ZONE_NAMES.has(timeZone);
  const wallClock = isUtc ? null : wallClockFormatter(timeZone);
  return (value, where) => {
    if (value === null || value === undefined) return null;
    const utc = toUtcInstant(value, 'UTC');
    if (utc === null) {
      throw new DataError('canvas-report.bad-date', `${where} is not a date: ${JSON.stringify(value)}`, { field: where },
        'CanvasState dates must be UTC instants `YYYY-MM-DDTHH:MM:SSZ`; normalise them with toUtcInstant before rendering.');
    }
    if (wallClock === null) return utc;
    return formatWithOffset(Date.parse(utc), wallClock);
  };
}

function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch {
    throw new DataError('canvas-report.bad-time-zone', `unknown time zone ${JSON.stringify(timeZone)}`, {}, 'Use an IANA zone name such as America/Chicago.');
  }
}

function formatWithOffset(ms: number, wallClock: Intl.DateTimeFormat): string {
  const parts: Record<string, number> = {};
  for (const p of wallClock.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wallAsUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  // Offsets are written to the minute (like Rails); historic zones with second offsets would
  // otherwise shift the instant, so the wall time is recomputed from the rounded offset.
  const offsetMinutes = Math.round((wallAsUtc - ms) / 60_000);
  const wall = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return wall + formatOffset(offsetMinutes);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
