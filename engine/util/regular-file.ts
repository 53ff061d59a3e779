/**
 * What a path is, found without opening it: a FIFO blocks the reader that opens it until a writer
 * comes, /dev/zero never ends, and a dangling or looping symlink fails deep inside a reader. Every
 * input file (SIS export, Canvas report, policy) is checked here before it is opened.
 */
import { accessSync, constants, lstatSync, statSync, type Stats } from 'node:fs';

export type PathKind = 'file' | 'directory' | 'missing' | 'dangling-symlink' | 'symlink-loop' | 'fifo' | 'device' | 'socket' | 'unreadable' | 'other';

export interface PathInfo {
  kind: PathKind;
  /** Size in bytes, for a regular file. */
  size: number;
  /** The system's reason, when the path could not be examined. */
  reason?: string;
}

/** What `path` is, following symlinks (a symlink to a regular file is a file). Never opens it. */
export function examinePath(path: string): PathInfo {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (err) {
    return failure(err);
  }
  let target: Stats = link;
  if (link.isSymbolicLink()) {
    try {
      target = statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { kind: 'dangling-symlink', size: 0 };
      if (code === 'ELOOP') return { kind: 'symlink-loop', size: 0 };
      return failure(err);
    }
  }
  if (target.isDirectory()) return { kind: 'directory', size: 0 };
  if (target.isFIFO()) return { kind: 'fifo', size: 0 };
  if (target.isCharacterDevice() || target.isBlockDevice()) return { kind: 'device', size: 0 };
  if (target.isSocket()) return { kind: 'socket', size: 0 };
  if (!target.isFile()) return { kind: 'other', size: 0 };
  return { kind: 'file', size: target.size };
}

/** Whether the current process may read the file (root may read anything, so this is a courtesy check). */
export function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function failure(err: unknown): PathInfo {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', size: 0 };
  if (code === 'ELOOP') return { kind: 'symlink-loop', size: 0 };
  if (code === 'EACCES' || code === 'EPERM') return { kind: 'unreadable', size: 0, reason: (err as Error).message };
  return { kind: 'other', size: 0, reason: (err as Error).message };
}

/** "a FIFO (named pipe)", … : what the path is, for a message. */
export function describeKind(kind: PathKind): string {
  switch (kind) {
    case 'file': return 'a file';
    case 'directory': return 'a directory';
    case 'missing': return 'missing';
    case 'dangling-symlink': return 'a symbolic link to a path that does not exist';
    case 'symlink-loop': return 'a symbolic link that loops back on itself';
    case 'fifo': return 'a FIFO (named pipe), not a file';
    case 'device': return 'a device, not a file';
    case 'socket': return 'a socket, not a file';
    case 'unreadable': return 'not readable by this user';
    case 'other': return 'not a regular file';
  }
}

/**
 * The regular file's size, or the reason it is none: `refuse` builds the caller's typed, located
 * error from a message and a hint.
 */
export function requireRegularFile(path: string, label: string, refuse: (code: string, message: string, hint: string) => Error): number {
  const info = examinePath(path);
  if (info.kind === 'file') {
    if (!isReadable(path)) throw refuse('input.unreadable', `${label} is not readable by this user`, 'Give the user running rosterops read permission on the file.');
    return info.size;
  }
  const hint = info.kind === 'directory'
    ? 'A file is expected here; remove or rename the directory.'
    : info.kind === 'missing'
      ? 'Check the path.'
      : 'Replace it with the regular file it should be (rosterops never reads pipes, devices or sockets, and follows only symbolic links that end at a file).';
  throw refuse(`input.${info.kind === 'missing' ? 'not-found' : 'not-a-file'}`, `cannot read ${label}: it is ${describeKind(info.kind)}${info.reason ? ` (${info.reason})` : ''}`, hint);
}
