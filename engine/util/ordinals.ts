/**
 * Strings as small numbers. An enrollment is identified by section + user + role; building a
 * `section|user|role` string per enrollment (twice a million of them in a large district) and
 * hashing it into a Map was most of the planner's time. Instead each part becomes its ordinal
 * (see plan/diff/enrollments.ts): no allocation per enrollment, and a tuple cannot be confused
 * with another one whose ids happen to contain the separator. The same numbering codes the
 * column tables made from records (roles, statuses, ids), whose `values` list it keeps.
 */

/**
 * Strings → dense ordinals 0, 1, 2, … in order of first appearance. For small vocabularies looked
 * up again and again (roles, statuses, sections): a Map reuses each string's cached hash. A set of
 * a few hundred thousand fresh ids is numbered by util/id-index.ts instead.
 */
export class Ordinals {
  private readonly map = new Map<string, number>();
  private readonly list: string[] = [];

  /** The string's ordinal, assigning the next one when it is new. */
  of(value: string): number {
    let ordinal = this.map.get(value);
    if (ordinal === undefined) {
      ordinal = this.list.push(value) - 1;
      this.map.set(value, ordinal);
    }
    return ordinal;
  }

  /** The string's ordinal, or -1 when it has none. */
  find(value: string): number {
    return this.map.get(value) ?? -1;
  }

  get size(): number {
    return this.list.length;
  }

  /** The strings, by ordinal. */
  get values(): readonly string[] {
    return this.list;
  }
}
