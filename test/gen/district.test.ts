import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollments, generateDistrict, type DistrictSpec } from '../../engine/gen/district.js';
import { toSisSnapshot } from '../../engine/gen/snapshot.js';
import { ONEROSTER_11_FILES, ONEROSTER_11_HEADERS, ORG_METADATA_COLUMNS, writeOneRoster } from '../../engine/gen/write.js';
import { parseCsv, type CsvTable } from '../../engine/util/csv.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rosterops-gen-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readDir(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of (await readdir(dir)).sort()) out.set(f, await readFile(join(dir, f)));
  return out;
}

type Tables = Record<string, CsvTable>;

async function parseDir(dir: string): Promise<Tables> {
  const out: Tables = {};
  for (const [f, bytes] of await readDir(dir)) out[f.replace(/\.csv$/, '')] = parseCsv(bytes, f);
  return out;
}

/** Rows as objects keyed by header. */
function records(t: CsvTable): Record<string, string>[] {
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]!])));
}

describe('generateDistrict determinism', () => {
  it('writes byte-identical files for the same seed and different files for another seed', async () => {
    const a = join(root, 'det-a');
    const b = join(root, 'det-b');
    const c = join(root, 'det-c');
    await writeOneRoster(generateDistrict({ students: 400, seed: 42 }), a);
    await writeOneRoster(generateDistrict({ students: 400, seed: 42 }), b);
    await writeOneRoster(generateDistrict({ students: 400, seed: 43 }), c);
    const fa = await readDir(a);
    const fb = await readDir(b);
    const fc = await readDir(c);
    expect([...fa.keys()]).toEqual([...fb.keys()]);
    for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name)!), name).toBe(true);
    expect(fa.get('users.csv')!.equals(fc.get('users.csv')!)).toBe(false);
    expect(fa.get('enrollments.csv')!.equals(fc.get('enrollments.csv')!)).toBe(false);
  });

  it('rejects nonsense options', () => {
    expect(() => generateDistrict({ students: 0 })).toThrow(RangeError);
    expect(() => generateDistrict({ students: 1.5 })).toThrow(RangeError);
    expect(() => generateDistrict({ students: 10, classSize: 0 })).toThrow(RangeError);
    expect(() => generateDistrict({ students: 10, schoolYear: 26 })).toThrow(RangeError);
  });

  it('copes with a tiny district', () => {
    const spec = generateDistrict({ students: 5, seed: 3 });
    expect(spec.counts.students).toBe(5);
    expect(spec.counts.schools).toBe(3);
  });
});

describe('a 2,000-student export', () => {
  let spec: DistrictSpec;
  let dir: string;
  let t: Tables;
  let raw: Map<string, Buffer>;

  beforeAll(async () => {
    spec = generateDistrict({ students: 2000, seed: 7 });
    dir = join(root, 'k2000');
    await writeOneRoster(spec, dir);
    raw = await readDir(dir);
    t = await parseDir(dir);
  });

  it('has the exact OneRoster 1.1 headers, blank status/dateLastModified, CRLF and no BOM', () => {
    for (const [name, table] of Object.entries(t)) {
      if (name === 'manifest') {
        expect(table.header).toEqual(['propertyName', 'value']);
        continue;
      }
      const expected = ONEROSTER_11_HEADERS[name as keyof typeof ONEROSTER_11_HEADERS].split(',');
      expect(table.header, name).toEqual(name === 'orgs' ? [...expected, ...ORG_METADATA_COLUMNS] : expected);
      expect(table.rows.length, name).toBeGreaterThan(0);
      expect(table.rows.every((r) => r[1] === '' && r[2] === ''), name).toBe(true);
    }
    for (const [name, bytes] of raw) {
      const text = bytes.toString('utf8');
      expect(text.charCodeAt(0), name).not.toBe(0xfeff);
      expect(text.split('\r\n').length - 1, name).toBe(text.split('\n').length - 1);
      expect(text.endsWith('\r\n'), name).toBe(true);
    }
    expect(t.users!.header).toContain('orgSourcedIds');
    expect(t.users!.header).toContain('role');
  });

  it('has a 1.1 manifest naming every file it wrote as bulk and every other 1.1 file as absent', () => {
    const m = new Map(t.manifest!.rows.map(([k, v]) => [k!, v!]));
    expect(m.get('manifest.version')).toBe('1.0');
    expect(m.get('oneroster.version')).toBe('1.1');
    const fileRows = [...m.keys()].filter((k) => k.startsWith('file.'));
    expect(fileRows.sort()).toEqual(ONEROSTER_11_FILES.map((f) => `file.${f}`).sort());
    for (const f of ONEROSTER_11_FILES) {
      expect(m.get(`file.${f}`), f).toBe(raw.has(`${f}.csv`) ? 'bulk' : 'absent');
    }
  });

  it('is referentially complete', () => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    const ids = (name: string) => {
      const list = t[name]!.rows.map((r) => r[0]!);
      check(new Set(list).size === list.length, `${name} sourcedIds are not unique`);
      return new Set(list);
    };
    const orgs = ids('orgs');
    const sessions = ids('academicSessions');
    const courses = ids('courses');
    const classes = ids('classes');
    const users = ids('users');
    ids('enrollments');
    const orgRows = records(t.orgs!);
    const schools = new Set(orgRows.filter((o) => o.type === 'school').map((o) => o.sourcedId!));
    for (const o of orgRows) if (o.parentSourcedId) check(orgs.has(o.parentSourcedId), `org ${o.sourcedId} parent`);
    for (const s of records(t.academicSessions!)) if (s.parentSourcedId) check(sessions.has(s.parentSourcedId), `session ${s.sourcedId} parent`);
    for (const c of records(t.courses!)) {
      check(orgs.has(c.orgSourcedId!), `course ${c.sourcedId} org`);
      check(sessions.has(c.schoolYearSourcedId!), `course ${c.sourcedId} school year`);
    }
    const classSchool = new Map<string, string>();
    for (const c of records(t.classes!)) {
      check(courses.has(c.courseSourcedId!), `class ${c.sourcedId} course`);
      check(schools.has(c.schoolSourcedId!), `class ${c.sourcedId} school`);
      for (const term of c.termSourcedIds!.split(',')) check(sessions.has(term), `class ${c.sourcedId} term ${term}`);
      classSchool.set(c.sourcedId!, c.schoolSourcedId!);
    }
    const userOrgs = new Map<string, string[]>();
    for (const u of records(t.users!)) {
      const list = u.orgSourcedIds!.split(',');
      for (const o of list) check(schools.has(o), `user ${u.sourcedId} org ${o}`);
      userOrgs.set(u.sourcedId!, list);
    }
    for (const e of t.enrollments!.rows) {
      const [id, , , cls, school, user, role] = e as [string, string, string, string, string, string, string];
      check(classes.has(cls), `enrollment ${id} class`);
      check(users.has(user), `enrollment ${id} user`);
      check(school === classSchool.get(cls), `enrollment ${id} school is not the class's`);
      check(userOrgs.get(user)?.includes(school) ?? false, `enrollment ${id}: user not at the class's school`);
      check(role === 'student' || role === 'teacher', `enrollment ${id} role ${role}`);
    }
    for (const d of t.demographics!.rows) check(users.has(d[0]!), `demographics ${d[0]}`);
    expect(problems).toEqual([]);
  });

  it('has realistic shape and ratios', () => {
    const users = records(t.users!);
    const students = users.filter((u) => u.role === 'student');
    const teachers = users.filter((u) => u.role === 'teacher');
    expect(students).toHaveLength(2000);
    expect(users.filter((u) => u.role === 'aide').length).toBeGreaterThan(0);
    const schools = records(t.orgs!).filter((o) => o.type === 'school');
    expect(users.filter((u) => u.role === 'administrator')).toHaveLength(2 * schools.length);
    expect(2000 / teachers.length).toBeGreaterThan(14);
    expect(2000 / teachers.length).toBeLessThan(22);
    for (const level of ['e', 'm', 'h']) expect(schools.some((s) => s.sourcedId === `sch-${level}1`), level).toBe(true);

    const enr = records(t.enrollments!);
    const studentEnr = enr.filter((e) => e.role === 'student');
    const perStudent = studentEnr.length / students.length;
    expect(perStudent).toBeGreaterThan(5);
    expect(perStudent).toBeLessThan(7);
    expect(enr.length / students.length).toBeGreaterThan(5);
    expect(enr.length / students.length).toBeLessThan(7);

    // Every class has exactly one primary teacher and at least one student; every student and school is used.
    const primaries = new Map<string, number>();
    const studentsIn = new Map<string, number>();
    for (const e of enr) {
      if (e.role === 'teacher' && e.primary === 'true') primaries.set(e.classSourcedId!, (primaries.get(e.classSourcedId!) ?? 0) + 1);
      if (e.role === 'student') studentsIn.set(e.classSourcedId!, (studentsIn.get(e.classSourcedId!) ?? 0) + 1);
      if (e.role === 'student') expect(e.primary).toBe('');
    }
    for (const c of t.classes!.rows) {
      expect(primaries.get(c[0]!), c[0]).toBe(1);
      expect(studentsIn.get(c[0]!) ?? 0, c[0]).toBeGreaterThan(0);
    }
    const enrolled = new Set(studentEnr.map((e) => e.userSourcedId));
    expect(students.every((s) => enrolled.has(s.sourcedId))).toBe(true);
    const studentSchools = new Set(students.map((s) => s.orgSourcedIds));
    for (const s of schools) expect(studentSchools.has(s.sourcedId), s.sourcedId).toBe(true);

    // Grades KG..12 all present; usernames and e-mails unique and shaped as promised.
    expect(new Set(students.map((s) => s.grades))).toEqual(new Set(['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']));
    expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
    expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
    for (const s of students) {
      expect(s.username).toMatch(/^[a-z0-9]+(\.[a-z0-9]+)+$/);
      expect(s.email).toBe(`${s.username}@students.${spec.domain}.org`);
      expect(s.userIds).toBe(`{SIS:${s.identifier}}`);
    }
    for (const u of teachers) expect(u.email!.endsWith(`@${spec.domain}.org`)).toBe(true);
  });

  it('has a school year, two semesters, grading periods and a summer term, and classes on them', () => {
    const sessions = records(t.academicSessions!);
    const byType = (type: string) => sessions.filter((s) => s.type === type);
    expect(byType('schoolYear')).toEqual([expect.objectContaining({ sourcedId: 'sy-2026', startDate: '2025-08-18', endDate: '2026-06-05', schoolYear: '2026' })]);
    expect(byType('semester').map((s) => s.sourcedId)).toEqual(['sem-2026-1', 'sem-2026-2']);
    expect(byType('semester').every((s) => s.parentSourcedId === 'sy-2026')).toBe(true);
    expect(byType('gradingPeriod')).toHaveLength(4);
    expect(byType('gradingPeriod').every((g) => g.parentSourcedId.startsWith('sem-2026-'))).toBe(true);
    expect(byType('term').map((s) => s.sourcedId)).toEqual(['sum-2026']);
    for (const s of sessions) expect(s.startDate < s.endDate, s.sourcedId).toBe(true);

    const classes = records(t.classes!);
    const terms = (c: Record<string, string>) => c.termSourcedIds;
    expect(classes.filter((c) => c.classType === 'homeroom').every((c) => terms(c) === 'sy-2026')).toBe(true);
    expect(classes.some((c) => terms(c) === 'sem-2026-1,sem-2026-2')).toBe(true);
    expect(classes.some((c) => terms(c) === 'sem-2026-1')).toBe(true);
    expect(classes.some((c) => terms(c) === 'sem-2026-2')).toBe(true);
    expect(classes.some((c) => terms(c) === 'sum-2026')).toBe(true);
    expect(raw.get('classes.csv')!.toString()).toContain('"sem-2026-1,sem-2026-2"');
    expect(classes.some((c) => /^Algebra I - Period \d$/.test(c.title!))).toBe(true);
  });

  it('carries the documented irregularities, with their dates in the file', () => {
    const kinds = new Set(spec.anomalies.map((a) => a.kind));
    for (const k of ['exit-date-off-by-one', 'second-school', 'co-teacher', 'aide'] as const) expect(kinds, k).toContain(k);
    expect(kinds.has('dropped') || kinds.has('schedule-change')).toBe(true);
    const enr = new Map(records(t.enrollments!).map((e) => [`${e.classSourcedId}|${e.userSourcedId}`, e]));
    for (const a of spec.anomalies) {
      const row = enr.get(`${a.classSourcedId}|${a.userSourcedId}`);
      expect(row, `${a.kind} ${a.classSourcedId} ${a.userSourcedId}`).toBeDefined();
      if (a.kind === 'exit-date-off-by-one') {
        const diff = (Date.parse(row!.endDate!) - Date.parse(a.termEndDate!)) / 86_400_000;
        expect(Math.abs(diff)).toBe(1);
      }
      if (a.kind === 'dropped') expect(row!.endDate! < a.termEndDate!).toBe(true);
      if (a.kind === 'aide' || a.kind === 'co-teacher' || a.kind === 'second-school') {
        expect(row!.role).toBe('teacher');
        expect(row!.primary).toBe('false');
      }
    }
    const second = spec.anomalies.find((a) => a.kind === 'second-school')!;
    const user = records(t.users!).find((u) => u.sourcedId === second.userSourcedId)!;
    expect(user.orgSourcedIds!.split(',')).toHaveLength(2);
    expect(raw.get('users.csv')!.toString()).toContain(`,"${user.orgSourcedIds}",`);
    const aide = spec.anomalies.find((a) => a.kind === 'aide')!;
    expect(records(t.users!).find((u) => u.sourcedId === aide.userSourcedId)!.role).toBe('aide');
  });

  it('keeps counts, the enrollments() iterator and the file in step', () => {
    const rows = [...enrollments(spec)];
    expect(rows).toHaveLength(t.enrollments!.rows.length);
    expect(spec.counts.enrollments).toBe(rows.length);
    expect(spec.counts.classes).toBe(t.classes!.rows.length);
    expect(spec.counts.users).toBe(t.users!.rows.length);
    expect(rows[10]!.sourcedId).toBe(t.enrollments!.rows[10]![0]);
  });

  it('toSisSnapshot mirrors the written files row for row', () => {
    const snap = toSisSnapshot(spec);
    expect(snap.version).toBe('1.1');
    expect(snap.users).toHaveLength(t.users!.rows.length);
    expect(snap.enrollments).toHaveLength(t.enrollments!.rows.length);
    const u = snap.users[17]!;
    expect(u.source).toEqual({ file: 'users.csv', row: 19 });
    expect(t.users!.rows[17]![0]).toBe(u.sourcedId);
    expect(u.userIds[0]).toEqual({ type: 'SIS', identifier: u.identifier });
    const e = snap.enrollments[123]!;
    expect(t.enrollments!.rows[123]![0]).toBe(e.sourcedId);
    expect(e.sourceRow).toBe(125);
    const c = snap.classes.find((x) => x.termSourcedIds.length === 2)!;
    expect(c.termSourcedIds).toEqual(['sem-2026-1', 'sem-2026-2']);
  });
});

describe('writeOneRoster options', () => {
  it('can leave demographics out (manifest says absent) and use LF', async () => {
    const dir = join(root, 'nodemo');
    const files = await writeOneRoster(generateDistrict({ students: 50, seed: 1 }), dir, { demographics: false, lineEnding: '\n' });
    expect(files).not.toContain('demographics.csv');
    const manifest = await readFile(join(dir, 'manifest.csv'), 'utf8');
    expect(manifest).toContain('file.demographics,absent\n');
    expect(manifest).not.toContain('\r');
  });

  it('quotes names that need it and keeps non-ASCII names intact', async () => {
    const spec = generateDistrict({ students: 30, seed: 1, name: 'Lakes, Hills & "Vales" School District' });
    const dir = join(root, 'quoting');
    await writeOneRoster(spec, dir);
    const orgs = parseCsv(await readFile(join(dir, 'orgs.csv')), 'orgs.csv');
    expect(orgs.rows[0]![3]).toBe('Lakes, Hills & "Vales" School District');
    spec.users[0]!.givenName = 'Zoë';
    spec.users[0]!.familyName = "O'Brien, Jr.";
    await writeOneRoster(spec, dir);
    const users = parseCsv(await readFile(join(dir, 'users.csv')), 'users.csv');
    expect(users.rows[0]![8]).toBe('Zoë');
    expect(users.rows[0]![9]).toBe("O'Brien, Jr.");
  });
});
