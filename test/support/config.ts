/**
 * A resolved Config for planner tests, built without YAML so the planner's tests do not depend on
 * the loader. Formulas here support `{{field}}` and `{{a.b}}` only; the loader's Handlebars engine
 * has its own tests.
 */
import type { Config, Template, UserFormulas } from '../../engine/policy/types.js';

export function tpl(source: string): Template {
  const fields = [...source.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!.split('.')[0]!);
  return {
    source,
    fields,
    where: { file: 'test.yaml', line: 1, column: 1, path: '/' },
    render(ctx) {
      return source.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
        let v: unknown = ctx;
        for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
        return v === undefined || v === null ? '' : String(v);
      });
    },
  };
}

function users(userId: string): UserFormulas {
  return {
    user_id: tpl(userId), login_id: tpl('{{username}}'), email: tpl('{{email}}'),
    first_name: tpl('{{givenName}}'), last_name: tpl('{{familyName}}'),
  };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base: Config = {
    dir: '/policies', files: [], digest: 'test', version: 1,
    sources: {
      sis: { format: 'oneroster-1.1', path: '/sis' },
      canvas: { snapshot: '/canvas', url: null, account: 'self', tokenEnv: 'CANVAS_TOKEN' },
    },
    timezone: 'America/Chicago',
    asOf: '2025-10-01',
    scope: { schools: null, sessionTypes: ['schoolYear', 'semester', 'term'], terms: null, roles: ['student', 'teacher', 'aide'] },
    identifiers: {
      accounts: { account_id: tpl('{{sourcedId}}'), name: tpl('{{name}}') },
      terms: { term_id: tpl('{{sourcedId}}'), name: tpl('{{title}}') },
      courses: { course_id: tpl('{{sourcedId}}'), short_name: tpl('{{classCode}}'), long_name: tpl('{{title}}') },
      sections: { section_id: tpl('{{sourcedId}}'), name: tpl('{{title}}') },
      users: { student: users('s{{sourcedId}}'), teacher: users('staff_t{{sourcedId}}'), aide: users('staff_a{{sourcedId}}') },
    },
    authProviders: { rules: [], default: null },
    termOverrides: [],
    enrollmentDates: { endDateConvention: 'exclusive', alignToTermEndWithinDays: null, ended: 'completed' },
    rules: {
      accounts: { missing: 'ignore', manual: 'ignore', owns: ['name', 'parent_account_id'] },
      terms: { missing: 'ignore', manual: 'ignore', owns: ['name', 'start_date', 'end_date'] },
      courses: { missing: 'conclude', manual: 'ignore', owns: ['short_name', 'long_name', 'account_id', 'term_id'], grouping: 'class', publish: 'active' },
      sections: { missing: 'ignore', manual: 'ignore', owns: ['name', 'course_id'] },
      users: { missing: 'suspend', manual: 'adopt', owns: ['login_id', 'full_name', 'sortable_name', 'email', 'authentication_provider_id', 'status'], matchBy: ['email', 'name'] },
      enrollments: {
        missing: 'conclude', manual: 'ignore', owns: ['status'],
        roles: { student: 'student', teacher: 'teacher', 'teacher:secondary': 'teacher', aide: 'ta', administrator: null, proctor: null },
      },
    },
    guards: {
      drops: {
        enrollments: { maxShare: 0.1, maxCount: 500, onViolation: 'needs-approval' },
        users: { maxShare: 0.05, maxCount: 100, onViolation: 'needs-approval' },
      },
      protect: [{ entity: 'users', actions: ['drop'], dropStatus: ['deleted'], onViolation: 'blocked', where: { file: 'test.yaml', line: 1, column: 1, path: '/' } }],
      shrink: { minRatio: 0.8, minCanvasCount: 20, onViolation: 'blocked' },
      risks: { 'duplicate-account': 'needs-approval', 'login-claimed': 'blocked', 'ambiguous-match': 'needs-approval', 'sticky-conflict': 'needs-approval', 'manual-object': 'ok' },
      approvals: { required: 1, reviewers: [] },
    },
    showPersonalData: false,
    apply: { stickiness: 'respect', updateSisIdIfLoginClaimed: false, pollIntervalSeconds: 0.05, timeoutMinutes: 1 },
  };
  return { ...base, ...overrides };
}
