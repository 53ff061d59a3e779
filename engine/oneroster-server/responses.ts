/** Writing answers: JSON with its length, or (the cut-body fault) half of it and a destroyed socket. */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): number {
  return sendBody(res, status, JSON.stringify(payload), headers, false);
}

/** With `cut`, the headers and half the body go out, then the connection is destroyed. */
export function sendBody(res: ServerResponse, status: number, body: string, headers: Record<string, string>, cut: boolean): number {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), ...headers });
  if (cut) {
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
    return status;
  }
  res.end(bytes);
  return status;
}
