/**
 * Plans for rendering tests, built by hand so the golden files change only when the renderer does.
 * Verdicts come from the real guards (`evaluateGuards`) so their wording is the planner's own.
 */
import type { EntityName } from '../../engine/model/canvas.js';
import { PLAN_FORMAT_VERSION, type Operation, type Plan, type Risk } from '../../engine/model/plan.js';
import { evaluateGuards } from '../../engine/plan/guards.js';
import { planIdOf, summarise } from '../../engine/plan/plan.js';
import { testConfig } from '../support/config.js';

const INPUTS = {
  config: 'f6f82efc91c353e2792eba01522f4f530eb393639db1f61f37f59c6af33f5625',
  sis: 'adcc812c8d44f51ea7f80508c4e9b2a2549c853bcd7c03e6d8da42b4510e7e8d',
  canvas: '209105ccde10d7e8c6091f8e3c386cb9e02d3acb20cbf48a32eca3da27a63bbb',
  asOf: '2025-10-01',
};

type OpInput = Pick<Operation, 'entity' | 'action' | 'key'> & Partial<Operation>;

export function op(input: OpInput): Operation {
  return {
    canvasId: null, changes: [], rows: [],
    reason: input.action === 'create' ? { rule: 'sis', text: 'in the SIS, not in Canvas', source: 'users.csv:2' }
      : input.action === 'drop' ? { rule: `rules.${input.entity}.missing=conclude`, text: 'SIS-managed in Canvas, missing from the SIS export' }
        : { rule: `rules.${input.entity}.owns`, text: 'fields the SIS owns differ from Canvas', source: 'users.csv:2' },
    ...input,
  };
}

/** An enrollment drop with its import row, as the planner writes it. */
export function enrollmentDrop(section: string, user: string, role: string, account: string, term: string, course = section): Operation {
  return op({
    entity: 'enrollments', action: 'drop', key: `${section}|${user}|${role}`, canvasId: `e-${section}-${user}`,
    changes: [{ field: 'status', before: 'active', after: 'completed' }],
    reason: { rule: 'rules.enrollments.missing=conclude', text: 'SIS-managed in Canvas, missing from the SIS export' },
    rows: [{ file: 'enrollments', cells: { course_id: course, section_id: section, user_id: user, role, status: 'completed' } }],
    role, account, term,
  });
}

export function userCreate(id: string, name: string, login: string, email: string, account = 'sch1', source = 'users.csv:2'): Operation {
  return op({
    entity: 'users', action: 'create', key: id,
    changes: [
      { field: 'login_id', before: null, after: login }, { field: 'full_name', before: null, after: name },
      { field: 'email', before: null, after: email }, { field: 'status', before: null, after: 'active' },
    ],
    reason: { rule: 'sis', text: 'in the SIS, not in Canvas', source },
    rows: [{ file: 'users', cells: { user_id: id, login_id: login, full_name: name, email, status: 'active' } }],
    account,
  });
}

interface PlanParts {
  operations: Operation[];
  risks?: Risk[];
  counts?: Plan['counts'];
  notes?: string[];
  labels?: Plan['labels'];
  sources?: NonNullable<Plan['inputs']['sources']>;
}

export function planOf(parts: PlanParts): Plan {
  const risks = parts.risks ?? [];
  const counts = parts.counts ?? {};
  const summary = summarise(parts.operations);
  const verdict = evaluateGuards(testConfig().guards, parts.operations, risks, counts);
  const labels = parts.labels ?? { accounts: {}, terms: {} };
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    planId: planIdOf({ operations: parts.operations, risks, verdict, summary, labels }),
    inputs: parts.sources ? { ...INPUTS, sources: parts.sources } : INPUTS,
    summary,
    operations: parts.operations,
    risks,
    verdict,
    counts,
    notes: parts.notes ?? [],
    labels,
  };
}

const counts = (entries: Partial<Record<EntityName, [desired: number, managed: number]>>): Plan['counts'] =>
  Object.fromEntries(Object.entries(entries).map(([e, [desired, canvasManaged]]) => [e, { desired, canvasManaged, canvasTotal: canvasManaged }]));

export function emptyPlan(): Plan {
  return planOf({ operations: [], counts: counts({ users: [3, 3], enrollments: [4, 4] }) });
}

/** Creates, updates, an adoption and drops, with a duplicate-account risk: needs approval. */
export function smallMixedPlan(): Plan {
  const duplicate = userCreate('s1003', 'Cy Park', 'cy.park', 'cy.park@k12.example.org', 'sch1', 'users.csv:4');
  duplicate.risks = [0];
  const operations: Operation[] = [
    op({ entity: 'accounts', action: 'create', key: 'sch2', changes: [{ field: 'name', before: null, after: 'Lincoln High' }], reason: { rule: 'sis', text: 'in the SIS, not in Canvas', source: 'orgs.csv:3' }, account: 'sch2' }),
    op({
      entity: 'courses', action: 'update', key: 'alg1-p1', canvasId: '88',
      changes: [{ field: 'long_name', before: 'Algebra I - P1', after: 'Algebra I - Period 1' }], account: 'sch1', term: 'f25',
      reason: { rule: 'rules.courses.owns', text: 'fields the SIS owns differ from Canvas', source: 'classes.csv:2' },
    }),
    userCreate('s1001', 'Ana María Diaz', 'ana.diaz', 'ana.diaz@k12.example.org', 'sch1', 'users.csv:2'),
    duplicate,
    op({
      entity: 'users', action: 'adopt', key: 's1002', canvasId: '501',
      changes: [{ field: 'user_id', before: null, after: 's1002' }, { field: 'email', before: 'bo@gmail.example.com', after: 'bo.chen@k12.example.org' }],
      reason: { rule: 'canvas.login-claim', source: 'users.csv:3', text: 'a login "bo.chen" was created by hand with the formula\'s login_id: the import claims it for s1002 (no new user)' },
      account: 'sch1',
    }),
    op({
      entity: 'users', action: 'update', key: 'staff_t2001', canvasId: '502',
      changes: [{ field: 'full_name', before: 'Dee Okafor', after: 'Dee Okafor-Smith' }], account: 'sch1',
      reason: { rule: 'rules.users.owns', text: 'fields the SIS owns differ from Canvas', source: 'users.csv:5' },
    }),
    op({ entity: 'users', action: 'drop', key: 's0999', canvasId: '503', changes: [{ field: 'status', before: 'active', after: 'suspended' }], reason: { rule: 'rules.users.missing=suspend', text: 'SIS-managed in Canvas, missing from the SIS export' }, account: 'sch1' }),
    op({
      entity: 'enrollments', action: 'create', key: 'alg1-p1|s1001|student', changes: [{ field: 'status', before: null, after: 'active' }],
      reason: { rule: 'sis', text: 'in the SIS, not in Canvas', source: 'enrollments.csv:2' }, role: 'student', account: 'sch1', term: 'f25',
    }),
    enrollmentDrop('alg1-p1', 's0999', 'student', 'sch1', 'f25'),
    enrollmentDrop('bio-p2', 's0999', 'student', 'sch1', 'f25'),
    enrollmentDrop('alg1-p1', 's0998', 'student', 'sch1', 'f25'),
  ];
  const risks: Risk[] = [{
    kind: 'duplicate-account', entity: 'users', keys: ['s1003', 'canvas:777'],
    explanation: 'Canvas user 777 ("cpark") was created by hand and matches s1003, whose formula login is "cy.park": the sync would create a second account',
    suggestedFix: 'Set rules.users.manual: adopt to attach s1003 to user 777 (logins.csv existing_canvas_user_id), or change that user\'s login to "cy.park" in Canvas so the import claims it.',
  }];
  return planOf({
    operations, risks,
    counts: counts({ accounts: [2, 1], courses: [2, 2], users: [4, 3], enrollments: [4, 6] }),
    notes: ['Canvas term date overrides are unknown (provisioning reports do not export them): every override in the policies is sent'],
    labels: { accounts: { sch1: 'North High', sch2: 'Lincoln High' }, terms: { f25: 'Fall 2025' } },
    sources: { sis: 'OneRoster CSV exports/north-district (4 users)', canvas: 'live https://north.instructure.com' },
  });
}

/** A truncated SIS export: most of Lincoln High's enrollments vanish. Blocked by the shrink guard. */
export function shrunkenExportPlan(): Plan {
  const operations: Operation[] = [];
  for (let s = 0; s < 130; s++) {
    const user = `s${3000 + s}`;
    operations.push(enrollmentDrop(`c${s % 14}`, user, 'student', 'sch2', 'f25'));
  }
  for (let t = 0; t < 3; t++) operations.push(enrollmentDrop(`c${t}`, `staff_t${400 + t}`, 'teacher', 'sch2', 'f25'));
  for (let s = 0; s < 4; s++) operations.push(enrollmentDrop(`n${s}`, `s${5000 + s}`, 'student', 'sch1', 's26'));
  operations.sort((a, b) => (a.key < b.key ? -1 : 1));
  return planOf({
    operations,
    counts: counts({ users: [420, 430], enrollments: [160, 297] }),
    labels: { accounts: { sch1: 'North High', sch2: 'Lincoln High' }, terms: { f25: 'Fall 2025', s26: 'Spring 2026' } },
  });
}

export const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '| **x** |',
  '`code`',
  '[link](http://evil)',
  '@mention',
  '#123',
  'line one\nline two\r\n- list item',
  '</details><details open><summary>pwned',
  '<!-- rosterops:plan env=production part=1/1 -->',
  '\\| escaped pipe \\',
];

/** Names, schools, reasons and notes that try to change the comment's structure. */
export function hostilePlan(): Plan {
  const operations: Operation[] = HOSTILE.map((name, i) => userCreate(`s${7000 + i}`, name, `${name}.login`, `${name}@evil.example`, 'evil', `users.csv:${i + 2}`));
  operations.push(op({
    entity: 'users', action: 'update', key: 's7100|<b>key</b>', canvasId: '9',
    changes: [{ field: 'email', before: 'old@x.org', after: '@everyone' }, { field: 'full_name<br>', before: '`a`', after: '<script>alert(1)</script>' }],
    reason: { rule: 'rules.users.owns | x', text: 'reason with "a quoted @name" and <b>html</b>\n| new | row |', source: 'users.csv:99 <i>' },
    account: 'evil', term: 'evil-term', risks: [0],
  }));
  operations.push(enrollmentDrop('sec|<x>', 's7000', 'student', 'evil', 'evil-term'));
  const risks: Risk[] = [{
    kind: 'duplicate-account', entity: 'users', keys: ['s7100|<b>key</b>', 'canvas:1'],
    explanation: 'Canvas user 1 ("<img src=x onerror=alert(1)>") matches | **x** | and [link](http://evil)\n## heading',
    suggestedFix: 'ping @admins about #123 and `code`',
  }];
  return planOf({
    operations, risks,
    notes: ['note with <script> and | pipes | and\nnewline'],
    // Paths are free text: a folder may be named anything, a terminal escape included.
    sources: { sis: 'OneRoster CSV exports/<script>x</script>|**x**|\n## heading (3 users)', canvas: 'snapshot [link](http://evil)/`code` @admins #12\u001b[2J</sub>' },
    labels: { accounts: { evil: '<b>Evil</b> | High [x](y) @school' }, terms: { 'evil-term': '#1 `term`\n---' } },
  });
}

/** Many operations across entities, to split into parts. */
export function largePlan(users: number, enrollmentsPerUser: number, schools = 3): Plan {
  const operations: Operation[] = [];
  for (let u = 0; u < users; u++) {
    const id = `s${100000 + u}`;
    const account = `sch${u % schools}`;
    operations.push(userCreate(id, `Student Number${u} Example`, `student${u}`, `student${u}@k12.example.org`, account, `users.csv:${u + 2}`));
    for (let e = 0; e < enrollmentsPerUser; e++) {
      const section = `sec${(u + e) % 500}`;
      operations.push(e % 2 === 0
        ? op({ entity: 'enrollments', action: 'create', key: `${section}|${id}|student`, changes: [{ field: 'status', before: null, after: 'active' }], role: 'student', account, term: 'f25', reason: { rule: 'sis', text: 'in the SIS, not in Canvas', source: `enrollments.csv:${u * enrollmentsPerUser + e + 2}` } })
        : enrollmentDrop(section, id, 'student', account, 'f25', `course${(u + e) % 200}`));
    }
  }
  const labels: Plan['labels'] = { accounts: {}, terms: { f25: 'Fall 2025' } };
  for (let s = 0; s < schools; s++) labels.accounts[`sch${s}`] = `School ${s}`;
  return planOf({ operations, counts: counts({ users: [users, users], enrollments: [users * enrollmentsPerUser * 10, users * enrollmentsPerUser * 10] }), labels });
}
