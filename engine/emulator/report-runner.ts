/**
 * Account reports (canvas-sis.md §4.1–4.3): a report runs in the background (`created` →
 * `running` → `complete` | `error`) and ends with an attachment: one entity → a single `.csv`,
 * several → a `.zip` of `<entity>.csv` files in Canvas's entity order.
 */
import { strToU8, zipSync } from 'fflate';
import { renderProvisioningFiles } from '../canvas/report-files.js';
import type { ProvisioningEntity } from '../canvas/columns.js';
import { renderExtraFile, type ExtraEntity } from './extra-report-files.js';
import { fileJson, type FileStore } from './files.js';
import { truthy } from './importer/rows.js';
import { findTerm } from './lookup.js';
import { stringParam, type Params } from './params.js';
import { toCanvasState, type ReportFilter } from './report-state.js';
import type { Scheduler } from './scheduler.js';
import { nowIso, type Iso, type Store } from './store.js';

/** Entity flags in packaging order (§4.1). */
export const REPORT_ENTITIES = ['users', 'accounts', 'terms', 'courses', 'sections', 'enrollments', 'groups', 'group_membership', 'group_categories', 'xlist', 'user_observers', 'admins'] as const;
export type ReportEntity = (typeof REPORT_ENTITIES)[number];
const PROVISIONING: readonly string[] = ['users', 'accounts', 'terms', 'courses', 'sections', 'enrollments'];

export type ReportStatus = 'created' | 'running' | 'compiling' | 'complete' | 'error' | 'aborted' | 'deleted';

export const NO_FILE_TEXT = 'Failed, the report failed to generate a file. Please try again.';

/**
 * `parameters.extra_text`, the human summary Canvas adds (`Term: All Terms; Include Deleted
 * Objects; Reports: users courses `). Pieces from §4.1; exact concatenation UNVERIFIED.
 */
export function reportExtraText(termName: string | null, includeDeleted: boolean, createdBySis: boolean, entities: readonly string[]): string {
  const pieces = [`Term: ${termName ?? 'All Terms'};`];
  if (includeDeleted) pieces.push('Include Deleted Objects;');
  if (createdBySis) pieces.push('Created by SIS;');
  pieces.push(`Reports: ${entities.map((e) => `${e} `).join('')}`);
  return pieces.join(' ');
}

/** `<report>_<DD>_<Mon>_<YYYY>_<id>.<ext>`, dated in the account's zone (§4.1). */
export function reportFileName(report: string, id: number, ext: 'csv' | 'zip', timeZone: string, at = new Date()): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, day: '2-digit', month: 'short', year: 'numeric' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${report}_${parts.day}_${parts.month}_${parts.year}_${id}.${ext}`;
}

export class AccountReport {
  status: ReportStatus = 'created';
  progress = 0;
  startedAt: Iso | null = null;
  endedAt: Iso | null = null;
  fileId: number | null = null;
  currentLine: number | null = null;
  readonly createdAt = nowIso();

  constructor(readonly id: number, readonly report: string, readonly accountId: number, readonly parameters: Params) {}

  toJson(baseUrl: string, files: FileStore): Record<string, unknown> {
    const file = this.fileId !== null ? files.get(this.fileId) : undefined;
    return {
      id: this.id,
      report: this.report,
      file_url: file ? `${baseUrl}/accounts/${this.accountId}/files/${file.id}/download` : null,
      attachment: file ? fileJson(baseUrl, file) : null,
      status: this.status,
      created_at: this.createdAt,
      started_at: this.startedAt,
      ended_at: this.endedAt,
      parameters: this.parameters,
      progress: this.progress,
      current_line: this.currentLine,
      run_time: this.startedAt && this.endedAt ? (Date.parse(this.endedAt) - Date.parse(this.startedAt)) / 1000 : null,
    };
  }
}

export class ReportRunner {
  readonly reports: AccountReport[] = [];
  private seq = 0;

  constructor(private readonly store: Store, private readonly files: FileStore, private readonly scheduler: Scheduler,
    private readonly timeZone: string, private readonly delayMs: () => number) {}

  start(report: string, accountId: number, parameters: Params): AccountReport {
    const run = new AccountReport(++this.seq, report, accountId, parameters);
    this.reports.push(run);
    this.scheduler.schedule(() => this.begin(run), this.delayMs());
    return run;
  }

  private begin(run: AccountReport): void {
    if (run.status !== 'created') return;
    run.status = 'running';
    run.startedAt = nowIso();
    this.scheduler.schedule(() => this.generate(run), this.delayMs());
  }

  private generate(run: AccountReport): void {
    if (run.status !== 'running') return;
    const p = run.parameters;
    const entities = REPORT_ENTITIES.filter((e) => truthy(p[e]));
    const includeDeleted = truthy(p.include_deleted);
    const createdBySis = truthy(p.created_by_sis);
    const termParam = stringParam(p, 'enrollment_term_id');
    const term = termParam ? findTerm(this.store, termParam) : undefined;
    p.extra_text = reportExtraText(term?.name ?? null, includeDeleted, createdBySis, entities);
    if (entities.length === 0 || (termParam && !term)) return this.fail(run);

    const filter: ReportFilter = { includeDeleted, createdBySis, termId: term?.id ?? null, accountId: run.accountId };
    const state = { ...toCanvasState(this.store, filter), termOverrides: null };
    const six = entities.filter((e) => PROVISIONING.includes(e)) as ProvisioningEntity[];
    const rendered = six.length > 0 ? renderProvisioningFiles(state, { timeZone: this.timeZone, entities: six }) : new Map<string, string>();
    const texts = new Map<string, string>();
    for (const e of entities) {
      texts.set(`${e}.csv`, PROVISIONING.includes(e) ? rendered.get(`${e}.csv`)! : renderExtraFile(this.store, e as ExtraEntity, filter));
    }
    let file;
    if (texts.size === 1) {
      const [text] = texts.values();
      file = this.files.add(reportFileName(run.report, run.id, 'csv', this.timeZone), 'text/csv', strToU8(text!));
    } else {
      const entries: Record<string, Uint8Array> = {};
      for (const [name, text] of texts) entries[name] = strToU8(text);
      file = this.files.add(reportFileName(run.report, run.id, 'zip', this.timeZone), 'application/zip', zipSync(entries));
    }
    run.fileId = file.id;
    run.currentLine = [...texts.values()].reduce((n, t) => n + t.split('\n').filter(Boolean).length - 1, 0);
    run.progress = 100;
    run.status = 'complete';
    run.endedAt = nowIso();
  }

  private fail(run: AccountReport): void {
    run.parameters.extra_text = NO_FILE_TEXT;
    run.status = 'error';
    run.progress = 100;
    run.endedAt = nowIso();
  }
}
