/**
 * `ws://` and `wss://` (ZWS 2.0, RFC 45). In browsers and edge workers the
 * client is the web-standard `WebSocket`; on Deno, Bun and Node it is our
 * own RFC 6455 client over node:net/node:tls (`./ws_client.ts`), loaded
 * through `./ws_server.ts` with the servers: on first need, never by a
 * bundler.
 *
 * A {@link ZwsConnection} carries one WebSocket: each message in is one
 * ZWS frame for the engine's ZWS framer (lib/zmtp/zws_framer.ts), each
 * chunk the framer makes is one message out. The subprotocol names the
 * mechanism; there is no greeting. A standard WebSocket can only offer the
 * bare "ZWS2.0" (no mechanism: NULL security, routing ids but no metadata,
 * see lib/zws.ts); our client and servers also speak libzmq's ZWS2.0/NULL,
 * ZWS2.0/PLAIN and ZWS2.0/CURVE.
 *
 * This file must stay runtime-free (scripts/check_runtime_free.ts): no
 * runtime globals, no Node built-ins, and no import a bundler would follow
 * into the server module.
 *
 * @module
 */

import { type Endpoint, formatHostPort } from "../lib/endpoint.ts";
import { ZmqError } from "../lib/errors.ts";
import type { Connection, ConnectionHandler, FramedConnection, Listener, Transport } from "../lib/transport.ts";
import { getTransport, registerTransport } from "../lib/driver.ts";
import { WriteQueue } from "../lib/write_queue.ts";
import { unrefTimer } from "../lib/keepalive.ts";
import type { Framer, FramerContext, FramerHandler } from "../lib/zmtp/framer.ts";
import { ZWS_PONG } from "../lib/zmtp/zws_framer.ts";
import { CLIENT_PROTOCOLS, parseProtocol, selectProtocol, WEB_CLIENT_PROTOCOLS, zwsFramer } from "../lib/zws.ts";

/**
 * TLS settings for `wss://`. Strings are PEM text. Browsers use their own trust store.
 *
 * @example
 * ```ts
 * import { registerTransport, wsTransport, type WsTlsOptions } from "zmtp-zeromq";
 * const tls: WsTlsOptions = { ca: "-----BEGIN CERTIFICATE-----\n..." };
 * registerTransport("wss", wsTransport({ tls }));
 * ```
 */
export interface WsTlsOptions {
  /** Server certificate chain (PEM), needed to bind `wss://`. */
  cert?: string | Uint8Array;
  /** Server private key (PEM), needed to bind `wss://`. */
  key?: string | Uint8Array;
  /** Trusted CA certificate(s) (PEM) for connecting, instead of the system's. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** False accepts any server certificate when connecting (tests only). */
  rejectUnauthorized?: boolean;
}

/**
 * Settings of a ws/wss transport made by {@link wsTransport}.
 *
 * @example
 * ```ts
 * import { registerTransport, wsTransport, type WsTransportOptions } from "zmtp-zeromq";
 * const opts: WsTransportOptions = {};
 * registerTransport("ws", wsTransport(opts));
 * ```
 */
export interface WsTransportOptions {
  /** Certificates for `wss://`. Browsers ignore these: their trust store applies. */
  tls?: WsTlsOptions;
  /**
   * A standard WebSocket class to connect with instead of our own client
   * (which needs Deno, Bun or Node), e.g. a proxying one. It offers only the
   * bare "ZWS2.0": NULL security, and no metadata. Browsers use
   * `globalThis.WebSocket` this way without being told.
   */
  webSocket?: new (url: string, protocols: string[]) => WebSocketLike;
}

/** What the adapter needs of one open WebSocket, whatever the runtime. */
export interface WsPort {
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Bytes queued and not yet written. */
  bufferedAmount(): number;
  /** Starts the closing handshake after queued messages. */
  close(code: number, reason: string): void;
  /** Drops the connection at once, when the runtime can. */
  terminate?(): void;
  /** Sends a WebSocket ping, when the runtime can (and reports pongs). */
  ping?(): void;
  /** Stops reading from the network, when the runtime can. */
  pause?(): void;
  /** Reads again. */
  resume?(): void;
}

/**
 * The standard WebSocket surface the client and the Deno server use.
 *
 * @example
 * ```ts
 * import type { WebSocketLike } from "zmtp-zeromq";
 * const ws: WebSocketLike | undefined = undefined; // e.g. a browser WebSocket
 * console.log(ws === undefined); // true
 * ```
 */
export interface WebSocketLike {
  /** Set to "arraybuffer": binary messages arrive as ArrayBuffers. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** The subprotocol the server chose. */
  readonly protocol: string;
  /** Bytes queued by send() and not yet written. */
  readonly bufferedAmount: number;
  /** Called once open. */
  onopen: ((ev: unknown) => void) | null;
  /** Called for each message. */
  onmessage: ((ev: { data: unknown }) => void) | null;
  /** Called once closed. */
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  /** Called on an error (a close follows). */
  onerror: ((ev: unknown) => void) | null;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

const OPEN = 1;
// Browsers have no drain event: a write past the high-water mark polls the
// WebSocket's bufferedAmount until it fell below half.
const DRAIN_POLL_MS = 5;
// A graceful close that gets no answer is cut after this long.
const CLOSE_WAIT_MS = 3000;
// Where the runtime has it (Deno, Bun, Node; not browsers), the engine
// flushes after the current macrotask, so a producer's turn of messages
// leaves together (our client writes them to its socket at once).
const setImmediateFn: ((fn: () => void) => void) | undefined =
  // deno-lint-ignore no-explicit-any
  typeof (globalThis as any).setImmediate === "function" ? (globalThis as any).setImmediate : undefined;

/**
 * A ZWS 2.0 connection: one WebSocket, as the engine's {@link Connection}.
 * Transports create it, feed it with {@link ZwsConnection.message} and
 * {@link ZwsConnection.closed}, and give it a {@link WsPort} once open.
 */
export class ZwsConnection implements FramedConnection {
  readonly remoteAddress: string;
  #h: ConnectionHandler | null = null;
  #port: WsPort | null = null;
  // A client's subprotocol is the server's answer; a server's is picked
  // from the client's offer once the engine names its mechanism.
  #protocol: string | null;
  #offered: readonly string[] | null;
  #mechanism: string | undefined;
  // Messages written before the WebSocket is open wait here; once open,
  // its bufferedAmount counts for backpressure.
  #queue = new WriteQueue(() => this.#h?.onDrain(), { external: () => this.#port?.bufferedAmount() ?? 0 });
  // Messages for the engine while it is paused, not started, or busy.
  #inbox: Uint8Array[] = [];
  #inHead = 0;
  #delivering = false;
  #paused = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #ending = false;
  #endTimer: ReturnType<typeof setTimeout> | undefined;
  // Bounds a close we started on bad input: a peer that never answers it is cut.
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #pingsOut = 0;
  #closed = false;
  #closeReported = false;
  #closeError: Error | undefined;

  /**
   * @param remoteAddress The peer's address for events and ZAP.
   * @param protocol A client's: the subprotocol the server chose. A
   * server's: the subprotocols the client offered.
   */
  constructor(remoteAddress: string, protocol: string | readonly string[]) {
    this.remoteAddress = remoteAddress;
    this.#protocol = typeof protocol === "string" ? protocol : null;
    this.#offered = typeof protocol === "string" ? null : protocol;
  }

  /** The subprotocol agreed; null on a server until the engine started (or when none fits). */
  get protocol(): string | null {
    return this.#protocol;
  }

  /** Our engine's mechanism, once it started. */
  get ownMechanism(): string | undefined {
    return this.#mechanism;
  }

  /** True once closed or failed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** The WebSocket is open: queued messages go out. */
  attach(port: WsPort): void {
    if (this.#closed) {
      port.terminate ? port.terminate() : port.close(1000, "");
      return;
    }
    this.#port = port;
    this.#queue.flush((m) => {
      port.send(m);
      return m.length;
    });
    if (this.#paused) port.pause?.();
    if (this.#ending) this.end();
  }

  /** One WebSocket message arrived (a string for a text message). */
  message(data: Uint8Array | string): void {
    if (this.#closed) return;
    if (typeof data === "string") {
      this.abort(new ZmqError("EPROTO", "text WebSocket message: ZWS 2.0 frames are binary"), 1003);
      return;
    }
    this.#deliver(data);
  }

  /** The WebSocket closed. */
  closed(code: number, reason: string): void {
    clearTimeout(this.#killTimer);
    const clean = this.#ending || code === 1000 || code === 1001 || code === 1005;
    const detail = reason ? `: ${reason}` : "";
    this.#finish(clean ? undefined : new ZmqError("ECONNRESET", `WebSocket closed with code ${code}${detail}`));
  }

  /** A WebSocket pong arrived: it answers a heartbeat we sent as a ping. */
  pong(): void {
    if (this.#closed || this.#pingsOut === 0) return;
    this.#pingsOut--;
    this.#deliver(ZWS_PONG);
  }

  /** A new write may not block any more (Bun's drain). */
  drained(): void {
    this.#queue.check();
  }

  /** Fails the connection: closes the WebSocket with `code`, reports `error`. */
  abort(error: Error, code = 1002): void {
    if (this.#closed) return;
    this.#closeWith(code, error.message);
    this.#finish(error);
  }

  // -- Connection ------------------------------------------------------------

  /** The ZWS framer of the subprotocol (a server picks it here, for our mechanism). */
  framer(handler: FramerHandler, ctx: FramerContext): Framer {
    this.#mechanism = ctx.mechanism;
    if (this.#offered !== null) this.#protocol = selectProtocol(this.#offered, ctx.mechanism) ?? null;
    return zwsFramer(handler, ctx, this.#protocol, () => {
      const p = this.#port;
      if (p?.ping === undefined) return false;
      this.#pingsOut++;
      p.ping();
      return true;
    });
  }

  start(handler: ConnectionHandler): void {
    this.#h = handler;
    if (this.#closed) this.#reportClose();
    else this.#pump();
  }

  defer(fn: () => void): void {
    if (setImmediateFn !== undefined) setImmediateFn(fn);
    else queueMicrotask(fn);
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed) return false;
    const port = this.#port;
    if (port === null) return this.#queue.push(chunk);
    port.send(chunk);
    if (this.#queue.sent(0)) return true;
    this.#pollDrain();
    return false;
  }

  pause(): void {
    this.#paused = true;
    this.#port?.pause?.();
  }

  resume(): void {
    this.#paused = false;
    this.#port?.resume?.();
    this.#pump();
  }

  end(): void {
    if (this.#closed) return;
    this.#ending = true;
    if (this.#port === null) return; // attach() closes once open
    this.#port.close(1000, "");
    this.#endTimer ??= unrefTimer(setTimeout(() => this.destroy(), CLOSE_WAIT_MS));
  }

  /** Closes at once; for bad input, with close code 1002 and the reason. */
  destroy(error?: Error): void {
    if (this.#closed) return;
    const p = this.#port;
    if (error instanceof ZmqError && error.code === "EPROTO") this.#closeWith(1002, error.message);
    else {
      try {
        if (p?.terminate) p.terminate();
        else p?.close(1000, "");
      } catch { /* already closed */ }
    }
    this.#finish(undefined);
  }

  // -- internals ---------------------------------------------------------------

  // Starts the closing handshake with `code`; where the WebSocket can be
  // dropped, it is once the peer has not answered in CLOSE_WAIT_MS.
  #closeWith(code: number, reason: string): void {
    const p = this.#port;
    if (p === null) return; // attach() drops it once open
    try {
      p.close(code, reason);
    } catch { /* already closing */ }
    if (p.terminate !== undefined) this.#killTimer ??= unrefTimer(setTimeout(() => p.terminate!(), CLOSE_WAIT_MS));
  }

  // Hands a message to the engine, or queues it; never re-enters the engine.
  #deliver(m: Uint8Array): void {
    if (this.#h === null || this.#paused || this.#delivering || this.#inHead < this.#inbox.length) {
      this.#inbox.push(m);
      this.#pump();
      return;
    }
    this.#delivering = true;
    try {
      this.#h.onData(m);
    } finally {
      this.#delivering = false;
    }
    if (this.#inbox.length > 0) this.#pump();
  }

  #pump(): void {
    if (this.#delivering || this.#h === null) return;
    this.#delivering = true;
    try {
      while (!this.#paused && !this.#closed && this.#inHead < this.#inbox.length) {
        this.#h!.onData(this.#inbox[this.#inHead++]);
      }
    } finally {
      this.#delivering = false;
      if (this.#inHead === this.#inbox.length) {
        this.#inbox = [];
        this.#inHead = 0;
      } else if (this.#inHead > 1024) {
        this.#inbox = this.#inbox.slice(this.#inHead);
        this.#inHead = 0;
      }
    }
  }

  #pollDrain(): void {
    if (this.#drainTimer !== undefined || this.#closed) return;
    this.#drainTimer = unrefTimer(setTimeout(() => {
      this.#drainTimer = undefined;
      this.#queue.check();
      if (this.#queue.waiting) this.#pollDrain();
    }, DRAIN_POLL_MS));
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    clearTimeout(this.#drainTimer);
    clearTimeout(this.#endTimer);
    this.#inbox = [];
    this.#inHead = 0;
    this.#queue.clear();
    this.#reportClose();
  }

  #reportClose(): void {
    if (this.#closeReported || this.#h === null) return;
    this.#closeReported = true;
    this.#h.onClose(this.#closeError);
  }
}

/** Wraps a WebSocket (a browser's, the `ws` package's, our RawWebSocket) as a {@link WsPort}. */
export function webSocketPort(ws: WebSocketLike): WsPort {
  // deno-lint-ignore no-explicit-any
  const x = ws as any;
  // Ours, the `ws` package's and Bun's can ping and report pongs (see wireWebSocket).
  const canPing = typeof x.ping === "function" &&
    (typeof x.on === "function" || typeof x.addEventListener === "function");
  return {
    ping: canPing ? () => x.ping() : undefined,
    send: ws.send.bind(ws),
    bufferedAmount: () => ws.bufferedAmount,
    close: (code, reason) => closeWebSocket(ws, code, reason),
    // Ours, the `ws` package's and Bun's can drop a connection and stop reading; browsers' cannot.
    terminate: typeof x.terminate === "function" ? () => x.terminate() : undefined,
    pause: typeof x.pause === "function" ? () => x.pause() : undefined,
    resume: typeof x.resume === "function" ? () => x.resume() : undefined,
  };
}

/**
 * Wires a standard WebSocket's events to a {@link ZwsConnection}.
 *
 * @param ws The socket (binary messages must arrive as ArrayBuffer).
 * @param conn The adapter, attached once the socket is open.
 */
export function wireWebSocket(ws: WebSocketLike, conn: ZwsConnection): void {
  ws.binaryType = "arraybuffer";
  ws.onmessage = (ev) => conn.message(toMessage(ev.data));
  ws.onclose = (ev) => conn.closed(ev.code, ev.reason);
  ws.onerror = () => {/* a close event follows */};
  // deno-lint-ignore no-explicit-any
  const x = ws as any;
  if (typeof x.ping === "function") {
    // Ours and the `ws` package emit pongs Node-style; Bun dispatches them as events.
    if (typeof x.on === "function") x.on("pong", () => conn.pong());
    else x.addEventListener?.("pong", () => conn.pong());
  }
  // Already open when a server hands it over (the `ws` package); else wait.
  if (ws.readyState === OPEN) conn.attach(webSocketPort(ws));
  else ws.onopen = () => conn.attach(webSocketPort(ws));
}

/**
 * Closes a standard WebSocket with `code`, or with 1000 where the API only
 * allows 1000 and 3000-4999 (browser and Deno clients refuse 1002/1003).
 */
export function closeWebSocket(ws: WebSocketLike, code: number, reason: string): void {
  let r = reason;
  while (enc.encode(r).length > 123) r = r.slice(0, -1);
  try {
    ws.close(code, r);
  } catch {
    ws.close(1000, r);
  }
}

const enc = new TextEncoder();

function toMessage(data: unknown): Uint8Array | string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return "";
}

/** The URL a client opens for an endpoint. */
export function endpointUrl(ep: Endpoint): string {
  return formatHostPort(ep.scheme, ep.host, ep.port) + (ep.path || "/");
}

// The runtime-specific module (servers, TLS clients, `ws` on Node). The
// specifier is built at run time so that bundlers leave it out of browser
// builds; it keeps this file's extension (.ts from source, .js from npm).
// deno-lint-ignore no-explicit-any
let runtimeModule: Promise<any> | null = null;
// deno-lint-ignore no-explicit-any
function loadRuntime(): Promise<any> {
  runtimeModule ??= (async () => {
    const here = import.meta.url;
    const ext = /\.[cm]?[jt]s$/.exec(new URL(here).pathname)?.[0] ?? ".js";
    const url = new URL(`./ws_server${ext}`, here).href;
    try {
      return await import(/* @vite-ignore */ /* webpackIgnore: true */ url);
    } catch (e) {
      runtimeModule = null;
      const text = String((e as Error)?.message);
      const message = /read access|--allow-read|--allow-import/.test(text)
        ? `Loading the WebSocket server module ${url} needs a permission: ${text}`
        : `WebSocket servers and TLS options need Deno, Bun or Node (${url})`;
      throw new ZmqError("ENOTSUP", message, { cause: e });
    }
  })();
  return runtimeModule;
}

function openClient(url: string, options: WsTransportOptions, mechanism = "NULL"): Promise<WebSocketLike> {
  // Where tcp:// is registered (Deno, Bun, Node) our own client, which can
  // offer libzmq's ZWS2.0/<mechanism> subprotocols; elsewhere the standard
  // WebSocket, which can offer only the bare ZWS2.0.
  if (options.webSocket === undefined && getTransport("tcp") !== undefined) {
    return loadRuntime().then((m) => m.openWebSocket(url, CLIENT_PROTOCOLS, options.tls));
  }
  // The bare ZWS2.0 is NULL security: a PLAIN or CURVE socket cannot use it,
  // and a server of its mechanism would refuse the upgrade again and again.
  // Refused at once instead (EPROTO: no reconnecting), saying why.
  if (mechanism !== "NULL") {
    return Promise.reject(
      new ZmqError(
        "EPROTO",
        `${mechanism} over ws:// needs the ZWS2.0/${mechanism} subprotocol, which a standard WebSocket (as in ` +
          "browsers) cannot offer: it offers only the bare ZWS2.0, which is NULL security",
      ),
    );
  }
  // deno-lint-ignore no-explicit-any
  const W = options.webSocket ?? (globalThis as any).WebSocket;
  if (typeof W !== "function") {
    return Promise.reject(new ZmqError("ENOTSUP", "This runtime has no WebSocket and no tcp:// transport"));
  }
  return Promise.resolve(new W(url, [...WEB_CLIENT_PROTOCOLS]));
}

async function connect(ep: Endpoint, options: WsTransportOptions, mechanism?: string): Promise<Connection> {
  const url = endpointUrl(ep);
  const ws = await openClient(url, options, mechanism);
  return new Promise<Connection>((resolve, reject) => {
    const remote = `${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${ep.port}`;
    ws.binaryType = "arraybuffer";
    ws.onerror = () => {/* a close event follows */};
    ws.onclose = (ev) => {
      const why = ev.reason ? `: ${ev.reason}` : "";
      const message = `WebSocket connection to ${url} failed (code ${ev.code}${why})`;
      reject(new ZmqError("ECONNREFUSED", message, { address: ep.address }));
    };
    ws.onopen = () => {
      if (parseProtocol(ws.protocol) === undefined) {
        ws.onclose = null;
        closeWebSocket(ws, 1002, "no ZWS 2.0 subprotocol");
        reject(new ZmqError("EPROTO", `${url} answered without a ZWS 2.0 subprotocol`, { address: ep.address }));
        return;
      }
      const conn = new ZwsConnection(remote, ws.protocol);
      wireWebSocket(ws, conn);
      resolve(conn);
    };
  });
}

/**
 * Makes a ws/wss transport. The default one is registered for both schemes;
 * register your own for `wss://` certificates.
 *
 * @param options TLS settings for `wss://`, or a WebSocket class to use.
 * @returns A transport for `ws` and `wss` endpoints.
 * @example
 * ```ts
 * import { registerTransport, wsTransport } from "zmtp-zeromq";
 * const cert = "-----BEGIN CERTIFICATE-----\n...", key = "-----BEGIN PRIVATE KEY-----\n...";
 * registerTransport("wss", wsTransport({ tls: { cert, key } }));
 * ```
 */
export function wsTransport(options: WsTransportOptions = {}): Transport {
  return {
    connect: (ep, o) => connect(ep, options, o?.mechanism),
    async listen(ep: Endpoint, onConnection: (c: Connection) => void, onError?: (e: Error) => void): Promise<Listener> {
      const m = await loadRuntime();
      return m.listenWs(ep, onConnection, options.tls, onError);
    },
  };
}

registerTransport("ws", wsTransport());
registerTransport("wss", wsTransport());
