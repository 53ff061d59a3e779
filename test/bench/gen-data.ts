/**
 * Child process of the benchmark: builds one data set with the generator's library API.
 * `node dist/test/bench/gen-data.js --students N --seed S --drift PCT [--class-size F] --out DIR`
 * writes DIR/oneroster/ (the OneRoster export) and DIR/canvas-snapshot/ (a provisioning report
 * of Canvas as a clean sync with policies/ leaves it, then drifted), then DIR/meta.json last, so a
 * directory without meta.json is an interrupted run and is never reused.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateOneRosterExport, writeCanvasSnapshot } from '../../engine/gen/cli.js';
import { POLICIES } from './common.js';

const { values } = parseArgs({
  options: {
    students: { type: 'string' }, seed: { type: 'string', default: '1' }, drift: { type: 'string', default: '1' },
    'class-size': { type: 'string' }, out: { type: 'string' },
  },
});
if (!values.students || !values.out) throw new Error('usage: gen-data --students N --out DIR [--seed S] [--drift PCT] [--class-size F]');
const students = Number(values.students);
const seed = Number(values.seed);
const drift = Number(values.drift);
const classSize = values['class-size'] !== undefined ? Number(values['class-size']) : undefined;
const out = values.out;

await rm(out, { recursive: true, force: true });
const started = performance.now();
const result = await generateOneRosterExport({ students, seed, out, ...(classSize !== undefined ? { classSize } : {}) });
const sisWritten = performance.now();
const summary = await writeCanvasSnapshot(result.spec, out, { policies: POLICIES, drift, example: false, seed });
const canvasWritten = performance.now();
const driftLines = summary.split('\n').filter((l) => l.startsWith('  '));
await writeFile(join(out, 'meta.json'), JSON.stringify({
  students, seed, drift, classSize: classSize ?? null, counts: result.counts,
  driftChanges: driftLines.length,
  seconds: { oneroster: (sisWritten - started) / 1000, canvas: (canvasWritten - sisWritten) / 1000 },
}, null, 2) + '\n');
process.stdout.write(`${JSON.stringify({ counts: result.counts, seconds: (canvasWritten - started) / 1000 })}\n`);
