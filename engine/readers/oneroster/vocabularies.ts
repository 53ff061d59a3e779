/** OneRoster's controlled vocabularies (org types, session types, roles, ...) and reading a cell against one. */
import { invalidValue, requiredCell } from './cells.js';
import type { Problems } from './problems.js';
import type { BoundColumn, Sheet } from './sheet.js';

/** A controlled vocabulary: spelling (exact or lower-case) → the token rosterops stores. */
interface Vocabulary {
  lookup: ReadonlyMap<string, string>;
  /** The tokens as the spec writes them, for messages. */
  accepted: string;
}

function vocabulary(tokens: Record<string, string>): Vocabulary {
  const lookup = new Map<string, string>();
  for (const [written, stored] of Object.entries(tokens)) {
    lookup.set(written, stored);
    lookup.set(written.toLowerCase(), stored);
  }
  return { lookup, accepted: Object.keys(tokens).join(', ') };
}

/** Case-insensitive match; 1.2 `ext:` tokens pass through as written (§1.1 extensible vocabularies). */
export function readEnum(sheet: Sheet, row: readonly string[], i: number, col: BoundColumn, vocab: Vocabulary, problems: Problems, what: string): string | null {
  const value = requiredCell(sheet, row, i, col, problems, what);
  if (value === null) return null;
  const token = tokenOf(value, vocab);
  if (token !== null) return token;
  invalidValue(sheet, i, col, value, vocab.accepted, problems);
  return null;
}

/** The token a (trimmed, non-empty) value stands for, or null when the vocabulary does not have it. */
export function tokenOf(value: string, vocab: Vocabulary): string | null {
  const token = vocab.lookup.get(value) ?? vocab.lookup.get(value.toLowerCase());
  if (token !== undefined) return token;
  return value.startsWith('ext:') ? value : null;
}

export const ORG_TYPES = vocabulary({ department: 'department', school: 'school', district: 'district', local: 'local', state: 'state', national: 'national' });
export const SESSION_TYPES = vocabulary({ gradingPeriod: 'gradingPeriod', semester: 'semester', schoolYear: 'schoolYear', term: 'term' });
export const CLASS_TYPES = vocabulary({ homeroom: 'homeroom', scheduled: 'scheduled' });
export const ENROLLMENT_ROLES = vocabulary({
  // aide is not a CSV enrollment role, but exporters send it for teaching assistants (§1.5); keep it.
  administrator: 'administrator', proctor: 'proctor', student: 'student', teacher: 'teacher', aide: 'aide',
});
/**
 * users.role (1.1) and roles.role (1.2). The model stores the 1.1 vocabulary, so the 1.2 staff
 * roles collapse onto administrator (the 1.1 token for non-teaching staff with access).
 */
export const USER_ROLES = vocabulary({
  administrator: 'administrator', aide: 'aide', guardian: 'guardian', parent: 'parent', proctor: 'proctor', relative: 'relative',
  student: 'student', teacher: 'teacher',
  counselor: 'administrator', districtAdministrator: 'administrator', principal: 'administrator', siteAdministrator: 'administrator',
  systemAdministrator: 'administrator',
});
export const ROLE_TYPES = vocabulary({ primary: 'primary', secondary: 'secondary' });
