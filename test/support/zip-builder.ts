/**
 * Zips built byte by byte for tests, including the ones no archiver writes: sizes that lie, an
 * encrypted flag, an unknown method, names that climb out of the archive, and bombs (a small
 * archive that inflates to gigabytes, built without ever holding the inflated bytes).
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  /** The entry's bytes (compressed here unless `raw` is given). */
  data?: Uint8Array;
  /** Already compressed data with its true inflated size and CRC (for bombs). */
  raw?: { compressed: Uint8Array; size: number; crc: number };
  method?: number;
  /** Overrides the inflated size written in the headers (a lie). */
  declaredSize?: number;
  flags?: number;
}

export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const data = e.data ?? new Uint8Array(0);
    const compressed = e.raw ? e.raw.compressed : method === 8 ? deflateRawSync(data) : data;
    const size = e.declaredSize ?? (e.raw ? e.raw.size : data.length);
    const crc = e.raw ? e.raw.crc : crc32(data);
    const name = Buffer.from(e.name, 'utf8');
    const flags = (e.flags ?? 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, Buffer.from(compressed));
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * Deflated data that inflates to `chunk` repeated `times` times: `chunk` is compressed once as a
 * block that ends on a byte boundary (sync flush) and refers only to its own bytes, so copies of it
 * can follow one another; a final empty block closes the stream. Never holds the inflated bytes.
 */
export function repeatedDeflate(chunk: Uint8Array, times: number): { compressed: Uint8Array; size: number; crc: number } {
  const block = deflateRawSync(chunk, { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  const finalBlock = Buffer.from([0x03, 0x00]);
  const compressed = Buffer.concat([...Array.from({ length: times }, () => block), finalBlock]);
  let crc = 0;
  for (let i = 0; i < times; i++) crc = crc32(chunk, crc);
  return { compressed, size: chunk.length * times, crc };
}
