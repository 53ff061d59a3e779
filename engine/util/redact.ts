/**
 * Secrets never reach a log, a comment, a file or an error message. Every value registered here is
 * replaced wherever rosterops prints; the CLI registers the tokens it reads from the environment.
 *
 * A secret is caught whole and also by any run of RUN_LENGTH or more of its characters: an error
 * body cut short, or a token wrapped across lines, still leaks most of a token otherwise. Callers
 * that shorten text from a server redact it first (`redactThenCut`), so a cut never splits a
 * secret into a piece the redactor no longer recognises as one.
 */

/** Consecutive characters of a secret that count as the secret. */
export const RUN_LENGTH = 12;
/** Shorter values would redact ordinary words; real tokens are far longer. */
export const MIN_SECRET_LENGTH = 8;
export const REDACTED = '[redacted]';

/**
 * Any RUN_LENGTH-character run of a secret contains one of the secret's BLOCK-character blocks at
 * offsets 0, BLOCK, 2·BLOCK… (BLOCK = RUN_LENGTH / 2), so the text is searched for those blocks
 * only (one native regex pass) and each hit is grown into the longest run it belongs to.
 */
const BLOCK = RUN_LENGTH / 2;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class SecretRedactor {
  private readonly secrets = new Set<string>();
  /** Block text → every (secret, offset) where that block starts. */
  private blocks = new Map<string, { secret: string; offset: number }[]>();
  private pattern: RegExp | null = null;

  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    if (value.length < RUN_LENGTH) return; // matched whole only
    for (let offset = 0; offset + BLOCK <= value.length; offset += BLOCK) {
      const block = value.slice(offset, offset + BLOCK);
      const list = this.blocks.get(block) ?? [];
      list.push({ secret: value, offset });
      this.blocks.set(block, list);
    }
    this.pattern = new RegExp([...this.blocks.keys()].map(escapeRegExp).join('|'), 'g');
  }

  redact(text: string): string {
    let out = text;
    // Each pass replaces runs of 12+ characters by a 10-character marker, so it ends.
    for (;;) {
      const next = this.redactOnce(out);
      if (next === out) break;
      out = next;
    }
    return out.replace(/(authorization:\s*(?:bearer|token)\s+)[^\s"']+/gi, `$1${REDACTED}`);
  }

  private redactOnce(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length < RUN_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
    if (!this.pattern) return out;
    const ranges = this.runs(out);
    if (ranges.length === 0) return out;
    let result = '';
    let at = 0;
    for (const [start, end] of ranges) {
      result += out.slice(at, start) + REDACTED;
      at = end;
    }
    return result + out.slice(at);
  }

  /** Merged [start, end) ranges of the text that are runs of RUN_LENGTH+ characters of a secret. */
  private runs(text: string): [number, number][] {
    const pattern = this.pattern!;
    const found: [number, number][] = [];
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const at = m.index;
      for (const { secret, offset } of this.blocks.get(m[0])!) {
        let left = 0;
        while (at - left - 1 >= 0 && offset - left - 1 >= 0 && text[at - left - 1] === secret[offset - left - 1]) left++;
        let right = 0;
        while (at + BLOCK + right < text.length && offset + BLOCK + right < secret.length && text[at + BLOCK + right] === secret[offset + BLOCK + right]) right++;
        if (left + BLOCK + right >= RUN_LENGTH) found.push([at - left, at + BLOCK + right]);
      }
      pattern.lastIndex = at + 1; // overlapping hits: a run may start inside the previous block
    }
    found.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of found) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    return merged;
  }
}

/** The process-wide redactor every output passes through. */
const shared = new SecretRedactor();

export function registerSecret(value: string | undefined): void {
  shared.add(value);
}

export function redact(text: string): string {
  return shared.redact(text);
}

/** Text from a server, shortened for a message: redacted before the cut, never after. */
export function redactThenCut(text: string, max: number): string {
  const clean = redact(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
