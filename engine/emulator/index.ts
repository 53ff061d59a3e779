/**
 * A local Canvas LMS root account for end-to-end tests (DESIGN.md "Test doubles that speak the
 * real wire format"): SIS Import API, provisioning reports, Enrollment Terms API and the admin
 * endpoints, on 127.0.0.1 only, behind a bearer token, with switchable faults and throttling.
 */
import type { AddressInfo } from 'node:net';
import type { CanvasState } from '../model/canvas.js';
import { readCanvasReport } from '../readers/canvas-report.js';
import { accountRoutes } from './accounts-api.js';
import { adminRoutes } from './admin-api.js';
import { controlRoutes } from './control-api.js';
import type { EmulatorCore } from './core.js';
import { dumpState, type EmulatorDump } from './dump.js';
import { FaultBook, type FaultSpec } from './faults.js';
import { FileStore } from './files.js';
import { createHttpServer } from './http.js';
import { ReportRunner } from './report-runner.js';
import { fileRoutes, reportRoutes } from './reports-api.js';
import { nextErrorReport } from './responses.js';
import { Scheduler } from './scheduler.js';
import { seedStore } from './snapshot.js';
import { sisImportRoutes } from './sis-imports-api.js';
import { SisProcessor } from './sis-processor.js';
import { Store, type AuthProvider } from './store.js';
import { termRoutes } from './terms-api.js';
import { LeakyBucket, type RateLimitOptions } from './throttle.js';

export { FaultBook, parseFaultSpec, FaultSpecError, type FaultRule, type FaultSpec, type FaultKind } from './faults.js';
export type { RateLimitOptions } from './throttle.js';
export type { EmulatorDump } from './dump.js';
export { Store } from './store.js';
export { SEED_SIS_BATCH_ID } from './snapshot.js';

export interface CanvasEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The only access token accepted. */
  token: string;
  /** A provisioning report (directory, .zip or .csv) to seed the account from. */
  snapshot?: string;
  /** Seed from a state already in memory (applied after `snapshot`). */
  seed?: CanvasState;
  /** Fault rules; grammar in faults.ts. */
  faults?: string | FaultSpec;
  /** The root account's time zone: import dates without offset and report dates use it. Default UTC. */
  timeZone?: string;
  /** Delay before a queued import/report starts and between its processing steps. Default 0. */
  processingDelayMs?: number;
  /** Canvas id of the root account. Default 1. */
  rootAccountId?: string;
  /** A request budget (throttling); without it only Canvas's default bucket applies. */
  rateLimit?: RateLimitOptions;
  /** Authentication providers of the account (default: canvas, google, saml, ldap, microsoft, clever, openid_connect). */
  authProviders?: AuthProvider[];
  /** Import rows processed per step. Default 100. */
  rowsPerStep?: number;
}

export interface CanvasEmulator {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  url: string;
  store: Store;
  faults: FaultBook;
  dump(): EmulatorDump;
  close(): Promise<void>;
}

export async function startCanvasEmulator(options: CanvasEmulatorOptions): Promise<CanvasEmulator> {
  if (!options.token) throw new Error('startCanvasEmulator: a token is required');
  const rootAccountId = options.rootAccountId !== undefined ? Number(options.rootAccountId) : 1;
  if (!Number.isInteger(rootAccountId) || rootAccountId < 1) throw new Error(`startCanvasEmulator: rootAccountId must be a positive integer`);
  const store = new Store({ rootAccountId, authProviders: options.authProviders });
  if (options.snapshot) seedStore(store, await readCanvasReport(options.snapshot));
  if (options.seed) seedStore(store, options.seed);

  const timeZone = options.timeZone ?? 'UTC';
  const delay = Math.max(0, options.processingDelayMs ?? 0);
  const scheduler = new Scheduler();
  const files = new FileStore();
  let batchSeq = 0;
  const core: EmulatorCore = {
    store, files, scheduler, timeZone, processingDelayMs: delay,
    faults: new FaultBook(options.faults),
    bucket: new LeakyBucket(options.rateLimit),
    sis: new SisProcessor({ store, files, timeZone, sliceSize: Math.max(1, options.rowsPerStep ?? 100), nextErrorReport }, scheduler, () => delay),
    reports: new ReportRunner(store, files, scheduler, timeZone, () => delay),
    nextSisBatchId: () => ++batchSeq,
  };

  let url = '';
  const dump = (): EmulatorDump => dumpState(core, url);
  const routes = [
    ...controlRoutes(core, dump, (b) => (core.bucket = b)),
    ...sisImportRoutes(core),
    ...reportRoutes(core),
    ...fileRoutes(core),
    ...termRoutes(core),
    ...adminRoutes(core),
    ...accountRoutes(core),
  ];
  const server = createHttpServer({ token: options.token, routes, faults: core.faults, bucket: () => core.bucket, baseUrl: () => url });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url, store, faults: core.faults, dump,
    close: () => new Promise<void>((resolve) => {
      scheduler.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
