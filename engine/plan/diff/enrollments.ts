/**
 * Enrollments have no SIS id: identity is section + user + role (reference §2.7). The hot path of
 * large districts: identities are numbered (engine/util/ordinals.ts) instead of built as strings, and
 * the key string of an enrollment is only made for the few that become operations.
 */
import type { CanvasState } from '../../model/canvas.js';
import { BY_HAND, BY_SIS, enrollmentColumnsOf, type CodedColumn, type EnrollmentColumns } from '../../model/enrollment-columns.js';
import { IdIndex } from '../../util/id-index.js';
import { Ordinals } from '../../util/ordinals.js';
import type { Config } from '../../policy/types.js';
import { enrollmentOrigin } from '../desired.js';
import type { DesiredEnrollmentColumns } from '../desired-enrollments.js';
import { importRow, operation, reasons, type PlanBuilder } from './common.js';
import type { StructureScope } from './structure.js';
import type { UserResolution } from './users.js';

/** Report status → the import status that means the same state. */
const REPORT_TO_IMPORT: ReadonlyMap<string, string> = new Map(Object.entries({
  active: 'active', invited: 'invited', concluded: 'completed', completed: 'completed', inactive: 'inactive', deleted: 'deleted', rejected: 'rejected',
}));

/** The import status a report status means; an unknown one (a custom or edited report) as written. */
function importStatusOf(reportStatus: string): string {
  return REPORT_TO_IMPORT.get(reportStatus) ?? reportStatus;
}

const DROP_STATUS = { conclude: 'completed', inactivate: 'inactive', delete: 'deleted' } as const;

function enrollmentRow(e: { course_id: string | null; section_id: string | null; user_id: string | null; role: string }, status: string) {
  return importRow('enrollments', { course_id: e.course_id, section_id: e.section_id, user_id: e.user_id, role: e.role, status });
}

export function diffEnrollments(
  desired: DesiredEnrollmentColumns, actual: CanvasState, config: Config, plan: PlanBuilder, users: UserResolution, scope: StructureScope,
): void {
  const rule = config.rules.enrollments;
  const ownsStatus = rule.owns.includes('status');
  const reported = enrollmentColumnsOf(actual);
  const status = reported.status;
  const ids = new EnrollmentIdentities(reported, users);
  const wanted = new Uint8Array(ids.size);
  // Each distinct section, user and role of the desired side is found once among Canvas's.
  const sectionOf = desired.placements.map((p) => ids.sectionOrdinalOf(p.section_id));
  const userOf = desired.userIds.map((u) => ids.userOrdinalOf(u));
  const roleOf = desired.roles.map((r) => ids.roleOrdinalOf(r));
  const activeStatus = desired.statuses.indexOf('active');
  for (let i = 0; i < desired.count; i++) {
    const entry = ids.findOrdinals(sectionOf[desired.placement[i]!]!, userOf[desired.user[i]!]!, roleOf[desired.role[i]!]!);
    if (entry !== -1) {
      wanted[entry] = 1;
      // Most enrollments are active on both sides: nothing to do, and no need to look at either record.
      if (desired.status[i] === activeStatus && ids.activeBySis(entry)) continue;
    }
    const held = entry === -1 ? -1 : ids.heldBy(entry);
    const reportedStatus = held === -1 ? null : status.values[status.codes[held]!]!;
    const wantedStatus = desired.statuses[desired.status[i]!]!;
    if (reportedStatus === null || reportedStatus === 'deleted') {
      // Reports leave out concluded enrollments (§4.3), so "absent" may already be "concluded":
      // never create an enrollment only to end it.
      if (wantedStatus === 'completed' || wantedStatus === 'deleted') continue;
      const d = desired.record(i);
      plan.add(operation({
        entity: 'enrollments', action: 'create', key: keyOf(d.section_id, d.user_id, d.role),
        canvasId: held === -1 ? undefined : reported.record(held).canvas_enrollment_id,
        changes: [{ field: 'status', before: held === -1 ? null : 'deleted', after: d.status }],
        reason: held === -1 ? reasons.create(enrollmentOrigin(d)) : reasons.restore('enrollments', enrollmentOrigin(d)),
        rows: [enrollmentRow(d, d.status)], role: d.role, account: d.account, term: d.term,
      }));
      continue;
    }
    const before = importStatusOf(reportedStatus);
    const statusDiffers = ownsStatus && before !== wantedStatus;
    const adopt = reported.createdBySis[held] === BY_HAND;
    if (!statusDiffers && !adopt) continue;
    const d = desired.record(i);
    plan.add(operation({
      entity: 'enrollments', action: adopt ? 'adopt' : 'update', key: keyOf(d.section_id, d.user_id, d.role),
      canvasId: reported.record(held).canvas_enrollment_id,
      changes: statusDiffers ? [{ field: 'status', before: reportedStatus, after: d.status }] : [],
      reason: adopt
        ? { rule: 'canvas.enrollment-identity', source: enrollmentOrigin(d), text: 'enrolled by hand with the same section, user and role: the import takes the enrollment over' }
        : reasons.update('enrollments', enrollmentOrigin(d)),
      rows: [enrollmentRow(d, ownsStatus ? d.status : before)], role: d.role, account: d.account, term: d.term,
    }));
  }
  if (rule.manual === 'flag') flagManualEnrollments(reported, ids, wanted, plan);
  if (rule.missing === 'ignore') return;
  dropMissing(reported, ids, wanted, actual, DROP_STATUS[rule.missing], rule.missing, scope, plan);
}

/** SIS-made enrollments Canvas has and the SIS no longer lists, in the courses the plan manages. */
function dropMissing(
  reported: EnrollmentColumns, ids: EnrollmentIdentities, wanted: Uint8Array, actual: CanvasState,
  target: string, missing: keyof typeof DROP_STATUS, scope: StructureScope, plan: PlanBuilder,
): void {
  const courseTerm = new Map<string, { account: string | null; term: string | null }>();
  for (const c of actual.courses) if (c.course_id) courseTerm.set(c.course_id, { account: c.account_id, term: c.term_id });
  // Per distinct course and status, not per row: whether it can be dropped.
  const courses = reported.course_id;
  const managedCourse = courses.values.map((c) => c !== '' && scope.courses.has(c));
  const statuses = reported.status.values.map(importStatusOf);
  const endable = statuses.map((s) => !(s === 'deleted' || s === target || (target === 'inactive' && s === 'completed')));
  const { user_id: user, section_id: section, status, createdBySis } = reported;
  for (let i = 0; i < reported.count; i++) {
    if (createdBySis[i] !== BY_SIS || user.codes[i] === 0 || section.codes[i] === 0) continue;
    const entry = ids.entryOf(i);
    if (entry === -1 || wanted[entry] === 1) continue;
    if (!managedCourse[courses.codes[i]!] || !endable[status.codes[i]!]) continue;
    const a = reported.record(i);
    const place = courseTerm.get(a.course_id!);
    plan.add(operation({
      entity: 'enrollments', action: 'drop', key: keyOf(a.section_id!, a.user_id!, a.role), canvasId: a.canvas_enrollment_id,
      changes: [{ field: 'status', before: a.status, after: target }], reason: reasons.drop('enrollments', missing),
      rows: [enrollmentRow(a, target)], role: a.role, account: place?.account ?? null, term: place?.term ?? null,
    }));
  }
}

/** The operation key of an enrollment. */
function keyOf(section: string, user: string, role: string): string {
  return `${section}|${user}|${role}`;
}

/**
 * The identities (section + user + role) of the enrollments Canvas reports, numbered; for each,
 * the enrollment that counts (the live one when the same identity is reported twice: deleted +
 * active re-enrolment). A Canvas enrollment without a SIS user id is identified through the SIS
 * user the plan gives its Canvas user (adopted or attached), or not at all.
 *
 * Sections, users and roles become ordinals, looked up once per distinct value of the report's
 * columns rather than once per row; the enrollments are then grouped by user with a counting sort
 * (a user has a handful), so finding an identity is one user lookup and a short scan of that
 * user's entries, which sit next to each other in memory.
 */
class EnrollmentIdentities {
  private readonly sections = new Ordinals();
  /** SIS user ids: a large report has a couple of hundred thousand (an IdIndex, not a Map, see util/id-index.ts). */
  private readonly users = new IdIndex();
  private readonly roles = new Ordinals();
  /** Identity of each reported enrollment, -1 when it has none. */
  private readonly entries: Int32Array;
  /** For each identity, the reported enrollment that counts. */
  private readonly held: Int32Array;
  /** For each identity, 1 when that enrollment is active and not made by hand. */
  private readonly active: Uint8Array;
  /** Per user ordinal u, its enrollments are byUser[starts[u] .. starts[u + 1]). */
  private readonly starts: Int32Array;
  private readonly sectionByUser: Int32Array;
  private readonly roleByUser: Int32Array;
  private readonly entryByUser: Int32Array;
  readonly size: number;

  constructor(private readonly reported: EnrollmentColumns, private readonly resolution: UserResolution) {
    const n = reported.count;
    const userOf = this.userOrdinals();
    const sectionByCode = ordinalsOfValues(reported.section_id, this.sections);
    const roleByCode = ordinalsOfValues(reported.role, this.roles);
    const sectionCodes = reported.section_id.codes;
    const roleCodes = reported.role.codes;
    const statusCodes = reported.status.codes;
    const activeByCode = reported.status.values.map((s) => s === 'active');
    const deletedByCode = reported.status.values.map((s) => s === 'deleted');
    const activeBySis = (i: number) => activeByCode[statusCodes[i]!]! && reported.createdBySis[i] !== BY_HAND;
    // Group by user (file order within a user).
    const userCount = this.users.ids.length;
    const starts = new Int32Array(userCount + 1);
    for (let i = 0; i < n; i++) if (userOf[i] !== -1) starts[userOf[i]! + 1]!++;
    for (let u = 0; u < userCount; u++) starts[u + 1]! += starts[u]!;
    const grouped = starts[userCount]!;
    const byUser = new Int32Array(grouped);
    const next = starts.slice(0, userCount);
    for (let i = 0; i < n; i++) if (userOf[i] !== -1) byUser[next[userOf[i]!]!++] = i;
    this.starts = starts;
    this.sectionByUser = new Int32Array(grouped);
    this.roleByUser = new Int32Array(grouped);
    this.entryByUser = new Int32Array(grouped);
    this.entries = new Int32Array(n).fill(-1);
    const held = new Int32Array(grouped);
    let size = 0;
    for (let u = 0; u < userCount; u++) {
      for (let x = starts[u]!; x < starts[u + 1]!; x++) {
        const i = byUser[x]!;
        const s = sectionByCode[sectionCodes[i]!]!;
        const r = roleByCode[roleCodes[i]!]!;
        this.sectionByUser[x] = s;
        this.roleByUser[x] = r;
        let entry = -1;
        for (let y = starts[u]!; y < x; y++) {
          if (this.sectionByUser[y] === s && this.roleByUser[y] === r) {
            entry = this.entryByUser[y]!;
            break;
          }
        }
        if (entry === -1) {
          entry = size++;
          held[entry] = i;
        } else if (deletedByCode[statusCodes[held[entry]!]!]) {
          held[entry] = i; // the same identity reported twice: the live one counts
        }
        this.entryByUser[x] = entry;
        this.entries[i] = entry;
      }
    }
    this.held = held.subarray(0, size);
    this.size = size;
    this.active = new Uint8Array(size);
    for (let entry = 0; entry < size; entry++) this.active[entry] = activeBySis(this.held[entry]!) ? 1 : 0;
  }

  /**
   * The user ordinal of each reported enrollment, -1 when it has no section or no SIS user. A
   * user id is looked up once per distinct value; a Canvas user id (hand-made logins) once too.
   */
  private userOrdinals(): Int32Array {
    const { user_id: user, canvas_user_id: canvasUser, section_id: section, count } = this.reported;
    const byUserCode = new Int32Array(user.values.length);
    for (let code = 1; code < user.values.length; code++) byUserCode[code] = this.users.ordinalOrAdd(user.values[code]!);
    const byCanvasUserCode = new Int32Array(canvasUser.values.length).fill(-2); // -2: not looked up yet
    byCanvasUserCode[0] = -1;
    const userOf = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      if (section.codes[i] === 0) {
        userOf[i] = -1;
        continue;
      }
      const code = user.codes[i]!;
      if (code !== 0) {
        userOf[i] = byUserCode[code]!;
        continue;
      }
      const canvasCode = canvasUser.codes[i]!;
      let ordinal = byCanvasUserCode[canvasCode]!;
      if (ordinal === -2) {
        const sisId = this.resolution.sisIdOfCanvasUser.get(canvasUser.values[canvasCode]!);
        byCanvasUserCode[canvasCode] = ordinal = sisId ? this.users.ordinalOrAdd(sisId) : -1;
      }
      userOf[i] = ordinal;
    }
    return userOf;
  }

  /** Whether the enrollment that counts for an identity is active and was not made by hand. */
  activeBySis(entry: number): boolean {
    return this.active[entry] === 1;
  }

  /** Ordinals of a section, a SIS user id and a role among those Canvas reports; -1 when it reports none. */
  sectionOrdinalOf(section: string): number {
    return this.sections.find(section);
  }

  userOrdinalOf(user: string): number {
    return this.users.ordinalOf(user);
  }

  roleOrdinalOf(role: string): number {
    return this.roles.find(role);
  }

  /** Identity with this section, user and role ordinal, or -1 when Canvas reports none with it. */
  findOrdinals(s: number, u: number, r: number): number {
    if (s === -1 || u === -1 || r === -1) return -1;
    for (let x = this.starts[u]!; x < this.starts[u + 1]!; x++) {
      if (this.sectionByUser[x] === s && this.roleByUser[x] === r) return this.entryByUser[x]!;
    }
    return -1;
  }

  /** Identity of reported enrollment i, or -1. */
  entryOf(i: number): number {
    return this.entries[i]!;
  }

  /** The reported enrollment that counts for an identity. */
  heldBy(entry: number): number {
    return this.held[entry]!;
  }

  /** The key of reported enrollment i, or null when it has no identity. */
  keyOf(i: number): string | null {
    const a = this.reported.record(i);
    const user = a.user_id || (a.canvas_user_id ? this.resolution.sisIdOfCanvasUser.get(a.canvas_user_id) : undefined);
    return user && a.section_id ? keyOf(a.section_id, user, a.role) : null;
  }
}

/** The ordinal of each distinct value of a column (-1 for the empty cell). */
function ordinalsOfValues(column: CodedColumn, ordinals: Ordinals): Int32Array {
  const out = new Int32Array(column.values.length);
  out[0] = -1;
  for (let code = 1; code < column.values.length; code++) out[code] = ordinals.of(column.values[code]!);
  return out;
}

/** One risk for all live enrollments made by hand that the SIS does not have (they are left alone). */
function flagManualEnrollments(reported: EnrollmentColumns, ids: EnrollmentIdentities, wanted: Uint8Array, plan: PlanBuilder): void {
  const keys: string[] = [];
  const deleted = reported.status.values.map((s) => s === 'deleted');
  for (let i = 0; i < reported.count; i++) {
    if (reported.createdBySis[i] === BY_SIS || deleted[reported.status.codes[i]!]) continue;
    const entry = ids.entryOf(i);
    if (entry !== -1 && wanted[entry] === 1) continue;
    keys.push(ids.keyOf(i) ?? `canvas:${reported.record(i).canvas_enrollment_id}`);
  }
  if (keys.length === 0) return;
  keys.sort();
  plan.risk({
    kind: 'manual-object', entity: 'enrollments', keys: keys.slice(0, 50),
    explanation: `${keys.length} enrollment(s) were made by hand in Canvas and are not in the SIS; the sync leaves them alone`,
    suggestedFix: 'Add them to the SIS if they should be managed, remove them in Canvas, or set rules.enrollments.manual: ignore to stop flagging them.',
  });
}
