/**
 * Whether a folder lies inside a git work tree. A fetched SIS export holds every student's name and
 * e-mail: written inside a checkout, one `git add -A` commits it. So rosterops keeps fetched data
 * out of work trees (engine/sources/temp-export.ts) and `pull --out` refuses one unless --force.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The root of the git work tree holding `path` (which need not exist yet), or null. */
export function enclosingWorkTree(path: string): string | null {
  let dir = existingAncestor(resolve(path));
  for (;;) {
    // `.git` is a folder in a clone, a file in a worktree or a submodule: either marks a work tree.
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The nearest folder that exists, symlinks resolved (a link into a checkout is inside it). */
function existingAncestor(path: string): string {
  let dir = path;
  for (;;) {
    try {
      return realpathSync(dir);
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return dir;
      dir = parent;
    }
  }
}
