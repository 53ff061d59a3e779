/**
 * The plan as a pull request comment: verdict, summary, blast radius and risks first, then the
 * operations folded per entity, then how to approve. Rendered from the plan file alone.
 *
 * Every value from data passes `escapeMarkdown` (and the FERPA mask unless personal data may be
 * shown); row strings are built in plain loops, templates only lay the sections out; the result is
 * split into parts below GitHub's comment limit by `splitIntoParts`.
 */
import { ENTITY_ORDER, type EntityName } from '../model/canvas.js';
import { ACTIONS, type AccessEffect, type Action, type FieldChange, type Operation, type Plan, type Risk } from '../model/plan.js';
import { EFFECT_VERB } from '../plan/access-effects.js';
import { blastRadius, type BlastRadiusGroup } from './blast-radius.js';
import { commentMarker } from './comment-marker.js';
import { splitIntoParts, type Block, type ListBlock } from './comment-split.js';
import { renderTemplate, type SummaryView, type VerdictView } from './comment-templates.js';
import { codeOrEscaped, escapeMarkdown } from './markdown-escape.js';
import { maskQuoted, maskValue } from './mask.js';

export { escapeMarkdown } from './markdown-escape.js';
export { commentMarker, parseCommentMarker } from './comment-marker.js';

/** GitHub refuses comments longer than 65,536 characters; stay clear of it. */
export const GITHUB_COMMENT_LIMIT = 65_536;
export const DEFAULT_MAX_PART_CHARS = 60_000;

export interface CommentOptions {
  /** Environment the plan is for (`production`, `test`): names the sticky comment set. */
  environment: string;
  /** Names, e-mails and logins in clear; masked by default (FERPA: PR comments are shared). */
  showPersonalData: boolean;
  /** Commit the plan was computed for. */
  commit?: string;
  /** `owner/name` of the repository. */
  repository?: string;
  /** Every part stays below this many characters (default 60,000). */
  maxPartChars?: number;
  /** Operations listed per entity and action; the rest are counted (default 100). */
  maxOperationsPerGroup?: number;
}

const MAX_RISKS = 30;
const MAX_BLAST_GROUPS = 20;
const MAX_NOTES = 20;
const MAX_CHANGES_PER_ROW = 6;
const MAX_SHOWN_VALUE = 120;

const ACTION_LABEL: Record<Action, string> = { create: 'create', update: 'update', adopt: 'adopt', drop: '**drop**' };
const ACTION_VERB: Record<Action, string> = { create: 'creates', update: 'updates', adopt: 'adopts', drop: 'drops' };
const ENTITY_SINGULAR: Record<EntityName, string> = {
  accounts: 'account', terms: 'term', courses: 'course', sections: 'section', users: 'user', enrollments: 'enrollment',
};
const ROLE_NAMES: Record<string, [string, string]> = {
  student: ['student', 'students'], teacher: ['teacher', 'teachers'], ta: ['TA', 'TAs'],
  designer: ['designer', 'designers'], observer: ['observer', 'observers'],
};

const numberFormat = new Intl.NumberFormat('en-US');
const count = (n: number): string => numberFormat.format(n);
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

/** Render the plan as one or more comment bodies, each starting with its hidden marker line. */
export function renderPlanComment(plan: Plan, options: CommentOptions): string[] {
  const maxPartChars = Math.min(options.maxPartChars ?? DEFAULT_MAX_PART_CHARS, GITHUB_COMMENT_LIMIT);
  const perGroup = options.maxOperationsPerGroup ?? 100;
  const title = `rosterops plan · ${codeOrEscaped(options.environment)}`;
  commentMarker(options.environment, 1, 1); // rejects an environment name the marker cannot carry
  const text = freeText(options.showPersonalData);

  const head = renderTemplate('comment', { title, ...verdictView(plan), summary: summaryView(plan), sources: sourcesView(plan) });
  const blocks: Block[] = [
    ...listBlock('Blast radius', null, blastItems(plan)),
    ...listBlock(`Risks (${count(plan.risks.length)})`, riskIntro(plan.risks), riskItems(plan.risks, text)),
    ...listBlock('Notes', null, capped(plan.notes.map((n) => `- ${escapeMarkdown(n, 400)}\n`), MAX_NOTES, (more) => `- … and ${plural(more, 'more note', 'more notes')}\n`)),
    ...detailBlocks(plan, options.showPersonalData, perGroup),
    { kind: 'atomic', text: renderTemplate('footer', footerView(plan, options)) },
  ];
  return splitIntoParts(head, blocks, {
    maxPartChars,
    marker: (part, total) => commentMarker(options.environment, part, total),
    continued: renderTemplate('continued', { title }),
  });
}

/** The verdict in one line of plain text, for a check run title or a commit status. */
export function planHeadline(plan: Plan): string {
  const { label } = verdictView(plan);
  const n = plan.operations.length;
  const guards = [...new Set(plan.verdict.reasons.map((r) => r.guard))];
  if (n === 0 && guards.length === 0) return label;
  const line = `${label}: ${plural(n, 'change', 'changes')}${guards.length > 0 ? `; tripped ${guards.join(', ')}` : ''}`;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Free text from the planner (reasons, risk explanations) quotes personal data in "…" spans. */
function freeText(showPersonalData: boolean): (value: string, max?: number) => string {
  return (value, max = 400) => escapeMarkdown(showPersonalData ? value : maskQuoted(value), max);
}

function verdictView(plan: Plan): VerdictView {
  const n = plan.operations.length;
  const guards = [...new Set(plan.verdict.reasons.map((r) => r.guard))].map(codeOrEscaped).join(', ');
  const reasons = plan.verdict.reasons.map((r) => ({
    requires: r.requires === 'blocked' ? 'blocks' : 'needs approval', guard: codeOrEscaped(r.guard), message: escapeMarkdown(r.message, 400),
  }));
  const changes = plural(n, 'change', 'changes');
  switch (plan.verdict.status) {
    case 'blocked':
      return { icon: '⛔', label: 'Blocked', headline: `${changes}; tripped ${guards}. This plan will not be applied.`, reasons };
    case 'needs-approval':
      return { icon: '⚠️', label: 'Needs approval', headline: `${changes}; tripped ${guards}. A reviewer must approve this plan (see the end of this comment).`, reasons };
    default:
      return n === 0
        ? { icon: '✅', label: 'No changes', headline: 'Canvas matches the SIS and the policies.', reasons }
        : { icon: '✅', label: 'Within guards', headline: `${changes}, applied after this pull request is reviewed and merged.`, reasons };
  }
}

/** `SIS: OneRoster CSV <path> (760 users) · Canvas: live https://…`, each value escaped (paths are free text). */
function sourcesView(plan: Plan): { sis: string; canvas: string } | null {
  const sources = plan.inputs.sources;
  return sources ? { sis: escapeMarkdown(sources.sis, 300), canvas: escapeMarkdown(sources.canvas, 300) } : null;
}

function summaryView(plan: Plan): SummaryView | null {
  if (plan.operations.length === 0) return null;
  const cell = (n: number | undefined) => (n ? count(n) : '·');
  const total: Record<Action, number> = { create: 0, update: 0, adopt: 0, drop: 0 };
  const rows = [];
  for (const entity of ENTITY_ORDER) {
    const perAction = plan.summary[entity];
    if (!perAction) continue;
    for (const a of ACTIONS) total[a] += perAction[a] ?? 0;
    const c = plan.counts?.[entity];
    rows.push({
      entity, create: cell(perAction.create), update: cell(perAction.update), adopt: cell(perAction.adopt), drop: cell(perAction.drop),
      desired: c ? count(c.desired) : '·', managed: c ? count(c.canvasManaged) : '·',
    });
  }
  return { rows, total: { create: cell(total.create), update: cell(total.update), adopt: cell(total.adopt), drop: cell(total.drop) } };
}

function listBlock(heading: string, intro: string | null, items: string[]): ListBlock[] {
  if (items.length === 0) return [];
  return [{
    kind: 'list',
    open: renderTemplate('section-open', { heading, continued: false, intro }),
    reopen: renderTemplate('section-open', { heading, continued: true, intro: null }),
    close: '\n',
    items,
    oversized: '- (an entry too long for a comment: see `rosterops show`)\n',
  }];
}

function capped(items: string[], max: number, more: (n: number) => string): string[] {
  return items.length <= max ? items : [...items.slice(0, max), more(items.length - max)];
}

// ---- blast radius -------------------------------------------------------------------------------

function blastItems(plan: Plan): string[] {
  const labels = plan.labels ?? { accounts: {}, terms: {} };
  const groups = blastRadius(plan);
  if (groups.length === 0) return [];
  const items = groups.slice(0, MAX_BLAST_GROUPS).map((g) => `- ${blastLine(g, labels)}\n`);
  if (groups.length > MAX_BLAST_GROUPS) items.push(`- … and ${plural(groups.length - MAX_BLAST_GROUPS, 'more school and term', 'more schools and terms')}\n`);
  return items;
}

function blastLine(g: BlastRadiusGroup, labels: Plan['labels']): string {
  const school = g.account === null ? 'district-wide' : `**${escapeMarkdown(labels.accounts[g.account] ?? g.account)}**`;
  const where = g.term === null ? school : `${school} · ${escapeMarkdown(labels.terms[g.term] ?? g.term)}`;
  const parts: string[] = [];
  if (g.peopleLosingEnrollments.length > 0) {
    const people = g.peopleLosingEnrollments.map(({ role, people }, i) => {
      const [one, many] = ROLE_NAMES[role] ?? [escapeMarkdown(role), `${escapeMarkdown(role)} enrollees`];
      const phrase = plural(people, one, many);
      return i === 0 ? `**${phrase}**` : phrase;
    });
    const who = people.length === 1 ? people[0]! : `${people.slice(0, -1).join(', ')} and ${people.at(-1)!}`;
    const verb = g.peopleLosingEnrollments.length === 1 && g.peopleLosingEnrollments[0]!.people === 1 ? 'loses' : 'lose';
    parts.push(`${who} ${verb} **${plural(g.coursesLosingEnrollments, 'course', 'courses')}** (${lossPhrases(g, ['enrollments'], false)})`);
  }
  // Everything else that takes access away, by what it does: "suspends 807 users", "concludes 3 courses".
  const others = lossPhrases(g, ENTITY_ORDER.filter((e) => e !== 'enrollments' || g.peopleLosingEnrollments.length === 0));
  if (others) parts.push(others);
  if (g.cascadedEnrollments > 0) parts.push(`Canvas ends **${plural(g.cascadedEnrollments, 'enrollment', 'enrollments')}** with them`);
  const actions: string[] = [];
  for (const action of ACTIONS) {
    const perEntity = ENTITY_ORDER.flatMap((entity) => {
      const n = g.keepingAccess[action][entity] ?? 0;
      return n > 0 ? [plural(n, ENTITY_SINGULAR[entity], entity)] : [];
    });
    if (perEntity.length > 0) actions.push(`${ACTION_VERB[action]} ${perEntity.join(', ')}`);
  }
  if (actions.length > 0) parts.push(parts.length > 0 ? `also ${actions.join(' · ')}` : actions.join(' · '));
  return `${where}: ${parts.join('; ')}`;
}

/** "suspends **807 users**", "concludes **4,545 enrollments**": losses of access by effect, whatever the action label. */
function lossPhrases(g: BlastRadiusGroup, entities: readonly EntityName[], bold = true): string {
  const phrases: string[] = [];
  for (const entity of entities) {
    for (const [effect, n] of Object.entries(g.losses[entity] ?? {}) as [AccessEffect, number][]) {
      const what = plural(n, ENTITY_SINGULAR[entity], entity);
      phrases.push(`${EFFECT_VERB[effect]} ${bold ? `**${what}**` : what}`);
    }
  }
  return phrases.join(' · ');
}

// ---- risks --------------------------------------------------------------------------------------

function riskIntro(risks: readonly Risk[]): string | null {
  if (risks.length === 0) return null;
  const kinds = new Map<string, number>();
  for (const r of risks) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  return [...kinds].map(([kind, n]) => `${count(n)} ${codeOrEscaped(kind)}`).join(' · ');
}

function riskItems(risks: readonly Risk[], text: (value: string, max?: number) => string): string[] {
  const items = risks.slice(0, MAX_RISKS).map((r, i) => {
    const keys = r.keys.slice(0, 5).map((k) => escapeMarkdown(k, 80)).join(', ') + (r.keys.length > 5 ? ', …' : '');
    return `- **R${i + 1}** · ${codeOrEscaped(r.kind)} · ${escapeMarkdown(r.entity)} ${keys}: ${text(r.explanation, 600)}\n`
      + `  **Fix:** ${text(r.suggestedFix, 600)}\n`;
  });
  if (risks.length > MAX_RISKS) items.push(`- … and ${plural(risks.length - MAX_RISKS, 'more risk', 'more risks')} (\`rosterops show\` lists them all)\n`);
  return items;
}

// ---- operations ---------------------------------------------------------------------------------

function detailBlocks(plan: Plan, showPersonalData: boolean, perGroup: number): ListBlock[] {
  const buckets = new Map<EntityName, Record<Action, Operation[]>>();
  for (const op of plan.operations) {
    let byAction = buckets.get(op.entity);
    if (!byAction) buckets.set(op.entity, (byAction = { create: [], update: [], adopt: [], drop: [] }));
    byAction[op.action].push(op);
  }
  const blocks: ListBlock[] = [];
  const text = freeText(showPersonalData);
  for (const entity of ENTITY_ORDER) {
    const byAction = buckets.get(entity);
    if (!byAction) continue;
    const rows: string[] = [];
    for (const action of ACTIONS) {
      const ops = byAction[action];
      const shown = Math.min(ops.length, perGroup);
      for (let i = 0; i < shown; i++) rows.push(operationRow(ops[i]!, showPersonalData, text));
      if (ops.length > shown) rows.push(`| … | and ${plural(ops.length - shown, `more ${action}`, `more ${action}s`)} | \`rosterops show\` lists them all | | |\n`);
    }
    const counts = ACTIONS.filter((a) => byAction[a].length > 0).map((a) => `${count(byAction[a].length)} ${a}`).join(' · ');
    blocks.push({
      kind: 'list',
      open: renderTemplate('details-open', { entity, counts, continued: false }),
      reopen: renderTemplate('details-open', { entity, counts, continued: true }),
      close: renderTemplate('details-close', {}),
      items: rows,
      oversized: '| … | (a row too long for a comment) | `rosterops show` lists it | | |\n',
    });
  }
  return blocks;
}

function operationRow(op: Operation, showPersonalData: boolean, text: (value: string, max?: number) => string): string {
  const risks = op.risks?.length ? ` ⚠️ ${op.risks.map((r) => `R${r + 1}`).join(' ')}` : '';
  const changes = changeCell(op, showPersonalData);
  const reason = `${op.entity === 'users' || op.entity === 'enrollments' ? text(op.reason.text) : escapeMarkdown(op.reason.text, 400)} (${codeOrEscaped(op.reason.rule)})`;
  const source = op.reason.source ? escapeMarkdown(op.reason.source, 80) : '—';
  return `| ${ACTION_LABEL[op.action]} | ${escapeMarkdown(op.key)}${risks} | ${changes} | ${reason} | ${source} |\n`;
}

function changeCell(op: Operation, showPersonalData: boolean): string {
  if (op.changes.length === 0) return '—';
  const value = (change: FieldChange, v: string | null) => {
    const shown = showPersonalData ? v : maskValue(op.entity, change.field, v);
    return shown === null ? '∅' : shown === '' ? '""' : escapeMarkdown(shown, MAX_SHOWN_VALUE);
  };
  const lines = op.changes.slice(0, MAX_CHANGES_PER_ROW).map((c) => {
    const field = escapeMarkdown(c.field, 60);
    return c.before === null ? `${field} = ${value(c, c.after)}` : `${field}: ${value(c, c.before)} → ${value(c, c.after)}`;
  });
  if (op.changes.length > MAX_CHANGES_PER_ROW) lines.push(`… ${plural(op.changes.length - MAX_CHANGES_PER_ROW, 'more field', 'more fields')}`);
  return lines.join('<br>');
}

// ---- footer -------------------------------------------------------------------------------------

/** `policies/approvals/<first 12 hex digits of the planId>.yaml` */
export function approvalRecordPath(planId: string): string {
  const hex = planId.replace(/^sha256:/, '').replace(/[^0-9a-f]/gi, '').slice(0, 12);
  return `policies/approvals/${hex}.yaml`;
}

function footerView(plan: Plan, options: CommentOptions) {
  const digest = (d: string) => codeOrEscaped(d.length > 16 ? d.slice(0, 12) : d);
  const status = plan.verdict.status;
  return {
    planId: codeOrEscaped(plan.planId),
    formatVersion: escapeMarkdown(plan.formatVersion),
    inputs: { config: digest(plan.inputs.config), sis: digest(plan.inputs.sis), canvas: digest(plan.inputs.canvas), asOf: escapeMarkdown(plan.inputs.asOf) },
    commit: options.commit ? escapeMarkdown(options.commit, 64) : null, // plain, so GitHub links the SHA
    repository: options.repository ? escapeMarkdown(options.repository) : null,
    approval: {
      needed: status === 'needs-approval',
      blocked: status === 'blocked',
      routine: status === 'ok' && plan.operations.length > 0,
      nothing: status === 'ok' && plan.operations.length === 0,
      record: codeOrEscaped(approvalRecordPath(plan.planId)),
    },
  };
}
