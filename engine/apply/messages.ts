/**
 * Canvas's import messages → the plan operations they concern. By file and row when Canvas gives
 * the row (the errors endpoint does); otherwise by the ids a message names, which Canvas's wording
 * always includes (reference §5: "... for user <user_id>", "course <course_id>", ...).
 */
import type { ImportMessage } from '../canvas/sis-import.js';
import type { Operation } from '../model/plan.js';
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
