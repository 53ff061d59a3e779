/** Terminal rendering of a plan: summary first, then changes grouped by entity and action. */
import { ENTITY_ORDER } from '../model/canvas.js';
import { ACTIONS, type Action, type FieldChange, type Operation, type Plan } from '../model/plan.js';
import { EFFECT_VERB } from '../plan/access-effects.js';
import { blastRadius, takesAccess, type BlastRadiusGroup } from './blast-radius.js';
import { maskQuoted, maskValue } from './mask.js';

export interface TextOptions {
  color: boolean;
  /** Show names and e-mails (the admin's own terminal); masked in logs and CI by default. */
  showPersonalData: boolean;
  /** Operations listed per entity and action; the rest are counted. */
  limit: number;
}

const SIGN: Record<Action, string> = { create: '+', update: '~', adopt: '⇐', drop: '-' };
const COLOR: Record<Action, number> = { create: 32, update: 33, adopt: 36, drop: 31 };

/** A value from the plan file on one line: a control character there could rewrite the terminal. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function renderText(plan: Plan, options: TextOptions): string {
  const paint = (code: number, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const bold = (s: string) => (options.color ? `\u001b[1m${s}\u001b[0m` : s);
  const value = (entity: string, field: string, v: string | null) => {
    const shown = options.showPersonalData ? v : maskValue(entity, field, v);
    return shown === null ? '∅' : JSON.stringify(shown);
  };
  const lines: string[] = [];
  lines.push(bold(`rosterops plan ${plan.planId.slice(0, 19)}…`) + `  (as of ${plan.inputs.asOf})`);
  // Where each side came from (plans written before this was recorded have no such lines).
  const sources = plan.inputs.sources;
  if (sources) lines.push(`  SIS:    ${oneLine(sources.sis)}`, `  Canvas: ${oneLine(sources.canvas)}`);
  lines.push('');
  if (plan.operations.length === 0) {
    lines.push(paint(32, 'No changes. Canvas matches the SIS and the policies.'));
  } else {
    lines.push(bold('Summary'));
    lines.push(`  ${'entity'.padEnd(12)}${ACTIONS.map((a) => a.padStart(8)).join('')}`);
    for (const entity of ENTITY_ORDER) {
      const row = plan.summary[entity];
      if (!row) continue;
      lines.push(`  ${entity.padEnd(12)}${ACTIONS.map((a) => String(row[a] ?? '·').padStart(8)).join('')}`);
    }
  }
  lines.push('');
  const verdictColor = plan.verdict.status === 'ok' ? 32 : plan.verdict.status === 'blocked' ? 31 : 33;
  lines.push(`${bold('Verdict:')} ${paint(verdictColor, plan.verdict.status.toUpperCase())}`);
  for (const r of plan.verdict.reasons) lines.push(`  - ${r.message} [${r.guard} → ${r.requires}]`);
  // The planner marks what takes access away; a plan without marks has nothing to group here.
  const losing = plan.operations.some((op) => op.access) ? blastRadius(plan).filter(takesAccess) : [];
  if (losing.length > 0) {
    lines.push('', bold('Access taken away'));
    const total = accessTotal(losing);
    if (losing.length > 1) lines.push(`  in all: ${total}`);
    for (const g of losing.slice(0, 10)) lines.push(`  ${accessLine(g, plan.labels)}`);
    if (losing.length > 10) lines.push(`  … and ${losing.length - 10} more schools and terms`);
  }
  if (plan.risks.length > 0) {
    lines.push('', bold('Risks'));
    plan.risks.forEach((r, i) => {
      const explain = options.showPersonalData ? r.explanation : maskQuoted(r.explanation);
      const fix = options.showPersonalData ? r.suggestedFix : maskQuoted(r.suggestedFix);
      lines.push(`  ${paint(33, `!${i + 1}`)} ${r.kind} (${r.entity}: ${r.keys.join(', ')})`, `     ${explain}`, `     fix: ${fix}`);
    });
  }
  if (plan.notes.length > 0) {
    lines.push('', bold('Notes'));
    for (const n of plan.notes) lines.push(`  · ${n}`);
  }
  if (plan.operations.length > 0) lines.push('', bold('Changes'));
  for (const entity of ENTITY_ORDER) {
    const ops = plan.operations.filter((op) => op.entity === entity);
    if (ops.length === 0) continue;
    lines.push(`  ${bold(entity)}`);
    for (const action of ACTIONS) {
      const group = ops.filter((op) => op.action === action);
      for (const op of group.slice(0, options.limit)) lines.push(...operationLines(op, paint, value, options.showPersonalData));
      if (group.length > options.limit) lines.push(`    … and ${group.length - options.limit} more ${action} (use --limit to see more)`);
    }
  }
  lines.push('', `planId ${plan.planId}`);
  return lines.join('\n') + '\n';
}

const SINGULAR: Record<string, string> = { accounts: 'account', terms: 'term', courses: 'course', sections: 'section', users: 'user', enrollments: 'enrollment' };

/** "suspends 807 users; concludes 4545 enrollments" over all groups. */
function accessTotal(groups: readonly BlastRadiusGroup[]): string {
  const parts: string[] = [];
  for (const entity of ENTITY_ORDER) {
    const byEffect = new Map<string, number>();
    for (const g of groups) for (const [effect, n] of Object.entries(g.losses[entity] ?? {})) byEffect.set(effect, (byEffect.get(effect) ?? 0) + n);
    for (const [effect, n] of byEffect) parts.push(`${EFFECT_VERB[effect as keyof typeof EFFECT_VERB]} ${n} ${n === 1 ? SINGULAR[entity] : entity}`);
  }
  const cascaded = groups.reduce((n, g) => n + g.cascadedEnrollments, 0);
  if (cascaded > 0) parts.push(`Canvas ends ${cascaded} enrollments with them`);
  return parts.join('; ');
}

/** "Lincoln High · Fall 2025: suspends 807 users; concludes 4545 enrollments (760 students, 46 teachers in 120 courses)". */
function accessLine(g: BlastRadiusGroup, labels: Plan['labels'] | undefined): string {
  const school = g.account === null ? 'district-wide' : labels?.accounts[g.account] ?? g.account;
  const where = g.term === null ? school : `${school} · ${labels?.terms[g.term] ?? g.term}`;
  const parts: string[] = [];
  for (const entity of ENTITY_ORDER) {
    for (const [effect, n] of Object.entries(g.losses[entity] ?? {})) {
      let phrase = `${EFFECT_VERB[effect as keyof typeof EFFECT_VERB]} ${n} ${n === 1 ? SINGULAR[entity] : entity}`;
      if (entity === 'enrollments' && g.peopleLosingEnrollments.length > 0) {
        const people = g.peopleLosingEnrollments.map((r) => `${r.people} ${r.role}`).join(', ');
        phrase += ` (${people} in ${g.coursesLosingEnrollments} ${g.coursesLosingEnrollments === 1 ? 'course' : 'courses'})`;
      }
      parts.push(phrase);
    }
  }
  if (g.cascadedEnrollments > 0) parts.push(`Canvas ends ${g.cascadedEnrollments} enrollments with them`);
  return `${where}: ${parts.join('; ')}`;
}

function operationLines(
  op: Operation, paint: (code: number, s: string) => string, value: (entity: string, field: string, v: string | null) => string,
  showPersonalData: boolean,
): string[] {
  const risk = op.risks?.length ? paint(33, ` !${op.risks.map((r) => r + 1).join(',!')}`) : '';
  const source = op.reason.source ? ` (${op.reason.source})` : '';
  const head = `    ${paint(COLOR[op.action], `${SIGN[op.action]} ${op.action}`)} ${op.key}${risk}${source}`;
  const out = [head];
  // Reasons about people quote their logins: mask those like any other personal value.
  const reason = showPersonalData || op.entity !== 'users' ? op.reason.text : maskQuoted(op.reason.text);
  if (op.action !== 'create') out.push(`        ${reason} [${op.reason.rule}]`);
  const shown = op.action === 'create' ? op.changes.slice(0, 4) : op.changes;
  if (shown.length > 0) out.push(`        ${shown.map((c) => change(c, (f, v) => value(op.entity, f, v))).join('; ')}`);
  return out;
}

function change(c: FieldChange, value: (field: string, v: string | null) => string): string {
  return c.before === null ? `${c.field}=${value(c.field, c.after)}` : `${c.field}: ${value(c.field, c.before)} → ${value(c.field, c.after)}`;
}
