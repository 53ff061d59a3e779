/** Answer shapes shared by the API modules, with Canvas's error bodies. */

export interface ApiResponse {
  status: number;
  /** JSON body (serialised by http.ts) … */
  json?: unknown;
  /** … or raw bytes / text with their content type in `headers`. */
  bytes?: Uint8Array;
  text?: string;
  headers?: Record<string, string>;
}

export function json(body: unknown, status = 200, headers?: Record<string, string>): ApiResponse {
  return { status, json: body, headers };
}

/** Canvas's answer for an unknown id or route. */
export function notFound(): ApiResponse {
  return json({ errors: [{ message: 'The specified resource does not exist.' }] }, 404);
}

export function badRequest(body: unknown): ApiResponse {
  return json(body, 400);
}

/**
 * Canvas's body for a missing or wrong token (canvas-sis.md brief). Real Canvas answers a request
 * with *no* token `{"status":"unauthenticated","errors":[{"message":"user authorization required"}]}`;
 * the emulator uses the invalid-token shape for both, as the project's clients expect (INFERRED).
 */
export function unauthorized(): ApiResponse {
  return json({ errors: [{ message: 'Invalid access token.' }] }, 401, { 'WWW-Authenticate': 'Bearer realm="canvas-lms"' });
}

let errorReports = 0;

/** An error report number, as Canvas's 500 answers and import failures cite them. */
export function nextErrorReport(): number {
  return ++errorReports + 1000;
}

/**
 * A server error. 500 comes from Canvas itself (JSON with an error report id); 502/503/504 come
 * from the load balancer in front of it (HTML). Exact bodies are INFERRED.
 */
export function serverError(status: number): ApiResponse {
  if (status === 500) return json({ errors: [{ message: 'An error occurred.' }], error_report_id: nextErrorReport() }, 500);
  const reason = status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Gateway Timeout';
  return { status, text: `<html><body><h1>${status} ${reason}</h1></body></html>\n`, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
}
