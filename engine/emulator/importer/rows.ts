/**
 * A CSV row as Canvas's importers see it (§2.0): header names lower-cased, every value
 * whitespace-stripped with empty meaning null, and a column absent from the header told apart
 * from an empty value where an importer cares (`has`).
 */

export class CsvFile {
  private readonly index = new Map<string, number>();

  constructor(readonly name: string, readonly header: readonly string[], readonly rows: readonly (readonly string[])[], readonly lines: readonly number[]) {
    header.forEach((h, i) => {
      const key = h.trim().toLowerCase();
      if (!this.index.has(key)) this.index.set(key, i);
    });
  }

  has(column: string): boolean {
    return this.index.has(column);
  }

  column(name: string): number {
    return this.index.get(name) ?? -1;
  }

  row(i: number): Row {
    return new Row(this, this.rows[i]!, this.lines[i]!);
  }
}

export class Row {
  constructor(readonly file: CsvFile, readonly cells: readonly string[], readonly line: number) {}

  /** Stripped value; empty or absent → null. */
  get(column: string): string | null {
    const i = this.file.column(column);
    if (i < 0) return null;
    const v = (this.cells[i] ?? '').trim();
    return v === '' ? null : v;
  }

  has(column: string): boolean {
    return this.file.has(column);
  }

  /** The row's raw values joined, for checks over every field (NUL characters). */
  anyCell(test: (value: string) => boolean): boolean {
    return this.cells.some(test);
  }

  get blank(): boolean {
    return this.cells.every((c) => c.trim() === '');
  }
}

/** Canvas's `value_to_boolean` for CSV and API values. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  if (typeof value !== 'string') return false;
  return ['true', '1', 'on', 'yes', 't', 'y'].includes(value.trim().toLowerCase());
}
