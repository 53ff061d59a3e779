/**
 * Run by `npm ci` (prepare): makes `npx rosterops` work inside this repository, where npm does not
 * link a package's own bin. Creates node_modules/.bin/rosterops → dist/engine/cli/main.js.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const target = join(root, 'dist/engine/cli/main.js');
const binDir = join(root, 'node_modules/.bin');
if (existsSync(target) && existsSync(join(root, 'node_modules'))) {
  chmodSync(target, 0o755);
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, 'rosterops');
  rmSync(link, { force: true });
  symlinkSync(relative(binDir, target), link);
}
