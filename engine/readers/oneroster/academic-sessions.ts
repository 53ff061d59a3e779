/** academicSessions.csv */
import type { OrAcademicSession } from '../../model/oneroster.js';
import { rowNumberOf } from '../../util/csv.js';
import { cell, readMetadata, requiredCell } from './cells.js';
import { DateCells, isDigits } from './dates.js';
import { fileNameOf } from './files.js';
import { forEachLiveRow } from './live-rows.js';
import { rows, type Problems, type RepeatedWarning } from './problems.js';
import { resolveParents } from './references.js';
import { emptyRegistry, Registry } from './registry.js';
import { columnOf, sourceOf, type Sheet } from './sheet.js';
import { readEnum, SESSION_TYPES } from './vocabularies.js';

const SESSION_ENDS_BEFORE_START: RepeatedWarning = {
  code: 'oneroster.session-dates',
  message: (n, example) => `${n === 1 ? '1 session ends' : `${n} sessions end`} before ${n === 1 ? 'it starts' : 'they start'} (first: "${example}")`,
  hint: 'Check startDate and endDate of these sessions in the SIS.',
};
const SCHOOL_YEAR_FORMAT: RepeatedWarning = {
  code: 'oneroster.school-year-format',
  message: (n, example) => `${rows(n, 'has', 'have')} a schoolYear that is not a four-digit year (e.g. "${example}"); kept as written`,
  hint: 'schoolYear is the calendar year in which the school year ends, e.g. 2025 for 2024-25.',
};

export function readAcademicSessions(sheet: Sheet | null, problems: Problems): Registry<OrAcademicSession> {
  if (!sheet) return emptyRegistry(fileNameOf('academicSessions'));
  const registry = new Registry<OrAcademicSession>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const what = 'academic session';
  const titleCol = columnOf(sheet, 'title');
  const typeCol = columnOf(sheet, 'type');
  const startCol = columnOf(sheet, 'startDate');
  const endCol = columnOf(sheet, 'endDate');
  const parentCol = columnOf(sheet, 'parentSourcedId');
  const yearCol = columnOf(sheet, 'schoolYear');
  const dates = new DateCells(sheet, problems);
  forEachLiveRow(sheet, registry, problems, what, (row, i, id) => {
    const title = requiredCell(sheet, row, i, titleCol, problems, what);
    const type = readEnum(sheet, row, i, typeCol, SESSION_TYPES, problems, what);
    const startDate = dates.read(row, i, startCol, true, what);
    const endDate = dates.read(row, i, endCol, true, what);
    const schoolYear = requiredCell(sheet, row, i, yearCol, problems, what);
    if (title === null || type === null || startDate === null || endDate === null || schoolYear === null) {
      registry.broken.add(id);
      dates.dropUnattached();
      return;
    }
    if (schoolYear.length !== 4 || !isDigits(schoolYear)) problems.repeat(SCHOOL_YEAR_FORMAT, sheet.file, rowNumberOf(sheet.table, i), yearCol.name, schoolYear);
    const session: OrAcademicSession = {
      sourcedId: id, title, type, startDate, endDate, parentSourcedId: cell(row, parentCol.index), schoolYear,
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    };
    dates.attach(session);
    registry.add(session);
  });
  dates.settle();
  for (const s of registry.list) {
    if (s.endDate < s.startDate) problems.repeat(SESSION_ENDS_BEFORE_START, sheet.file, s.source.row, endCol.name, s.sourcedId);
  }
  resolveParents(registry, sheet, problems);
  return registry;
}
