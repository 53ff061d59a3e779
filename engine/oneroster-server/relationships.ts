/**
 * The relationship collections of the rostering service (reference oneroster.md §2.2), as views
 * over the base collections: `/schools/{id}/courses|classes|enrollments|students|teachers|terms`,
 * `/schools/{s}/classes/{c}/enrollments|students|teachers`, `/terms/{id}/classes|gradingPeriods`,
 * `/courses/{id}/classes`, `/classes/{id}/students|teachers`, and
 * `/users|students|teachers/{id}/classes`. The parent must exist (else 404); who is in a class
 * comes from enrollments.
 */
import type { CollectionRoute } from './collections.js';
import type { BaseCollection, JsonRecord, OneRosterVersion, RecordSource } from './records.js';

export interface RelationshipContext {
  version: OneRosterVersion;
  sources: Map<string, RecordSource>;
  routes: Map<string, CollectionRoute>;
  /** Whether `id` is a record of the (typed) collection `name`. */
  exists(name: string, id: string): boolean;
}

type Resolved = { route: CollectionRoute } | { missing: string } | null;

/** `segments` after the service base, e.g. ['schools', 's1', 'classes']. */
export function relationshipRoute(ctx: RelationshipContext, segments: readonly string[]): Resolved {
  if (segments.length === 5) {
    const [schools, school, classes, cls, child] = segments as [string, string, string, string, string];
    if (schools !== 'schools' || classes !== 'classes' || !['enrollments', 'students', 'teachers'].includes(child)) return null;
    if (!ctx.exists('schools', school)) return { missing: `school ${school}` };
    if (!ctx.exists('classes', cls)) return { missing: `class ${cls}` };
    const path = segments.join('/');
    if (child === 'enrollments') return { route: view(path, 'enrollments', (e) => refId(e.school) === school && refId(e.class) === cls) };
    const role = child === 'students' ? 'student' : 'teacher';
    const members = lazy(() => classMembers(ctx, cls, role, school));
    return { route: view(path, 'users', (u) => members().has(u.sourcedId as string)) };
  }
  if (segments.length !== 3) return null;
  const [parent, id, child] = segments as [string, string, string];
  const path = segments.join('/');
  const resolve = (parentName: string, build: () => CollectionRoute): Resolved => (ctx.exists(parentName, id) ? { route: build() } : { missing: `${ctx.routes.get(parentName)?.singular ?? parentName} ${id}` });
  switch (`${parent}/${child}`) {
    case 'schools/courses': return resolve('schools', () => view(path, 'courses', (c) => refId(c.org) === id));
    case 'schools/classes': return resolve('schools', () => view(path, 'classes', (c) => refId(c.school) === id));
    case 'schools/enrollments': return resolve('schools', () => view(path, 'enrollments', (e) => refId(e.school) === id));
    case 'schools/students': return resolve('schools', () => view(path, 'users', (u) => hasRole(ctx.version, u, 'student', id)));
    case 'schools/teachers': return resolve('schools', () => view(path, 'users', (u) => hasRole(ctx.version, u, 'teacher', id)));
    case 'schools/terms': return resolve('schools', () => {
      const terms = lazy(() => termsOfSchool(ctx, id));
      return view(path, 'academicSessions', (s) => s.type === 'term' && terms().has(s.sourcedId as string));
    });
    case 'terms/classes': return resolve('terms', () => view(path, 'classes', (c) => refIds(c.terms).includes(id)));
    case 'terms/gradingPeriods': return resolve('terms', () => view(path, 'academicSessions', (s) => s.type === 'gradingPeriod' && refId(s.parent) === id));
    case 'courses/classes': return resolve('courses', () => view(path, 'classes', (c) => refId(c.course) === id));
    case 'classes/students': return resolve('classes', () => {
      const members = lazy(() => classMembers(ctx, id, 'student'));
      return view(path, 'users', (u) => members().has(u.sourcedId as string));
    });
    case 'classes/teachers': return resolve('classes', () => {
      const members = lazy(() => classMembers(ctx, id, 'teacher'));
      return view(path, 'users', (u) => members().has(u.sourcedId as string));
    });
    case 'users/classes':
    case 'students/classes':
    case 'teachers/classes': return resolve(parent, () => {
      const classes = lazy(() => classesOf(ctx, id));
      return view(path, 'classes', (c) => classes().has(c.sourcedId as string));
    });
    default: return null;
  }
}

function view(name: string, base: BaseCollection, where: (r: JsonRecord) => boolean): CollectionRoute {
  const singular: Record<BaseCollection, string> = {
    orgs: 'org', academicSessions: 'academicSession', courses: 'course', classes: 'class', users: 'user', enrollments: 'enrollment', demographics: 'demographics',
  };
  return { name, base, plural: base, singular: singular[base], where };
}

function refId(ref: unknown): string | undefined {
  return ref !== null && typeof ref === 'object' ? ((ref as JsonRecord).sourcedId as string | undefined) : undefined;
}

function refIds(refs: unknown): string[] {
  return Array.isArray(refs) ? refs.map(refId).filter((x): x is string => x !== undefined) : [];
}

function hasRole(version: OneRosterVersion, user: JsonRecord, role: string, org?: string): boolean {
  if (version === '1.1') return user.role === role && (org === undefined || refIds(user.orgs).includes(org));
  return Array.isArray(user.roles) && (user.roles as JsonRecord[]).some((r) => r.role === role && (org === undefined || refId(r.org) === org));
}

/** Users enrolled in `cls` with `role` (read from the enrollment cells, not built records). */
function classMembers(ctx: RelationshipContext, cls: string, role: string, school?: string): Set<string> {
  const members = new Set<string>();
  const enrollments = ctx.sources.get('enrollments');
  for (let r = 0; enrollments && r < enrollments.rowCount; r++) {
    if (enrollments.raw(r, 'classSourcedId') !== cls || enrollments.raw(r, 'role') !== role) continue;
    if (school !== undefined && enrollments.raw(r, 'schoolSourcedId') !== school) continue;
    members.add(enrollments.raw(r, 'userSourcedId'));
  }
  return members;
}

function classesOf(ctx: RelationshipContext, user: string): Set<string> {
  const classes = new Set<string>();
  const enrollments = ctx.sources.get('enrollments');
  for (let r = 0; enrollments && r < enrollments.rowCount; r++) {
    if (enrollments.raw(r, 'userSourcedId') === user) classes.add(enrollments.raw(r, 'classSourcedId'));
  }
  return classes;
}

/** academicSessions carry no org in CSV: a school's terms are the terms its classes run in. */
function termsOfSchool(ctx: RelationshipContext, school: string): Set<string> {
  const terms = new Set<string>();
  const classes = ctx.sources.get('classes');
  for (let r = 0; classes && r < classes.rowCount; r++) {
    if (classes.raw(r, 'schoolSourcedId') !== school) continue;
    for (const t of (classes.raw(r, 'termSourcedIds') || classes.raw(r, 'termSourcedId')).split(',')) terms.add(t.trim());
  }
  return terms;
}

/** Computed on first use: a cached selection (index.ts) never needs it. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
