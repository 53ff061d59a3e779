/** `sources`: the SIS export and the Canvas instance, paths resolved against the file that names them. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CANVAS_URL_HINT, canvasUrlProblem, shownCanvasUrl } from '../../util/canvas-url.js';
import type { Config, DownloadSource, RestSource, SftpSource, SisSourceKind } from '../types.js';
import type { Segment } from './positions.js';
import type { Resolver } from './resolver.js';
import { SIS_URL_HINT, sisUrlProblem } from './source-urls.js';
import type { WrittenPolicy } from './written.js';

type WrittenSis = NonNullable<WrittenPolicy['sources']>['sis'];

const SIS_KINDS: readonly SisSourceKind[] = ['path', 'rest', 'sftp', 'download'];
const SIS = ['sources', 'sis'] as const;

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
    return { sis: { format: 'oneroster-1.1', kind: 'path', path: '' }, canvas: { snapshot: null, url: null, account: 'self', tokenEnv: 'CANVAS_TOKEN' } };
  }
  if (s.canvas.snapshot === undefined && s.canvas.url === undefined) {
    ctx.error(['sources', 'canvas'], 'policy.no-canvas-source', '`sources.canvas` names neither `url` nor `snapshot`', 'add `url: https://<your-instance>.instructure.com` (live) or `snapshot: <report directory or .zip>` (offline)', 'key');
  }
  if (s.canvas.url !== undefined) {
    const problem = canvasUrlProblem(s.canvas.url);
    if (problem !== null) ctx.error(['sources', 'canvas', 'url'], 'policy.invalid-canvas-url', `sources.canvas.url ${shownCanvasUrl(s.canvas.url)} cannot be a Canvas URL: ${problem}`, CANVAS_URL_HINT);
  }
  const kind = sisKindOf(ctx, s.sis);
  return {
    sis: {
      format: s.sis.format ?? 'oneroster-1.1',
      kind,
      path: s.sis.path !== undefined ? existing(s.sis.path, [...SIS, 'path']) : '',
      ...(s.sis.rest ? { rest: resolveRest(ctx, s.sis.rest, s.sis.format ?? 'oneroster-1.1') } : {}),
      ...(s.sis.sftp ? { sftp: resolveSftp(ctx, s.sis.sftp) } : {}),
      ...(s.sis.download ? { download: resolveDownload(ctx, s.sis.download) } : {}),
      where: ctx.where([...SIS], 'key'),
    },
    canvas: {
      snapshot: s.canvas.snapshot !== undefined ? existing(s.canvas.snapshot, ['sources', 'canvas', 'snapshot']) : null,
      url: s.canvas.url !== undefined ? s.canvas.url.replace(/\/+$/, '') : null,
      account: s.canvas.account ?? 'self',
      tokenEnv: s.canvas.tokenEnv ?? 'CANVAS_TOKEN',
    },
  };
}

/** Exactly one of path, rest, sftp, download. */
function sisKindOf(ctx: Resolver, sis: WrittenSis): SisSourceKind {
  const named = SIS_KINDS.filter((k) => sis[k] !== undefined);
  if (named.length === 0) {
    ctx.error([...SIS], 'policy.no-sis-source', '`sources.sis` names none of `path`, `rest`, `sftp`, `download`',
      'add exactly one: `path: <folder or .zip>` for an export in the checkout, or `rest:`, `sftp:` or `download:` to fetch it at run time (see README "Connecting your SIS")', 'key');
    return 'path';
  }
  if (named.length > 1) {
    ctx.error([...SIS, named[1]!], 'policy.several-sis-sources', `\`sources.sis\` names both \`${named[0]}\` and \`${named[1]}\`${named.length > 2 ? ` (and ${named.slice(2).join(', ')})` : ''}; the SIS is read from one place`,
      `keep one of ${named.map((k) => `\`${k}\``).join(', ')} and remove the others`, 'key');
  }
  return named[0]!;
}

function checkUrl(ctx: Resolver, path: Segment[], value: string): string {
  const problem = sisUrlProblem(value);
  if (problem !== null) ctx.error(path, problem.secret ? 'policy.secret-in-yaml' : 'policy.invalid-sis-url', `\`${path.join('.')}\` cannot be used: ${problem.problem}`, SIS_URL_HINT);
  return value.replace(/\/+$/, '');
}

function resolveRest(ctx: Resolver, rest: NonNullable<WrittenSis['rest']>, format: 'oneroster-1.1' | 'oneroster-1.2'): RestSource {
  const at = [...SIS, 'rest'];
  const url = checkUrl(ctx, [...at, 'url'], rest.url);
  const spoken = /\/v1p2(\/|$)/.test(url) ? 'oneroster-1.2' : /\/v1p1(\/|$)/.test(url) ? 'oneroster-1.1' : null;
  if (spoken !== null && spoken !== format) {
    ctx.warn([...at, 'url'], 'policy.sis-version-mismatch', `\`sources.sis.rest.url\` looks like a OneRoster ${spoken.slice(10)} service, but \`sources.sis.format\` is ${format}`,
      `set \`format: ${spoken}\` (the format decides how users' roles are read), or check the URL`);
  }
  let tokenUrl: string | null = null;
  if (rest.auth === 'oauth2') {
    if (rest.tokenUrl === undefined) {
      ctx.error(at, 'policy.oauth2-token-url-missing', '`sources.sis.rest` uses `auth: oauth2` but names no `tokenUrl`', 'add `tokenUrl:` with the token endpoint your SIS documents, e.g. https://sis.example.org/oauth/token', 'key');
    } else {
      tokenUrl = checkUrl(ctx, [...at, 'tokenUrl'], rest.tokenUrl);
    }
    if (rest.signatureMethod !== undefined) ctx.warn([...at, 'signatureMethod'], 'policy.unused-key', '`signatureMethod` only applies to `auth: oauth1`; it is ignored', 'remove it, or set `auth: oauth1`', 'key');
  } else {
    for (const key of ['tokenUrl', 'scope'] as const) {
      if (rest[key] !== undefined) ctx.warn([...at, key], 'policy.unused-key', `\`${key}\` only applies to \`auth: oauth2\`; it is ignored`, 'remove it, or set `auth: oauth2`', 'key');
    }
  }
  return {
    url,
    auth: rest.auth,
    signatureMethod: rest.signatureMethod ?? 'HMAC-SHA256',
    tokenUrl,
    scope: rest.auth === 'oauth2' ? rest.scope ?? null : null,
    clientIdEnv: rest.clientIdEnv ?? 'ONEROSTER_CLIENT_ID',
    clientSecretEnv: rest.clientSecretEnv ?? 'ONEROSTER_CLIENT_SECRET',
    pageSize: rest.pageSize ?? 1000,
  };
}

function resolveSftp(ctx: Resolver, sftp: NonNullable<WrittenSis['sftp']>): SftpSource {
  const at = [...SIS, 'sftp'];
  const credentials = [sftp.passwordEnv, sftp.privateKeyEnv].filter((v) => v !== undefined).length;
  if (credentials !== 1) {
    ctx.error(at, 'policy.sftp-credentials', credentials === 0 ? '`sources.sis.sftp` names neither `passwordEnv` nor `privateKeyEnv`' : '`sources.sis.sftp` names both `passwordEnv` and `privateKeyEnv`',
      'name exactly one environment variable: `passwordEnv: SIS_SFTP_PASSWORD` or `privateKeyEnv: SIS_SFTP_KEY`', 'key');
  }
  return {
    host: sftp.host,
    port: sftp.port ?? 22,
    user: sftp.user,
    path: sftp.path,
    ...(sftp.hostKey !== undefined ? { hostKey: sftp.hostKey } : {}),
    ...(sftp.passwordEnv !== undefined ? { passwordEnv: sftp.passwordEnv } : {}),
    ...(sftp.privateKeyEnv !== undefined ? { privateKeyEnv: sftp.privateKeyEnv } : {}),
  };
}

function resolveDownload(ctx: Resolver, download: NonNullable<WrittenSis['download']>): DownloadSource {
  return { url: checkUrl(ctx, [...SIS, 'download', 'url'], download.url), headers: { ...download.headers } };
}
