import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { stringify } from 'csv-stringify/sync';
import { provisioningZip, renderProvisioningFiles, writeProvisioningDir } from '../../engine/canvas/report-files.js';
import { PROVISIONING_COLUMNS, TERM_OVERRIDE_COLUMNS } from '../../engine/canvas/columns.js';
import { readCanvasReport, readCanvasReportBytes } from '../../engine/readers/canvas-report.js';
import { DataError } from '../../engine/errors.js';
import { ENROLLMENT_TYPES } from '../../engine/model/canvas.js';
import type {
  AccountRecord, CanvasState, CourseRecord, EnrollmentRecord, SectionRecord, TermOverrideRecord, TermRecord, UserRecord,
} from '../../engine/model/canvas.js';

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rosterops-canvas-report-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes `files` (name → CSV text) into a new directory and returns it. */
async function reportDir(files: Record<string, string>): Promise<string> {
  const dir = await freshDir();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** The header line of each provisioning file, for hand-written fixtures. */
const HEADER = Object.fromEntries(Object.entries(PROVISIONING_COLUMNS).map(([k, cols]) => [k, cols.join(',')])) as Record<keyof typeof PROVISIONING_COLUMNS, string>;

/** A minimal, valid report: every entity file present, with header only unless given rows. */
function minimalReport(rows: Partial<Record<keyof typeof PROVISIONING_COLUMNS, string[]>> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entity of Object.keys(PROVISIONING_COLUMNS) as (keyof typeof PROVISIONING_COLUMNS)[]) {
    files[`${entity}.csv`] = [HEADER[entity], ...(rows[entity] ?? [])].join('\n') + '\n';
  }
  return files;
}

async function readError(path: string): Promise<DataError> {
  try {
    await readCanvasReport(path);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error(`expected readCanvasReport(${path}) to fail`);
}

function emptyState(): CanvasState {
  return { origin: 'test', accounts: [], terms: [], termOverrides: null, courses: [], sections: [], users: [], enrollments: [], warnings: [], digest: '' };
}

// ---------------------------------------------------------------------------------------------
// Generators: a CanvasState shaped like a provisioning report (every column filled or null).

const textUnit = fc.constantFrom('a', 'Z', '0', ' ', ',', '"', '\n', 'é', '–', '\'', ';');
const cellText = fc.string({ unit: textUnit, minLength: 1, maxLength: 8 });
const cell = fc.option(cellText, { nil: null });
/** SIS ids are text even when they look like numbers: leading zeros must survive. */
const sisId = fc.string({ unit: fc.constantFrom('0', '1', '2', 'a', 'B', '-', '_', ' ', ','), minLength: 1, maxLength: 6 });
const canvasId = fc.option(fc.integer({ min: 1, max: 10_000_000 }).map(String), { nil: null });
const instant = fc
  .date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2090-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19) + 'Z');
const dateCell = fc.option(instant, { nil: null });

function uniqueIds(maxLength: number) {
  return fc.uniqueArray(sisId, { maxLength });
}

const account = (id: string) => fc.record<AccountRecord>({
  account_id: fc.constant(id), parent_account_id: cell, name: cell, status: fc.constantFrom('active', 'deleted'),
  canvas_account_id: canvasId, canvas_parent_id: canvasId, created_by_sis: fc.boolean(),
});

const term = (id: string) => fc.record<TermRecord>({
  term_id: fc.constant(id), name: cell, status: fc.constantFrom('active', 'deleted'), start_date: dateCell, end_date: dateCell,
  canvas_term_id: canvasId, created_by_sis: fc.boolean(),
});

const course = (id: string) => fc.record<CourseRecord>({
  course_id: fc.constant(id), integration_id: cell, short_name: cell, long_name: cell, account_id: cell, term_id: cell,
  status: fc.constantFrom('unpublished', 'active', 'concluded', 'deleted'), start_date: dateCell, end_date: dateCell,
  canvas_course_id: canvasId, canvas_account_id: canvasId, canvas_term_id: canvasId, created_by_sis: fc.boolean(),
});

const section = (id: string) => fc.record<SectionRecord>({
  section_id: fc.constant(id), course_id: cell, integration_id: cell, name: cell, status: fc.constantFrom('active', 'deleted'),
  start_date: dateCell, end_date: dateCell, canvas_section_id: canvasId, canvas_course_id: canvasId, canvas_account_id: canvasId,
  account_id: cell, created_by_sis: fc.boolean(),
});

const user = (id: string | null) => fc.record<UserRecord>({
  user_id: fc.constant(id), integration_id: cell, login_id: cellText, authentication_provider_id: cell,
  first_name: cell, last_name: cell, full_name: cell, sortable_name: cell, short_name: cell, email: cell,
  status: fc.constantFrom('active', 'suspended', 'deleted'), canvas_user_id: canvasId, created_by_sis: fc.boolean(),
});

const enrollment = fc.record<EnrollmentRecord>({
  course_id: cell, section_id: cell, user_id: cell, role: fc.constantFrom('student', 'teacher', 'ta', 'designer', 'observer', 'Grader, senior'),
  status: fc.constantFrom('active', 'invited', 'concluded', 'inactive', 'deleted', 'rejected'),
  canvas_course_id: canvasId, canvas_user_id: canvasId, canvas_section_id: canvasId, canvas_enrollment_id: canvasId, role_id: canvasId,
  base_role_type: fc.constantFrom('StudentEnrollment', 'TeacherEnrollment', 'TaEnrollment', 'DesignerEnrollment', 'ObserverEnrollment'),
  limit_section_privileges: fc.boolean(), created_by_sis: fc.boolean(),
});

const termOverrides = (termIds: string[]) =>
  fc.option(
    fc.uniqueArray(
      fc.record<TermOverrideRecord>({
        term_id: termIds.length ? fc.constantFrom(...termIds) : sisId,
        date_override_enrollment_type: fc.constantFrom(...ENROLLMENT_TYPES),
        start_date: dateCell,
        end_date: dateCell,
      }),
      { maxLength: 4, selector: (o) => `${o.term_id}\u0000${o.date_override_enrollment_type}` },
    ),
    { nil: null },
  );

const canvasState: fc.Arbitrary<CanvasState> = fc
  .record({
    accountIds: uniqueIds(4), termIds: uniqueIds(4), courseIds: uniqueIds(5), sectionIds: uniqueIds(5),
    userIds: fc.uniqueArray(fc.option(sisId, { nil: null }), { maxLength: 6, selector: (v) => v ?? Symbol() }),
  })
  .chain(({ accountIds, termIds, courseIds, sectionIds, userIds }) =>
    fc.record({
      accounts: fc.tuple(...accountIds.map(account)),
      terms: fc.tuple(...termIds.map(term)),
      termOverrides: termOverrides(termIds),
      courses: fc.tuple(...courseIds.map(course)),
      sections: fc.tuple(...sectionIds.map(section)),
      users: fc.tuple(...userIds.map(user)),
      enrollments: fc.array(enrollment, { maxLength: 6 }),
    }),
  )
  // A login is unique in a root account, and rows of one canvas_user_id are one person's logins (the
  // reader refuses a report breaking either): each user's login and Canvas id get its index.
  .map((parts) => ({ ...emptyState(), ...parts, users: parts.users.map((u, i) => ({
    ...u, login_id: `${u.login_id}${i}`, canvas_user_id: u.canvas_user_id === null ? null : `${u.canvas_user_id}${i}`,
  })) }));

// ---------------------------------------------------------------------------------------------

describe('renderProvisioningFiles', () => {
  const state: CanvasState = {
    ...emptyState(),
    terms: [{ term_id: 'T1', name: 'Fall, 2024', status: 'active', start_date: '2024-01-15T06:00:00Z', end_date: '2024-07-01T05:00:00Z', canvas_term_id: '7', created_by_sis: true }],
    enrollments: [{ course_id: 'C1', section_id: null, user_id: '00123', role: 'ta', status: 'active', created_by_sis: false }],
  };

  it('writes exactly the report columns, in Canvas entity order, with term_overrides only when known', () => {
    const files = renderProvisioningFiles(state);
    expect([...files.keys()]).toEqual(['users.csv', 'accounts.csv', 'terms.csv', 'courses.csv', 'sections.csv', 'enrollments.csv']);
    for (const [entity, columns] of Object.entries(PROVISIONING_COLUMNS)) {
      expect(files.get(`${entity}.csv`)!.split('\n')[0]).toBe(columns.join(','));
    }
    const withOverrides = renderProvisioningFiles({ ...state, termOverrides: [{ term_id: 'T1', date_override_enrollment_type: 'TeacherEnrollment', start_date: null, end_date: '2024-08-01T05:00:00Z' }] });
    expect([...withOverrides.keys()].at(-1)).toBe('term_overrides.csv');
    expect(withOverrides.get('term_overrides.csv')).toBe(`${TERM_OVERRIDE_COLUMNS.join(',')}\n7,T1,TeacherEnrollment,,2024-08-01T05:00:00Z\n`);
  });

  it('writes dates with the offset of the root account zone, and Z when that zone is UTC', () => {
    expect(renderProvisioningFiles(state, { timeZone: 'America/Chicago' }).get('terms.csv')).toBe(
      `${HEADER.terms}\n7,T1,"Fall, 2024",active,2024-01-15T00:00:00-06:00,2024-07-01T00:00:00-05:00,true\n`,
    );
    expect(renderProvisioningFiles(state).get('terms.csv')).toContain('2024-01-15T06:00:00Z,2024-07-01T05:00:00Z');
    expect(renderProvisioningFiles(state, { timeZone: 'Asia/Kolkata' }).get('terms.csv')).toContain('2024-01-15T11:30:00+05:30');
  });

  it('derives base_role_type from a base role, leaves uncarried columns empty and keeps SIS ids as text', () => {
    const enrollments = renderProvisioningFiles(state).get('enrollments.csv')!;
    expect(enrollments.split('\n')[1]).toBe(',C1,,00123,ta,,,,active,,,false,TaEnrollment,,');
  });

  it('property: writes byte for byte what csv-stringify writes', () => {
    fc.assert(
      fc.property(canvasState, (generated) => {
        const expected = stringify(
          generated.accounts.map((a) => [a.canvas_account_id, a.account_id, a.canvas_parent_id, a.parent_account_id, a.name, a.status, String(a.created_by_sis)]),
          { header: true, columns: [...PROVISIONING_COLUMNS.accounts] },
        );
        expect(renderProvisioningFiles(generated).get('accounts.csv')).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('writes only the requested entities', () => {
    expect([...renderProvisioningFiles(state, { entities: ['enrollments', 'users'] }).keys()]).toEqual(['users.csv', 'enrollments.csv']);
  });
});

describe('readCanvasReport', () => {
  it('property: a rendered state reads back as the same records, in any root account zone', async () => {
    const zone = fc.constantFrom('UTC', 'America/Chicago', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Europe/London');
    await fc.assert(
      fc.asyncProperty(canvasState, zone, async (state, timeZone) => {
        const dir = await freshDir();
        await writeProvisioningDir(state, dir, { timeZone });
        const read = await readCanvasReport(dir);
        // Provider ids without the account's provider list are kept as they are, with a warning (auth-providers.ts).
        expect(read.warnings.filter((w) => w.code !== 'canvas-report.provider-ids')).toEqual([]);
        expect(read.origin).toBe(dir);
        for (const key of ['accounts', 'terms', 'termOverrides', 'courses', 'sections', 'users', 'enrollments'] as const) {
          expect(read[key]).toEqual(state[key]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads the zip Canvas delivers, at its root or inside one folder, skipping macOS debris; the digest does not depend on packaging', async () => {
    const state: CanvasState = {
      ...emptyState(),
      users: [{ user_id: 'u1', integration_id: null, login_id: 'ann', authentication_provider_id: null, first_name: 'Ann', last_name: 'Lee', full_name: 'Ann Lee', sortable_name: 'Lee, Ann', short_name: 'Ann', email: null, status: 'active', canvas_user_id: '11', created_by_sis: true }],
    };
    const dir = await freshDir();
    await writeProvisioningDir(state, dir);
    const fromDir = await readCanvasReport(dir);

    const atRoot = join(dir, '..', `root-${counter}.zip`);
    await writeFile(atRoot, provisioningZip(state));
    const fromZip = await readCanvasReport(atRoot);
    expect(fromZip.users).toEqual(state.users);
    expect(fromZip.digest).toBe(fromDir.digest);
    expect(fromZip.digest).toMatch(/^[0-9a-f]{64}$/);

    const entries: Record<string, Uint8Array> = { '__MACOSX/report/._users.csv': strToU8('junk'), 'report/.DS_Store': strToU8('junk') };
    for (const [name, text] of renderProvisioningFiles(state)) entries[`report/${name}`] = strToU8(text);
    const inFolder = join(dir, '..', `folder-${counter}.zip`);
    await writeFile(inFolder, zipSync(entries));
    const fromFolder = await readCanvasReport(inFolder);
    expect(fromFolder.users).toEqual(state.users);
    expect(fromFolder.warnings).toEqual([]);
    expect(fromFolder.digest).toBe(fromDir.digest);

    // As the live reader gets it: the download's bytes in memory, zip or a single entity's csv.
    const fromBytes = readCanvasReportBytes(provisioningZip(state), 'report.zip', 'report 7');
    expect(fromBytes).toEqual({ ...fromZip, origin: 'report 7', warnings: fromBytes.warnings });
    expect(fromBytes.warnings.map((w) => w.file)).toEqual(fromZip.warnings.map(() => 'report 7'));
    const usersCsv = strToU8(renderProvisioningFiles(state).get('users.csv')!);
    expect(readCanvasReportBytes(usersCsv, 'report.csv', 'report 8').users).toEqual(state.users);
  });

  it('keeps every login of a user with several logins', async () => {
    const dir = await reportDir(minimalReport({
      users: [
        '42,S-1,,,ann@school.edu,Ann,Lee,Ann Lee,"Lee, Ann",Ann,ann@school.edu,active,true',
        '42,00123,,7,ann.lee,Ann,Lee,Ann Lee,"Lee, Ann",Ann,ann@school.edu,active,true',
        '42,,,,ann.manual,Ann,Lee,Ann Lee,"Lee, Ann",Ann,,suspended,false',
      ],
    }));
    const state = await readCanvasReport(dir);
    expect(state.users.map((u) => [u.canvas_user_id, u.user_id, u.login_id, u.status, u.created_by_sis])).toEqual([
      ['42', 'S-1', 'ann@school.edu', 'active', true],
      ['42', '00123', 'ann.lee', 'active', true],
      ['42', null, 'ann.manual', 'suspended', false],
    ]);
  });

  it('matches columns by name, in any order and case', async () => {
    const dir = await reportDir({
      ...minimalReport(),
      'terms.csv': 'STATUS,End_Date,Term_ID,created_by_sis,canvas_term_id,name,start_date\nACTIVE,,T1,TRUE,5,Fall,2024-08-20T00:00:00-05:00\n',
    });
    const state = await readCanvasReport(dir);
    expect(state.terms).toEqual([{ term_id: 'T1', name: 'Fall', status: 'active', start_date: '2024-08-20T05:00:00Z', end_date: null, canvas_term_id: '5', created_by_sis: true }]);
  });

  it('rejects a file without a required column, naming file, line and column', async () => {
    const users = HEADER.users.replace('login_id,', '');
    const dir = await reportDir({ ...minimalReport(), 'users.csv': `${users}\n1,u1,,,Ann,Lee,Ann Lee,"Lee, Ann",Ann,,active,true\n` });
    const err = await readError(dir);
    expect(err.code).toBe('canvas-report.missing-column');
    expect(err.location).toEqual({ file: join(dir, 'users.csv'), line: 1, field: 'login_id' });
    expect(err.hint).toMatch(/does not look like a provisioning_csv report.*use the report's users\.csv unmodified/);
  });

  it('rejects duplicate SIS ids, naming both rows', async () => {
    const dir = await reportDir(minimalReport({
      courses: ['1,C1,,Bio,Biology,,,,,active,,,,,,true', '2,C2,,Chem,Chemistry,,,,,active,,,,,,true', '3,C1,,Bio2,Biology 2,,,,,unpublished,,,,,,true'],
      users: ['1,u1,,,ann,,,,,,,active,true', '2,u1,,,bob,,,,,,,active,true', '3,,,,cy,,,,,,,active,false', '4,,,,dee,,,,,,,active,false', '5,u1,,,eve,,,,,,,active,true'],
    }));
    const err = await readError(dir);
    const where = err.diagnostics.map((d) => [d.file?.split(/[\\/]/).pop(), d.line, d.field, d.message]);
    expect(where).toEqual([
      ['users.csv', 3, 'user_id', expect.stringMatching(/user_id "u1" appears on rows 2 and 3/)],
      // Each repeat names the first row; logins without a SIS id (made by hand) never repeat one.
      ['users.csv', 6, 'user_id', expect.stringMatching(/user_id "u1" appears on rows 2 and 6/)],
      ['courses.csv', 4, 'course_id', expect.stringMatching(/course_id "C1" appears on rows 2 and 4/)],
    ]);
  });

  it('locates an unparseable date', async () => {
    const dir = await reportDir(minimalReport({ terms: ['1,T1,Fall,active,2024-08-20T00:00:00Z,,true', '2,T2,Spring,active,next tuesday,,true'] }));
    const err = await readError(dir);
    expect(err.code).toBe('canvas-report.bad-date');
    expect(err.location).toEqual({ file: join(dir, 'terms.csv'), line: 3, column: 5, field: 'start_date' });
  });

  it('normalises dates with offsets to UTC', async () => {
    const dir = await reportDir(minimalReport({
      sections: [
        '1,S1,9,C1,,Sec 1,active,2024-01-15T00:00:00-06:00,2024-05-10T23:59:59+05:30,,,true',
        '2,S2,9,C1,,Sec 2,active,2024-01-15T00:00:00Z,2024-01-15 08:00:00+0100,,,true',
      ],
    }));
    const state = await readCanvasReport(dir);
    expect(state.sections.map((s) => [s.start_date, s.end_date])).toEqual([
      ['2024-01-15T06:00:00Z', '2024-05-10T18:29:59Z'],
      ['2024-01-15T00:00:00Z', '2024-01-15T07:00:00Z'],
    ]);
  });

  it('explains that a sis_export_csv users file is not a provisioning report', async () => {
    const dir = await reportDir({
      ...minimalReport(),
      'users.csv': 'user_id,integration_id,authentication_provider_id,login_id,password,first_name,last_name,full_name,sortable_name,short_name,email,status\nu1,,,ann,,Ann,Lee,Ann Lee,"Lee, Ann",Ann,,active\n',
    });
    const err = await readError(dir);
    expect(err.location).toEqual({ file: join(dir, 'users.csv'), line: 1, field: 'canvas_user_id' });
    expect(err.hint).toMatch(/sis_export_csv/);
    expect(err.hint).toMatch(/users\.csv unmodified/);
  });

  it('reads a sis_export_csv terms file with a warning, taking rows with a SIS id as created by SIS', async () => {
    const dir = await reportDir({ ...minimalReport(), 'terms.csv': 'term_id,name,status,start_date,end_date\nT1,Fall,active,2024-08-20T00:00:00-05:00,\n' });
    const state = await readCanvasReport(dir);
    expect(state.terms).toEqual([{ term_id: 'T1', name: 'Fall', status: 'active', start_date: '2024-08-20T05:00:00Z', end_date: null, canvas_term_id: null, created_by_sis: true }]);
    expect(state.warnings.map((w) => [w.code, w.field])).toEqual([['canvas-report.no-created-by-sis', 'created_by_sis']]);
    expect(state.warnings[0]!.hint).toMatch(/sis_export_csv/);
  });

  it('reads a single-entity report .csv by its header, warning about the entities it lacks', async () => {
    const dir = await freshDir();
    const file = join(dir, 'provisioning_csv_05_Jan_2024_123.csv');
    await writeFile(file, `${HEADER.enrollments}\n1,00123,2,0042,student,,3,S1,active,,,true,StudentEnrollment,false,99\n`);
    const state = await readCanvasReport(file);
    expect(state.enrollments).toEqual([{
      course_id: '00123', section_id: 'S1', user_id: '0042', role: 'student', status: 'active', canvas_course_id: '1', canvas_user_id: '2',
      canvas_section_id: '3', canvas_enrollment_id: '99', role_id: null, base_role_type: 'StudentEnrollment', limit_section_privileges: false, created_by_sis: true,
    }]);
    expect(state.warnings.map((w) => w.code)).toEqual(Array(5).fill('canvas-report.missing-file'));
    expect(state.termOverrides).toBeNull();
  });

  it('treats a missing or unrecognisable entity file as empty with a warning, a missing term_overrides.csv as unknown, and skips other files', async () => {
    const files = minimalReport({ accounts: ['1,A1,,,Science,active,true', '2,,,,Sandbox,active,false'] });
    delete files['sections.csv'];
    files['users.csv'] = 'what,why\na,b\n';
    const dir = await reportDir({ ...files, 'notes.csv': 'what,why\na,b\n', 'xlist.csv': 'canvas_xlist_course_id,xlist_course_id\n' });
    const state = await readCanvasReport(dir);
    expect(state.sections).toEqual([]);
    expect(state.users).toEqual([]);
    expect(state.termOverrides).toBeNull();
    expect(state.accounts.map((a) => a.account_id)).toEqual(['A1']);
    expect(state.warnings.map((w) => [w.code, w.file?.split(/[\\/]/).pop()])).toEqual([
      ['canvas-report.unrecognised-file', 'notes.csv'],
      ['canvas-report.unrecognised-file', 'users.csv'],
      ['canvas-report.missing-file', state.origin.split(/[\\/]/).pop()],
      ['canvas-report.missing-file', state.origin.split(/[\\/]/).pop()],
    ]);
  });

  it('refuses a file whose name and header disagree', async () => {
    const dir = await reportDir({ ...minimalReport(), 'users.csv': `${HEADER.enrollments}\n` });
    const err = await readError(dir);
    expect(err.code).toBe('canvas-report.file-mismatch');
  });
});
