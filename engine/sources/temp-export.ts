/**
 * The temp folder a fetched SIS export (SFTP, HTTPS download, REST written as CSV) lives in while a
 * command runs: outside any git work tree, readable by this user only (0700), and removed when the
 * command ends, whichever way it ends:
 *
 * - normally or by an error: `withTempExport` removes it in `finally`;
 * - by `process.exit()` (apply's and sync's SIGINT/SIGTERM handlers in engine/cli/main.ts end
 *   that way): an `exit` hook removes every folder still registered;
 * - by SIGINT/SIGTERM in a command that has no handler of its own (plan, pull): Node would die
 *   without running `exit` hooks, so a handler is installed while a folder exists, and only when
 *   no other handler is there; it removes the folders and exits 130 / 143, as a shell reports it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { enclosingWorkTree } from './work-tree.js';

const live = new Set<string>();
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;
const installed = new Map<StopSignal, () => void>();
let exitHook: (() => void) | null = null;

export interface TempExport {
  /** The folder, empty at first. */
  readonly dir: string;
  /** Removes the folder and everything in it (idempotent). */
  dispose(): void;
}

/**
 * A new private temp folder. `base` (default os.tmpdir(), i.e. $TMPDIR) must not lie in a git work
 * tree: a runner whose TMPDIR points into the checkout would put the roster one `git add` away.
 */
export function createTempExport(base: string = tmpdir()): TempExport {
  const tree = enclosingWorkTree(base);
  if (tree !== null) {
    throw new ConfigError('sis.temp-in-work-tree', `the temp folder ${base} lies inside the git work tree ${tree}; rosterops does not write a fetched SIS export there`, { field: 'TMPDIR' },
      'Point TMPDIR at a folder outside the repository (on GitHub Actions, $RUNNER_TEMP).');
  }
  const dir = mkdtempSync(join(base, 'rosterops-sis-'));
  chmodSync(dir, 0o700);
  live.add(dir);
  installHooks();
  return {
    dir,
    dispose: () => {
      removeFolder(dir);
      live.delete(dir);
      if (live.size === 0) uninstallHooks();
    },
  };
}

/** Runs `fn` with a fresh temp folder, removed afterwards whether `fn` succeeds or throws. */
export async function withTempExport<T>(fn: (dir: string) => Promise<T>, base?: string): Promise<T> {
  const temp = createTempExport(base);
  try {
    return await fn(temp.dir);
  } finally {
    temp.dispose();
  }
}

/** Folders still registered (for tests and the signal path). */
export function liveTempExports(): string[] {
  return [...live];
}

function removeFolder(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // Nothing useful to do on the way out; the folder is private (0700) and under TMPDIR.
  }
}

function removeAll(): void {
  for (const dir of live) removeFolder(dir);
  live.clear();
}

function installHooks(): void {
  if (exitHook === null) {
    exitHook = removeAll;
    process.on('exit', exitHook);
  }
  for (const signal of Object.keys(SIGNAL_EXIT) as StopSignal[]) {
    if (installed.has(signal)) continue;
    // apply and sync have their own handler, which ends with process.exit(): the exit hook covers them.
    if (process.listenerCount(signal) > 0) continue;
    const handler = () => {
      removeAll();
      process.stderr.write(`${signal}: stopped; the fetched SIS export was removed\n`);
      process.exit(SIGNAL_EXIT[signal]);
    };
    installed.set(signal, handler);
    process.on(signal, handler);
  }
}

function uninstallHooks(): void {
  for (const [signal, handler] of installed) process.off(signal, handler);
  installed.clear();
  if (exitHook !== null) {
    process.off('exit', exitHook);
    exitHook = null;
  }
}
