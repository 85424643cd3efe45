/**
 * The runtime side of `ws://`/`wss://`: servers (Deno.serve with
 * Deno.upgradeWebSocket, Bun.serve's websocket handlers, or the `ws`
 * package's WebSocketServer on Node), and the client used on all three, an
 * RFC 6455 client over node:net/node:tls (the built-in WebSocket classes
 * cannot offer libzmq's "ZWS2.0/NULL"). transports/websocket.ts loads this
 * module on first need; it is never part of a browser bundle.
 *
 * Several paths may share one port: a bind to a port this process already
 * serves adds its path there. A request for an unbound path gets 404; one
 * that offers no ZWS 2.0 subprotocol gets 400, without reaching a socket.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
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
// A non-literal specifier: only a Node server loads the `ws` package.
const WS_PACKAGE = "ws";

type OnConnection = (c: Connection) => void;

/** One bound path: where its connections go, and its accept failures. */
interface Route {
  readonly onConnection: OnConnection;
  readonly onError?: (e: Error) => void;
}

/** One HTTP server on one host:port, serving one or more paths. */
interface Server {
  readonly key: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly routes: Map<string, Route>;
  /** Stops listening; resolves once the port is free again. */
  stop(): Promise<void> | void;
}

/** Servers by `scheme://host:port`, for binds that share a port. */
const servers = new Map<string, Server>();

type Decision = { conn: ZwsConnection; protocol: string } | { status: number; reason: string };

// The upgrade decision, the same on every runtime. The socket gets the
// connection before the upgrade completes: its engine writes its greeting at
// once, which names the mechanism the answer must select.
function decide(server: Server, path: string, protocolHeader: string | null, remote: string): Decision {
  const route = server.routes.get(path);
  if (route === undefined) return { status: 404, reason: `No ZeroMQ socket is bound at ${path}` };
  const offered = parseProtocols(protocolHeader);
  if (selectProtocol(offered) === undefined) {
    return { status: 400, reason: "Sec-WebSocket-Protocol must offer ZWS2.0 or ZWS2.0/<mechanism>" };
  }
  const conn = new ZwsConnection(remote, null);
  try {
    route.onConnection(conn);
  } catch (e) {
    // A throwing handler (an event listener, say) loses this connection only.
    conn.abort(e as Error);
    route.onError?.(e as Error);
    return { status: 503, reason: "The socket could not take the connection" };
  }
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
 * @param onError Receives failures to accept a connection; the server goes on listening.
 * @returns The listener; its endpoint has the real port.
 */
export async function listenWs(
  ep: Endpoint,
  onConnection: OnConnection,
  tls?: WsTlsOptions,
  onError?: (e: Error) => void,
): Promise<Listener> {
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
    const routes = new Map<string, Route>();
    const start = runtime === "deno" ? serveDeno : runtime === "bun" ? serveBun : serveNode;
    server = await start(ep, routes, tls);
    servers.set(server.key, server);
  }
  const s = server;
  s.routes.set(path, { onConnection, onError });
  let open = true;
  return {
    endpoint: formatHostPort(ep.scheme, s.host, s.port) + path,
    close() {
      if (!open) return Promise.resolve();
      open = false;
      s.routes.delete(path);
      if (s.routes.size === 0) {
        servers.delete(s.key);
        return Promise.resolve(s.stop());
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

// A failure of the server as a whole goes to every path bound on it.
function reportToRoutes(routes: Map<string, Route>, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  for (const r of routes.values()) r.onError?.(err);
}

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;

// -- Deno ----------------------------------------------------------------------

function serveDeno(ep: Endpoint, routes: Map<string, Route>, tls?: WsTlsOptions): Promise<Server> {
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
  const serve = (port: number) =>
    D.serve({
      hostname: ep.host,
      port,
      signal: ac.signal,
      onListen() {},
      ...(ep.scheme === "wss" ? { cert: pem(tls!.cert), key: pem(tls!.key) } : {}),
      handler,
    });
  try {
    httpServer = serve(ep.port);
  } catch (e) {
    return Promise.reject(listenError(e, ep));
  }
  const addr = httpServer.addr;
  // Deno.serve stops at the first failed accept (EMFILE, say) and rejects
  // `finished`; the port is served again, as a listener that only close() stops.
  const kept = new KeptServer(httpServer, () => serve(addr.port), (e) => reportToRoutes(routes, e));
  const server: Server = {
    key: `${ep.scheme}://${addr.hostname}:${addr.port}`,
    scheme: ep.scheme,
    host: addr.hostname,
    port: addr.port,
    routes,
    async stop() {
      ac.abort();
      // Deno frees the port once the server has finished, not at abort().
      await kept.stop();
    },
  };
  return Promise.resolve(server);
}

// A pause before serving again after a failure, doubling up to a second.
const RESTART_MIN = 10;
const RESTART_MAX = 1000;

/**
 * @internal Keeps a server up: when one ends (its `finished` settles) before
 * `stop()`, the failure goes to `onError` and `restart()` makes a new one,
 * after a pause, again until one starts. Exported for tests.
 */
export class KeptServer {
  #current: { finished: Promise<void> } | null;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #restart: () => { finished: Promise<void> };
  #onError: (e: Error) => void;
  #pause = 0;

  constructor(
    first: { finished: Promise<void> },
    restart: () => { finished: Promise<void> },
    onError: (e: Error) => void,
  ) {
    this.#current = first;
    this.#restart = restart;
    this.#onError = onError;
    this.#watch(first);
  }

  /** Stops restarting; resolves once the current server (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current?.finished.catch(() => {});
  }

  #watch(srv: { finished: Promise<void> }): void {
    const ended = (e?: unknown) => {
      if (this.#stopped || srv !== this.#current) return;
      this.#current = null;
      this.#onError(e instanceof Error ? e : new Error(e === undefined ? "The server stopped" : String(e)));
      this.#schedule();
    };
    srv.finished.then(() => ended(), ended);
  }

  #schedule(): void {
    this.#pause = Math.min(RESTART_MAX, Math.max(RESTART_MIN, this.#pause * 2));
    this.#timer = setTimeout(() => {
      if (this.#stopped) return;
      let srv: { finished: Promise<void> };
      try {
        srv = this.#restart();
      } catch (e) {
        // The port may still be held, or descriptors still short: try again.
        this.#onError(e as Error);
        this.#schedule();
        return;
      }
      this.#pause = 0;
      this.#current = srv;
      this.#watch(srv);
    }, this.#pause);
  }
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

function serveBun(ep: Endpoint, routes: Map<string, Route>, tls?: WsTlsOptions): Promise<Server> {
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

async function serveNode(ep: Endpoint, routes: Map<string, Route>, tls?: WsTlsOptions): Promise<Server> {
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
    const failed = (e: Error) => reject(listenError(e, ep));
    httpServer.once("error", failed);
    httpServer.listen({ host: ep.host, port: ep.port, exclusive: true }, () => {
      // After listen, 'error' means one accept failed (EMFILE, ECONNABORTED):
      // the server goes on listening, and an 'error' nobody listens to
      // would be an uncaught exception.
      httpServer.off("error", failed);
      httpServer.on("error", (e) => reportToRoutes(routes, e));
      resolve();
    });
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

// -- the client ------------------------------------------------------------------

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HEAD = 16384;

/**
 * An RFC 6455 client over node:net/node:tls (which Deno, Bun and Node all
 * have), with the standard WebSocket event surface. Unlike the built-in
 * WebSocket classes it can offer libzmq's "ZWS2.0/NULL" (a "/" is not an
 * RFC 6455 token, so they refuse it), ping and see pongs, and stop reading.
 */
class RawWebSocket implements WebSocketLike {
  binaryType = "arraybuffer";
  readyState = 0;
  protocol = "";
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  #sock: import("node:net").Socket;
  #key: string;
  #offered: readonly string[];
  #buf: Uint8Array = new Uint8Array(0);
  // A frame larger than what arrived: its chunks, joined once it is whole.
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #need = 0;
  #parts: Uint8Array[] = [];
  #partsOpcode = 0;
  #pong: (() => void)[] = [];
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #closeEvent: { code: number; reason: string } = { code: 1006, reason: "" };

  constructor(
    netMod: typeof import("node:net"),
    tlsMod: typeof import("node:tls") | null,
    url: URL,
    offered: readonly string[],
    tls: WsTlsOptions | undefined,
  ) {
    this.#offered = offered;
    this.#key = randomBytes(16).toString("base64");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port) || (url.protocol === "wss:" ? 443 : 80);
    const ca = pemList(tls?.ca);
    const sock = tlsMod !== null
      ? tlsMod.connect({
        host,
        port,
        ...(netMod.isIP(host) ? {} : { servername: host }),
        ...(ca ? { ca } : {}),
        rejectUnauthorized: tls?.rejectUnauthorized !== false,
      })
      : netMod.connect({ host, port });
    this.#sock = sock;
    sock.setNoDelay(true);
    sock.on(tlsMod !== null ? "secureConnect" : "connect", () => {
      sock.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${offered.join(", ")}\r\n\r\n`,
      );
    });
    sock.on("data", (d: Uint8Array) => {
      try {
        this.#onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      } catch (e) {
        this.#fail((e as Error).message, 1002);
      }
    });
    sock.on("error", (e: Error) => {
      if (this.#closeEvent.reason === "") this.#closeEvent = { code: 1006, reason: e.message };
      this.onerror?.(e);
    });
    sock.on("close", () => this.#closed());
  }

  get bufferedAmount(): number {
    return this.#sock.writableLength;
  }

  /** Node-style listener for "pong", as the `ws` package has (see wireWebSocket). */
  on(event: string, fn: () => void): void {
    if (event === "pong") this.#pong.push(fn);
  }

  send(data: Uint8Array): void {
    if (this.readyState === 1) this.#frame(2, data);
  }

  ping(): void {
    if (this.readyState === 1) this.#frame(9, new Uint8Array(0));
  }

  pause(): void {
    this.#sock.pause();
  }

  resume(): void {
    this.#sock.resume();
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    if (this.readyState === 0) {
      this.terminate();
      return;
    }
    this.readyState = 2;
    const r = new TextEncoder().encode(reason).subarray(0, 123);
    const body = new Uint8Array(2 + r.length);
    body[0] = code >> 8;
    body[1] = code & 0xff;
    body.set(r, 2);
    this.#frame(8, body);
    this.#closeEvent = { code, reason };
    // The server answers with its close and ends the TCP connection.
    this.#closeTimer = setTimeout(() => this.terminate(), 3000);
  }

  terminate(): void {
    this.#sock.destroy();
  }

  // One masked frame (RFC 6455 §5.2, §5.3).
  #frame(opcode: number, payload: Uint8Array): void {
    const n = payload.length;
    const head = n < 126 ? 6 : n < 65536 ? 8 : 14;
    const out = new Uint8Array(head + n);
    out[0] = 0x80 | opcode;
    if (n < 126) out[1] = 0x80 | n;
    else if (n < 65536) {
      out[1] = 0x80 | 126;
      out[2] = n >> 8;
      out[3] = n & 0xff;
    } else {
      out[1] = 0x80 | 127;
      new DataView(out.buffer).setBigUint64(2, BigInt(n));
    }
    const mask = out.subarray(head - 4, head);
    crypto.getRandomValues(mask);
    for (let i = 0; i < n; i++) out[head + i] = payload[i] ^ mask[i & 3];
    this.#sock.write(out);
  }

  #onData(chunk: Uint8Array): void {
    if (this.#need > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#need) return;
      this.#buf = concat(...this.#pending);
      this.#pending = [];
      this.#pendingBytes = this.#need = 0;
    } else {
      this.#buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    }
    if (this.readyState === 0) {
      const b = this.#buf;
      let end = -1;
      for (let i = 3; i < b.length; i++) {
        if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) {
          end = i - 3;
          break;
        }
      }
      if (end < 0) {
        if (b.length > MAX_HEAD) throw new Error("oversized HTTP response");
        return;
      }
      this.#handshake(new TextDecoder("latin1").decode(b.subarray(0, end)));
      this.#buf = b.subarray(end + 4);
      this.onopen?.({});
    }
    this.#frames();
  }

  #handshake(head: string): void {
    const lines = head.split("\r\n");
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1];
    const h = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      if (c > 0) h.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
    }
    const accept = createHash("sha1").update(this.#key + GUID).digest("base64");
    const protocol = h.get("sec-websocket-protocol") ?? "";
    const problem = status !== "101"
      ? `HTTP ${lines[0].slice(9)}`
      : h.get("upgrade")?.toLowerCase() !== "websocket" || !/upgrade/i.test(h.get("connection") ?? "")
      ? "not a WebSocket upgrade"
      : h.get("sec-websocket-accept") !== accept
      ? "wrong Sec-WebSocket-Accept"
      : protocol !== "" && !this.#offered.includes(protocol)
      ? `unoffered subprotocol "${protocol}"`
      : h.has("sec-websocket-extensions")
      ? "unrequested extension"
      : "";
    if (problem !== "") throw new Error(problem);
    this.protocol = protocol;
    this.readyState = 1;
  }

  // Frames from the server: unmasked (RFC 6455 §5.1); fragments joined.
  #frames(): void {
    for (;;) {
      const b = this.#buf;
      if (b.length < 2 || this.readyState === 3) return;
      const fin = (b[0] & 0x80) !== 0, opcode = b[0] & 0x0f;
      if ((b[0] & 0x70) !== 0) throw new Error("reserved bits set");
      if ((b[1] & 0x80) !== 0) throw new Error("masked frame from the server");
      let len = b[1] & 0x7f, at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b[2] << 8 | b[3];
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        const big = new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0);
        if (big > BigInt(MAX_PAYLOAD)) {
          this.#fail("message too big", 1009);
          return;
        }
        len = Number(big);
        at = 10;
      }
      if (b.length < at + len) {
        this.#need = at + len;
        this.#pending = [b];
        this.#pendingBytes = b.length;
        this.#buf = new Uint8Array(0);
        return;
      }
      const payload = b.subarray(at, at + len);
      this.#buf = b.subarray(at + len);
      if (opcode >= 8) {
        if (!fin || len > 125) throw new Error("bad control frame");
        this.#control(opcode, payload);
        continue;
      }
      if (opcode === 0 ? this.#parts.length === 0 : this.#parts.length > 0 || (opcode !== 1 && opcode !== 2)) {
        throw new Error("bad data frame sequence");
      }
      if (opcode !== 0) this.#partsOpcode = opcode;
      if (fin && opcode !== 0) {
        this.#message(opcode, payload);
        continue;
      }
      this.#parts.push(payload.slice());
      if (this.#parts.reduce((n, p) => n + p.length, 0) > MAX_PAYLOAD) {
        this.#fail("message too big", 1009);
        return;
      }
      if (fin) {
        const whole = concat(...this.#parts);
        this.#parts = [];
        this.#message(this.#partsOpcode, whole);
      }
    }
  }

  #message(opcode: number, payload: Uint8Array): void {
    if (this.readyState !== 1) return;
    if (opcode === 1) {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
      } catch {
        this.#fail("invalid UTF-8", 1007);
        return;
      }
      this.onmessage?.({ data: text });
    } else {
      this.onmessage?.({ data: payload });
    }
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === 9) {
      if (this.readyState === 1) this.#frame(10, payload);
    } else if (opcode === 10) {
      for (const f of this.#pong) f();
    } else if (opcode === 8) {
      const code = payload.length >= 2 ? payload[0] << 8 | payload[1] : 1005;
      const reason = new TextDecoder().decode(payload.subarray(2));
      if (this.readyState === 1) {
        this.#frame(8, payload.subarray(0, 2));
        this.#closeEvent = { code, reason };
      }
      this.readyState = 2;
      this.#sock.end();
    } else {
      throw new Error(`unknown control opcode ${opcode}`);
    }
  }

  #fail(reason: string, code: number): void {
    if (this.readyState === 1) this.#frame(8, Uint8Array.of(code >> 8, code & 0xff));
    this.#closeEvent = { code: this.readyState === 0 ? 1006 : code, reason };
    this.readyState = 2;
    this.#sock.end();
    this.#closeTimer ??= setTimeout(() => this.terminate(), 3000);
  }

  #closed(): void {
    clearTimeout(this.#closeTimer);
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.(this.#closeEvent);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Opens a client WebSocket on a server runtime. Offers every ZWS 2.0
 * subprotocol, so a server picks the one of its mechanism.
 *
 * @param url The ws:// or wss:// URL.
 * @param protocols The subprotocols to offer.
 * @param tls `ca` and `rejectUnauthorized` for wss://.
 * @returns A socket with the standard event surface, plus ping, pong events and pause.
 */
export async function openWebSocket(
  url: string,
  protocols: readonly string[],
  tls?: WsTlsOptions,
): Promise<WebSocketLike> {
  const u = new URL(url);
  const netMod = await import("node:net");
  const tlsMod = u.protocol === "wss:" ? await import("node:tls") : null;
  return new RawWebSocket(netMod, tlsMod, u, protocols, tls);
}
