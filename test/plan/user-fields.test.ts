/**
 * The users diff decides which existing users need an update with a field-by-field comparison
 * written out by name (it runs for every user Canvas has); it must agree with the list of changes
 * the update then carries, for every `owns` rule and any values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../engine/model/canvas.js';
import { fieldChanges } from '../../engine/plan/diff/common.js';
import { comparedFields, userFieldsDiffer, withDisplayName } from '../../engine/plan/diff/users.js';
import type { DesiredUser } from '../../engine/plan/desired.js';

const cell = fc.constantFrom(null, '', 'x', 'X', 'saml', 'SAML', '12', 'active', 'suspended');
const OWNABLE = ['login_id', 'first_name', 'last_name', 'full_name', 'sortable_name', 'short_name', 'email', 'authentication_provider_id', 'integration_id', 'status'];
const record = fc.record({
  user_id: fc.constant('s1'), integration_id: cell, login_id: cell, authentication_provider_id: cell, first_name: cell, last_name: cell,
  full_name: cell, sortable_name: cell, short_name: cell, email: cell, status: cell,
});

describe('userFieldsDiffer', () => {
  it('says a user differs exactly when the update would list a change', () => {
    // Providers named by id or type: '12' is the account's SAML provider.
    const canon = (v: string | null) => (v === null ? null : v === '12' ? 'saml' : v.toLowerCase());
    fc.assert(fc.property(fc.subarray(OWNABLE), record, record, (owns, desired, actual) => {
      const compared = comparedFields(owns);
      const d = { ...desired, role: 'student', origin: 'users.csv:2', account: null, term: null } as unknown as DesiredUser;
      const a = actual as unknown as UserRecord;
      // The update compares the display name the user should have (a formula's, else the full name).
      const listed = fieldChanges(withDisplayName(d, a), a, compared)
        .filter((c) => c.field !== 'authentication_provider_id' || canon(c.before) !== canon(c.after))
        .filter((c) => !(c.field === 'email' && c.after === null));
      expect(userFieldsDiffer(compared, canon)(d, a)).toBe(listed.length > 0);
    }), { numRuns: 3000 });
  });
});
