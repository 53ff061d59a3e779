/**
 * OneRoster enrollments as columns (see OrEnrollmentColumns): the reader gives them so, and the
 * transform reads them so whether a snapshot came from the reader or was made in memory.
 */
import { Ordinals } from '../util/ordinals.js';
import { LazyRecords } from './lazy-records.js';
import type { OrEnrollmentColumns, SisSnapshot } from './oneroster.js';

const readEnrollments = new LazyRecords<SisSnapshot, OrEnrollmentColumns>('enrollments', columnsOfRecords);

/** Gives a snapshot its enrollments as columns: `sis.enrollments` makes the records when first read. */
export function withOrEnrollmentColumns(sis: SisSnapshot, columns: OrEnrollmentColumns): void {
  readEnrollments.attach(sis, columns);
}

/** A snapshot's enrollments as columns: the reader's when records were never made, else coded from the records. */
export function orEnrollmentColumnsOf(sis: SisSnapshot): OrEnrollmentColumns {
  return readEnrollments.columnsOf(sis);
}

/** Codes records (snapshots made in memory: the generator, tests). */
function columnsOfRecords(sis: SisSnapshot): OrEnrollmentColumns {
  const records = sis.enrollments;
  const n = records.length;
  const positions = (list: readonly { sourcedId: string }[]) => {
    const at = new Map<string, number>();
    list.forEach((r, i) => { if (!at.has(r.sourcedId)) at.set(r.sourcedId, i); });
    return at;
  };
  const classAt = positions(sis.classes);
  const userAt = positions(sis.users);
  const roles = new Ordinals();
  const columns = {
    count: n, classIndex: new Int32Array(n), userIndex: new Int32Array(n), roleCode: new Int32Array(n), roles: roles.values, primary: new Uint8Array(n),
    beginDate: new Array<string>(n), endDate: new Array<string>(n), sourceFile: (i: number) => records[i]!.sourceFile, sourceRow: new Int32Array(n),
    record: (i: number) => records[i]!,
  };
  for (let i = 0; i < n; i++) {
    const e = records[i]!;
    columns.classIndex[i] = classAt.get(e.classSourcedId) ?? -1;
    columns.userIndex[i] = userAt.get(e.userSourcedId) ?? -1;
    columns.roleCode[i] = roles.of(e.role);
    columns.primary[i] = e.primary ? 1 : 0;
    columns.beginDate[i] = e.beginDate;
    columns.endDate[i] = e.endDate;
    columns.sourceRow[i] = e.sourceRow;
  }
  return columns;
}
