/**
 * Semantic rules and defaults: the Resolver turns the merged, schema-checked policy into the
 * typed Config, locating each problem in the file that wrote it. Each section is resolved by a
 * resolve-*.ts module beside this one.
 */
import { ConfigError, type Diagnostic } from '../../errors.js';
import { isCalendarDate, isValidTimeZone } from '../../util/dates.js';
import type { ContextName } from '../contexts.js';
import { compileTemplate } from '../templates.js';
import type { Config, PolicySource, Template } from '../types.js';
import { DEFAULT_FILE, ROLE_DEFAULTS, SESSION_TYPE_DEFAULTS } from './defaults.js';
import type { PolicyFile } from './files.js';
import { pointer, positionOf, type Segment } from './positions.js';
import { resolveAuthProviders } from './resolve-auth-providers.js';
import { resolveGuards } from './resolve-guards.js';
import { resolveIdentifiers } from './resolve-identifiers.js';
import { resolveRules } from './resolve-rules.js';
import { resolveSources } from './resolve-sources.js';
import { resolveTermOverrides } from './resolve-term-overrides.js';
import { show } from './wording.js';
import { DEFAULT_LIMITS } from '../../util/limits.js';
import type { WrittenPolicy } from './written.js';

/** A template stand-in used only while collecting errors (the Config is never returned then). */
function placeholder(source: string, where: PolicySource): Template {
  return { source, fields: [], where, render: () => '' };
}

/**
 * What every section needs: the written policy, which file wrote each key, and the diagnostics.
 * The members the resolve-*.ts modules use are public; the rest stays private.
 */
export class Resolver {
  constructor(
    readonly w: WrittenPolicy,
    private readonly owner: Map<string, PolicyFile>,
    private readonly errors: Diagnostic[],
    private readonly warnings: Diagnostic[],
    /** Course grouping as written, used when `rules` itself failed the schema. */
    private readonly writtenGrouping: 'class' | 'course-term',
  ) {}

  fileOf(path: readonly Segment[]): PolicyFile | undefined {
    return this.owner.get(String(path[0]));
  }

  where(path: readonly Segment[], mode: 'key' | 'value' = 'value'): PolicySource {
    const f = this.fileOf(path);
    if (!f) return { file: DEFAULT_FILE, line: 0, column: 0, path: pointer(path) };
    return { file: f.rel, ...positionOf(f, path, mode), path: pointer(path) };
  }

  private push(list: Diagnostic[], severity: 'error' | 'warning', path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value'): void {
    const at = this.where(path, mode);
    list.push({ severity, code, message, hint, file: at.file, line: at.line, column: at.column, field: at.path });
  }

  error(path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value' = 'value'): void {
    this.push(this.errors, 'error', path, code, message, hint, mode);
  }

  warn(path: readonly Segment[], code: string, message: string, hint: string, mode: 'key' | 'value' = 'value'): void {
    this.push(this.warnings, 'warning', path, code, message, hint, mode);
  }

  compile(source: string, context: ContextName, path: readonly Segment[]): Template {
    const where = this.where(path);
    try {
      return compileTemplate(source, context, where);
    } catch (err) {
      if (err instanceof ConfigError) {
        this.errors.push(...err.diagnostics);
        return placeholder(source, where);
      }
      throw err;
    }
  }

  /** Compile `defaults` overlaid with the written block (null removes an optional column). */
  formulas(defaults: Record<string, string>, block: Record<string, string | null> | undefined, context: ContextName, base: Segment[]): Record<string, Template> {
    const out: Record<string, Template> = {};
    for (const [col, src] of Object.entries(defaults)) if (block?.[col] === undefined) out[col] = this.compile(src, context, [...base, col]);
    for (const [col, src] of Object.entries(block ?? {})) if (typeof src === 'string') out[col] = this.compile(src, context, [...base, col]);
    return out;
  }

  resolve(dir: string, files: string[], digest: string): Config {
    const w = this.w;
    const rules = resolveRules(this);
    const scope = {
      schools: w.scope?.schools ?? null,
      sessionTypes: w.scope?.sessionTypes ?? [...SESSION_TYPE_DEFAULTS],
      terms: w.scope?.terms ?? null,
      roles: w.scope?.roles ?? [...ROLE_DEFAULTS],
    };
    if (scope.schools?.length === 0) this.warn(['scope', 'schools'], 'policy.empty-scope', '`scope.schools` is an empty list: no school will be synced', 'list school sourcedIds, or remove the key to sync every school');
    if (scope.terms?.length === 0) this.warn(['scope', 'terms'], 'policy.empty-scope', '`scope.terms` is an empty list: no term will be synced', 'list academicSession sourcedIds, or remove the key to sync every session');

    const timezone = w.timezone ?? 'UTC';
    if (!isValidTimeZone(timezone)) {
      this.error(['timezone'], 'policy.invalid-timezone', `${show(timezone)} is not a time zone this Node.js knows`, 'write an IANA zone name such as America/Chicago, Europe/Berlin or UTC');
    }
    const asOf = w.asOf ?? null;
    if (asOf !== null && !isCalendarDate(asOf)) this.error(['asOf'], 'policy.invalid-date', `${show(asOf)} is not a valid date for \`asOf\``, 'write YYYY-MM-DD');

    if (w.showPersonalData) {
      this.warn(['showPersonalData'], 'policy.personal-data', 'names and emails will be shown unmasked in pull-request comments', 'only keep showPersonalData: true in a private repository');
    }

    const config: Config = {
      dir,
      files,
      digest,
      version: 1,
      sources: resolveSources(this),
      timezone,
      asOf,
      scope,
      identifiers: resolveIdentifiers(this, scope.roles, w.rules ? rules.courses.grouping : this.writtenGrouping),
      authProviders: resolveAuthProviders(this, scope.roles),
      termOverrides: resolveTermOverrides(this),
      enrollmentDates: {
        endDateConvention: w.enrollmentDates?.endDateConvention ?? 'exclusive',
        alignToTermEndWithinDays: w.enrollmentDates?.alignToTermEndWithinDays ?? null,
        ended: w.enrollmentDates?.ended ?? 'completed',
      },
      rules,
      guards: resolveGuards(this),
      showPersonalData: w.showPersonalData ?? false,
      limits: { ...DEFAULT_LIMITS, ...w.limits },
      apply: {
        stickiness: w.apply?.stickiness ?? 'respect',
        updateSisIdIfLoginClaimed: w.apply?.updateSisIdIfLoginClaimed ?? false,
        pollIntervalSeconds: w.apply?.pollIntervalSeconds ?? 2,
        timeoutMinutes: w.apply?.timeoutMinutes ?? 60,
      },
    };
    return config;
  }
}
