/** Small helpers for the words of a diagnostic: a value as a message shows it, a hint looked up in a table. */

/** An own property of a lookup table (never one inherited from Object.prototype). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function show(value: unknown): string {
  let s = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  if (s.length > 60) s = s.slice(0, 57) + '…';
  return s;
}
