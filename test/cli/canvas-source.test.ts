/**
 * The one rule for where Canvas state comes from (engine/cli/canvas-source.ts), and how the plan
 * header names each side: paths relative to the working directory, URLs without credentials.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canvasSourceFor, describeCanvasSource, type CanvasReader } from '../../engine/cli/canvas-source.js';
import { shownPath, shownUrl } from '../../engine/cli/shown-location.js';
import { ConfigError } from '../../engine/errors.js';
import { testConfig } from '../support/config.js';

const URL_A = 'https://policy.instructure.com';
const URL_B = 'http://127.0.0.1:8900';

function configWith(canvas: { snapshot?: string; url?: string }) {
  const base = testConfig();
  return testConfig({ sources: { ...base.sources, canvas: { ...base.sources.canvas, snapshot: canvas.snapshot ?? null, url: canvas.url ?? null } } } as never);
}

describe('where Canvas state comes from', () => {
  it('plan: --canvas-snapshot, then --canvas-url, then the policy snapshot, then the policy URL', () => {
    const both = configWith({ snapshot: '/policy/snap', url: URL_A });
    expect(canvasSourceFor('plan', both, {})).toEqual({ kind: 'snapshot', path: '/policy/snap' });
    expect(canvasSourceFor('plan', both, { canvasUrl: URL_B })).toEqual({ kind: 'live', url: URL_B });
    expect(canvasSourceFor('plan', both, { canvasUrl: URL_B, canvasSnapshot: '/flag/snap' })).toEqual({ kind: 'snapshot', path: '/flag/snap' });
    expect(canvasSourceFor('plan', configWith({ url: URL_A }), {})).toEqual({ kind: 'live', url: URL_A });
    expect(canvasSourceFor('plan', configWith({ url: URL_A }), { canvasSnapshot: '/flag/snap' })).toEqual({ kind: 'snapshot', path: '/flag/snap' });
    expect(() => canvasSourceFor('plan', configWith({}), {})).toThrow(ConfigError);
  });

  it('apply and sync: always live, from --canvas-url or the policy URL; never a snapshot', () => {
    for (const command of ['apply', 'sync'] as const) {
      expect(canvasSourceFor(command, configWith({ snapshot: '/policy/snap', url: URL_A }), {})).toEqual({ kind: 'live', url: URL_A });
      expect(canvasSourceFor(command, configWith({ snapshot: '/policy/snap', url: URL_A }), { canvasUrl: URL_B })).toEqual({ kind: 'live', url: URL_B });
      expect(() => canvasSourceFor(command, configWith({ snapshot: '/policy/snap' }), {})).toThrow(/no Canvas URL/);
      expect(() => canvasSourceFor(command, configWith({ url: URL_A }), { canvasSnapshot: '/x' })).toThrow(ConfigError);
    }
  });

  it('property: apply and sync read Canvas live from the URL plan would read live from, whenever plan reads live', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    fc.assert(fc.property(maybe(fc.constant('/p/snap')), maybe(fc.constantFrom(URL_A)), maybe(fc.constantFrom(URL_B)), (snapshot, url, flagUrl) => {
      const config = configWith({ ...(snapshot ? { snapshot } : {}), ...(url ? { url } : {}) });
      const flags = flagUrl ? { canvasUrl: flagUrl } : {};
      let planned;
      try {
        planned = canvasSourceFor('plan', config, flags);
      } catch {
        return;
      }
      for (const command of ['apply', 'sync'] as CanvasReader[]) {
        if (planned.kind === 'live') expect(canvasSourceFor(command, config, flags)).toEqual(planned);
        else if (!url && !flagUrl) expect(() => canvasSourceFor(command, config, flags)).toThrow(ConfigError);
      }
    }));
  });

  it('names a source by a path relative to the working directory when inside it, else the absolute path', () => {
    expect(describeCanvasSource({ kind: 'snapshot', path: '/work/repo/examples/snap' }, '/work/repo')).toBe('snapshot examples/snap');
    expect(describeCanvasSource({ kind: 'snapshot', path: '/srv/snap' }, '/work/repo')).toBe('snapshot /srv/snap');
    expect(shownPath('/work/repo', '/work/repo')).toBe('.');
    expect(shownPath('/work/repo..x/a', '/work/repo')).toBe('/work/repo..x/a');
    expect(shownPath('/work/..hidden/a', '/work')).toBe('..hidden/a');
    expect(describeCanvasSource({ kind: 'live', url: 'https://district.instructure.com/' })).toBe('live https://district.instructure.com');
  });

  it('a URL is shown without user name, password, query or fragment', () => {
    expect(shownUrl('https://user:s3cr3t-token@host.example:8443/canvas/?access_token=s3cr3t-token#frag')).toBe('https://host.example:8443/canvas');
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.stringMatching(/^[A-Za-z0-9]{16,24}$/), (url, secret) => {
      const u = new URL(url);
      u.password = secret;
      u.searchParams.set('access_token', secret);
      expect(shownUrl(u.href)).not.toContain(secret);
    }));
  });
});
