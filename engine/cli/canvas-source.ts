/**
 * Where Canvas state comes from: one rule for `plan`, `apply` and `sync` (README "Where Canvas
 * state comes from"; the shipped policies/rosterops.yaml says it too).
 *
 *  1. `--canvas-snapshot PATH`: that snapshot (plan only).
 *  2. `--canvas-url URL`: live.
 *  3. `sources.canvas.snapshot` in the policies: that snapshot (plan only).
 *  4. `sources.canvas.url` in the policies: live.
 *
 * Flags before policies, and a snapshot before a URL of the same rank, so that a plan never needs a
 * token by surprise. `apply` and `sync` send imports to Canvas, so they read the Canvas they write
 * to: always live (2, then 4), never a snapshot. A plan made from a snapshot is applied only when
 * apply's live re-plan has the same planId — a live read and a snapshot of the same Canvas plan
 * alike (canvas/auth-providers.ts), so a current snapshot gives the live plan.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from '../policy/types.js';
import { shownPath, shownUrl } from './shown-location.js';

export type LiveCanvasSource = { kind: 'live'; url: string };
export type CanvasSource = LiveCanvasSource | { kind: 'snapshot'; path: string };

export interface CanvasSourceFlags {
  canvasSnapshot?: string;
  canvasUrl?: string;
}

export type CanvasReader = 'plan' | 'apply' | 'sync';

export function canvasSourceFor(command: 'apply' | 'sync', config: Config, flags: CanvasSourceFlags): LiveCanvasSource;
export function canvasSourceFor(command: CanvasReader, config: Config, flags: CanvasSourceFlags): CanvasSource;
export function canvasSourceFor(command: CanvasReader, config: Config, flags: CanvasSourceFlags): CanvasSource {
  const canvas = config.sources.canvas;
  const where = { file: config.files[0], field: '/sources/canvas' };
  if (command !== 'plan') {
    if (flags.canvasSnapshot !== undefined) {
      throw new ConfigError(`${command}.canvas-snapshot`, `${command} cannot read Canvas from a snapshot: it sends imports to Canvas and checks them against the Canvas it writes to`, { field: '--canvas-snapshot' },
        `Drop --canvas-snapshot; ${command} reads Canvas live from --canvas-url or sources.canvas.url.`);
    }
    const url = flags.canvasUrl ?? canvas.url;
    if (!url) {
      throw new ConfigError('canvas.no-url', `${command} reads Canvas live and there is no Canvas URL`, { ...where, field: '/sources/canvas/url' },
        `Set sources.canvas.url in the policies or pass --canvas-url (${command} never reads a snapshot).`);
    }
    return { kind: 'live', url };
  }
  if (flags.canvasSnapshot !== undefined) return { kind: 'snapshot', path: resolve(flags.canvasSnapshot) };
  if (flags.canvasUrl !== undefined) return { kind: 'live', url: flags.canvasUrl };
  if (canvas.snapshot) return { kind: 'snapshot', path: canvas.snapshot };
  if (canvas.url) return { kind: 'live', url: canvas.url };
  throw new ConfigError('sources.canvas.missing', 'the policies say neither where a Canvas snapshot is nor where Canvas is', where,
    'Set sources.canvas.url (live, token from sources.canvas.tokenEnv) or sources.canvas.snapshot (a provisioning report), or pass --canvas-url / --canvas-snapshot.');
}

/** `live https://district.instructure.com` or `snapshot examples/maple-valley/canvas-snapshot`: the plan header's Canvas line. */
export function describeCanvasSource(source: CanvasSource, cwd: string = process.cwd()): string {
  return source.kind === 'live' ? `live ${shownUrl(source.url)}` : `snapshot ${shownPath(source.path, cwd)}`;
}
