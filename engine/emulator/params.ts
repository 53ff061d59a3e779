/**
 * Rails-style request parameters: `user[name]=x`, `workflow_state[]=a`, `parameters[users]=true`
 * become nested objects, so handlers read form, query and JSON bodies the same way.
 */

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };
export type Params = { [key: string]: ParamValue };

export function paramsFromPairs(pairs: Iterable<[string, string]>): Params {
  const out: Params = {};
  for (const [key, value] of pairs) setNested(out, key, value);
  return out;
}

function setNested(target: Params, key: string, value: string): void {
  const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
  if (!m) {
    target[key] = value;
    return;
  }
  const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
  let node: Params | ParamValue[] = target;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      if (last) node.push(value);
      else {
        const child: Params = {};
        node.push(child);
        node = child;
      }
      continue;
    }
    if (last) {
      node[segment] = value;
      break;
    }
    const wantsArray = path[i + 1] === '';
    let child: ParamValue | undefined = node[segment];
    if (wantsArray ? !Array.isArray(child) : child === null || typeof child !== 'object' || Array.isArray(child)) {
      child = wantsArray ? [] : {};
      node[segment] = child;
    }
    node = child as Params | ParamValue[];
    if (wantsArray) {
      (node as ParamValue[]).push(value);
      break;
    }
  }
}

export function mergeParams(...sources: Params[]): Params {
  const out: Params = {};
  for (const source of sources) {
    for (const [k, v] of Object.entries(source)) {
      const existing = out[k];
      if (isObject(existing) && isObject(v)) out[k] = mergeParams(existing, v);
      else out[k] = v;
    }
  }
  return out;
}

function isObject(v: ParamValue | undefined): v is Params {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** A nested object parameter (e.g. `user`), or an empty one. */
export function objectParam(params: Params, key: string): Params {
  const v = params[key];
  return isObject(v) ? v : {};
}

/** A scalar parameter as a string (numbers and booleans from JSON included); absent → null. */
export function stringParam(params: Params, key: string): string | null {
  const v = params[key];
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** An array parameter (`key[]=a&key[]=b`, a JSON array, or a single value). */
export function listParam(params: Params, key: string): string[] {
  const v = params[key];
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
  const s = stringParam(params, key);
  return s === null ? [] : [s];
}

export function hasParam(params: Params, key: string): boolean {
  return params[key] !== undefined;
}
