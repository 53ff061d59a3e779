/**
 * What a URL a SIS source is fetched from must look like before any credential is sent to it:
 * https (plain http only to this machine, where tests and local servers run), and no secret in
 * the URL itself, which ends up in logs, plan files and the server's access log.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Query parameter names that carry credentials (`?access_token=`, `?api_key=`, `?sig=` of a signed URL …). */
const SECRET_PARAM = /(token|secret|passw|pwd|api[-_]?key|apikey|^key$|^sig$|signature|credential|^auth|^code$|session)/i;

export interface SisUrlProblem {
  problem: string;
  /** The URL carries a credential (a secret written in the policy file). */
  secret: boolean;
}

/** Why `value` is no URL a SIS source may be fetched from, or null. The URL itself is never quoted: it may hold a secret. */
export function sisUrlProblem(value: string): SisUrlProblem | null {
  const secret = credentialIn(value);
  if (secret !== null) return { problem: secret, secret: true };
  const problem = shapeProblem(value);
  return problem === null ? null : { problem, secret: false };
}

function credentialIn(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return 'it carries a user name or password (user:pass@host)';
  for (const [name, param] of url.searchParams) {
    if (SECRET_PARAM.test(name) || looksLikeSecretValue(param)) return `its query parameter \`${name}\` looks like a credential`;
  }
  return null;
}

function shapeProblem(value: string): string | null {
  if (/\s/.test(value)) return 'it holds a space or a line break';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'it is not an absolute URL (it needs https:// and a host)';
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return 'it is plain http; credentials and student data go over https only (http is accepted for 127.0.0.1, localhost and ::1)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `its scheme is ${url.protocol.replace(/:$/, '')}, not https`;
  if (url.hash !== '') return 'it has a fragment (#…)';
  return null;
}

/** A long run of letters and digits mixed, as API keys and signed-URL signatures are. */
function looksLikeSecretValue(value: string): boolean {
  return value.length >= 24 && /^[A-Za-z0-9+/=_.~-]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

export const SIS_URL_HINT = 'write the https URL alone and name credentials through environment variables (clientIdEnv/clientSecretEnv, or download.headers: {Authorization: VARIABLE_NAME})';
