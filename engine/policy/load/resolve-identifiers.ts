/** `identifiers`: the formulas of each Canvas id and name, defaults overlaid with what is written. */
import type { ContextName } from '../contexts.js';
import type { AccountFormulas, Config, CourseFormulas, SectionFormulas, Template, TermFormulas, UserFormulas } from '../types.js';
import {
  ACCOUNT_DEFAULTS, COURSE_DEFAULTS, COURSE_TERM_DEFAULTS, SECTION_DEFAULTS, TERM_DEFAULTS, USER_COLUMNS, USER_DEFAULTS,
} from './defaults.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';

export function resolveIdentifiers(ctx: Resolver, roles: string[], grouping: 'class' | 'course-term'): Config['identifiers'] {
  const ids = ctx.w.identifiers ?? {};
  const P = (entity: string): Segment[] => ['identifiers', entity];
  const courseContext: ContextName = grouping === 'course-term' ? 'coursesByCourseTerm' : 'courses';
  const accounts = ctx.formulas(ACCOUNT_DEFAULTS, ids.accounts, 'accounts', P('accounts')) as unknown as AccountFormulas;
  const terms = ctx.formulas(TERM_DEFAULTS, ids.terms, 'terms', P('terms')) as unknown as TermFormulas;
  const courses = ctx.formulas(grouping === 'course-term' ? COURSE_TERM_DEFAULTS : COURSE_DEFAULTS, ids.courses, courseContext, P('courses')) as unknown as CourseFormulas;
  const sections = ctx.formulas(SECTION_DEFAULTS, ids.sections, 'sections', P('sections')) as unknown as SectionFormulas;

  // Users: built-in defaults ← `default` block ← role block, column by column.
  const written = ids.users ?? {};
  const defaultBlock = ctx.formulas(USER_DEFAULTS, written.default, 'users', [...P('users'), 'default']);
  const roleNames = [...roles];
  for (const role of Object.keys(written)) {
    if (role === 'default' || roleNames.includes(role)) continue;
    roleNames.push(role);
    ctx.warn([...P('users'), role], 'policy.role-out-of-scope', `identifiers for role \`${role}\`, which is not in scope.roles`, `add ${role} to scope.roles to sync these users, or remove the block`, 'key');
  }
  const users: Record<string, UserFormulas> = {};
  for (const role of roleNames) {
    const block = written[role] ?? {};
    const merged: Record<string, Template> = {};
    for (const col of USER_COLUMNS) {
      const own = block[col];
      if (own === null) continue; // removes an optional column (the schema rejects null for required ones)
      if (typeof own === 'string') merged[col] = ctx.compile(own, 'users', [...P('users'), role, col]);
      else if (defaultBlock[col]) merged[col] = defaultBlock[col]!;
    }
    users[role] = merged as unknown as UserFormulas;
  }
  return { accounts, terms, courses, sections, users };
}
