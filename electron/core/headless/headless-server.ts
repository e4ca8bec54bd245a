import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '../../shared/errors.js';
import type { ServerMessage } from '../../shared/protocol.js';
import type { Router } from '../rpc/router.js';
import {
  cookieToken,
  hostAllowed,
  MalformedRequest,
  newToken,
  originAllowed,
  requestUrl,
  TOKEN_COOKIE_MAX_AGE_S,
  tokenCookieName,
  tokenMatches,
} from './auth.js';
import { serveStatic } from './static-files.js';

export interface HeadlessServerOptions {
  router: Router;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  host?: string;
  port?: number;
  /** Binding to anything but loopback needs this explicit opt-in. */
  allowRemote?: boolean;
  /**
   * With allowRemote: the names (`gpu-box.lan`, `gpu-box.lan:8765`) browsers use to reach this
   * server; their Host and Origin headers are accepted besides the bound address.
   */
  publicHosts?: string[];
  token?: string;
  /** Where request failures are written (default: stderr). */
  log?: (line: string) => void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const MAX_MESSAGE_BYTES = 16 * 2 ** 20;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * `labforge serve`: the built renderer plus the API over a WebSocket at /ws, for headless GPU
 * servers (over an SSH tunnel) and for our E2E tests. Every request needs the per-start token.
 */
export class HeadlessServer implements AsyncDisposable {
  readonly token: string;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private allowedHosts = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;

  private constructor(private readonly opts: HeadlessServerOptions) {
    this.token = opts.token ?? newToken();
    // Nothing a client sends may end the process: every handler answers or closes, and logs.
    this.http = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => this.failRequest(res, err));
    });
    this.http.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    this.http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      let refusal: string | null;
      try {
        refusal = this.checkUpgrade(req);
      } catch (err) {
        refusal = err instanceof MalformedRequest ? '400 Bad Request' : '500 Internal Server Error';
        if (!(err instanceof MalformedRequest)) this.log(`upgrade failed: ${String(err)}`);
      }
      if (refusal) {
        socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  static async start(opts: HeadlessServerOptions): Promise<HeadlessServer> {
    const host = opts.host ?? '127.0.0.1';
    if (!isLoopbackHost(host) && !opts.allowRemote) {
      throw new AppError('FORBIDDEN', `Refusing to listen on ${host}: only loopback addresses are allowed.`, {
        hint: 'Use an SSH tunnel to reach a remote machine, or pass --allow-remote if you really want to expose LabForge.',
      });
    }
    const server = new HeadlessServer({ ...opts, host });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void =>
        reject(
          err.code === 'EADDRINUSE'
            ? new AppError('PORT_IN_USE', `Port ${opts.port} on ${host} is already in use.`, {
                hint: 'Stop what uses it, or pick another with --port (--port 0 takes a free one).',
              })
            : err.code === 'EACCES'
              ? new AppError('FORBIDDEN', `Not allowed to listen on port ${opts.port} of ${host}.`, {
                  hint: 'Ports below 1024 need privileges: pick another with --port.',
                })
              : err,
        );
      server.http.once('error', onError);
      server.http.listen(opts.port ?? 0, host, () => {
        server.http.off('error', onError);
        resolve();
      });
    });
    const port = server.port;
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (!isLoopbackHost(host)) hosts.push(`${host.includes(':') ? `[${host}]` : host}:${port}`);
    if (opts.publicHosts?.length && !opts.allowRemote) {
      await server.close();
      throw new AppError('INVALID_REQUEST', '--public-host only makes sense with --allow-remote.');
    }
    for (const h of opts.publicHosts ?? []) hosts.push(/:\d+$/.test(h) && !h.endsWith(']') ? h : `${h}:${port}`);
    server.allowedHosts = new Set(hosts.map((h) => h.toLowerCase()));
    server.heartbeat = setInterval(() => server.pingClients(), 30_000).unref();
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.opts.host === '127.0.0.1' || !this.opts.host ? '127.0.0.1' : this.opts.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}/?token=${this.token}`;
  }

  private get cookieName(): string {
    return tokenCookieName(this.port);
  }

  private log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`labforge serve: ${l}\n`)))(line);
  }

  private failRequest(res: ServerResponse, err: unknown): void {
    const malformed = err instanceof MalformedRequest;
    if (!malformed) this.log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .writeHead(malformed ? 400 : 500, { 'content-type': 'text/plain', connection: 'close' })
      .end(malformed ? 'Bad Request' : 'Internal Server Error');
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, this.allowedHosts)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: unexpected Host header');
      return;
    }
    const url = requestUrl(req.url);
    const queryToken = url.searchParams.get('token');
    if (!tokenMatches(this.token, queryToken) && !tokenMatches(this.token, cookieToken(req, this.cookieName))) {
      res
        .writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><title>LabForge</title><p>Open the address with the token that <code>labforge serve</code> printed.</p>',
        );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (queryToken !== null) {
      // Move the token into a cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      res
        .writeHead(302, {
          'set-cookie': `${this.cookieName}=${encodeURIComponent(this.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${TOKEN_COOKIE_MAX_AGE_S}`,
          location: url.pathname + url.search,
        })
        .end();
      return;
    }
    await serveStatic(this.opts.staticDir, url.pathname, res, {
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  }

  /** The HTTP status line to refuse an upgrade with, or null to accept it. */
  private checkUpgrade(req: IncomingMessage): string | null {
    const url = requestUrl(req.url);
    if (url.pathname !== '/ws') return '404 Not Found';
    if (!hostAllowed(req.headers.host, this.allowedHosts)) return '403 Forbidden';
    if (!originAllowed(req.headers.origin, this.allowedHosts)) return '403 Forbidden';
    if (
      !tokenMatches(this.token, url.searchParams.get('token')) &&
      !tokenMatches(this.token, cookieToken(req, this.cookieName))
    ) {
      return '401 Unauthorized';
    }
    return null;
  }

  private onSocket(ws: WebSocket): void {
    const alive = ws as WebSocket & { isAlive?: boolean };
    alive.isAlive = true;
    ws.on('pong', () => (alive.isAlive = true));
    const closeListeners = new Set<() => void>();
    const conn = this.opts.router.connect(
      {
        send: (msg: ServerMessage) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
        },
        onMessage: (listener) => {
          const h = (data: Buffer, isBinary: boolean): void => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(isBinary ? '' : data.toString('utf8'));
            } catch {
              parsed = { invalid: true };
            }
            listener(parsed);
          };
          ws.on('message', h);
          return () => ws.off('message', h);
        },
        onClose: (l) => {
          closeListeners.add(l);
          return () => closeListeners.delete(l);
        },
      },
      'websocket',
    );
    ws.on('close', () => {
      for (const l of closeListeners) l();
      conn.dispose();
    });
    ws.on('error', () => ws.terminate());
  }

  private pingClients(): void {
    for (const ws of this.wss.clients) {
      const a = ws as WebSocket & { isAlive?: boolean };
      if (a.isAlive === false) {
        ws.terminate();
        continue;
      }
      a.isAlive = false;
      ws.ping();
    }
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
