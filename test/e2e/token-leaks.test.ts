/**
 * Where the tokens go, through the real CLI against local servers: Canvas error text echoing the
 * token (whole, cut at the message limit, split across lines) never shows 12 characters of it in
 * stdout, stderr or the apply record; and nothing on another origin (another port of 127.0.0.1)
 * ever receives an Authorization header: report files, `Link: rel="next"`, redirects, and GitHub
 * pagination and redirects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCanvasEmulator, type CanvasEmulator } from '../../engine/emulator/index.js';
import { writePlanFile } from '../../engine/plan/plan-file.js';
import { RUN_LENGTH } from '../../engine/util/redact.js';
import { emptyPlan } from '../render/plans.js';
import { BOT, GitHubFake, hexSha } from '../support/github-fake.js';
import { startBystander, startProxy, type LocalServer, type Proxy, type Reply } from '../support/http-proxy.js';
import { makeWorkspace, runCliAsync, type Workspace } from '../support/workspace.js';

/** 63 characters, like the token the issue saw cut to 50. */
const CANVAS_TOKEN = '7~Qm3vX9pL2rT8wZ4kN6bH1jD5fG0sA7eY3uI9oP2cV6xB4nM8qW1tR5yK0hJ3gF';
const GITHUB_TOKEN = 'ghs_fake_token_0123456789';

/** Every RUN_LENGTH-character piece of the secret that occurs in the text. */
function leakedRuns(text: string, secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + RUN_LENGTH <= secret.length; i++) if (text.includes(secret.slice(i, i + RUN_LENGTH))) out.push(secret.slice(i, i + RUN_LENGTH));
  return out;
}

let canvas: CanvasEmulator;
let proxy: Proxy;
let bystander: LocalServer;
let ws: Workspace;
/** What the bystander serves: the report file, fetched from the emulator by the test itself. */
let bystanderServes: (path: string) => Promise<Reply>;

async function realFile(path: string): Promise<Reply> {
  const res = await fetch(`${canvas.url}${path.replace(/&verifier=[^&]*/, '')}`, { headers: { Authorization: `Bearer ${CANVAS_TOKEN}` } });
  return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/zip' }, body: new Uint8Array(await res.arrayBuffer()) };
}

const plan = (out = 'plan.json') =>
  runCliAsync(['plan', '--config', ws.policies, '--canvas-url', proxy.url, '--out', join(ws.dir, out)], { env: { CANVAS_TOKEN } });

beforeEach(async () => {
  canvas = await startCanvasEmulator({ token: CANVAS_TOKEN, timeZone: 'America/Chicago' });
  proxy = await startProxy(canvas.url);
  bystanderServes = async () => ({ status: 404 });
  bystander = await startBystander((req) => bystanderServes(req.url));
  ws = await makeWorkspace();
  ws.write('policies/main.yaml', `${readFileSync(join(ws.policies, 'main.yaml'), 'utf8')}apply: { pollIntervalSeconds: 0.05 }\n`);
});

afterEach(async () => {
  await proxy.close();
  await bystander.close();
  await canvas.close();
});

const isReportStart = (method: string, url: string) => method === 'POST' && /\/reports\/provisioning_csv$/.test(url);
const isReportStatus = (method: string, url: string) => method === 'GET' && /\/reports\/provisioning_csv\/\d+$/.test(url);
const filler = (n: number) => 'Canvas could not process this request because '.repeat(20).slice(0, n);

describe('Canvas error text that echoes the token', () => {
  const T = CANVAS_TOKEN;
  const json = (v: unknown) => ({ 'content-type': 'application/json' , body: JSON.stringify(v) });
  const cases: [string, number, { 'content-type': string; body: string }][] = [
    ['the whole token in errors[].message', 400, json({ errors: [{ message: `${filler(30)} Invalid access token ${T}` }] })],
    ...[13, 30, 50, 62].map((k): [string, number, { 'content-type': string; body: string }] =>
      [`a message cut at 300 characters, ${k} of them the token`, 400, json({ errors: [{ message: filler(300 - k) + T }] })]),
    ...[13, 50].map((k): [string, number, { 'content-type': string; body: string }] =>
      [`a text body cut at 200 characters, ${k} of them the token`, 400, { 'content-type': 'text/plain', body: filler(200 - k) + T }]),
    ['the token split across lines', 422, json({ message: `${filler(40)} ${T.slice(0, 31)}\n${T.slice(31)}` })],
    ['a 401 naming the token', 401, json({ errors: [{ message: `${filler(60)}${T} expired` }] })],
    ['a 403 error_message with the token', 403, json({ error_message: `${filler(250)}${T}` })],
  ];

  it.each(cases)('%s: plan prints the error without 12 characters of the token', async (_name, status, { 'content-type': type, body }) => {
    proxy.hooks.replace = (req) => (isReportStart(req.method, req.url) ? { status, headers: { 'content-type': type }, body } : null);
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('provisioning_csv');
    expect(r.stderr).toContain('Canvas could not'); // the server's text is quoted: the check below has something to find
    expect(leakedRuns(r.stdout + r.stderr, CANVAS_TOKEN)).toEqual([]);
  });

  it('SIS import messages echoing the token stay out of the apply output and the apply record', async () => {
    const planned = await plan();
    expect([0, 2, 3], planned.stderr).toContain(planned.code);
    proxy.hooks.replace = (req) => (req.method === 'GET' && /\/sis_imports\/\d+\/errors/.test(req.url)
      ? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sis_import_errors: [{ file: 'users.csv', row: 2, message: `token ${CANVAS_TOKEN.slice(0, 40)}\n${CANVAS_TOKEN.slice(40)} was seen`, failure: false }] }) }
      : null);
    proxy.hooks.rewriteJson = (req, body) => {
      if (req.method !== 'GET' || !/\/sis_imports\/\d+$/.test(req.url)) return body;
      const imp = body as { workflow_state?: string; processing_warnings?: [string, string][] };
      if (imp.workflow_state === 'imported') imp.workflow_state = 'imported_with_messages';
      imp.processing_warnings = [['users.csv', `${filler(280)}${CANVAS_TOKEN}`]];
      return imp;
    };
    const r = await runCliAsync(['apply', '--plan', join(ws.dir, 'plan.json'), '--config', ws.policies, '--canvas-url', proxy.url, '--allow-needs-approval'], { env: { CANVAS_TOKEN } });
    expect(proxy.seen.some((s) => /\/sis_imports\/\d+$/.test(s.url))).toBe(true);
    const record = join(ws.dir, 'apply-record.json');
    const written = existsSync(record) ? readFileSync(record, 'utf8') : '';
    expect(written, r.stderr).toContain('[redacted]');
    expect(leakedRuns(r.stdout + r.stderr + written, CANVAS_TOKEN)).toEqual([]);
  });
});

describe('the Canvas token goes only to the Canvas origin', () => {
  /** Points the finished report's attachment (and file_url) at `url(path)`, keeping the real path. */
  function moveAttachment(url: (path: string) => string): void {
    proxy.hooks.rewriteJson = (req, body) => {
      if (!isReportStatus(req.method, req.url)) return body;
      const report = body as { attachment?: { url?: string } | null; file_url?: string | null };
      if (report.attachment?.url) {
        const path = new URL(report.attachment.url).pathname + new URL(report.attachment.url).search;
        report.attachment.url = url(path);
        report.file_url = url(path);
      }
      return report;
    };
  }

  const sawNoToken = () => bystander.seen.every((s) => s.authorization === undefined);

  it('sanity: the proxy (the Canvas origin) does receive the token, so the checks below can fail', async () => {
    const r = await plan();
    expect([0, 2, 3], r.stderr).toContain(r.code);
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.seen.every((s) => s.authorization === `Bearer ${CANVAS_TOKEN}`)).toBe(true);
  });

  it('a report attachment on another origin without a verifier is refused, and that origin is never contacted', async () => {
    moveAttachment((path) => `${bystander.url}${path}`);
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bystander.url);
    expect(r.stderr).toMatch(/verifier/);
    expect(bystander.seen).toEqual([]);
    expect(existsSync(join(ws.dir, 'plan.json'))).toBe(false);
  });

  it('a report attachment on another origin with a verifier is downloaded without the token', async () => {
    moveAttachment((path) => `${bystander.url}${path}&verifier=Zk3rQ8w`);
    bystanderServes = realFile;
    const r = await plan();
    expect([0, 2, 3], r.stderr).toContain(r.code);
    expect(bystander.seen).toHaveLength(1);
    expect(sawNoToken()).toBe(true);
  });

  it('a download that Canvas redirects to another origin follows without the token', async () => {
    proxy.hooks.replace = (req) => (req.method === 'GET' && /\/files\/\d+\/download/.test(req.url)
      ? { status: 302, headers: { location: `${bystander.url}${req.url}&sig=abc` } } : null);
    bystanderServes = (path) => realFile(path.replace(/&sig=abc$/, ''));
    const r = await plan();
    expect([0, 2, 3], r.stderr).toContain(r.code);
    expect(bystander.seen).toHaveLength(1);
    expect(sawNoToken()).toBe(true);
  });

  it('a Link rel="next" naming another origin is refused with that origin named', async () => {
    proxy.hooks.rewriteLink = (req, link) => (req.method === 'GET' && /\/terms\?/.test(req.url)
      ? `<${bystander.url}/api/v1/accounts/self/terms?page=2&per_page=100>; rel="next"` : link);
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`names another origin (${bystander.url})`);
    expect(bystander.seen).toEqual([]);
  });

  it('an API answer redirecting to another origin is not followed', async () => {
    proxy.hooks.replace = (req) => (req.method === 'GET' && /\/terms\?/.test(req.url)
      ? { status: 302, headers: { location: `${bystander.url}/api/v1/accounts/self/terms` } } : null);
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`redirected to another origin (${bystander.url})`);
    expect(bystander.seen).toEqual([]);
  });
});

describe('the GitHub token goes only to the GitHub API origin', () => {
  const REPO = 'district/rosters';
  let github: GitHubFake;

  beforeEach(async () => {
    github = await GitHubFake.start({ [GITHUB_TOKEN]: BOT });
    github.seedPull(REPO, { number: 12, head: { ref: 'policy-change', sha: hexSha(12) } });
    await writePlanFile(join(ws.dir, 'plan.json'), emptyPlan());
    ws.write('event.json', JSON.stringify({ pull_request: { number: 12, head: { sha: hexSha(12) } } }));
  });

  afterEach(() => github.close());

  const comment = () => runCliAsync(['comment', '--plan', join(ws.dir, 'plan.json'), '--config', ws.policies], {
    env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPO, GITHUB_EVENT_PATH: join(ws.dir, 'event.json') },
  });

  it('a pagination Link to another origin is refused before anything is sent there', async () => {
    for (let i = 0; i < 101; i++) github.seedComment(REPO, 12, `comment ${i}`, { login: 'someone', id: 9, type: 'User' });
    github.state.linkOrigin = bystander.url;
    const r = await comment();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`names another origin (${bystander.url})`);
    expect(bystander.seen).toEqual([]);
    expect(github.commentsOn(REPO, 12)).toHaveLength(101); // nothing posted on a half-read pull request
    expect(leakedRuns(r.stdout + r.stderr, GITHUB_TOKEN)).toEqual([]);
  });

  it('a redirect to another origin is refused; one on the API origin is followed', async () => {
    github.failNext({ method: 'GET', path: /\/issues\/12\/comments$/, status: 302, headers: { location: `${bystander.url}/repos/${REPO}/issues/12/comments` }, body: null });
    const refused = await comment();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`names another origin (${bystander.url})`);
    expect(bystander.seen).toEqual([]);

    github.failNext({ method: 'GET', path: /\/issues\/12\/comments$/, status: 302, headers: { location: `${github.url}/repos/${REPO}/issues/12/comments?per_page=100&page=1` }, body: null });
    const followed = await comment();
    expect(followed.code, followed.stderr).toBe(0);
    expect(github.commentsOn(REPO, 12)).toHaveLength(1);
  });
});
