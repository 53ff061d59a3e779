/**
 * Reads the current Canvas state the way the reference says scales (§4.4 conclusion): one
 * provisioning_csv account report (start, poll, download), never paging over every user; plus the
 * Enrollment Terms API for term date overrides, which reports do not export (§4.3).
 */
import { RemoteError } from '../errors.js';
import { ENROLLMENT_TYPES, type CanvasState, type EnrollmentType, type TermOverrideRecord } from '../model/canvas.js';
import { readCanvasReportBytes } from '../readers/canvas-report.js';
import { hasProviderIds, withProviderTypes } from './auth-providers.js';
import { sha256Hex } from '../util/canonical.js';
import { toUtcInstant } from '../util/dates.js';
import type { CanvasHttp } from './http.js';

const ENTITIES = ['users', 'accounts', 'terms', 'courses', 'sections', 'enrollments'] as const;
const TERMINAL = new Set(['complete', 'error', 'aborted', 'deleted']);

export interface PollOptions {
  intervalMs: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (text: string) => void;
}

interface AccountReport {
  id: number | string;
  status: string;
  progress?: number;
  file_url?: string | null;
  attachment?: { url?: string; filename?: string } | null;
  parameters?: { extra_text?: string } | null;
}

interface EnrollmentTerm {
  id: number | string;
  sis_term_id?: string | null;
  overrides?: Partial<Record<string, { start_at?: string | null; end_at?: string | null }>>;
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function readLiveCanvasState(http: CanvasHttp, account: string, poll: PollOptions): Promise<CanvasState> {
  const base = `/api/v1/accounts/${encodeURIComponent(account)}`;
  const form = new URLSearchParams();
  for (const e of ENTITIES) form.set(`parameters[${e}]`, 'true');
  form.set('parameters[include_deleted]', 'true');
  const started = await http.json<AccountReport>('POST', `${base}/reports/provisioning_csv`, {
    body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  const report = await pollReport(http, `${base}/reports/provisioning_csv/${started.id}`, poll);
  const url = report.attachment?.url ?? report.file_url;
  if (!url) throw new RemoteError('canvas.report-no-file', `provisioning report ${report.id} finished without a file`, undefined, 'Run the report again; Canvas produced no attachment.');
  // Through download(): the token goes only to the Canvas origin, never to where the file may live.
  const bytes = (await http.download(url, `provisioning report ${report.id}`)).body;
  const origin = `${http.baseUrl} (provisioning_csv report ${report.id})`;
  // Read from memory, as downloaded: a .zip of entity files, or one .csv when one entity was asked for.
  const name = report.attachment?.filename?.endsWith('.csv') ? 'report.csv' : 'report.zip';
  const state = readCanvasReportBytes(bytes, name, origin);
  const overrides = await readTermOverrides(http, base);
  const authProviders = await readAuthProviders(http, base);
  // Logins named by provider type where the report names them by id, as a snapshot of this state
  // names them (canvas/auth-providers.ts): the same Canvas, read either way, plans the same.
  const warnings = authProviders || !hasProviderIds(state.users) ? state.warnings : [...state.warnings, {
    severity: 'warning' as const, code: 'canvas.provider-list-unavailable', file: origin, field: 'authentication_provider_id',
    message: 'the token may not list the account\'s authentication providers: login provider ids are compared with the policies\' provider names as they are',
    hint: 'Give the token the permission to read authentication providers (Admin > Authentication), so ids such as 1 read as their type (canvas).',
  }];
  return withProviderTypes({
    ...state,
    warnings,
    ...(authProviders ? { authProviders } : {}),
    origin,
    termOverrides: overrides,
    digest: sha256Hex(`${state.digest}\n${JSON.stringify(overrides)}`),
  });
}

async function pollReport(http: CanvasHttp, path: string, poll: PollOptions): Promise<AccountReport> {
  const sleep = poll.sleep ?? sleepFor;
  const deadline = Date.now() + poll.timeoutMs;
  for (;;) {
    const report = await http.json<AccountReport>('GET', path);
    poll.onProgress?.(`provisioning report ${report.id}: ${report.status} ${report.progress ?? 0}%`);
    if (TERMINAL.has(report.status)) {
      if (report.status !== 'complete') {
        throw new RemoteError('canvas.report-failed', `provisioning report ${report.id} ended "${report.status}"${report.parameters?.extra_text ? `: ${report.parameters.extra_text}` : ''}`, undefined, 'Run the plan again; if it keeps failing, check the report in Canvas (Admin > Settings > Reports).');
      }
      return report;
    }
    if (Date.now() > deadline) throw new RemoteError('canvas.report-timeout', `provisioning report ${report.id} did not finish within ${poll.timeoutMs / 1000}s`, undefined, 'Large accounts take longer: raise apply.reportTimeoutMinutes.');
    await sleep(poll.intervalMs);
  }
}

/** The account's login providers (id → type); null when the token may not list them. */
async function readAuthProviders(http: CanvasHttp, base: string): Promise<{ id: string; auth_type: string }[] | null> {
  try {
    const list = await http.paginate<{ id: number | string; auth_type: string }>(`${base}/authentication_providers`, {}, (page) => (Array.isArray(page) ? page : []));
    return list.map((p) => ({ id: String(p.id), auth_type: p.auth_type }));
  } catch (err) {
    if (err instanceof RemoteError && (err.status === 404 || err.status === 403 || err.status === 401)) return null;
    throw err;
  }
}

async function readTermOverrides(http: CanvasHttp, base: string): Promise<TermOverrideRecord[]> {
  const terms = await http.paginate<EnrollmentTerm>(`${base}/terms`, { 'include[]': ['overrides'] }, (page) => (page as { enrollment_terms?: EnrollmentTerm[] }).enrollment_terms ?? []);
  const out: TermOverrideRecord[] = [];
  for (const t of terms) {
    if (!t.sis_term_id || !t.overrides) continue;
    for (const [type, dates] of Object.entries(t.overrides)) {
      if (!dates || !ENROLLMENT_TYPES.includes(type as EnrollmentType)) continue;
      out.push({
        term_id: t.sis_term_id, date_override_enrollment_type: type as EnrollmentType,
        start_date: toUtcInstant(dates.start_at ?? null), end_date: toUtcInstant(dates.end_at ?? null),
      });
    }
  }
  out.sort((a, b) => (a.term_id + a.date_override_enrollment_type < b.term_id + b.date_override_enrollment_type ? -1 : 1));
  return out;
}
