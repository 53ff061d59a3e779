/**
 * Switchable faults, so REST clients can be tested against a SIS's bad days (mirrors the Canvas
 * emulator's engine/emulator/faults.ts).
 *
 * Grammar (comma-separated rules):
 *
 *   rule   := kind ":" target [":" count [":" param]]
 *   kind   := "429"                      answer 429 with `Retry-After: param` (seconds, default 1)
 *           | "5xx" | "500" | "502" | "503" | "504"   answer that server error (imsx payload)
 *           | "slow"                     wait `param` ms (default 1000), then answer normally
 *           | "cut"                      destroy the socket before answering anything
 *           | "cut-body"                 send the headers and part of the body, then destroy the socket
 *           | "expire-token"             the OAuth 2 bearer token presented has expired: 401 (it stays expired)
 *           | "lie-total"                answer the page, but with X-Total-Count (and the Link
 *                                        `last`) `param` records more than exist (default 1000)
 *           | "no-total"                 answer the page without X-Total-Count
 *           | "no-link"                  answer the page without a Link header (with both, a vendor
 *                                        that sends neither: a client pages until a short page)
 *   target := a collection as requested (users, enrollments, orgs, academicSessions, courses,
 *             classes, schools, terms, students, teachers, gradingPeriods, demographics) — which
 *             also matches the typed views over it (users matches students) — "token" (the OAuth 2
 *             token endpoint; 429, 5xx, slow, cut only) or "any" (every route but the token endpoint)
 *   count  := how many matching requests are affected: a positive integer (default 1) or "*"
 *   param  := 429: Retry-After seconds; 5xx: the status; slow: ms; lie-total: extra records
 *
 * Example: `no-total:any:*,no-link:any:*,429:users:2:3,503:enrollments:1,cut:enrollments:1,cut-body:users:1,slow:any:1:2000,expire-token:any:1,lie-total:users`.
 * Control routes (`/__oneroster/...`) are never faulted.
 */
import { faultCount } from '../emulator/faults.js';

export type FaultKind = '429' | '5xx' | 'slow' | 'cut' | 'cut-body' | 'expire-token' | 'lie-total' | 'no-total' | 'no-link';

export interface FaultRule {
  kind: FaultKind;
  target: string;
  /** Requests still to affect; Infinity for `*`. */
  remaining: number;
  /** 5xx status. */
  status?: number;
  /** 429 Retry-After seconds, slow ms, lie-total extra records. */
  param?: number;
}

const SERVER_ERRORS = [500, 502, 503, 504];
const KINDS: readonly FaultKind[] = ['429', '5xx', 'slow', 'cut', 'cut-body', 'expire-token', 'lie-total', 'no-total', 'no-link'];
const DEFAULT_PARAM: Partial<Record<FaultKind, number>> = { '429': 1, slow: 1000, 'lie-total': 1000 };

export class FaultSpecError extends Error {}

export function parseFaultSpec(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    const [kindText = '', target = '', countText, paramText, extra] = text.split(':').map((s) => s.trim());
    if (target === '' || extra !== undefined) throw new FaultSpecError(`fault "${text}": expected kind:target[:count[:param]]`);
    let kind: FaultKind;
    let status: number | undefined;
    if (SERVER_ERRORS.includes(Number(kindText))) {
      kind = '5xx';
      status = Number(kindText);
    } else if ((KINDS as readonly string[]).includes(kindText)) kind = kindText as FaultKind;
    else throw new FaultSpecError(`fault "${text}": unknown kind "${kindText}" (${[...KINDS, ...SERVER_ERRORS].join(', ')})`);
    const remaining = faultCount(countText, text, FaultSpecError);
    const rule: FaultRule = { kind, target, remaining };
    if (paramText !== undefined && paramText !== '' && !/^\d+$/.test(paramText)) throw new FaultSpecError(`fault "${text}": the parameter must be a whole number`);
    const param = paramText === undefined || paramText === '' ? undefined : Number(paramText);
    if (kind === '5xx') {
      if (param !== undefined && !SERVER_ERRORS.includes(param)) throw new FaultSpecError(`fault "${text}": status must be one of ${SERVER_ERRORS.join(', ')}`);
      rule.status = param ?? status ?? 500;
    } else if (DEFAULT_PARAM[kind] !== undefined) {
      rule.param = param ?? DEFAULT_PARAM[kind];
    }
    if (target === 'token' && !['429', '5xx', 'slow', 'cut'].includes(kind)) throw new FaultSpecError(`fault "${text}": the token endpoint takes 429, 5xx, slow and cut`);
    rules.push(rule);
  }
  return rules;
}

/** `names`: the collection as requested and the base collection it reads (students → users). */
export function matchesTarget(target: string, names: readonly string[]): boolean {
  if (names.includes('token')) return target === 'token';
  return target === 'any' || names.includes(target);
}

export class FaultBook {
  private rules: FaultRule[] = [];

  constructor(spec?: string) {
    if (spec !== undefined) this.replace(spec);
  }

  replace(spec: string): void {
    this.rules = parseFaultSpec(spec);
  }

  /** Consumes one use of the first live rule (in spec order) of one of `kinds` matching the route. */
  take(kinds: FaultKind | readonly FaultKind[], names: readonly string[]): FaultRule | null {
    const wanted: readonly FaultKind[] = typeof kinds === 'string' ? [kinds] : kinds;
    const rule = this.rules.find((r) => wanted.includes(r.kind) && r.remaining > 0 && matchesTarget(r.target, names));
    if (!rule) return null;
    rule.remaining--;
    return rule;
  }

  pending(): { kind: FaultKind; target: string; remaining: number | null; status?: number; param?: number }[] {
    return this.rules.filter((r) => r.remaining > 0).map((r) => ({ ...r, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }
}
