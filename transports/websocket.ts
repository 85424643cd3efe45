/**
 * `ws://` and `wss://` (ZWS 2.0, RFC 45). In browsers and edge workers the
 * client is the web-standard `WebSocket`; on Deno, Bun and Node it is our
 * own RFC 6455 client over node:net/node:tls, in `./ws_server.ts` with the
 * servers. That module is loaded on first need, never by a bundler.
 *
 * The ZMTP engine runs unchanged over a {@link ZwsConnection}: the adapter
 * swallows the engine's greeting, hands it the greeting a peer of the
 * negotiated mechanism would have sent, and turns each ZMTP frame into one
 * binary WebSocket message and back (see lib/zws.ts). A standard WebSocket
 * can only offer the bare "ZWS2.0" (no mechanism: NULL security, routing ids
 * but no metadata); our client and servers also speak libzmq's
 * ZWS2.0/NULL, ZWS2.0/PLAIN and ZWS2.0/CURVE.
 *
 * This file must stay runtime-free (scripts/check_runtime_free.ts): no
 * runtime globals, no Node built-ins, and no import a bundler would follow
 * into the server module.
 *
 * @module
 */

import { type Endpoint, formatHostPort } from "../lib/endpoint.ts";
import { ZmqError } from "../lib/errors.ts";
import type { Connection, ConnectionHandler, Listener, Transport } from "../lib/transport.ts";
import { getTransport, registerTransport } from "../lib/driver.ts";
import { encodeCommand, isCommand } from "../lib/zmtp/command.ts";
import { COMMAND, encodeFrame, FrameDecoder } from "../lib/zmtp/frame.ts";
import { GREETING_SIZE, SIGNATURE_SIZE } from "../lib/zmtp/greeting.ts";
import {
  bareReady,
  CLIENT_PROTOCOLS,
  encodeZws,
  parseProtocol,
  peerGreeting,
  readGreeting,
  readReady,
  WEB_CLIENT_PROTOCOLS,
  zmtpHeader,
} from "../lib/zws.ts";

/** TLS settings for `wss://`. Strings are PEM text. Browsers use their own trust store. */
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

/** Settings of a ws/wss transport made by {@link wsTransport}. */
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

/** The standard WebSocket surface the client and the Deno server use. */
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
// write() reports backpressure past this many buffered bytes, and onDrain
// fires once below half of it. Browsers have no drain event: poll.
const HIGH = 1 << 20;
const DRAIN_POLL_MS = 5;
// Bodies at least this large go to the engine as their own chunk, uncopied.
const NO_COPY = 16384;
// A graceful close that gets no answer is cut after this long.
const CLOSE_WAIT_MS = 3000;
// What the engine gets for a WebSocket pong.
const PONG = encodeFrame(COMMAND, encodeCommand("PONG"));

/**
 * A ZWS 2.0 connection as the engine's byte-stream {@link Connection}.
 * Transports create it, feed it with {@link ZwsConnection.message} and
 * {@link ZwsConnection.closed}, and give it a {@link WsPort} once open.
 */
export class ZwsConnection implements Connection {
  readonly remoteAddress: string;
  #h: ConnectionHandler | null = null;
  #port: WsPort | null = null;
  #protocol: string | null;
  // The engine's own greeting, swallowed.
  #greeting = new Uint8Array(GREETING_SIZE);
  #greetingLen = 0;
  #greetingDone = false;
  #out = new FrameDecoder((flags, body) => this.#outFrame(flags, body));
  // Bare "ZWS2.0": our type (from our READY) and whether routing ids went each way.
  #bare = false;
  #ourType: string | undefined;
  #idSent = false;
  #idReceived = false;
  #preOpen: Uint8Array[] = [];
  #preOpenBytes = 0;
  // For the engine, in order: greeting chunks, and WebSocket messages (wrapped,
  // translated when fed). Messages wait in #held until the greeting is in.
  #inbox: (Uint8Array | Inbound)[] = [];
  #inHead = 0;
  #held: Inbound[] = [];
  #pumping = false;
  #paused = false;
  #needDrain = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #ending = false;
  #endTimer: ReturnType<typeof setTimeout> | undefined;
  #pingsOut = 0;
  #closed = false;
  #closeReported = false;
  #closeError: Error | undefined;

  /**
   * @param remoteAddress The peer's address for events and ZAP.
   * @param protocol The negotiated subprotocol; null on a server until chosen.
   */
  constructor(remoteAddress: string, protocol: string | null) {
    this.remoteAddress = remoteAddress;
    this.#protocol = protocol;
  }

  /** The mechanism our engine announced in its greeting, once written. */
  get ownMechanism(): string | undefined {
    return this.#greetingLen >= 32 ? readGreeting(this.#greeting).mechanism : undefined;
  }

  /** True once closed or failed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Sets the subprotocol a server chose. */
  setProtocol(protocol: string): void {
    this.#protocol = protocol;
    this.#peerGreetingRest();
  }

  /** The WebSocket is open: queued messages go out. */
  attach(port: WsPort): void {
    if (this.#closed) {
      port.terminate ? port.terminate() : port.close(1000, "");
      return;
    }
    this.#port = port;
    for (const m of this.#preOpen) port.send(m);
    this.#preOpen = [];
    this.#preOpenBytes = 0;
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
    const m = new Inbound(data);
    if (this.#greetingDone) this.#inbox.push(m);
    else this.#held.push(m);
    this.#pump();
  }

  /** The WebSocket closed. */
  closed(code: number, reason: string): void {
    const clean = this.#ending || code === 1000 || code === 1001 || code === 1005;
    const detail = reason ? `: ${reason}` : "";
    this.#finish(clean ? undefined : new ZmqError("ECONNRESET", `WebSocket closed with code ${code}${detail}`));
  }

  /** A WebSocket pong arrived: it answers a heartbeat we sent as a ping. */
  pong(): void {
    if (this.#closed || this.#pingsOut === 0) return;
    this.#pingsOut--;
    this.#deliver(PONG);
  }

  /** A new write may not block any more (Bun's drain). */
  drained(): void {
    this.#checkDrain();
  }

  /** Fails the connection: closes the WebSocket with `code`, reports `error`. */
  abort(error: Error, code = 1002): void {
    if (this.#closed) return;
    try {
      this.#port?.close(code, error.message);
    } catch { /* already closing */ }
    this.#finish(error);
  }

  // -- Connection ------------------------------------------------------------

  start(handler: ConnectionHandler): void {
    this.#h = handler;
    if (this.#closed) this.#reportClose();
    else this.#pump();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed) return false;
    if (this.#greetingLen < GREETING_SIZE) {
      const take = Math.min(GREETING_SIZE - this.#greetingLen, chunk.length);
      const before = this.#greetingLen;
      this.#greeting.set(chunk.subarray(0, take), before);
      this.#greetingLen += take;
      // The engine sends its greeting rest once it has the peer's signature.
      if (before < SIGNATURE_SIZE && this.#greetingLen >= SIGNATURE_SIZE) {
        this.#deliver(peerGreeting("NULL", false).subarray(0, SIGNATURE_SIZE));
      }
      if (this.#greetingLen === GREETING_SIZE) this.#peerGreetingRest();
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) this.#out.push(chunk);
    if (this.#buffered() < HIGH) return true;
    this.#needDrain = true;
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
    this.#endTimer ??= setTimeout(() => this.destroy(), CLOSE_WAIT_MS);
  }

  destroy(): void {
    if (this.#closed) return;
    const p = this.#port;
    try {
      if (p?.terminate) p.terminate();
      else p?.close(1000, "");
    } catch { /* already closed */ }
    this.#finish(undefined);
  }

  // -- internals ---------------------------------------------------------------

  #peerGreetingRest(): void {
    if (this.#greetingDone || this.#greetingLen < GREETING_SIZE || this.#protocol === null) return;
    const p = parseProtocol(this.#protocol);
    if (p === undefined) {
      this.abort(new ZmqError("EPROTO", `not a ZWS 2.0 subprotocol: "${this.#protocol}"`));
      return;
    }
    this.#bare = p.bare;
    // A mechanism other than ours makes the engine fail the handshake, as over TCP.
    const own = readGreeting(this.#greeting);
    const peerAsServer = p.mechanism !== "NULL" && !own.asServer;
    this.#greetingDone = true;
    this.#deliver(peerGreeting(p.mechanism, peerAsServer).subarray(SIGNATURE_SIZE));
    for (const c of this.#held) this.#inbox.push(c);
    this.#held = [];
    this.#pump();
  }

  #deliver(chunk: Uint8Array): void {
    this.#inbox.push(chunk);
    this.#pump();
  }

  // Feeds queued chunks to the engine; never re-enters it.
  #pump(): void {
    if (this.#pumping || this.#h === null) return;
    this.#pumping = true;
    try {
      while (!this.#paused && !this.#closed && this.#inHead < this.#inbox.length) {
        const c = this.#inbox[this.#inHead++];
        if (c instanceof Uint8Array) this.#h.onData(c);
        else this.#feed(c.data);
      }
    } catch (e) {
      this.abort(e as Error, 1002);
    } finally {
      this.#pumping = false;
      if (this.#inHead === this.#inbox.length) {
        this.#inbox = [];
        this.#inHead = 0;
      } else if (this.#inHead > 1024) {
        this.#inbox = this.#inbox.slice(this.#inHead);
        this.#inHead = 0;
      }
    }
  }

  // One WebSocket message to the engine as ZMTP bytes; throws on a bad one.
  #feed(m: Uint8Array): void {
    const h = this.#h!;
    if (this.#bare && !this.#idReceived) {
      if (m.length === 0 || m[0] !== 0) throw new ZmqError("EPROTO", "ZWS2.0: the first frame must be a routing id");
      if (this.#ourType === undefined) throw new ZmqError("EPROTO", "ZWS2.0: routing id before our READY");
      this.#idReceived = true;
      h.onData(encodeFrame(COMMAND, bareReady(this.#ourType, m.subarray(1))));
      return;
    }
    const header = zmtpHeader(m);
    const body = m.subarray(1);
    if (body.length >= NO_COPY) {
      h.onData(header);
      h.onData(body);
      return;
    }
    const c = new Uint8Array(header.length + body.length);
    c.set(header);
    c.set(body, header.length);
    h.onData(c);
  }

  // One frame from the engine. On bare "ZWS2.0" our READY becomes the
  // routing-id frame, and other handshake commands (ERROR) stay here. A
  // heartbeat PING becomes a WebSocket ping where the runtime can send one:
  // libzmq heartbeats over ws that way and ignores ZMTP PING commands.
  #outFrame(flags: number, body: Uint8Array): void {
    const port = this.#port;
    if ((flags & COMMAND) !== 0 && port?.ping !== undefined && isCommand(body, "PING")) {
      this.#pingsOut++;
      port.ping();
      return;
    }
    if (this.#bare && !this.#idSent) {
      const ready = (flags & COMMAND) !== 0 ? readReady(body) : undefined;
      if (ready === undefined) return;
      this.#ourType = ready.socketType;
      this.#idSent = true;
      this.#send(encodeZws(0, ready.identity));
      return;
    }
    this.#send(encodeZws(flags, body));
  }

  #send(message: Uint8Array): void {
    if (this.#port !== null) {
      this.#port.send(message);
    } else {
      this.#preOpen.push(message);
      this.#preOpenBytes += message.length;
    }
  }

  #buffered(): number {
    return this.#port === null ? this.#preOpenBytes : this.#port.bufferedAmount();
  }

  #pollDrain(): void {
    if (this.#drainTimer !== undefined || this.#closed) return;
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined;
      this.#checkDrain();
      if (this.#needDrain) this.#pollDrain();
    }, DRAIN_POLL_MS);
  }

  #checkDrain(): void {
    if (!this.#needDrain || this.#closed || this.#buffered() >= HIGH / 2) return;
    this.#needDrain = false;
    this.#h?.onDrain();
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    clearTimeout(this.#drainTimer);
    clearTimeout(this.#endTimer);
    this.#inbox = [];
    this.#held = [];
    this.#preOpen = [];
    this.#reportClose();
  }

  #reportClose(): void {
    if (this.#closeReported || this.#h === null) return;
    this.#closeReported = true;
    this.#h.onClose(this.#closeError);
  }
}

// A WebSocket message waiting for the engine.
class Inbound {
  constructor(readonly data: Uint8Array) {}
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
    send: (data) => ws.send(data),
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

function openClient(url: string, options: WsTransportOptions): Promise<WebSocketLike> {
  // Where tcp:// is registered (Deno, Bun, Node) our own client, which can
  // offer libzmq's ZWS2.0/<mechanism> subprotocols; elsewhere the standard
  // WebSocket, which can offer only the bare ZWS2.0.
  if (options.webSocket === undefined && getTransport("tcp") !== undefined) {
    return loadRuntime().then((m) => m.openWebSocket(url, CLIENT_PROTOCOLS, options.tls));
  }
  // deno-lint-ignore no-explicit-any
  const W = options.webSocket ?? (globalThis as any).WebSocket;
  if (typeof W !== "function") {
    return Promise.reject(new ZmqError("ENOTSUP", "This runtime has no WebSocket and no tcp:// transport"));
  }
  return Promise.resolve(new W(url, [...WEB_CLIENT_PROTOCOLS]));
}

async function connect(ep: Endpoint, options: WsTransportOptions): Promise<Connection> {
  const url = endpointUrl(ep);
  const ws = await openClient(url, options);
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
 * import { registerTransport, wsTransport } from "./mod.ts";
 * const cert = "-----BEGIN CERTIFICATE-----\n...", key = "-----BEGIN PRIVATE KEY-----\n...";
 * registerTransport("wss", wsTransport({ tls: { cert, key } }));
 * ```
 */
export function wsTransport(options: WsTransportOptions = {}): Transport {
  return {
    connect: (ep) => connect(ep, options),
    async listen(ep: Endpoint, onConnection: (c: Connection) => void, onError?: (e: Error) => void): Promise<Listener> {
      const m = await loadRuntime();
      return m.listenWs(ep, onConnection, options.tls, onError);
    },
  };
}

registerTransport("ws", wsTransport());
registerTransport("wss", wsTransport());
