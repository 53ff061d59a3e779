/**
 * Who may read the rostering service: with neither OAuth flag, anyone; with OAuth 2, a live bearer
 * token (oauth2.ts); with OAuth 1.0a, a verified signature (oauth1.ts), in the Authorization header
 * or the query; with both, either. What is logged are names and the key, never a secret.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from './context.js';
import type { LoggedRequest } from './request-log.js';

/** null when the request may proceed; else what to answer 401 with. */
export function authenticate(
  ctx: Context, req: IncomingMessage, method: string, rawPath: string, rawQuery: string, contentType: string, body: Buffer, entry: LoggedRequest,
): { description: string; headers: Record<string, string> } | null {
  if (!ctx.oauth1 && !ctx.oauth2) return null;
  const authorization = req.headers.authorization;
  const challenges: string[] = [];
  if (ctx.oauth2) challenges.push('Bearer realm="oneroster"');
  if (ctx.oauth1) challenges.push('OAuth realm="oneroster"');
  const refuse = (why: string, bearerError?: string) => {
    entry.authFailure = why;
    const headers = { 'WWW-Authenticate': bearerError ? `Bearer realm="oneroster", error="${bearerError}"` : challenges.join(', ') };
    return { description: why, headers };
  };
  if (ctx.oauth2 && entry.auth === 'bearer') {
    const state = ctx.oauth2.check(authorization);
    if (state === 'valid') return null;
    return refuse(state === 'expired' ? 'the access token has expired' : 'unknown access token', 'invalid_token');
  }
  if (ctx.oauth1 && (entry.auth === 'oauth1' || /(^|&)oauth_signature=/.test(rawQuery))) {
    const outcome = ctx.oauth1.verify({
      method, scheme: 'http', host: String(req.headers.host ?? ''), path: rawPath, rawQuery, authorization,
      formBody: /^application\/x-www-form-urlencoded/i.test(contentType) ? body.toString('utf8') : '',
    });
    entry.auth = 'oauth1';
    entry.oauthParams = outcome.paramNames;
    if (outcome.consumerKey !== undefined) entry.consumerKey = outcome.consumerKey;
    if (outcome.ok) {
      entry.signatureMethod = outcome.signatureMethod;
      return null;
    }
    return refuse(`OAuth 1.0a: ${outcome.reason}`);
  }
  return refuse(ctx.oauth2 && ctx.oauth1 ? 'sign the request (OAuth 1.0a) or send a bearer token (OAuth 2)' : ctx.oauth2 ? 'send a bearer token (OAuth 2 client credentials)' : 'sign the request (OAuth 1.0a)');
}
