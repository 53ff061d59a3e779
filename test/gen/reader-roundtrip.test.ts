import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../../engine/gen/district.js';
import { toSisSnapshot } from '../../engine/gen/snapshot.js';
import { writeOneRoster } from '../../engine/gen/write.js';
import { readOneRoster } from '../../engine/readers/oneroster.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rosterops-gen-read-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the OneRoster reader on a generated export', () => {
  it('reads it without warnings, into the same snapshot toSisSnapshot builds', async () => {
    const spec = generateDistrict({ students: 600, seed: 21 });
    const dir = join(root, 'export');
    await writeOneRoster(spec, dir);
    const read = await readOneRoster(dir);
    expect(read.warnings).toEqual([]);
    const built = toSisSnapshot(spec, read.origin);
    expect({ ...built, digest: read.digest }).toEqual(read);
  });
});
