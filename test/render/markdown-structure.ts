/**
 * Structural checks of a rendered comment part, shared by the render and GitHub tests: the marker,
 * balanced `<details>`, intact tables, balanced code spans, and only the HTML tags rosterops writes.
 */
import { parseCommentMarker } from '../../engine/render/comment-marker.js';

/** The only tags the renderer writes itself; anything else came from data and was not escaped. */
const OWN_TAGS = new Set(['<details>', '</details>', '<summary>', '</summary>', '<b>', '</b>', '<br>', '<sub>', '</sub>']);

/** Cells of a GFM table row: split on `|` not escaped by a backslash. */
export function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]!;
    if (ch === '\\' && i + 1 < row.length) {
      cell += ch + row[i + 1];
      i++;
    } else if (ch === '|') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  // A row starts and ends with a pipe: drop the empty outer pieces.
  return cells.slice(1, -1).map((c) => c.trim());
}

export function structureProblems(part: string, environment: string, index: number, total: number): string[] {
  const problems: string[] = [];
  const marker = parseCommentMarker(part);
  if (!marker || marker.environment !== environment || marker.part !== index || marker.total !== total) problems.push(`bad marker: ${part.split('\n')[0]}`);
  const lines = part.split('\n');

  let depth = 0;
  for (const line of lines.slice(1)) {
    for (const tag of line.match(/<\/?[A-Za-z!][^>]*>?/g) ?? []) {
      if (!OWN_TAGS.has(tag)) problems.push(`foreign tag ${JSON.stringify(tag)} in: ${line.slice(0, 120)}`);
      if (tag === '<details>') depth++;
      if (tag === '</details>') depth--;
      if (depth < 0 || depth > 1) problems.push('<details> nesting broken');
    }
    const unescapedTicks = line.replace(/\\./g, '').split('`').length - 1;
    if (unescapedTicks % 2 !== 0) problems.push(`unbalanced code span: ${line.slice(0, 120)}`);
  }
  if (depth !== 0) problems.push(`${depth} <details> left open`);

  // Tables: consecutive lines starting with `|`, a header, a delimiter row, rows of the same width.
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|')) continue;
    const start = i;
    while (i + 1 < lines.length && lines[i + 1]!.startsWith('|')) i++;
    const table = lines.slice(start, i + 1);
    if (start > 0 && lines[start - 1] !== '') problems.push(`table without a blank line before it: ${table[0]}`);
    const width = tableCells(table[0]!).length;
    if (table.length < 2 || !tableCells(table[1]!).every((c) => /^:?-+:?$/.test(c))) problems.push(`table without a delimiter row: ${table[0]}`);
    for (const row of table) {
      if (tableCells(row).length !== width) problems.push(`row with ${tableCells(row).length} cells, header has ${width}: ${row.slice(0, 160)}`);
      if (!row.endsWith('|')) problems.push(`row not closed: ${row.slice(0, 120)}`);
    }
  }
  return problems;
}
