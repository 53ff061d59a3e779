/**
 * The digest of a set of input files (a SIS export, a Canvas report), which a plan records and
 * apply compares to tell whether the inputs changed. Each file is hashed on its own as soon as it
 * is parsed, so its bytes can be let go before the next file is read: at 200,000 students the
 * files are a few hundred megabytes.
 */
import { createHash } from 'node:crypto';

export interface FileDigest {
  /** The file's name independent of how it was delivered (`users.csv`), so packaging does not change the digest. */
  canonicalName: string;
  byteLength: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
}

/** sha256 over (name, length, file hash) of every file, in name order; the fields are framed so files cannot run together. */
export function digestOfFiles(files: Iterable<FileDigest>): string {
  const sorted = [...files].sort((a, b) => (a.canonicalName < b.canonicalName ? -1 : a.canonicalName > b.canonicalName ? 1 : 0));
  const hash = createHash('sha256');
  for (const f of sorted) hash.update(`${f.canonicalName}\u0000${f.byteLength}\u0000${f.sha256}\n`);
  return hash.digest('hex');
}
