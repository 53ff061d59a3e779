/**
 * The apply journal: what apply has sent to Canvas, written (atomically) before every upload and at
 * every change of state, beside the apply record. A run that is killed leaves it behind; the next
 * `apply` of the same plan reads it to find the imports that landed instead of sending them again.
 * It holds ids, digests, sizes and counts only: never a CSV row (names, e-mails).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export interface JournalAttempt {
  /** When the upload request was sent (client clock). */
  sentAt: string;
  /** null while unknown; false once the import list showed it created nothing. */
  landed: boolean | null;
}

export interface JournalPhase {
  /** Index in plan/phases.ts importPhases(plan.operations). */
  index: number;
  zipSha256: string;
  zipBytes: number;
  rows: number;
  /** Each CSV of the zip: name, byte size (Canvas lists them so), rows. */
  files: { name: string; size: number; rows: number }[];
  /** Import ids in the account's list before the first attempt: a later one may be this upload's. */
  knownBefore: string[];
  attempts: JournalAttempt[];
  importId: string | null;
  workflowState: string | null;
}

export interface Journal {
  kind: 'rosterops-apply-journal';
  formatVersion: 1;
  planId: string;
  /** Canvas base URL (no credentials) and root account the imports went to. */
  canvas: string;
  account: string;
  /** `sending` until the run ends; `ended` when its apply record says everything. */
  state: 'sending' | 'ended';
  updatedAt: string;
  phases: JournalPhase[];
}

/** `apply-record.json` → `apply-record.journal.json`, beside it (so `--record` moves both). */
export function journalPathFor(recordPath: string): string {
  const name = basename(recordPath).replace(/\.json$/i, '');
  return join(dirname(recordPath), `${name}.journal.json`);
}

export async function writeJournal(path: string, journal: Journal): Promise<void> {
  await writeFileAtomic(path, JSON.stringify({ ...journal, updatedAt: new Date().toISOString() }, null, 2) + '\n');
}

/** The journal at `path`, or null when there is none. A damaged one is a located error: it is never guessed at. */
export async function readJournal(path: string): Promise<Journal | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError('journal.unreadable', `cannot read the apply journal: ${(err as Error).message}`, { file: path },
      'Make the file readable, or move it away if no apply of this plan was interrupted.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DataError('journal.malformed', 'the apply journal is not JSON', { file: path }, hintDamaged);
  }
  return checkJournal(value, path);
}

const hintDamaged = 'The journal is written by rosterops only. If an apply was interrupted, check the SIS imports in Canvas, then move the file away and plan again.';

function checkJournal(value: unknown, file: string): Journal {
  const fail = (field: string, what: string): never => {
    throw new DataError('journal.malformed', `the apply journal ${what}`, { file, field }, hintDamaged);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return fail('', 'is not an object');
  if (value.kind !== 'rosterops-apply-journal' || value.formatVersion !== 1) fail('/formatVersion', 'is not a version 1 rosterops apply journal');
  for (const key of ['planId', 'canvas', 'account', 'updatedAt'] as const) if (typeof value[key] !== 'string') fail(`/${key}`, `has no ${key}`);
  if (value.state !== 'sending' && value.state !== 'ended') fail('/state', 'has an unknown state');
  if (!Array.isArray(value.phases)) return fail('/phases', 'has no phases list');
  value.phases.forEach((p: unknown, i: number) => {
    const at = `/phases/${i}`;
    if (!isObject(p)) return fail(at, 'has a phase that is not an object');
    if (!Number.isInteger(p.index)) fail(`${at}/index`, 'has a phase without an index');
    for (const key of ['zipSha256'] as const) if (typeof p[key] !== 'string') fail(`${at}/${key}`, `has a phase without ${key}`);
    for (const key of ['zipBytes', 'rows'] as const) if (typeof p[key] !== 'number') fail(`${at}/${key}`, `has a phase without ${key}`);
    if (!Array.isArray(p.files)) fail(`${at}/files`, 'has a phase without files');
    if (!Array.isArray(p.knownBefore) || !p.knownBefore.every((x) => typeof x === 'string')) fail(`${at}/knownBefore`, 'has a phase without knownBefore ids');
    if (!Array.isArray(p.attempts)) return fail(`${at}/attempts`, 'has a phase without attempts');
    p.attempts.forEach((a: unknown, j: number) => {
      if (!isObject(a) || typeof a.sentAt !== 'string' || Number.isNaN(Date.parse(a.sentAt)) || !(a.landed === null || typeof a.landed === 'boolean')) fail(`${at}/attempts/${j}`, 'has a malformed upload attempt');
    });
    if (!(p.importId === null || typeof p.importId === 'string')) fail(`${at}/importId`, 'has a malformed importId');
    if (!(p.workflowState === null || typeof p.workflowState === 'string')) fail(`${at}/workflowState`, 'has a malformed workflowState');
    return undefined;
  });
  return value as unknown as Journal;
}
