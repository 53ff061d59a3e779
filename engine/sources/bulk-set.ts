/**
 * Writes an export (a folder of CSVs or a .zip, as the OneRoster reader opens it) as a OneRoster
 * CSV bulk set: a folder holding the files rosterops reads and manifest.csv, with the data rows
 * of each counted. Used by `rosterops pull --out`. Files are copied byte for byte, so a pulled
 * set plans exactly as the source did (same digests).
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { DATA_FILES, fileNameOf, MANIFEST, openPackage } from '../readers/oneroster/files.js';
import { readZipFile } from '../util/csv-file.js';
import { openLazyZip, type LazyZip } from '../util/lazy-zip.js';
import { DEFAULT_LIMITS, type InputLimits } from '../util/limits.js';

export interface WrittenFile {
  name: string;
  /** Data rows (records after the header). */
  rows: number;
  bytes: number;
}

/**
 * Copies the export's manifest.csv and data files into `outDir` (which must be empty or new);
 * writes a manifest.csv when the export has none (REST pulls, exports without one).
 */
export async function writeBulkSet(exportPath: string, outDir: string, format: 'oneroster-1.1' | 'oneroster-1.2', limits: InputLimits = DEFAULT_LIMITS): Promise<WrittenFile[]> {
  const pkg = openPackage(exportPath, undefined, limits);
  mkdirSync(outDir, { recursive: true });
  const written: WrittenFile[] = [];
  let zip: LazyZip | null = null;
  const order = [MANIFEST, ...DATA_FILES.map(fileNameOf)];
  for (const name of order) {
    const file = pkg.loaded.get(name.toLowerCase());
    if (!file) continue;
    const target = join(outDir, name);
    const { entry, path, label } = file.job;
    if (entry === undefined) {
      written.push({ name, ...(await copyCounting(path, target)) });
      continue;
    }
    zip ??= openLazyZip(readZipFile(path, label, limits), (err) => new DataError('oneroster.zip-invalid', `${path} is not a readable zip: ${err.message}`, { file: path }), { label: path, limits });
    const bytes = zip.read(entry);
    writeFileSync(target, bytes, { mode: 0o600 });
    const counter = new RecordCounter();
    counter.feed(bytes);
    written.push({ name, rows: counter.dataRows(), bytes: bytes.byteLength });
  }
  if (!pkg.loaded.has(MANIFEST.toLowerCase())) {
    const present = new Set(written.map((w) => w.name.toLowerCase()));
    const text = manifestFor(format, present);
    writeFileSync(join(outDir, MANIFEST), text, { mode: 0o600 });
    written.unshift({ name: MANIFEST, rows: text.trim().split('\n').length - 1, bytes: Buffer.byteLength(text) });
  }
  return written;
}

/** A folder `pull` may write into: missing, or empty. */
export function isMissingOrEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function manifestFor(format: 'oneroster-1.1' | 'oneroster-1.2', present: Set<string>): string {
  const version = format === 'oneroster-1.2' ? '1.2' : '1.1';
  const lines = ['propertyName,value', 'manifest.version,1.0', `oneroster.version,${version}`];
  for (const key of DATA_FILES) {
    if (key === 'roles' && version === '1.1') continue;
    lines.push(`file.${key},${present.has(fileNameOf(key).toLowerCase()) ? 'bulk' : 'absent'}`);
  }
  lines.push('source.systemName,rosterops pull');
  return `${lines.join('\n')}\n`;
}

async function copyCounting(from: string, to: string): Promise<{ rows: number; bytes: number }> {
  const counter = new RecordCounter();
  const out = createWriteStream(to, { mode: 0o600 });
  let bytes = 0;
  for await (const chunk of createReadStream(from)) {
    const piece = chunk as Buffer;
    counter.feed(piece);
    bytes += piece.byteLength;
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return { rows: counter.dataRows(), bytes };
}

/** Counts CSV records across chunks: line breaks inside quotes do not end one, blank lines are none. */
export class RecordCounter {
  private quoted = false;
  private content = false;
  private records = 0;

  feed(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x22) {
        this.quoted = !this.quoted; // "" inside quotes toggles twice: still quoted
        this.content = true;
      } else if (b === 0x0a && !this.quoted) {
        if (this.content) this.records++;
        this.content = false;
      } else if (b !== 0x0d) {
        this.content = true;
      }
    }
  }

  /** Records after the header line. */
  dataRows(): number {
    const records = this.records + (this.content ? 1 : 0);
    return Math.max(0, records - 1);
  }
}
