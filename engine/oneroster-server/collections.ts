/**
 * The rostering collections of the REST binding (reference oneroster.md §2.2) and how each reads
 * the base tables: `/schools`, `/terms`, `/gradingPeriods`, `/students` and `/teachers` are typed
 * views of `/orgs`, `/academicSessions` and `/users`, answered with the base collection's
 * wrapper keys (`{"orgs": [...]}`, `{"org": {...}}`).
 */
import type { BaseCollection, JsonRecord, OneRosterVersion } from './records.js';

export interface CollectionRoute {
  name: string;
  base: BaseCollection;
  /** Wrapper key of a page and of a single record. */
  plural: string;
  singular: string;
  /** The typed view's condition; null for a base collection. */
  where: ((record: JsonRecord) => boolean) | null;
}

const SINGULAR: Record<BaseCollection, string> = {
  orgs: 'org', academicSessions: 'academicSession', courses: 'course', classes: 'class', users: 'user', enrollments: 'enrollment', demographics: 'demographics',
};

export function collectionRoutes(version: OneRosterVersion): Map<string, CollectionRoute> {
  const hasRole = (role: string) => (u: JsonRecord): boolean => version === '1.1'
    ? u.role === role
    : Array.isArray(u.roles) && (u.roles as JsonRecord[]).some((r) => r.role === role);
  const routes: CollectionRoute[] = [
    ...(['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', 'demographics'] as BaseCollection[]).map((base) => view(base, base, null)),
    view('schools', 'orgs', (o) => o.type === 'school'),
    view('terms', 'academicSessions', (s) => s.type === 'term'),
    view('gradingPeriods', 'academicSessions', (s) => s.type === 'gradingPeriod'),
    view('students', 'users', hasRole('student')),
    view('teachers', 'users', hasRole('teacher')),
  ];
  return new Map(routes.map((r) => [r.name, r]));
}

function view(name: string, base: BaseCollection, where: CollectionRoute['where']): CollectionRoute {
  return { name, base, plural: base, singular: SINGULAR[base], where };
}

export function basePathOf(version: OneRosterVersion): string {
  return version === '1.1' ? '/ims/oneroster/v1p1' : '/ims/oneroster/rostering/v1p2';
}
