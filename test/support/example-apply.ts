/**
 * The example district applied through the real CLI against an in-process Canvas emulator, with
 * the client timeouts shortened: shared by the fault matrix and the interrupted-apply tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { CLI, ROOT } from './workspace.js';

export const TOKEN = 'matrix-token-7d1e93c0b2';
const SNAPSHOT = join(ROOT, 'examples/maple-valley/canvas-snapshot');
/** Client request timeout 1.5 s; an unanswered upload may land until 1.5 + 3 s after it was sent. */
export const FAST_ENV = {
  CANVAS_TOKEN: TOKEN, NO_COLOR: '1',
  ROSTEROPS_HTTP_TIMEOUT_MS: '1500', ROSTEROPS_UPLOAD_LANDING_MARGIN_MS: '3000', ROSTEROPS_HTTP_BACKOFF_MS: '20',
};
export const NOTHING_APPLIED = 'nothing was written or applied';
const FAILED = new Set(['failed', 'failed_with_messages', 'aborted']);

export interface Run {
  code: number | null;
  signal: string | null;
  out: string;
}

/** Runs the CLI; with `kill`, sends that signal once the output matches `at`. */
export function cli(args: string[], kill?: { signal: NodeJS.Signals; at: RegExp }): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...FAST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const take = (d: Buffer) => {
      out += d.toString();
      if (kill && !sent && kill.at.test(out)) {
        sent = true;
        child.kill(kill.signal);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code, signal) => resolveRun({ code, signal, out }));
  });
}

export function exampleEmulator(): Promise<CanvasEmulator> {
  return startCanvasEmulator({ token: TOKEN, snapshot: SNAPSHOT, timeZone: 'America/Chicago', processingDelayMs: 20 });
}

/** The repository's policies in a temp folder, pointing at the example, polling fast (imports time out after 6 s). */
export function examplePolicies(): { dir: string; policies: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rosterops-apply-'));
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  for (const name of readdirSync(join(ROOT, 'policies')).filter((n) => n.endsWith('.yaml'))) {
    let text = readFileSync(join(ROOT, 'policies', name), 'utf8').replaceAll('../examples/', `${join(ROOT, 'examples')}/`);
    if (name === 'rosterops.yaml') text += 'apply: { pollIntervalSeconds: 0.05, timeoutMinutes: 0.1 }\n';
    writeFileSync(join(policies, name), text);
  }
  return { dir, policies };
}

export async function control(e: CanvasEmulator, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${e.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
}

/** Users, enrollments, courses and sections with their status: what a drop would change. */
export function projection(e: CanvasEmulator): string[] {
  const d = e.dump();
  return [
    ...d.users.map((u) => `user ${u.user_id ?? u.login_id} ${u.status}`),
    ...d.enrollments.map((x) => `enrollment ${x.course_id}/${x.section_id}/${x.user_id}/${x.role} ${x.status}`),
    ...d.courses.map((c) => `course ${c.course_id} ${c.status}`),
    ...d.sections.map((s) => `section ${s.section_id} ${s.status}`),
  ].sort();
}

/**
 * Imports that carried rows, and data rows sent more than once to imports that did not fail (a
 * failed import changed nothing; its rows may go again).
 */
export async function repeatedRows(e: CanvasEmulator): Promise<{ imports: number; repeated: number }> {
  const { uploads } = await control(e, '/__emulator/sis-imports/uploads') as { uploads: { workflow_state: string; files: Record<string, string> }[] };
  const seen = new Map<string, number>();
  for (const u of uploads.filter((x) => !FAILED.has(x.workflow_state))) {
    for (const [name, text] of Object.entries(u.files)) {
      for (const line of text.split(/\r?\n/).slice(1).filter(Boolean)) seen.set(`${name}:${line}`, (seen.get(`${name}:${line}`) ?? 0) + 1);
    }
  }
  return { imports: uploads.filter((u) => Object.keys(u.files).length > 0).length, repeated: [...seen.values()].filter((n) => n > 1).length };
}
