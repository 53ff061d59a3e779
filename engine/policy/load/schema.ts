/**
 * The JSON Schema of a policy file and its validator.
 *
 * Compiling the 80 KB schema with ajv takes about 0.2 s, and loading ajv another 0.05 s: more than
 * planning a small district. The build therefore writes the compiled validator out as code
 * (`policy-validator.cjs` beside this module, see build-validator.ts), and the loader uses it when
 * it was built from the schema on disk. Without it (sources run by vitest, or a schema edited
 * since the build) ajv compiles the schema here, with the same options, so the result is the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv2020 as Ajv2020Type, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { InternalError } from '../../errors.js';

// ajv is CommonJS: required on demand, so a plan that uses the prebuilt validator never loads it.
const require = createRequire(import.meta.url);

/** Where the build writes the prebuilt validator: beside this module. */
export const PREBUILT_VALIDATOR = fileURLToPath(new URL('./policy-validator.cjs', import.meta.url));

let schemaText: string | undefined;
let validatorCache: ValidateFunction | undefined;

function schemaPath(): string {
  const candidates = [
    new URL('../policy.schema.json', import.meta.url),
    // Compiled: dist/engine/policy/load/schema.js → engine/policy/policy.schema.json in the package.
    new URL('../../../../engine/policy/policy.schema.json', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new InternalError(`policy.schema.json not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The schema file's text, as the prebuilt validator's digest is taken of it. */
export function policySchemaText(): string {
  schemaText ??= readFileSync(schemaPath(), 'utf8');
  return schemaText;
}

/** The JSON Schema of one policy file (a fresh copy; `rosterops schema` prints it). */
export function policySchema(): Record<string, unknown> {
  return JSON.parse(policySchemaText()) as Record<string, unknown>;
}

/** What a prebuilt validator records to show which schema it was built from. */
export function schemaDigestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** ajv set up the way the loader uses it (draft 2020-12, all errors, formats `date` and `uri`). */
export function createPolicyAjv(extra: Options = {}): Ajv2020Type {
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...extra });
  addFormats(ajv, ['date', 'uri']);
  return ajv;
}

/** The prebuilt validator, when the build wrote one for the schema on disk; else null. */
export function prebuiltValidator(path = PREBUILT_VALIDATOR): ValidateFunction | null {
  if (!existsSync(path)) return null;
  const built = require(path) as ValidateFunction & { schemaDigest?: string };
  return built.schemaDigest === schemaDigestOf(policySchemaText()) ? built : null;
}

export function validator(): ValidateFunction {
  validatorCache ??= prebuiltValidator() ?? createPolicyAjv().compile(policySchema());
  return validatorCache;
}
