/**
 * The hidden first line of every plan comment. It is how rosterops finds its own comments again
 * (one sticky set per pull request and environment) and how the parts of a split plan are numbered.
 */
import { InternalError } from '../errors.js';

const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MARKER = /^<!-- rosterops:plan env=([A-Za-z0-9][A-Za-z0-9_.-]{0,62}) part=(\d+)\/(\d+) -->(?:\n|$)/;

export interface CommentMarker {
  environment: string;
  part: number;
  total: number;
}

/** Environment names go into the marker and the check name, so they are kept to a safe alphabet. */
export function isValidEnvironment(name: string): boolean {
  return ENVIRONMENT.test(name);
}

export function commentMarker(environment: string, part: number, total: number): string {
  // Callers validate names where they are given (cli/main.ts); one that gets here unchecked is a bug.
  if (!isValidEnvironment(environment)) throw new InternalError(`environment name ${JSON.stringify(environment)} is not [A-Za-z0-9_.-]`);
  return `<!-- rosterops:plan env=${environment} part=${part}/${total} -->`;
}

/** The marker of a comment body, when the body starts with one (a quoted or edited copy does not). */
export function parseCommentMarker(body: string): CommentMarker | null {
  const m = MARKER.exec(body);
  return m ? { environment: m[1]!, part: Number(m[2]), total: Number(m[3]) } : null;
}
