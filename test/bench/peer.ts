/**
 * The peer: what a district's own sync script would do. csv-parse (`columns: true`, one object
 * per row) reads the OneRoster enrollments.csv and the Canvas report's enrollments.csv, then a
 * Map keyed by `section|user|role` joins them: enrollments to create, to reactivate, to end.
 * Run as a child of the benchmark: `node dist/test/bench/peer.js DATA_DIR`.
 *
 * It knows the example policies' formulas (student ids `s{{sourcedId}}`, staff `staff_t...`, the
 * role mapping) so its join finds the same pairs the planner does; it knows nothing else (no
 * users, classes, terms, guards or import rows), which is what makes it the cheap baseline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

type Row = Record<string, string>;

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: peer DATA_DIR');

const started = performance.now();
const sis = parse(readFileSync(join(dataDir, 'oneroster', 'enrollments.csv')), { columns: true, bom: true }) as Row[];
const sisParsed = performance.now();
const canvas = parse(readFileSync(join(dataDir, 'canvas-snapshot', 'enrollments.csv')), { columns: true, bom: true }) as Row[];
const canvasParsed = performance.now();

const canvasRole = (e: Row): string | null => {
  switch (e.role) {
    case 'student': return 'student';
    case 'teacher': return e.primary === 'false' ? 'ta' : 'teacher';
    case 'aide': return 'ta';
    default: return null;
  }
};
const canvasUser = (e: Row): string => (e.role === 'student' ? `s${e.userSourcedId}` : `staff_t${e.userSourcedId}`);

const inCanvas = new Map<string, Row>();
for (const c of canvas) {
  if (!c.user_id || !c.section_id) continue;
  inCanvas.set(`${c.section_id}|${c.user_id}|${c.role}`, c);
}
const wanted = new Set<string>();
let create = 0;
let reactivate = 0;
for (const e of sis) {
  const role = canvasRole(e);
  if (role === null) continue;
  const key = `${e.classSourcedId}|${canvasUser(e)}|${role}`;
  wanted.add(key);
  const c = inCanvas.get(key);
  if (!c || c.status === 'deleted') create++;
  else if (c.status !== 'active') reactivate++;
}
let end = 0;
for (const [key, c] of inCanvas) {
  if (!wanted.has(key) && c.created_by_sis === 'true' && c.status === 'active') end++;
}
const joined = performance.now();

process.stdout.write(`${JSON.stringify({
  sisRows: sis.length, canvasRows: canvas.length, create, reactivate, end,
  seconds: { parseSis: (sisParsed - started) / 1000, parseCanvas: (canvasParsed - sisParsed) / 1000, join: (joined - canvasParsed) / 1000 },
})}\n`);
