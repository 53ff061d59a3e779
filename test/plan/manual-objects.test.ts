import { describe, expect, it } from 'vitest';
import type { CanvasState } from '../../engine/model/canvas.js';
import type { DesiredState } from '../../engine/plan/desired.js';
import { computePlan } from '../../engine/plan/plan.js';
import { testConfig } from '../support/config.js';

const place = { origin: 'x.csv:2', account: null, term: null };
const inputs = { config: '', sis: '', canvas: '', asOf: '2025-10-01' };

function world(): { desired: DesiredState; actual: CanvasState } {
  return {
    desired: {
      accounts: [], terms: [], termOverrides: [], courses: [], sections: [], notes: [],
      users: [{ user_id: 's1', integration_id: null, login_id: 'ana', authentication_provider_id: null, first_name: 'Ana', last_name: 'Diaz', full_name: 'Ana Diaz', sortable_name: 'Diaz, Ana', short_name: null, email: null, status: 'active', role: 'student', ...place }],
      enrollments: [],
    },
    actual: {
      origin: 't', accounts: [], terms: [], termOverrides: [], courses: [], sections: [], warnings: [], digest: '',
      users: [{ user_id: 's1', integration_id: null, login_id: 'ana', authentication_provider_id: null, first_name: 'Ana', last_name: 'Diaz', full_name: 'Ana Diaz', sortable_name: 'Diaz, Ana', short_name: null, email: null, status: 'active', canvas_user_id: '5', created_by_sis: true }],
      enrollments: [{ course_id: 'club', section_id: 'club', user_id: 's1', role: 'student', status: 'active', canvas_user_id: '5', canvas_section_id: '9', canvas_enrollment_id: '77', created_by_sis: false }],
    },
  };
}

describe('enrollments made by hand', () => {
  it('are left alone by default', () => {
    const { desired, actual } = world();
    const plan = computePlan(desired, actual, testConfig(), inputs);
    expect(plan.operations).toEqual([]);
    expect(plan.risks).toEqual([]);
  });

  it('are listed as one manual-object risk with rules.enrollments.manual: flag, still untouched', () => {
    const { desired, actual } = world();
    const base = testConfig();
    const plan = computePlan(desired, actual, testConfig({ rules: { ...base.rules, enrollments: { ...base.rules.enrollments, manual: 'flag' } } }), inputs);
    expect(plan.operations).toEqual([]);
    expect(plan.risks).toMatchObject([{ kind: 'manual-object', entity: 'enrollments', keys: ['club|s1|student'] }]);
    expect(plan.verdict.status).toBe('ok');
  });
});

describe('a SIS id on two Canvas logins', () => {
  it('is wanted for both: neither login is dropped while the SIS still sends the person', () => {
    const { desired, actual } = world();
    // Canvas lets a person have a second login; the report lists each with the person's SIS id.
    actual.users.unshift({ ...actual.users[0]!, login_id: 'ana.old', canvas_user_id: '5' });
    actual.users.push({ ...actual.users[0]!, user_id: 's2', login_id: 'gone', canvas_user_id: '6' });
    const plan = computePlan(desired, actual, testConfig(), inputs);
    const drops = plan.operations.filter((o) => o.entity === 'users' && o.action === 'drop');
    expect(drops.map((o) => o.key)).toEqual(['s2']);
  });
});
