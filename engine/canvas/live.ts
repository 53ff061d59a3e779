/** A live Canvas, configured from the policies: URL, root account, token from the named variable. */
import { ConfigError } from '../errors.js';
import type { CanvasState } from '../model/canvas.js';
import type { Config } from '../policy/types.js';
import { CanvasHttp } from './http.js';
import { readLiveCanvasState, type PollOptions } from './live-state.js';
import { SisImports } from './sis-import.js';

export interface LiveCanvas {
  http: CanvasHttp;
  /** How long one request may go unanswered before it is given up (exactly-once upload needs it). */
  requestTimeoutMs: number;
  imports: SisImports;
  poll: PollOptions;
  readState(): Promise<CanvasState>;
}

export interface LiveOptions {
  /** Overrides sources.canvas.url. */
  url?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  onProgress?: (text: string) => void;
  /** Tests shorten backoff; production keeps the defaults (also ROSTEROPS_HTTP_BACKOFF_MS). */
  backoffMs?: number;
  /** Per-request timeout (also ROSTEROPS_HTTP_TIMEOUT_MS); default 60 s. */
  timeoutMs?: number;
}

/** A whole number of milliseconds from the environment, or undefined when unset or not a number. */
export function envMilliseconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

export function connectCanvas(config: Config, options: LiveOptions = {}): LiveCanvas {
  const env = options.env ?? process.env;
  const url = options.url ?? config.sources.canvas.url;
  const where = { file: config.files[0], field: '/sources/canvas/url' };
  if (!url) {
    throw new ConfigError('canvas.no-url', 'no Canvas URL to talk to', where, 'Set sources.canvas.url in the policies or pass --canvas-url.');
  }
  const tokenEnv = config.sources.canvas.tokenEnv;
  const token = env[tokenEnv];
  if (!token) {
    throw new ConfigError('canvas.no-token', `the environment variable ${tokenEnv} is empty`, { ...where, field: '/sources/canvas/tokenEnv' },
      `Export a Canvas admin token as ${tokenEnv} (in CI: a secret of the protected environment); rosterops never reads tokens from files.`);
  }
  const log = options.log ?? (() => {});
  const backoffMs = options.backoffMs ?? envMilliseconds(env, 'ROSTEROPS_HTTP_BACKOFF_MS');
  const timeoutMs = options.timeoutMs ?? envMilliseconds(env, 'ROSTEROPS_HTTP_TIMEOUT_MS') ?? 60_000;
  const http = new CanvasHttp({ baseUrl: url, token, onRetry: log, timeoutMs, ...(backoffMs !== undefined ? { backoffMs } : {}) });
  const poll: PollOptions = {
    intervalMs: config.apply.pollIntervalSeconds * 1000,
    timeoutMs: config.apply.timeoutMinutes * 60_000,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const account = config.sources.canvas.account;
  return {
    http,
    requestTimeoutMs: timeoutMs,
    imports: new SisImports(http, account, log),
    poll,
    readState: () => readLiveCanvasState(http, account, poll),
  };
}
