/**
 * Canvas's request throttle as clients see it (canvas-sis.md §4.5): a leaky bucket per token;
 * every answer carries `X-Request-Cost` and `X-Rate-Limit-Remaining` (= high-water mark − level),
 * and a request arriving at/over the high-water mark gets the 403 below.
 *
 * Without options the bucket has Canvas's defaults (high-water 600, outflow 10/s) and a request
 * costs its wall time in seconds, so sequential clients are never throttled (as on Canvas). With
 * `{ budget }` it becomes a test budget: each request costs 1 (default) and nothing leaks out.
 */

export interface RateLimitOptions {
  /** High-water mark: requests are refused once the bucket holds this much. */
  budget: number;
  costPerRequest?: number;
  refillPerSecond?: number;
  /** Charged while a request is in flight and refunded at its end (Canvas default 50). */
  upFrontCost?: number;
}

export const THROTTLED_BODY = '403 Forbidden (Rate Limit Exceeded)\n';
export const THROTTLED_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/plain; charset=utf-8',
  'X-Rate-Limit-Remaining': '0.0',
};

export class LeakyBucket {
  private level = 0;
  private last = Date.now();
  private readonly highWater: number;
  private readonly fixedCost: number | null;
  private readonly outflow: number;
  private readonly upFront: number;

  constructor(options?: RateLimitOptions) {
    this.highWater = options?.budget ?? 600;
    this.fixedCost = options ? (options.costPerRequest ?? 1) : null;
    this.outflow = options ? (options.refillPerSecond ?? 0) : 10;
    this.upFront = options?.upFrontCost ?? 0;
  }

  private leak(): void {
    const now = Date.now();
    this.level = Math.max(0, this.level - ((now - this.last) / 1000) * this.outflow);
    this.last = now;
  }

  /** Admits a request (charging the up-front cost) or refuses it. */
  admit(): boolean {
    this.leak();
    if (this.level >= this.highWater) return false;
    this.level += this.upFront;
    return true;
  }

  /** Settles an admitted request; returns its cost. */
  finish(elapsedMs: number): number {
    this.leak();
    const cost = this.fixedCost ?? Math.max(0.001, elapsedMs / 1000);
    this.level = Math.max(0, this.level - this.upFront + cost);
    return cost;
  }

  remaining(): number {
    this.leak();
    return Math.max(0, this.highWater - this.level);
  }
}

/** Ruby's Float#to_s look: always a decimal point, e.g. `600.0`, `543.2`. */
export function formatFloat(n: number): string {
  const rounded = Math.round(n * 10000) / 10000;
  return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
}
