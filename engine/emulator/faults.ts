/**
 * Switchable faults, so clients can be tested against Canvas's bad days.
 *
 * Grammar (comma-separated rules):
 *
 *   rule   := kind ":" target [":" count [":" param]]
 *   kind   := "5xx" | "500" | "502" | "503" | "504"   answer with that server error instead of handling
 *           | "throttle"                             answer 403 rate limited (§4.5) instead of handling
 *           | "drop"                                 handle the request, then destroy the socket unanswered
 *                                                    (the server acted: e.g. the import exists)
 *           | "cut"                                  destroy the socket before handling (the server did not act)
 *           | "slow"                                 wait `param` ms (default 1000) before handling; the
 *                                                    request is handled after the wait even when the client
 *                                                    gave up meanwhile (a slow create lands late)
 *           | "fail-import"                          the next created SIS import(s) end failed_with_messages
 *           | "hold-import"                          the next created SIS import(s) stay `initializing` for
 *                                                    `param` ms (default 5000) before they queue: an import
 *                                                    that outlasts a client's poll timeout
 *   target := a route name (e.g. sis-imports-create, sis-imports-status, reports-status, files-download),
 *             a group prefix (sis-imports, reports, files, terms, users, courses, enrollments), or "any";
 *             for fail-import and hold-import: "next" (or "any")
 *   count  := how many matching requests (imports) are affected: a positive integer (default 1) or "*" for all
 *   param  := 5xx: the status (500|502|503|504, default 500); slow, hold-import: the delay in ms
 *
 * Example: `5xx:reports-status:1,throttle:sis-imports-create:2,drop:sis-imports-create:1,cut:sis-imports-create:1,slow:any:1:2000,fail-import:next`.
 * Route names apply uses: sis-imports-create, sis-imports-list, sis-imports-status, sis-imports-errors,
 * reports-create, reports-status, files-download, terms-list (see each module's routes).
 * Control routes (`/__emulator/...`, control-api.ts) are never faulted; one of them starts an import
 * that stays running for a while (an import already running when a client comes).
 */

export type FaultKind = '5xx' | 'throttle' | 'drop' | 'cut' | 'slow' | 'fail-import' | 'hold-import';

export interface FaultRule {
  kind: FaultKind;
  target: string;
  /** Requests (or imports) still to affect; Infinity for `*`. */
  remaining: number;
  /** 5xx status. */
  status?: number;
  /** slow delay in ms. */
  delayMs?: number;
}

export type FaultSpec = FaultRule[];

const SERVER_ERRORS = [500, 502, 503, 504];

export class FaultSpecError extends Error {}

/**
 * A rule's count, shared by the Canvas emulator's and the OneRoster server's fault grammars: absent
 * means 1, `*` every matching request, else a positive whole number.
 */
export function faultCount(countText: string | undefined, rule: string, Fail: new (message: string) => Error): number {
  if (countText === undefined || countText === '') return 1;
  if (countText === '*') return Infinity;
  if (/^\d+$/.test(countText) && Number(countText) > 0) return Number(countText);
  throw new Fail(`fault "${rule}": count must be a positive integer or *`);
}

export function parseFaultSpec(spec: string): FaultSpec {
  const rules: FaultRule[] = [];
  for (const raw of spec.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    const [kindText = '', target = '', countText, param] = text.split(':').map((s) => s.trim());
    if (target === '') throw new FaultSpecError(`fault "${text}": expected kind:target[:count[:param]]`);
    let kind: FaultKind;
    let status: number | undefined;
    if (kindText === '5xx') kind = '5xx';
    else if (SERVER_ERRORS.includes(Number(kindText))) {
      kind = '5xx';
      status = Number(kindText);
    } else if (kindText === 'throttle' || kindText === 'drop' || kindText === 'cut' || kindText === 'slow' || kindText === 'fail-import' || kindText === 'hold-import') kind = kindText;
    else throw new FaultSpecError(`fault "${text}": unknown kind "${kindText}" (5xx, 500, 502, 503, 504, throttle, drop, cut, slow, fail-import, hold-import)`);
    const remaining = faultCount(countText, text, FaultSpecError);
    const rule: FaultRule = { kind, target, remaining };
    if (kind === '5xx') {
      if (param !== undefined) {
        if (!SERVER_ERRORS.includes(Number(param))) throw new FaultSpecError(`fault "${text}": status must be one of ${SERVER_ERRORS.join(', ')}`);
        status = Number(param);
      }
      rule.status = status ?? 500;
    } else if (kind === 'slow' || kind === 'hold-import') {
      if (param !== undefined && !/^\d+$/.test(param)) throw new FaultSpecError(`fault "${text}": delay must be milliseconds`);
      rule.delayMs = param !== undefined ? Number(param) : kind === 'slow' ? 1000 : 5000;
    }
    if ((kind === 'fail-import' || kind === 'hold-import') && target !== 'next' && target !== 'any') {
      throw new FaultSpecError(`fault "${text}": ${kind} takes the target "next"`);
    }
    rules.push(rule);
  }
  return rules;
}

export function matchesTarget(target: string, routeName: string): boolean {
  return target === 'any' || target === routeName || routeName.startsWith(`${target}-`);
}

export class FaultBook {
  private rules: FaultRule[] = [];

  constructor(spec?: string | FaultSpec) {
    if (spec !== undefined) this.replace(spec);
  }

  replace(spec: string | FaultSpec): void {
    this.rules = typeof spec === 'string' ? parseFaultSpec(spec) : spec.map((r) => ({ ...r }));
  }

  add(spec: string | FaultSpec): void {
    this.rules.push(...(typeof spec === 'string' ? parseFaultSpec(spec) : spec.map((r) => ({ ...r }))));
  }

  /** Consumes one use of the first live rule of `kind` matching the route. */
  take(kind: Exclude<FaultKind, 'fail-import' | 'hold-import'>, routeName: string): FaultRule | null {
    const rule = this.rules.find((r) => r.kind === kind && r.remaining > 0 && matchesTarget(r.target, routeName));
    if (!rule) return null;
    rule.remaining--;
    return rule;
  }

  /** ms the next created import is held `initializing`, or null. */
  takeImportHold(): number | null {
    const rule = this.rules.find((r) => r.kind === 'hold-import' && r.remaining > 0);
    if (!rule) return null;
    rule.remaining--;
    return rule.delayMs ?? 5000;
  }

  takeImportFailure(): boolean {
    const rule = this.rules.find((r) => r.kind === 'fail-import' && r.remaining > 0);
    if (!rule) return false;
    rule.remaining--;
    return true;
  }

  /** Rules still live, for the state endpoint (`*` shown as null remaining). */
  pending(): { kind: FaultKind; target: string; remaining: number | null; status?: number; delayMs?: number }[] {
    return this.rules.filter((r) => r.remaining > 0).map((r) => ({ ...r, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }
}
