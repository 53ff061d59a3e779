/**
 * A million-row table read by column, standing in for an array property of records until
 * something asks for the records. The readers of large files (OneRoster enrollments.csv, the
 * Canvas provisioning report's enrollments) keep their columns, and the planner reads the columns;
 * the first read of the property (the emulator, the apply simulation, tests) makes the records,
 * and from then on the records are the truth (they may be edited, or the property set).
 */

/** Columns that can give any row as a record. */
export interface RecordColumns<R> {
  readonly count: number;
  record(i: number): R;
}

export class LazyRecords<H extends object, C extends RecordColumns<unknown>> {
  /** Columns of holders whose property has not made records yet. */
  private readonly pending = new WeakMap<H, C>();

  /** `coded` makes columns from a holder's records, for holders whose records are the truth. */
  constructor(private readonly property: string & keyof H, private readonly coded: (holder: H) => C) {}

  /** Gives `holder[property]` as columns, made into records on first read. */
  attach(holder: H, columns: C): void {
    this.pending.set(holder, columns);
    const settle = (records: unknown): unknown => {
      this.pending.delete(holder);
      Object.defineProperty(holder, this.property, { value: records, writable: true, enumerable: true, configurable: true });
      return records;
    };
    Object.defineProperty(holder, this.property, {
      enumerable: true,
      configurable: true,
      get: () => settle(recordsOf(columns)),
      set: (records: unknown) => settle(records),
    });
  }

  /** The holder's columns: its own while its property has not made records, else coded from the records. */
  columnsOf(holder: H): C {
    return this.pending.get(holder) ?? this.coded(holder);
  }
}

function recordsOf<R>(columns: RecordColumns<R>): R[] {
  const out = new Array<R>(columns.count);
  for (let i = 0; i < columns.count; i++) out[i] = columns.record(i);
  return out;
}
