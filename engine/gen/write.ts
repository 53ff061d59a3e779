/**
 * Writes a DistrictSpec as a OneRoster 1.1 bulk CSV package: exact 1.1 headers, status and
 * dateLastModified blank, lists as one quoted field, CRLF line endings, no BOM, manifest.csv
 * marking the written files `bulk` and every other 1.1 file `absent`.
 *
 * Rows are rendered straight into ~1 MiB string chunks and written as they fill, so the 1.2M
 * enrollment rows of a 200k-student district never exist as objects.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RACE_COLUMNS, enrollmentId, type DistrictSpec } from './district.js';

/** OneRoster 1.1 header lines (reference oneroster.md Appendix A). */
export const ONEROSTER_11_HEADERS = {
  academicSessions: 'sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear',
  categories: 'sourcedId,status,dateLastModified,title',
  classes: 'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods',
  classResources: 'sourcedId,status,dateLastModified,title,classSourcedId,resourceSourcedId',
  courses: 'sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes',
  courseResources: 'sourcedId,status,dateLastModified,title,courseSourcedId,resourceSourcedId',
  demographics: 'sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus',
  enrollments: 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate',
  lineItems: 'sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax',
  orgs: 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId',
  resources: 'sourcedId,status,dateLastModified,vendorResourceId,title,roles,importance,vendorId,applicationId',
  results: 'sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment',
  users: 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
} as const;

export type OneRoster11File = keyof typeof ONEROSTER_11_HEADERS;
/** The 13 `file.*` rows of a 1.1 manifest, in the order written. */
export const ONEROSTER_11_FILES = Object.keys(ONEROSTER_11_HEADERS) as OneRoster11File[];

/** Extension columns appended to orgs.csv (allowed after the standard columns). */
export const ORG_METADATA_COLUMNS = ['metadata.address1', 'metadata.city', 'metadata.state', 'metadata.postCode'] as const;

export interface WriteOptions {
  /** Write demographics.csv (default true). */
  demographics?: boolean;
  /** Default CRLF, as many SIS exports do. */
  lineEnding?: '\r\n' | '\n';
  /** manifest `source.systemName`. */
  systemName?: string;
}

const CHUNK = 1 << 20;

/** RFC 4180 quoting: only when the value holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A OneRoster list field: one cell, items joined by commas (so an item must not hold one). */
function list(items: readonly string[]): string {
  for (const item of items) if (item.includes(',')) throw new Error(`writeOneRoster: list item ${JSON.stringify(item)} contains a comma`);
  return csvCell(items.join(','));
}

/**
 * Lines are appended to a string and handed to the OS in ~1 MiB writes. Writes are synchronous:
 * awaiting per line costs more than the whole write at this size, and the generator is a batch job.
 */
class ChunkedFile {
  private buf = '';
  private readonly fd: number;

  constructor(path: string, private readonly eol: string) {
    this.fd = openSync(path, 'w');
  }

  line(text: string): void {
    this.buf += text + this.eol;
    if (this.buf.length >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.buf === '') return;
    writeSync(this.fd, this.buf, null, 'utf8');
    this.buf = '';
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

function writeFile(dir: string, name: string, header: string, eol: string, rows: (out: ChunkedFile) => void): void {
  const file = new ChunkedFile(join(dir, `${name}.csv`), eol);
  try {
    file.line(header);
    rows(file);
  } finally {
    file.close();
  }
}

/**
 * Writes the package into `dir` (created if needed) and returns the file names written.
 * Same spec, same bytes.
 */
export async function writeOneRoster(spec: DistrictSpec, dir: string, options: WriteOptions = {}): Promise<string[]> {
  const eol = options.lineEnding ?? '\r\n';
  const withDemographics = options.demographics ?? true;
  await mkdir(dir, { recursive: true });
  const written: OneRoster11File[] = ['academicSessions', 'orgs', 'courses', 'classes', 'users', 'enrollments'];
  if (withDemographics) written.push('demographics');

  writeFile(dir, 'orgs', `${ONEROSTER_11_HEADERS.orgs},${ORG_METADATA_COLUMNS.join(',')}`, eol, (out) => {
    for (const o of spec.orgs) {
      const m = o.metadata;
      out.line([o.sourcedId, '', '', csvCell(o.name), o.type, o.identifier, o.parentSourcedId, csvCell(m.address1), csvCell(m.city), m.state, m.postCode].join(','));
    }
  });
  writeFile(dir, 'academicSessions', ONEROSTER_11_HEADERS.academicSessions, eol, (out) => {
    for (const s of spec.academicSessions) {
      out.line([s.sourcedId, '', '', csvCell(s.title), s.type, s.startDate, s.endDate, s.parentSourcedId, s.schoolYear].join(','));
    }
  });
  writeFile(dir, 'courses', ONEROSTER_11_HEADERS.courses, eol, (out) => {
    for (const c of spec.courses) {
      out.line([c.sourcedId, '', '', c.schoolYearSourcedId, csvCell(c.title), csvCell(c.courseCode), list(c.grades), c.orgSourcedId, list(c.subjects), list(c.subjectCodes)].join(','));
    }
  });
  writeFile(dir, 'classes', ONEROSTER_11_HEADERS.classes, eol, (out) => {
    for (const c of spec.classes) {
      out.line([
        c.sourcedId, '', '', csvCell(c.title), list(c.grades), c.courseSourcedId, csvCell(c.classCode), c.classType, csvCell(c.location),
        c.schoolSourcedId, list(c.termSourcedIds), list(c.subjects), list(c.subjectCodes), list(c.periods),
      ].join(','));
    }
  });
  writeFile(dir, 'users', ONEROSTER_11_HEADERS.users, eol, (out) => {
    for (const u of spec.users) {
      out.line([
        u.sourcedId, '', '', u.enabledUser ? 'true' : 'false', list(u.orgSourcedIds), u.role, csvCell(u.username), list(u.userIds),
        csvCell(u.givenName), csvCell(u.familyName), csvCell(u.middleName), csvCell(u.identifier), csvCell(u.email), '', '', '', list(u.grades), '',
      ].join(','));
    }
  });
  writeFile(dir, 'enrollments', ONEROSTER_11_HEADERS.enrollments, eol, (out) => {
    // Hot path (≈6 rows per student): ids and dates are generated from a CSV-safe alphabet, so no quoting.
    const users = spec.users;
    for (const cls of spec.classes) {
      const head = `,,,${cls.sourcedId},${cls.schoolSourcedId},`;
      const span = `${cls.beginDate},${cls.endDate}`;
      for (const t of cls.teachers) {
        const id = users[t.user]!.sourcedId;
        out.line(`${enrollmentId(cls.sourcedId, id)}${head}${id},teacher,${t.primary ? 'true' : 'false'},${span}`);
      }
      for (const s of cls.students) {
        const id = users[s]!.sourcedId;
        const d = cls.studentDates?.get(s);
        out.line(`${enrollmentId(cls.sourcedId, id)}${head}${id},student,,${d ? `${d.beginDate},${d.endDate}` : span}`);
      }
    }
  });
  if (withDemographics) {
    writeFile(dir, 'demographics', ONEROSTER_11_HEADERS.demographics, eol, (out) => {
      for (const u of spec.users) {
        const d = u.demographics;
        if (!d) continue;
        const races = RACE_COLUMNS.map((_, i) => (i === d.race ? 'true' : 'false')).join(',');
        out.line(`${u.sourcedId},,,${d.birthDate},${d.sex},${races},${d.hispanic ? 'true' : 'false'},,,,`);
      }
    });
  }
  writeFile(dir, 'manifest', 'propertyName,value', eol, (out) => {
    out.line('manifest.version,1.0');
    out.line('oneroster.version,1.1');
    for (const f of ONEROSTER_11_FILES) out.line(`file.${f},${written.includes(f) ? 'bulk' : 'absent'}`);
    out.line(`source.systemName,${csvCell(options.systemName ?? 'rosterops generator')}`);
    out.line('source.systemCode,rosterops-gen');
  });
  return ['manifest', ...written].map((f) => `${f}.csv`).sort();
}
