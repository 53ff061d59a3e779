import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { strToU8, zipSync } from 'fflate';
import { readOneRoster } from '../../engine/readers/oneroster.js';
import { DataError, type Diagnostic } from '../../engine/errors.js';
import type {
  OrAcademicSession, OrClass, OrCourse, OrEnrollment, OrOrg, OrUser, SisSnapshot,
} from '../../engine/model/oneroster.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: a small, clean OneRoster 1.1 district written inline; tests override single files.

type Files = Record<string, string | Uint8Array | undefined>;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rosterops-oneroster-'));
  tempDirs.push(dir);
  return dir;
}

function writeDir(files: Files): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) if (content !== undefined) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

function writeZip(files: Files, name = 'export.zip', folder = ''): string {
  const entries: Record<string, Uint8Array> = {};
  for (const [file, content] of Object.entries(files)) {
    if (content === undefined) continue;
    entries[folder + file] = typeof content === 'string' ? strToU8(content) : content;
  }
  const zipPath = path.join(tempDir(), name);
  fs.writeFileSync(zipPath, zipSync(entries));
  return zipPath;
}

const lines = (...rows: string[]): string => rows.join('\n') + '\n';

const HEADERS = {
  orgs: 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId',
  academicSessions: 'sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear',
  courses: 'sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes',
  classes: 'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods',
  users11: 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
  users12: 'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns',
  roles: 'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId',
  enrollments: 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate',
};

function manifest(version: '1.1' | '1.2', modes: Record<string, string> = {}): string {
  const files: Record<string, string> = { academicSessions: 'bulk', classes: 'bulk', courses: 'bulk', enrollments: 'bulk', orgs: 'bulk', users: 'bulk', demographics: 'absent', ...modes };
  if (version === '1.2' && !('roles' in modes)) files.roles = 'bulk';
  return lines('propertyName,value', 'manifest.version,1.0', `oneroster.version,${version}`, ...Object.entries(files).map(([f, m]) => `file.${f},${m}`));
}

const ORGS = lines(HEADERS.orgs, 'd1,,,North District,district,NCES-1,', 'sch1,,,North High,school,NH,d1', 'sch2,,,South Middle,school,SM,d1');
const SESSIONS = lines(
  HEADERS.academicSessions,
  'y2025,,,2024-25,schoolYear,2024-08-20,2025-06-10,,2025',
  'fall,,,Fall 2024,semester,2024-08-20,2024-12-20,y2025,2025',
  'spring,,,Spring 2025,semester,2025-01-06,2025-06-10,y2025,2025',
);
const COURSES = lines(HEADERS.courses, 'alg1,,,y2025,Algebra I,ALG1,"09,10",sch1,Math,MA1');
const CLASSES = lines(HEADERS.classes, 'alg1-p1,,,Algebra I - P1,"09,10",alg1,ALG1-1,scheduled,Room 4,sch1,"fall,spring","Math, Algebra",,"1,2"');
const USERS_11 = lines(
  HEADERS.users11,
  't1,,,true,sch1,teacher,tjones,"{LDAP:tj},{SIS:900}",Tina,Jones,,900,tjones@example.org,,555-0100,,,',
  's1,,,true,"sch1,sch2",student,sbrown,{LDAP:sb},Sam,Brown,Q,1001,sb@example.org,,,g1,09,',
  'g1,,,false,sch1,guardian,gbrown,,Gail,Brown,,,,,,s1,,',
);
const ENROLLMENTS = lines(
  HEADERS.enrollments,
  'e1,,,alg1-p1,sch1,t1,teacher,true,,',
  'e2,,,alg1-p1,sch1,s1,student,false,2024-08-20,2025-06-10',
);

function clean11(overrides: Files = {}): Files {
  return {
    'manifest.csv': manifest('1.1'), 'orgs.csv': ORGS, 'academicSessions.csv': SESSIONS, 'courses.csv': COURSES, 'classes.csv': CLASSES,
    'users.csv': USERS_11, 'enrollments.csv': ENROLLMENTS, ...overrides,
  };
}

async function readErrors(dir: string): Promise<Diagnostic[]> {
  try {
    await readOneRoster(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as DataError).diagnostics;
  }
  throw new Error('expected readOneRoster to throw a DataError');
}

function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

function warning(snapshot: SisSnapshot, code: string): Diagnostic {
  const found = snapshot.warnings.find((w) => w.code === code);
  expect(found, `warning ${code} in ${JSON.stringify(codes(snapshot.warnings))}`).toBeDefined();
  return found!;
}

// ---------------------------------------------------------------------------------------------

describe('readOneRoster: clean exports', () => {
  it('reads a clean 1.1 folder into records that remember their source row', async () => {
    const dir = writeDir(clean11());
    const s = await readOneRoster(dir);
    expect(s.version).toBe('1.1');
    expect(s.origin).toBe(dir);
    expect(s.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(s.warnings).toEqual([]);
    expect(s.orgs[1]).toEqual<OrOrg>({
      sourcedId: 'sch1', name: 'North High', type: 'school', identifier: 'NH', parentSourcedId: 'd1', metadata: {}, source: { file: 'orgs.csv', row: 3 },
    });
    expect(s.academicSessions[1]).toEqual<OrAcademicSession>({
      sourcedId: 'fall', title: 'Fall 2024', type: 'semester', startDate: '2024-08-20', endDate: '2024-12-20', parentSourcedId: 'y2025', schoolYear: '2025',
      metadata: {}, source: { file: 'academicSessions.csv', row: 3 },
    });
    expect(s.courses).toEqual<OrCourse[]>([{
      sourcedId: 'alg1', title: 'Algebra I', courseCode: 'ALG1', schoolYearSourcedId: 'y2025', orgSourcedId: 'sch1', grades: ['09', '10'], subjects: ['Math'],
      metadata: {}, source: { file: 'courses.csv', row: 2 },
    }]);
    expect(s.classes).toEqual<OrClass[]>([{
      sourcedId: 'alg1-p1', title: 'Algebra I - P1', courseSourcedId: 'alg1', classCode: 'ALG1-1', classType: 'scheduled', location: 'Room 4',
      schoolSourcedId: 'sch1', termSourcedIds: ['fall', 'spring'], grades: ['09', '10'], subjects: ['Math', 'Algebra'], periods: ['1', '2'],
      metadata: {}, source: { file: 'classes.csv', row: 2 },
    }]);
    expect(s.users[1]).toEqual<OrUser>({
      sourcedId: 's1', enabledUser: true, orgSourcedIds: ['sch1', 'sch2'], role: 'student', username: 'sbrown', userIds: [{ type: 'LDAP', identifier: 'sb' }],
      givenName: 'Sam', familyName: 'Brown', middleName: 'Q', preferredGivenName: '', preferredFamilyName: '', identifier: '1001', email: 'sb@example.org',
      sms: '', phone: '', agentSourcedIds: ['g1'], grades: ['09'], metadata: {}, source: { file: 'users.csv', row: 3 },
    });
    expect(s.users[0]!.userIds).toEqual([{ type: 'LDAP', identifier: 'tj' }, { type: 'SIS', identifier: '900' }]);
    expect(s.users[2]!.enabledUser).toBe(false);
    expect(s.enrollments).toEqual<OrEnrollment[]>([
      { sourcedId: 'e1', classSourcedId: 'alg1-p1', schoolSourcedId: 'sch1', userSourcedId: 't1', role: 'teacher', primary: true, beginDate: '', endDate: '', sourceFile: 'enrollments.csv', sourceRow: 2 },
      { sourcedId: 'e2', classSourcedId: 'alg1-p1', schoolSourcedId: 'sch1', userSourcedId: 's1', role: 'student', primary: false, beginDate: '2024-08-20', endDate: '2025-06-10', sourceFile: 'enrollments.csv', sourceRow: 3 },
    ]);
  });

  it('reads a zip with files at the root or in one folder, ignoring __MACOSX and dotfiles', async () => {
    const folderSnapshot = await readOneRoster(writeDir(clean11()));
    const rootZip = writeZip(clean11(), 'district.zip');
    const fromRoot = await readOneRoster(rootZip);
    expect(fromRoot.users[0]!.source).toEqual({ file: 'district.zip:users.csv', row: 2 });
    expect(fromRoot.origin).toBe(rootZip);
    // Same bytes, same digest, whatever the container.
    expect(fromRoot.digest).toBe(folderSnapshot.digest);

    const junk = { '__MACOSX/export/._users.csv': 'junk', 'export/.DS_Store': 'junk' };
    const nested = writeZip({ ...prefixKeys(clean11(), 'export/'), ...junk }, 'nested.zip');
    const fromFolder = await readOneRoster(nested, { label: 'nightly' });
    expect(fromFolder.enrollments).toHaveLength(2);
    expect(fromFolder.classes[0]!.source.file).toBe('nightly:classes.csv');
    expect(fromFolder.digest).toBe(folderSnapshot.digest);
  });

  it('refuses a zip holding two exports in different folders', async () => {
    const zip = writeZip({ ...prefixKeys(clean11(), 'a/'), ...prefixKeys(clean11(), 'b/') });
    await expect(readOneRoster(zip)).rejects.toMatchObject({ code: 'oneroster.zip-layout' });
  });

  it('matches file names ignoring case', async () => {
    const files = clean11();
    const renamed = { ...files, 'academicSessions.csv': undefined, 'ACADEMICSESSIONS.CSV': files['academicSessions.csv'], 'Users.csv': files['users.csv'], 'users.csv': undefined };
    const s = await readOneRoster(writeDir(renamed));
    expect(s.academicSessions).toHaveLength(3);
    expect(s.users[0]!.source.file).toBe('Users.csv');
  });

  it('reads 1.2: role and orgs come from roles.csv (primary role wins, all role orgs kept)', async () => {
    const dir = writeDir(clean11({
      'manifest.csv': manifest('1.2'),
      'users.csv': lines(
        HEADERS.users12,
        't1,,,true,tjones,,Tina,Jones,,900,,,,,,,,Tee,,Jo,sch1,',
        's1,,,TRUE,sbrown,,Sam,Brown,,1001,,,,,09,,,,,,,',
        'p1,,,true,pboss,,Pat,Boss,,,,,,,,,,,,,sch2,',
      ),
      'roles.csv': lines(
        HEADERS.roles,
        'r1,,,t1,primary,teacher,,,sch1,',
        'r2,,,t1,secondary,guardian,,,sch2,',
        'r3,,,s1,primary,Student,,,sch1,',
        'r4,,,p1,secondary,principal,,,sch2,',
      ),
    }));
    const s = await readOneRoster(dir);
    expect(s.version).toBe('1.2');
    const byId = Object.fromEntries(s.users.map((u) => [u.sourcedId, u]));
    expect(byId.t1).toMatchObject({ role: 'teacher', orgSourcedIds: ['sch1', 'sch2'], preferredGivenName: 'Tee', preferredFamilyName: 'Jo' });
    expect(byId.s1).toMatchObject({ role: 'student', orgSourcedIds: ['sch1'], enabledUser: true, grades: ['09'] });
    // principal is a 1.2 staff role: stored as the 1.1 administrator; no primary role → warning.
    expect(byId.p1).toMatchObject({ role: 'administrator', orgSourcedIds: ['sch2'] });
    expect(warning(s, 'oneroster.no-primary-role')).toMatchObject({ file: 'users.csv', line: 4 });
  });

  it('1.2: a user without any role row is an error located at the user', async () => {
    const dir = writeDir(clean11({
      'manifest.csv': manifest('1.2'),
      'users.csv': lines(HEADERS.users12, 't1,,,true,tjones,,Tina,Jones,,,,,,,,,,,,,,', 's1,,,true,sbrown,,Sam,Brown,,,,,,,,,,,,,,'),
      'roles.csv': lines(HEADERS.roles, 'r1,,,t1,primary,teacher,,,sch1,'),
    }));
    const errors = await readErrors(dir);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'oneroster.missing-role', file: 'users.csv', line: 3, field: 'role' }));
  });

  it('1.2 without roles.csv falls back to 1.1-style role columns left in users.csv, with a warning', async () => {
    const s = await readOneRoster(writeDir(clean11({ 'manifest.csv': manifest('1.2', { roles: 'absent' }) })));
    expect(s.version).toBe('1.2');
    expect(s.users[0]).toMatchObject({ role: 'teacher', orgSourcedIds: ['sch1'] });
    expect(warning(s, 'oneroster.roles-from-users')).toMatchObject({ file: 'users.csv' });
  });

  it('1.1 ignores a stray roles.csv: not read, not part of the digest', async () => {
    const plain = await readOneRoster(writeDir(clean11()));
    const stray = await readOneRoster(writeDir(clean11({ 'roles.csv': lines(HEADERS.roles, 'r1,,,nobody,primary,teacher,,,nowhere,') })));
    expect(stray.digest).toBe(plain.digest);
    expect(stray.warnings).toEqual([]);
  });

  it('strips a BOM and reads CRLF files without a trailing newline', async () => {
    const crlf = (text: string) => '\ufeff' + text.trimEnd().replace(/\n/g, '\r\n');
    const files = Object.fromEntries(Object.entries(clean11()).map(([name, text]) => [name, crlf(text as string)]));
    const s = await readOneRoster(writeDir(files));
    const reference = await readOneRoster(writeDir(clean11()));
    expect({ ...s, origin: '', digest: '' }).toEqual({ ...reference, origin: '', digest: '' });
  });

  it('keeps metadata.* columns without the prefix, drops blank ones, and warns about unknown columns', async () => {
    const dir = writeDir(clean11({
      'orgs.csv': lines(
        `${HEADERS.orgs},metadata.city,Metadata.state,nickname`,
        'd1,,,North District,district,,,Springfield,IL,Northy',
        'sch1,,,North High,school,,d1,,IL,',
        'sch2,,,South Middle,school,,d1,Shelbyville,,',
      ),
    }));
    const s = await readOneRoster(dir);
    expect(s.orgs.map((o) => o.metadata)).toEqual([{ city: 'Springfield', state: 'IL' }, { state: 'IL' }, { city: 'Shelbyville' }]);
    expect(warning(s, 'oneroster.unknown-column')).toMatchObject({ file: 'orgs.csv', line: 1, field: 'nickname', column: 10 });
  });

  it('splits quoted lists on commas and trims the items', async () => {
    const dir = writeDir(clean11({
      'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,Algebra,"09, 10 ,",alg1,,scheduled,,sch1," fall , spring ","Math,  Science",,"1,3,5"'),
    }));
    const [cls] = (await readOneRoster(dir)).classes;
    expect(cls).toMatchObject({ grades: ['09', '10'], termSourcedIds: ['fall', 'spring'], subjects: ['Math', 'Science'], periods: ['1', '3', '5'] });
  });

  it('lower-cases enums, reads TRUE/FALSE, matches session types ignoring case', async () => {
    const dir = writeDir(clean11({
      'orgs.csv': lines(HEADERS.orgs, 'd1,,,D,District,,', 'sch1,,,S,School,,d1', 'sch2,,,S2,SCHOOL,,d1'),
      'academicSessions.csv': lines(HEADERS.academicSessions, 'y2025,,,Y,SchoolYear,2024-08-20,2025-06-10,,2025', 'fall,,,F,GRADINGPERIOD,2024-08-20,2024-12-20,,2025', 'spring,,,S,semester,2025-01-06,2025-06-10,,2025'),
      'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,Algebra,,alg1,,Scheduled,,sch1,fall,,,'),
      'enrollments.csv': lines(HEADERS.enrollments, 'e1,,,alg1-p1,sch1,t1,Teacher,TRUE,,'),
    }));
    const s = await readOneRoster(dir);
    expect(s.orgs.map((o) => o.type)).toEqual(['district', 'school', 'school']);
    expect(s.academicSessions.map((a) => a.type)).toEqual(['schoolYear', 'gradingPeriod', 'semester']);
    expect(s.classes[0]!.classType).toBe('scheduled');
    expect(s.enrollments[0]).toMatchObject({ role: 'teacher', primary: true });
  });

  it('reads an empty enabledUser as true, with one warning for the file', async () => {
    const dir = writeDir(clean11({
      'users.csv': lines(HEADERS.users11, 't1,,,,sch1,teacher,tjones,,Tina,Jones,,,,,,,,', 's1,,,,sch1,student,sbrown,,Sam,Brown,,,,,,,,', 'g1,,,true,sch1,guardian,g,,G,B,,,,,,,,'),
    }));
    const s = await readOneRoster(dir);
    expect(s.users.map((u) => u.enabledUser)).toEqual([true, true, true]);
    const w = s.warnings.filter((x) => x.code === 'oneroster.enabled-user-empty');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ file: 'users.csv', line: 2, field: 'enabledUser' });
    expect(w[0]!.message).toContain('2 rows');
  });
});

describe('readOneRoster: header slips', () => {
  it('accepts known misspellings and case slips with a warning, and reads their values', async () => {
    const dir = writeDir(clean11({
      'classes.csv': lines(
        'sourcedId,status,dataLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedId,subjects,SubjectCodes,periods',
        'alg1-p1,,,Algebra,,alg1,,scheduled,,sch1,"fall,spring",,MA1,',
      ),
      'users.csv': lines(
        'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userId,givenName,familyName,prefferedGivenName',
        't1,,,true,sch1,teacher,tjones,{LDAP:tj},Tina,Jones,Tee',
        's1,,,true,sch1,student,sbrown,,Sam,Brown,',
        'g1,,,true,sch1,guardian,g,,G,B,',
      ),
    }));
    const s = await readOneRoster(dir);
    expect(s.classes[0]!.termSourcedIds).toEqual(['fall', 'spring']);
    expect(s.users[0]).toMatchObject({ userIds: [{ type: 'LDAP', identifier: 'tj' }], preferredGivenName: 'Tee' });
    const slips = s.warnings.filter((w) => w.code === 'oneroster.column-alias' || w.code === 'oneroster.column-case');
    expect(slips.map((w) => [w.file, w.field, w.code])).toEqual([
      ['classes.csv', 'dataLastModified', 'oneroster.column-alias'],
      ['classes.csv', 'termSourcedId', 'oneroster.column-alias'],
      ['classes.csv', 'SubjectCodes', 'oneroster.column-case'],
      ['users.csv', 'userId', 'oneroster.column-alias'],
      ['users.csv', 'prefferedGivenName', 'oneroster.column-alias'],
    ]);
    expect(slips.every((w) => w.line === 1 && w.hint)).toBe(true);
  });

  it('finds columns by name whatever their order', async () => {
    const reordered = lines('role,userSourcedId,sourcedId,classSourcedId,endDate,beginDate,primary,schoolSourcedId', 'teacher,t1,e1,alg1-p1,,,true,sch1');
    const s = await readOneRoster(writeDir(clean11({ 'enrollments.csv': reordered })));
    expect(s.enrollments[0]).toMatchObject({ sourcedId: 'e1', classSourcedId: 'alg1-p1', userSourcedId: 't1', role: 'teacher', primary: true });
  });
});

describe('readOneRoster: located errors', () => {
  it('a missing required column names the file, line 1, the column and a hint', async () => {
    const dir = writeDir(clean11({ 'users.csv': USERS_11.replace('username', 'login') }));
    const errors = await readErrors(dir);
    const missing = errors.find((e) => e.code === 'oneroster.missing-column');
    expect(missing).toMatchObject({ severity: 'error', file: 'users.csv', line: 1, field: 'username' });
    expect(missing!.hint).toBeTruthy();
  });

  it('suggests the 1.2 fix when a 1.1 users.csv lacks role', async () => {
    const dir = writeDir(clean11({ 'users.csv': lines(HEADERS.users12, 't1,,,true,tjones,,Tina,Jones,,,,,,,,,,,,,,') }));
    const errors = await readErrors(dir);
    const role = errors.find((e) => e.code === 'oneroster.missing-column' && e.field === 'role');
    expect(role!.hint).toMatch(/1\.2/);
  });

  it('a missing required value names file, row and column', async () => {
    const dir = writeDir(clean11({ 'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,,,alg1,,scheduled,,sch1,fall,,,') }));
    const errors = await readErrors(dir);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'oneroster.missing-value', file: 'classes.csv', line: 2, field: 'title', column: 4 }));
  });

  it('a duplicate sourcedId names both rows', async () => {
    const dir = writeDir(clean11({ 'users.csv': USERS_11 + 't1,,,true,sch1,teacher,other,,O,T,,,,,,,,\n' }));
    const errors = await readErrors(dir);
    const dup = errors.find((e) => e.code === 'oneroster.duplicate-id')!;
    expect(dup).toMatchObject({ file: 'users.csv', line: 5, field: 'sourcedId' });
    expect(dup.message).toContain('users.csv:5 duplicates sourcedId "t1" first seen at users.csv:2');
  });

  it('dangling references from enrollments (class, user) and classes (school) are located errors', async () => {
    const dir = writeDir(clean11({
      'classes.csv': CLASSES + 'geo-p1,,,Geometry,,alg1,,scheduled,,sch9,fall,,,\n',
      'enrollments.csv': lines(HEADERS.enrollments, 'e1,,,nope-class,sch1,t1,teacher,,,', 'e2,,,alg1-p1,sch1,ghost,student,,,'),
    }));
    const errors = await readErrors(dir);
    const dangling = errors.filter((e) => e.code === 'oneroster.dangling-reference').map((e) => ({ file: e.file, line: e.line, field: e.field, message: e.message }));
    expect(dangling).toEqual([
      { file: 'classes.csv', line: 3, field: 'schoolSourcedId', message: expect.stringContaining('"sch9"') },
      { file: 'enrollments.csv', line: 2, field: 'classSourcedId', message: expect.stringContaining('"nope-class"') },
      { file: 'enrollments.csv', line: 3, field: 'userSourcedId', message: expect.stringContaining('"ghost"') },
    ]);
  });

  it('checks terms, user orgs and courses, but not courses the manifest marks absent', async () => {
    const badRefs = clean11({
      'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,Algebra,,no-course,,scheduled,,sch1,"fall,winter",,,'),
      'users.csv': USERS_11.replace('t1,,,true,sch1,', 't1,,,true,"sch1,sch7",'),
    });
    const errors = await readErrors(writeDir(badRefs));
    expect(errors.filter((e) => e.code === 'oneroster.dangling-reference').map((e) => [e.file, e.field])).toEqual([
      ['classes.csv', 'courseSourcedId'], ['classes.csv', 'termSourcedIds'], ['users.csv', 'orgSourcedIds'],
    ]);

    const coursesAbsent = clean11({
      'manifest.csv': manifest('1.1', { courses: 'absent' }),
      'courses.csv': undefined,
      'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,Algebra,,not-exported,,scheduled,,sch1,fall,,,'),
    });
    const s = await readOneRoster(writeDir(coursesAbsent));
    expect(s.courses).toEqual([]);
    expect(s.classes[0]!.courseSourcedId).toBe('not-exported');
  });

  it('does not pile secondary errors onto a row that already failed', async () => {
    // The class row is broken (no title), so the enrollments pointing at it must not be reported as dangling.
    const dir = writeDir(clean11({ 'classes.csv': lines(HEADERS.classes, 'alg1-p1,,,,,alg1,,scheduled,,sch1,fall,,,') }));
    expect(codes(await readErrors(dir))).toEqual(['oneroster.missing-value']);
  });

  it('collects errors across files in one throw and caps the list at 50', async () => {
    const many = Array.from({ length: 80 }, (_, i) => `x${i},,,alg1-p1,sch1,nobody${i},student,,,`);
    const dir = writeDir(clean11({
      'orgs.csv': lines(HEADERS.orgs, 'd1,,,,district,,', 'sch1,,,North High,school,,d1', 'sch2,,,South,school,,d1'),
      'enrollments.csv': lines(HEADERS.enrollments, ...many),
    }));
    const errors = await readErrors(dir);
    expect(errors).toHaveLength(50);
    expect(errors[0]).toMatchObject({ file: 'orgs.csv', code: 'oneroster.missing-value' });
    expect(errors[49]).toMatchObject({ code: 'oneroster.too-many-errors' });
    expect(errors[49]!.message).toMatch(/^32 more errors/);
  });

  it('rejects unknown enum values and booleans with the allowed tokens in the hint', async () => {
    const dir = writeDir(clean11({ 'enrollments.csv': lines(HEADERS.enrollments, 'e1,,,alg1-p1,sch1,t1,instructor,yes,,') }));
    const errors = await readErrors(dir);
    expect(errors.map((e) => [e.code, e.field, e.line])).toEqual([['oneroster.invalid-value', 'role', 2], ['oneroster.invalid-value', 'primary', 2]]);
    expect(errors[0]!.hint).toContain('teacher');
  });

  it('a required file missing, or one the manifest promises, is an error', async () => {
    const noUsers = await readErrors(writeDir(clean11({ 'users.csv': undefined })));
    expect(noUsers).toContainEqual(expect.objectContaining({ code: 'oneroster.missing-file', file: 'manifest.csv', line: 9, field: 'file.users' }));

    const notInManifest = clean11({ 'manifest.csv': manifest('1.1', { users: 'absent' }), 'users.csv': undefined });
    expect(await readErrors(writeDir(notInManifest))).toContainEqual(expect.objectContaining({ code: 'oneroster.missing-file', file: 'users.csv' }));
  });

  it('rejects a path that is neither a folder nor a zip', async () => {
    await expect(readOneRoster(path.join(tempDir(), 'nope'))).rejects.toMatchObject({ code: 'oneroster.not-found' });
    const zip = path.join(tempDir(), 'broken.zip');
    fs.writeFileSync(zip, 'not a zip');
    await expect(readOneRoster(zip)).rejects.toMatchObject({ code: 'oneroster.zip-invalid' });
  });
});

describe('readOneRoster: manifest', () => {
  it('without manifest.csv, warns and guesses 1.1 from the role column', async () => {
    const s = await readOneRoster(writeDir(clean11({ 'manifest.csv': undefined })));
    expect(s.version).toBe('1.1');
    expect(codes(s.warnings)).toContain('oneroster.missing-manifest');
  });

  it('without manifest.csv and without a role column, guesses 1.2', async () => {
    const s = await readOneRoster(writeDir(clean11({
      'manifest.csv': undefined,
      'users.csv': lines(HEADERS.users12, 't1,,,true,tjones,,Tina,Jones,,,,,,,,,,,,,,'),
      'roles.csv': lines(HEADERS.roles, 'r1,,,t1,primary,teacher,,,sch1,'),
      'enrollments.csv': lines(HEADERS.enrollments, 'e1,,,alg1-p1,sch1,t1,teacher,,,'),
    })));
    expect(s.version).toBe('1.2');
    expect(s.users[0]!.role).toBe('teacher');
  });

  it('reads a file marked absent with a warning, tolerates empty modes, and flags delta files', async () => {
    const dir = writeDir(clean11({ 'manifest.csv': manifest('1.1', { courses: 'absent', orgs: '', enrollments: 'delta', scoreScales: '' }) }));
    const s = await readOneRoster(dir);
    expect(s.courses).toHaveLength(1);
    expect(warning(s, 'oneroster.file-marked-absent')).toMatchObject({ file: 'manifest.csv', field: 'file.courses' });
    expect(warning(s, 'oneroster.delta-file').message).toContain('enrollments.csv');
  });

  it('rejects an unsupported version at its manifest row', async () => {
    const dir = writeDir(clean11({ 'manifest.csv': manifest('1.1').replace('oneroster.version,1.1', 'oneroster.version,3.0') }));
    expect(await readErrors(dir)).toContainEqual(expect.objectContaining({ code: 'oneroster.unsupported-version', file: 'manifest.csv', line: 3 }));
  });
});

describe('readOneRoster: status and duplicates', () => {
  it('skips tobedeleted and inactive records, and enrollments that hang off them, with warnings', async () => {
    const dir = writeDir(clean11({
      'manifest.csv': manifest('1.1', { classes: 'delta', users: 'delta', enrollments: 'delta' }),
      'classes.csv': lines(
        HEADERS.classes,
        'alg1-p1,active,2024-09-01T00:00:00Z,Algebra,,alg1,,scheduled,,sch1,fall,,,',
        'old-p2,tobedeleted,2024-09-01T00:00:00Z,Old,,alg1,,scheduled,,sch1,fall,,,',
      ),
      'users.csv': lines(
        HEADERS.users11,
        't1,active,2024-09-01,true,sch1,teacher,tjones,,Tina,Jones,,,,,,,,',
        's1,active,2024-09-01,true,sch1,student,sbrown,,Sam,Brown,,,,,,,,',
        's2,inactive,2024-09-01,true,sch1,student,gone,,Gone,Away,,,,,,,,',
      ),
      'enrollments.csv': lines(
        HEADERS.enrollments,
        'e1,active,2024-09-01,alg1-p1,sch1,t1,teacher,true,,',
        'e2,active,2024-09-01,old-p2,sch1,s1,student,,,',
        'e3,active,2024-09-01,alg1-p1,sch1,s2,student,,,',
        'e4,tobedeleted,2024-09-01,alg1-p1,sch1,s1,student,,,',
      ),
    }));
    const s = await readOneRoster(dir);
    expect(s.classes.map((c) => c.sourcedId)).toEqual(['alg1-p1']);
    expect(s.users.map((u) => u.sourcedId)).toEqual(['t1', 's1']);
    expect(s.enrollments.map((e) => e.sourcedId)).toEqual(['e1']);
    const skipped = s.warnings.filter((w) => w.code === 'oneroster.tobedeleted-skipped').map((w) => [w.file, w.line]);
    expect(skipped).toEqual([['classes.csv', 3], ['users.csv', 4], ['enrollments.csv', 5]]);
    const cascaded = s.warnings.filter((w) => w.code === 'oneroster.depends-on-tobedeleted').map((w) => [w.file, w.line, w.field]);
    expect(cascaded).toEqual([['enrollments.csv', 3, 'classSourcedId'], ['enrollments.csv', 4, 'userSourcedId']]);
    expect(codes(s.warnings)).not.toContain('oneroster.status-in-bulk');
  });

  it('tolerates status values in a bulk file with one warning per file', async () => {
    const dir = writeDir(clean11({
      'users.csv': USERS_11.replace('t1,,,', 't1,active,2024-01-01,').replace('s1,,,', 's1,Active,2024-01-01,'),
    }));
    const s = await readOneRoster(dir);
    const w = s.warnings.filter((x) => x.code === 'oneroster.status-in-bulk');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ file: 'users.csv', line: 2 });
    expect(s.users).toHaveLength(3);
  });

  it('merges duplicate enrollments per (class, user, role): earliest begin, latest end, open ends win', async () => {
    const dir = writeDir(clean11({
      'enrollments.csv': lines(
        HEADERS.enrollments,
        'e-fall,,,alg1-p1,sch1,s1,student,,2024-08-20,2024-12-20',
        'e1,,,alg1-p1,sch1,t1,teacher,false,2024-08-20,2024-12-20',
        'e-spring,,,alg1-p1,sch1,s1,student,,2025-01-06,2025-06-10',
        'e2,,,alg1-p1,sch1,t1,teacher,true,2025-01-06,',
        'e3,,,alg1-p1,sch1,t1,student,,2025-01-06,2025-02-01',
      ),
    }));
    const s = await readOneRoster(dir);
    expect(s.enrollments.map((e) => [e.sourcedId, e.userSourcedId, e.role, e.beginDate, e.endDate, e.primary])).toEqual([
      ['e-fall', 's1', 'student', '2024-08-20', '2025-06-10', false],
      ['e1', 't1', 'teacher', '2024-08-20', '', true],
      ['e3', 't1', 'student', '2025-01-06', '2025-02-01', false],
    ]);
    const w = s.warnings.filter((x) => x.code === 'oneroster.duplicate-enrollment');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ file: 'enrollments.csv', line: 4 });
    expect(w[0]!.message).toMatch(/^2 rows repeat/);
  });

  it('treats a dangling org or session parent as no parent, with a warning', async () => {
    const dir = writeDir(clean11({ 'orgs.csv': ORGS.replace('sch2,,,South Middle,school,SM,d1', 'sch2,,,South Middle,school,SM,state9') }));
    const s = await readOneRoster(dir);
    expect(s.orgs[2]!.parentSourcedId).toBe('');
    expect(warning(s, 'oneroster.dangling-parent')).toMatchObject({ file: 'orgs.csv', line: 4, field: 'parentSourcedId' });
  });
});

describe('readOneRoster: dates', () => {
  const withEnrollmentDates = (...pairs: [string, string][]): Files => clean11({
    'users.csv': lines(HEADERS.users11, ...pairs.map((_, i) => `u${i},,,true,sch1,student,u${i},,U,${i},,,,,,,,`)),
    'enrollments.csv': lines(HEADERS.enrollments, ...pairs.map(([b, e], i) => `e${i},,,alg1-p1,sch1,u${i},student,,${b},${e}`)),
  });

  it('normalises ISO datetimes and unambiguous day-first dates', async () => {
    const s = await readOneRoster(writeDir(withEnrollmentDates(['2024-08-20T00:00:00.000Z', '15/06/2025'], ['2024-8-5', '2025-06-10 12:00'])));
    expect(s.enrollments.map((e) => [e.beginDate, e.endDate])).toEqual([['2024-08-20', '2025-06-15'], ['2024-08-05', '2025-06-10']]);
    expect(warning(s, 'oneroster.date-format')).toMatchObject({ file: 'enrollments.csv', line: 2, field: 'endDate' });
    expect(codes(s.warnings)).not.toContain('oneroster.ambiguous-date');
  });

  it('reads an ambiguous slash date as D/M/YYYY with a located warning', async () => {
    const s = await readOneRoster(writeDir(withEnrollmentDates(['2024-08-20', ''], ['01/05/2025', ''])));
    expect(s.enrollments[1]!.beginDate).toBe('2025-05-01');
    const w = warning(s, 'oneroster.ambiguous-date');
    expect(w).toMatchObject({ file: 'enrollments.csv', line: 3, field: 'beginDate', column: 9 });
    expect(w.message).toContain('D/M/YYYY');
    expect(w.hint).toBeTruthy();
  });

  it('does not call a slash date ambiguous when day and month are equal', async () => {
    const s = await readOneRoster(writeDir(withEnrollmentDates(['05/05/2025', ''])));
    expect(s.enrollments[0]!.beginDate).toBe('2025-05-05');
    expect(codes(s.warnings)).toEqual(['oneroster.date-format']);
  });

  it('lets unambiguous M/D/YYYY dates in the same file decide the ambiguous ones', async () => {
    const s = await readOneRoster(writeDir(withEnrollmentDates(['08/20/2024', '01/05/2025'])));
    expect(s.enrollments[0]).toMatchObject({ beginDate: '2024-08-20', endDate: '2025-01-05' });
    expect(warning(s, 'oneroster.ambiguous-date').message).toContain('M/D/YYYY');
  });

  it('rejects impossible dates with their location', async () => {
    const errors = await readErrors(writeDir(withEnrollmentDates(['2024-02-30', ''], ['', 'someday'], ['13/13/2024', ''])));
    expect(errors.map((e) => [e.code, e.line, e.field])).toEqual([
      ['oneroster.invalid-date', 2, 'beginDate'], ['oneroster.invalid-date', 3, 'endDate'], ['oneroster.invalid-date', 4, 'beginDate'],
    ]);
  });

  it('requires session dates', async () => {
    const dir = writeDir(clean11({ 'academicSessions.csv': SESSIONS.replace('2024-08-20,2024-12-20', '2024-08-20,') }));
    expect(await readErrors(dir)).toContainEqual(expect.objectContaining({ code: 'oneroster.missing-value', file: 'academicSessions.csv', line: 3, field: 'endDate' }));
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: generated rosters written with csv-stringify read back to the same records.

type Unsourced<T> = Omit<T, 'source' | 'sourceFile' | 'sourceRow'>;

interface Roster {
  version: '1.1' | '1.2';
  orgs: Unsourced<OrOrg>[];
  sessions: Unsourced<OrAcademicSession>[];
  courses: Unsourced<OrCourse>[];
  classes: Unsourced<OrClass>[];
  users: Unsourced<OrUser>[];
  /** 1.2 only: role rows; the users' role/orgSourcedIds are what the reader should derive from them. */
  roles: { sourcedId: string; userSourcedId: string; roleType: string; role: string; orgSourcedId: string }[];
  enrollments: Unsourced<OrEnrollment>[];
}

const idArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._@/-]{0,7}$/);
const textArb = fc.string({ unit: fc.constantFrom('a', 'Z', 'é', ' ', ',', '"', '1', '-', "'"), minLength: 1, maxLength: 8 })
  .map((s) => s.trim()).filter((s) => s !== '');
const optionalTextArb = fc.oneof(fc.constant(''), textArb);
const tokenArb = fc.stringMatching(/^[A-Za-z0-9]{1,4}$/);
const listArb = fc.array(tokenArb, { maxLength: 3 });
const dateArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2039-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const metadataKeysArb = fc.uniqueArray(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,5}$/), { maxLength: 2 });

function pickSome<T>(g: fc.GeneratorValue, items: T[], minLength: number): T[] {
  return g(fc.subarray, items, { minLength: Math.min(minLength, items.length) });
}

function genMetadata(g: fc.GeneratorValue, keys: string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const key of keys) {
    const value = g(() => optionalTextArb);
    if (value !== '') metadata[key] = value;
  }
  return metadata;
}

function genRoster(g: fc.GeneratorValue, version: '1.1' | '1.2', withDuplicates: boolean): { roster: Roster; metadataKeys: Record<string, string[]> } {
  const ids = g(() => fc.uniqueArray(idArb, { minLength: 60, maxLength: 60 }));
  let next = 0;
  const takeId = () => ids[next++]!;
  const metadataKeys = { orgs: g(() => metadataKeysArb), sessions: g(() => metadataKeysArb), courses: g(() => metadataKeysArb), classes: g(() => metadataKeysArb), users: g(() => metadataKeysArb) };

  const district: Unsourced<OrOrg> = { sourcedId: takeId(), name: g(() => textArb), type: 'district', identifier: g(() => optionalTextArb), parentSourcedId: '', metadata: genMetadata(g, metadataKeys.orgs) };
  const schools = Array.from({ length: g(fc.integer, { min: 1, max: 3 }) }, (): Unsourced<OrOrg> => ({
    sourcedId: takeId(), name: g(() => textArb), type: 'school', identifier: g(() => optionalTextArb), parentSourcedId: district.sourcedId, metadata: genMetadata(g, metadataKeys.orgs),
  }));
  const orgs = [district, ...schools];
  const sessions: Unsourced<OrAcademicSession>[] = [];
  for (let k = g(fc.integer, { min: 1, max: 3 }); k > 0; k--) {
    const [startDate, endDate] = [g(() => dateArb), g(() => dateArb)].sort();
    sessions.push({
      sourcedId: takeId(), title: g(() => textArb), type: g(fc.constantFrom, 'schoolYear', 'semester', 'term', 'gradingPeriod'), startDate: startDate!,
      endDate: endDate!, parentSourcedId: sessions.length > 0 && g(fc.boolean) ? sessions[0]!.sourcedId : '',
      schoolYear: String(g(fc.integer, { min: 2000, max: 2040 })), metadata: genMetadata(g, metadataKeys.sessions),
    });
  }
  const courses = Array.from({ length: g(fc.integer, { min: 1, max: 3 }) }, (): Unsourced<OrCourse> => ({
    sourcedId: takeId(), title: g(() => textArb), courseCode: g(() => optionalTextArb), schoolYearSourcedId: g(fc.constantFrom, '', ...sessions.map((s) => s.sourcedId)),
    orgSourcedId: g(fc.constantFrom, ...orgs.map((o) => o.sourcedId)), grades: g(() => listArb), subjects: g(() => listArb), metadata: genMetadata(g, metadataKeys.courses),
  }));
  const classes = Array.from({ length: g(fc.integer, { min: 1, max: 4 }) }, (): Unsourced<OrClass> => ({
    sourcedId: takeId(), title: g(() => textArb), courseSourcedId: g(fc.constantFrom, ...courses.map((c) => c.sourcedId)), classCode: g(() => optionalTextArb),
    classType: g(fc.constantFrom, 'homeroom', 'scheduled'), location: g(() => optionalTextArb), schoolSourcedId: g(fc.constantFrom, ...schools.map((s) => s.sourcedId)),
    termSourcedIds: pickSome(g, sessions.map((s) => s.sourcedId), 1), grades: g(() => listArb), subjects: g(() => listArb), periods: g(() => listArb),
    metadata: genMetadata(g, metadataKeys.classes),
  }));
  const userIds = Array.from({ length: g(fc.integer, { min: 1, max: 6 }) }, takeId);
  const roles: Roster['roles'] = [];
  const users = userIds.map((sourcedId): Unsourced<OrUser> => {
    let role: string = g(fc.constantFrom, 'student', 'teacher', 'administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative');
    let orgSourcedIds = pickSome(g, orgs.map((o) => o.sourcedId), 1);
    if (version === '1.2') {
      // Several primary roles at different orgs: the lowest role sourcedId wins, whatever the row order.
      const primaries = g(fc.integer, { min: 1, max: withDuplicates ? 2 : 1 });
      const userRoles = orgSourcedIds.map((orgSourcedId, k) => ({ sourcedId: takeId(), userSourcedId: sourcedId, roleType: k < primaries ? 'primary' : 'secondary', role: k === 0 ? role : g(fc.constantFrom, 'student', 'teacher'), orgSourcedId }));
      roles.push(...userRoles);
      const chosen = userRoles.filter((r) => r.roleType === 'primary').reduce((a, b) => (b.sourcedId < a.sourcedId ? b : a));
      role = chosen.role;
      orgSourcedIds = [chosen.orgSourcedId, ...orgSourcedIds.filter((o) => o !== chosen.orgSourcedId).sort()];
    }
    return {
      sourcedId, enabledUser: g(fc.boolean), orgSourcedIds, role, username: g(() => textArb),
      userIds: g(fc.array, fc.record({ type: tokenArb, identifier: tokenArb }), { maxLength: 2 }), givenName: g(() => textArb), familyName: g(() => textArb),
      middleName: g(() => optionalTextArb), preferredGivenName: version === '1.2' ? g(() => optionalTextArb) : '', preferredFamilyName: version === '1.2' ? g(() => optionalTextArb) : '',
      identifier: g(() => optionalTextArb), email: g(() => optionalTextArb), sms: g(() => optionalTextArb), phone: g(() => optionalTextArb),
      agentSourcedIds: pickSome(g, userIds.filter((u) => u !== sourcedId), 0), grades: g(() => listArb), metadata: genMetadata(g, metadataKeys.users),
    };
  });
  const enrollments: Unsourced<OrEnrollment>[] = [];
  const seen = new Set<string>();
  for (let k = g(fc.integer, { min: 0, max: 8 }); k > 0; k--) {
    const cls = g(fc.constantFrom, ...classes);
    const enrollment: Unsourced<OrEnrollment> = {
      sourcedId: takeId(), classSourcedId: cls.sourcedId, schoolSourcedId: cls.schoolSourcedId, userSourcedId: g(fc.constantFrom, ...userIds),
      role: g(fc.constantFrom, 'student', 'teacher', 'administrator', 'proctor'), primary: g(fc.boolean),
      beginDate: g(fc.constantFrom, '', '2024-08-20', '2025-01-06'), endDate: g(fc.constantFrom, '', '2024-12-20', '2025-06-10'),
    };
    const key = `${enrollment.classSourcedId}|${enrollment.userSourcedId}|${enrollment.role}`;
    if (seen.has(key) && !withDuplicates) continue;
    seen.add(key);
    enrollments.push(enrollment);
  }
  return { roster: { version, orgs, sessions, courses, classes, users, roles, enrollments }, metadataKeys };
}

/** Spelling variants a real export might use for the same value. */
function writeBoolean(g: fc.GeneratorValue, value: boolean): string {
  return g(fc.constantFrom, ...(value ? ['true', 'TRUE', 'True'] : ['false', 'FALSE']));
}

function rosterFiles(g: fc.GeneratorValue, roster: Roster, metadataKeys: Record<string, string[]>): Files {
  // Every cell is written from a string field (lists and booleans are formatted first); anything else stays empty.
  const table = (header: string, metadata: string[], records: Record<string, unknown>[]): string => {
    const columns = g(() => fc.shuffledSubarray([...header.split(','), ...metadata.map((k) => `metadata.${k}`)], { minLength: header.split(',').length + metadata.length }));
    return stringify([columns, ...records.map((r) => columns.map((c) => (typeof r[c] === 'string' ? r[c] : '')))]);
  };
  const meta = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [`metadata.${k}`, v]));
  const list = (items: string[]) => items.join(g(fc.constantFrom, ',', ', '));
  const users = roster.users.map((u) => ({
    sourcedId: u.sourcedId, enabledUser: writeBoolean(g, u.enabledUser), orgSourcedIds: list(u.orgSourcedIds), role: u.role, username: u.username,
    userIds: u.userIds.map((i) => `{${i.type}:${i.identifier}}`).join(','), givenName: u.givenName, familyName: u.familyName, middleName: u.middleName,
    preferredGivenName: u.preferredGivenName, preferredFamilyName: u.preferredFamilyName, identifier: u.identifier, email: u.email, sms: u.sms, phone: u.phone,
    agentSourcedIds: list(u.agentSourcedIds), grades: list(u.grades), ...meta(u.metadata),
  }));
  return {
    'manifest.csv': manifest(roster.version),
    'orgs.csv': table(HEADERS.orgs, metadataKeys.orgs!, roster.orgs.map((o) => ({ ...o, type: g(fc.constantFrom, o.type, o.type.toUpperCase()), ...meta(o.metadata) }))),
    'academicSessions.csv': table(HEADERS.academicSessions, metadataKeys.sessions!, roster.sessions.map((s) => ({ ...s, ...meta(s.metadata) }))),
    'courses.csv': table(HEADERS.courses, metadataKeys.courses!, roster.courses.map((c) => ({ ...c, grades: list(c.grades), subjects: list(c.subjects), ...meta(c.metadata) }))),
    'classes.csv': table(HEADERS.classes, metadataKeys.classes!, roster.classes.map((c) => ({
      ...c, classType: g(fc.constantFrom, c.classType, c.classType[0]!.toUpperCase() + c.classType.slice(1)), termSourcedIds: list(c.termSourcedIds),
      grades: list(c.grades), subjects: list(c.subjects), periods: list(c.periods), ...meta(c.metadata),
    }))),
    'users.csv': table(roster.version === '1.1' ? HEADERS.users11 : HEADERS.users12, metadataKeys.users!, users),
    'roles.csv': roster.version === '1.2' ? table(HEADERS.roles, [], roster.roles) : undefined,
    'enrollments.csv': table(HEADERS.enrollments, [], roster.enrollments.map((e) => ({ ...e, primary: e.primary || g(fc.boolean) ? writeBoolean(g, e.primary) : '' }))),
  };
}

function withoutSource<T extends object>(records: T[]): Unsourced<T>[] {
  return records.map((r) => {
    const { source: _source, sourceFile: _file, sourceRow: _row, ...rest } = r as T & { source?: unknown; sourceFile?: unknown; sourceRow?: unknown };
    return rest as Unsourced<T>;
  });
}

function bySourcedId<T extends { sourcedId: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.sourcedId < b.sourcedId ? -1 : a.sourcedId > b.sourcedId ? 1 : 0));
}

function recordsOf(s: SisSnapshot) {
  return {
    orgs: bySourcedId(withoutSource(s.orgs)), sessions: bySourcedId(withoutSource(s.academicSessions)), courses: bySourcedId(withoutSource(s.courses)),
    classes: bySourcedId(withoutSource(s.classes)), users: bySourcedId(withoutSource(s.users)), enrollments: bySourcedId(withoutSource(s.enrollments)),
  };
}

describe('readOneRoster: properties', () => {
  it('round trip: generated rosters read back unchanged, whatever the column order and metadata columns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), fc.constantFrom<'1.1' | '1.2'>('1.1', '1.2'), async (g, version) => {
        const { roster, metadataKeys } = genRoster(g, version, false);
        const s = await readOneRoster(writeDir(rosterFiles(g, roster, metadataKeys)));
        expect(s.version).toBe(version);
        expect(withoutSource(s.orgs)).toEqual(roster.orgs);
        expect(withoutSource(s.academicSessions)).toEqual(roster.sessions);
        expect(withoutSource(s.courses)).toEqual(roster.courses);
        expect(withoutSource(s.classes)).toEqual(roster.classes);
        expect(withoutSource(s.users)).toEqual(roster.users);
        expect(withoutSource(s.enrollments)).toEqual(roster.enrollments);
        // The only expected warning: no enrollments at all is an empty file (OneRoster wants it marked absent).
        expect(s.warnings.filter((w) => w.code !== 'oneroster.empty-file')).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('row order does not matter: any shuffle of every file gives the same records', async () => {
    const shuffleRows = (g: fc.GeneratorValue, text: string): string => {
      const [header, ...rows] = text.trimEnd().split('\n');
      return [header, ...g(fc.shuffledSubarray, rows, { minLength: rows.length })].join('\n') + '\n';
    };
    await fc.assert(
      fc.asyncProperty(fc.gen(), fc.constantFrom<'1.1' | '1.2'>('1.1', '1.2'), async (g, version) => {
        const { roster, metadataKeys } = genRoster(g, version, true);
        // Values without line breaks, so every record is one line and lines can be shuffled as text.
        const files = rosterFiles(g, roster, metadataKeys);
        const shuffled = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, text === undefined || name === 'manifest.csv' ? text : shuffleRows(g, text as string)]));
        const original = await readOneRoster(writeDir(files));
        const reordered = await readOneRoster(writeDir(shuffled));
        expect(recordsOf(reordered)).toEqual(recordsOf(original));
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

function prefixKeys(files: Files, prefix: string): Files {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [prefix + k, v]));
}

describe('readOneRoster: enrollments.csv read once per distinct value', () => {
  /** What reading gave: the records and warnings, or the errors. */
  async function outcome(dir: string, cellByCell: boolean): Promise<unknown> {
    try {
      const s = await readOneRoster(dir, { cellByCell });
      return { enrollments: s.enrollments, warnings: s.warnings };
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      return { errors: (err as DataError).diagnostics };
    }
  }

  it('property: reads every file exactly as reading it cell by cell does (values, messages, slash dates)', async () => {
    let read = 0;
    // Mostly values a file can hold, sometimes one that needs a message (so that some files read whole).
    const pick = (usual: string[], odd: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...usual), weight: 40 }, { arbitrary: fc.constantFrom(...odd), weight: 1 });
    const date = pick(['', '2024-08-20', '2025-06-10', ' 2024-08-20 ', '2024-08-20T00:00:00Z', '8/20/2024', '20/08/2024', '03/04/2025'], ['2024-13-01', 'soon']);
    const row = fc.tuple(
      pick(['', 'active', 'tobedeleted', 'Inactive'], ['bogus']),
      pick(['alg1-p1', ' alg1-p1 '], ['nope', '']),
      pick(['sch1', 'sch2'], ['ghost', '']),
      pick(['t1', 's1', 'g1'], ['ghost', '']),
      pick(['student', 'Teacher', 'aide', 'ext:mentor', ' student'], ['nope', '']),
      pick(['', 'true', 'FALSE', 'false'], ['yes']),
      date, date,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), fc.nat(24), async (rows, repeatAt) => {
        const enrollments = lines(HEADERS.enrollments, ...rows.map((r, i) => {
          const [status, cls, school, user, role, primary, begin, end] = r;
          const id = i === repeatAt && i > 0 ? 'e0' : `e${i}`; // sometimes a repeated sourcedId
          return stringify([[id, status, '', cls, school, user, role, primary, begin, end]]).trimEnd();
        }));
        const dir = writeDir(clean11({ 'enrollments.csv': enrollments }));
        const once = await outcome(dir, false);
        if (!('errors' in (once as object))) read++;
        expect(once).toEqual(await outcome(dir, true));
      }),
      { numRuns: 150 },
    );
    expect(read).toBeGreaterThan(40); // enough files read whole, not only rejected
  });
});
