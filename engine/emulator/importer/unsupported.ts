/**
 * Importer types the emulator recognises by header (§1.3) but does not model (admins, groups,
 * observers, abstract courses, grade publishing). Canvas would import them; the emulator says so
 * once per file with a message of its own (not Canvas wording) and counts no rows.
 */
import type { ImporterType } from './detect.js';

export function unsupportedMessage(type: ImporterType): string {
  return `The Canvas emulator does not import ${type} files; their rows were ignored`;
}
