/**
 * Provider ids as types at the reader boundary (engine/canvas/auth-providers.ts): the snapshot
 * reader with and without `authentication_providers.csv`, and the writer that produces it.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_PROVIDERS_FILE, withProviderTypes } from '../../engine/canvas/auth-providers.js';
import { PROVISIONING_COLUMNS } from '../../engine/canvas/columns.js';
import { writeProvisioningDir } from '../../engine/canvas/report-files.js';
import { DataError } from '../../engine/errors.js';
import type { CanvasState, UserRecord } from '../../engine/model/canvas.js';
import { readCanvasReport } from '../../engine/readers/canvas-report.js';
import { emptyCanvas } from '../support/workspace.js';

const user = (id: string, provider: string | null): UserRecord => ({
  canvas_user_id: String(100 + Number(id.slice(1))), user_id: id, integration_id: null, authentication_provider_id: provider, login_id: `${id}.login`,
  first_name: null, last_name: null, full_name: 'A B', sortable_name: 'B, A', short_name: null, email: null, status: 'active', created_by_sis: true,
});

const PROVIDERS = [{ id: '1', auth_type: 'canvas' }, { id: '3', auth_type: 'saml' }, { id: '9', auth_type: 'saml' }];

async function snapshotDir(state: CanvasState): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rosterops-providers-'));
  await writeProvisioningDir(state, dir);
  return dir;
}

describe('login providers as types', () => {
  it('an id whose type one provider has becomes the type; a shared type, an unknown id and a type stay as they are', () => {
    const state: CanvasState = { ...emptyCanvas(), authProviders: PROVIDERS, users: [user('s1', '1'), user('s2', '3'), user('s3', '42'), user('s4', 'saml'), user('s5', null)] };
    expect(withProviderTypes(state).users.map((u) => u.authentication_provider_id)).toEqual(['canvas', '3', '42', 'saml', null]);
    expect(state.users[0]!.authentication_provider_id).toBe('1'); // records are copied
    expect(withProviderTypes({ ...state, authProviders: undefined }).users.map((u) => u.authentication_provider_id)).toEqual(['1', '3', '42', 'saml', null]);
  });

  it('a snapshot with authentication_providers.csv reads like the state it was written from, read live', async () => {
    const state: CanvasState = { ...emptyCanvas(), authProviders: PROVIDERS, users: [user('s1', '1'), user('s2', '3'), user('s3', null)] };
    const dir = await snapshotDir(state);
    expect(await readFile(join(dir, AUTH_PROVIDERS_FILE), 'utf8')).toBe('id,auth_type\n1,canvas\n3,saml\n9,saml\n');
    const read = await readCanvasReport(dir);
    expect(read.users.map((u) => u.authentication_provider_id)).toEqual(withProviderTypes(state).users.map((u) => u.authentication_provider_id));
    expect(read.authProviders).toEqual(PROVIDERS);
    expect(read.warnings.map((w) => w.code)).not.toContain('canvas-report.provider-ids');
  });

  it('property: written and read back, any users and providers give the normalised provider of each login', async () => {
    const providerArb = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 30 }).map(String), auth_type: fc.constantFrom('canvas', 'saml', 'google', 'ldap') }), { selector: (p) => p.id, maxLength: 6 });
    await fc.assert(fc.asyncProperty(providerArb, fc.array(fc.option(fc.oneof(fc.integer({ min: 1, max: 30 }).map(String), fc.constantFrom('canvas', 'saml')), { nil: null }), { minLength: 1, maxLength: 8 }),
      async (providers, cells) => {
        const state: CanvasState = { ...emptyCanvas(), authProviders: providers, users: cells.map((c, i) => user(`s${i}`, c)) };
        const read = await readCanvasReport(await snapshotDir(state));
        expect(read.users.map((u) => u.authentication_provider_id)).toEqual(withProviderTypes(state).users.map((u) => u.authentication_provider_id));
      }), { numRuns: 25 });
  });

  it('without the providers file, numeric ids are kept and a warning says how to compare them', async () => {
    const dir = await snapshotDir({ ...emptyCanvas(), users: [user('s1', '1')] });
    const read = await readCanvasReport(dir);
    expect(read.users[0]!.authentication_provider_id).toBe('1');
    const warning = read.warnings.find((w) => w.code === 'canvas-report.provider-ids');
    expect(warning?.hint).toContain(AUTH_PROVIDERS_FILE);
  });

  it('a bad providers file is a located error', async () => {
    const dir = await snapshotDir({ ...emptyCanvas(), users: [user('s1', '1')] });
    await writeFile(join(dir, AUTH_PROVIDERS_FILE), 'id,auth_type\n1,canvas\nsaml,saml\n1,google\n');
    const err = await readCanvasReport(dir).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    const problems = (err as DataError).diagnostics!.map((d) => `${d.file?.endsWith(AUTH_PROVIDERS_FILE) ? AUTH_PROVIDERS_FILE : d.file}:${d.line}:${d.field} ${d.message}`);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${AUTH_PROVIDERS_FILE}:3:id id must be a Canvas id`)),
      expect.stringMatching(new RegExp(`^${AUTH_PROVIDERS_FILE}:4:id provider id "1" appears on rows 2 and 4`)),
    ]);
    await writeFile(join(dir, AUTH_PROVIDERS_FILE), 'id\n1\n');
    await expect(readCanvasReport(dir)).rejects.toThrow(/no auth_type column/);
    expect(PROVISIONING_COLUMNS.users).toContain('authentication_provider_id');
  });
});
