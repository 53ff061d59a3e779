/**
 * The formula fast path (plain closures for templates made of text, fields and helpers) must
 * render exactly what the Handlebars runtime renders, for every context, including the odd ones
 * (numbers added by `+`, functions called as lambdas, inherited properties, missing parents).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileTemplate } from '../../engine/policy/templates.js';
import type { PolicySource } from '../../engine/policy/types.js';

const where: PolicySource = { file: 'policies/identifiers.yaml', line: 3, column: 5, path: '/identifiers/users/default/user_id' };

const FIELDS = ['sourcedId', 'username', 'givenName', 'familyName', 'preferredGivenName', 'email', 'identifier', 'grade'];
const NESTED = ['school.name', 'school.identifier', 'userIds.LDAP', 'metadata.code'];

const value = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', ' ', 'Ana', 'O\'Brien & Co', 'ÉLODIE', '  x  ', 'a@B.org', '0042'),
  fc.integer({ min: -5, max: 50 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(['a', 'b']),
);

const context = fc.record({
  sourcedId: value, username: value, givenName: value, familyName: value, preferredGivenName: value, email: value, identifier: value, grade: value,
  school: fc.oneof(fc.record({ name: value, identifier: value }), fc.constant(null), fc.constant(undefined), fc.constant({})),
  userIds: fc.oneof(fc.record({ LDAP: value }), fc.constant({})),
  metadata: fc.oneof(fc.record({ code: value }), fc.constant({})),
}, { requiredKeys: [] });

const path = fc.constantFrom(...FIELDS, ...NESTED);
const literal = fc.constantFrom('"x"', '"@new.org"', '"-"', '6', '3', '"0"', 'true', 'null');
const helperCall: fc.Arbitrary<string> = fc.oneof(
  path.map((p) => `lower ${p}`),
  path.map((p) => `upper ${p}`),
  path.map((p) => `trim ${p}`),
  fc.tuple(path, fc.constantFrom('6', '2'), fc.constantFrom('', ' "0"', ' "x"')).map(([p, w, f]) => `pad ${p} ${w}${f}`),
  fc.tuple(path, fc.constantFrom('0 3', '1', '-2')).map(([p, r]) => `slice ${p} ${r}`),
  path.map((p) => `replace ${p} "a" "b"`),
  fc.array(fc.oneof(path, literal), { minLength: 1, maxLength: 3 }).map((xs) => `default ${xs.join(' ')}`),
  path.map((p) => `lower (default ${p} "Z")`),
);
const mustache = fc.oneof(path.map((p) => `{{${p}}}`), path.map((p) => `{{{${p}}}}`), helperCall.map((h) => `{{${h}}}`), path.map((p) => `{{~${p}~}}`));
const text = fc.constantFrom('', 's', 'staff_t', '-', ' ', '@k12.example.org', '{{! note }}', ' \n ');
const template = fc.array(fc.oneof(mustache, text), { minLength: 0, maxLength: 5 }).map((xs) => xs.join(''));

describe('formula fast path', () => {
  it('renders what Handlebars renders (property)', () => {
    fc.assert(
      fc.property(template, fc.array(context, { minLength: 1, maxLength: 4 }), (source, contexts) => {
        const fast = compileTemplate(source, 'users', where);
        const slow = compileTemplate(source, 'users', where, { fastPath: false });
        for (const ctx of contexts) expect(fast.render(ctx)).toBe(slow.render(ctx));
      }),
      { numRuns: 400 },
    );
  });

  it('adds numbers like the generated code does, calls lambdas, ignores inherited properties', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['{{identifier}}{{grade}}', { identifier: 1, grade: 2 }],
      ['{{identifier}}', { identifier: 7 }],
      ['{{username}}', { username: function (this: { email: string }) { return `fn:${this.email}`; }, email: 'e' }],
      ['{{lower username}}', { username: () => 'X' }],
      ['{{school.name}}', Object.create({ school: { name: 'inherited' } }) as Record<string, unknown>],
      ['{{school.name}}', { school: 'Lincoln' }],
      ['{{school.identifier}}', { school: { identifier: 0 } }],
      ['', {}],
      ['{{! only a comment }}', {}],
    ];
    for (const [source, ctx] of cases) {
      expect(compileTemplate(source, 'users', where).render(ctx)).toBe(compileTemplate(source, 'users', where, { fastPath: false }).render(ctx));
    }
  });

  it('keeps the Handlebars runtime for blocks', () => {
    const source = '{{#if preferredGivenName}}{{preferredGivenName}}{{else}}{{givenName}}{{/if}}';
    expect(compileTemplate(source, 'users', where).render({ givenName: 'Robert' })).toBe('Robert');
  });
});
