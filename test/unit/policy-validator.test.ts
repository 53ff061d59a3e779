/**
 * The prebuilt policy validator (written by the build, used by the CLI) must judge every document
 * exactly as the validator ajv compiles at run time, and must be ignored once the schema changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { policyValidatorSource } from '../../engine/policy/load/build-validator.js';
import { createPolicyAjv, policySchema, policySchemaText, prebuiltValidator } from '../../engine/policy/load/schema.js';

// Inside the project, so the generated code finds ajv's runtime helpers the way it does in dist/.
const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'rosterops-validator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeValidator(name: string, schemaText: string): string {
  const path = join(dir, name);
  writeFileSync(path, policyValidatorSource(schemaText));
  return path;
}

/** Values a policy author could write anywhere: right or wrong type, unknown keys, nulls. */
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, 1, -3, 2.5, '', 'x', 'saml', 'conclude', 'suspend', '2025-13-40', '2025-01-24', 'https://x.org', 'not a url', '{{sourcedId}}', 'student'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('missing', 'manual', 'owns', 'maxCount', 'url', 'path', 'bogus', 'default', 'rules', 'match', 'provider', 'role'), tie('value'), { maxKeys: 3 }).map((d) => ({ ...d }))), // plain objects, as the YAML parser gives
})).value;

/** Paths into a policy where the schema has something to say. */
const where = fc.constantFrom(
  ['version'], ['sources', 'sis'], ['sources', 'canvas', 'url'], ['timezone'], ['asOf'], ['scope', 'roles'], ['scope', 'schools'],
  ['identifiers', 'users', 'student'], ['identifiers', 'courses', 'course_id'], ['authProviders', 'rules'], ['authProviders', 'default'],
  ['termOverrides'], ['enrollmentDates', 'ended'], ['rules', 'users'], ['rules', 'enrollments', 'missing'], ['guards', 'drops', 'users'],
  ['guards', 'approvals', 'reviewers'], ['apply', 'timeoutMinutes'], ['showPersonalData'], ['unknownKey'],
);

function place(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    at = at[key] = (next && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  }
  at[path.at(-1)!] = value;
}

describe('prebuilt policy validator', () => {
  it('reports the same errors as the validator ajv compiles, for any document', () => {
    const prebuilt = prebuiltValidator(writeValidator('policy-validator.cjs', policySchemaText()));
    expect(prebuilt).not.toBeNull();
    const compiled = createPolicyAjv().compile(policySchema());
    let rejected = 0;
    fc.assert(fc.property(fc.array(fc.tuple(where, yamlValue), { maxLength: 4 }), (edits) => {
      const doc: Record<string, unknown> = { version: 1 };
      for (const [path, value] of edits) place(doc, path, value);
      const verdict = compiled(doc);
      expect(prebuilt!(doc)).toBe(verdict);
      expect(prebuilt!.errors ?? null).toEqual(compiled.errors ?? null);
      if (!verdict) rejected++;
    }), { numRuns: 300 });
    expect(rejected).toBeGreaterThan(100);
  });

  it('is ignored when it was built from another schema', () => {
    const edited = JSON.stringify({ ...policySchema(), description: 'edited since the build' });
    expect(prebuiltValidator(writeValidator('stale.cjs', edited))).toBeNull();
    expect(prebuiltValidator(join(dir, 'absent.cjs'))).toBeNull();
  });

  it('is written by the build beside the compiled loader, for the schema on disk', () => {
    // `npm test` builds first; this is the file the CLI loads.
    const built = fileURLToPath(new URL('../../dist/engine/policy/load/policy-validator.cjs', import.meta.url));
    const validate = prebuiltValidator(built);
    expect(validate).not.toBeNull();
    expect(validate!({ version: 1, rules: { users: { missing: 'explode' } } })).toBe(false);
  });
});
