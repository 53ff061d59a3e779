/**
 * Calendar arithmetic on OneRoster dates (`YYYY-MM-DD`), all in UTC so no machine's zone leaks in.
 */

export function ymd(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

function toMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

export function addDays(date: string, days: number): string {
  return new Date(toMs(date) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toMs(b) - toMs(a)) / 86_400_000);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(toMs(date)).getUTCDay();
}

/** The first date on or after `date` that falls on `weekday` (0 = Sunday). */
export function onOrAfter(date: string, weekday: number): string {
  return addDays(date, (weekday - dayOfWeek(date) + 7) % 7);
}

/** `date` itself when it is Monday–Friday, else the following Monday. */
export function nextSchoolDay(date: string): string {
  const dow = dayOfWeek(date);
  return dow === 6 ? addDays(date, 2) : dow === 0 ? addDays(date, 1) : date;
}

export const MONDAY = 1;
export const FRIDAY = 5;
