/** Shared helpers for the emulator tests: everything goes through HTTP with global fetch. */
import { parse } from 'csv-parse/sync';
import { strToU8, strFromU8, unzipSync, zipSync } from 'fflate';
import { afterEach } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator, type CanvasEmulatorOptions } from '../../engine/emulator/index.js';

export const TOKEN = 'test-token-5f1c2b';

const running: CanvasEmulator[] = [];

afterEach(async () => {
  while (running.length > 0) await running.pop()!.close();
});

export async function start(options: Partial<CanvasEmulatorOptions> = {}): Promise<CanvasEmulator> {
  const emu = await startCanvasEmulator({ port: 0, token: TOKEN, ...options });
  running.push(emu);
  return emu;
}

export interface CallOptions {
  form?: Record<string, string>;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  token?: string | null;
}

export async function call(emu: CanvasEmulator, method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: RequestInit['body'] = options.body;
  if (options.form) {
    body = new URLSearchParams(options.form);
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = 'application/json';
  }
  return fetch(emu.url + path, { method, headers, body });
}

export async function callJson<T = any>(emu: CanvasEmulator, method: string, path: string, options: CallOptions = {}): Promise<T> {
  const res = await call(emu, method, path, options);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function zip(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
}

export function unzip(bytes: Uint8Array): Map<string, string> {
  return new Map(Object.entries(unzipSync(bytes)).map(([k, v]) => [k, strFromU8(v)]));
}

export const TERMINAL = ['imported', 'imported_with_messages', 'failed', 'failed_with_messages', 'aborted'];

/** Posts a zip (multipart) with option params in the query; returns the created SisImport. */
export async function postImport(emu: CanvasEmulator, files: Record<string, string>, params: Record<string, string> = {}): Promise<any> {
  const form = new FormData();
  form.append('attachment', new Blob([zip(files)], { type: 'application/zip' }), 'import.zip');
  const qs = new URLSearchParams({ import_type: 'instructure_csv', ...params }).toString();
  return callJson(emu, 'POST', `/api/v1/accounts/self/sis_imports?${qs}`, { body: form });
}

export async function waitImport(emu: CanvasEmulator, id: number, seen?: string[]): Promise<any> {
  for (let i = 0; i < 2000; i++) {
    const json = await callJson(emu, 'GET', `/api/v1/accounts/self/sis_imports/${id}`);
    seen?.push(json.workflow_state);
    if (TERMINAL.includes(json.workflow_state)) return json;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('import did not finish');
}

export async function runImport(emu: CanvasEmulator, files: Record<string, string>, params: Record<string, string> = {}): Promise<any> {
  const created = await postImport(emu, files, params);
  return waitImport(emu, created.id);
}

/** Starts a provisioning report, waits for it and returns the status JSON and the files by name. */
export async function runReport(emu: CanvasEmulator, parameters: Record<string, string>): Promise<{ report: any; files: Map<string, string> }> {
  const form = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [`parameters[${k}]`, v]));
  const started = await callJson(emu, 'POST', '/api/v1/accounts/self/reports/provisioning_csv', { form });
  let report = started;
  for (let i = 0; i < 2000 && !['complete', 'error'].includes(report.status); i++) {
    await new Promise((r) => setTimeout(r, 5));
    report = await callJson(emu, 'GET', `/api/v1/accounts/self/reports/provisioning_csv/${started.id}`);
  }
  if (report.status !== 'complete') return { report, files: new Map() };
  const res = await call(emu, 'GET', new URL(report.file_url).pathname);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const files = report.attachment.filename.endsWith('.zip') ? unzip(bytes) : new Map([[report.attachment.filename, strFromU8(bytes)]]);
  return { report, files };
}

export function rows(csv: string): Record<string, string>[] {
  return parse(csv, { columns: true }) as Record<string, string>[];
}

export function header(csv: string): string[] {
  return csv.slice(0, csv.indexOf('\n')).split(',');
}

export async function state(emu: CanvasEmulator): Promise<any> {
  return callJson(emu, 'GET', '/__emulator/state');
}
