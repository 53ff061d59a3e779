/**
 * What a Canvas URL must look like before anything is sent to it: the instance root over http(s)
 * (`https://district.instructure.com`), so that a typo fails at once with a hint instead of being
 * retried for a quarter of a minute as if the network were down.
 */

const HINT = 'give the root of the Canvas instance over http(s), e.g. https://district.instructure.com (no path like /api/v1, no query, no user name or password)';

/** Why `value` is no usable Canvas URL, or null when it is one. */
export function canvasUrlProblem(value: string): string | null {
  if (value.trim() === '') return 'the URL is empty';
  if (/\s/.test(value)) return 'the URL holds a space or a line break';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'the URL holds a control character';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? 'it is not a valid URL (no host, or a malformed host or port)' : 'it is not an absolute URL (it needs https:// and a host)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `its scheme is ${url.protocol.replace(/:$/, '')}; Canvas is reached over https (or http for a local emulator)`;
  if (url.hostname === '') return 'it names no host';
  if (url.username !== '' || url.password !== '') return 'it carries a user name or password; the token goes in the variable named by sources.canvas.tokenEnv';
  if (url.search !== '' || value.includes('?')) return 'it has a query (?…), which a Canvas root URL never has';
  if (url.hash !== '' || value.includes('#')) return 'it has a fragment (#…), which a Canvas root URL never has';
  const path = url.pathname.replace(/\/+$/, '');
  if (/(^|\/)api(\/|$)/i.test(path)) return `its path ${url.pathname} is part of the API; rosterops adds /api/v1/… itself`;
  if (/(^|\/)\.\.?(\/|$)/.test(path) || path.includes('//')) return `its path ${url.pathname} is not a plain folder`;
  return null;
}

export const CANVAS_URL_HINT = HINT;

/** The URL quoted for a message, unless it may carry a password (`user:secret@host`). */
export function shownCanvasUrl(value: string): string {
  return value.includes('@') ? '(a URL with a user name or password, not shown)' : JSON.stringify(value);
}
