import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '../../engine/errors.js';
import { CONTEXTS } from '../../engine/policy/contexts.js';
import { checkTemplate, closestMatch, compileTemplate, helpers } from '../../engine/policy/templates.js';
import type { PolicySource } from '../../engine/policy/types.js';

const where: PolicySource = { file: 'policies/ids.yaml', line: 7, column: 16, path: '/identifiers/users/student/user_id' };

function rejects(source: string, context: Parameters<typeof compileTemplate>[1] = 'users') {
  try {
    compileTemplate(source, context, where);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).diagnostics;
  }
  throw new Error(`expected ${source} to be rejected`);
}

describe('compileTemplate: what renders', () => {
  it('renders fields, nested fields and literals', () => {
    const t = compileTemplate('s{{identifier}}-{{school.identifier}}-{{userIds.LDAP}}', 'users', where);
    expect(t.render({ identifier: '42', school: { identifier: 'HS1' }, userIds: { LDAP: 'jdoe' } })).toBe('s42-HS1-jdoe');
    expect(t.fields).toEqual(['identifier', 'school', 'userIds']);
    expect(t.where).toBe(where);
    expect(t.source).toBe('s{{identifier}}-{{school.identifier}}-{{userIds.LDAP}}');
  });

  it('does not HTML-escape and renders missing fields as empty', () => {
    const t = compileTemplate('{{givenName}} <{{email}}>{{middleName}}', 'users', where);
    expect(t.render({ givenName: "O'Brien & Co", email: 'a@b.org' })).toBe("O'Brien & Co <a@b.org>");
  });

  it('supports #if / else / #unless / else if and subexpressions', () => {
    const t = compileTemplate('{{#if preferredGivenName}}{{preferredGivenName}}{{else if givenName}}{{givenName}}{{else}}?{{/if}}{{#unless email}}!{{/unless}}', 'users', where);
    expect(t.render({ preferredGivenName: 'Bo', givenName: 'Robert', email: '' })).toBe('Bo!');
    expect(t.render({ preferredGivenName: '', givenName: 'Robert', email: 'x' })).toBe('Robert');
    expect(t.render({})).toBe('?!');
    const s = compileTemplate('{{lower (replace email "@OLD.org" "@new.org")}}', 'users', where);
    expect(s.render({ email: 'Jane@OLD.org' })).toBe('jane@new.org');
  });

  it('allows open maps (metadata.*, userIds.*) and per-entity fields', () => {
    expect(compileTemplate('{{metadata.district_code}}', 'courses', where).render({ metadata: { district_code: 'D1' } })).toBe('D1');
    expect(compileTemplate('{{term.title}} {{course.courseCode}}', 'sections', where).render({ term: { title: 'Fall' }, course: { courseCode: 'ALG' } })).toBe('Fall ALG');
    expect(compileTemplate('{{courseCode}}', 'coursesByCourseTerm', where).render({ courseCode: 'ALG1' })).toBe('ALG1');
  });
});

describe('helpers', () => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => compileTemplate(src, 'users', where).render(ctx);

  it('pad left-pads (fill defaults to "0") and never truncates', () => {
    expect(r('{{pad identifier 6 "0"}}', { identifier: '42' })).toBe('000042');
    expect(r('{{pad identifier 6}}', { identifier: '42' })).toBe('000042');
    expect(r('{{pad identifier 4 "x"}}', { identifier: '42' })).toBe('xx42');
    expect(r('{{pad identifier 2 "0"}}', { identifier: '12345' })).toBe('12345');
    expect(r('{{pad identifier 3 "0"}}', {})).toBe('000');
  });

  it('slice takes a range of characters, negative from the end', () => {
    expect(r('{{slice identifier 0 3}}', { identifier: '123456' })).toBe('123');
    expect(r('{{slice identifier 2}}', { identifier: '123456' })).toBe('3456');
    expect(r('{{slice identifier -2}}', { identifier: '123456' })).toBe('56');
    expect(r('{{slice givenName 0 1}}', { givenName: 'Émile' })).toBe('É');
  });

  it('replace replaces every literal occurrence (no regex)', () => {
    expect(r('{{replace email "@old.org" "@new.org"}}', { email: 'a@old.org' })).toBe('a@new.org');
    expect(r('{{replace username "." "_"}}', { username: 'a.b.c' })).toBe('a_b_c');
    expect(r('{{replace username ".*" "x"}}', { username: 'abc' })).toBe('abc');
    expect(r('{{replace username "" "x"}}', { username: 'abc' })).toBe('abc');
  });

  it('default gives the first non-empty value', () => {
    expect(r('{{default preferredGivenName givenName "x"}}', { preferredGivenName: '', givenName: 'Ann' })).toBe('Ann');
    expect(r('{{default preferredGivenName givenName "x"}}', { preferredGivenName: '  ' })).toBe('x');
    expect(r('{{default preferredGivenName givenName}}', { preferredGivenName: 'Bo', givenName: 'Ann' })).toBe('Bo');
  });

  it('lower, upper, trim', () => {
    expect(r('{{lower username}}', { username: 'JDoe' })).toBe('jdoe');
    expect(r('{{upper username}}', { username: 'JDoe' })).toBe('JDOE');
    expect(r('[{{trim username}}]', { username: '  jd  ' })).toBe('[jd]');
  });

  it('match their reference behaviour on any string', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 40 }), fc.string({ minLength: 1, maxLength: 3 }), (s, w, fill) => {
        expect(helpers.pad(s, w, fill)).toBe(s.padStart(w, fill));
        expect(helpers.lower(s)).toBe(s.toLowerCase());
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.string(), (s, from, to) => {
        expect(helpers.replace(s, from, to)).toBe(s.replaceAll(from, () => to));
      }),
    );
  });
});

describe('compileTemplate: what is rejected', () => {
  it('rejects an unknown field with its location, the formula position and the allowed fields', () => {
    const [d, ...rest] = rejects('s{{studentNumber}}');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'template.unknown-field', file: 'policies/ids.yaml', line: 7, column: 16, field: '/identifiers/users/student/user_id' });
    expect(d!.message).toContain('studentNumber');
    expect(d!.message).toContain('formula line 1, column 4');
    expect(d!.hint).toContain('sourcedId');
    expect(d!.hint).toContain('identifier');
  });

  it('suggests the closest field', () => {
    const [d] = rejects('{{givenname}}');
    expect(d!.hint).toMatch(/did you mean `givenName`/);
    const [n] = rejects('{{school.identifer}}');
    expect(n!.hint).toMatch(/did you mean `school.identifier`/);
  });

  it.each([
    ['{{constructor.name}}', 'template.forbidden'],
    ['{{constructor}}', 'template.forbidden'],
    ['{{__proto__}}', 'template.forbidden'],
    ['{{metadata.__proto__}}', 'template.forbidden'],
    ['{{metadata.constructor}}', 'template.forbidden'],
    ['{{metadata.toString}}', 'template.forbidden'],
    ['{{[__proto__].polluted}}', 'template.forbidden'],
    ['{{lookup this "constructor"}}', 'template.unknown-helper'],
    ['{{#each orgSourcedIds}}{{this}}{{/each}}', 'template.forbidden'],
    ['{{#each}}{{/each}}', 'template.forbidden'],
    ['{{#with school}}{{name}}{{/with}}', 'template.forbidden'],
    ['{{> x}}', 'template.forbidden'],
    ['{{#> layout}}x{{/layout}}', 'template.forbidden'],
    ['{{#*inline "x"}}y{{/inline}}', 'template.forbidden'],
    ['{{*decorator}}', 'template.forbidden'],
    ['{{log "hi"}}', 'template.unknown-helper'],
    ['{{foo identifier}}', 'template.unknown-helper'],
    ['{{this}}', 'template.forbidden'],
    ['{{.}}', 'template.forbidden'],
    ['{{this.identifier}}', 'template.forbidden'],
    ['{{../identifier}}', 'template.forbidden'],
    ['{{@root.identifier}}', 'template.forbidden'],
    ['{{@index}}', 'template.forbidden'],
    ['{{#if email as |e|}}{{e}}{{/if}}', 'template.forbidden'],
    ['{{metadata.a.b}}', 'template.forbidden'],
    ['{{school}}', 'template.unknown-field'],
    ['{{username.first}}', 'template.unknown-field'],
    ['{{school.bogus}}', 'template.unknown-field'],
    ['{{pad identifier}}', 'template.helper-arguments'],
    ['{{pad identifier width}}', 'template.helper-arguments'],
    ['{{pad identifier 100000}}', 'template.helper-arguments'],
    ['{{pad identifier 6 ""}}', 'template.helper-arguments'],
    ['{{lower}}', 'template.helper-arguments'],
    ['{{replace email "a"}}', 'template.helper-arguments'],
    ['{{lower email x=1}}', 'template.forbidden'],
    ['{{if email}}', 'template.unknown-helper'],
    ['{{#if}}x{{/if}}', 'template.helper-arguments'],
    ['{{"literal"}}', 'template.forbidden'],
    ['{{identifier', 'template.syntax'],
    ['{{#if email}}x{{/unless}}', 'template.syntax'],
  ])('%s → %s', (source, code) => {
    const diags = rejects(source);
    expect(diags.map((d) => d.code)).toContain(code);
    for (const d of diags) expect(d).toMatchObject({ severity: 'error', file: where.file, line: where.line, column: where.column, field: where.path });
    for (const d of diags) expect(d.hint).toBeTruthy();
  });

  it('validates course formulas against the grouping context', () => {
    expect(() => compileTemplate('{{classCode}}', 'courses', where)).not.toThrow();
    const [d] = rejects('{{classCode}}', 'coursesByCourseTerm');
    expect(d!.code).toBe('template.unknown-field');
    expect(d!.hint).toContain('courseCode');
  });

  it('collects every problem of one formula', () => {
    const diags = checkTemplate('{{nope}}{{alsoNope}}{{bogus x}}', 'accounts', where).diagnostics;
    expect(diags.map((d) => d.code)).toEqual(['template.unknown-field', 'template.unknown-field', 'template.unknown-helper', 'template.unknown-field']);
  });
});

describe('rendering never reaches prototypes', () => {
  const USER_FIELDS = CONTEXTS.users.fields.filter((f) => !(f in CONTEXTS.users.nested));
  const literal = fc.string({ maxLength: 8 }).filter((s) => !/[{}\\]/.test(s));
  const piece = fc.oneof(
    literal.map((text) => ({ kind: 'text' as const, text })),
    fc.constantFrom(...USER_FIELDS).map((field) => ({ kind: 'field' as const, field })),
  );

  it('output is exactly the literals and the context values', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }),
        fc.dictionary(fc.constantFrom(...USER_FIELDS), fc.string({ maxLength: 12 })),
        (pieces, context) => {
          const source = pieces.map((p) => (p.kind === 'text' ? p.text : `{{${p.field}}}`)).join('');
          fc.pre(source !== '');
          const t = compileTemplate(source, 'users', where);
          const expected = pieces.map((p) => (p.kind === 'text' ? p.text : (context[p.field] ?? ''))).join('');
          expect(t.render(context)).toBe(expected);
        },
      ),
    );
  });

  it('inherited and polluted properties render as empty', () => {
    const t = compileTemplate('[{{sourcedId}}|{{school.name}}|{{metadata.x}}]', 'users', where);
    const proto = { sourcedId: 'EVIL' };
    const ctx = Object.create(proto) as Record<string, unknown>;
    ctx.school = Object.create({ name: 'EVIL' });
    ctx.metadata = JSON.parse('{"__proto__": {"x": "EVIL"}}');
    expect(t.render(ctx)).toBe('[||]');
  });

  it('random field names are either allowed context fields or rejected', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/)), (name) => {
        const { diagnostics } = checkTemplate(`{{${name}}}`, 'users', where);
        const ok = (CONTEXTS.users.fields as readonly string[]).includes(name) && !(name in CONTEXTS.users.nested);
        expect(diagnostics.length === 0).toBe(ok);
      }),
    );
  });
});

describe('closestMatch', () => {
  it('finds near keys, case and separator insensitive', () => {
    expect(closestMatch('identifer', ['identifiers', 'rules'])).toBe('identifiers');
    expect(closestMatch('end_date_convention', ['endDateConvention', 'ended'])).toBe('endDateConvention');
    expect(closestMatch('zzzzzz', ['rules', 'scope'])).toBeUndefined();
  });
});
