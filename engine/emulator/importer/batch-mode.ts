/**
 * Batch-mode cleanup (canvas-sis.md §3.5) and its change_threshold guard (§3.7), following
 * SisBatch#remove_previous_imports: only for types supplied in this batch; SIS-managed objects of
 * the batch's term(s) not stamped by this batch go; thresholds are checked per type before
 * anything is deleted; deletions run enrollments → sections → courses.
 */
import type { Course, Enrollment, EnrollmentState, Section } from '../store.js';
import type { ImportContext } from './context.js';
import { deleteCourseEnrollments } from './courses.js';
import type { ImporterType } from './detect.js';
import { deleteSectionEnrollments } from './sections.js';

export interface CleanupPlan {
  courses: Course[] | null;
  sections: Section[] | null;
  enrollments: Enrollment[] | null;
  dropStatus: EnrollmentState;
}

export const MULTI_TERM_NOT_FOUND = 'Terms not found. Terms must be included with multi_term_batch_mode';

export function thresholdMessage(count: number, type: 'courses' | 'sections' | 'enrollments', threshold: number): string {
  return `${count} ${type} would be deleted and exceeds the set threshold of ${threshold}%`;
}

/** The plan, `null` when there is nothing to clean up, or an abort message. */
export function planCleanup(ctx: ImportContext, supplied: ReadonlySet<ImporterType>): CleanupPlan | null | { abort: string } {
  const { store, batch } = ctx;
  if (!supplied.has('course') && !supplied.has('section') && !supplied.has('enrollment')) return null;
  let termIds: Set<number>;
  if (batch.options.multi_term_batch_mode) {
    termIds = ctx.touchedTermIds;
    if (termIds.size === 0) return { abort: MULTI_TERM_NOT_FOUND };
  } else if (batch.batchModeTermId !== null) {
    termIds = new Set([batch.batchModeTermId]);
  } else {
    return null;
  }
  const id = batch.id;
  const dropStatus = (batch.options.batch_mode_enrollment_drop_status ?? 'deleted') as EnrollmentState;
  const inTerms = (courseId: number): boolean => termIds.has(store.courses.get(courseId)?.termId ?? -1);

  let courses: Course[] | null = null;
  let sections: Section[] | null = null;
  let enrollments: Enrollment[] | null = null;
  const threshold = batch.changeThreshold;
  const exceeds = (count: number, all: number): boolean => threshold !== null && (count / all) * 100 > threshold;

  if (supplied.has('course')) {
    const scope = [...store.courses.values()].filter((c) => c.workflowState !== 'deleted' && c.sisSourceId !== null && c.sisBatchId !== null && termIds.has(c.termId));
    courses = scope.filter((c) => c.sisBatchId !== id);
    if (exceeds(courses.length, scope.length)) return { abort: thresholdMessage(courses.length, 'courses', threshold!) };
  }
  if (supplied.has('section')) {
    const scope = [...store.sections.values()].filter((s) =>
      s.workflowState !== 'deleted' && s.sisSourceId !== null && s.sisBatchId !== null && inTerms(s.nonxlistCourseId ?? s.courseId));
    sections = scope.filter((s) => s.sisBatchId !== id);
    if (exceeds(sections.length, scope.length)) return { abort: thresholdMessage(sections.length, 'sections', threshold!) };
  }
  if (supplied.has('enrollment')) {
    const scope = [...store.enrollments.values()].filter((e) => e.workflowState !== 'deleted' && e.sisBatchId !== null && inTerms(e.courseId));
    // Enrollments already in the drop status are left alone (§3.5).
    enrollments = scope.filter((e) => e.sisBatchId !== id && e.workflowState !== dropStatus);
    if (exceeds(enrollments.length, scope.length)) return { abort: thresholdMessage(enrollments.length, 'enrollments', threshold!) };
  }
  return { courses, sections, enrollments, dropStatus };
}

/** Applies a plan; returns the `data.counts` batch_* entries. */
export function applyCleanup(ctx: ImportContext, plan: CleanupPlan): Record<string, number> {
  const { store } = ctx;
  const counts: Record<string, number> = {};
  if (plan.enrollments) {
    for (const e of plan.enrollments) {
      ctx.recordState('Enrollment', e.workflowState, plan.dropStatus);
      e.workflowState = plan.dropStatus;
      if (plan.dropStatus === 'completed') e.completedAt ??= new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    counts.batch_enrollments_deleted = plan.enrollments.length;
  }
  if (plan.sections) {
    for (const s of plan.sections) {
      ctx.recordState('CourseSection', s.workflowState, 'deleted');
      deleteSectionEnrollments(ctx, store, s);
      s.workflowState = 'deleted';
    }
    counts.batch_sections_deleted = plan.sections.length;
  }
  if (plan.courses) {
    for (const c of plan.courses) {
      ctx.recordState('Course', c.workflowState, 'deleted');
      deleteCourseEnrollments(ctx, store, c);
      c.workflowState = 'deleted';
      // Batch-mode course deletion clears workflow_state stickiness (§3.3).
      c.stuck.delete('workflow_state');
    }
    counts.batch_courses_deleted = plan.courses.length;
  }
  return counts;
}
