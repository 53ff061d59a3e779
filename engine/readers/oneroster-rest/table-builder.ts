/**
 * Builds, record by record, the same dictionary-encoded table (`CsvColumns`) the CSV parser makes
 * of a file, so that records pulled over REST go through exactly the checks and the transform a
 * CSV export goes through. Pages are added as they arrive and their JSON is let go at once.
 *
 * A row's number in messages and `reason.source` is its record number in the collection (1 is
 * the record at offset 0), under the label `rest:<collection>`.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CsvColumn, CsvColumns } from '../../util/csv.js';
import type { FileDigest } from '../../util/digest.js';

/** One column's codes, in a typed array that doubles as it fills (a million enrollments are a million codes). */
class ColumnBuilder {
  readonly values: string[] = [''];
  private readonly codeOf = new Map<string, number>([['', 0]]);
  private codes = new Int32Array(1024);
  private length = 0;

  push(value: string): void {
    let code = this.codeOf.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codeOf.set(value, code);
    }
    if (this.length === this.codes.length) {
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = code;
  }

  /** Pads a column first seen after `rows` records (a metadata key appearing late). */
  padTo(rows: number): void {
    while (this.length < rows) this.push('');
  }

  build(rows: number): CsvColumn {
    this.padTo(rows);
    const used = this.codes.subarray(0, this.length);
    const codes = this.values.length < 65536 ? Uint16Array.from(used) : used.slice();
    this.codes = new Int32Array(0);
    return { codes, values: this.values };
  }
}

export class TableBuilder {
  private readonly header: string[];
  private readonly columns: ColumnBuilder[];
  private readonly indexOf = new Map<string, number>();
  private readonly hash: Hash = createHash('sha256');
  private byteLength = 0;
  rowCount = 0;

  constructor(readonly canonicalName: string, readonly label: string, header: readonly string[]) {
    this.header = [...header];
    this.columns = header.map(() => new ColumnBuilder());
    header.forEach((name, i) => this.indexOf.set(name, i));
  }

  /** Adds one record: column name → cell text (absent = empty). Unknown names (metadata.*) become columns. */
  add(cells: ReadonlyMap<string, string>): void {
    for (const name of cells.keys()) {
      if (!this.indexOf.has(name)) {
        this.indexOf.set(name, this.header.length);
        this.header.push(name);
        const column = new ColumnBuilder();
        column.padTo(this.rowCount);
        this.columns.push(column);
      }
    }
    const framed: string[] = [];
    for (let c = 0; c < this.header.length; c++) {
      const value = cells.get(this.header[c]!) ?? '';
      this.columns[c]!.push(value);
      if (value !== '') framed.push(this.header[c]!, value);
    }
    // The digest is of the records' content (column name and value), independent of paging.
    const line = JSON.stringify(framed) + '\n';
    this.byteLength += line.length;
    this.hash.update(line);
    this.rowCount++;
  }

  build(): { table: CsvColumns; digest: FileDigest } {
    const lineNumbers = new Int32Array(this.rowCount);
    for (let i = 0; i < this.rowCount; i++) lineNumbers[i] = i + 1;
    const table: CsvColumns = {
      file: this.label,
      header: this.header,
      rowCount: this.rowCount,
      columns: this.columns.map((c) => c.build(this.rowCount)),
      lineNumbers,
      diagnostics: [],
    };
    return { table, digest: { canonicalName: this.canonicalName, byteLength: this.byteLength, sha256: this.hash.digest('hex') } };
  }
}
