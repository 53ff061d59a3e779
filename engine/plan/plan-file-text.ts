/**
 * From a path to a parsed JSON value, refusing what is not a plan file before it can hang, exhaust
 * memory or overflow the stack: non-regular files (a FIFO would block the read forever), files over
 * the size cap, a byte order mark, bytes that are not UTF-8, nesting deeper than any plan has (a
 * linear scan runs before JSON.parse, whose recursion a 200,000-deep `[[[…` would exhaust), and
 * JSON syntax errors, located by line and column.
 *
 * Messages never quote the file's text: a plan holds names and e-mails.
 */
import { readFile, stat } from 'node:fs/promises';
import { DataError, type Location } from '../errors.js';

export interface PlanFileLimits {
  /** Bytes. Below V8's longest string (2^29 - 24 characters), so a plan that passes can be decoded. */
  maxBytes: number;
  /** Arrays and objects inside each other; a plan written by rosterops nests 6 deep. */
  maxDepth: number;
}

export const PLAN_FILE_LIMITS: PlanFileLimits = { maxBytes: 500 * 1024 * 1024, maxDepth: 64 };

export const REGENERATE = 'Regenerate the plan file with `rosterops plan --out FILE`; do not edit it by hand.';

function malformed(path: string, message: string, location: Omit<Location, 'file'> = {}): DataError {
  return new DataError('plan.malformed', message, { file: path, ...location }, REGENERATE);
}

/** The file's bytes, when it is a regular file within the size cap. */
export async function readPlanBytes(path: string, limits: PlanFileLimits = PLAN_FILE_LIMITS): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw unreadable(path, err);
  }
  if (info.isDirectory()) throw new DataError('plan.not-a-file', `${path} is a directory, not a plan file`, { file: path }, 'Pass the plan file written by `rosterops plan --out FILE`.');
  if (!info.isFile()) {
    throw new DataError('plan.not-a-file', `${path} is not a regular file (a pipe, socket or device)`, { file: path },
      'Write the plan to a regular file with `rosterops plan --out FILE` and pass that file.');
  }
  if (info.size > limits.maxBytes) {
    throw new DataError('plan.too-large', `${path} is ${info.size} bytes, over the plan file limit of ${limits.maxBytes}`, { file: path },
      'A plan this large is not one rosterops wrote; regenerate it. (Split a first sync of a very large district by school with scope.schools.)');
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw unreadable(path, err);
  }
  // It may have grown since stat.
  if (bytes.length > limits.maxBytes) throw new DataError('plan.too-large', `${path} is over the plan file limit of ${limits.maxBytes} bytes`, { file: path }, REGENERATE);
  return bytes;
}

function unreadable(path: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'does not exist'
    : code === 'ELOOP' ? 'is a loop of symbolic links'
    : code === 'EACCES' || code === 'EPERM' ? 'may not be read (permission denied)'
    : `cannot be read (${code ?? (err as Error)?.message ?? 'unknown error'})`;
  return new DataError('plan.missing', `plan file ${path} ${why}`, { file: path }, 'Create one with `rosterops plan --out plan.json`.');
}

/** Decode, scan the nesting and parse. Every refusal is a `plan.malformed` DataError naming the file. */
export function parsePlanBytes(path: string, bytes: Uint8Array, limits: PlanFileLimits = PLAN_FILE_LIMITS): unknown {
  if (bytes.length === 0) throw malformed(path, 'the plan file is empty');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw malformed(path, 'the plan file starts with a byte order mark, which rosterops never writes', { line: 1, column: 1 });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw malformed(path, `the plan file is not UTF-8 (byte ${at})`, positionOfByte(bytes, at));
  }
  const deep = firstTooDeep(bytes, limits.maxDepth);
  if (deep !== null) throw malformed(path, `the plan file nests more than ${limits.maxDepth} levels deep`, positionOfByte(bytes, deep));
  try {
    return JSON.parse(text);
  } catch (err) {
    const { what, at } = describeSyntaxError((err as Error).message, text.length);
    const offset = at ?? syntaxErrorOffset(text);
    throw malformed(path, `the plan file is not valid JSON: ${what}`, offset === null ? {} : positionInText(text, offset));
  }
}

/**
 * Offset of the bracket that opens level `maxDepth + 1`, or null. Linear, no recursion; strings are
 * skipped with indexOf (a quote preceded by an odd run of backslashes is escaped). An unterminated
 * string ends the scan: JSON.parse reports it.
 */
export function firstTooDeep(bytes: Uint8Array, maxDepth: number): number | null {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      let end = i;
      for (;;) {
        end = bytes.indexOf(0x22, end + 1);
        if (end < 0) return null;
        let slashes = 0;
        while (bytes[end - 1 - slashes] === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = end;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return null;
}

/** Offset of the first byte that is not well-formed UTF-8 (Unicode Table 3-7), or the length when all are. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const within = (i: number, lo: number, hi: number) => i < bytes.length && bytes[i]! >= lo && bytes[i]! <= hi;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    let second: [number, number];
    let length: number;
    if (b >= 0xc2 && b <= 0xdf) { second = [0x80, 0xbf]; length = 2; }
    else if (b === 0xe0) { second = [0xa0, 0xbf]; length = 3; }
    else if (b === 0xed) { second = [0x80, 0x9f]; length = 3; }
    else if (b >= 0xe1 && b <= 0xef) { second = [0x80, 0xbf]; length = 3; }
    else if (b === 0xf0) { second = [0x90, 0xbf]; length = 4; }
    else if (b === 0xf4) { second = [0x80, 0x8f]; length = 4; }
    else if (b >= 0xf1 && b <= 0xf3) { second = [0x80, 0xbf]; length = 4; }
    else return i;
    if (!within(i + 1, second[0], second[1])) return i;
    for (let k = 2; k < length; k++) if (!within(i + k, 0x80, 0xbf)) return i;
    i += length;
  }
  return i;
}

function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function positionInText(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * V8's message without the snippet of the file it quotes (`Unexpected token 'x', "…" is not valid
 * JSON`), and the offset it names, if any.
 */
function describeSyntaxError(message: string, length: number): { what: string; at: number | null } {
  if (/Unexpected end of JSON input/.test(message)) return { what: 'it ends before its value does (truncated?)', at: length };
  const position = /at position (\d+)/.exec(message);
  const token = /^Unexpected token '(.)'/su.exec(message);
  const what = token ? `unexpected character ${JSON.stringify(token[1])}` : message.replace(/,? ?".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  return { what, at: position ? Number(position[1]) : null };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first JSON syntax error, for the messages of JSON.parse that do not say where
 * (`Unexpected token`). Only run once JSON.parse has failed; linear, with an explicit stack.
 */
export function syntaxErrorOffset(t: string): number | null {
  const closers: string[] = [];
  let i = 0;
  const skipSpace = () => {
    for (let c = t.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = t.charCodeAt(++i));
  };
  /** Reads a string, number or literal at i; false (i at the culprit) when there is none. */
  const scalar = (): boolean => {
    if (t[i] === '"') {
      for (i++; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c === 34) return ++i > 0;
        if (c < 32) return false;
        if (c === 92) {
          const e = t[i + 1];
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) i += 5;
          else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
          else return false;
        }
      }
      return false;
    }
    for (const word of ['true', 'false', 'null']) if (t.startsWith(word, i)) return (i += word.length) > 0;
    NUMBER.lastIndex = i;
    if (!NUMBER.exec(t)) return false;
    i = NUMBER.lastIndex;
    return true;
  };
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipSpace();
    if (state === 'value') {
      const c = t[i];
      if (c === '[' || c === '{') {
        closers.push(c === '[' ? ']' : '}');
        i++;
        skipSpace();
        if (t[i] === closers.at(-1)) {
          closers.pop();
          i++;
          state = 'after';
        } else state = c === '[' ? 'value' : 'key';
      } else if (scalar()) state = 'after';
      else return i;
    } else if (state === 'key') {
      if (t[i] !== '"' || !scalar()) return i;
      skipSpace();
      if (t[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = closers.at(-1);
      if (top === undefined) return i < t.length ? i : null;
      if (t[i] === ',') {
        i++;
        state = top === ']' ? 'value' : 'key';
      } else if (t[i] === top) {
        closers.pop();
        i++;
      } else return i;
    }
  }
}
