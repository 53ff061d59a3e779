/**
 * Exactly-once timing from the live Canvas and the environment. An upload whose answer is lost may
 * still create its import until the request could have ended on Canvas's side: the client's
 * request timeout plus a margin (ROSTEROPS_UPLOAD_LANDING_MARGIN_MS, default 120 s) for a server
 * that keeps working after the client gave up. Tests shorten both; production keeps the defaults.
 */
import { envMilliseconds, type LiveCanvas } from '../canvas/live.js';
import type { ApplyTiming } from './apply.js';

export const DEFAULT_LANDING_MARGIN_MS = 120_000;

export function applyTiming(canvas: LiveCanvas, env: NodeJS.ProcessEnv = process.env): ApplyTiming {
  const margin = envMilliseconds(env, 'ROSTEROPS_UPLOAD_LANDING_MARGIN_MS') ?? DEFAULT_LANDING_MARGIN_MS;
  return {
    landingWindowMs: canvas.requestTimeoutMs + margin,
    listIntervalMs: Math.max(50, Math.min(canvas.poll.intervalMs, 5_000)),
    busyWaitMs: canvas.poll.timeoutMs,
  };
}
