/**
 * What a formula can read, per entity. The loader rejects a template that names a field outside
 * these lists (at validate time, with the file position); the transform builds contexts with
 * exactly these keys (every value a string, lists joined with ","), so a validated template never
 * meets a missing field at plan time.
 */

/** Nested objects a template may reach into, e.g. `{{school.identifier}}`, `{{userIds.LDAP}}`. */
export interface ContextShape {
  fields: readonly string[];
  /** field → allowed sub-fields; `*` = any key (open maps like metadata and userIds). */
  nested: Readonly<Record<string, readonly string[] | '*'>>;
}

const ORG_FIELDS = ['sourcedId', 'name', 'type', 'identifier', 'parentSourcedId'] as const;
const SESSION_FIELDS = ['sourcedId', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'] as const;
const COURSE_FIELDS = ['sourcedId', 'title', 'courseCode', 'grades', 'subjects', 'orgSourcedId', 'schoolYearSourcedId'] as const;

const classShape: ContextShape = {
  fields: ['sourcedId', 'title', 'classCode', 'classType', 'location', 'grades', 'subjects', 'periods', 'courseSourcedId', 'schoolSourcedId', 'termSourcedId', 'metadata', 'course', 'school', 'term'],
  nested: { metadata: '*', course: COURSE_FIELDS, school: ORG_FIELDS, term: SESSION_FIELDS },
};

/** With `courses.grouping: course-term` a Canvas course stands for (course, school, term). */
const courseTermShape: ContextShape = {
  fields: ['sourcedId', 'title', 'courseCode', 'grades', 'subjects', 'schoolSourcedId', 'termSourcedId', 'metadata', 'course', 'school', 'term'],
  nested: { metadata: '*', course: COURSE_FIELDS, school: ORG_FIELDS, term: SESSION_FIELDS },
};

export const CONTEXTS = {
  accounts: { fields: [...ORG_FIELDS, 'metadata'], nested: { metadata: '*' } } satisfies ContextShape,
  terms: { fields: [...SESSION_FIELDS, 'metadata'], nested: { metadata: '*' } } satisfies ContextShape,
  courses: classShape,
  coursesByCourseTerm: courseTermShape,
  sections: classShape,
  users: {
    fields: ['sourcedId', 'username', 'givenName', 'familyName', 'middleName', 'preferredGivenName', 'preferredFamilyName', 'identifier', 'email', 'sms', 'phone', 'role', 'grades', 'grade', 'enabledUser', 'orgSourcedIds', 'school', 'userIds', 'metadata'],
    nested: { userIds: '*', metadata: '*', school: ORG_FIELDS },
  } satisfies ContextShape,
} as const;

export type ContextName = keyof typeof CONTEXTS;
