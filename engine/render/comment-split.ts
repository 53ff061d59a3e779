/**
 * Packs a rendered comment into parts below GitHub's size limit without breaking its Markdown.
 *
 * The comment arrives as blocks: atomic ones (the verdict, a summary table, the footer) move whole;
 * list blocks (a `<details>` with a table, a bulleted section) may break between items, and then
 * close in one part and reopen, table header included, in the next. A part is never cut inside a
 * table, a `<details>` block or a line, so each part renders on its own.
 */
import { InternalError } from '../errors.js';

/** Items a list block brings along when it opens in a part that is already partly full. */
const MIN_ITEMS_BEFORE_BREAK = 3;

export interface AtomicBlock {
  kind: 'atomic';
  text: string;
}

export interface ListBlock {
  kind: 'list';
  /** Opens the block the first time (heading, `<details><summary>`, table header). */
  open: string;
  /** Opens it again at the top of a later part. */
  reopen: string;
  /** Closes it (blank line, `</details>`); also written before a part break. */
  close: string;
  /** One line each (a table row, a bullet), ending with a newline. */
  items: readonly string[];
  /** Written instead of an item too long for any part. */
  oversized: string;
}

export type Block = AtomicBlock | ListBlock;

export interface SplitOptions {
  /** Every part, marker included, stays strictly below this many UTF-16 code units. */
  maxPartChars: number;
  /** The hidden first line of part `part` of `total`. */
  marker(part: number, total: number): string;
  /** Heading of parts after the first. */
  continued: string;
}

/**
 * Greedy packing: `head` (verdict and summary) opens part 1; blocks follow in order; a list block
 * starts in a new part when its opening, first few items and closing no longer fit in the current one.
 */
export function splitIntoParts(head: string, blocks: readonly Block[], options: SplitOptions): string[] {
  // The marker's part numbers are known only at the end: reserve room for the widest one.
  const budget = options.maxPartChars - 1 - (options.marker(9999, 9999).length + 1);
  const parts: string[][] = [];
  let current: string[] = [head];
  let used = head.length;
  let fresh = false;
  if (used > budget) throw new InternalError(`maxPartChars ${options.maxPartChars} cannot hold the verdict and summary (${head.length} characters)`);

  const room = () => budget - used;
  const add = (text: string) => {
    current.push(text);
    used += text.length;
    fresh = false;
  };
  const startPart = () => {
    parts.push(current);
    current = [options.continued];
    used = options.continued.length;
    fresh = true;
  };
  const tooSmall = (what: string) => new InternalError(`maxPartChars ${options.maxPartChars} cannot hold ${what}`);

  for (const block of blocks) {
    if (block.kind === 'atomic') {
      if (block.text.length > room() && !fresh) startPart();
      if (block.text.length > room()) throw tooSmall(`a block of ${block.text.length} characters`);
      add(block.text);
      continue;
    }
    if (block.items.length === 0) continue;
    // Open a block at the end of a part only if a few of its items fit there too: a table of one row
    // followed by "continued" reads worse than starting the block in the next part.
    const lead = block.items.slice(0, MIN_ITEMS_BEFORE_BREAK).reduce((n, item) => n + item.length, 0);
    if (block.open.length + lead + block.close.length > room() && !fresh) startPart();
    add(block.open);
    let itemsHere = 0;
    for (const item of block.items) {
      let text = item;
      if (text.length + block.close.length > room() && itemsHere > 0) {
        add(block.close);
        startPart();
        add(block.reopen);
        itemsHere = 0;
      }
      if (text.length + block.close.length > room()) text = block.oversized;
      if (text.length + block.close.length > room()) throw tooSmall('one row of the comment');
      add(text);
      itemsHere++;
    }
    add(block.close);
  }
  parts.push(current);
  return parts.map((part, i) => `${options.marker(i + 1, parts.length)}\n${part.join('')}`);
}
