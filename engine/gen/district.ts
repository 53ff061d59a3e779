/**
 * Deterministic, realistic OneRoster 1.1 district: orgs, sessions, course catalogue, classes,
 * students and staff, enrollments, demographics, plus the everyday defects real exports carry
 * (mid-term drops and schedule changes, exit dates one day off the term end, teachers at two
 * schools, co-teachers and aides).
 *
 * Everything is driven by one seed; each part of the generator draws from its own forked stream,
 * so the same options give byte-identical files (see write.ts). Enrollments are not held as row
 * objects: a class keeps the indices of its students and teachers, and `enrollments(spec)` or the
 * writer expand them on the fly (1.2M rows at 200k students).
 *
 * Decisions:
 * - School counts are per level: one elementary per ~450 elementary (KG–05) students, one middle
 *   per ~900 middle (06–08) students, one high per ~1400 high (09–12) students, at least one each.
 * - Aides are users with role `aide` (users.csv 1.1 allows it); their class enrollments are role
 *   `teacher`, `primary=false`, because enrollments.csv only allows administrator|proctor|student|teacher.
 * - Co-teachers and teachers' second-school classes are also `teacher` with `primary=false`.
 * - Administrators (two per school) have users.csv rows and no enrollments.
 * - Class sizes are kept realistic (homerooms ≈21, secondary sections ≈30, elementary specials one
 *   class per grade ≈75), so 200k students give ≈1.19M enrollments in ≈32k classes; `classSize`
 *   scales section limits for fewer, larger classes (1.6 → ≈23k).
 * - Enrollment begin/end dates are the class's term dates; endDate is written as the last day of
 *   the term (the way most SIS exports write it, not OneRoster's exclusive reading).
 */
import { addDays, daysBetween, FRIDAY, MONDAY, nextSchoolDay, onOrAfter, ymd } from './calendar.js';
import {
  DEPT_ORDER, ELEMENTARY_GRADES, ELEMENTARY_SPECIALS, GRADES, HIGH_CATALOG, HIGH_GRADES, HOMEROOM_CAP,
  MIDDLE_CATALOG, MIDDLE_GRADES, SUMMER_CATALOG, gradeLabel, gradeNumber, highSchedule, middleSchedule,
  type CourseDef, type Request, type TermTag,
} from './catalog.js';
import { loginPart, pickFamilyName, pickGivenName } from './names.js';
import { createRng, type Rng } from './random.js';

export type Level = 'elementary' | 'middle' | 'high';

export interface GenerateOptions {
  students: number;
  seed?: number;
  /** District name; the e-mail domain is derived from it. */
  name?: string;
  /** The calendar year in which the school year ends (OneRoster `schoolYear`), default 2026. */
  schoolYear?: number;
  /** Multiplies every section size limit (default 1). >1 gives fewer, larger classes. */
  classSize?: number;
}

export interface GenOrg {
  sourcedId: string;
  name: string;
  type: 'district' | 'school';
  identifier: string;
  parentSourcedId: string;
  level: Level | null;
  /** `metadata.*` columns, in output order. */
  metadata: { address1: string; city: string; state: string; postCode: string };
}

export interface GenSession {
  sourcedId: string;
  title: string;
  type: 'schoolYear' | 'semester' | 'gradingPeriod' | 'term';
  startDate: string;
  endDate: string;
  parentSourcedId: string;
  schoolYear: string;
}

export interface GenCourse {
  sourcedId: string;
  schoolYearSourcedId: string;
  title: string;
  courseCode: string;
  grades: string[];
  orgSourcedId: string;
  subjects: string[];
  subjectCodes: string[];
}

export interface ClassTeacher {
  /** Index into `spec.users`. */
  user: number;
  primary: boolean;
}

export interface EnrollmentDates {
  beginDate: string;
  endDate: string;
}

export interface GenClass {
  sourcedId: string;
  title: string;
  grades: string[];
  courseSourcedId: string;
  classCode: string;
  classType: 'homeroom' | 'scheduled';
  location: string;
  schoolSourcedId: string;
  termSourcedIds: string[];
  subjects: string[];
  subjectCodes: string[];
  periods: string[];
  /** The class's term span: every enrollment's dates unless overridden in `studentDates`. */
  beginDate: string;
  endDate: string;
  /** Primary teacher first, then co-teachers and aides (primary = false). */
  teachers: ClassTeacher[];
  /** Indices into `spec.users`, ascending. */
  students: number[];
  /** Per-student dates that differ from the class's (drops, schedule changes, exit-date slips). */
  studentDates: Map<number, EnrollmentDates> | null;
}

export type UserRole = 'student' | 'teacher' | 'aide' | 'administrator';

export interface GenDemographics {
  birthDate: string;
  sex: 'male' | 'female';
  /** One of RACE_COLUMNS. */
  race: number;
  hispanic: boolean;
}

export interface GenUser {
  sourcedId: string;
  enabledUser: boolean;
  orgSourcedIds: string[];
  role: UserRole;
  username: string;
  /** Already in OneRoster form, e.g. `{SIS:1304518}`. */
  userIds: string[];
  givenName: string;
  familyName: string;
  middleName: string;
  identifier: string;
  email: string;
  grades: string[];
  demographics: GenDemographics | null;
}

export type AnomalyKind = 'dropped' | 'schedule-change' | 'exit-date-off-by-one' | 'second-school' | 'co-teacher' | 'aide';

/** A deliberate irregularity, with enough context for tests and READMEs to name the people involved. */
export interface Anomaly {
  kind: AnomalyKind;
  userSourcedId: string;
  username: string;
  fullName: string;
  classSourcedId: string;
  classTitle: string;
  schoolSourcedId: string;
  /** For date anomalies: the class's term span and the enrollment's dates. */
  termBeginDate?: string;
  termEndDate?: string;
  beginDate?: string;
  endDate?: string;
  note: string;
}

export interface DistrictSpec {
  name: string;
  /** E-mail domain stem: staff `@<domain>.org`, students `@students.<domain>.org`. */
  domain: string;
  seed: number;
  schoolYear: number;
  orgs: GenOrg[];
  academicSessions: GenSession[];
  courses: GenCourse[];
  classes: GenClass[];
  users: GenUser[];
  anomalies: Anomaly[];
  counts: Record<string, number>;
}

/** One enrollments.csv row, expanded on demand. */
export interface GenEnrollment {
  sourcedId: string;
  classSourcedId: string;
  schoolSourcedId: string;
  userSourcedId: string;
  role: 'student' | 'teacher';
  /** '' for students, 'true'/'false' for teachers. */
  primary: '' | 'true' | 'false';
  beginDate: string;
  endDate: string;
}

export const RACE_COLUMNS = [
  'americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces',
] as const;
const RACE_WEIGHTS = [0.01, 0.1, 0.15, 0.01, 0.62, 0.11];

export const DEFAULT_DISTRICT_NAME = 'Riverbend Unified School District';
export const DEFAULT_SCHOOL_YEAR = 2026;

const SCHOOL_SIZE: Record<Level, number> = { elementary: 450, middle: 900, high: 1400 };
const STUDENTS_PER_TEACHER = 18;
const PLACE_FIRST = [
  'Cedar', 'Maple', 'Oak', 'Willow', 'Aspen', 'Birch', 'Pine', 'Elm', 'Hawthorn', 'Juniper', 'Magnolia', 'Sycamore', 'Alder', 'Cypress', 'Laurel',
  'Spruce', 'Redwood', 'Chestnut', 'Hickory', 'Poplar', 'Sunset', 'Eagle', 'Falcon', 'Meadow', 'Lake', 'River', 'Stone', 'Sierra', 'Canyon', 'Prairie',
];
const PLACE_SECOND = ['Ridge', 'Grove', 'Hill', 'Creek', 'Park', 'View', 'Valley', 'Heights', 'Springs', 'Crossing', 'Meadows', 'Point', 'Brook', 'Glen'];
const STREETS = ['Main', 'Oak', 'Mill', 'Church', 'School', 'Lincoln', 'Washington', 'Park', 'Lake', 'Hill', 'Forest', 'Center', 'Union', 'Spring', 'Ridge'];
const STREET_TYPES = ['Street', 'Avenue', 'Road', 'Drive', 'Lane', 'Boulevard', 'Way'];
const LEVEL_LETTER: Record<Level, string> = { elementary: 'e', middle: 'm', high: 'h' };
const LEVEL_SUFFIX: Record<Level, string> = { elementary: 'Elementary School', middle: 'Middle School', high: 'High School' };

interface Ctx {
  rng: Rng;
  spec: DistrictSpec;
  usernames: Set<string>;
  usernameNext: Map<string, number>;
  /** Candidate birth dates per grade number. */
  birthDates: Map<number, string[]>;
  nextStudentDcid: number;
  nextStaffDcid: number;
  nextEmployeeNo: number;
  studentNoSeq: Map<number, number>;
  /** Term tag → session ids and span. */
  terms: Record<TermTag, { ids: string[]; begin: string; end: string }>;
  syId: string;
  scale: number;
}

export function generateDistrict(options: GenerateOptions): DistrictSpec {
  const students = options.students;
  if (!Number.isInteger(students) || students < 1) throw new RangeError(`generateDistrict: students must be a positive integer, got ${students}`);
  const seed = options.seed ?? 1;
  const schoolYear = options.schoolYear ?? DEFAULT_SCHOOL_YEAR;
  if (!Number.isInteger(schoolYear) || schoolYear < 1971 || schoolYear > 9999) throw new RangeError(`generateDistrict: schoolYear must be a year, got ${schoolYear}`);
  const scale = options.classSize ?? 1;
  if (!(scale > 0)) throw new RangeError(`generateDistrict: classSize must be > 0, got ${scale}`);
  const name = options.name ?? DEFAULT_DISTRICT_NAME;
  const rng = createRng(seed);
  const spec: DistrictSpec = {
    name, domain: domainOf(name), seed, schoolYear,
    orgs: [], academicSessions: [], courses: [], classes: [], users: [], anomalies: [], counts: {},
  };
  const sessions = buildSessions(schoolYear);
  spec.academicSessions = sessions.list;
  const ctx: Ctx = {
    rng, spec, usernames: new Set(), usernameNext: new Map(), birthDates: new Map(), nextStudentDcid: 100001, nextStaffDcid: 1001, nextEmployeeNo: 500000 + rng.int(100, 999) * 10,
    studentNoSeq: new Map(), terms: sessions.terms, syId: sessions.syId, scale,
  };

  const schools = buildOrgs(ctx, students);
  const bySchool = new Map<string, SchoolRoster>();
  for (const school of schools) {
    const roster = buildStudents(ctx, school);
    bySchool.set(school.org.sourcedId, roster);
  }
  for (const school of schools) {
    const roster = bySchool.get(school.org.sourcedId)!;
    const srng = rng.fork(`school:${school.org.sourcedId}`);
    if (school.level === 'elementary') buildElementary(ctx, srng, school, roster);
    else buildSecondary(ctx, srng, school, roster);
  }
  addSecondSchoolTeachers(ctx, schools, bySchool);
  for (const cls of spec.classes) cls.students.sort((a, b) => a - b);
  addDateAnomalies(ctx);
  spec.counts = countDistrict(spec);
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Sessions

function buildSessions(y: number): { list: GenSession[]; terms: Ctx['terms']; syId: string } {
  const sy = String(y);
  const syStart = onOrAfter(ymd(y - 1, 8, 15), MONDAY);
  const syEnd = onOrAfter(ymd(y, 6, 4), FRIDAY);
  const s1End = onOrAfter(ymd(y - 1, 12, 17), FRIDAY);
  const s2Start = onOrAfter(ymd(y, 1, 5), MONDAY);
  const q1End = onOrAfter(ymd(y - 1, 10, 15), FRIDAY);
  const q3End = onOrAfter(ymd(y, 3, 12), FRIDAY);
  const sumStart = onOrAfter(ymd(y, 6, 15), MONDAY);
  const sumEnd = onOrAfter(ymd(y, 7, 22), FRIDAY);
  const label = `${y - 1}-${String(y % 100).padStart(2, '0')}`;
  const syId = `sy-${y}`;
  const s1 = `sem-${y}-1`;
  const s2 = `sem-${y}-2`;
  const sum = `sum-${y}`;
  const list: GenSession[] = [
    { sourcedId: syId, title: `${label} School Year`, type: 'schoolYear', startDate: syStart, endDate: syEnd, parentSourcedId: '', schoolYear: sy },
    { sourcedId: s1, title: `${label} Semester 1`, type: 'semester', startDate: syStart, endDate: s1End, parentSourcedId: syId, schoolYear: sy },
    { sourcedId: s2, title: `${label} Semester 2`, type: 'semester', startDate: s2Start, endDate: syEnd, parentSourcedId: syId, schoolYear: sy },
    { sourcedId: `gp-${y}-q1`, title: `${label} Quarter 1`, type: 'gradingPeriod', startDate: syStart, endDate: q1End, parentSourcedId: s1, schoolYear: sy },
    { sourcedId: `gp-${y}-q2`, title: `${label} Quarter 2`, type: 'gradingPeriod', startDate: addDays(q1End, 3), endDate: s1End, parentSourcedId: s1, schoolYear: sy },
    { sourcedId: `gp-${y}-q3`, title: `${label} Quarter 3`, type: 'gradingPeriod', startDate: s2Start, endDate: q3End, parentSourcedId: s2, schoolYear: sy },
    { sourcedId: `gp-${y}-q4`, title: `${label} Quarter 4`, type: 'gradingPeriod', startDate: addDays(q3End, 10), endDate: syEnd, parentSourcedId: s2, schoolYear: sy },
    { sourcedId: sum, title: `Summer ${y}`, type: 'term', startDate: sumStart, endDate: sumEnd, parentSourcedId: '', schoolYear: sy },
  ];
  return {
    list,
    syId,
    terms: {
      Y: { ids: [s1, s2], begin: syStart, end: syEnd },
      S1: { ids: [s1], begin: syStart, end: s1End },
      S2: { ids: [s2], begin: s2Start, end: syEnd },
      SU: { ids: [sum], begin: sumStart, end: sumEnd },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Orgs

interface School {
  org: GenOrg;
  level: Level;
  /** `e1`, `m2`... used inside course and class ids. */
  short: string;
  /** Students per grade at this school. */
  gradeCounts: Map<string, number>;
}

interface SchoolRoster {
  /** Student user indices per grade. */
  byGrade: Map<string, number[]>;
  all: number[];
  /** Staff user indices created for the school, by role. */
  teachers: number[];
}

function buildOrgs(ctx: Ctx, students: number): School[] {
  const { rng, spec } = ctx;
  const orng = rng.fork('orgs');
  const city = cityOf(spec.name);
  const state = 'OR';
  const zipBase = 97000 + orng.int(10, 899);
  const leaId = `41${String(orng.int(10000, 99999))}`;
  const districtId = 'dist-1';
  spec.orgs.push({
    sourcedId: districtId, name: spec.name, type: 'district', identifier: leaId, parentSourcedId: '', level: null,
    metadata: { address1: `${orng.int(100, 4999)} ${orng.pick(STREETS)} ${orng.pick(STREET_TYPES)}`, city, state, postCode: String(zipBase) },
  });

  // Students per grade: slightly fewer in the upper grades, exact total.
  const gradeWeights = GRADES.map((_, i) => 1 - 0.008 * i);
  const perGrade = apportion(students, gradeWeights);
  const levelGrades: Record<Level, readonly string[]> = { elementary: ELEMENTARY_GRADES, middle: MIDDLE_GRADES, high: HIGH_GRADES };
  const placeNames: string[] = [];
  for (const a of PLACE_FIRST) for (const b of PLACE_SECOND) placeNames.push(`${a} ${b}`);
  orng.shuffle(placeNames);
  let nameAt = 0;
  let nces = orng.int(100, 400);
  const schools: School[] = [];
  for (const level of ['elementary', 'middle', 'high'] as const) {
    const grades = levelGrades[level];
    const levelStudents = grades.reduce((sum, g) => sum + perGrade[GRADES.indexOf(g as (typeof GRADES)[number])]!, 0);
    const count = Math.max(1, Math.round(levelStudents / SCHOOL_SIZE[level]));
    const weights = Array.from({ length: count }, () => 0.75 + orng.next() * 0.5);
    const levelSchools: School[] = [];
    for (let i = 0; i < count; i++) {
      const place = placeNames[nameAt % placeNames.length]!;
      const round = Math.floor(nameAt / placeNames.length);
      nameAt++;
      const short = `${LEVEL_LETTER[level]}${i + 1}`;
      nces += orng.int(1, 9);
      const org: GenOrg = {
        sourcedId: `sch-${short}`,
        name: `${place} ${LEVEL_SUFFIX[level]}${round > 0 ? ` ${round + 1}` : ''}`,
        type: 'school',
        identifier: `${leaId}${String(nces).padStart(5, '0')}`,
        parentSourcedId: districtId,
        level,
        metadata: { address1: `${orng.int(100, 9999)} ${orng.pick(STREETS)} ${orng.pick(STREET_TYPES)}`, city, state, postCode: String(zipBase + orng.int(0, 40)) },
      };
      spec.orgs.push(org);
      levelSchools.push({ org, level, short, gradeCounts: new Map() });
    }
    for (const g of grades) {
      const split = apportion(perGrade[GRADES.indexOf(g as (typeof GRADES)[number])]!, weights);
      levelSchools.forEach((s, i) => s.gradeCounts.set(g, split[i]!));
    }
    schools.push(...levelSchools);
  }
  return schools;
}

/** Splits `total` into integers proportional to `weights` (largest remainder; ties to the lower index). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map((r) => Math.floor(r));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]![1]]! += 1;
  return out;
}

function domainOf(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  const lower = words.map((w) => w.toLowerCase());
  const kind = lower.includes('unified') ? 'usd' : lower.includes('independent') ? 'isd' : 'sd';
  const skip = new Set(['school', 'schools', 'district', 'unified', 'independent', 'public', 'city', 'county', 'of', 'the', 'isd', 'usd', 'sd']);
  const stem = words.filter((w) => !skip.has(w.toLowerCase())).map(loginPart).join('');
  return `${stem || 'district'}${kind}`;
}

function cityOf(name: string): string {
  const skip = new Set(['school', 'schools', 'district', 'unified', 'independent', 'public', 'of', 'the', 'isd', 'usd', 'sd']);
  const words = name.split(/\s+/).filter((w) => w && !skip.has(w.toLowerCase()));
  return words.join(' ') || 'Riverbend';
}

// ---------------------------------------------------------------------------------------------
// People

function uniqueUsername(ctx: Ctx, candidates: string[], fallbackBase: string): string {
  for (const c of candidates) {
    if (!ctx.usernames.has(c)) {
      ctx.usernames.add(c);
      return c;
    }
  }
  // Numbered fallbacks: remember where each base got to, so popular names stay O(1).
  for (let n = ctx.usernameNext.get(fallbackBase) ?? 2; ; n++) {
    const c = `${fallbackBase}${n}`;
    if (!ctx.usernames.has(c)) {
      ctx.usernames.add(c);
      ctx.usernameNext.set(fallbackBase, n + 1);
      return c;
    }
  }
}

function buildStudents(ctx: Ctx, school: School): SchoolRoster {
  const { spec } = ctx;
  const prng = ctx.rng.fork(`students:${school.org.sourcedId}`);
  const byGrade = new Map<string, number[]>();
  const all: number[] = [];
  for (const [grade, count] of school.gradeCounts) {
    const g = gradeNumber(grade);
    const gradYear = spec.schoolYear + (12 - g);
    const yy = String(gradYear % 100).padStart(2, '0');
    const entryYear = (spec.schoolYear - 1 - g) % 100;
    const list: number[] = [];
    // Born between 1 September and 31 August of the year the grade implies.
    let birthDates = ctx.birthDates.get(g);
    if (!birthDates) {
      const bornFrom = ymd(spec.schoolYear - 7 - g, 9, 1);
      birthDates = Array.from({ length: 365 }, (_, d) => addDays(bornFrom, d));
      ctx.birthDates.set(g, birthDates);
    }
    for (let i = 0; i < count; i++) {
      const givenName = pickGivenName(prng);
      const familyName = pickFamilyName(prng);
      const middleName = prng.chance(0.35) ? pickGivenName(prng) : '';
      const first = loginPart(givenName) || 'student';
      const last = loginPart(familyName) || 'student';
      const base = `${first}.${last}${yy}`;
      const candidates = [base];
      const mi = loginPart(middleName).slice(0, 1);
      if (mi) candidates.push(`${first}.${mi}.${last}${yy}`);
      const username = uniqueUsername(ctx, candidates, base);
      const seq = (ctx.studentNoSeq.get(entryYear) ?? prng.int(1000, 9999)) + prng.int(1, 3);
      ctx.studentNoSeq.set(entryYear, seq);
      const studentNo = `${String(entryYear).padStart(2, '0')}${String(seq).padStart(5, '0')}`;
      const birthDate = birthDates[prng.int(0, 364)]!;
      const user: GenUser = {
        sourcedId: String(ctx.nextStudentDcid++),
        enabledUser: true,
        orgSourcedIds: [school.org.sourcedId],
        role: 'student',
        username,
        userIds: [`{SIS:${studentNo}}`],
        givenName, familyName, middleName,
        identifier: studentNo,
        email: `${username}@students.${spec.domain}.org`,
        grades: [grade],
        demographics: {
          birthDate,
          sex: prng.chance(0.5) ? 'female' : 'male',
          race: RACE_COLUMNS.indexOf(prng.weighted(RACE_COLUMNS, RACE_WEIGHTS)),
          hispanic: prng.chance(0.28),
        },
      };
      const index = spec.users.push(user) - 1;
      list.push(index);
      all.push(index);
    }
    byGrade.set(grade, list);
  }
  return { byGrade, all, teachers: [] };
}

function addStaff(ctx: Ctx, rng: Rng, school: School, role: Exclude<UserRole, 'student'>): number {
  const { spec } = ctx;
  const givenName = pickGivenName(rng);
  const familyName = pickFamilyName(rng);
  const middleName = rng.chance(0.2) ? pickGivenName(rng) : '';
  const first = loginPart(givenName) || 'staff';
  const last = loginPart(familyName) || 'staff';
  const base = `${first}.${last}`;
  const username = uniqueUsername(ctx, [base], base);
  ctx.nextEmployeeNo += rng.int(1, 5);
  const employeeNo = String(ctx.nextEmployeeNo);
  const user: GenUser = {
    sourcedId: `T${ctx.nextStaffDcid++}`,
    enabledUser: true,
    orgSourcedIds: [school.org.sourcedId],
    role,
    username,
    userIds: [`{SIS:${employeeNo}}`],
    givenName, familyName, middleName,
    identifier: employeeNo,
    email: `${username}@${spec.domain}.org`,
    grades: [],
    demographics: null,
  };
  return spec.users.push(user) - 1;
}

// ---------------------------------------------------------------------------------------------
// Courses and classes

function addCourse(ctx: Ctx, school: School, def: CourseDef, grades: readonly string[]): GenCourse {
  const course: GenCourse = {
    sourcedId: `crs-${school.short}-${def.code}`,
    schoolYearSourcedId: ctx.syId,
    title: def.title,
    courseCode: def.code,
    grades: [...grades],
    orgSourcedId: school.org.sourcedId,
    subjects: [def.subject],
    subjectCodes: [def.subjectCode],
  };
  ctx.spec.courses.push(course);
  return course;
}

function termSpan(ctx: Ctx, tag: TermTag, elementary: boolean): { ids: string[]; begin: string; end: string } {
  // Elementary classes run on the school year itself; secondary year-long classes list both semesters.
  if (tag === 'Y' && elementary) return { ids: [ctx.syId], begin: ctx.terms.Y.begin, end: ctx.terms.Y.end };
  return ctx.terms[tag];
}

function newClass(ctx: Ctx, school: School, course: GenCourse, def: CourseDef, fields: {
  id: string; title: string; classCode: string; classType: 'homeroom' | 'scheduled'; location: string; term: TermTag; periods: string[]; grades: string[];
}): GenClass {
  const span = termSpan(ctx, fields.term, school.level === 'elementary');
  const cls: GenClass = {
    sourcedId: fields.id,
    title: fields.title,
    grades: fields.grades,
    courseSourcedId: course.sourcedId,
    classCode: fields.classCode,
    classType: fields.classType,
    location: fields.location,
    schoolSourcedId: school.org.sourcedId,
    termSourcedIds: span.ids,
    subjects: [def.subject],
    subjectCodes: [def.subjectCode],
    periods: fields.periods,
    beginDate: span.begin,
    endDate: span.end,
    teachers: [],
    students: [],
    studentDates: null,
  };
  ctx.spec.classes.push(cls);
  return cls;
}

/** Splits `items` into `k` nearly equal consecutive chunks. */
function chunk<T>(items: readonly T[], k: number): T[][] {
  const sizes = apportion(items.length, Array.from({ length: k }, () => 1));
  const out: T[][] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

function cap(ctx: Ctx, base: number): number {
  return Math.max(4, Math.round(base * ctx.scale));
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function buildElementary(ctx: Ctx, rng: Rng, school: School, roster: SchoolRoster): void {
  const { spec } = ctx;
  const schoolStudents = roster.all.length;
  addStaff(ctx, rng, school, 'administrator');
  addStaff(ctx, rng, school, 'administrator');
  const homerooms: GenClass[] = [];
  for (const grade of ELEMENTARY_GRADES) {
    const studs = roster.byGrade.get(grade) ?? [];
    if (studs.length === 0) continue;
    const code = `HR${grade}`;
    const hrDef: CourseDef = { code, title: `${gradeLabel(grade)} Homeroom`, subject: 'Elementary Education', subjectCode: '24039', grades: [grade], dept: 'HR', cap: HOMEROOM_CAP };
    const course = addCourse(ctx, school, hrDef, [grade]);
    const k = Math.ceil(studs.length / cap(ctx, HOMEROOM_CAP));
    const groups = chunk(rng.shuffle(studs.slice()), k);
    groups.forEach((group, i) => {
      const teacher = addStaff(ctx, rng, school, 'teacher');
      roster.teachers.push(teacher);
      const t = spec.users[teacher]!;
      const room = `Room ${100 + gradeNumber(grade) * 10 + i + 1}`;
      const cls = newClass(ctx, school, course, hrDef, {
        id: `cls-${school.short}-${code}-Y-${pad2(i + 1)}`,
        title: `${gradeLabel(grade)} Homeroom - ${t.familyName}`,
        classCode: `${code}-${pad2(i + 1)}`,
        classType: 'homeroom', location: room, term: 'Y', periods: ['HR'], grades: [grade],
      });
      cls.teachers.push({ user: teacher, primary: true });
      cls.students.push(...group);
      homerooms.push(cls);
    });
  }
  for (const special of ELEMENTARY_SPECIALS) {
    const course = addCourse(ctx, school, special, ELEMENTARY_GRADES);
    const classes: GenClass[] = [];
    for (const grade of ELEMENTARY_GRADES) {
      const studs = roster.byGrade.get(grade) ?? [];
      if (studs.length === 0) continue;
      const k = Math.ceil(studs.length / cap(ctx, special.cap));
      chunk(rng.shuffle(studs.slice()), k).forEach((group, i) => {
        const cls = newClass(ctx, school, course, special, {
          id: `cls-${school.short}-${special.code}${grade}-Y-${pad2(i + 1)}`,
          title: `${special.title} - ${gradeLabel(grade)}${k > 1 ? ` (${i + 1})` : ''}`,
          classCode: `${special.code}${grade}-${pad2(i + 1)}`,
          classType: 'scheduled', location: special.location ?? 'Room 100', term: 'Y', periods: [], grades: [grade],
        });
        cls.students.push(...group);
        classes.push(cls);
      });
    }
    // One specialist per ~8 classes of a subject.
    const teachers = Math.max(1, Math.ceil(classes.length / 8));
    const staff = Array.from({ length: teachers }, () => addStaff(ctx, rng, school, 'teacher'));
    roster.teachers.push(...staff);
    classes.forEach((cls, i) => cls.teachers.push({ user: staff[Math.floor((i * teachers) / classes.length)]!, primary: true }));
  }
  // Intervention (ELL / special education) teachers co-teach homerooms; at least one per school.
  const target = Math.round(schoolStudents / STUDENTS_PER_TEACHER);
  const extra = Math.max(1, target - roster.teachers.length);
  for (let i = 0; i < extra && homerooms.length > 0; i++) {
    const teacher = addStaff(ctx, rng, school, 'teacher');
    roster.teachers.push(teacher);
    for (const idx of rng.sampleIndices(homerooms.length, rng.int(2, 4))) {
      addCoTeacher(ctx, homerooms[idx]!, teacher, 'co-teacher', 'intervention teacher co-teaching the homeroom');
    }
  }
  addAides(ctx, rng, school, schoolStudents, homerooms);
}

function addCoTeacher(ctx: Ctx, cls: GenClass, user: number, kind: AnomalyKind, note: string): void {
  if (cls.teachers.some((t) => t.user === user)) return;
  cls.teachers.push({ user, primary: false });
  const u = ctx.spec.users[user]!;
  ctx.spec.anomalies.push({
    kind, userSourcedId: u.sourcedId, username: u.username, fullName: `${u.givenName} ${u.familyName}`,
    classSourcedId: cls.sourcedId, classTitle: cls.title, schoolSourcedId: cls.schoolSourcedId, note,
  });
}

function addAides(ctx: Ctx, rng: Rng, school: School, schoolStudents: number, classes: GenClass[]): void {
  if (classes.length === 0) return;
  const aides = Math.max(1, Math.round(schoolStudents / 300));
  for (let i = 0; i < aides; i++) {
    const aide = addStaff(ctx, rng, school, 'aide');
    for (const idx of rng.sampleIndices(classes.length, rng.int(1, 3))) {
      addCoTeacher(ctx, classes[idx]!, aide, 'aide', 'aide enrolled as teacher, primary=false');
    }
  }
}

interface Section {
  def: CourseDef;
  term: TermTag;
  number: number;
  cls: GenClass;
}

function buildSecondary(ctx: Ctx, rng: Rng, school: School, roster: SchoolRoster): void {
  const { spec } = ctx;
  const catalog = school.level === 'middle' ? MIDDLE_CATALOG : HIGH_CATALOG;
  addStaff(ctx, rng, school, 'administrator');
  addStaff(ctx, rng, school, 'administrator');
  // Requests → demand per (course, term), in a fixed order.
  const demand = new Map<string, Map<TermTag, number[]>>();
  for (const [grade, studs] of roster.byGrade) {
    const g = gradeNumber(grade);
    for (const s of studs) {
      const requests: Request[] = school.level === 'middle' ? middleSchedule(g, rng) : highSchedule(g, rng);
      for (const [code, term] of requests) {
        let byTerm = demand.get(code);
        if (!byTerm) demand.set(code, (byTerm = new Map()));
        let list = byTerm.get(term);
        if (!list) byTerm.set(term, (list = []));
        list.push(s);
      }
    }
  }
  const codes = [...demand.keys()].sort((a, b) => {
    const da = DEPT_ORDER.indexOf(catalog[a]!.dept);
    const db = DEPT_ORDER.indexOf(catalog[b]!.dept);
    return da - db || (a < b ? -1 : a > b ? 1 : 0);
  });
  const sections: Section[] = [];
  for (const code of codes) {
    const def = catalog[code]!;
    const byTerm = demand.get(code)!;
    const gradesTaking = def.grades.filter((g) => roster.byGrade.get(g)?.length);
    const course = addCourse(ctx, school, def, gradesTaking.length ? gradesTaking : def.grades);
    const offset = hashCode(code);
    let number = 0;
    for (const term of ['Y', 'S1', 'S2'] as const) {
      const studs = byTerm.get(term);
      if (!studs || studs.length === 0) continue;
      const k = Math.ceil(studs.length / cap(ctx, def.cap));
      for (const group of chunk(rng.shuffle(studs), k)) {
        number++;
        const period = ((number - 1 + offset) % 7) + 1;
        const cls = newClass(ctx, school, course, def, {
          id: `cls-${school.short}-${code}-${term}-${pad2(number)}`,
          title: `${def.title} - Period ${period}`,
          classCode: `${code}-${pad2(number)}`,
          classType: 'scheduled', location: def.location ?? '', term, periods: [String(period)], grades: gradesOf(spec, group),
        });
        cls.students.push(...group);
        sections.push({ def, term, number, cls });
      }
    }
  }
  // Teachers: one per ~18 students, each teaching a consecutive block of the department-ordered sections.
  const teacherCount = Math.max(1, Math.min(sections.length, Math.round(roster.all.length / STUDENTS_PER_TEACHER)));
  const teachers = Array.from({ length: teacherCount }, () => addStaff(ctx, rng, school, 'teacher'));
  roster.teachers.push(...teachers);
  const rooms = teachers.map((_, i) => `Room ${100 * (1 + Math.floor(i / 20)) + (i % 20) + 1}`);
  sections.forEach((sec, i) => {
    const t = Math.floor((i * teacherCount) / sections.length);
    sec.cls.teachers.push({ user: teachers[t]!, primary: true });
    if (sec.cls.location === '') sec.cls.location = rooms[t]!;
  });
  // A few inclusion co-teachers (another teacher of the school, primary=false).
  if (teacherCount > 1) {
    for (const idx of rng.sampleIndices(sections.length, Math.max(1, Math.round(sections.length * 0.03)))) {
      const cls = sections[idx]!.cls;
      const co = teachers[rng.int(0, teacherCount - 1)]!;
      if (co !== cls.teachers[0]!.user) addCoTeacher(ctx, cls, co, 'co-teacher', 'inclusion co-teacher, primary=false');
    }
  }
  addAides(ctx, rng, school, roster.all.length, sections.map((s) => s.cls));
  if (school.level === 'high') buildSummer(ctx, rng, school, roster, teachers);
}

function buildSummer(ctx: Ctx, rng: Rng, school: School, roster: SchoolRoster, teachers: number[]): void {
  const pool = [...(roster.byGrade.get('09') ?? []), ...(roster.byGrade.get('10') ?? [])];
  if (pool.length === 0) return;
  for (const def of Object.values(SUMMER_CATALOG)) {
    const want = Math.max(1, Math.round(pool.length * 0.03));
    const chosen = rng.sampleIndices(pool.length, want).map((i) => pool[i]!);
    const course = addCourse(ctx, school, def, def.grades);
    const k = Math.ceil(chosen.length / cap(ctx, def.cap));
    chunk(chosen, k).forEach((group, i) => {
      const cls = newClass(ctx, school, course, def, {
        id: `cls-${school.short}-${def.code}-SU-${pad2(i + 1)}`,
        title: `${def.title} (Summer)${k > 1 ? ` - Section ${i + 1}` : ''}`,
        classCode: `${def.code}-${pad2(i + 1)}`,
        classType: 'scheduled', location: `Room ${101 + i}`, term: 'SU', periods: ['1'], grades: gradesOf(ctx.spec, group),
      });
      cls.students.push(...group);
      cls.teachers.push({ user: teachers[rng.int(0, teachers.length - 1)]!, primary: true });
    });
  }
}

function gradesOf(spec: DistrictSpec, users: readonly number[]): string[] {
  const set = new Set<string>();
  for (const u of users) for (const g of spec.users[u]!.grades) set.add(g);
  return GRADES.filter((g) => set.has(g));
}

function hashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 7;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Irregularities

/** About 1% of teachers also work at a second school (users.csv lists both) and co-teach one class there. */
function addSecondSchoolTeachers(ctx: Ctx, schools: School[], bySchool: Map<string, SchoolRoster>): void {
  if (schools.length < 2) return;
  const rng = ctx.rng.fork('second-school');
  const { spec } = ctx;
  const classesBySchool = new Map<string, GenClass[]>();
  for (const cls of spec.classes) {
    if (cls.termSourcedIds[0]?.startsWith('sum-')) continue;
    let list = classesBySchool.get(cls.schoolSourcedId);
    if (!list) classesBySchool.set(cls.schoolSourcedId, (list = []));
    list.push(cls);
  }
  const allTeachers: { teacher: number; school: School }[] = [];
  for (const school of schools) for (const t of bySchool.get(school.org.sourcedId)!.teachers) allTeachers.push({ teacher: t, school });
  const count = Math.max(1, Math.round(allTeachers.length * 0.01));
  for (const idx of rng.sampleIndices(allTeachers.length, count)) {
    const { teacher, school } = allTeachers[idx]!;
    const sameLevel = schools.filter((s) => s !== school && s.level === school.level);
    const other = rng.pick(sameLevel.length ? sameLevel : schools.filter((s) => s !== school));
    const classes = classesBySchool.get(other.org.sourcedId) ?? [];
    if (classes.length === 0) continue;
    const user = spec.users[teacher]!;
    user.orgSourcedIds.push(other.org.sourcedId);
    addCoTeacher(ctx, rng.pick(classes), teacher, 'second-school', `teacher of ${school.org.sourcedId} also teaching at ${other.org.sourcedId} (orgSourcedIds lists both)`);
  }
}

/**
 * Student enrollments whose dates differ from the class's: mid-term drops (half of them schedule
 * changes into another section of the same course and term), and exit dates one day before
 * (mostly) or after the term end (the PowerSchool `dateleft` slip).
 */
function addDateAnomalies(ctx: Ctx): void {
  const { spec } = ctx;
  const rng = ctx.rng.fork('dates');
  const candidates = spec.classes.filter((c) => c.students.length > 0 && !c.termSourcedIds[0]?.startsWith('sum-') && c.classType === 'scheduled');
  if (candidates.length === 0) return;
  const studentCount = spec.users.reduce((n, u) => n + (u.role === 'student' ? 1 : 0), 0);
  const sections = new Map<string, GenClass[]>();
  for (const c of candidates) {
    const key = `${c.courseSourcedId}|${c.termSourcedIds.join(',')}`;
    let list = sections.get(key);
    if (!list) sections.set(key, (list = []));
    list.push(c);
  }
  const touched = new Set<number>();
  const pickEnrollment = (): { cls: GenClass; user: number } | null => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const cls = rng.pick(candidates);
      const user = rng.pick(cls.students);
      if (!touched.has(user)) {
        touched.add(user);
        return { cls, user };
      }
    }
    return null;
  };
  const setDates = (cls: GenClass, user: number, dates: EnrollmentDates): void => {
    if (!cls.studentDates) cls.studentDates = new Map();
    cls.studentDates.set(user, dates);
  };
  const record = (kind: AnomalyKind, cls: GenClass, user: number, dates: EnrollmentDates, note: string): void => {
    const u = spec.users[user]!;
    spec.anomalies.push({
      kind, userSourcedId: u.sourcedId, username: u.username, fullName: `${u.givenName} ${u.familyName}`,
      classSourcedId: cls.sourcedId, classTitle: cls.title, schoolSourcedId: cls.schoolSourcedId,
      termBeginDate: cls.beginDate, termEndDate: cls.endDate, beginDate: dates.beginDate, endDate: dates.endDate, note,
    });
  };

  const drops = Math.max(1, Math.round(studentCount * 0.003));
  for (let i = 0; i < drops; i++) {
    const hit = pickEnrollment();
    if (!hit) break;
    const { cls, user } = hit;
    const span = daysBetween(cls.beginDate, cls.endDate);
    const dropDate = nextSchoolDay(addDays(cls.beginDate, rng.int(14, Math.max(15, Math.floor(span * 0.6)))));
    const dates = { beginDate: cls.beginDate, endDate: dropDate };
    setDates(cls, user, dates);
    const siblings = (sections.get(`${cls.courseSourcedId}|${cls.termSourcedIds.join(',')}`) ?? []).filter((c) => c !== cls && !c.students.includes(user));
    if (siblings.length > 0 && rng.chance(0.5)) {
      const target = rng.pick(siblings);
      const moved = { beginDate: nextSchoolDay(addDays(dropDate, 1)), endDate: target.endDate };
      insertSorted(target.students, user);
      setDates(target, user, moved);
      record('schedule-change', cls, user, dates, `left ${cls.sourcedId} on ${dropDate} and moved to ${target.sourcedId} from ${moved.beginDate}`);
      record('schedule-change', target, user, moved, `joined from ${cls.sourcedId} mid-term`);
    } else {
      record('dropped', cls, user, dates, `dropped on ${dropDate}, before the term end ${cls.endDate}`);
    }
  }
  const slips = Math.max(1, Math.round(studentCount * 0.002));
  for (let i = 0; i < slips; i++) {
    const hit = pickEnrollment();
    if (!hit) break;
    const { cls, user } = hit;
    const offset = rng.chance(0.7) ? -1 : 1;
    const dates = { beginDate: cls.beginDate, endDate: addDays(cls.endDate, offset) };
    setDates(cls, user, dates);
    record('exit-date-off-by-one', cls, user, dates, `exit date ${dates.endDate} is ${offset < 0 ? 'one day before' : 'one day after'} the term end ${cls.endDate}`);
  }
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

// ---------------------------------------------------------------------------------------------
// Reading the spec

export function enrollmentId(classSourcedId: string, userSourcedId: string): string {
  return `${classSourcedId}_${userSourcedId}`;
}

/** Every enrollments.csv row, in file order: per class, teachers (primary first) then students. */
export function* enrollments(spec: DistrictSpec): Generator<GenEnrollment> {
  const users = spec.users;
  for (const cls of spec.classes) {
    for (const t of cls.teachers) {
      const u = users[t.user]!;
      yield {
        sourcedId: enrollmentId(cls.sourcedId, u.sourcedId), classSourcedId: cls.sourcedId, schoolSourcedId: cls.schoolSourcedId,
        userSourcedId: u.sourcedId, role: 'teacher', primary: t.primary ? 'true' : 'false', beginDate: cls.beginDate, endDate: cls.endDate,
      };
    }
    for (const s of cls.students) {
      const u = users[s]!;
      const dates = cls.studentDates?.get(s);
      yield {
        sourcedId: enrollmentId(cls.sourcedId, u.sourcedId), classSourcedId: cls.sourcedId, schoolSourcedId: cls.schoolSourcedId,
        userSourcedId: u.sourcedId, role: 'student', primary: '', beginDate: dates?.beginDate ?? cls.beginDate, endDate: dates?.endDate ?? cls.endDate,
      };
    }
  }
}

function countDistrict(spec: DistrictSpec): Record<string, number> {
  const roles: Record<UserRole, number> = { student: 0, teacher: 0, aide: 0, administrator: 0 };
  for (const u of spec.users) roles[u.role]++;
  let studentEnrollments = 0;
  let staffEnrollments = 0;
  for (const c of spec.classes) {
    studentEnrollments += c.students.length;
    staffEnrollments += c.teachers.length;
  }
  return {
    orgs: spec.orgs.length,
    schools: spec.orgs.filter((o) => o.type === 'school').length,
    academicSessions: spec.academicSessions.length,
    courses: spec.courses.length,
    classes: spec.classes.length,
    users: spec.users.length,
    students: roles.student,
    teachers: roles.teacher,
    aides: roles.aide,
    administrators: roles.administrator,
    enrollments: studentEnrollments + staffEnrollments,
    studentEnrollments,
    staffEnrollments,
    demographics: roles.student,
  };
}

export { writeOneRoster, ONEROSTER_11_HEADERS, ONEROSTER_11_FILES } from './write.js';
