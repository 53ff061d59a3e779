/** `rosterops oneroster-server`: a local OneRoster REST provider over a CSV export, for demos, tests and the bench. */
import { resolve } from 'node:path';
import { ConfigError, ExitCode } from '../../errors.js';
import { FaultSpecError, parseFaultSpec, startOneRosterServer } from '../../oneroster-server/index.js';
import { registerSecret } from '../../util/redact.js';
import type { Output } from '../output.js';

export interface OneRosterServerFlags {
  data: string;
  port: number;
  version?: string;
  oauth1?: string;
  oauth2?: string;
  maxLimit: number;
  faults?: string;
  tokenLifetime: number;
}

export async function oneRosterServerCommand(output: Output, flags: OneRosterServerFlags): Promise<number> {
  if (flags.version !== undefined && flags.version !== '1.1' && flags.version !== '1.2') {
    throw new ConfigError('oneroster-server.version', `--version ${flags.version} is not a OneRoster version this server speaks`, { field: '--version' }, 'Use --version 1.1 or --version 1.2 (or leave it out to follow manifest.csv).');
  }
  const oauth1 = flags.oauth1 !== undefined ? credentials(flags.oauth1, '--oauth1') : undefined;
  const oauth2 = flags.oauth2 !== undefined ? credentials(flags.oauth2, '--oauth2') : undefined;
  if (flags.maxLimit < 1) throw new ConfigError('oneroster-server.max-limit', '--max-limit must be at least 1', { field: '--max-limit' }, 'Pass the largest page the server should answer, e.g. --max-limit 1000.');
  if (flags.faults !== undefined) {
    try {
      parseFaultSpec(flags.faults);
    } catch (err) {
      if (err instanceof FaultSpecError) throw new ConfigError('oneroster-server.faults', err.message, { field: '--faults' }, 'See the grammar at the top of engine/oneroster-server/faults.ts, e.g. "429:users:2:3,cut:enrollments:1".');
      throw err;
    }
  }
  const server = await startOneRosterServer({
    data: resolve(flags.data),
    port: flags.port,
    maxLimit: flags.maxLimit,
    ...(flags.version ? { version: flags.version as '1.1' | '1.2' } : {}),
    ...(oauth1 ? { oauth1: { consumerKey: oauth1.id, consumerSecret: oauth1.secret } } : {}),
    ...(oauth2 ? { oauth2: { clientId: oauth2.id, clientSecret: oauth2.secret, tokenLifetimeSeconds: flags.tokenLifetime } } : {}),
    ...(flags.faults ? { faults: flags.faults } : {}),
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError('oneroster-server.port-in-use', `port ${flags.port} on 127.0.0.1 is already in use`, { field: '--port' }, 'Pick another port, or --port 0 for a free one (the URL is printed).');
    }
    throw err;
  });
  const auth = [oauth1 ? 'OAuth 1.0a' : '', oauth2 ? `OAuth 2 (token URL ${server.tokenUrl})` : ''].filter(Boolean).join(' + ') || 'no authentication';
  const counts = Object.entries(server.counts).map(([name, n]) => `${n} ${name}`).join(', ');
  output.out(`OneRoster ${server.version} server listening on ${server.baseUrl} (${auth}; ${counts}; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = () => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return ExitCode.ok;
}

/** `ID:SECRET` (the secret may itself hold colons). */
function credentials(value: string, flag: string): { id: string; secret: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new ConfigError('oneroster-server.credentials', `${flag} expects ID:SECRET`, { field: flag }, `Pass ${flag} KEY:SECRET, e.g. ${flag} district-key:a-long-random-secret.`);
  }
  const secret = value.slice(colon + 1);
  registerSecret(secret);
  return { id: value.slice(0, colon), secret };
}
