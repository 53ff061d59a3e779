/** `rules`: per entity, what happens to records missing from the SIS and to hand-made ones, and which fields rosterops owns. */
import type { ManualAction, Rules } from '../types.js';
import { ENROLLMENT_ROLE_DEFAULTS, type Entity } from './defaults.js';
import type { Resolver } from './resolver.js';

export function resolveRules(ctx: Resolver): Rules {
  const r = ctx.w.rules ?? {};
  const base = <M extends string>(e: Entity, missing: M, manual: ManualAction, owns: string[]) => ({
    missing: (r[e]?.missing as M | undefined) ?? missing,
    manual: r[e]?.manual ?? manual,
    owns: [...(r[e]?.owns ?? owns)],
  });
  return {
    accounts: base<'delete' | 'ignore'>('accounts', 'ignore', 'ignore', ['name', 'parent_account_id']),
    terms: base<'delete' | 'ignore'>('terms', 'ignore', 'ignore', ['name', 'start_date', 'end_date']),
    courses: {
      ...base<'delete' | 'conclude' | 'ignore'>('courses', 'conclude', 'ignore', ['short_name', 'long_name', 'account_id', 'term_id']),
      grouping: r.courses?.grouping ?? 'class',
      publish: r.courses?.publish ?? 'active',
    },
    sections: base<'delete' | 'ignore'>('sections', 'ignore', 'ignore', ['name', 'course_id']),
    users: {
      ...base<'delete' | 'suspend' | 'ignore'>('users', 'suspend', 'flag', ['login_id', 'full_name', 'sortable_name', 'email', 'authentication_provider_id', 'status']),
      matchBy: [...(r.users?.matchBy ?? ['email', 'name'])],
    },
    enrollments: {
      ...base<'delete' | 'conclude' | 'inactivate' | 'ignore'>('enrollments', 'conclude', 'ignore', ['status']),
      roles: { ...ENROLLMENT_ROLE_DEFAULTS, ...(r.enrollments?.roles ?? {}) },
    },
  };
}
