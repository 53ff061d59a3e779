/**
 * Column binding: the columns each file may have, matched to its header. Columns are found by
 * header name, never by position; case slips and known misspellings are accepted with a warning.
 */
import { basename } from 'node:path';
import type { CsvColumns } from '../../util/csv.js';
import type { FileMode } from './file-set.js';
import type { OneRosterVersion } from './manifest.js';
import type { Problems } from './problems.js';
import type { BoundColumn, MetadataColumn, Sheet } from './sheet.js';

export interface ColumnSpec {
  name: string;
  required: boolean;
  /** Misspellings seen in real exports, accepted with a warning. */
  aliases: readonly string[];
}

function column(name: string, required = false, aliases: readonly string[] = []): ColumnSpec {
  return { name, required, aliases };
}

const METADATA_PREFIX = 'metadata.';

const SOURCED_ID = column('sourcedId', true);
const STATUS = column('status');
const DATE_LAST_MODIFIED = column('dateLastModified', false, ['dataLastModified']);
const COMMON_COLUMNS = [SOURCED_ID, STATUS, DATE_LAST_MODIFIED];

export const ORG_COLUMNS = [...COMMON_COLUMNS, column('name', true), column('type', true), column('identifier'), column('parentSourcedId')];
export const SESSION_COLUMNS = [
  ...COMMON_COLUMNS, column('title', true), column('type', true), column('startDate', true), column('endDate', true), column('parentSourcedId'), column('schoolYear', true),
];
export const COURSE_COLUMNS = [
  ...COMMON_COLUMNS, column('schoolYearSourcedId'), column('title', true), column('courseCode'), column('grades'), column('orgSourcedId', true),
  column('subjects'), column('subjectCodes'),
];
export const CLASS_COLUMNS = [
  ...COMMON_COLUMNS, column('title', true), column('grades'), column('courseSourcedId', true), column('classCode'), column('classType', true),
  column('location'), column('schoolSourcedId', true), column('termSourcedIds', true, ['termSourcedId']), column('subjects'), column('subjectCodes'), column('periods'),
];
export const ENROLLMENT_COLUMNS = [
  ...COMMON_COLUMNS, column('classSourcedId', true), column('schoolSourcedId', true), column('userSourcedId', true), column('role', true),
  column('primary'), column('beginDate'), column('endDate'),
];
export const ROLE_COLUMNS = [
  ...COMMON_COLUMNS, column('userSourcedId', true), column('roleType', true), column('role', true), column('beginDate'), column('endDate'),
  column('orgSourcedId', true), column('userProfileSourcedId'),
];

/**
 * users.csv differs by version (§1.5): 1.1 carries orgSourcedIds and role, 1.2 moves them to
 * roles.csv and adds preferred names. Both shapes know all columns, so a 1.1 file with preferred
 * names, or a 1.2 file that kept role/orgSourcedIds, is not met with "unknown column" warnings.
 */
export function userColumns(version: OneRosterVersion): ColumnSpec[] {
  const is11 = version === '1.1';
  return [
    ...COMMON_COLUMNS, column('enabledUser', true), column('orgSourcedIds', is11, ['orgSourcedId']), column('role', is11), column('username', true),
    column('userIds', false, ['userId']), column('givenName', true), column('familyName', true), column('middleName'), column('identifier'),
    column('email'), column('sms'), column('phone'), column('agentSourcedIds'), column('grades'), column('password'), column('userMasterIdentifier'),
    column('resourceSourcedIds'), column('preferredGivenName', false, ['prefferedGivenName']), column('preferredMiddleName', false, ['prefferedMiddleName']),
    column('preferredFamilyName', false, ['prefferedFamilyName']), column('primaryOrgSourcedId'), column('pronouns'),
  ];
}

export function bindSheet(table: CsvColumns, specs: readonly ColumnSpec[], mode: FileMode, version: OneRosterVersion, problems: Problems): Sheet {
  const file = table.file;
  const exact = new Map(specs.map((s) => [s.name, s]));
  const ignoringCase = new Map(specs.map((s) => [s.name.toLowerCase(), s]));
  const aliases = new Map(specs.flatMap((s) => s.aliases.map((a) => [a.toLowerCase(), s] as const)));
  const columns = new Map<string, BoundColumn>();
  const metadata: MetadataColumn[] = [];
  const unknown: { header: string; index: number }[] = [];
  let usable = true;

  table.header.forEach((header, index) => {
    const lower = header.toLowerCase();
    if (lower.startsWith(METADATA_PREFIX) && header.length > METADATA_PREFIX.length && lower !== 'metadata.__proto__') {
      metadata.push({ key: header.slice(METADATA_PREFIX.length), index });
      return;
    }
    const spec = exact.get(header) ?? ignoringCase.get(lower) ?? aliases.get(lower);
    if (!spec) {
      unknown.push({ header, index });
      return;
    }
    const earlier = columns.get(spec.name);
    if (earlier) {
      usable = false;
      problems.error({
        code: 'oneroster.duplicate-column', file, line: 1, column: index + 1, field: header,
        message: `the header names ${spec.name} twice (columns ${earlier.index + 1} and ${index + 1})`,
        hint: 'Remove one of the two columns, so it is clear which values to use.',
      });
      return;
    }
    columns.set(spec.name, { name: spec.name, index });
    if (header !== spec.name) warnAboutColumnSpelling(header, spec, index, file, problems);
  });

  for (const spec of specs) {
    if (!spec.required || columns.has(spec.name)) continue;
    usable = false;
    problems.error({
      code: 'oneroster.missing-column', file, line: 1, field: spec.name,
      message: `the required column ${spec.name} is missing from the header`,
      hint: missingColumnHint(spec.name, file, version, unknown.map((u) => u.header)),
    });
  }
  for (const { header, index } of unknown) {
    problems.warn({
      code: 'oneroster.unknown-column', file, line: 1, column: index + 1, field: header,
      message: `column "${header}" is not a OneRoster ${version} column of this file; it is ignored`,
      hint: `Extensions must be named metadata.<name> (e.g. metadata.${header}); otherwise check the spelling.`,
    });
  }
  if (table.rowCount === 0) {
    problems.warn({
      code: 'oneroster.empty-file', file, line: 1,
      message: 'the file has a header but no rows',
      hint: 'OneRoster does not allow empty files; if the SIS really has nothing here, leave the file out and mark it absent in manifest.csv.',
    });
  }
  return { file, table, mode, usable, columns, metadata };
}

function warnAboutColumnSpelling(header: string, spec: ColumnSpec, index: number, file: string, problems: Problems): void {
  const isAlias = header.toLowerCase() !== spec.name.toLowerCase();
  problems.warn({
    code: isAlias ? 'oneroster.column-alias' : 'oneroster.column-case', file, line: 1, column: index + 1, field: header,
    message: isAlias
      ? `column "${header}" is read as ${spec.name} (a known misspelling)`
      : `column "${header}" is read as ${spec.name} (OneRoster headers are case-sensitive)`,
    hint: `Rename the column to ${spec.name} in the export.`,
  });
}

function missingColumnHint(name: string, file: string, version: OneRosterVersion, unknownHeaders: string[]): string {
  const near = unknownHeaders.find((h) => editDistance(h.toLowerCase(), name.toLowerCase()) <= 2);
  if (near) return `Column "${near}" looks like a misspelling of ${name}; rename it to ${name}.`;
  if (version === '1.1' && (name === 'role' || name === 'orgSourcedIds') && file.toLowerCase().endsWith('users.csv')) {
    return 'This looks like a OneRoster 1.2 users.csv (roles live in roles.csv): set oneroster.version to 1.2 in manifest.csv, or add the 1.1 columns orgSourcedIds and role.';
  }
  return `Add a ${name} column to the header of ${basename(file.replace(/^.*:/, ''))}; OneRoster ${version} requires it.`;
}

/** Levenshtein distance, for "did you mean" hints on short header names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
