/** `sources`: the SIS export and the Canvas instance, paths resolved against the file that names them. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CANVAS_URL_HINT, canvasUrlProblem, shownCanvasUrl } from '../../util/canvas-url.js';
import type { Config } from '../types.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';

export function resolveSources(ctx: Resolver): Config['sources'] {
  const s = ctx.w.sources;
  const f = ctx.fileOf(['sources']);
  const base = f ? dirname(f.abs) : process.cwd();
  const existing = (p: string, path: Segment[]): string => {
    const abs = resolve(base, p);
    if (!existsSync(abs)) ctx.warn(path, 'policy.path-not-found', `${p} (${abs}) does not exist yet`, `paths are relative to the policy file that names them (${f?.rel ?? 'policies/'}); make sure the export is there before planning`);
    return abs;
  };
  if (!s) {
    return { sis: { format: 'oneroster-1.1', path: '' }, canvas: { snapshot: null, url: null, account: 'self', tokenEnv: 'CANVAS_TOKEN' } };
  }
  if (s.canvas.snapshot === undefined && s.canvas.url === undefined) {
    ctx.error(['sources', 'canvas'], 'policy.no-canvas-source', '`sources.canvas` names neither `url` nor `snapshot`', 'add `url: https://<your-instance>.instructure.com` (live) or `snapshot: <report directory or .zip>` (offline)', 'key');
  }
  if (s.canvas.url !== undefined) {
    const problem = canvasUrlProblem(s.canvas.url);
    if (problem !== null) ctx.error(['sources', 'canvas', 'url'], 'policy.invalid-canvas-url', `sources.canvas.url ${shownCanvasUrl(s.canvas.url)} cannot be a Canvas URL: ${problem}`, CANVAS_URL_HINT);
  }
  return {
    sis: { format: s.sis.format ?? 'oneroster-1.1', path: existing(s.sis.path, ['sources', 'sis', 'path']) },
    canvas: {
      snapshot: s.canvas.snapshot !== undefined ? existing(s.canvas.snapshot, ['sources', 'canvas', 'snapshot']) : null,
      url: s.canvas.url !== undefined ? s.canvas.url.replace(/\/+$/, '') : null,
      account: s.canvas.account ?? 'self',
      tokenEnv: s.canvas.tokenEnv ?? 'CANVAS_TOKEN',
    },
  };
}
