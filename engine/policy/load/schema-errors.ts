/** ajv errors → diagnostics: located at the offending key or value, worded for the person who wrote the file. */
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { Diagnostic } from '../../errors.js';
import { closestMatch } from '../templates.js';
import type { PolicyFile } from './files.js';
import { dotted, pointer, positionOf, unpointer, type Segment } from './positions.js';
import { isTokenKey, TOKEN_HINT } from './token-rule.js';
import { lookup, show } from './wording.js';

function typeName(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

function looksLikeCanvasToken(v: unknown): boolean {
  return typeof v === 'string' && (/^\d+~[A-Za-z0-9]{16,}$/.test(v) || /^[A-Za-z0-9~_-]{40,}$/.test(v));
}

const PATTERN_HINTS: Record<string, string> = {
  url: 'write the base URL with http:// or https://, e.g. https://district.instructure.com',
  tokenEnv: 'name an environment variable (letters, digits, _), e.g. CANVAS_TOKEN',
  account: 'write `self`, a numeric account id, or `sis_account_id:<id>`',
  provider: 'write a numeric authentication provider id or a provider type such as saml, google, microsoft, cas, ldap',
  default: 'write a numeric authentication provider id or a provider type such as saml, google, microsoft, cas, ldap',
  reviewers: 'write GitHub logins (letters, digits and -, up to 39 characters) without @',
};

const SECRET_HINT = 'put the secret in an environment variable (in GitHub Actions, a repository or environment secret) and write the variable\'s NAME here: upper case letters, digits and _, e.g. ONEROSTER_CLIENT_SECRET';

/** Keys under sources.sis whose value is the name of an environment variable holding a secret. */
function namesASecret(path: readonly Segment[]): boolean {
  if (path[0] !== 'sources' || path[1] !== 'sis') return false;
  const last = String(path[path.length - 1]);
  return last.endsWith('Env') || (path[2] === 'download' && path[3] === 'headers' && path.length === 5);
}

export function ajvDiagnostic(f: PolicyFile, err: ErrorObject): Diagnostic | null {
  const path = unpointer(err.instancePath);
  const name = path.length > 0 ? dotted(path) : 'the file';
  const last = path[path.length - 1];
  const lastName = typeof last === 'string' && !/^\d+$/.test(last) ? last : undefined;
  const parentSchema = (err.parentSchema ?? {}) as { properties?: Record<string, { description?: string }>; description?: string; enum?: unknown[] };
  const base = (code: string, message: string, hint: string | undefined, at: readonly Segment[] = path, mode: 'key' | 'value' = 'value'): Diagnostic => {
    const { line, column } = positionOf(f, at, mode);
    return { severity: 'error', code, message, hint, file: f.rel, line, column, field: pointer(at) };
  };

  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      if (isTokenKey(key)) return null; // reported by the token rule
      const allowed = Object.keys(parentSchema.properties ?? {});
      const near = closestMatch(key, allowed);
      const where = path.length > 0 ? ` in \`${name}\`` : ' at the top level';
      return base(
        'policy.unknown-key',
        `unknown key \`${key}\`${where}`,
        `${near ? `did you mean \`${near}\`? ` : ''}allowed keys: ${allowed.join(', ')}`,
        [...path, key],
        'key',
      );
    }
    case 'required': {
      const missing = String((err.params as { missingProperty: string }).missingProperty);
      const desc = parentSchema.properties && Object.hasOwn(parentSchema.properties, missing) ? parentSchema.properties[missing]?.description : undefined;
      return base('policy.missing-key', `\`${name}\` is missing the required key \`${missing}\``, desc ? `add \`${missing}\`: ${desc}` : `add \`${missing}\``, path, 'key');
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      const value = err.data;
      if (path[0] === 'rules' && lastName === 'manual' && value === 'adopt') {
        return base(
          'policy.invalid-value',
          `\`manual: adopt\` is not allowed for ${String(path[1])}`,
          'adopt only applies to users (a hand-made Canvas user matched to an SIS person is attached instead of duplicated); for other entities use `flag` to list hand-made objects in the plan, or `ignore`',
        );
      }
      const near = typeof value === 'string' ? closestMatch(value, allowed.map(String)) : undefined;
      return base('policy.invalid-value', `${show(value)} is not an allowed value for \`${name}\``, `${near !== undefined ? `did you mean ${show(near)}? ` : ''}allowed: ${allowed.map((v) => show(v)).join(', ')}`);
    }
    case 'const': {
      if (path.length === 1 && path[0] === 'version') {
        return base('policy.unsupported-version', `unsupported policy version ${show(err.data)}`, 'this rosterops reads `version: 1`');
      }
      return base('policy.invalid-value', `\`${name}\` must be ${show((err.params as { allowedValue: unknown }).allowedValue)}`, undefined);
    }
    case 'type': {
      const want = String((err.params as { type: string | string[] }).type)
        .split(',')
        .map((t) => lookup(TYPE_WORDS, t) ?? t);
      const value = err.data;
      let hint: string;
      if (value === null) hint = `give \`${name}\` a value, or remove the key to use the default`;
      else if (want.includes('text') && (typeof value === 'number' || typeof value === 'boolean')) hint = `quote the value: ${lastName ?? name}: "${String(value)}"`;
      else if (want.includes('a list') && !Array.isArray(value)) hint = `write a list, e.g. [${typeof value === 'string' ? value : '…'}]`;
      else hint = parentSchema.description ?? `write ${want.join(' or ')}`;
      const got = looksLikeCanvasToken(value) ? 'a value that looks like a token' : typeName(value);
      return base('policy.wrong-type', `\`${name}\` must be ${want.join(' or ')}, not ${got}`, hint, path, value === null ? 'key' : 'value');
    }
    case 'format': {
      const format = String((err.params as { format: string }).format);
      if (format === 'date') return base('policy.invalid-date', `${show(err.data)} is not a valid date for \`${name}\``, 'write a calendar date as YYYY-MM-DD, e.g. 2025-01-24');
      if (format === 'uri') return base('policy.invalid-url', `${show(err.data)} is not a valid URL for \`${name}\``, PATTERN_HINTS.url);
      return base('policy.invalid-format', `\`${name}\` must be a valid ${format}`, undefined);
    }
    case 'pattern': {
      const key = lastName ?? String(path[path.length - 2] ?? '');
      if (key === 'tokenEnv' && looksLikeCanvasToken(err.data)) {
        return base('policy.token-in-yaml', '`tokenEnv` holds what looks like a token itself, not the name of an environment variable', TOKEN_HINT);
      }
      if (namesASecret(path)) {
        // Never quoted: the value may be the secret itself.
        return base('policy.secret-in-yaml', `\`${name}\` must name an environment variable, not hold a value: a secret written in a policy file is committed to git`, SECRET_HINT);
      }
      return base('policy.invalid-value', `${show(err.data)} is not valid for \`${name}\``, lookup(PATTERN_HINTS, key) ?? parentSchema.description);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = err.params as { comparison: string; limit: number };
      return base('policy.out-of-range', `\`${name}\` must be ${p.comparison} ${p.limit}, not ${show(err.data)}`, parentSchema.description);
    }
    case 'minItems': {
      const choices = (parentSchema as { items?: { enum?: unknown[] } }).items?.enum;
      const hint = choices ? `list at least one of: ${choices.map((v) => show(v)).join(', ')}` : `${parentSchema.description ?? ''} Add an item or remove the key.`.trim();
      return base('policy.empty-list', `\`${name}\` must not be an empty list`, hint);
    }
    case 'minLength':
      return base('policy.empty-value', `\`${name}\` must not be empty`, parentSchema.description ?? 'give it a value or remove the key');
    case 'minProperties': {
      if (lastName === 'match') {
        return base('policy.empty-match', '`match` needs at least one condition', 'add role, school, grade, idPattern or emailPattern; for users no rule matches, use authProviders.default', path, 'key');
      }
      return base('policy.empty-mapping', `\`${name}\` must not be empty`, parentSchema.description ?? 'write at least one key or remove it', path, 'key');
    }
    case 'uniqueItems': {
      const p = err.params as { i: number; j: number };
      const list = err.data as unknown[];
      return base('policy.duplicate-item', `\`${name}\` lists ${show(list[p.j])} twice (items ${p.j + 1} and ${p.i + 1})`, 'remove the repeated item', [...path, p.i]);
    }
    default:
      return base('policy.invalid', `\`${name}\` ${err.message ?? 'is invalid'}`, parentSchema.description);
  }
}
