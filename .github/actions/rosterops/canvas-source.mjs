#!/usr/bin/env node
// Where would `rosterops plan` read Canvas from? Used by the workflows and the composite action to
// decide, before planning, whether a plan needs CANVAS_TOKEN (live) or runs offline (snapshot).
//
//   node .github/actions/rosterops/canvas-source.mjs [CONFIG_DIR] [PLAN_ARGS...]
//
// Prints three `key=value` lines, ready for $GITHUB_OUTPUT:
//   source=live|offline|unknown   live: reads Canvas over HTTP and needs the token
//   token-env=NAME                the environment variable the token is read from (sources.canvas.tokenEnv)
//   sis=remote|file|unknown       remote: the SIS export is fetched at run time (sources.sis.rest, sftp or
//                                 download) and the plan needs the SIS credentials; file: sources.sis.path
//
// The rule is the engine's own (engine/cli/canvas-source.ts, canvasSourceFor): --canvas-snapshot wins,
// then --canvas-url, then the policy's snapshot, then the policy's URL. The policies are read with the
// engine's own loader (dist/, built by `npm ci` in the rosterops checkout this file belongs to), so
// file merging, defaults and relative paths are the engine's. Invalid policies print `source=unknown`
// and exit 0: `rosterops validate` / `plan` report the real problems with file:line:column.
const [configDir = 'policies', ...planArgs] = process.argv.slice(2);

const flag = (name) => planArgs.some((a) => a === name || a.startsWith(`${name}=`));

let source = 'unknown';
let tokenEnv = 'CANVAS_TOKEN';
let sis = 'unknown';
try {
  const { loadPolicies } = await import(new URL('../../../dist/engine/policy/load.js', import.meta.url).href);
  const { canvasSourceFor } = await import(new URL('../../../dist/engine/cli/canvas-source.js', import.meta.url).href);
  const { resolve } = await import('node:path');
  const { config } = await loadPolicies(resolve(configDir));
  tokenEnv = config.sources.canvas.tokenEnv || tokenEnv;
  // Only whether a flag is given matters to the rule, not its value.
  const flags = { ...(flag('--canvas-snapshot') ? { canvasSnapshot: '.' } : {}), ...(flag('--canvas-url') ? { canvasUrl: 'https://canvas.invalid' } : {}) };
  source = canvasSourceFor('plan', config, flags).kind === 'live' ? 'live' : 'offline';
  const sisKeys = config.sources.sis ?? {};
  sis = flag('--sis') || !['rest', 'sftp', 'download'].some((k) => sisKeys[k]) ? 'file' : 'remote';
} catch (err) {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  process.stderr.write(`canvas-source: could not read the policies in ${configDir}: ${message}\n`);
}
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) tokenEnv = 'CANVAS_TOKEN';
process.stdout.write(`source=${source}\ntoken-env=${tokenEnv}\nsis=${sis}\n`);
