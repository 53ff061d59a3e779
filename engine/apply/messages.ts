/**
 * Canvas's import messages → the plan operations they concern. By file and row when Canvas gives
 * the row (the errors endpoint does); otherwise by the ids a message names, which Canvas's wording
 * always includes (reference §5: "... for user <user_id>", "course <course_id>", ...).
 */
import type { ImportMessage } from '../canvas/sis-import.js';
import type { Operation } from '../model/plan.js';
import { maskValue, PERSONAL_FIELDS } from '../render/mask.js';
import type { BuiltImport } from './build-import.js';

export interface MappedMessage extends ImportMessage {
  /** Keys of the operations the message concerns (empty when it names none: a batch-level message). */
  operations: string[];
}

const ID_COLUMNS = ['user_id', 'login_id', 'course_id', 'section_id', 'term_id', 'account_id'];

export function mapMessages(messages: readonly ImportMessage[], built: BuiltImport): MappedMessage[] {
  const byId = new Map<string, Set<Operation>>();
  const opsOfFile = new Map<string, Operation[]>();
  for (const [where, op] of built.rowOwner) {
    const file = where.slice(0, where.lastIndexOf(':'));
    (opsOfFile.get(file) ?? opsOfFile.set(file, []).get(file)!).push(op);
  }
  for (const [file, ops] of opsOfFile) {
    for (const op of ops) {
      for (const row of op.rows) {
        if (`${row.file}.csv` !== file) continue;
        for (const column of ID_COLUMNS) {
          const value = row.cells[column];
          if (!value) continue;
          const key = `${file}\u0000${value}`;
          (byId.get(key) ?? byId.set(key, new Set()).get(key)!).add(op);
        }
      }
    }
  }
  return messages.map((m) => {
    const exact = m.file && m.row ? built.rowOwner.get(`${m.file}:${m.row}`) : undefined;
    if (exact) return { ...m, operations: [exact.key] };
    const found = new Set<Operation>();
    const files = m.file ? [m.file] : [...opsOfFile.keys()];
    for (const token of m.message.split(/[\s,()'":;]+/)) {
      for (const file of files) for (const op of byId.get(`${file}\u0000${token}`) ?? []) found.add(op);
    }
    return { ...m, operations: [...found].map((op) => op.key).sort() };
  });
}

/**
 * Canvas quotes logins, e-mails and names back in its messages ("The email address associated with
 * user 's1' is invalid (email: 'ana@')"). The apply log and record are shared places (a CI log, an
 * artifact), so those values get the masked forms the plan comment uses (FERPA), unless the
 * policies say the audience may see personal data. SIS ids stay: they are how an admin looks people up.
 */
export function maskPersonalData(messages: readonly MappedMessage[], built: BuiltImport): MappedMessage[] {
  // Personal values of the rows sent, found in a message by their first word.
  const byFirstWord = new Map<string, Map<string, string>>();
  for (const op of new Set(built.rowOwner.values())) {
    for (const row of op.rows) {
      if (row.file !== 'users' && row.file !== 'logins') continue;
      for (const [column, value] of Object.entries(row.cells)) {
        if (!value || !PERSONAL_FIELDS.has(column)) continue;
        const first = wordsOf(value)[0];
        if (first === undefined) continue;
        const values = byFirstWord.get(first) ?? byFirstWord.set(first, new Map()).get(first)!;
        values.set(value, maskValue('users', column, value)!);
      }
    }
  }
  if (byFirstWord.size === 0) return messages.slice();
  return messages.map((m) => {
    const found = new Map<string, string>();
    for (const word of wordsOf(m.message)) for (const [value, masked] of byFirstWord.get(word) ?? []) found.set(value, masked);
    if (found.size === 0) return m;
    let text = m.message;
    // Longest first: an e-mail is masked whole before the login it may contain.
    for (const value of [...found.keys()].sort((a, b) => b.length - a.length)) text = text.split(value).join(found.get(value)!);
    return { ...m, message: text };
  });
}

/** Words as Canvas's messages separate them: by spaces, quotes, brackets and punctuation around them. */
function wordsOf(text: string): string[] {
  return text.split(/[\s,()'":;]+/).map((w) => w.replace(/\.+$/, '')).filter(Boolean);
}
