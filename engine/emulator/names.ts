/**
 * Person-name rules Canvas applies (User#infer_defaults, User.last_name_first, User.name_parts).
 * The exact Ruby algorithms were not read; these are the documented behaviours plus a guess for
 * the corner cases, kept in one place so a real Canvas run can correct them (INFERRED).
 */

const SUFFIXES = /^(jr\.?|sr\.?|ii|iii|iv|v|vi)$/i;

/** `First Middle Last` → `Last, First Middle` (Canvas infers sortable_name this way when none is given). */
export function inferSortableName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.includes(',')) return trimmed;
  const words = trimmed.split(/\s+/).filter(Boolean);
  if (words.length <= 1) return trimmed;
  let suffix = '';
  if (words.length > 2 && SUFFIXES.test(words.at(-1)!)) suffix = ` ${words.pop()!}`;
  const last = words.pop()!;
  return `${last}, ${words.join(' ')}${suffix}`;
}

/**
 * first_name / last_name as the provisioning report derives them from sortable_name (§4.3:
 * `User.name_parts(sortable_name, likely_already_surname_first: true)`). `Last, First` splits at
 * the comma; a name without a comma: one word is the given name, several words are read
 * surname-first (INFERRED).
 */
export function splitSortableName(sortable: string | null): { first: string | null; last: string | null } {
  if (sortable === null) return { first: null, last: null };
  const s = sortable.trim();
  if (s === '') return { first: null, last: null };
  const comma = s.indexOf(',');
  if (comma !== -1) {
    const last = s.slice(0, comma).trim();
    const first = s.slice(comma + 1).split(',')[0]!.trim();
    return { first: first || null, last: last || null };
  }
  const words = s.split(/\s+/);
  if (words.length === 1) return { first: words[0]!, last: null };
  return { first: words.slice(1).join(' '), last: words[0]! };
}

/** A plausible e-mail address (Canvas's EmailAddressValidator is stricter; INFERRED). */
export function isValidEmail(address: string): boolean {
  return /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/.test(address) || /^[^\s@,;<>]+@[^\s@,;<>.]+$/.test(address);
}
