/**
 * Accounts, terms (with per-enrollment-type overrides), courses and sections: objects keyed by a
 * SIS id, whose import rows need every required column even when only one field changes.
 */
import type { AccountRecord, CanvasState, CourseRecord, SectionRecord, TermOverrideRecord, TermRecord } from '../../model/canvas.js';
import type { Operation } from '../../model/plan.js';
import type { Config } from '../../policy/types.js';
import type { DesiredCourse, DesiredSection, DesiredState, DesiredTerm } from '../desired.js';
import { creationChanges, fieldChanges, importRow, norm, operation, reasons, type PlanBuilder } from './common.js';

const isDeleted = (status: string): boolean => status === 'deleted';

/** Index by SIS id, skipping objects without one (they cannot collide with SIS rows). */
function bySisId<T>(records: T[], key: (r: T) => string | null | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const r of records) {
    const id = key(r);
    if (id) map.set(id, r);
  }
  return map;
}

export interface StructureScope {
  /** Canvas term ids the plan manages (drops of courses in other terms are out of scope). */
  terms: Set<string>;
  /** Canvas course ids considered in scope (desired or SIS-managed in a managed term). */
  courses: Set<string>;
}

export function diffAccounts(desired: DesiredState, actual: CanvasState, config: Config, plan: PlanBuilder): void {
  const rule = config.rules.accounts;
  const existing = bySisId(actual.accounts, (a) => a.account_id);
  const wanted = new Set<string>();
  for (const d of desired.accounts) {
    wanted.add(d.account_id);
    const a = existing.get(d.account_id);
    const fields = rule.owns;
    const row = (src: AccountRecord, base: AccountRecord | undefined) => importRow('accounts', {
      account_id: src.account_id,
      parent_account_id: pick('parent_account_id', fields, src, base),
      name: pick('name', fields, src, base),
      status: 'active',
    });
    if (!a || isDeleted(a.status)) {
      plan.add(operation({
        entity: 'accounts', action: 'create', key: d.account_id, canvasId: a?.canvas_account_id,
        changes: creationChanges(d, ['name', 'parent_account_id']),
        reason: a ? reasons.restore('accounts', d.origin) : reasons.create(d.origin), rows: [row(d, undefined)], account: d.account_id,
      }));
      continue;
    }
    const changes = fieldChanges(d, a, fields);
    const adopt = a.created_by_sis === false;
    if (changes.length > 0 || adopt) {
      plan.add(operation({
        entity: 'accounts', action: adopt ? 'adopt' : 'update', key: d.account_id, canvasId: a.canvas_account_id, changes,
        reason: adopt ? reasons.adoptBySisId(d.origin) : reasons.update('accounts', d.origin), rows: [row(d, a)], account: d.account_id,
      }));
    }
  }
  if (rule.missing === 'delete') {
    if (config.scope.schools) {
      plan.note('account drops are off: scope.schools limits the sync to some schools, so a missing school may simply be out of scope');
      return;
    }
    for (const a of actual.accounts) {
      if (!a.account_id || wanted.has(a.account_id) || !a.created_by_sis || isDeleted(a.status)) continue;
      plan.add(operation({
        entity: 'accounts', action: 'drop', key: a.account_id, canvasId: a.canvas_account_id,
        changes: [{ field: 'status', before: a.status, after: 'deleted' }], reason: reasons.drop('accounts', 'delete'),
        rows: [importRow('accounts', { account_id: a.account_id, parent_account_id: a.parent_account_id, name: a.name, status: 'deleted' })],
        account: a.account_id,
      }));
    }
  }
}

export function diffTerms(desired: DesiredState, actual: CanvasState, config: Config, plan: PlanBuilder): void {
  const rule = config.rules.terms;
  const existing = bySisId(actual.terms, (t) => t.term_id);
  const wanted = new Set<string>();
  for (const d of desired.terms) {
    wanted.add(d.term_id);
    const a = existing.get(d.term_id);
    const row = (base: TermRecord | undefined) => importRow('terms', {
      term_id: d.term_id,
      name: pick('name', rule.owns, d, base),
      status: 'active',
      // Canvas pairs term dates: an empty cell clears the date, so unowned dates are sent back as they are.
      start_date: pick('start_date', rule.owns, d, base),
      end_date: pick('end_date', rule.owns, d, base),
    });
    if (!a || isDeleted(a.status)) {
      plan.add(operation({
        entity: 'terms', action: 'create', key: d.term_id, canvasId: a?.canvas_term_id,
        changes: creationChanges(d, ['name', 'start_date', 'end_date']),
        reason: a ? reasons.restore('terms', d.origin) : reasons.create(d.origin), rows: [row(undefined)], term: d.term_id,
      }));
      continue;
    }
    const changes = fieldChanges(d, a, rule.owns);
    const adopt = a.created_by_sis === false;
    if (changes.length > 0 || adopt) {
      plan.add(operation({
        entity: 'terms', action: adopt ? 'adopt' : 'update', key: d.term_id, canvasId: a.canvas_term_id, changes,
        reason: adopt ? reasons.adoptBySisId(d.origin) : reasons.update('terms', d.origin), rows: [row(a)], term: d.term_id,
      }));
    }
  }
  diffTermOverrides(desired, actual, plan);
  flagUnmatchedOverrides(desired, config, plan);
  if (rule.missing === 'delete') {
    if (config.scope.terms) {
      plan.note('term drops are off: scope.terms limits the sync to some terms, so a missing term may simply be out of scope');
      return;
    }
    for (const a of actual.terms) {
      if (!a.term_id || wanted.has(a.term_id) || !a.created_by_sis || isDeleted(a.status)) continue;
      plan.add(operation({
        entity: 'terms', action: 'drop', key: a.term_id, canvasId: a.canvas_term_id,
        changes: [{ field: 'status', before: a.status, after: 'deleted' }], reason: reasons.drop('terms', 'delete'),
        rows: [importRow('terms', { term_id: a.term_id, name: a.name, status: 'deleted', start_date: a.start_date, end_date: a.end_date })],
        term: a.term_id,
      }));
    }
  }
}

/**
 * A term override that matches no synced term is not applied: most likely a typo in the term id,
 * or a term the export no longer has. Either way the dates someone meant to enforce are not, so
 * the plan says so as a risk (needs approval by default; `guards.risks.unmatched-term-override`).
 */
function flagUnmatchedOverrides(desired: DesiredState, config: Config, plan: PlanBuilder): void {
  const synced = new Set(desired.terms.map((t) => t.term_id));
  for (const o of config.termOverrides) {
    if (synced.has(o.term)) continue;
    plan.risk({
      kind: 'unmatched-term-override', entity: 'terms', keys: [o.term],
      explanation: `the term override at ${o.where.file}:${o.where.line}:${o.where.column} names term ${o.term}, which the SIS export does not have or the scope leaves out: its dates are not applied`,
      suggestedFix: 'Correct the term id (the Canvas term_id the term formula builds, e.g. the session sourcedId), or remove the override if the term is gone.',
    });
  }
}

function overrideKey(o: TermOverrideRecord): string {
  return `${o.term_id}|${o.date_override_enrollment_type}`;
}

function overrideRow(o: TermOverrideRecord, status: 'active' | 'deleted') {
  return importRow('terms', {
    term_id: o.term_id, name: '', status, start_date: o.start_date, end_date: o.end_date,
    date_override_enrollment_type: o.date_override_enrollment_type,
  });
}

/**
 * Provisioning reports do not export term overrides (reference §4.3); when the source could not
 * tell, every desired override is sent (idempotent) and the plan says why.
 */
function diffTermOverrides(desired: DesiredState, actual: CanvasState, plan: PlanBuilder): void {
  const known = actual.termOverrides;
  if (known === null && desired.termOverrides.length > 0) {
    plan.note('Canvas term date overrides are unknown (provisioning reports do not export them): every override in the policies is sent');
  }
  const existing = new Map((known ?? []).map((o) => [overrideKey(o), o]));
  const managedTerms = new Set(desired.terms.map((t) => t.term_id));
  const wanted = new Set<string>();
  for (const d of desired.termOverrides) {
    const key = overrideKey(d);
    wanted.add(key);
    const a = existing.get(key);
    const changes = a ? fieldChanges(d, a, ['start_date', 'end_date']) : creationChanges(d, ['start_date', 'end_date']);
    if (a && changes.length === 0) continue;
    plan.add(operation({
      entity: 'terms', action: a ? 'update' : 'create', key, canvasId: null, changes,
      reason: { rule: 'termOverrides', text: `${d.date_override_enrollment_type} dates for term ${d.term_id}`, source: d.origin },
      rows: [overrideRow(d, 'active')], term: d.term_id,
    }));
  }
  for (const a of known ?? []) {
    const key = overrideKey(a);
    if (wanted.has(key) || !managedTerms.has(a.term_id)) continue;
    plan.add(operation({
      entity: 'terms', action: 'drop', key, canvasId: null,
      changes: [{ field: 'date_override_enrollment_type', before: a.date_override_enrollment_type, after: null }],
      reason: { rule: 'termOverrides', text: 'override in Canvas that the policies no longer define' },
      rows: [overrideRow(a, 'deleted')], term: a.term_id,
    }));
  }
}

/** Report course statuses → the status a desired course row means. */
function courseStatusMatches(desired: string, actual: string): boolean {
  // `active` never unpublishes a published course (reference §3.8), so both states satisfy it.
  if (desired === 'active') return actual === 'unpublished' || actual === 'active';
  if (desired === 'published') return actual === 'active';
  if (desired === 'completed') return actual === 'concluded';
  return desired === actual;
}

/** A status cell that leaves the course in its current state (used when status is not SIS-owned). */
function courseStatusPreserving(actual: string): string {
  if (actual === 'concluded') return 'completed';
  if (actual === 'active') return 'published';
  return 'active';
}

export function diffCourses(desired: DesiredState, actual: CanvasState, config: Config, plan: PlanBuilder, scope: StructureScope): void {
  const rule = config.rules.courses;
  const existing = bySisId(actual.courses, (c) => c.course_id);
  const compared = rule.owns.filter((f) => f !== 'status');
  const ownsStatus = rule.owns.includes('status');
  const wanted = new Set<string>();
  for (const d of desired.courses) {
    wanted.add(d.course_id);
    const a = existing.get(d.course_id);
    if (!a || isDeleted(a.status)) {
      plan.add(operation({
        entity: 'courses', action: 'create', key: d.course_id, canvasId: a?.canvas_course_id,
        changes: creationChanges(d, ['long_name', 'short_name', 'account_id', 'term_id', 'integration_id', 'status']),
        reason: a ? reasons.restore('courses', d.origin) : reasons.create(d.origin), rows: [courseRow(d, undefined, rule.owns)],
        account: d.account, term: d.term,
      }));
      continue;
    }
    const changes = fieldChanges(d, a, compared);
    if (ownsStatus && !courseStatusMatches(d.status, a.status)) changes.push({ field: 'status', before: a.status, after: d.status });
    const adopt = a.created_by_sis === false;
    if (changes.length > 0 || adopt) {
      plan.add(operation({
        entity: 'courses', action: adopt ? 'adopt' : 'update', key: d.course_id, canvasId: a.canvas_course_id, changes,
        reason: adopt ? reasons.adoptBySisId(d.origin) : reasons.update('courses', d.origin), rows: [courseRow(d, a, rule.owns)],
        account: d.account, term: d.term,
      }));
    }
  }
  for (const a of actual.courses) {
    if (!a.course_id || wanted.has(a.course_id)) continue;
    if (!a.created_by_sis) {
      if (rule.manual === 'flag') flagManual(plan, 'courses', a.course_id ?? `canvas:${a.canvas_course_id}`, a.long_name);
      continue;
    }
    if (rule.missing === 'ignore' || !scope.courses.has(a.course_id)) continue;
    const target = rule.missing === 'conclude' ? 'completed' : 'deleted';
    if (isDeleted(a.status) || (target === 'completed' && a.status === 'concluded')) continue;
    plan.add(operation({
      entity: 'courses', action: 'drop', key: a.course_id, canvasId: a.canvas_course_id,
      changes: [{ field: 'status', before: a.status, after: target }], reason: reasons.drop('courses', rule.missing),
      rows: [importRow('courses', { course_id: a.course_id, short_name: a.short_name, long_name: a.long_name, account_id: a.account_id, term_id: a.term_id, status: target })],
      account: a.account_id, term: a.term_id,
    }));
  }
  for (const a of actual.courses) {
    if (!a.course_id && rule.manual === 'flag') flagManual(plan, 'courses', `canvas:${a.canvas_course_id}`, a.long_name);
  }
}

function courseRow(d: DesiredCourse, a: CourseRecord | undefined, owns: string[]) {
  return importRow('courses', {
    course_id: d.course_id,
    integration_id: pick('integration_id', owns, d, a),
    short_name: pick('short_name', owns, d, a),
    long_name: pick('long_name', owns, d, a),
    account_id: pick('account_id', owns, d, a),
    term_id: pick('term_id', owns, d, a),
    status: !a || owns.includes('status') ? d.status : courseStatusPreserving(a.status),
  });
}

export function diffSections(desired: DesiredState, actual: CanvasState, config: Config, plan: PlanBuilder, scope: StructureScope): void {
  const rule = config.rules.sections;
  const existing = bySisId(actual.sections, (s) => s.section_id);
  const wanted = new Set<string>();
  for (const d of desired.sections) {
    wanted.add(d.section_id);
    const a = existing.get(d.section_id);
    if (!a || isDeleted(a.status)) {
      plan.add(operation({
        entity: 'sections', action: 'create', key: d.section_id, canvasId: a?.canvas_section_id,
        changes: creationChanges(d, ['name', 'course_id', 'integration_id']),
        reason: a ? reasons.restore('sections', d.origin) : reasons.create(d.origin), rows: [sectionRow(d, undefined, rule.owns)],
        account: d.account, term: d.term,
      }));
      continue;
    }
    const changes = fieldChanges(d, a, rule.owns);
    const adopt = a.created_by_sis === false;
    if (changes.length > 0 || adopt) {
      plan.add(operation({
        entity: 'sections', action: adopt ? 'adopt' : 'update', key: d.section_id, canvasId: a.canvas_section_id, changes,
        reason: adopt ? reasons.adoptBySisId(d.origin) : reasons.update('sections', d.origin), rows: [sectionRow(d, a, rule.owns)],
        account: d.account, term: d.term,
      }));
    }
  }
  if (rule.missing !== 'delete') return;
  for (const a of actual.sections) {
    if (!a.section_id || wanted.has(a.section_id) || !a.created_by_sis || isDeleted(a.status)) continue;
    if (!a.course_id || !scope.courses.has(a.course_id)) continue;
    plan.add(operation({
      entity: 'sections', action: 'drop', key: a.section_id, canvasId: a.canvas_section_id,
      changes: [{ field: 'status', before: a.status, after: 'deleted' }], reason: reasons.drop('sections', 'delete'),
      rows: [importRow('sections', { section_id: a.section_id, course_id: a.course_id, name: a.name, status: 'deleted' })],
      account: a.account_id ?? null,
    }));
  }
}

function sectionRow(d: DesiredSection, a: SectionRecord | undefined, owns: string[]) {
  return importRow('sections', {
    section_id: d.section_id,
    course_id: pick('course_id', owns, d, a),
    integration_id: pick('integration_id', owns, d, a),
    name: pick('name', owns, d, a),
    status: 'active',
  });
}

/** Owned (or new) → the SIS value; otherwise what Canvas has, so the row changes nothing else. */
function pick<F extends string>(field: F, owns: readonly string[], desired: object, actual: object | undefined): string | null {
  const source = !actual || owns.includes(field) ? desired : actual;
  return norm((source as Record<string, string | null>)[field]);
}

function flagManual(plan: PlanBuilder, entity: 'courses', key: string, name: string | null): void {
  plan.risk({
    kind: 'manual-object', entity, keys: [key],
    explanation: `course "${name ?? key}" was created by hand in a synced account; the sync leaves it alone`,
    suggestedFix: 'Give it a SIS id in the SIS export if it should be managed, or set rules.courses.manual: ignore to stop flagging it.',
  });
}

/** The scope in which structure drops are allowed: terms the plan manages, and their courses. */
export function structureScope(desired: DesiredState, actual: CanvasState): StructureScope {
  const terms = new Set(desired.terms.map((t) => t.term_id));
  const courses = new Set(desired.courses.map((c) => c.course_id));
  for (const c of actual.courses) {
    if (c.course_id && c.term_id && terms.has(c.term_id)) courses.add(c.course_id);
  }
  return { terms, courses };
}

export type { DesiredTerm, Operation };
