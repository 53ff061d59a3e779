/** The temp folder of a fetched export: private, outside work trees, gone after success, error and signals. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/errors.js';
import { withFetchedExport } from '../../engine/sources/fetch-export.js';
import { createTempExport, liveTempExports, withTempExport } from '../../engine/sources/temp-export.js';
import { enclosingWorkTree } from '../../engine/sources/work-tree.js';
import { ROOT } from '../support/workspace.js';

const HOLDER = join(ROOT, 'test/sources/fixtures/hold-temp-export.mjs');
let base: string;
let savedTmp: string | undefined;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'rosterops-tmpbase-'));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = base;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe('temp export folder', () => {
  it('is private (0700), under TMPDIR, and removed after success', async () => {
    let seen = '';
    const result = await withTempExport(async (dir) => {
      seen = dir;
      expect(dir.startsWith(base)).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      writeFileSync(join(dir, 'users.csv'), 'x');
      return 42;
    });
    expect(result).toBe(42);
    expect(existsSync(seen)).toBe(false);
    expect(liveTempExports()).toEqual([]);
  });

  it('is removed when the work fails', async () => {
    let seen = '';
    await expect(withTempExport(async (dir) => {
      seen = dir;
      writeFileSync(join(dir, 'users.csv'), 'x');
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(existsSync(seen)).toBe(false);
    expect(readdirSync(base)).toEqual([]);
  });

  it('is removed when a fetch fails half way (a download refused after its redirect)', async () => {
    const err = await withFetchedExport({ kind: 'download', download: { url: 'http://127.0.0.1:1/oneroster.zip' } }, { env: {}, log: () => undefined }, async () => 'unreached').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(readdirSync(base)).toEqual([]);
  });

  it('is refused inside a git work tree', () => {
    expect(enclosingWorkTree(join(ROOT, 'engine', 'not-there-yet'))).not.toBeNull();
    expect(() => createTempExport(join(ROOT, 'engine'))).toThrow(ConfigError);
    expect(enclosingWorkTree(base)).toBeNull();
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`is removed when the process gets ${signal}`, async () => {
      const child = spawn(process.execPath, [HOLDER], { env: { ...process.env, TMPDIR: base }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const dir = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      expect(existsSync(join(dir, 'users.csv'))).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(existsSync(dir)).toBe(false);
      expect(stderr).toContain('removed');
    });
  }
});
