/**
 * Course catalogue of the synthetic district and the rules by which a student's schedule is drawn
 * from it. Middle and high schools schedule from these definitions; elementary schools have one
 * homeroom course per grade plus the specials below.
 *
 * `subjectCode`s are SCED-style five-digit codes (the shape real exports carry); they are
 * plausible, not authoritative.
 */
import type { Rng } from './random.js';

export type TermTag = 'Y' | 'S1' | 'S2' | 'SU';

export interface CourseDef {
  code: string;
  title: string;
  subject: string;
  subjectCode: string;
  grades: readonly string[];
  /** Department: sections of one department are handed to the same block of teachers. */
  dept: string;
  /** Section size limit before the scale factor. */
  cap: number;
  /** Fixed location for every section (gym, band room); otherwise the teacher's room. */
  location?: string;
}

export const GRADES = ['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'] as const;
export type Grade = (typeof GRADES)[number];

export function gradeNumber(grade: string): number {
  return grade === 'KG' ? 0 : Number(grade);
}

export function gradeLabel(grade: string): string {
  return grade === 'KG' ? 'Kindergarten' : `Grade ${Number(grade)}`;
}

const G = (...nums: number[]): string[] => nums.map((n) => (n === 0 ? 'KG' : String(n).padStart(2, '0')));

export const ELEMENTARY_GRADES = G(0, 1, 2, 3, 4, 5);
export const MIDDLE_GRADES = G(6, 7, 8);
export const HIGH_GRADES = G(9, 10, 11, 12);

/** Homeroom size limit (before scale) and elementary specials; every elementary student takes all specials. */
export const HOMEROOM_CAP = 24;
export const SPECIALS_CAP = 100;
export const ELEMENTARY_SPECIALS: readonly CourseDef[] = [
  { code: 'ART', title: 'Art', subject: 'Fine and Performing Arts', subjectCode: '05154', grades: ELEMENTARY_GRADES, dept: 'SPEC', cap: SPECIALS_CAP, location: 'Art Room' },
  { code: 'MUS', title: 'Music', subject: 'Fine and Performing Arts', subjectCode: '05110', grades: ELEMENTARY_GRADES, dept: 'SPEC', cap: SPECIALS_CAP, location: 'Music Room' },
  { code: 'PE', title: 'Physical Education', subject: 'Physical Education and Health', subjectCode: '08001', grades: ELEMENTARY_GRADES, dept: 'SPEC', cap: SPECIALS_CAP, location: 'Gym' },
  { code: 'LIB', title: 'Library Media', subject: 'English Language and Literature', subjectCode: '01995', grades: ELEMENTARY_GRADES, dept: 'SPEC', cap: SPECIALS_CAP, location: 'Library' },
];

export const DEPT_ORDER = ['ELA', 'MATH', 'SCI', 'SS', 'PE', 'WL', 'ARTS', 'CTE'];

function def(code: string, title: string, dept: string, subject: string, subjectCode: string, grades: string[], cap = 32, location?: string): CourseDef {
  return location === undefined ? { code, title, dept, subject, subjectCode, grades, cap } : { code, title, dept, subject, subjectCode, grades, cap, location };
}

const ELA = 'English Language and Literature';
const MATH = 'Mathematics';
const SCI = 'Life and Physical Sciences';
const SS = 'Social Sciences and History';
const PE = 'Physical Education and Health';
const WL = 'World Languages';
const ARTS = 'Fine and Performing Arts';
const CTE = 'Computer and Information Sciences';

export const MIDDLE_CATALOG: Record<string, CourseDef> = Object.fromEntries([
  def('ELA6', 'English Language Arts 6', 'ELA', ELA, '01051', G(6)),
  def('ELA7', 'English Language Arts 7', 'ELA', ELA, '01052', G(7)),
  def('ELA8', 'English Language Arts 8', 'ELA', ELA, '01053', G(8)),
  def('MATH6', 'Math 6', 'MATH', MATH, '02051', G(6)),
  def('MATH7', 'Math 7', 'MATH', MATH, '02053', G(7)),
  def('MATH8', 'Math 8', 'MATH', MATH, '02054', G(8)),
  def('ALG1M', 'Algebra I', 'MATH', MATH, '02052', G(8)),
  def('SCI6', 'Earth Science', 'SCI', SCI, '03001', G(6)),
  def('SCI7', 'Life Science', 'SCI', SCI, '03002', G(7)),
  def('SCI8', 'Physical Science', 'SCI', SCI, '03003', G(8)),
  def('SS6', 'World Cultures', 'SS', SS, '04001', G(6)),
  def('SS7', 'World History: Ancient Civilizations', 'SS', SS, '04002', G(7)),
  def('SS8', 'U.S. History to 1877', 'SS', SS, '04003', G(8)),
  def('PEM', 'Physical Education', 'PE', PE, '08001', G(6, 7, 8), 45, 'Gym'),
  def('HLTHM', 'Health', 'PE', PE, '08051', G(7, 8)),
  def('SPAN1M', 'Spanish I', 'WL', WL, '06101', G(8), 30),
  def('BANDM', 'Concert Band', 'ARTS', ARTS, '05101', G(6, 7, 8), 70, 'Band Room'),
  def('CHOIRM', 'Choir', 'ARTS', ARTS, '05110', G(6, 7, 8), 60, 'Choir Room'),
  def('ARTM', 'Art', 'ARTS', ARTS, '05154', G(6, 7, 8), 30),
  def('DRAMAM', 'Theatre Arts', 'ARTS', ARTS, '05051', G(6, 7, 8), 30),
  def('TECHM', 'Exploring Technology', 'CTE', CTE, '10001', G(6, 7, 8), 30),
].map((d) => [d.code, d]));

export const HIGH_CATALOG: Record<string, CourseDef> = Object.fromEntries([
  def('ENG9', 'English 9', 'ELA', ELA, '01001', G(9)),
  def('ENG10', 'English 10', 'ELA', ELA, '01002', G(10)),
  def('ENG11', 'English 11', 'ELA', ELA, '01003', G(11)),
  def('ENG12', 'English 12', 'ELA', ELA, '01004', G(12)),
  def('ALG1', 'Algebra I', 'MATH', MATH, '02052', G(9, 10)),
  def('GEOM', 'Geometry', 'MATH', MATH, '02072', G(9, 10, 11)),
  def('ALG2', 'Algebra II', 'MATH', MATH, '02056', G(10, 11, 12)),
  def('PRECALC', 'Pre-Calculus', 'MATH', MATH, '02110', G(11, 12)),
  def('STATS', 'Statistics', 'MATH', MATH, '02201', G(12)),
  def('CALC', 'AP Calculus AB', 'MATH', MATH, '02124', G(12)),
  def('BIO', 'Biology', 'SCI', SCI, '03051', G(9)),
  def('CHEM', 'Chemistry', 'SCI', SCI, '03101', G(10)),
  def('PHYS', 'Physics', 'SCI', SCI, '03151', G(11, 12)),
  def('ENVSCI', 'Environmental Science', 'SCI', SCI, '03003', G(11, 12)),
  def('ANAT', 'Anatomy & Physiology', 'SCI', SCI, '03053', G(12)),
  def('WGEO', 'World Geography', 'SS', SS, '04001', G(9)),
  def('WHIST', 'World History', 'SS', SS, '04051', G(10)),
  def('USHIST', 'U.S. History', 'SS', SS, '04101', G(11)),
  def('GOV', 'Government', 'SS', SS, '04151', G(12)),
  def('ECON', 'Economics', 'SS', SS, '04201', G(12)),
  def('PSYCH', 'Psychology', 'SS', SS, '04254', G(11, 12), 34),
  def('PE1', 'Physical Education I', 'PE', PE, '08001', G(9), 45, 'Gym'),
  def('PE2', 'Physical Education II', 'PE', PE, '08002', G(10), 45, 'Gym'),
  def('HLTH', 'Health', 'PE', PE, '08051', G(9)),
  def('SPAN1', 'Spanish I', 'WL', WL, '06101', G(9, 10, 11, 12), 30),
  def('SPAN2', 'Spanish II', 'WL', WL, '06102', G(10, 11, 12), 30),
  def('SPAN3', 'Spanish III', 'WL', WL, '06103', G(11, 12), 30),
  def('FREN1', 'French I', 'WL', WL, '06001', G(9, 10, 11, 12), 30),
  def('BAND', 'Symphonic Band', 'ARTS', ARTS, '05101', G(9, 10, 11, 12), 70, 'Band Room'),
  def('CHOIR', 'Concert Choir', 'ARTS', ARTS, '05110', G(9, 10, 11, 12), 60, 'Choir Room'),
  def('ART1', 'Art I', 'ARTS', ARTS, '05154', G(9, 10, 11, 12), 30),
  def('PHOTO', 'Digital Photography', 'ARTS', ARTS, '05167', G(10, 11, 12), 28),
  def('DRAMA', 'Theatre Arts I', 'ARTS', ARTS, '05051', G(9, 10, 11, 12), 30),
  def('JOUR', 'Journalism', 'ELA', ELA, '01103', G(10, 11, 12), 28),
  def('CSP', 'Computer Science Principles', 'CTE', CTE, '10019', G(9, 10, 11, 12), 30),
  def('WEBD', 'Web Design', 'CTE', CTE, '10201', G(10, 11, 12), 28),
].map((d) => [d.code, d]));

/** Summer credit-recovery offerings at high schools (term `SU`). */
export const SUMMER_CATALOG: Record<string, CourseDef> = Object.fromEntries([
  def('CRALG1', 'Credit Recovery: Algebra I', 'MATH', MATH, '02052', G(9, 10), 25),
  def('CRENG9', 'Credit Recovery: English 9', 'ELA', ELA, '01001', G(9, 10), 25),
].map((d) => [d.code, d]));

export type Request = readonly [code: string, term: TermTag];

function otherSemester(t: 'S1' | 'S2'): 'S1' | 'S2' {
  return t === 'S1' ? 'S2' : 'S1';
}

function semester(rng: Rng): 'S1' | 'S2' {
  return rng.chance(0.5) ? 'S1' : 'S2';
}

/** A middle-school student's requests: four year-long core classes, PE for a semester, electives (≈6.3). */
export function middleSchedule(grade: number, rng: Rng): Request[] {
  const out: Request[] = [
    [`ELA${grade}`, 'Y'],
    [grade === 8 && rng.chance(0.25) ? 'ALG1M' : `MATH${grade}`, 'Y'],
    [`SCI${grade}`, 'Y'],
    [`SS${grade}`, 'Y'],
  ];
  const pe = semester(rng);
  out.push(['PEM', pe]);
  const taken = new Set<string>();
  if (rng.chance(0.25)) {
    const code = grade === 8 && rng.chance(0.35) ? 'SPAN1M' : rng.chance(0.6) ? 'BANDM' : 'CHOIRM';
    out.push([code, 'Y']);
    taken.add(code);
  } else {
    const options = grade >= 7 ? ['ARTM', 'TECHM', 'DRAMAM', 'HLTHM'] : ['ARTM', 'TECHM', 'DRAMAM'];
    const code = rng.pick(options);
    out.push([code, otherSemester(pe)]);
    taken.add(code);
  }
  if (rng.chance(0.3)) {
    const options = ['ARTM', 'TECHM', 'DRAMAM'].filter((c) => !taken.has(c));
    out.push([rng.pick(options), pe]);
  }
  return out;
}

const YEAR_ELECTIVES: Record<number, readonly string[]> = {
  9: ['SPAN1', 'SPAN1', 'FREN1', 'BAND', 'CHOIR'],
  10: ['SPAN1', 'SPAN2', 'SPAN2', 'FREN1', 'BAND', 'CHOIR'],
  11: ['SPAN2', 'SPAN3', 'FREN1', 'BAND', 'CHOIR'],
  12: ['SPAN3', 'FREN1', 'BAND', 'CHOIR'],
};
const SEM_ELECTIVES: Record<number, readonly string[]> = {
  9: ['ART1', 'CSP', 'DRAMA'],
  10: ['ART1', 'CSP', 'DRAMA', 'PHOTO', 'JOUR', 'WEBD'],
  11: ['ART1', 'CSP', 'DRAMA', 'PHOTO', 'JOUR', 'WEBD', 'PSYCH'],
  12: ['ART1', 'CSP', 'DRAMA', 'PHOTO', 'JOUR', 'WEBD', 'PSYCH'],
};

/** A high-school student's requests: English, math, science, social studies, PE/health, electives (6–7). */
export function highSchedule(grade: number, rng: Rng): Request[] {
  const out: Request[] = [[`ENG${grade}`, 'Y']];
  const math =
    grade === 9 ? (rng.chance(0.7) ? 'ALG1' : 'GEOM')
      : grade === 10 ? (rng.chance(0.65) ? 'GEOM' : 'ALG2')
        : grade === 11 ? (rng.chance(0.6) ? 'ALG2' : 'PRECALC')
          : rng.weighted(['PRECALC', 'STATS', 'CALC'], [0.4, 0.35, 0.25]);
  out.push([math, 'Y']);
  if (grade === 9) out.push(['BIO', 'Y']);
  else if (grade === 10) out.push(['CHEM', 'Y']);
  else if (grade === 11) out.push([rng.chance(0.5) ? 'PHYS' : 'ENVSCI', 'Y']);
  else if (rng.chance(0.8)) out.push([rng.weighted(['ANAT', 'ENVSCI', 'PHYS'], [0.5, 0.3, 0.2]), 'Y']);
  if (grade === 9) {
    const geo = semester(rng);
    out.push(['WGEO', geo], ['HLTH', otherSemester(geo)], ['PE1', geo]);
  } else if (grade === 10) {
    out.push(['WHIST', 'Y'], ['PE2', semester(rng)]);
  } else if (grade === 11) {
    out.push(['USHIST', 'Y']);
  } else {
    out.push(['GOV', 'S1'], ['ECON', 'S2']);
  }
  const taken = new Set(out.map(([c]) => c));
  if (rng.chance(0.45)) {
    const code = rng.pick(YEAR_ELECTIVES[grade]!);
    out.push([code, 'Y']);
    taken.add(code);
  }
  const target = rng.chance(0.45) ? 7 : 6;
  const semOptions = SEM_ELECTIVES[grade]!;
  while (out.length < target) {
    const options = semOptions.filter((c) => !taken.has(c));
    if (options.length === 0) break;
    const code = rng.pick(options);
    out.push([code, semester(rng)]);
    taken.add(code);
  }
  return out;
}
