/**
 * The bad-input corpus (test/cli/bad-input-corpus.test.ts): families of damage applied to a small,
 * valid workspace (policies, a OneRoster export, a Canvas provisioning snapshot), generated from
 * mutation tables rather than written out one by one. Every case names the file its error must
 * name and whether a row or line must be given too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ONEROSTER, POLICIES } from './workspace.js';
import { buildZip, repeatedDeflate, type ZipEntrySpec } from './zip-builder.js';

export interface Ws {
  dir: string;
  policies: string;
  sis: string;
  canvas: string;
}

export interface BadInput {
  family: 'policy' | 'oneroster-csv' | 'oneroster-zip' | 'canvas-csv' | 'canvas-zip' | 'cli-flag';
  name: string;
  /** Breaks the copy of the workspace; returns extra CLI arguments. */
  setup(ws: Ws): string[] | void;
  /** `error`: exit 1 and nothing written; `ok`: the input is acceptable and the plan is made. */
  expect: 'error' | 'ok';
  /** What the message must name: a file (by base name), with a row/line (`:N`) when `row`; a flag. */
  names?: { file: string; row?: boolean } | { flag: string };
  /** A FIFO: opened by mistake it would block the process, so the case runs in a child with a timeout. */
  hangProne?: boolean;
  /** Text that must never be printed (a cell's value: it could be a student's name). */
  secret?: string;
}

// ---------------------------------------------------------------------------------------------
// The valid workspace

const CANVAS: Record<string, string> = {
  'users.csv': 'canvas_user_id,user_id,integration_id,authentication_provider_id,login_id,first_name,last_name,full_name,sortable_name,short_name,email,status,created_by_sis\n'
    + '101,sst1,,,ana.diaz,Ana,Diaz,Ana Diaz,"Diaz, Ana",Ana,ana.diaz@k12.example.org,active,true\n'
    + '101,,,,ana.manual,Ana,Diaz,Ana Diaz,"Diaz, Ana",Ana,,active,false\n'
    + '102,sst2,,,bo.chen,Bo,Chen,Bo Chen,"Chen, Bo",Bo,bo.chen@k12.example.org,active,true\n',
  'accounts.csv': 'canvas_account_id,account_id,canvas_parent_id,parent_account_id,name,status,created_by_sis\n2,sch1,1,,North High,active,true\n3,dist,1,,Test District,active,true\n',
  'terms.csv': 'canvas_term_id,term_id,name,status,start_date,end_date,created_by_sis\n3,f25,Fall 2025,active,2025-08-18T00:00:00-05:00,2025-12-19T00:00:00-06:00,true\n4,y26,2025-2026,active,,,true\n',
  'courses.csv': 'canvas_course_id,course_id,integration_id,short_name,long_name,canvas_account_id,account_id,canvas_term_id,term_id,status,start_date,end_date,course_format,canvas_blueprint_course_id,blueprint_course_id,created_by_sis\n'
    + '10,cl1,,ALG1-1,Algebra I - P1,2,sch1,3,f25,active,,,,,,true\n11,cl2,,ALG1-2,Algebra I - P2,2,sch1,3,f25,unpublished,,,,,,true\n',
  'sections.csv': 'canvas_section_id,section_id,canvas_course_id,course_id,integration_id,name,status,start_date,end_date,canvas_account_id,account_id,created_by_sis\n'
    + '20,cl1,10,cl1,,Algebra I - P1,active,,,2,sch1,true\n21,cl2,11,cl2,,Algebra I - P2,active,,,2,sch1,true\n',
  'enrollments.csv': 'canvas_course_id,course_id,canvas_user_id,user_id,role,role_id,canvas_section_id,section_id,status,canvas_associated_user_id,associated_user_id,created_by_sis,base_role_type,limit_section_privileges,canvas_enrollment_id\n'
    + '10,cl1,101,sst1,student,3,20,cl1,active,,,true,StudentEnrollment,false,500\n11,cl2,102,sst2,student,3,21,cl2,invited,,,true,StudentEnrollment,false,501\n',
};

/** The valid workspace, written once; each case works on a copy. */
export function writeBase(): Ws {
  const dir = mkdtempSync(join(tmpdir(), 'rosterops-corpus-'));
  const ws = wsAt(join(dir, 'base'));
  for (const d of [ws.policies, ws.sis, ws.canvas]) mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(ONEROSTER)) writeFileSync(join(ws.sis, name), text);
  for (const [name, text] of Object.entries(CANVAS)) writeFileSync(join(ws.canvas, name), text);
  for (const [name, text] of Object.entries(POLICIES)) writeFileSync(join(ws.policies, name), text);
  return ws;
}

export function wsAt(dir: string): Ws {
  return { dir, policies: join(dir, 'policies'), sis: join(dir, 'sis'), canvas: join(dir, 'canvas') };
}

export function copyWorkspace(base: Ws, dir: string): Ws {
  cpSync(base.dir, dir, { recursive: true });
  return wsAt(dir);
}

// ---------------------------------------------------------------------------------------------
// Editing helpers

const read = (path: string) => readFileSync(path, 'utf8');

function replaceWith(path: string, content: string | Uint8Array): void {
  rmSync(path, { force: true, recursive: true });
  writeFileSync(path, content);
}

function records(text: string): string[][] {
  return parse(text, { relax_column_count: true }) as string[][];
}

/** Sets one cell (row 0 = header) and writes the file back as CSV. */
function setCell(path: string, row: number, column: number | string, value: string): void {
  const rows = records(read(path));
  const c = typeof column === 'number' ? column : rows[0]!.indexOf(column);
  if (c < 0) throw new Error(`no column ${String(column)} in ${path}`);
  rows[row]![c] = value;
  writeFileSync(path, stringify(rows));
}

function appendLine(path: string, line: string): void {
  writeFileSync(path, read(path) + line + '\n');
}

function replacePath(path: string, make: (path: string) => void): void {
  rmSync(path, { force: true, recursive: true });
  make(path);
}

// ---------------------------------------------------------------------------------------------
// Damage any CSV file can take (the file, by name, within a folder of the workspace)

interface FileDamage {
  name: string;
  apply(path: string): void;
  row?: boolean;
  secret?: string;
  hangProne?: boolean;
  expect?: 'ok';
}

const SECRET = 'Zelda-Quinterro';

const FILE_DAMAGE: FileDamage[] = [
  { name: 'an empty file', apply: (p) => replaceWith(p, ''), row: true },
  { name: 'only blank lines', apply: (p) => replaceWith(p, '\n  \n\n') },
  { name: 'a NUL in a data cell', apply: (p) => setCell(p, 1, 1, `${SECRET}\u0000x`), row: true, secret: SECRET },
  { name: 'a NUL in the header', apply: (p) => replaceWith(p, read(p).replace(',', '\u0000,')), row: true },
  { name: 'a 100 KiB cell', apply: (p) => setCell(p, 1, 1, SECRET + 'x'.repeat(100 * 1024)), row: true, secret: SECRET },
  { name: 'a byte that is not UTF-8', apply: (p) => replaceWith(p, Buffer.concat([Buffer.from(read(p)), Buffer.from([0x31, 0xe9, 0x2c, 0x0a])])) },
  { name: 'UTF-16 text', apply: (p) => replaceWith(p, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(read(p), 'utf16le')])) },
  { name: 'a quote left open', apply: (p) => appendLine(p, '"unclosed,row'), row: true },
  { name: 'a quote inside an unquoted cell', apply: (p) => { const lines = read(p).split('\n'); lines[1] = `ab"c${lines[1]!}`; replaceWith(p, lines.join('\n')); }, row: true },
  { name: 'a header cell without a name', apply: (p) => replaceWith(p, read(p).replace(',', ',,')), row: true },
  { name: 'random bytes', apply: (p) => replaceWith(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))) },
  { name: 'a directory', apply: (p) => replacePath(p, (x) => mkdirSync(x)) },
  { name: 'a dangling symbolic link', apply: (p) => replacePath(p, (x) => symlinkSync(join(dirname(x), 'nowhere.csv'), x)) },
  { name: 'a symbolic link loop', apply: (p) => replacePath(p, (x) => { symlinkSync(`${x}.b`, x); symlinkSync(x, `${x}.b`); }) },
  { name: 'a link to /dev/null', apply: (p) => replacePath(p, (x) => symlinkSync('/dev/null', x)) },
  { name: 'a link to /dev/zero', apply: (p) => replacePath(p, (x) => symlinkSync('/dev/zero', x)) },
  { name: 'a FIFO', apply: (p) => replacePath(p, (x) => mkfifo(x)), hangProne: true },
  { name: 'CRLF line ends on some lines', apply: (p) => replaceWith(p, read(p).replace('\n', '\r\n')), expect: 'ok' },
  { name: 'a UTF-8 byte order mark', apply: (p) => replaceWith(p, '\ufeff' + read(p)), expect: 'ok' },
];

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${String(r.stderr)}`);
}

/** Damage that breaks the identifying column of a file (its first column here is always one). */
const renameFirstColumn: FileDamage = { name: 'its identifying column renamed', apply: (p) => replaceWith(p, read(p).replace(/^[a-z_A-Z]+/, 'renamed')), row: true };
const repeatFirstRow: FileDamage = { name: 'its first row repeated', apply: (p) => appendLine(p, read(p).split('\n')[1]!), row: true };

function fileCases(family: BadInput['family'], folder: (ws: Ws) => string, files: readonly string[], damages: readonly FileDamage[]): BadInput[] {
  return files.flatMap((file) => damages.map((d): BadInput => ({
    family,
    name: `${file}: ${d.name}`,
    setup: (ws) => d.apply(join(folder(ws), file)),
    expect: d.expect ?? 'error',
    names: { file, ...(d.row ? { row: true } : {}) },
    ...(d.hangProne ? { hangProne: true } : {}),
    ...(d.secret ? { secret: d.secret } : {}),
  })));
}

// ---------------------------------------------------------------------------------------------
// OneRoster

const SIS_FILES = ['users.csv', 'enrollments.csv', 'classes.csv', 'orgs.csv', 'academicSessions.csv', 'courses.csv'] as const;

/** Row-level mistakes a SIS makes, each in one cell: all located by row. */
const SIS_VALUES: { file: string; row: number; column: string; value: string; name: string }[] = [
  { file: 'users.csv', row: 1, column: 'role', value: 'wizard', name: 'a role OneRoster does not have' },
  { file: 'users.csv', row: 1, column: 'enabledUser', value: 'maybe', name: 'enabledUser neither true nor false' },
  { file: 'users.csv', row: 1, column: 'username', value: '', name: 'an empty username' },
  { file: 'users.csv', row: 2, column: 'sourcedId', value: 'st1', name: 'a sourcedId repeated' },
  { file: 'enrollments.csv', row: 1, column: 'classSourcedId', value: 'nope', name: 'a class that does not exist' },
  { file: 'enrollments.csv', row: 1, column: 'userSourcedId', value: 'nope', name: 'a user that does not exist' },
  { file: 'enrollments.csv', row: 1, column: 'role', value: 'wizard', name: 'an enrollment role OneRoster does not have' },
  { file: 'enrollments.csv', row: 1, column: 'beginDate', value: '2025-13-45', name: 'a date that does not exist' },
  { file: 'enrollments.csv', row: 1, column: 'endDate', value: 'soon', name: 'an end date that is no date' },
  { file: 'academicSessions.csv', row: 2, column: 'startDate', value: '2025-08-32', name: 'a start date that does not exist' },
  { file: 'academicSessions.csv', row: 2, column: 'type', value: 'eon', name: 'a session type OneRoster does not have' },
  { file: 'classes.csv', row: 1, column: 'courseSourcedId', value: 'nope', name: 'a course that does not exist' },
  { file: 'classes.csv', row: 1, column: 'termSourcedIds', value: 'nope', name: 'a term that does not exist' },
  { file: 'classes.csv', row: 1, column: 'schoolSourcedId', value: 'nope', name: 'a school that does not exist' },
  { file: 'classes.csv', row: 1, column: 'title', value: '', name: 'an empty title' },
  { file: 'orgs.csv', row: 2, column: 'type', value: 'planet', name: 'an org type OneRoster does not have' },
  { file: 'orgs.csv', row: 2, column: 'sourcedId', value: 'dist', name: 'an org sourcedId repeated' },
  { file: 'courses.csv', row: 1, column: 'orgSourcedId', value: 'nope', name: 'a course school that does not exist' },
];

function sisValueCases(): BadInput[] {
  return SIS_VALUES.map((v): BadInput => ({
    family: 'oneroster-csv', name: `${v.file}: ${v.name}`, expect: 'error', names: { file: v.file, row: true },
    setup: (ws) => setCell(join(ws.sis, v.file), v.row, v.column, v.value),
  }));
}

const sisZip = (ws: Ws) => join(ws.dir, 'export.zip');

function zipOfSis(ws: Ws, edit: (entries: ZipEntrySpec[]) => ZipEntrySpec[] = (e) => e): string[] {
  const entries = Object.keys(ONEROSTER).map((name): ZipEntrySpec => ({ name, data: readFileSync(join(ws.sis, name)) }));
  writeFileSync(sisZip(ws), buildZip(edit(entries)));
  return ['--sis', sisZip(ws)];
}

/** A zip bomb: `entry` inflates to `megabytes` MiB of CSV-looking text from a few KiB. */
export function bombEntry(name: string, megabytes: number, declaredSize?: number): ZipEntrySpec {
  const line = 'st9,,,true,sch1,student,x.y,,X,Y,,1,x.y@k12.example.org,,,,09,\n';
  const chunk = Buffer.from(line.repeat(Math.ceil((1024 * 1024) / line.length))).subarray(0, 1024 * 1024);
  return { name, raw: repeatedDeflate(chunk, megabytes), ...(declaredSize !== undefined ? { declaredSize } : {}) };
}

function withLimits(ws: Ws, limits: string): void {
  writeFileSync(join(ws.policies, 'main.yaml'), `${read(join(ws.policies, 'main.yaml'))}limits: ${limits}\n`);
}

function sisZipCases(): BadInput[] {
  const z = (name: string, setup: (ws: Ws) => string[], expect: 'error' | 'ok' = 'error', file = 'export.zip', row = false, extra: Partial<BadInput> = {}): BadInput => ({
    family: 'oneroster-zip', name, setup, expect, names: { file, ...(row ? { row: true } : {}) }, ...extra,
  });
  const without = (name: string) => (e: ZipEntrySpec[]) => e.filter((x) => x.name !== name);
  return [
    z('a valid zip plans', (ws) => zipOfSis(ws), 'ok'),
    z('cut in half', (ws) => { const args = zipOfSis(ws); const b = readFileSync(sisZip(ws)); writeFileSync(sisZip(ws), b.subarray(0, b.length >> 1)); return args; }),
    z('its last bytes cut (no directory end)', (ws) => { const args = zipOfSis(ws); const b = readFileSync(sisZip(ws)); writeFileSync(sisZip(ws), b.subarray(0, b.length - 10)); return args; }),
    z('an empty file', (ws) => { writeFileSync(sisZip(ws), ''); return ['--sis', sisZip(ws)]; }),
    z('text named .zip', (ws) => { writeFileSync(sisZip(ws), read(join(ws.sis, 'users.csv'))); return ['--sis', sisZip(ws)]; }),
    z('a zip without CSV files', (ws) => zipOfSis(ws, () => [{ name: 'readme.txt', data: Buffer.from('hello') }])),
    z('a zip holding only a zip', (ws) => { const inner = buildZip(Object.keys(ONEROSTER).map((name) => ({ name, data: readFileSync(join(ws.sis, name)) }))); return zipOfSis(ws, () => [{ name: 'export.zip', data: inner }]); }),
    z('an entry named ../users.csv', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, name: '../users.csv' } : x)))),
    z('an entry with an absolute path', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, name: '/etc/users.csv' } : x)))),
    z('an entry with a backslash path', (ws) => zipOfSis(ws, (e) => [...e, { name: '..\\..\\evil.csv', data: Buffer.from('a\n1\n') }])),
    z('CSV files in two folders and none at the root', (ws) => zipOfSis(ws, (e) => [...e.map((x) => ({ ...x, name: `a/${x.name}` })), ...e.map((x) => ({ ...x, name: `b/${x.name}` }))])),
    z('an encrypted entry', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, flags: 1 } : x)))),
    z('an entry compressed with an unknown method', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, method: 12 } : x)))),
    z('an entry whose data is damaged', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, raw: { compressed: Buffer.from('this is not deflate data at all, no'), size: 500, crc: 0 } } : x)))),
    z('an entry that declares fewer bytes than it inflates to', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, declaredSize: 20 } : x)))),
    z('an entry that declares more bytes than it inflates to', (ws) => zipOfSis(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, declaredSize: 5000 } : x)))),
    z('a bomb: users.csv inflates to 600 MiB from under 2 MiB', (ws) => zipOfSis(ws, (e) => [...without('users.csv')(e), bombEntry('users.csv', 600)])),
    z('a bomb that lies: it declares 1 KiB and inflates to 300 MiB', (ws) => zipOfSis(ws, (e) => [...without('users.csv')(e), bombEntry('users.csv', 300, 1024)])),
    z('2,000 entries', (ws) => zipOfSis(ws, (e) => [...e, ...Array.from({ length: 2000 }, (_, i) => ({ name: `extra/${i}.txt`, data: Buffer.from('x') }))])),
    z('an entry over limits.fileBytes', (ws) => { withLimits(ws, '{ fileBytes: 100 }'); return zipOfSis(ws); }),
    z('a zip over limits.zipBytes', (ws) => { withLimits(ws, '{ zipBytes: 1000 }'); return zipOfSis(ws); }),
    z('a zip of more entries than limits.zipEntries', (ws) => { withLimits(ws, '{ zipEntries: 3 }'); return zipOfSis(ws); }),
    z('a NUL in a zipped users.csv', (ws) => { setCell(join(ws.sis, 'users.csv'), 2, 'givenName', `${SECRET}\u0000`); return zipOfSis(ws); }, 'error', 'users.csv', true, { secret: SECRET }),
    z('a FIFO named export.zip', (ws) => { mkfifo(sisZip(ws)); return ['--sis', sisZip(ws)]; }, 'error', 'export.zip', false, { hangProne: true }),
    z('a directory named export.zip without files', (ws) => { mkdirSync(sisZip(ws)); return ['--sis', sisZip(ws)]; }, 'error', 'users.csv'),
    z('a link to /dev/zero named export.zip', (ws) => { symlinkSync('/dev/zero', sisZip(ws)); return ['--sis', sisZip(ws)]; }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Canvas snapshot

const CANVAS_FILES = ['users.csv', 'accounts.csv', 'terms.csv', 'courses.csv', 'sections.csv', 'enrollments.csv'] as const;

const CANVAS_DAMAGE: FileDamage[] = [
  ...FILE_DAMAGE.filter((d) => !['UTF-16 text', 'random bytes', 'a header cell without a name', 'a quote inside an unquoted cell', 'a link to /dev/zero'].includes(d.name)),
  { name: 'its status column renamed', apply: (p) => replaceWith(p, read(p).replace(',status,', ',state,')), row: true },
];

function canvasValueCases(): BadInput[] {
  const v = (file: string, name: string, edit: (path: string) => void): BadInput => ({
    family: 'canvas-csv', name: `${file}: ${name}`, expect: 'error', names: { file, row: true }, setup: (ws) => edit(join(ws.canvas, file)),
  });
  const statuses: [string, number][] = [['users.csv', 11], ['accounts.csv', 5], ['terms.csv', 3], ['courses.csv', 9], ['sections.csv', 6], ['enrollments.csv', 8]];
  const ids: [string, string][] = [['users.csv', 'canvas_user_id'], ['accounts.csv', 'canvas_parent_id'], ['terms.csv', 'canvas_term_id'], ['courses.csv', 'canvas_account_id'], ['sections.csv', 'canvas_course_id'], ['enrollments.csv', 'canvas_enrollment_id']];
  return [
    ...statuses.map(([file, column]) => v(file, 'a status Canvas does not write', (p) => setCell(p, 1, column, 'archived'))),
    ...ids.map(([file, column]) => v(file, `a ${column} that is not a number`, (p) => setCell(p, 1, column, 'abc-12'))),
    ...CANVAS_FILES.filter((f) => f !== 'enrollments.csv').map((file) => v(file, 'its first row repeated', (p) => appendLine(p, read(p).split('\n')[1]!.replace(/^\d+/, '999')))),
    v('enrollments.csv', 'a status named constructor', (p) => setCell(p, 1, 'status', 'constructor')),
    v('users.csv', 'a status named __proto__', (p) => setCell(p, 1, 'status', '__proto__')),
    v('users.csv', 'one canvas_user_id with two different people', (p) => setCell(p, 3, 'canvas_user_id', '101')),
    v('users.csv', 'one login listed twice (in another case)', (p) => setCell(p, 3, 'login_id', 'ANA.DIAZ')),
    v('users.csv', 'an empty login_id', (p) => setCell(p, 1, 'login_id', '')),
    v('users.csv', 'created_by_sis neither true nor false', (p) => setCell(p, 1, 'created_by_sis', 'yes please')),
    v('terms.csv', 'a start date that is no date', (p) => setCell(p, 1, 'start_date', 'next monday')),
    v('courses.csv', 'an end date that is no date', (p) => setCell(p, 1, 'end_date', '2025-02-30T00:00:00Z')),
    v('enrollments.csv', 'an empty role', (p) => setCell(p, 1, 'role', '')),
    v('enrollments.csv', 'a negative canvas_user_id', (p) => setCell(p, 1, 'canvas_user_id', '-5')),
  ];
}

const canvasZip = (ws: Ws) => join(ws.dir, 'report.zip');

function zipOfCanvas(ws: Ws, edit: (entries: ZipEntrySpec[]) => ZipEntrySpec[] = (e) => e): string[] {
  const entries = Object.keys(CANVAS).map((name): ZipEntrySpec => ({ name, data: readFileSync(join(ws.canvas, name)) }));
  writeFileSync(canvasZip(ws), buildZip(edit(entries)));
  return ['--canvas-snapshot', canvasZip(ws)];
}

function canvasZipCases(): BadInput[] {
  const z = (name: string, setup: (ws: Ws) => string[], expect: 'error' | 'ok' = 'error'): BadInput => ({ family: 'canvas-zip', name, setup, expect, names: { file: 'report.zip' } });
  return [
    z('a valid report zip plans', (ws) => zipOfCanvas(ws), 'ok'),
    z('cut in half', (ws) => { const args = zipOfCanvas(ws); const b = readFileSync(canvasZip(ws)); writeFileSync(canvasZip(ws), b.subarray(0, b.length >> 1)); return args; }),
    z('a bomb: enrollments.csv inflates to 400 MiB from about 1 MiB', (ws) => zipOfCanvas(ws, (e) => [...e.filter((x) => x.name !== 'enrollments.csv'), bombEntry('enrollments.csv', 400)])),
    z('a bomb that lies about its size', (ws) => zipOfCanvas(ws, (e) => [...e.filter((x) => x.name !== 'enrollments.csv'), bombEntry('enrollments.csv', 200, 2048)])),
    z('an entry named ../../users.csv', (ws) => zipOfCanvas(ws, (e) => e.map((x) => (x.name === 'users.csv' ? { ...x, name: '../../users.csv' } : x)))),
    z('report files in two folders', (ws) => zipOfCanvas(ws, (e) => [...e.map((x) => ({ ...x, name: `a/${x.name}` })), ...e.map((x) => ({ ...x, name: `b/${x.name}` }))])),
    z('an empty file', (ws) => { writeFileSync(canvasZip(ws), ''); return ['--canvas-snapshot', canvasZip(ws)]; }),
    z('a link to /dev/null named report.zip', (ws) => { symlinkSync('/dev/null', canvasZip(ws)); return ['--canvas-snapshot', canvasZip(ws)]; }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Policies

const MAIN = 'main.yaml';

function policyCases(): BadInput[] {
  const p = (name: string, edit: (text: string) => string | Uint8Array, expect: 'error' | 'ok' = 'error', line = true): BadInput => ({
    family: 'policy', name, expect, names: { file: MAIN, ...(line ? { row: true } : {}) },
    setup: (ws) => { const path = join(ws.policies, MAIN); replaceWith(path, edit(read(path))); },
  });
  const add = (yaml: string) => (t: string) => `${t}${yaml}\n`;
  const sub = (from: string, to: string) => (t: string) => { if (!t.includes(from)) throw new Error(`no ${from}`); return t.replace(from, to); };
  const link = (name: string, make: (path: string) => void, extra: Partial<BadInput> = {}): BadInput => ({
    family: 'policy', name, expect: 'error', names: { file: 'zz.yaml' }, setup: (ws) => make(join(ws.policies, 'zz.yaml')), ...extra,
  });
  return [
    p('a bracket left open', sub('timezone: America/Chicago', 'timezone: [America/Chicago')),
    p('a quote left open', sub('timezone: America/Chicago', 'timezone: "America/Chicago')),
    p('a key indented wrongly', sub('timezone:', '   timezone:')),
    p('a tab as indentation', sub('  users: { missing', '\tusers: { missing')),
    p('a key written twice', add('timezone: UTC')),
    p('two documents in one file', add('---\nversion: 1')),
    p('a list instead of a mapping', () => '- version: 1\n- sources: {}\n'),
    p('a scalar instead of a mapping', () => 'just text\n'),
    p('an unknown top-level key', add('timezonee: UTC')),
    p('an unknown nested key', sub('missing: suspend', 'missing: suspend, misssing: delete')),
    p('timezone a number', sub('timezone: America/Chicago', 'timezone: 5')),
    p('timezone a zone that does not exist', sub('timezone: America/Chicago', 'timezone: Mars/Olympus')),
    p('version 2', sub('version: 1', 'version: 2')),
    p('version a string', sub('version: 1', 'version: "one"')),
    p('asOf not a date', sub('asOf: "2025-10-01"', 'asOf: "2025-02-30"')),
    p('rules a list', sub('rules:\n  users: { missing: suspend, manual: adopt }', 'rules: [suspend]')),
    p('an unknown missing action', sub('missing: suspend', 'missing: vaporise')),
    p('a formula naming an unknown field', sub('s{{sourcedId}}', 's{{studentNumber}}')),
    p('a formula with an unknown helper', sub('s{{sourcedId}}', 's{{shout sourcedId}}')),
    p('a formula left open', sub('s{{sourcedId}}', 's{{sourcedId')),
    p('a formula with a partial', sub('s{{sourcedId}}', 's{{> evil}}')),
    p('a formula reading @root', sub('s{{sourcedId}}', 's{{@root.constructor}}')),
    p('a formula reading __proto__', sub('s{{sourcedId}}', 's{{__proto__}}')),
    p('a formula with an each block', sub('s{{sourcedId}}', 's{{#each sourcedId}}x{{/each}}')),
    p('a formula with pad of a bad width', sub('s{{sourcedId}}', 's{{pad sourcedId "x"}}')),
    p('sources.canvas.url not http', sub('canvas: { snapshot: ../canvas }', 'canvas: { snapshot: ../canvas, url: "ftp://canvas.example" }')),
    p('sources.canvas.url with a space', sub('canvas: { snapshot: ../canvas }', 'canvas: { snapshot: ../canvas, url: "https://canvas .example" }')),
    p('sources.canvas.url an API path', sub('canvas: { snapshot: ../canvas }', 'canvas: { snapshot: ../canvas, url: "https://x.instructure.com/api/v1" }')),
    p('sources.canvas.url just http://', sub('canvas: { snapshot: ../canvas }', 'canvas: { snapshot: ../canvas, url: "http://" }')),
    p('limits a string', add('limits: big')),
    p('limits with an unknown key', add('limits: { cells: 5 }')),
    p('limits.cellBytes negative', add('limits: { cellBytes: -1 }')),
    p('limits.zipRatio not a whole number', add('limits: { zipRatio: 2.5 }')),
    { ...p('limits.cellBytes too small for the data', add('limits: { cellBytes: 4 }')), names: { file: 'csv', row: true } },
    { ...p('limits.rows too small for the data', add('limits: { rows: 1 }')), names: { file: 'csv' } },
    p('an alias bomb (billion laughs)', () => {
      const lines = ['version: 1', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
      return lines.join('\n') + '\n';
    }),
    p('100 levels of nesting', () => `version: 1\ndeep: ${'['.repeat(100)}${']'.repeat(100)}\n`),
    p('100,000 levels of nesting', () => `version: 1\ndeep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 'error', false),
    p('2 MiB of comments', (t) => t + `# ${'x'.repeat(1000)}\n`.repeat(2100), 'error', false),
    p('a byte that is not UTF-8', (t) => Buffer.concat([Buffer.from(t), Buffer.from([0x23, 0xe9, 0xff, 0x0a])])),
    p('UTF-16 text', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])),
    p('a NUL character', (t) => t.replace('timezone', 'time\u0000zone')),
    p('a UTF-8 byte order mark', (t) => '\ufeff' + t, 'ok'),
    p('CRLF line ends', (t) => t.replaceAll('\n', '\r\n'), 'ok'),
    link('a policy file that is a FIFO', (x) => mkfifo(x), { hangProne: true }),
    link('a policy file that is a dangling link', (x) => symlinkSync(join(dirname(x), 'gone.yaml'), x)),
    link('a policy file that is a link loop', (x) => { symlinkSync(`${x}.b`, x); symlinkSync(x, `${x}.b`); }),
    link('a policy file that is a directory', (x) => mkdirSync(x)),
    link('a policy file that links to /dev/zero', (x) => symlinkSync('/dev/zero', x)),
    link('an empty policy file', (x) => writeFileSync(x, ''), { expect: 'ok' }),
  ];
}

function flagCases(): BadInput[] {
  const urls = ['ftp://canvas.example', 'http://', 'https://', 'canvas.example.com', 'https://can vas.example', 'https://x.instructure.com/api/v1', 'https://x.com/?a=1', 'https://x.com/#top', 'https://user:pw@x.com', 'javascript:alert(1)', '', 'http://[::1', 'https://x.com:99999'];
  return urls.map((url): BadInput => ({ family: 'cli-flag', name: `--canvas-url ${JSON.stringify(url)}`, expect: 'error', names: { flag: '--canvas-url' }, setup: () => ['--canvas-url', url], ...(url.includes('pw') ? { secret: 'pw@' } : {}) }));
}

export function allBadInputs(): BadInput[] {
  return [
    ...fileCases('oneroster-csv', (ws) => ws.sis, SIS_FILES, [...FILE_DAMAGE, renameFirstColumn, repeatFirstRow]),
    ...fileCases('oneroster-csv', (ws) => ws.sis, ['manifest.csv'], FILE_DAMAGE.filter((d) => d.hangProne || d.name.includes('NUL') || d.name.includes('directory') || d.name.includes('link'))),
    ...sisValueCases(),
    ...sisZipCases(),
    ...fileCases('canvas-csv', (ws) => ws.canvas, CANVAS_FILES, CANVAS_DAMAGE),
    ...canvasValueCases(),
    ...canvasZipCases(),
    ...policyCases(),
    ...flagCases(),
  ];
}

