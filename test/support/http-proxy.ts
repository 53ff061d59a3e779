/**
 * Local servers for "where does the token go" tests: a proxy in front of the Canvas emulator (one
 * origin) that can rewrite or replace answers, and a bystander on another port of 127.0.0.1
 * (another origin) that records every request it receives, headers included.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface LocalServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`test server error: ${(err as Error).message}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closer = (server: Server) => () => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers ?? {});
  res.end(reply.body ?? '');
}

/** Another origin: answers with `answer` (default 404) and remembers what it was sent. */
export async function startBystander(answer: (req: SeenRequest) => Promise<Reply> | Reply = () => ({ status: 404 })): Promise<LocalServer> {
  const seen: SeenRequest[] = [];
  const { server, url } = await listen(async (req, res) => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization };
    seen.push(request);
    send(res, await answer(request));
  });
  return { url, seen, close: closer(server) };
}

export interface ProxyHooks {
  /** Answer instead of the target (null: forward). */
  replace?: (req: SeenRequest) => Reply | null;
  /** Change a forwarded JSON answer (the target's URLs are already rewritten to the proxy's). */
  rewriteJson?: (req: SeenRequest, json: unknown) => unknown;
  /** Change the forwarded `Link` header. */
  rewriteLink?: (req: SeenRequest, link: string | null) => string | null;
}

export interface Proxy extends LocalServer {
  hooks: ProxyHooks;
}

/** A proxy to `target` on its own origin; URLs naming the target are rewritten to name the proxy. */
export async function startProxy(target: string): Promise<Proxy> {
  const seen: SeenRequest[] = [];
  const hooks: ProxyHooks = {};
  let self = '';
  const { server, url } = await listen(async (req, res, body) => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization };
    seen.push(request);
    const replaced = hooks.replace?.(request);
    if (replaced) return send(res, replaced);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const answer = await fetch(`${target}${request.url}`, {
      method: request.method, headers, redirect: 'manual',
      ...(body.length > 0 ? { body, duplex: 'half' } : {}),
    } as RequestInit);
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => { if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v; });
    let link = answer.headers.get('link')?.split(target).join(self) ?? null;
    if (hooks.rewriteLink) link = hooks.rewriteLink(request, link);
    if (link) out.link = link;
    else delete out.link;
    const bytes = new Uint8Array(await answer.arrayBuffer());
    if (!(answer.headers.get('content-type') ?? '').includes('json')) return send(res, { status: answer.status, headers: out, body: bytes });
    let text = new TextDecoder().decode(bytes).split(target).join(self);
    if (hooks.rewriteJson) text = JSON.stringify(hooks.rewriteJson(request, JSON.parse(text)));
    send(res, { status: answer.status, headers: out, body: text });
  });
  self = url;
  return { url, seen, hooks, close: closer(server) };
}
