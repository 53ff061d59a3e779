/**
 * Guards turn a plan into a verdict. Declarative and pure: drop limits per entity (share and
 * count), protected sets, shrunken or empty exports, and the verdict each risk kind requires.
 */
import type { EntityName } from '../model/canvas.js';
import type { Operation, Plan, PlanVerdict, Risk, VerdictReason } from '../model/plan.js';
import type { Guards, Verdict } from '../policy/types.js';

const RANK: Record<Verdict, number> = { ok: 0, 'needs-approval': 1, blocked: 2 };

export function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The status a drop writes, read from its import row. */
function dropStatus(op: Operation): string | undefined {
  return op.rows.at(-1)?.cells.status;
}

export function evaluateGuards(
  guards: Guards, operations: Operation[], risks: Risk[], counts: Plan['counts'],
): PlanVerdict {
  const reasons: VerdictReason[] = [];
  const dropsPerEntity = new Map<EntityName, number>();
  for (const op of operations) if (op.action === 'drop') dropsPerEntity.set(op.entity, (dropsPerEntity.get(op.entity) ?? 0) + 1);

  for (const [entity, guard] of Object.entries(guards.drops) as [EntityName, NonNullable<Guards['drops'][EntityName]>][]) {
    const drops = dropsPerEntity.get(entity) ?? 0;
    if (drops === 0) continue;
    const managed = counts[entity]?.canvasManaged ?? 0;
    const share = managed > 0 ? drops / managed : 1;
    if (guard.maxCount !== null && drops > guard.maxCount) {
      reasons.push({ guard: `guards.drops.${entity}.maxCount`, requires: guard.onViolation, message: `${drops} ${entity} would be dropped; the limit is ${guard.maxCount}` });
    }
    if (guard.maxShare !== null && share > guard.maxShare) {
      reasons.push({
        guard: `guards.drops.${entity}.maxShare`, requires: guard.onViolation,
        message: `${drops} of ${managed} SIS-managed ${entity} (${pct(share)}) would be dropped; the limit is ${pct(guard.maxShare)}`,
      });
    }
  }

  guards.protect.forEach((p, i) => {
    const hits = operations.filter((op) => op.entity === p.entity && p.actions.includes(op.action)
      && (!p.roles || (op.role !== undefined && p.roles.includes(op.role)))
      && (!p.dropStatus || op.action !== 'drop' || p.dropStatus.includes(dropStatus(op) ?? '')));
    if (hits.length === 0) return;
    const what = [p.roles ? `${p.roles.join('/')} ` : '', p.entity].join('');
    reasons.push({
      guard: `guards.protect[${i}]`, requires: p.onViolation,
      message: `${hits.length} ${p.actions.join('/')} operation(s) on protected ${what} (${p.where.file}:${p.where.line}), e.g. ${hits[0]!.key}`,
    });
  });

  for (const entity of ['users', 'enrollments', 'courses', 'sections'] as const) {
    const c = counts[entity];
    if (!c || c.canvasManaged === 0) continue;
    if (c.desired === 0) {
      reasons.push({
        guard: 'guards.shrink.empty', requires: 'blocked',
        message: `the SIS export has no ${entity} but Canvas holds ${c.canvasManaged} SIS-managed ones: an empty or truncated export`,
      });
      continue;
    }
    const ratio = c.desired / c.canvasManaged;
    if (c.canvasManaged >= guards.shrink.minCanvasCount && ratio < guards.shrink.minRatio) {
      reasons.push({
        guard: 'guards.shrink.minRatio', requires: guards.shrink.onViolation,
        message: `the SIS export has ${c.desired} ${entity}, ${pct(ratio)} of the ${c.canvasManaged} SIS-managed in Canvas (minimum ${pct(guards.shrink.minRatio)}): a shrunken export?`,
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
