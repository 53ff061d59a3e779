import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError, type Diagnostic } from '../../engine/errors.js';
import { createPolicyAjv, loadPolicies, policySchema } from '../../engine/policy/load.js';

const HEADER = '# yaml-language-server: $schema=../engine/policy/policy.schema.json\n';
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A temp project: `files` are written under `policies/`; `dirs` are created (relative to the root). */
function project(files: Record<string, string>, dirs: string[] = ['exports/oneroster', 'exports/canvas']): string {
  const root = mkdtempSync(join(tmpdir(), 'rosterops-policy-'));
  roots.push(root);
  mkdirSync(join(root, 'policies'));
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'policies', name), text);
  return root;
}

const BASE = `${HEADER}version: 1
sources:
  sis:
    path: ../exports/oneroster
  canvas:
    snapshot: ../exports/canvas
`;

async function failure(root: string, dir = 'policies'): Promise<Diagnostic[]> {
  try {
    await loadPolicies(dir, { cwd: root });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const diags = (err as ConfigError).diagnostics;
    for (const d of diags) {
      expect(d.severity).toBe('error');
      expect(d.hint, `${d.code} has a hint`).toBeTruthy();
    }
    return diags;
  }
  throw new Error('expected loadPolicies to fail');
}

const FULL = {
  '00-main.yaml': `${HEADER}version: 1
sources:
  sis:
    format: oneroster-1.2
    path: ../exports/oneroster
  canvas:
    url: https://district.instructure.com/
    snapshot: ../exports/canvas
    tokenEnv: CANVAS_PROD_TOKEN
timezone: America/Chicago
asOf: 2025-01-15
scope:
  schools: [org-hs-1]
  roles: [student, teacher, aide]
`,
  '10-identifiers.yml': `${HEADER}identifiers:
  courses:
    course_id: "{{school.identifier}}-{{sourcedId}}"
    integration_id: "{{metadata.guid}}"
  users:
    default:
      login_id: "{{lower username}}"
      full_name: "{{givenName}} {{familyName}}"
    student:
      user_id: "s{{identifier}}"
      email: null
    teacher:
      user_id: staff_t{{identifier}}
authProviders:
  rules:
    - match: { role: [teacher] }
      provider: saml
    - match:
        emailPattern: '@students\\.example\\.org$'
        grade: ["09", "10"]
      provider: 7
  default: google
`,
  '20-rules.yaml': `${HEADER}termOverrides:
  - term: sy2024-s1
    name: Fall 2024
    endDate: 2025-01-24
    enrollmentTypes:
      TeacherEnrollment: { endDate: 2025-02-07 }
enrollmentDates:
  endDateConvention: inclusive
  alignToTermEndWithinDays: 7
rules:
  users:
    manual: adopt
    matchBy: [email]
  courses:
    publish: published
  enrollments:
    missing: inactivate
    roles:
      aide: null
      administrator: designer
guards:
  drops:
    users: { maxCount: 25 }
    enrollments: null
    accounts: { maxCount: 1, onViolation: blocked }
  risks:
    duplicate-account: blocked
  approvals:
    required: 2
    reviewers: [alice, bob-admin]
`,
};

describe('loadPolicies: a full valid policy set', () => {
  it('resolves to the expected Config', async () => {
    const root = project(FULL);
    const { config, warnings } = await loadPolicies('policies', { cwd: root });

    expect(config.dir).toBe(join(root, 'policies'));
    expect(config.files).toEqual([join('policies', '00-main.yaml'), join('policies', '10-identifiers.yml'), join('policies', '20-rules.yaml')]);
    expect(config.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(config.version).toBe(1);

    // Paths relative to the YAML file that names them, made absolute.
    expect(config.sources).toEqual({
      sis: { format: 'oneroster-1.2', kind: 'path', path: join(root, 'exports', 'oneroster'), where: expect.objectContaining({ file: join('policies', '00-main.yaml'), path: '/sources/sis' }) },
      canvas: { snapshot: join(root, 'exports', 'canvas'), url: 'https://district.instructure.com', account: 'self', tokenEnv: 'CANVAS_PROD_TOKEN' },
    });
    expect(config.timezone).toBe('America/Chicago');
    expect(config.asOf).toBe('2025-01-15');
    expect(config.scope).toEqual({ schools: ['org-hs-1'], sessionTypes: ['schoolYear', 'semester', 'term'], terms: null, roles: ['student', 'teacher', 'aide'] });

    // Identifier defaults and overrides.
    const ids = config.identifiers;
    expect(ids.accounts.account_id.source).toBe('{{sourcedId}}');
    expect(ids.terms.name.source).toBe('{{title}}');
    expect(ids.courses.course_id.source).toBe('{{school.identifier}}-{{sourcedId}}');
    expect(ids.courses.course_id.where).toMatchObject({ file: join('policies', '10-identifiers.yml'), line: 4, column: 16, path: '/identifiers/courses/course_id' });
    expect(ids.courses.short_name.source).toBe('{{default classCode title}}');
    expect(ids.courses.integration_id?.render({ metadata: { guid: 'g-1' } })).toBe('g-1');
    expect(ids.sections.integration_id).toBeUndefined();

    // Per-role merge: built-in ← default ← role.
    expect(Object.keys(ids.users).sort()).toEqual(['aide', 'student', 'teacher']);
    const person = { sourcedId: 'u1', identifier: '123', username: 'JDoe', givenName: 'Jane', familyName: 'Doe', email: 'jane@example.org' };
    const render = (role: string) =>
      Object.fromEntries(Object.entries(ids.users[role]!).map(([col, t]) => [col, t.render(person)]));
    expect(render('student')).toEqual({ user_id: 's123', login_id: 'jdoe', first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe' });
    expect(render('teacher')).toEqual({ user_id: 'staff_t123', login_id: 'jdoe', email: 'jane@example.org', first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe' });
    expect(render('aide')).toEqual({ user_id: 'u1', login_id: 'jdoe', email: 'jane@example.org', first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe' });
    expect(ids.users.teacher!.login_id).toBe(ids.users.aide!.login_id);

    // Auth providers.
    expect(config.authProviders.default).toBe('google');
    expect(config.authProviders.rules).toHaveLength(2);
    expect(config.authProviders.rules[0]).toMatchObject({ role: ['teacher'], provider: 'saml' });
    const second = config.authProviders.rules[1]!;
    expect(second.provider).toBe('7');
    expect(second.grade).toEqual(['09', '10']);
    expect(second.emailPattern?.test('kid@students.example.org')).toBe(true);
    expect(second.emailPattern?.test('kid@studentsXexample.org')).toBe(false);
    expect(second.where).toMatchObject({ file: join('policies', '10-identifiers.yml'), line: 19, column: 7, path: '/authProviders/rules/1' });

    expect(config.termOverrides).toEqual([
      {
        term: 'sy2024-s1',
        name: 'Fall 2024',
        endDate: '2025-01-24',
        enrollmentTypes: { TeacherEnrollment: { startDate: null, endDate: '2025-02-07' } },
        where: expect.objectContaining({ file: join('policies', '20-rules.yaml'), line: 3, column: 5, path: '/termOverrides/0' }),
      },
    ]);
    expect(config.enrollmentDates).toEqual({ endDateConvention: 'inclusive', alignToTermEndWithinDays: 7, ended: 'completed' });

    // Rules: written fields replace defaults one by one.
    expect(config.rules.users).toEqual({ missing: 'suspend', manual: 'adopt', owns: ['login_id', 'full_name', 'sortable_name', 'email', 'authentication_provider_id', 'status'], matchBy: ['email'] });
    expect(config.rules.courses).toEqual({ missing: 'conclude', manual: 'ignore', owns: ['short_name', 'long_name', 'account_id', 'term_id'], grouping: 'class', publish: 'published' });
    expect(config.rules.enrollments).toEqual({
      missing: 'inactivate',
      manual: 'ignore',
      owns: ['status'],
      roles: { student: 'student', teacher: 'teacher', 'teacher:secondary': 'teacher', aide: null, administrator: 'designer', proctor: null },
    });

    // Guards.
    expect(config.guards.drops).toEqual({
      accounts: { maxShare: null, maxCount: 1, onViolation: 'blocked' },
      users: { maxShare: 0.05, maxCount: 25, onViolation: 'needs-approval' },
      courses: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
      sections: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
    });
    expect(config.guards.protect).toEqual([expect.objectContaining({ entity: 'users', actions: ['drop'], dropStatus: ['deleted'], onViolation: 'blocked' })]);
    expect(config.guards.risks).toEqual({ 'duplicate-account': 'blocked', 'login-claimed': 'blocked', 'ambiguous-match': 'needs-approval', 'sticky-conflict': 'needs-approval', 'manual-object': 'ok' });
    expect(config.guards.approvals).toEqual({ required: 2, reviewers: ['alice', 'bob-admin'] });
    expect(config.guards.shrink).toEqual({ minRatio: 0.8, minCanvasCount: 20, onViolation: 'blocked' });
    expect(config.showPersonalData).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('applies every default to a minimal policy', async () => {
    const root = project({ 'policy.yaml': BASE });
    const { config, warnings } = await loadPolicies(join(root, 'policies'), { cwd: root });
    expect(warnings).toEqual([]);
    expect(config.files).toEqual([join('policies', 'policy.yaml')]);
    expect(config.sources.canvas).toEqual({ snapshot: join(root, 'exports', 'canvas'), url: null, account: 'self', tokenEnv: 'CANVAS_TOKEN' });
    expect(config.sources.sis.format).toBe('oneroster-1.1');
    expect(config.timezone).toBe('UTC');
    expect(config.asOf).toBeNull();
    expect(config.scope).toEqual({ schools: null, sessionTypes: ['schoolYear', 'semester', 'term'], terms: null, roles: ['student', 'teacher', 'aide'] });
    const sources = (o: Record<string, { source: string } | undefined>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v!.source]));
    expect(sources({ ...config.identifiers.accounts })).toEqual({ account_id: '{{sourcedId}}', name: '{{name}}' });
    expect(sources({ ...config.identifiers.terms })).toEqual({ term_id: '{{sourcedId}}', name: '{{title}}' });
    expect(sources({ ...config.identifiers.courses })).toEqual({ course_id: '{{sourcedId}}', short_name: '{{default classCode title}}', long_name: '{{title}}' });
    expect(sources({ ...config.identifiers.sections })).toEqual({ section_id: '{{sourcedId}}', name: '{{title}}' });
    for (const role of ['student', 'teacher', 'aide']) {
      expect(sources({ ...config.identifiers.users[role] })).toEqual({ user_id: '{{sourcedId}}', login_id: '{{username}}', email: '{{email}}', first_name: '{{givenName}}', last_name: '{{familyName}}' });
      expect(config.identifiers.users[role]!.user_id.where.file).toBe('(default)');
    }
    expect(config.authProviders).toEqual({ rules: [], default: null });
    expect(config.termOverrides).toEqual([]);
    expect(config.enrollmentDates).toEqual({ endDateConvention: 'exclusive', alignToTermEndWithinDays: null, ended: 'completed' });
    expect(config.rules).toEqual({
      accounts: { missing: 'ignore', manual: 'ignore', owns: ['name', 'parent_account_id'] },
      terms: { missing: 'ignore', manual: 'ignore', owns: ['name', 'start_date', 'end_date'] },
      courses: { missing: 'conclude', manual: 'ignore', owns: ['short_name', 'long_name', 'account_id', 'term_id'], grouping: 'class', publish: 'active' },
      sections: { missing: 'ignore', manual: 'ignore', owns: ['name', 'course_id'] },
      users: { missing: 'suspend', manual: 'flag', owns: ['login_id', 'full_name', 'sortable_name', 'email', 'authentication_provider_id', 'status'], matchBy: ['email', 'name'] },
      enrollments: { missing: 'conclude', manual: 'ignore', owns: ['status'], roles: { student: 'student', teacher: 'teacher', 'teacher:secondary': 'teacher', aide: 'ta', administrator: null, proctor: null } },
    });
    expect(config.guards).toEqual({
      drops: {
        enrollments: { maxShare: 0.1, maxCount: 500, onViolation: 'needs-approval' },
        users: { maxShare: 0.05, maxCount: 100, onViolation: 'needs-approval' },
        courses: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
        sections: { maxShare: 0.1, maxCount: 50, onViolation: 'needs-approval' },
      },
      protect: [{ entity: 'users', actions: ['drop'], dropStatus: ['deleted'], onViolation: 'blocked', where: expect.objectContaining({ file: '(default)' }) }],
      shrink: { minRatio: 0.8, minCanvasCount: 20, onViolation: 'blocked' },
      risks: { 'duplicate-account': 'needs-approval', 'login-claimed': 'blocked', 'ambiguous-match': 'needs-approval', 'sticky-conflict': 'needs-approval', 'manual-object': 'ok' },
      approvals: { required: 1, reviewers: [] },
    });
    expect(config.showPersonalData).toBe(false);
  });

  it('digests file names and bytes in name order', async () => {
    const a = project({ 'a.yaml': BASE, 'b.yaml': 'timezone: UTC\n' });
    const b = project({ 'a.yaml': BASE, 'b.yaml': 'timezone: UTC\n' });
    const c = project({ 'a.yaml': BASE, 'b.yaml': 'timezone: UTC \n' });
    const d = project({ 'a.yaml': BASE, 'c.yaml': 'timezone: UTC\n' });
    const [da, db, dc, dd] = await Promise.all([a, b, c, d].map(async (r) => (await loadPolicies('policies', { cwd: r })).config.digest));
    expect(da).toBe(db);
    expect(dc).not.toBe(da);
    expect(dd).not.toBe(da);
  });

  it('ignores subdirectories, dotfiles and other extensions', async () => {
    const root = project({ 'policy.yaml': BASE, 'notes.txt': 'rules: nope', '.draft.yaml': 'bogus: 1' });
    mkdirSync(join(root, 'policies', 'old'));
    writeFileSync(join(root, 'policies', 'old', 'x.yaml'), 'bogus: 1\n');
    const { config } = await loadPolicies('policies', { cwd: root });
    expect(config.files).toEqual([join('policies', 'policy.yaml')]);
  });

  it('uses course-term formulas and context when grouping is course-term', async () => {
    const ok = project({ 'a.yaml': BASE, 'b.yaml': 'rules:\n  courses:\n    grouping: course-term\n' });
    const { config } = await loadPolicies('policies', { cwd: ok });
    expect(config.identifiers.courses.short_name.source).toBe('{{default courseCode title}}');
    const bad = project({ 'a.yaml': BASE, 'b.yaml': 'rules:\n  courses:\n    grouping: course-term\nidentifiers:\n  courses:\n    long_name: "{{classCode}}"\n' });
    const diags = await failure(bad);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'template.unknown-field', file: join('policies', 'b.yaml'), line: 6, column: 16, field: '/identifiers/courses/long_name' });
  });

  it('warns about setup that is valid but probably wrong', async () => {
    const root = project(
      {
        'a.yaml': `${BASE}showPersonalData: true
identifiers:
  users:
    guardian: { user_id: "g{{sourcedId}}" }
guards:
  drops:
    terms: {}
termOverrides:
  - term: t1
`,
      },
      [],
    );
    const { config, warnings } = await loadPolicies('policies', { cwd: root });
    expect(warnings.map((w) => w.code).sort()).toEqual(['policy.empty-override', 'policy.guard-without-limit', 'policy.path-not-found', 'policy.path-not-found', 'policy.personal-data', 'policy.role-out-of-scope']);
    expect(config.identifiers.users.guardian!.user_id.source).toBe('g{{sourcedId}}');
    for (const w of warnings) expect(w).toMatchObject({ severity: 'warning', file: join('policies', 'a.yaml') });
  });
});

describe('loadPolicies: problems', () => {
  it('reports a missing directory and a directory without YAML files', async () => {
    const root = project({});
    const missing = await failure(root, 'nope');
    expect(missing).toEqual([expect.objectContaining({ code: 'policy.no-dir', file: 'nope' })]);
    writeFileSync(join(root, 'policies', 'readme.md'), '# hi');
    const empty = await failure(root);
    expect(empty).toEqual([expect.objectContaining({ code: 'policy.no-files', file: 'policies' })]);
  });

  it('locates YAML syntax errors', async () => {
    const root = project({ 'a.yaml': BASE, 'b.yaml': 'rules:\n  users:\n    missing: "suspend\n' });
    const diags = await failure(root);
    expect(diags[0]).toMatchObject({ code: 'policy.yaml-syntax', file: join('policies', 'b.yaml') });
    expect(diags[0]!.line).toBeGreaterThanOrEqual(3);
    expect(diags.map((d) => d.code)).not.toContain('policy.missing-version');
  });

  it('rejects duplicate keys inside a file', async () => {
    const root = project({ 'a.yaml': `${BASE}timezone: UTC\ntimezone: Europe/Berlin\n` });
    const diags = await failure(root);
    expect(diags).toEqual([expect.objectContaining({ code: 'policy.duplicate-key', file: join('policies', 'a.yaml'), line: 9, column: 1 })]);
  });

  it('reports an unknown key at the key, with its path and the closest allowed key', async () => {
    const root = project({ 'a.yaml': BASE, 'b.yaml': `${HEADER}rules:\n  users:\n    missing: suspend\n    matchby: [email]\n` });
    const diags = await failure(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'policy.unknown-key', file: join('policies', 'b.yaml'), line: 5, column: 5, field: '/rules/users/matchby' });
    expect(diags[0]!.message).toBe('unknown key `matchby` in `rules.users`');
    expect(diags[0]!.hint).toMatch(/^did you mean `matchBy`\? allowed keys: missing, manual, owns, matchBy$/);
  });

  it('reports an unknown top-level key', async () => {
    const root = project({ 'a.yaml': `${BASE}identifier:\n  users: {}\n` });
    const [d] = await failure(root);
    expect(d).toMatchObject({ code: 'policy.unknown-key', line: 8, column: 1, field: '/identifier' });
    expect(d!.hint).toContain('did you mean `identifiers`?');
  });

  it('lists the allowed values of a wrong enum', async () => {
    const root = project({ 'a.yaml': `${BASE}rules:\n  courses:\n    missing: delte\n` });
    const [d] = await failure(root);
    expect(d).toMatchObject({ code: 'policy.invalid-value', line: 10, column: 14, field: '/rules/courses/missing' });
    expect(d!.hint).toBe('did you mean "delete"? allowed: "delete", "conclude", "ignore"');
  });

  it('explains that adopt is for users only', async () => {
    const root = project({ 'a.yaml': `${BASE}rules:\n  courses:\n    manual: adopt\n  users:\n    manual: adopt\n` });
    const [d, ...rest] = await failure(root);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'policy.invalid-value', line: 10, field: '/rules/courses/manual' });
    expect(d!.hint).toMatch(/adopt only applies to users/);
  });

  it('rejects a template naming an unknown field, at the template', async () => {
    const root = project({ 'a.yaml': BASE, 'ids.yaml': `identifiers:\n  users:\n    student:\n      user_id: "s{{studentNumber}}"\n` });
    const diags = await failure(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'template.unknown-field', file: join('policies', 'ids.yaml'), line: 4, column: 16, field: '/identifiers/users/student/user_id' });
    expect(diags[0]!.message).toMatch(/`studentNumber`.*formula line 1, column 4/);
    expect(diags[0]!.hint).toContain('identifier');
  });

  it('reports a bad template in the default block once, not per role', async () => {
    const root = project({ 'a.yaml': BASE, 'ids.yaml': `identifiers:\n  users:\n    default:\n      login_id: "{{shout username}}"\n` });
    const diags = await failure(root);
    expect(diags).toEqual([expect.objectContaining({ code: 'template.unknown-helper', line: 4, field: '/identifiers/users/default/login_id' })]);
  });

  it('rejects a token written in YAML, anywhere, without echoing it', async () => {
    const root = project({
      'a.yaml': `${HEADER}version: 1
sources:
  sis: { path: ../exports/oneroster }
  canvas:
    url: https://x.instructure.com
    token: 7~abcdefghijklmnopqrstuvwxyz0123456789
`,
      'b.yaml': 'guards:\n  approvals:\n    github_token: abc\n',
    });
    const diags = await failure(root);
    expect(diags.map((d) => [d.code, d.file, d.line, d.column, d.field])).toEqual([
      ['policy.token-in-yaml', join('policies', 'a.yaml'), 7, 5, '/sources/canvas/token'],
      ['policy.token-in-yaml', join('policies', 'b.yaml'), 3, 5, '/guards/approvals/github_token'],
    ]);
    expect(diags[0]!.hint).toContain('put the token in an environment variable and name it with tokenEnv');
    expect(JSON.stringify(diags)).not.toContain('abcdefghij');
  });

  it('rejects the same top-level key in two files, naming both', async () => {
    const root = project({ 'a.yaml': `${BASE}rules:\n  users: { missing: ignore }\n`, 'b.yaml': `version: 1\n\nrules:\n  courses: { missing: ignore }\n` });
    const diags = await failure(root);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'policy.duplicate-top-level-key', file: join('policies', 'b.yaml'), line: 3, column: 1, field: '/rules' });
    expect(diags[0]!.message).toContain(`${join('policies', 'a.yaml')}:8:1`);
    expect(diags[0]!.message).toContain(`${join('policies', 'b.yaml')}:3:1`);
  });

  it('allows `version` in every file (the only repeatable top-level key)', async () => {
    const root = project({ 'a.yaml': BASE, 'b.yaml': `${HEADER}version: 1\ntimezone: Europe/Berlin\n` });
    const { config } = await loadPolicies('policies', { cwd: root });
    expect(config.timezone).toBe('Europe/Berlin');
  });

  it('checks course formulas against the written grouping even when rules has other errors', async () => {
    const root = project({ 'a.yaml': `${BASE}rules:\n  courses: { grouping: course-term, missing: nope }\nidentifiers:\n  courses: { short_name: "{{classCode}}" }\n` });
    expect((await failure(root)).map((d) => d.code)).toEqual(['policy.invalid-value', 'template.unknown-field']);
  });

  it('requires version and sources somewhere, and a Canvas source', async () => {
    const none = project({ 'a.yaml': 'timezone: UTC\n' });
    expect((await failure(none)).map((d) => [d.code, d.file, d.line, d.column, d.field])).toEqual([
      ['policy.missing-version', join('policies', 'a.yaml'), 1, 1, '/version'],
      ['policy.missing-sources', join('policies', 'a.yaml'), 1, 1, '/sources'],
    ]);
    const noCanvas = project({ 'a.yaml': 'version: 1\nsources:\n  sis: { path: ../exports/oneroster }\n  canvas: { account: "1" }\n' });
    expect(await failure(noCanvas)).toEqual([expect.objectContaining({ code: 'policy.no-canvas-source', line: 4, column: 3, field: '/sources/canvas' })]);
    const v2 = project({ 'a.yaml': BASE.replace('version: 1', 'version: 2') });
    expect(await failure(v2)).toEqual([expect.objectContaining({ code: 'policy.unsupported-version', line: 2, column: 10 })]);
  });

  it('collects every problem across files and stages in one error', async () => {
    const root = project({
      'a.yaml': BASE.replace('snapshot: ../exports/canvas', 'url: ftp://x.org') + 'timezone: Mars/Olympus\nasOf: 2025-02-30\n',
      'b.yaml': `termOverrides:
  - term: t1
    startDate: 2025-02-01
    endDate: 2025-01-01
  - term: t1
    enrollmentTypes:
      StudentEnrollment: { startDate: 2025-03-01, endDate: 2025-02-01 }
authProviders:
  rules:
    - match: {}
      provider: saml
    - match: { idPattern: "^(s" }
      provider: google
guards:
  protect:
    - entity: users
      actions: [update]
      roles: [teacher]
      dropStatus: [deleted]
  approvals:
    required: 3
    reviewers: [alice]
scope:
  roles: student
  sessionTypes: [term, term]
rules:
  terms:
    owns: [name, status]
`,
    });
    let error: ConfigError | undefined;
    try {
      await loadPolicies('policies', { cwd: root });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const got = error!.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.field}`);
    const a = join('policies', 'a.yaml');
    const b = join('policies', 'b.yaml');
    expect(got).toEqual([
      `${a}:7:10 policy.invalid-value /sources/canvas/url`,
      `${a}:9:7 policy.invalid-date /asOf`,
      `${b}:25:24 policy.duplicate-item /scope/sessionTypes/1`,
      `${b}:24:10 policy.wrong-type /scope/roles`,
      `${b}:10:7 policy.empty-match /authProviders/rules/0/match`,
      `${b}:28:18 policy.invalid-value /rules/terms/owns/1`,
      `${a}:8:11 policy.invalid-timezone /timezone`,
      `${b}:4:14 policy.date-order /termOverrides/0/endDate`,
      `${b}:5:11 policy.duplicate-term-override /termOverrides/1/term`,
      `${b}:7:60 policy.date-order /termOverrides/1/enrollmentTypes/StudentEnrollment/endDate`,
      `${b}:18:7 policy.protect-roles /guards/protect/0/roles`,
      `${b}:19:7 policy.protect-drop-status /guards/protect/0/dropStatus`,
      `${b}:21:15 policy.approvals-unreachable /guards/approvals/required`,
    ]);
    expect(error!.message).toContain('(and 12 more problems)');
  });

  it('reports an invalid regular expression where it is written', async () => {
    const root = project({ 'a.yaml': `${BASE}authProviders:\n  rules:\n    - match: { idPattern: "^(s" }\n      provider: google\n` });
    expect(await failure(root)).toEqual([expect.objectContaining({ code: 'policy.invalid-regex', line: 10, column: 27, field: '/authProviders/rules/0/match/idPattern' })]);
  });

  it('asks to quote numbers where text is expected', async () => {
    const root = project({ 'a.yaml': `${BASE}termOverrides:\n  - term: 2024\n` });
    const [d] = await failure(root);
    expect(d).toMatchObject({ code: 'policy.wrong-type', line: 9, column: 11, field: '/termOverrides/0/term' });
    expect(d!.hint).toBe('quote the value: term: "2024"');
  });

  it('points a missing required key at its parent key', async () => {
    const root = project({ 'a.yaml': 'version: 1\nsources:\n  sis:\n    rest:\n      url: https://sis.example.org/ims/oneroster/v1p1\n  canvas: { url: "https://x.org" }\n' });
    const [d] = await failure(root);
    expect(d).toMatchObject({ code: 'policy.missing-key', line: 4, column: 5, field: '/sources/sis/rest' });
    expect(d!.message).toBe('`sources.sis.rest` is missing the required key `auth`');
  });
});

describe('policy.schema.json', () => {
  const schema = policySchema();

  it('is a draft 2020-12 schema that compiles in strict ajv', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = createPolicyAjv();
    expect(() => ajv.compile(schema)).not.toThrow();
    (schema as { title: string }).title = 'mutated';
    expect(policySchema().title).toBe('rosterops policy file');
  });

  /** Every schema that describes a key: [JSON pointer, subschema]. */
  function keySchemas(): [string, Record<string, unknown>][] {
    const out: [string, Record<string, unknown>][] = [['', schema]];
    const visit = (node: unknown, ptr: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [k, v] of Object.entries(n.properties as Record<string, unknown>)) out.push([`${ptr}/properties/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, v as Record<string, unknown>]);
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'examples' && k !== 'default' && k !== 'enum' && k !== 'const') visit(v, `${ptr}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    };
    visit(schema, '');
    return out;
  }

  it('documents every key with a description and examples', () => {
    const undocumented = keySchemas().filter(([, s]) => typeof s.description !== 'string' || !Array.isArray(s.examples) || s.examples.length === 0).map(([p]) => p);
    expect(undocumented).toEqual([]);
  });

  it('every example and default validates against its own subschema', () => {
    const ajv = createPolicyAjv();
    ajv.addSchema(schema);
    const id = String(schema.$id);
    const defs = Object.keys(schema.$defs as object).map((k): [string, Record<string, unknown>] => [`/$defs/${k}`, (schema.$defs as Record<string, Record<string, unknown>>)[k]!]);
    let checked = 0;
    for (const [ptr, sub] of [...keySchemas(), ...defs]) {
      const validate = ajv.compile({ $ref: `${id}#${ptr}` });
      const samples = [...((sub.examples as unknown[]) ?? []), ...('default' in sub ? [sub.default] : [])];
      for (const sample of samples) {
        checked++;
        expect(validate(sample), `${ptr}: ${JSON.stringify(sample)} → ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('states the same defaults the loader applies', async () => {
    const root = project({ 'policy.yaml': BASE });
    const { config } = await loadPolicies('policies', { cwd: root });
    type S = { properties: Record<string, S>; default?: unknown; $ref?: string };
    const s = schema as unknown as S & { $defs: Record<string, S> };
    const defaults = (node: S) => Object.fromEntries(Object.entries(node.properties).filter(([, v]) => 'default' in v).map(([k, v]) => [k, v.default]));
    const P = s.properties;

    for (const e of ['accounts', 'terms', 'courses', 'sections', 'users', 'enrollments'] as const) {
      expect(defaults(s.$defs[`${e}Rule`]!), e).toEqual(config.rules[e]);
    }
    expect(defaults(P.enrollmentDates!)).toEqual(config.enrollmentDates);
    expect(defaults(P.scope!)).toEqual(config.scope);
    expect(defaults(P.guards!.properties.shrink!)).toEqual(config.guards.shrink);
    expect(defaults(P.guards!.properties.risks!)).toEqual(config.guards.risks);
    expect(defaults(P.guards!.properties.approvals!)).toEqual(config.guards.approvals);
    expect(defaults(P.guards!.properties.drops!)).toEqual(config.guards.drops);
    expect(P.guards!.properties.protect!.default).toEqual(config.guards.protect.map(({ where: _w, ...p }) => p));
    expect(defaults(P.sources!.properties.canvas!)).toEqual({ account: config.sources.canvas.account, tokenEnv: config.sources.canvas.tokenEnv });
    expect(defaults(P.sources!.properties.sis!)).toEqual({ format: config.sources.sis.format });
    expect([P.timezone!.default, P.asOf!.default, P.showPersonalData!.default]).toEqual([config.timezone, config.asOf, config.showPersonalData]);
    expect(defaults(P.authProviders!)).toEqual({ rules: config.authProviders.rules, default: config.authProviders.default });

    const sources = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (v as { source: string }).source]));
    const ids = P.identifiers!.properties;
    for (const e of ['accounts', 'terms', 'courses', 'sections'] as const) expect(defaults(ids[e]!), e).toEqual(sources(config.identifiers[e]));
    expect(defaults(s.$defs.userColumnsDefault!)).toEqual(sources(config.identifiers.users.student!));
  });

  it('rejects unknown keys with the expected instancePath', () => {
    const validate = createPolicyAjv().compile(schema);
    expect(validate({ guards: { drops: { users: { maxShares: 1 } } } })).toBe(false);
    expect(validate.errors).toEqual([expect.objectContaining({ keyword: 'additionalProperties', instancePath: '/guards/drops/users', params: { additionalProperty: 'maxShares' } })]);
  });

  it('validates every shipped policy and example file', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const repo = join(here, '..', '..');
    const validate = createPolicyAjv().compile(schema);
    const files: string[] = [];
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (/\.ya?ml$/.test(e.name) && (dir.includes(`${join(repo, 'examples')}`) ? /(^|[\\/])policies$/.test(dir) : true)) files.push(join(dir, e.name));
      }
    };
    walk(join(repo, 'policies'));
    walk(join(repo, 'examples'));
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema='), `${f} names the schema`).toBe(true);
      expect(validate(parse(text) ?? {}), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
