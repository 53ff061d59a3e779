/**
 * FERPA: names and e-mails in shared places (PR comments, CI logs) are masked unless the policy
 * says the audience may see them. SIS ids stay: they are what an admin looks people up by.
 */

/** Fields of a change whose values are personal data. */
export const PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'full_name', 'sortable_name', 'first_name', 'last_name', 'short_name', 'email', 'login_id', 'login', 'name',
]);

/** "Ana María Diaz" → "A. M. D." */
export function maskName(name: string): string {
  const initials = name.split(/[\s,]+/).filter(Boolean).map((part) => `${[...part][0]!.toUpperCase()}.`);
  return initials.join(' ') || '…';
}

/** "ana.diaz@students.example.org" → "a•••@students.example.org" */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return maskName(email);
  return `${[...email][0]}•••${email.slice(at)}`;
}

/** Only people carry personal data; a course or school name is never masked. */
export function maskValue(entity: string, field: string, value: string | null): string | null {
  if (value === null || entity !== 'users' || !PERSONAL_FIELDS.has(field)) return value;
  if (field === 'email') return maskEmail(value);
  if (field === 'login_id' || field === 'login') return value.includes('@') ? maskEmail(value) : `${[...value][0] ?? ''}•••`;
  return maskName(value);
}

/** Personal data embedded in free text (risk explanations) is masked by quoting rules: "…" spans. */
export function maskQuoted(text: string): string {
  return text.replace(/"([^"]*)"/g, (_, inner: string) => `"${inner.includes('@') ? maskEmail(inner) : `${[...inner][0] ?? ''}•••`}"`);
}
