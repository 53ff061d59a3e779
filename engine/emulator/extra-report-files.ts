/**
 * Provisioning entities beyond the six rosterops reads (§4.1 packaging, §4.3 columns). `xlist` is
 * computed from cross-listed sections; the emulator does not model groups, observers or admins,
 * so those files carry the exact header and no rows.
 */
import { stringify } from 'csv-stringify/sync';
import type { ReportFilter } from './report-state.js';
import type { Store } from './store.js';

export const EXTRA_REPORT_COLUMNS = {
  groups: ['canvas_group_id', 'group_id', 'canvas_group_category_id', 'group_category_id', 'canvas_account_id', 'account_id', 'canvas_course_id', 'course_id', 'name', 'status', 'created_by_sis', 'context_id', 'context_type', 'max_membership'],
  group_membership: ['canvas_group_id', 'group_id', 'canvas_user_id', 'user_id', 'status', 'created_by_sis'],
  group_categories: ['canvas_group_category_id', 'group_category_id', 'context_id', 'context_type', 'name', 'role', 'self_signup', 'group_limit', 'auto_leader', 'status'],
  xlist: ['canvas_xlist_course_id', 'xlist_course_id', 'canvas_section_id', 'section_id', 'status', 'canvas_nonxlist_course_id', 'nonxlist_course_id'],
  user_observers: ['canvas_observer_id', 'observer_id', 'canvas_student_id', 'student_id', 'status', 'created_by_sis'],
  admins: ['admin_user_name', 'canvas_user_id', 'user_id', 'canvas_account_id', 'account_id', 'role_id', 'role', 'status', 'created_by_sis'],
} as const;

export type ExtraEntity = keyof typeof EXTRA_REPORT_COLUMNS;

export function renderExtraFile(store: Store, entity: ExtraEntity, filter: ReportFilter): string {
  const rows = entity === 'xlist' ? xlistRows(store, filter) : [];
  return stringify(rows, { header: true, columns: [...EXTRA_REPORT_COLUMNS[entity]], record_delimiter: '\n' });
}

function xlistRows(store: Store, filter: ReportFilter): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const s of store.sections.values()) {
    if (s.nonxlistCourseId === null) continue;
    const course = store.courses.get(s.courseId)!;
    const original = store.courses.get(s.nonxlistCourseId)!;
    if (filter.termId !== null && course.termId !== filter.termId) continue;
    const live = course.workflowState !== 'deleted' && s.workflowState !== 'deleted';
    if (filter.includeDeleted ? !(live || (course.sisSourceId !== null && s.sisSourceId !== null)) : !(live && course.workflowState !== 'completed')) continue;
    if (filter.createdBySis && s.sisBatchId === null) continue;
    rows.push([String(course.id), course.sisSourceId, String(s.id), s.sisSourceId, s.workflowState, String(original.id), original.sisSourceId]);
  }
  return rows;
}
