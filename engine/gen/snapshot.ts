/**
 * The SisSnapshot a reader would produce from the files writeOneRoster writes, built directly from
 * the spec (no CSV round trip): same records, same file names and row numbers. For tests and
 * in-process pipelines; `digest` is left empty because no file bytes were read.
 */
import type { OrAcademicSession, OrClass, OrCourse, OrEnrollment, OrOrg, OrUser, SisSnapshot } from '../model/oneroster.js';
import { enrollments, type DistrictSpec } from './district.js';

function parseUserId(text: string): { type: string; identifier: string } {
  const m = /^\{([^:]*):(.*)\}$/.exec(text);
  return m ? { type: m[1]!, identifier: m[2]! } : { type: '', identifier: text };
}

export function toSisSnapshot(spec: DistrictSpec, origin = `generated:${spec.seed}`): SisSnapshot {
  const orgs: OrOrg[] = spec.orgs.map((o, i) => ({
    sourcedId: o.sourcedId, name: o.name, type: o.type, identifier: o.identifier, parentSourcedId: o.parentSourcedId,
    metadata: { ...o.metadata }, source: { file: 'orgs.csv', row: i + 2 },
  }));
  const academicSessions: OrAcademicSession[] = spec.academicSessions.map((s, i) => ({
    sourcedId: s.sourcedId, title: s.title, type: s.type, startDate: s.startDate, endDate: s.endDate, parentSourcedId: s.parentSourcedId,
    schoolYear: s.schoolYear, metadata: {}, source: { file: 'academicSessions.csv', row: i + 2 },
  }));
  const courses: OrCourse[] = spec.courses.map((c, i) => ({
    sourcedId: c.sourcedId, title: c.title, courseCode: c.courseCode, schoolYearSourcedId: c.schoolYearSourcedId, orgSourcedId: c.orgSourcedId,
    grades: [...c.grades], subjects: [...c.subjects], metadata: {}, source: { file: 'courses.csv', row: i + 2 },
  }));
  const classes: OrClass[] = spec.classes.map((c, i) => ({
    sourcedId: c.sourcedId, title: c.title, courseSourcedId: c.courseSourcedId, classCode: c.classCode, classType: c.classType, location: c.location,
    schoolSourcedId: c.schoolSourcedId, termSourcedIds: [...c.termSourcedIds], grades: [...c.grades], subjects: [...c.subjects], periods: [...c.periods],
    metadata: {}, source: { file: 'classes.csv', row: i + 2 },
  }));
  const users: OrUser[] = spec.users.map((u, i) => ({
    sourcedId: u.sourcedId, enabledUser: u.enabledUser, orgSourcedIds: [...u.orgSourcedIds], role: u.role, username: u.username,
    userIds: u.userIds.map(parseUserId), givenName: u.givenName, familyName: u.familyName, middleName: u.middleName,
    preferredGivenName: '', preferredFamilyName: '', identifier: u.identifier, email: u.email, sms: '', phone: '', agentSourcedIds: [],
    grades: [...u.grades], metadata: {}, source: { file: 'users.csv', row: i + 2 },
  }));
  const enrollmentRows: OrEnrollment[] = [];
  let row = 2;
  for (const e of enrollments(spec)) {
    enrollmentRows.push({
      sourcedId: e.sourcedId, classSourcedId: e.classSourcedId, schoolSourcedId: e.schoolSourcedId, userSourcedId: e.userSourcedId,
      role: e.role, primary: e.primary === 'true', beginDate: e.beginDate, endDate: e.endDate, sourceFile: 'enrollments.csv', sourceRow: row++,
    });
  }
  return { version: '1.1', origin, orgs, academicSessions, courses, classes, users, enrollments: enrollmentRows, warnings: [], digest: '' };
}
