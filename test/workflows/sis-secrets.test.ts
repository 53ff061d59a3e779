/**
 * SIS credentials in the GitHub wiring: every step that plans, applies or syncs with secrets gets the
 * SIS secrets under the names the policies default to, and a temp folder outside the checkout; the
 * composite action takes them as inputs and sets them as environment variables only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/workspace.js';

const SIS_SECRETS = ['ONEROSTER_CLIENT_ID', 'ONEROSTER_CLIENT_SECRET', 'SIS_SFTP_PASSWORD', 'SIS_SFTP_PRIVATE_KEY', 'SIS_DOWNLOAD_AUTH'];
type Step = { name?: string; run?: string; if?: string; env?: Record<string, string> };

function stepsOf(file: string): Step[] {
  const w = parse(readFileSync(join(ROOT, '.github/workflows', file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(w.jobs).flatMap((j) => j.steps);
}

describe('SIS credentials in the workflows', () => {
  for (const [file, command] of [['plan.yml', 'npx rosterops plan'], ['apply.yml', 'npx rosterops plan'], ['apply.yml', 'npx rosterops apply'], ['nightly.yml', 'npx rosterops sync']] as const) {
    it(`${file}: the step with secrets running \`${command}\` gets every SIS secret and TMPDIR=runner.temp`, () => {
      const withSecrets = stepsOf(file).filter((s) => s.run?.includes(command) && s.env?.CANVAS_TOKEN !== undefined);
      expect(withSecrets.length).toBeGreaterThanOrEqual(1);
      for (const step of withSecrets) {
        for (const name of SIS_SECRETS) expect(step.env![name], `${file} ${step.name} ${name}`).toBe(`\${{ secrets.${name} }}`);
        expect(step.env!.TMPDIR).toBe('${{ runner.temp }}');
      }
    });
  }

  it('plan.yml: a plan that fetches the SIS runs only in the step that never runs for forks', () => {
    const steps = stepsOf('plan.yml');
    const offline = steps.find((s) => s.name?.startsWith('Plan (offline'))!;
    expect(offline.if).toContain("steps.source.outputs.sis != 'remote'");
    expect(JSON.stringify(offline.env ?? {})).not.toContain('secrets.');
  });

  it('no workflow writes into the checkout with a SIS path: pull is not run, no --out into the workspace', () => {
    for (const file of ['plan.yml', 'apply.yml', 'nightly.yml']) {
      const runs = stepsOf(file).map((s) => s.run ?? '').join('\n');
      expect(runs).not.toMatch(/rosterops pull/);
      expect(runs).not.toMatch(/--sis\b/);
    }
  });
});

describe('SIS credentials in the composite action', () => {
  const action = parse(readFileSync(join(ROOT, '.github/actions/rosterops/action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>; runs: { steps: Step[] };
  };
  const inputs = { 'oneroster-client-id': 'ONEROSTER_CLIENT_ID', 'oneroster-client-secret': 'ONEROSTER_CLIENT_SECRET', 'sis-sftp-password': 'SIS_SFTP_PASSWORD', 'sis-sftp-private-key': 'SIS_SFTP_PRIVATE_KEY', 'sis-download-auth': 'SIS_DOWNLOAD_AUTH' };

  it('takes each SIS secret as an optional input, empty by default, and sets it as env on the run step only', () => {
    const run = action.runs.steps.find((s) => s.name?.startsWith('rosterops '))!;
    for (const [input, variable] of Object.entries(inputs)) {
      expect(action.inputs[input]?.default).toBe('');
      expect(run.env![variable]).toBe(`\${{ inputs.${input} }}`);
      for (const step of action.runs.steps) expect(step.run ?? '').not.toContain(`inputs.${input}`);
    }
    expect(run.env!.TMPDIR).toBe('${{ runner.temp }}');
  });
});
