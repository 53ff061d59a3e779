/** The JSON Schema of a policy file, and the ajv validator compiled from it. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

let schemaCache: Record<string, unknown> | undefined;
let validatorCache: ValidateFunction | undefined;

function schemaPath(): string {
  const candidates = [
    new URL('../policy.schema.json', import.meta.url),
    // Compiled: dist/engine/policy/load/schema.js → engine/policy/policy.schema.json in the package.
    new URL('../../../../engine/policy/policy.schema.json', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`policy.schema.json not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The JSON Schema of one policy file (a fresh copy; `rosterops schema` prints it). */
export function policySchema(): Record<string, unknown> {
  schemaCache ??= JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  return structuredClone(schemaCache);
}

/** ajv set up the way the loader uses it (draft 2020-12, all errors, formats `date` and `uri`). */
export function createPolicyAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  // ajv-formats is CommonJS: its default import is module.exports, which also carries `.default`.
  addFormatsModule.default(ajv, ['date', 'uri']);
  return ajv;
}

export function validator(): ValidateFunction {
  validatorCache ??= createPolicyAjv().compile(policySchema());
  return validatorCache;
}
