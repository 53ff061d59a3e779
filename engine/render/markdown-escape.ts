/**
 * Values from data (names, ids, reasons, school names) go into PR comments through one function.
 * A comment is Markdown with inline HTML, post-processed by GitHub (mentions, issue links), so an
 * escaped value must stay plain text in all three layers: it may not open a tag or a comment, leave
 * its table cell, start a list or code span, form a link, mention a person or link an issue.
 */

/** Markdown punctuation that could start or end an inline construct; backslash-escaped (CommonMark §2.4). */
const BACKSLASHED = new Set(['\\', '`', '*', '_', '[', ']', '(', ')', '{', '}', '+', '-', '.', '!', '~', ':', '$', '#']);

/** HTML-significant characters, and the table cell separator (an entity is never a cell boundary). */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '|': '&#124;' };

/** GitHub links `@user` and `#123` after rendering, in the text itself: a zero-width space breaks the word. */
const ZERO_WIDTH_SPACE = '\u200b';

/** Line breaks, other control characters and bidirectional overrides (which can disguise a name). */
const UNSAFE_SPACE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Longest value shown in a comment, in code points; longer ones end with `…`. */
export const MAX_VALUE_CHARS = 200;

/**
 * Escape a value for Markdown and HTML so that it renders as the same plain text wherever it is
 * placed in a line (paragraph, list item, table cell, `<summary>`), on one line.
 */
export function escapeMarkdown(value: string, maxChars: number = MAX_VALUE_CHARS): string {
  const clean = value.replace(LONE_SURROGATE, '\uFFFD').replace(BIDI_CONTROLS, '\uFFFD').replace(UNSAFE_SPACE, ' ');
  const chars = [...clean];
  const shown = chars.length > maxChars ? [...chars.slice(0, maxChars - 1), '…'] : chars;
  let out = '';
  for (const ch of shown) {
    const entity = ENTITIES[ch];
    if (entity !== undefined) out += entity;
    else if (ch === '@') out += `@${ZERO_WIDTH_SPACE}`;
    else if (ch === '#') out += `\\#${ZERO_WIDTH_SPACE}`;
    else if (BACKSLASHED.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Values our own code produces (guard names, rules, digests) look best as code; anything else is escaped. */
const CODE_SAFE = /^[A-Za-z0-9_.:=/[\]-]{1,120}$/;

export function codeOrEscaped(value: string): string {
  return CODE_SAFE.test(value) ? `\`${value}\`` : escapeMarkdown(value);
}
