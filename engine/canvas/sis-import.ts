/**
 * Uploading an SIS import and following it to the end (reference §1). An upload is never sent
 * twice by accident: if the connection drops or Canvas answers 5xx mid-upload, the import list is
 * checked first, because Canvas may already have created the import.
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
  progress?: number;
  data?: { counts?: Record<string, number>; supplied_batches?: string[]; error_message?: string } | null;
  processing_warnings?: [string | null, string][];
  processing_errors?: [string | null, string][];
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

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SisImports {
  private readonly base: string;
  constructor(private readonly http: CanvasHttp, account: string, private readonly log: (line: string) => void = () => {}) {
    this.base = `/api/v1/accounts/${encodeURIComponent(account)}/sis_imports`;
  }

  async recentIds(): Promise<Set<string>> {
    const res = await this.http.json<{ sis_imports?: SisImport[] }>('GET', this.base, { query: { per_page: 100 } });
    return new Set((res.sis_imports ?? []).map((i) => String(i.id)));
  }

  async upload(zip: Uint8Array, flags: ImportFlags, attempts = 4): Promise<SisImport> {
    const before = await this.recentIds();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.http.json<SisImport>('POST', this.base, { body: this.form(zip, flags), retry: false });
      } catch (err) {
        if (!(err instanceof TransientError)) throw err;
        const created = await this.findCreatedSince(before);
        if (created) {
          this.log(`upload answer lost (${err.message}); Canvas had created import ${created.id}: following it instead of uploading again`);
          return created;
        }
        if (attempt >= attempts) throw err;
        this.log(`upload failed (${err.message}); no import was created; uploading again (${attempt}/${attempts - 1})`);
        await sleepFor(Math.min(10_000, 500 * 2 ** attempt));
      }
    }
  }

  private async findCreatedSince(before: Set<string>): Promise<SisImport | null> {
    // The list itself may be throttled or fail: it goes through the normal retrying request.
    const res = await this.http.json<{ sis_imports?: SisImport[] }>('GET', this.base, { query: { per_page: 100 } });
    const fresh = (res.sis_imports ?? []).filter((i) => !before.has(String(i.id)));
    if (fresh.length > 1) {
      throw new RemoteError('canvas.import-ambiguous', `the upload's answer was lost and ${fresh.length} new imports appeared meanwhile (${fresh.map((i) => i.id).join(', ')})`, undefined, 'Another process is importing into this account; check the imports in Canvas before applying again (the CI concurrency group should prevent this).');
    }
    return fresh[0] ?? null;
  }

  private form(zip: Uint8Array, flags: ImportFlags): FormData {
    const form = new FormData();
    form.set('import_type', 'instructure_csv');
    form.set('extension', 'zip');
    for (const [k, v] of Object.entries(flags)) if (v) form.set(k, 'true');
    form.set('attachment', new Blob([zip], { type: 'application/zip' }), 'rosterops.zip');
    return form;
  }

  async wait(id: string | number, poll: PollOptions): Promise<SisImport> {
    const sleep = poll.sleep ?? sleepFor;
    const deadline = Date.now() + poll.timeoutMs;
    for (;;) {
      const imp = await this.http.json<SisImport>('GET', `${this.base}/${id}`);
      poll.onProgress?.(`import ${imp.id}: ${imp.workflow_state} ${imp.progress ?? 0}%`);
      if (TERMINAL_IMPORT_STATES.has(imp.workflow_state)) return imp;
      if (Date.now() > deadline) {
        throw new RemoteError('canvas.import-timeout', `import ${id} still "${imp.workflow_state}" after ${poll.timeoutMs / 1000}s`, undefined, `It may still finish: check it in Canvas (SIS Import) before applying again; a re-plan shows what is left.`);
      }
      await sleep(poll.intervalMs);
    }
  }

  /** Every message with its row where Canvas keeps one (the errors endpoint), else the capped summary arrays. */
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
      if (!(err instanceof RemoteError) || err.status !== 404) throw err;
    }
    const summary = (list: [string | null, string][] | undefined, severity: ImportMessage['severity']) =>
      (list ?? []).filter(([file]) => !/^and \d+ more/.test(file ?? '')).map(([file, message]) => ({ file, row: null, message, severity }));
    return [...summary(imp.processing_errors, 'error'), ...summary(imp.processing_warnings, 'warning')];
  }
}
