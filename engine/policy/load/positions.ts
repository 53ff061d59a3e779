/** Paths into a policy: JSON pointers, dotted names for messages, and the line and column a path points at. */
import { isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import type { PolicyFile } from './files.js';

export type Segment = string | number;

export function pointer(path: readonly Segment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** `rules.courses.missing`, `termOverrides[1].endDate` */
export function dotted(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' || /^\d+$/.test(String(s)) ? `[${s}]` : out === '' ? String(s) : `.${s}`;
  return out || '(top level)';
}

export function unpointer(p: string): Segment[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/**
 * Position of the node at `path` (1-based line and column). `key` mode points at the key of the
 * last segment (for unknown keys); a missing segment stops at the deepest node found; an empty
 * value (`key:`) points at its key.
 */
export function positionOf(f: PolicyFile, path: readonly Segment[], mode: 'key' | 'value' = 'value'): { line: number; column: number } {
  let node: unknown = f.doc.contents;
  let offset = (f.doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(f.doc);
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      const keyOffset = (pair.key as YamlNode | null)?.range?.[0];
      const last = i === path.length - 1;
      const value = pair.value as YamlNode | null;
      const emptyValue = !value || !value.range || (isScalar(value) && value.value === null && value.range[0] === value.range[1]);
      if ((last && mode === 'key') || emptyValue) {
        if (keyOffset !== undefined) offset = keyOffset;
        if (last || emptyValue) break;
      }
      node = value;
      offset = value!.range![0];
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item?.range) break;
      node = item;
      offset = item.range[0];
    } else {
      break;
    }
  }
  const { line, col } = f.lc.linePos(offset);
  return { line, column: col };
}
