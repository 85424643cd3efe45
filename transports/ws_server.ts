/**
 * The runtime side of `ws://`/`wss://`: servers (Deno.serve with
 * Deno.upgradeWebSocket, Bun.serve's websocket handlers, or the `ws`
 * package's WebSocketServer on Node) and clients that need more than the
 * web-standard `WebSocket` (TLS options, Node without a global WebSocket).
 * transports/websocket.ts loads this module on first need; it is never part
 * of a browser bundle.
 *
 * Several paths may share one port: a bind to a port this process already
 * serves adds its path there. A request for an unbound path gets 404; one
 * that offers no ZWS 2.0 subprotocol gets 400, without reaching a socket.
 *
 * @module
 */

import { type Endpoint, formatHostPort } from "../lib/endpoint.ts";
import { HandshakeError, ZmqError } from "../lib/errors.ts";
import type { Connection, Listener } from "../lib/transport.ts";
import { parseProtocols, selectProtocol } from "../lib/zws.ts";
import { type WebSocketLike, wireWebSocket, type WsPort, type WsTlsOptions, ZwsConnection } from "./websocket.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime: "deno" | "bun" | "node" = g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";

// Largest WebSocket message accepted: the `ws` package's default, also given
// to Bun (whose own default is 16 MiB). maxMessageSize applies on top.
const MAX_PAYLOAD = 100 * 1024 * 1024;
// A non-literal specifier: only Node loads the `ws` package.
const WS_PACKAGE = "ws";

type OnConnection = (c: Connection) => void;

/** One HTTP server on one host:port, serving one or more paths. */
interface Server {
  readonly key: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly routes: Map<string, OnConnection>;
  stop(): void;
}

/** Servers by `scheme://host:port`, for binds that share a port. */
const servers = new Map<string, Server>();

type Decision = { conn: ZwsConnection; protocol: string } | { status: number; reason: string };

// The upgrade decision, the same on every runtime. The socket gets the
// connection before the upgrade completes: its engine writes its greeting at
// once, which names the mechanism the answer must select.
function decide(server: Server, path: string, protocolHeader: string | null, remote: string): Decision {
  const onConnection = server.routes.get(path);
  if (onConnection === undefined) return { status: 404, reason: `No ZeroMQ socket is bound at ${path}` };
  const offered = parseProtocols(protocolHeader);
  if (selectProtocol(offered) === undefined) {
    return { status: 400, reason: "Sec-WebSocket-Protocol must offer ZWS2.0 or ZWS2.0/<mechanism>" };
  }
  const conn = new ZwsConnection(remote, null);
  onConnection(conn);
  if (conn.isClosed) return { status: 503, reason: "The socket is closed" };
  const mechanism = conn.ownMechanism;
  const protocol = selectProtocol(offered, mechanism);
  if (protocol === undefined) {
    const reason = `the client offered ${offered.join(", ")}; this socket uses the ${mechanism} mechanism`;
    conn.abort(new HandshakeError(reason));
    return { status: 400, reason };
  }
  conn.setProtocol(protocol);
  return { conn, protocol };
}

/**
 * Binds a ws/wss endpoint.
 *
 * @param ep The endpoint (port 0 picks a free port).
 * @param onConnection Receives each accepted connection.
 * @param tls Certificate and key; required for `wss://`.
 * @returns The listener; its endpoint has the real port.
 */
export async function listenWs(ep: Endpoint, onConnection: OnConnection, tls?: WsTlsOptions): Promise<Listener> {
  if (ep.scheme === "wss" && (tls?.cert === undefined || tls.key === undefined)) {
    throw new TypeError(
      `Binding ${ep.address} needs a certificate: registerTransport("wss", wsTransport({ tls: { cert, key } }))`,
    );
  }
  const path = ep.path || "/";
  let server = ep.port !== 0 ? servers.get(`${ep.scheme}://${ep.host}:${ep.port}`) : undefined;
  if (server !== undefined) {
    if (server.routes.has(path)) {
      throw new ZmqError("EADDRINUSE", `Address already in use: ${ep.address}`, { address: ep.address });
    }
  } else {
    const routes = new Map<string, OnConnection>();
    const start = runtime === "deno" ? serveDeno : runtime === "bun" ? serveBun : serveNode;
    server = await start(ep, routes, tls);
    servers.set(server.key, server);
  }
  const s = server;
  s.routes.set(path, onConnection);
  let open = true;
  return {
    endpoint: formatHostPort(ep.scheme, s.host, s.port) + path,
    close() {
      if (!open) return Promise.resolve();
      open = false;
      s.routes.delete(path);
      if (s.routes.size === 0) {
        servers.delete(s.key);
        s.stop();
      }
      return Promise.resolve();
    },
  };
}

function pem(v: string | Uint8Array | undefined): string | undefined {
  return v === undefined || typeof v === "string" ? v : new TextDecoder().decode(v);
}

function pemList(v: WsTlsOptions["ca"]): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map((c) => pem(c)!);
}

// deno-lint-ignore no-explicit-any
function listenError(e: any, ep: Endpoint): Error {
  const code = e?.code ?? e?.name;
  if (code === "EADDRINUSE" || code === "AddrInUse") {
    return new ZmqError("EADDRINUSE", `Address already in use: ${ep.address}`, { address: ep.address, cause: e });
  }
  if (code === "EADDRNOTAVAIL" || code === "AddrNotAvailable") {
    return new ZmqError("EADDRNOTAVAIL", `Cannot assign address: ${ep.address}`, { address: ep.address, cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;

// -- Deno ----------------------------------------------------------------------

function serveDeno(ep: Endpoint, routes: Map<string, OnConnection>, tls?: WsTlsOptions): Promise<Server> {
  const D = g.Deno;
  const ac = new AbortController();
  // deno-lint-ignore no-explicit-any
  let httpServer: any;
  // deno-lint-ignore no-explicit-any
  const handler = (req: Request, info: any): Response => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("A ZeroMQ WebSocket endpoint: upgrade required\n", { status: 426 });
    }
    const remote = hostPort(info.remoteAddr.hostname, info.remoteAddr.port);
    const d = decide(server, new URL(req.url).pathname, req.headers.get("sec-websocket-protocol"), remote);
    if ("status" in d) return new Response(d.reason + "\n", { status: d.status });
    let up: { socket: WebSocketLike; response: Response };
    try {
      // Not `{ protocol }`: Deno splits the offer on ", " only, and libzmq sends "ZWS2.0/NULL,ZWS2.0".
      up = D.upgradeWebSocket(req);
      up.response.headers.set("Sec-WebSocket-Protocol", d.protocol);
    } catch (e) {
      d.conn.abort(e as Error);
      return new Response("Bad WebSocket upgrade\n", { status: 400 });
    }
    wireWebSocket(up.socket, d.conn);
    return up.response;
  };
  try {
    httpServer = D.serve({
      hostname: ep.host,
      port: ep.port,
      signal: ac.signal,
      onListen() {},
      ...(ep.scheme === "wss" ? { cert: pem(tls!.cert), key: pem(tls!.key) } : {}),
      handler,
    });
  } catch (e) {
    return Promise.reject(listenError(e, ep));
  }
  const addr = httpServer.addr;
  const server: Server = {
    key: `${ep.scheme}://${addr.hostname}:${addr.port}`,
    scheme: ep.scheme,
    host: addr.hostname,
    port: addr.port,
    routes,
    stop() {
      ac.abort();
    },
  };
  return Promise.resolve(server);
}

// -- Bun -----------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
type BunWs = any;

function bunPort(ws: BunWs): WsPort {
  return {
    send: (data) => ws.send(data),
    bufferedAmount: () => ws.getBufferedAmount?.() ?? 0,
    close: (code, reason) => ws.close(code, reason.slice(0, 60)),
    ping: () => ws.ping(),
    terminate: typeof ws.terminate === "function" ? () => ws.terminate() : undefined,
    // Bun 1.2+ can stop reading a WebSocket: real backpressure to the sender.
    pause: typeof ws.pause === "function" ? () => ws.pause() : undefined,
    resume: typeof ws.resume === "function" ? () => ws.resume() : undefined,
  };
}

function serveBun(ep: Endpoint, routes: Map<string, OnConnection>, tls?: WsTlsOptions): Promise<Server> {
  // deno-lint-ignore no-explicit-any
  let bunServer: any;
  try {
    bunServer = g.Bun.serve({
      hostname: ep.host,
      port: ep.port,
      reusePort: false,
      ...(ep.scheme === "wss" ? { tls: { cert: pem(tls!.cert), key: pem(tls!.key) } } : {}),
      // deno-lint-ignore no-explicit-any
      fetch(req: Request, srv: any): Response | undefined {
        if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return new Response("A ZeroMQ WebSocket endpoint: upgrade required\n", { status: 426 });
        }
        const ip = srv.requestIP(req);
        const remote = ip ? hostPort(ip.address, ip.port) : "unknown";
        const d = decide(server, new URL(req.url).pathname, req.headers.get("sec-websocket-protocol"), remote);
        if ("status" in d) return new Response(d.reason + "\n", { status: d.status });
        const ok = srv.upgrade(req, { data: d.conn, headers: { "Sec-WebSocket-Protocol": d.protocol } });
        if (ok) return undefined;
        d.conn.abort(new HandshakeError("WebSocket upgrade failed"));
        return new Response("Bad WebSocket upgrade\n", { status: 400 });
      },
      websocket: {
        maxPayloadLength: MAX_PAYLOAD,
        perMessageDeflate: false,
        open(ws: BunWs) {
          (ws.data as ZwsConnection).attach(bunPort(ws));
        },
        message(ws: BunWs, m: string | Uint8Array) {
          (ws.data as ZwsConnection).message(
            typeof m === "string" ? m : new Uint8Array(m.buffer, m.byteOffset, m.byteLength),
          );
        },
        close(ws: BunWs, code: number, reason: string) {
          (ws.data as ZwsConnection).closed(code, reason);
        },
        drain(ws: BunWs) {
          (ws.data as ZwsConnection).drained();
        },
        pong(ws: BunWs) {
          (ws.data as ZwsConnection).pong();
        },
      },
    });
  } catch (e) {
    return Promise.reject(listenError(e, ep));
  }
  const server: Server = {
    key: `${ep.scheme}://${ep.host}:${bunServer.port}`,
    scheme: ep.scheme,
    host: ep.host,
    port: bunServer.port,
    routes,
    stop() {
      bunServer.stop(false);
    },
  };
  return Promise.resolve(server);
}

// -- Node ----------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
let wsPackage: Promise<any> | null = null;
// deno-lint-ignore no-explicit-any
function loadWs(): Promise<any> {
  wsPackage ??= import(WS_PACKAGE).catch((e) => {
    wsPackage = null;
    throw new ZmqError("ENOTSUP", "ws:// on Node needs the `ws` package (npm install ws)", { cause: e });
  });
  return wsPackage;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable" };

async function serveNode(ep: Endpoint, routes: Map<string, OnConnection>, tls?: WsTlsOptions): Promise<Server> {
  const wsMod = await loadWs();
  const WebSocketServer = wsMod.WebSocketServer ?? wsMod.default?.WebSocketServer;
  const http = await import("node:http");
  const https = await import("node:https");
  const chosen = new WeakMap<object, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  // ws refuses libzmq's "ZWS2.0/NULL" (a "/" is not allowed in an RFC 6455
  // token), so we take the header away from it and answer it ourselves.
  wss.on("headers", (headers: string[], req: object) => {
    const p = chosen.get(req);
    if (p !== undefined) headers.push(`Sec-WebSocket-Protocol: ${p}`);
  });
  const onRequest = (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(426, { "Content-Type": "text/plain" });
    res.end("A ZeroMQ WebSocket endpoint: upgrade required\n");
  };
  const httpServer = ep.scheme === "wss"
    ? https.createServer({ cert: pem(tls!.cert), key: pem(tls!.key) }, onRequest)
    : http.createServer(onRequest);
  httpServer.on("upgrade", (req, socket, head) => {
    socket.on("error", () => {/* reported through close */});
    const remote = hostPort(req.socket.remoteAddress ?? "unknown", req.socket.remotePort ?? 0);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const h = req.headers["sec-websocket-protocol"];
    const d = decide(server, path, Array.isArray(h) ? h.join(",") : h ?? null, remote);
    if ("status" in d) {
      socket.end(`HTTP/1.1 ${d.status} ${STATUS_TEXT[d.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    chosen.set(req, d.protocol);
    delete req.headers["sec-websocket-protocol"];
    let upgraded = false;
    socket.once("close", () => {
      if (!upgraded) d.conn.abort(new HandshakeError("WebSocket upgrade failed"));
    });
    wss.handleUpgrade(req, socket, head, (ws: WebSocketLike) => {
      upgraded = true;
      wireWebSocket(ws, d.conn);
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (e) => reject(listenError(e, ep)));
    httpServer.listen({ host: ep.host, port: ep.port, exclusive: true }, () => resolve());
  });
  const a = httpServer.address() as { address: string; port: number };
  const server: Server = {
    key: `${ep.scheme}://${a.address}:${a.port}`,
    scheme: ep.scheme,
    host: a.address,
    port: a.port,
    routes,
    stop() {
      httpServer.close();
      httpServer.closeIdleConnections?.();
    },
  };
  return server;
}

// -- clients -------------------------------------------------------------------

/**
 * Opens a client WebSocket where the standard constructor is not enough: TLS
 * options, or Node without a global WebSocket.
 *
 * @param url The ws:// or wss:// URL.
 * @param protocols The subprotocols to offer.
 * @param tls `ca` and `rejectUnauthorized`.
 * @returns A socket with the standard event surface.
 */
export async function openWebSocket(
  url: string,
  protocols: readonly string[],
  tls?: WsTlsOptions,
): Promise<WebSocketLike> {
  const ca = pemList(tls?.ca);
  const insecure = tls?.rejectUnauthorized === false;
  if (runtime === "bun") {
    const opts = { protocols: [...protocols], tls: { ...(ca ? { ca } : {}), rejectUnauthorized: !insecure } };
    return new g.WebSocket(url, opts);
  }
  if (runtime === "deno") {
    if (insecure) {
      throw new TypeError(
        "Deno cannot skip certificate checks per connection: use --unsafely-ignore-certificate-errors",
      );
    }
    if (ca === undefined) return new g.WebSocket(url, [...protocols]);
    const client = g.Deno.createHttpClient({ caCerts: ca });
    return new g.WebSocket(url, { protocols: [...protocols], client });
  }
  const wsMod = await loadWs();
  const WebSocket = wsMod.WebSocket ?? wsMod.default;
  return new WebSocket(url, [...protocols], {
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    ...(ca ? { ca } : {}),
    ...(insecure ? { rejectUnauthorized: false } : {}),
  });
}
