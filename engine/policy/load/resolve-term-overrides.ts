/** `termOverrides`: names and dates that replace what the SIS says about a term. */
import type { EnrollmentType } from '../../model/canvas.js';
import type { TermOverride } from '../types.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';

export function resolveTermOverrides(ctx: Resolver): TermOverride[] {
  const out: TermOverride[] = [];
  const firstIndex = new Map<string, number>();
  (ctx.w.termOverrides ?? []).forEach((t, i) => {
    const path: Segment[] = ['termOverrides', i];
    const prev = firstIndex.get(t.term);
    if (prev !== undefined) {
      const a = ctx.where(['termOverrides', prev]);
      ctx.error([...path, 'term'], 'policy.duplicate-term-override', `term \`${t.term}\` is overridden twice: termOverrides[${prev}] (${a.file}:${a.line}:${a.column}) and termOverrides[${i}]`, 'merge the two entries into one');
    } else {
      firstIndex.set(t.term, i);
    }
    if (t.startDate !== undefined && t.endDate !== undefined && t.startDate > t.endDate) {
      ctx.error([...path, 'endDate'], 'policy.date-order', `term \`${t.term}\` ends (${t.endDate}) before it starts (${t.startDate})`, 'swap the dates or correct one of them');
    }
    const enrollmentTypes: TermOverride['enrollmentTypes'] = {};
    for (const [type, dates] of Object.entries(t.enrollmentTypes ?? {}) as [EnrollmentType, { startDate?: string | null; endDate?: string | null }][]) {
      const startDate = dates.startDate ?? null;
      const endDate = dates.endDate ?? null;
      if (startDate !== null && endDate !== null && startDate > endDate) {
        ctx.error([...path, 'enrollmentTypes', type, 'endDate'], 'policy.date-order', `${type} dates of term \`${t.term}\` end (${endDate}) before they start (${startDate})`, 'swap the dates or correct one of them');
      }
      enrollmentTypes[type] = { startDate, endDate };
    }
    if (t.name === undefined && t.startDate === undefined && t.endDate === undefined && Object.keys(enrollmentTypes).length === 0) {
      ctx.warn(path, 'policy.empty-override', `the override of term \`${t.term}\` changes nothing`, 'add name, startDate, endDate or enrollmentTypes, or remove the entry');
    }
    // Dates of an enrollment type outside the term's own (policy) dates end before they start too.
    for (const [type, dates] of Object.entries(enrollmentTypes)) {
      if (dates?.endDate && t.startDate !== undefined && dates.endDate < t.startDate) {
        ctx.error([...path, 'enrollmentTypes', type, 'endDate'], 'policy.date-order', `${type} dates of term \`${t.term}\` end (${dates.endDate}) before the term starts (${t.startDate})`, 'correct the date: an override ending before its term starts gives that enrollment type no access at all');
      }
    }
    const o: TermOverride = { term: t.term, enrollmentTypes, where: ctx.where(path) };
    if (t.name !== undefined) o.name = t.name;
    if (t.startDate !== undefined) o.startDate = t.startDate;
    if (t.endDate !== undefined) o.endDate = t.endDate;
    out.push(o);
  });
  return out;
}
