/**
 * Secrets never reach a log, a comment, a file or an error message. Every value registered here is
 * replaced wherever rosterops prints; the CLI registers the tokens it reads from the environment.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; real tokens are long.
  if (value && value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out.replace(/(authorization:\s*bearer\s+)[^\s"']+/gi, '$1[redacted]');
}
