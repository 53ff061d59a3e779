/** Records: each file's records by sourcedId, the registry other files resolve their references against. */
import { IdIndex } from '../../util/id-index.js';

/**
 * What one file contributed, by sourcedId. Besides the records it remembers the ids that must not
 * be reported as dangling: rows skipped as tobedeleted (a reference to them is skipped with a
 * warning) and rows that already produced an error (a second error would only repeat the first).
 */
export class Registry<T extends { sourcedId: string }> {
  /** Records in file order; a record's position is its ordinal. Records are only ever added. */
  readonly list: T[] = [];
  private readonly index = new IdIndex();
  /** sourcedIds of rows skipped because they are (or depend on) tobedeleted records. */
  readonly deleted = new Set<string>();
  readonly broken = new Set<string>();

  constructor(readonly file: string, readonly usable: boolean) {}

  add(record: T): void {
    this.index.add(record.sourcedId);
    this.list.push(record);
  }

  get(id: string): T | undefined {
    const ordinal = this.index.ordinalOf(id);
    return ordinal === -1 ? undefined : this.list[ordinal];
  }

  /** Position of the record in `list`, or -1; lets callers key dense arrays by record. */
  ordinalOf(id: string): number {
    return this.index.ordinalOf(id);
  }

  /** The record's own sourcedId string (interned: references share it instead of keeping their copy). */
  idAt(ordinal: number): string {
    return this.index.ids[ordinal]!;
  }

  records(): T[] {
    return this.list;
  }

  /** Why a reference to `id` (not in the registry) does not resolve. */
  whyMissing(id: string): 'deleted' | 'known-bad' | 'missing' {
    if (this.deleted.has(id)) return 'deleted';
    if (!this.usable || this.broken.has(id)) return 'known-bad';
    return 'missing';
  }
}

/**
 * The last id looked up in a registry. Exports are usually sorted by class or by user, so
 * consecutive enrollment rows repeat ids; comparing with the previous id skips the hash lookup.
 */
export class RecentLookup<T extends { sourcedId: string }> {
  private lastId: string | null = null;
  private lastOrdinal = -1;

  constructor(private readonly registry: Registry<T>) {}

  ordinalOf(id: string): number {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastOrdinal = this.registry.ordinalOf(id);
    }
    return this.lastOrdinal;
  }
}

export function emptyRegistry<T extends { sourcedId: string }>(file: string): Registry<T> {
  return new Registry<T>(file, false);
}
