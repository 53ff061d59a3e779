/** `guards`: the drop, protect, shrink and risk checks that hold a plan for approval, and the approvals it needs. */
import type { DropGuard, Guards, ProtectGuard } from '../types.js';
import { DEFAULT_FILE, DROP_DEFAULTS, ENTITIES, RISK_DEFAULTS } from './defaults.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';

export function resolveGuards(ctx: Resolver): Guards {
  const g = ctx.w.guards ?? {};
  const drops: Guards['drops'] = {};
  for (const e of ENTITIES) {
    const written = g.drops?.[e];
    if (written === null) continue; // switched off
    const dflt = DROP_DEFAULTS[e];
    if (written === undefined) {
      if (dflt) drops[e] = { ...dflt };
      continue;
    }
    const guard: DropGuard = {
      maxShare: written.maxShare !== undefined ? written.maxShare : (dflt?.maxShare ?? null),
      maxCount: written.maxCount !== undefined ? written.maxCount : (dflt?.maxCount ?? null),
      onViolation: written.onViolation ?? dflt?.onViolation ?? 'needs-approval',
    };
    if (guard.maxShare === null && guard.maxCount === null) {
      ctx.warn(['guards', 'drops', e], 'policy.guard-without-limit', `the drop guard for ${e} sets neither maxShare nor maxCount, so it never trips`, `set a limit, or write \`${e}: null\` to say there is no guard`, 'key');
    }
    drops[e] = guard;
  }

  let protect: ProtectGuard[];
  if (g.protect === undefined) {
    protect = [{ entity: 'users', actions: ['drop'], dropStatus: ['deleted'], onViolation: 'blocked', where: { file: DEFAULT_FILE, line: 0, column: 0, path: '/guards/protect/0' } }];
  } else {
    protect = g.protect.map((p, i) => {
      const path: Segment[] = ['guards', 'protect', i];
      if (p.roles && p.entity !== 'enrollments') {
        ctx.error([...path, 'roles'], 'policy.protect-roles', `\`roles\` only applies to enrollments, not ${p.entity}`, 'remove `roles`, or set `entity: enrollments`', 'key');
      }
      if (p.dropStatus && !p.actions.includes('drop')) {
        ctx.error([...path, 'dropStatus'], 'policy.protect-drop-status', '`dropStatus` only applies when `actions` includes `drop`', 'add drop to actions, or remove dropStatus', 'key');
      }
      const out: ProtectGuard = { entity: p.entity, actions: [...p.actions], onViolation: p.onViolation ?? 'blocked', where: ctx.where(path) };
      if (p.roles) out.roles = [...p.roles];
      if (p.dropStatus) out.dropStatus = [...p.dropStatus];
      return out;
    });
  }

  const approvals = { required: g.approvals?.required ?? 1, reviewers: [...(g.approvals?.reviewers ?? [])] };
  if (approvals.reviewers.length > 0 && approvals.reviewers.length < approvals.required) {
    ctx.error(['guards', 'approvals', 'required'], 'policy.approvals-unreachable', `${approvals.required} approvals are required but only ${approvals.reviewers.length} reviewer(s) are listed`, 'list more reviewers or lower `required`');
  }
  return {
    drops,
    protect,
    shrink: { minRatio: g.shrink?.minRatio ?? 0.8, minCanvasCount: g.shrink?.minCanvasCount ?? 20, onViolation: g.shrink?.onViolation ?? 'blocked' },
    risks: { ...RISK_DEFAULTS, ...(g.risks ?? {}) },
    approvals,
  };
}
