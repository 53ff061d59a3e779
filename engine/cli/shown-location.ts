/**
 * Paths and URLs as a plan header shows them (plan files, CI logs and pull-request comments are
 * shared): a path inside the working directory relative to it, so a runner's home directory does
 * not travel with the plan; a URL as scheme, host, port and path only — never a user name,
 * password, query or fragment, where credentials could hide.
 */
import { isAbsolute, relative, sep } from 'node:path';

export function shownPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return path;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(a URL that cannot be shown)';
  }
}
