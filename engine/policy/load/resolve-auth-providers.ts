/** `authProviders`: which authentication provider each user gets. */
import type { AuthRule, Config } from '../types.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';

export function resolveAuthProviders(ctx: Resolver, roles: string[]): Config['authProviders'] {
  const ap = ctx.w.authProviders;
  const rules: AuthRule[] = [];
  (ap?.rules ?? []).forEach((r, i) => {
    const path: Segment[] = ['authProviders', 'rules', i];
    const rule: AuthRule = { provider: String(r.provider), where: ctx.where(path) };
    if (r.match.role) {
      rule.role = [...r.match.role];
      const unused = r.match.role.filter((x) => !roles.includes(x));
      if (unused.length > 0) ctx.warn([...path, 'match', 'role'], 'policy.role-out-of-scope', `rule ${i + 1} names role(s) ${unused.join(', ')}, which are not in scope.roles`, 'such users are not synced, so this condition never matches them');
    }
    if (r.match.school) rule.school = [...r.match.school];
    if (r.match.grade) rule.grade = [...r.match.grade];
    for (const key of ['idPattern', 'emailPattern'] as const) {
      const src = r.match[key];
      if (src === undefined) continue;
      try {
        rule[key] = new RegExp(src);
      } catch (err) {
        ctx.error([...path, 'match', key], 'policy.invalid-regex', `\`${key}\` is not a valid regular expression: ${(err as Error).message}`, 'write a JavaScript regular expression; escape . as \\. and, in double-quoted YAML, \\ as \\\\ (or use single quotes)');
      }
    }
    rules.push(rule);
  });
  const dflt = ap?.default;
  return { rules, default: dflt === undefined || dflt === null ? null : String(dflt) };
}
