/**
 * Uploading an SIS import and following it to the end (reference §1), exactly once.
 *
 * An upload whose answer is lost (timeout, cut connection, 5xx) may still have created its import:
 * Canvas keeps handling a request after the client gave up on it. So after such a failure the
 * upload is not sent again until the import list, watched until `landingWindowMs` after the
 * request was sent (longer than a request can take), shows that no new import appeared; if one
 * did, it is followed instead. When the list cannot be read, nobody can tell: the upload stops with
 * `canvas.upload-uncertain` rather than risk a second import of the same rows. Only a throttled
 * answer (Canvas's throttle refuses before the request is handled, §4.5) is retried at once.
 *
 * "New" means an id absent from the list read just before the first attempt; Canvas's `created_at`
 * is not compared with our clock (the two clocks may disagree). Once Canvas has unpacked an import,
 * its `csv_attachments` (file names and byte sizes) tell ours from another uploader's.
 */
import { RemoteError } from '../errors.js';
import { TransientError, type CanvasHttp } from './http.js';
import type { PollOptions } from './live-state.js';

export interface ImportFlags {
  override_sis_stickiness?: boolean;
  add_sis_stickiness?: boolean;
  clear_sis_stickiness?: boolean;
  update_sis_id_if_login_claimed?: boolean;
}

export interface SisImport {
  id: number | string;
  workflow_state: string;
  created_at?: string | null;
  progress?: number;
  data?: { counts?: Record<string, number>; supplied_batches?: string[]; error_message?: string } | null;
  processing_warnings?: [string | null, string][];
  processing_errors?: [string | null, string][];
  /** The uploaded CSVs once Canvas unpacked them (§1.4): how a landed import is told to be ours. */
  csv_attachments?: { filename?: string; display_name?: string; size?: number }[] | null;
}

export interface ImportMessage {
  file: string | null;
  /** 1-based row including the header, when Canvas says. */
  row: number | null;
  message: string;
  severity: 'warning' | 'error';
}

export const TERMINAL_IMPORT_STATES = new Set(['imported', 'imported_with_messages', 'failed', 'failed_with_messages', 'aborted', 'restored', 'partially_restored']);
export const SUCCESSFUL_IMPORT_STATES = new Set(['imported', 'imported_with_messages']);
/** States of an import Canvas is still working on (§1.4): another upload now would queue behind it or race it. */
export const RUNNING_IMPORT_STATES = ['initializing', 'created', 'importing', 'cleanup_batch', 'restoring'];

/** One CSV of the upload, as Canvas will list it in `csv_attachments`. */
export interface UploadedFile {
  name: string;
  size: number;
}

export interface UploadOptions {
  flags: ImportFlags;
  /** What the zip holds, to recognise our import in the list. */
  files: readonly UploadedFile[];
  /** Import ids in the list before the first attempt: anything newer may be ours. */
  knownBefore: ReadonlySet<string>;
  /** How long after a request was sent Canvas may still create its import (request timeout + margin). */
  landingWindowMs: number;
  /** Pause between looks at the import list while waiting out the window. */
  listIntervalMs?: number;
  /** Uploads sent at most (each only after the previous one is known not to have landed). */
  attempts?: number;
  /** Called before every POST, with the time it is sent: the journal is written here, before anything leaves. */
  beforeSend(attempt: number, sentAt: Date): Promise<void>;
  /** Called when an attempt is known not to have created an import. */
  notLanded?(attempt: number): Promise<void>;
}

/** Why an upload could not be completed, and what Canvas may hold because of it. */
export class UploadUncertainError extends RemoteError {}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Time as the waits see it; tests pass a virtual clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class SisImports {
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  constructor(private readonly http: CanvasHttp, account: string, private readonly log: (line: string) => void = () => {}, clock: Partial<Clock> = {}) {
    this.base = `/api/v1/accounts/${encodeURIComponent(account)}/sis_imports`;
    this.sleep = clock.sleep ?? sleepFor;
    this.now = clock.now ?? Date.now;
  }

  /** The newest imports (one page of 100, newest first). */
  async recent(): Promise<SisImport[]> {
    const res = await this.http.json<{ sis_imports?: SisImport[] }>('GET', this.base, { query: { per_page: 100 } });
    return res.sis_imports ?? [];
  }

  async recentIds(): Promise<Set<string>> {
    return new Set((await this.recent()).map((i) => String(i.id)));
  }

  /** Imports Canvas is still working on: another job's, a person's, or a previous run's that timed out. */
  async running(): Promise<SisImport[]> {
    const res = await this.http.json<{ sis_imports?: SisImport[] }>('GET', this.base, { query: { per_page: 100, 'workflow_state[]': RUNNING_IMPORT_STATES } });
    // A Canvas that ignores the filter still answers with states: filter here too.
    return (res.sis_imports ?? []).filter((i) => RUNNING_IMPORT_STATES.includes(i.workflow_state));
  }

  async status(id: string | number): Promise<SisImport> {
    return this.http.json<SisImport>('GET', `${this.base}/${id}`);
  }

  /** Sends the zip once; see the module comment for what happens when the answer is lost. */
  async upload(zip: Uint8Array, options: UploadOptions): Promise<SisImport> {
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const sentAt = new Date(this.now());
      await options.beforeSend(attempt, sentAt);
      try {
        return await this.http.json<SisImport>('POST', this.base, { body: this.form(zip, options.flags), retry: false });
      } catch (err) {
        // A 2xx whose body is not JSON is an answer lost as surely as a timeout: the import may exist.
        const lost = err instanceof TransientError || (err instanceof RemoteError && err.status !== undefined && err.status < 300);
        if (!lost) {
          // Canvas answered with an error (400, 401, 403, 404): its controller refused, no import exists.
          if (err instanceof RemoteError) await options.notLanded?.(attempt);
          throw err;
        }
        if (err.code === 'canvas.throttled') {
          // Throttling refuses a request before Canvas handles it: nothing was created.
          await options.notLanded?.(attempt);
          if (attempt >= attempts) throw err;
          this.log(`upload throttled by Canvas (nothing created); uploading again (${attempt}/${attempts - 1})`);
          await this.sleep(Math.max(Number((err as { retryAfterMs?: number }).retryAfterMs ?? 0), Math.min(10_000, 500 * 2 ** attempt)));
          continue;
        }
        this.log(`upload answer lost (${err.message}); watching the import list until ${Math.round(options.landingWindowMs / 1000)}s after sending before deciding anything`);
        const landed = await this.findLanded(options, sentAt.getTime(), err);
        if (landed) {
          this.log(`Canvas had created import ${landed.id} from that upload: following it instead of uploading again`);
          return landed;
        }
        await options.notLanded?.(attempt);
        if (attempt >= attempts) {
          throw new RemoteError('canvas.upload-failed', `the upload failed ${attempts} times (${err.message}); the import list shows that none of them created an import`, err.status,
            'Nothing was imported. Check Canvas\'s status and the network, then run the same apply again.');
        }
        this.log(`no import appeared within ${Math.round(options.landingWindowMs / 1000)}s of sending: the upload did not land; uploading again (${attempt}/${attempts - 1})`);
      }
    }
  }

  /**
   * The import an unanswered upload created, or null once the landing window has passed without
   * one. Throws UploadUncertainError when the list cannot tell.
   */
  async findLanded(options: Pick<UploadOptions, 'files' | 'knownBefore' | 'landingWindowMs' | 'listIntervalMs'>, sentAtMs: number, cause?: RemoteError): Promise<SisImport | null> {
    const deadline = sentAtMs + options.landingWindowMs;
    const interval = options.listIntervalMs ?? 2_000;
    for (;;) {
      const looked = this.now();
      let list: SisImport[];
      try {
        list = await this.recent();
      } catch (err) {
        throw new UploadUncertainError('canvas.upload-uncertain',
          `the upload's answer was lost${cause ? ` (${cause.message})` : ''} and the import list cannot be read (${(err as Error).message}): whether Canvas created an import from it is unknown`,
          undefined, 'Nothing is uploaded again until this is known. Run the same apply again when Canvas answers: it looks for the import first.');
      }
      const fresh = list.filter((i) => !options.knownBefore.has(String(i.id)) && ownership(i, options.files) !== 'other');
      if (fresh.length > 1) {
        throw new UploadUncertainError('canvas.import-ambiguous', `the upload's answer was lost and ${fresh.length} new imports appeared meanwhile (${fresh.map((i) => i.id).join(', ')})`, undefined,
          'Another process is importing into this account; check the imports in Canvas before applying again (the CI concurrency group should prevent this).');
      }
      if (fresh[0]) return fresh[0];
      if (looked >= deadline) return null;
      await this.sleep(Math.max(1, Math.min(interval, deadline - this.now())));
    }
  }

  private form(zip: Uint8Array, flags: ImportFlags): FormData {
    const form = new FormData();
    form.set('import_type', 'instructure_csv');
    form.set('extension', 'zip');
    for (const [k, v] of Object.entries(flags)) if (v) form.set(k, 'true');
    form.set('attachment', new Blob([zip], { type: 'application/zip' }), 'rosterops.zip');
    return form;
  }

  async wait(id: string | number, poll: PollOptions, onState?: (imp: SisImport) => Promise<void> | void): Promise<SisImport> {
    const sleep = poll.sleep ?? this.sleep;
    const deadline = Date.now() + poll.timeoutMs;
    for (;;) {
      const imp = await this.status(id);
      await onState?.(imp);
      poll.onProgress?.(`import ${imp.id}: ${imp.workflow_state} ${imp.progress ?? 0}%`);
      if (TERMINAL_IMPORT_STATES.has(imp.workflow_state)) return imp;
      if (Date.now() > deadline) {
        throw new RemoteError('canvas.import-timeout', `import ${id} still "${imp.workflow_state}" after ${poll.timeoutMs / 1000}s`, undefined, `It may still finish: run the same apply again, which waits for it and re-plans (or check it in Canvas under SIS Import).`);
      }
      await sleep(poll.intervalMs);
    }
  }

  /**
   * Every message with its row where Canvas keeps one (the errors endpoint), else the capped
   * summary arrays; those also stand in when the errors endpoint fails, since the import itself
   * has ended and its outcome is known.
   */
  async messages(imp: SisImport): Promise<ImportMessage[]> {
    try {
      const rows = await this.http.paginate<{ file?: string | null; message: string; row?: number | null; failure?: boolean }>(
        `${this.base}/${imp.id}/errors`, {}, (page) => (page as { sis_import_errors?: [] }).sis_import_errors ?? [],
      );
      const failures = new Set((imp.processing_errors ?? []).map(([, m]) => m));
      return rows.map((r) => ({
        file: r.file ?? null, row: r.row ?? null, message: r.message,
        severity: r.failure === true || failures.has(r.message) ? 'error' : 'warning',
      }));
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      if (err.status !== 404) this.log(`could not read the messages of import ${imp.id} (${err.message}): using the summary in the import itself`);
    }
    const summary = (list: [string | null, string][] | undefined, severity: ImportMessage['severity']) =>
      (list ?? []).filter(([file]) => !/^and \d+ more/.test(file ?? '')).map(([file, message]) => ({ file, row: null, message, severity }));
    return [...summary(imp.processing_errors, 'error'), ...summary(imp.processing_warnings, 'warning')];
  }
}

/**
 * Whether a listed import holds our files: by the CSVs Canvas unpacked (names and sizes), once it
 * has unpacked them; before that it cannot be told apart ('unknown', treated as possibly ours).
 */
export function ownership(imp: SisImport, files: readonly UploadedFile[]): 'ours' | 'other' | 'unknown' {
  const listed = imp.csv_attachments ?? [];
  if (listed.length === 0 || files.length === 0) return 'unknown';
  const key = (name: string, size: number) => `${name.split('/').pop()}:${size}`;
  const mine = new Set(files.map((f) => key(f.name, f.size)));
  const theirs = listed.map((f) => key(f.filename ?? f.display_name ?? '', f.size ?? -1));
  return theirs.length === mine.size && theirs.every((k) => mine.has(k)) ? 'ours' : 'other';
}
