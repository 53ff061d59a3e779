/**
 * A column's values kept as the bytes they were read from, one after the other, instead of as
 * strings. For a column of ids that are all different (enrollments.csv's sourcedId: a million of
 * them in a large district) the strings were a third of the parse, and the collector copied each
 * of them twice while the rest of the file was read; the reader only ever needs them to find
 * repeated ids, and a few of them for messages. Bytes are compared and hashed in place; a value
 * becomes a string only when asked for.
 */

/** Buffer's own decoders for a byte range (what buffer.toString(encoding, s, e) calls). */
type NodeBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

export class KeptValues {
  private readonly buffer: NodeBuffer;

  /**
   * Value `code` is `bytes[starts(code), ends[code])`, its start being the end of the value
   * before it; code 0 is the empty value. `ascii`: no byte is above 0x7f (values decode as latin1).
   */
  constructor(readonly bytes: Uint8Array, readonly ends: Int32Array, readonly count: number, readonly ascii: boolean) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as NodeBuffer;
  }

  start(code: number): number {
    return code === 0 ? 0 : this.ends[code - 1]!;
  }

  end(code: number): number {
    return this.ends[code]!;
  }

  text(code: number): string {
    const s = this.start(code);
    const e = this.ends[code]!;
    return this.ascii ? this.buffer.latin1Slice(s, e) : this.buffer.utf8Slice(s, e);
  }

  /** Every value as a string (what a reader that wants them all gets). */
  all(): string[] {
    const out = new Array<string>(this.count);
    for (let code = 0; code < this.count; code++) out[code] = this.text(code);
    return out;
  }
}

/** Collects the bytes of a column's values as they are read (the CSV scanner's side of KeptValues). */
export class KeptValuesBuilder {
  private bytes = new Uint8Array(1 << 16);
  private ends = new Int32Array(1 << 12);
  private length = 0;
  /** Values so far; code 0, the empty value, is there from the start. */
  count = 1;
  private ascii = true;

  /** Adds bytes [s, e) of `from` as the next value; returns its code. */
  addBytes(from: Uint8Array, s: number, e: number, ascii: boolean): number {
    const at = this.room(e - s);
    const bytes = this.bytes;
    // Ids are a few dozen bytes: a loop beats making a subarray to copy from.
    for (let k = s, to = at; k < e; k++, to++) bytes[to] = from[k]!;
    this.ascii &&= ascii;
    return this.close(at + e - s);
  }

  /** Adds a value that is not a stretch of the input (a quoted cell, unescaped). */
  addText(value: string): number {
    const at = this.room(Buffer.byteLength(value, 'utf8'));
    const written = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).write(value, at, 'utf8');
    this.ascii &&= written === value.length;
    return this.close(at + written);
  }

  finish(): KeptValues {
    return new KeptValues(this.bytes.subarray(0, this.length), this.ends.subarray(0, this.count), this.count, this.ascii);
  }

  private room(size: number): number {
    if (this.length + size > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + size));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    if (this.count === this.ends.length) {
      const grown = new Int32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    return this.length;
  }

  private close(end: number): number {
    this.length = end;
    this.ends[this.count] = end;
    return this.count++;
  }
}
