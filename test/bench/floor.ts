/**
 * The parse floor: the fastest RFC-4180 parser available (udsv: inferSchema, then
 * initParser(schema).stringArrs) reading every CSV file `rosterops plan` reads for a data set
 * (the OneRoster files its reader loads and every Canvas report file), one after the other.
 * Nothing is converted, joined or checked: no planner can read its input faster than this.
 * Run as a child of the benchmark: `node dist/test/bench/floor.js DATA_DIR`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { inferSchema, initParser } from 'udsv';
import { filesThePlanReads } from './common.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: floor DATA_DIR');

const started = performance.now();
const perFile: Record<string, number> = {};
let rows = 0;
let bytes = 0;
for (const path of filesThePlanReads(dataDir)) {
  const t = performance.now();
  const text = readFileSync(path, 'utf8');
  bytes += text.length;
  const parsed = initParser(inferSchema(text)).stringArrs(text);
  rows += parsed.length;
  perFile[`${basename(path)}${path.includes('canvas-snapshot') ? ' (canvas)' : ''}`] = Math.round(performance.now() - t);
}
const done = performance.now();
process.stdout.write(`${JSON.stringify({ rows, chars: bytes, seconds: (done - started) / 1000, perFileMs: perFile })}\n`);
