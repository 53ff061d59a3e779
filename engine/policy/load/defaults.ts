/** Defaults (the schema's `default` values say the same; the resolve step applies them). */
import type { Guards, Verdict } from '../types.js';

export const DEFAULT_FILE = '(default)';
export const ROLE_DEFAULTS = ['student', 'teacher', 'aide'];
export const SESSION_TYPE_DEFAULTS = ['schoolYear', 'semester', 'term'];

export const ACCOUNT_DEFAULTS = { account_id: '{{sourcedId}}', name: '{{name}}' };
export const TERM_DEFAULTS = { term_id: '{{sourcedId}}', name: '{{title}}' };
export const COURSE_DEFAULTS = { course_id: '{{sourcedId}}', short_name: '{{default classCode title}}', long_name: '{{title}}' };
/** With `grouping: course-term` a course has no classCode; the course's courseCode stands in. */
export const COURSE_TERM_DEFAULTS = { course_id: '{{sourcedId}}', short_name: '{{default courseCode title}}', long_name: '{{title}}' };
export const SECTION_DEFAULTS = { section_id: '{{sourcedId}}', name: '{{title}}' };
export const USER_DEFAULTS = { user_id: '{{sourcedId}}', login_id: '{{username}}', email: '{{email}}', first_name: '{{givenName}}', last_name: '{{familyName}}' };
export const USER_COLUMNS = ['user_id', 'login_id', 'email', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'integration_id'] as const;

export const ENROLLMENT_ROLE_DEFAULTS: Record<string, string | null> = { student: 'student', teacher: 'teacher', 'teacher:secondary': 'teacher', aide: 'ta', administrator: null, proctor: null };
export const DROP_DEFAULTS: Guards['drops'] = {
  enrollments: { maxShare: 0.1, maxCount: 500, onViolation: 'needs-approval' },
  users: { maxShare: 0.05, maxCount: 100, onViolation: 'needs-approval' },
  courses: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
  sections: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
};
export const RISK_DEFAULTS: Record<string, Verdict> = {
  'duplicate-account': 'needs-approval',
  'login-claimed': 'blocked',
  'ambiguous-match': 'needs-approval',
  'sticky-conflict': 'needs-approval',
  'manual-object': 'ok',
};
export const ENTITIES = ['accounts', 'terms', 'courses', 'sections', 'users', 'enrollments'] as const;
export type Entity = (typeof ENTITIES)[number];
