/**
 * Guards turn a plan into a verdict. Declarative and pure: drop limits per entity (share and
 * count), protected sets, shrunken or empty exports, and the verdict each risk kind requires.
 *
 * A "drop" here is any operation that takes access away, read from what it does
 * (engine/plan/access-effects.ts) rather than its action label: an `update` that suspends a user
 * or concludes an enrollment counts like a `drop`, and so do the enrollments Canvas ends on its
 * own with a concluded course, a deleted section or an ended term (engine/plan/access-cascades.ts).
 */
import type { EntityName } from '../model/canvas.js';
import type { AccessEffect, Operation, Plan, PlanVerdict, Risk, VerdictReason } from '../model/plan.js';
import type { Guards, ProtectGuard, Verdict } from '../policy/types.js';
import { accessEffectOf } from './access-effects.js';
import type { ActiveCounts } from './active-counts.js';

const RANK: Record<Verdict, number> = { ok: 0, 'needs-approval': 1, blocked: 2 };

export function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** What the guards know beyond the operations: the plan's day, and who has access on each side. */
export interface GuardContext {
  /** Start of the plan's day (ms): end dates at or before it have passed. NaN = judge by status only. */
  asOfMs: number;
  /** Present (active) desired and Canvas users for the shrink check; without them, `counts` is used. */
  active?: ActiveCounts;
}

/** The status an access effect leaves behind, as `dropStatus` names it. */
const STATUS_OF_EFFECT: Record<AccessEffect, string> = {
  suspends: 'suspended', deletes: 'deleted', concludes: 'completed', deactivates: 'inactive', ends: 'completed',
};

const EFFECT_WORDS: Record<AccessEffect, string> = {
  suspends: 'suspended', deletes: 'deleted', concludes: 'concluded', deactivates: 'deactivated', ends: 'ended',
};

/**
 * The effect guards count for an operation: its own, recomputed, or the planner's mark. An
 * enrollment the planner found ended by its term's date already (`afterTermEnd`) takes nothing more.
 */
function effectOf(op: Operation, asOfMs: number): AccessEffect | null {
  if (op.access?.afterTermEnd) return null;
  return accessEffectOf(op, asOfMs) ?? op.access?.effect ?? null;
}

interface Losses {
  /** Operations that take access away, per entity, with their effect. */
  perEntity: Map<EntityName, Map<AccessEffect, number>>;
  /** Enrollments Canvas ends on its own, per effect of the operation causing it. */
  cascaded: Map<AccessEffect, number>;
  effects: (AccessEffect | null)[];
}

function countLosses(operations: readonly Operation[], asOfMs: number): Losses {
  const perEntity = new Map<EntityName, Map<AccessEffect, number>>();
  const cascaded = new Map<AccessEffect, number>();
  const effects: (AccessEffect | null)[] = new Array(operations.length);
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i]!;
    const effect = effectOf(op, asOfMs);
    effects[i] = effect;
    if (!effect) continue;
    const byEffect = perEntity.get(op.entity) ?? perEntity.set(op.entity, new Map()).get(op.entity)!;
    byEffect.set(effect, (byEffect.get(effect) ?? 0) + 1);
    const withIt = op.access?.cascadedEnrollments;
    if (withIt) for (const role in withIt) cascaded.set(effect, (cascaded.get(effect) ?? 0) + withIt[role]!);
  }
  return { perEntity, cascaded, effects };
}

const sum = (m: Map<unknown, number> | undefined): number => {
  let n = 0;
  for (const v of m?.values() ?? []) n += v;
  return n;
};

/** "807 suspended", "7 concluded, 84 ended with their course, section, login or term". */
function breakdown(entity: EntityName, losses: Losses): string {
  const parts = [...(losses.perEntity.get(entity) ?? [])].map(([effect, n]) => `${n} ${EFFECT_WORDS[effect]}`);
  if (entity === 'enrollments') {
    const cascaded = sum(losses.cascaded);
    if (cascaded > 0) parts.push(`${cascaded} ended by Canvas with their course, section, login or term`);
  }
  return parts.join(', ');
}

export function evaluateGuards(
  guards: Guards, operations: readonly Operation[], risks: Risk[], counts: Plan['counts'], context: GuardContext = { asOfMs: Number.NaN },
): PlanVerdict {
  const reasons: VerdictReason[] = [];
  const losses = countLosses(operations, context.asOfMs);

  for (const [entity, guard] of Object.entries(guards.drops) as [EntityName, NonNullable<Guards['drops'][EntityName]>][]) {
    const lost = sum(losses.perEntity.get(entity)) + (entity === 'enrollments' ? sum(losses.cascaded) : 0);
    if (lost === 0) continue;
    const managed = counts[entity]?.canvasManaged ?? 0;
    const share = managed > 0 ? lost / managed : 1;
    const how = breakdown(entity, losses);
    if (guard.maxCount !== null && lost > guard.maxCount) {
      reasons.push({ guard: `guards.drops.${entity}.maxCount`, requires: guard.onViolation, message: `${lost} ${entity} would lose access (${how}); the limit is ${guard.maxCount}` });
    }
    if (guard.maxShare !== null && share > guard.maxShare) {
      reasons.push({
        guard: `guards.drops.${entity}.maxShare`, requires: guard.onViolation,
        message: `${lost} of ${managed} SIS-managed ${entity} (${pct(share)}) would lose access (${how}); the limit is ${pct(guard.maxShare)}`,
      });
    }
  }

  guards.protect.forEach((p, i) => {
    const hit = protectedHits(p, operations, losses.effects);
    if (hit.count === 0) return;
    const what = [p.roles ? `${p.roles.join('/')} ` : '', p.entity].join('');
    reasons.push({
      guard: `guards.protect[${i}]`, requires: p.onViolation,
      message: `${hit.count} ${p.actions.map((a) => (a === 'drop' ? 'drop (anything that takes access away)' : a)).join('/')} operation(s) on protected ${what} (${p.where.file}:${p.where.line}), e.g. ${hit.example}`,
    });
  });

  for (const entity of ['users', 'enrollments', 'courses', 'sections'] as const) {
    const c = counts[entity];
    if (!c || c.canvasManaged === 0) continue;
    const present = entity === 'users' ? context.active?.users : undefined;
    const desired = present ? present.desired : c.desired;
    const managed = present ? present.canvas : c.canvasManaged;
    const active = present ? ' active' : '';
    if (managed === 0) continue;
    if (desired === 0) {
      reasons.push({
        guard: 'guards.shrink.empty', requires: 'blocked',
        message: `the SIS export has no${active} ${entity} but Canvas holds ${managed} SIS-managed${active} ones: an empty or truncated export`,
      });
      continue;
    }
    const ratio = desired / managed;
    if (managed >= guards.shrink.minCanvasCount && ratio < guards.shrink.minRatio) {
      reasons.push({
        guard: 'guards.shrink.minRatio', requires: guards.shrink.onViolation,
        message: `the SIS export has ${desired}${active} ${entity}, ${pct(ratio)} of the ${managed} SIS-managed${active} in Canvas (minimum ${pct(guards.shrink.minRatio)}): a shrunken export?`,
      });
    }
  }

  const riskKinds = new Map<string, number>();
  for (const r of risks) riskKinds.set(r.kind, (riskKinds.get(r.kind) ?? 0) + 1);
  for (const [kind, n] of riskKinds) {
    const requires = guards.risks[kind] ?? 'needs-approval';
    if (requires === 'ok') continue;
    reasons.push({ guard: `guards.risks.${kind}`, requires, message: `${n} ${kind} risk(s)` });
  }

  const status = reasons.reduce<Verdict>((v, r) => worst(v, r.requires), 'ok');
  return { status, reasons };
}

/**
 * Operations a protected set catches. `drop` in `actions` means "takes access away", whatever the
 * label; `dropStatus` then narrows by the status left behind. For enrollments, those Canvas ends
 * with a course, section, login or term count too (by role when `roles` is set).
 */
function protectedHits(p: ProtectGuard, operations: readonly Operation[], effects: readonly (AccessEffect | null)[]): { count: number; example: string } {
  const guardsLosses = p.actions.includes('drop');
  const statusMatches = (effect: AccessEffect) => !p.dropStatus || p.dropStatus.includes(STATUS_OF_EFFECT[effect]);
  let count = 0;
  let example = '';
  let cascadeExample = '';
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i]!;
    const effect = effects[i] ?? null;
    if (op.entity === p.entity && (!p.roles || (op.role !== undefined && p.roles.includes(op.role)))) {
      // A loss is caught as a drop (narrowed by dropStatus); any other listed action by its label.
      const caught = (effect !== null && guardsLosses && statusMatches(effect)) || (op.action !== 'drop' && p.actions.includes(op.action));
      if (caught) {
        count++;
        example ||= op.key;
      }
    }
    const cascaded = op.access?.cascadedEnrollments;
    if (p.entity === 'enrollments' && guardsLosses && effect !== null && cascaded && statusMatches(effect === 'deletes' ? 'deletes' : 'concludes')) {
      for (const role in cascaded) {
        if (p.roles && !p.roles.includes(role)) continue;
        count += cascaded[role]!;
        cascadeExample ||= `enrollments ended with ${op.entity.replace(/s$/, '')} ${op.key}`;
      }
    }
  }
  return { count, example: example || cascadeExample };
}
