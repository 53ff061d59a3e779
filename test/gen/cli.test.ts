import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, generateOneRosterExport } from '../../engine/gen/cli.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rosterops-gen-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateOneRosterExport', () => {
  it('writes the export under <out>/oneroster and returns its counts and spec', async () => {
    const result = await generateOneRosterExport({ students: 120, seed: 2, out: join(root, 'lib') });
    expect(result.dir).toBe(join(root, 'lib', 'oneroster'));
    expect((await readdir(result.dir)).sort()).toEqual([
      'academicSessions.csv', 'classes.csv', 'courses.csv', 'demographics.csv', 'enrollments.csv', 'manifest.csv', 'orgs.csv', 'users.csv',
    ]);
    expect(result.counts.students).toBe(120);
    expect(result.spec.users).toHaveLength(result.counts.users!);
  });
});

describe('the gen command', () => {
  it('parses flags, writes the files and prints the counts', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const dir = join(root, 'cmd');
    await buildProgram().exitOverride().parseAsync(['--students', '80', '--seed', '4', '--out', dir, '--name', 'Lakeside Public Schools', '--no-demographics'], { from: 'user' });
    const text = out.join('');
    expect(text).toContain(`written to ${join(dir, 'oneroster')}`);
    expect(text).toMatch(/students\s+80/);
    const users = await readFile(join(dir, 'oneroster', 'users.csv'), 'utf8');
    expect(users).toContain('@students.lakesidesd.org');
    expect(await readdir(join(dir, 'oneroster'))).not.toContain('demographics.csv');
  });

  it('rejects a missing or invalid student count', async () => {
    const program = () => buildProgram().exitOverride().configureOutput({ writeErr: () => {} });
    await expect(program().parseAsync(['--out', root], { from: 'user' })).rejects.toThrow(/students/);
    await expect(program().parseAsync(['--students', '-3', '--out', root], { from: 'user' })).rejects.toThrow(/positive integer/);
  });
});
