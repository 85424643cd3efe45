/**
 * What every socket type shares: options, bind/connect with reconnection,
 * the set of pipes, send/receive with timeouts and abort signals, linger on
 * close. A socket type only states its routing policy through the `x*`
 * hooks.
 *
 * @module
 */

import { parseEndpoint } from "./endpoint.ts";
import { Engine, type EngineHost, type EngineLike } from "./engine.ts";
import { HandshakeError, ZmqError } from "./errors.ts";
import { SocketEvents } from "./events.ts";
import { type Msg, type PeerInfo, Pipe, type PipeOwner } from "./pipe.ts";
import { type Connection, getTransport, type Listener, type Transport } from "./transport.ts";
import { isCompatible } from "./compatibility.ts";
import type { HandshakeDone, Mechanism, MechanismContext } from "./zmtp/mechanism.ts";
import {
  createSecurityMechanism,
  defineSecurityAccessors,
  SECURITY_DEFAULTS,
  type SecurityAccessors,
  type SecurityOptions,
} from "./security.ts";
import { type Context, defaultContext } from "./context.ts";
import { linkInproc } from "./inproc.ts";
import { bindUdp, checkUdp, openUdp } from "./udp.ts";

/** One part of a message as the user gives it. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;

/** A message to send: one part or an array of parts. */
export type MessageInput = MessageLike | MessageLike[];

/** Options every socket has (zeromq.js names; libzmq's in the comments). */
export interface SocketOptions extends SecurityOptions {
  /** ZMQ_LINGER: ms to keep flushing pending messages after close; -1 forever, 0 drop. Default -1. */
  linger?: number;
  /** ZMQ_SNDHWM: per-peer outbound queue limit in messages; 0 for none. Default 1000. */
  sendHighWaterMark?: number;
  /** ZMQ_RCVHWM: per-peer inbound queue limit in messages; 0 for none. Default 1000. */
  receiveHighWaterMark?: number;
  /** ZMQ_SNDTIMEO: ms `send()` may wait; -1 forever, 0 fail at once. Default -1. */
  sendTimeout?: number;
  /** ZMQ_RCVTIMEO: ms `receive()` may wait; -1 forever, 0 fail at once. Default -1. */
  receiveTimeout?: number;
  /** ZMQ_RECONNECT_IVL: ms before reconnecting; -1 never. Default 100. */
  reconnectInterval?: number;
  /** ZMQ_RECONNECT_IVL_MAX: backoff ceiling in ms; 0 means no backoff. Default 0. */
  reconnectMaxInterval?: number;
  /** ZMQ_IMMEDIATE: queue only to completed connections. Default false. */
  immediate?: boolean;
  /** ZMQ_MAXMSGSIZE: largest accepted frame in bytes; -1 for no limit. Default -1. */
  maxMessageSize?: number;
  /** ZMQ_HANDSHAKE_IVL: ms a peer has to finish the handshake; 0 none. Default 30000. */
  handshakeInterval?: number;
  /** ZMQ_HEARTBEAT_IVL: ms between PINGs; 0 disables. Default 0. */
  heartbeatInterval?: number;
  /** ZMQ_HEARTBEAT_TIMEOUT: ms without traffic before the connection is dropped. Default: the interval. */
  heartbeatTimeout?: number;
  /** ZMQ_HEARTBEAT_TTL: ms the peer should wait for us, sent in PING. Default 0. */
  heartbeatTimeToLive?: number;
  /** ZMQ_CONNECT_TIMEOUT: ms for one TCP connect attempt; 0 the OS default. Default 0. */
  connectTimeout?: number;
  /** ZMQ_CONFLATE: keep only the last message per queue (PUSH, PULL, PUB, SUB, DEALER). Default false. */
  conflate?: boolean;
  /** ZMQ_INVERT_MATCHING: invert PUB/XPUB/SUB prefix matching. Default false. */
  invertMatching?: boolean;
  /** The context, which scopes inproc names. Default: the global context. */
  context?: Context;
}

type AnyOptions = Record<string, unknown>;

const BASE_DEFAULTS = {
  ...SECURITY_DEFAULTS,
  linger: -1,
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  sendTimeout: -1,
  receiveTimeout: -1,
  reconnectInterval: 100,
  reconnectMaxInterval: 0,
  immediate: false,
  maxMessageSize: -1,
  handshakeInterval: 30000,
  heartbeatInterval: 0,
  heartbeatTimeout: 0,
  heartbeatTimeToLive: 0,
  connectTimeout: 0,
  routingId: null as string | Uint8Array | null,
  conflate: false,
  invertMatching: false,
};

// libzmq applies ZMQ_CONFLATE to these types only.
const CONFLATING = new Set(["PUSH", "PULL", "PUB", "SUB", "DEALER"]);

const encoder = new TextEncoder();

/** Converts one user-supplied part to bytes (no copy for byte arrays). */
export function toFrame(part: MessageLike): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return encoder.encode(part);
  if (part === null || part === undefined) return new Uint8Array(0);
  if (typeof part === "number") return encoder.encode(String(part));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) {
    return new Uint8Array(part);
  }
  throw new TypeError("Message parts must be strings, numbers, null, ArrayBuffers or typed arrays");
}

function toMsg(input: MessageInput): Msg {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new TypeError("A message needs at least one part");
    const out: Msg = new Array(input.length);
    for (let i = 0; i < input.length; i++) out[i] = toFrame(input[i]);
    return out;
  }
  return [toFrame(input)];
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  msg?: Msg;
}

/** Per-call options for `send()` and `receive()`. */
export interface CallOptions {
  /** Aborts the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

// State of one connect() endpoint.
interface Connecter {
  address: string;
  transport: Transport | null;
  unwatch?: () => void;
  endpoint: ReturnType<typeof parseEndpoint>;
  pipe: Pipe | null;
  engine: EngineLike | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  interval: number;
  stopped: boolean;
  routingId: Uint8Array | undefined;
}

// The security options (plainServer, curveSecretKey, ...) are accessors
// defined by lib/security.ts; this merge gives them their types.
export interface SocketBase extends SecurityAccessors {}
/**
 * Base class of all socket types. Not used directly: create a {@link Push},
 * {@link Pull}, {@link Request}, ...
 */
export abstract class SocketBase implements PipeOwner, EngineHost {
  /** The socket type name sent in the handshake ("PUSH", "ROUTER", ...). */
  readonly type: string;
  /** Events (connect, accept, handshake, disconnect, errors) of this socket. */
  readonly events: SocketEvents = new SocketEvents();
  /** The context this socket belongs to. */
  readonly context: Context;
  /** @internal Option values. */
  protected readonly opts: AnyOptions;
  /** @internal Pipes attached to the routing policy. */
  protected readonly pipes: Set<Pipe> = new Set<Pipe>();
  #listeners = new Map<string, Listener>();
  #connecters = new Map<string, Connecter>();
  #engines = new Set<EngineLike>();
  #inprocNames = new Set<string>();
  #closed = false;
  #lastEndpoint: string | null = null;
  #sendWaiter: Waiter<void> | null = null;
  #recvWaiter: Waiter<Msg> | null = null;

  /** @internal */
  constructor(type: string, options: object | undefined, defaults: AnyOptions = {}) {
    this.type = type;
    this.opts = { ...BASE_DEFAULTS, ...defaults };
    this.context = ((options as AnyOptions | undefined)?.context as Context | undefined) ?? defaultContext;
    if (options) {
      for (const [k, v] of Object.entries(options)) {
        if (k === "context") continue;
        if (!(k in this.opts)) throw new TypeError(`Unknown option "${k}" for ${type} socket`);
        (this as unknown as AnyOptions)[k] = v;
      }
    }
  }

  // -- options -----------------------------------------------------------------

  /** @internal Reads an option. */
  protected get_(name: string): unknown {
    return this.opts[name];
  }

  /** @internal Sets a number option after checking it. */
  protected setInt(name: string, v: number, min = -1): void {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new TypeError(`Option "${name}" must be an integer >= ${min}`);
    }
    this.opts[name] = v;
  }

  /** ZMQ_LINGER in ms (-1 forever, 0 drop). */
  get linger(): number {
    return this.opts.linger as number;
  }
  set linger(v: number) {
    this.setInt("linger", v);
  }
  /** ZMQ_SNDHWM: outbound queue limit per peer, in messages (0: none). */
  get sendHighWaterMark(): number {
    return this.opts.sendHighWaterMark as number;
  }
  set sendHighWaterMark(v: number) {
    this.setInt("sendHighWaterMark", v, 0);
  }
  /** ZMQ_RCVHWM: inbound queue limit per peer, in messages (0: none). */
  get receiveHighWaterMark(): number {
    return this.opts.receiveHighWaterMark as number;
  }
  set receiveHighWaterMark(v: number) {
    this.setInt("receiveHighWaterMark", v, 0);
  }
  /** ZMQ_SNDTIMEO in ms (-1 forever, 0 fail at once with EAGAIN). */
  get sendTimeout(): number {
    return this.opts.sendTimeout as number;
  }
  set sendTimeout(v: number) {
    this.setInt("sendTimeout", v);
  }
  /** ZMQ_RCVTIMEO in ms (-1 forever, 0 fail at once with EAGAIN). */
  get receiveTimeout(): number {
    return this.opts.receiveTimeout as number;
  }
  set receiveTimeout(v: number) {
    this.setInt("receiveTimeout", v);
  }
  /** ZMQ_RECONNECT_IVL in ms (-1: never reconnect). */
  get reconnectInterval(): number {
    return this.opts.reconnectInterval as number;
  }
  set reconnectInterval(v: number) {
    this.setInt("reconnectInterval", v);
  }
  /** ZMQ_RECONNECT_IVL_MAX in ms (0: no exponential backoff). */
  get reconnectMaxInterval(): number {
    return this.opts.reconnectMaxInterval as number;
  }
  set reconnectMaxInterval(v: number) {
    this.setInt("reconnectMaxInterval", v, 0);
  }
  /** ZMQ_IMMEDIATE: queue messages only to completed connections. */
  get immediate(): boolean {
    return this.opts.immediate as boolean;
  }
  set immediate(v: boolean) {
    this.opts.immediate = !!v;
  }
  /** ZMQ_MAXMSGSIZE in bytes (-1: no limit). A larger frame closes its connection. */
  get maxMessageSize(): number {
    return this.opts.maxMessageSize as number;
  }
  set maxMessageSize(v: number) {
    this.setInt("maxMessageSize", v);
  }
  /** ZMQ_HANDSHAKE_IVL in ms (0: no deadline). */
  get handshakeInterval(): number {
    return this.opts.handshakeInterval as number;
  }
  set handshakeInterval(v: number) {
    this.setInt("handshakeInterval", v, 0);
  }
  /** ZMQ_HEARTBEAT_IVL in ms (0: no heartbeats). */
  get heartbeatInterval(): number {
    return this.opts.heartbeatInterval as number;
  }
  set heartbeatInterval(v: number) {
    this.setInt("heartbeatInterval", v, 0);
  }
  /** ZMQ_HEARTBEAT_TIMEOUT in ms (0: the heartbeat interval). */
  get heartbeatTimeout(): number {
    return this.opts.heartbeatTimeout as number;
  }
  set heartbeatTimeout(v: number) {
    this.setInt("heartbeatTimeout", v, 0);
  }
  /** ZMQ_HEARTBEAT_TTL in ms, announced to the peer in PINGs. */
  get heartbeatTimeToLive(): number {
    return this.opts.heartbeatTimeToLive as number;
  }
  set heartbeatTimeToLive(v: number) {
    this.setInt("heartbeatTimeToLive", v, 0);
  }
  /** ZMQ_CONNECT_TIMEOUT in ms (0: the system's). */
  get connectTimeout(): number {
    return this.opts.connectTimeout as number;
  }
  set connectTimeout(v: number) {
    this.setInt("connectTimeout", v, 0);
  }
  /**
   * ZMQ_CONFLATE: keep only the last message in each queue, ignoring the
   * high-water marks; single-part messages only. Applies to PUSH, PULL, PUB,
   * SUB and DEALER (set it before bind/connect), as in libzmq.
   */
  get conflate(): boolean {
    return this.opts.conflate as boolean;
  }
  set conflate(v: boolean) {
    this.opts.conflate = !!v;
  }
  /**
   * ZMQ_INVERT_MATCHING: PUB/XPUB send to the subscribers whose prefixes do
   * NOT match, SUB receives the messages that match none of its prefixes.
   * Both ends must set it, as in libzmq.
   */
  get invertMatching(): boolean {
    return this.opts.invertMatching as boolean;
  }
  set invertMatching(v: boolean) {
    this.opts.invertMatching = !!v;
  }
  /** ZMQ_LAST_ENDPOINT: the endpoint last bound, with its port resolved. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }
  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal The Identity property sent in READY, for types that send one. */
  protected identityBytes(): Uint8Array | undefined {
    const id = this.opts.routingId as string | Uint8Array | null;
    if (id === null || id === undefined) return undefined;
    return typeof id === "string" ? encoder.encode(id) : id;
  }

  /** @internal Makes the security mechanism for one connection. */
  protected createMechanism(ctx: MechanismContext, _asServerSide: boolean): Mechanism {
    return createSecurityMechanism(this.opts, this.context, ctx);
  }

  // -- bind / connect --------------------------------------------------------

  /**
   * Binds to an endpoint and accepts connections on it.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`, `tcp://*:*`.
   * @returns Resolves once bound; `lastEndpoint` then holds the resolved address.
   * @throws {TypeError} For a malformed endpoint or unknown transport.
   */
  async bind(address: string): Promise<void> {
    this.#checkOpen();
    const ep = parseEndpoint(address, true);
    if (ep.scheme === "inproc") {
      this.context.inproc.bind(ep.path, this);
      this.#inprocNames.add(ep.path);
      this.#lastEndpoint = address;
      this.events.emit({ type: "bind", address });
      return;
    }
    // udp:// has no connections to accept: a DISH binds a datagram socket.
    const transport = ep.scheme === "udp" ? null : this.#transportFor(ep.scheme, address);
    if (this.#listeners.has(address) && ep.port !== 0) {
      throw new ZmqError("EADDRINUSE", `Address already in use: ${address}`, { address });
    }
    let listener: Listener;
    try {
      listener = transport === null ? await bindUdp(this, ep) : await transport.listen(
        ep,
        (conn) => this.#accept(conn, listener?.endpoint ?? address),
        (error) => this.events.emit({ type: "accept:error", address: listener?.endpoint ?? address, error }),
      );
    } catch (e) {
      this.events.emit({ type: "bind:error", address, error: e as Error });
      throw e;
    }
    if (this.#closed) {
      await listener.close();
      throw new ZmqError("ETERM", "Socket is closed");
    }
    this.#listeners.set(listener.endpoint, listener);
    if (listener.endpoint !== address) this.#listeners.set(address, listener);
    this.#lastEndpoint = listener.endpoint;
    this.events.emit({ type: "bind", address: listener.endpoint });
  }

  /**
   * Stops accepting on an endpoint given to `bind()` (or its `lastEndpoint`).
   * Connections accepted on it are closed too, as in libzmq (inproc ones stay).
   *
   * @param address The endpoint.
   */
  async unbind(address: string): Promise<void> {
    if (address.startsWith("inproc://")) {
      const name = address.slice(9);
      if (!this.#inprocNames.delete(name) || !this.context.inproc.unbind(name, this)) {
        throw new ZmqError("ENOENT", `Not bound to ${address}`, { address });
      }
      return;
    }
    const l = this.#listeners.get(address);
    if (!l) throw new ZmqError("ENOENT", `Not bound to ${address}`, { address });
    for (const [k, v] of this.#listeners) if (v === l) this.#listeners.delete(k);
    const closing = l.close();
    // libzmq's listener owns what it accepted (term_endpoint): those connections go with it.
    // Before awaiting: a listener's close may wait for its open connections.
    for (const e of [...this.#engines]) if (e.connecter === null && e.endpoint === l.endpoint) e.destroy();
    await closing;
  }

  /**
   * Connects to an endpoint. Returns at once; the connection is made in the
   * background and re-made after failures every `reconnectInterval` ms.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`.
   * @param options `routingId` names this peer on a ROUTER socket (ZMQ_CONNECT_ROUTING_ID).
   * @throws {TypeError} For a malformed endpoint or unknown transport.
   */
  connect(address: string, options?: { routingId?: string | Uint8Array }): void {
    this.#checkOpen();
    const ep = parseEndpoint(address, false);
    if (ep.scheme === "udp") checkUdp(this.type, ep, false);
    const transport = ep.scheme === "inproc" || ep.scheme === "udp" ? null : this.#transportFor(ep.scheme, address);
    if (this.#connecters.has(address)) return;
    const rid = options?.routingId;
    const c: Connecter = {
      address,
      transport,
      endpoint: ep,
      pipe: null,
      engine: null,
      timer: undefined,
      interval: this.reconnectInterval,
      stopped: false,
      routingId: rid === undefined ? undefined : typeof rid === "string" ? encoder.encode(rid) : rid,
    };
    this.#connecters.set(address, c);
    if (!this.immediate && this.earlyAttach()) {
      c.pipe = this.#newPipe(address);
      this.xattach(c.pipe);
      this.pipes.add(c.pipe);
    }
    this.#dial(c);
  }

  /**
   * Stops connecting to an endpoint and drops its connection.
   *
   * @param address An endpoint given to `connect()`.
   */
  disconnect(address: string): void {
    const c = this.#connecters.get(address);
    if (!c) throw new ZmqError("ENOENT", `Not connected to ${address}`, { address });
    this.#connecters.delete(address);
    c.stopped = true;
    clearTimeout(c.timer);
    c.unwatch?.();
    if (c.pipe) this.#terminatePipe(c.pipe);
    c.engine?.destroy();
  }

  #transportFor(scheme: string, address: string): Transport {
    const t = getTransport(scheme) ?? this.context.transport(scheme);
    if (!t) throw new TypeError(`Transport "${scheme}" is not available in this runtime (endpoint "${address}")`);
    return t;
  }

  #dial(c: Connecter): void {
    if (c.stopped || this.#closed && !this.#lingering(c)) return;
    if (c.transport === null) {
      if (c.endpoint.scheme === "udp") this.#dialUdp(c);
      else this.#dialInproc(c);
      return;
    }
    let timedOut = false;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const attempt = c.transport.connect(c.endpoint);
    if (this.connectTimeout > 0) {
      timeout = setTimeout(() => {
        timedOut = true;
        this.#retry(c, new ZmqError("ETIMEDOUT", "connect timed out"));
      }, this.connectTimeout);
    }
    attempt.then((conn) => {
      clearTimeout(timeout);
      if (timedOut || c.stopped || (this.#closed && !this.#lingering(c))) {
        conn.destroy();
        return;
      }
      c.interval = this.reconnectInterval;
      this.events.emit({ type: "connect", address: c.address });
      c.engine = this.#startEngine(conn, c.address, false, c);
    }, (err) => {
      clearTimeout(timeout);
      if (!timedOut) this.#retry(c, err);
    });
  }

  // inproc: link now if the name is bound, else when it gets bound.
  #dialInproc(c: Connecter): void {
    c.unwatch?.();
    c.unwatch = undefined;
    const binder = this.context.inproc.lookup(c.endpoint.path);
    if (binder && binder !== this) {
      c.engine = linkInproc(binder as unknown as SocketBase, this, c.address, c);
      if (c.engine) this.#engines.add(c.engine);
      return;
    }
    c.unwatch = this.context.inproc.watch(c.endpoint.path, () => this.#dialInproc(c));
  }

  // udp: nothing to connect to, a datagram socket to open (lib/udp.ts).
  #dialUdp(c: Connecter): void {
    openUdp(this, c.endpoint, false).then((engine) => {
      if (c.stopped || (this.#closed && !this.#lingering(c))) return engine.destroy();
      engine.connecter = c;
      c.engine = engine;
      this.events.emit({ type: "connect", address: c.address });
      engine.start();
    }, (err) => this.#retry(c, err));
  }

  /** @internal The Identity an inproc peer sees. */
  inprocIdentity(): Uint8Array {
    return (this.sendsIdentity() ? this.identityBytes() : undefined) ?? new Uint8Array(0);
  }

  #retry(c: Connecter, _err: unknown): void {
    if (c.stopped || (this.#closed && !this.#lingering(c))) return;
    if (c.transport === null && c.endpoint.scheme === "inproc") {
      if (!this.#closed) c.unwatch = this.context.inproc.watch(c.endpoint.path, () => this.#dialInproc(c));
      return;
    }
    const ivl = this.reconnectInterval;
    if (ivl < 0) return;
    let delay = c.interval;
    if (this.reconnectMaxInterval > 0) {
      c.interval = Math.min(c.interval * 2, this.reconnectMaxInterval);
      delay = Math.min(delay, this.reconnectMaxInterval);
    }
    this.events.emit({ type: "connect:retry", address: c.address, interval: delay });
    c.timer = setTimeout(() => this.#dial(c), delay);
  }

  #accept(conn: Connection, address: string): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    this.events.emit({ type: "accept", address, remoteAddress: conn.remoteAddress });
    this.#startEngine(conn, address, true, null);
  }

  #startEngine(conn: Connection, address: string, accepted: boolean, c: Connecter | null): Engine {
    const mech = this.createMechanism({
      socketType: this.type,
      identity: this.sendsIdentity() ? (this.identityBytes() ?? new Uint8Array(0)) : undefined,
      peerAddress: conn.remoteAddress,
    }, accepted);
    const engine = new Engine(conn, address, mech, this, {
      maxMessageSize: this.maxMessageSize,
      handshakeInterval: this.handshakeInterval,
      heartbeatInterval: this.heartbeatInterval,
      heartbeatTimeout: this.heartbeatTimeout,
      heartbeatTimeToLive: this.heartbeatTimeToLive,
    });
    engine.connecter = c;
    this.#engines.add(engine);
    engine.start();
    return engine;
  }

  /** @internal EngineHost: the handshake completed. */
  engineReady(engine: EngineLike, peer: PeerInfo, _done: HandshakeDone): Pipe | string {
    this.#engines.add(engine);
    if (!isCompatible(this.type, peer.socketType)) {
      // Sent in ERROR; the engine's close reports it (once) as handshake:error:protocol.
      return `Invalid socket type: ${peer.socketType} cannot talk to ${this.type}`;
    }
    const c = (engine.connecter as Connecter | null | undefined) ?? null;
    let pipe = c?.pipe ?? null;
    if (pipe !== null) {
      pipe.peer = peer;
      this.xconnected(pipe);
    } else {
      pipe = this.#newPipe(engine.endpoint);
      pipe.peer = peer;
      if (c?.routingId) pipe.routingId = c.routingId;
      const refused = this.xattach(pipe);
      if (typeof refused === "string") return refused;
      this.pipes.add(pipe);
      if (c) c.pipe = pipe;
      this.xconnected(pipe);
    }
    // ZMQ_PROBE_ROUTER: an empty message to each new peer (REQ, DEALER, ROUTER).
    if (this.opts.probeRouter === true && this.sendsIdentity()) pipe.write([new Uint8Array(0)]);
    this.events.emit({
      type: "handshake",
      address: engine.endpoint,
      remoteAddress: peer.remoteAddress,
      userId: _done.userId,
      properties: peer.properties,
    });
    queueMicrotask(() => this.pipeWritable(pipe!));
    // Connected while lingering after close(): flush what is queued, then go.
    if (this.#closed) queueMicrotask(() => engine.close());
    return pipe;
  }

  /** @internal EngineHost: a connection ended. */
  engineClosed(engine: EngineLike, error: Error | undefined, wasReady: boolean): void {
    this.#engines.delete(engine);
    const c = (engine.connecter as Connecter | null | undefined) ?? null;
    if (c && c.engine === engine) c.engine = null;
    // A HandshakeError after the handshake is a security failure on a frame
    // (CURVE MESSAGE), which libzmq reports as a failed handshake too.
    if (error && (!wasReady || error instanceof HandshakeError)) {
      const type = error instanceof HandshakeError || error.name === "HandshakeError"
        ? (/auth|ZAP|credentials|key|ERROR: [345]00$/i.test(error.message)
          ? "handshake:error:auth"
          : "handshake:error:protocol")
        : "handshake:error:other";
      this.events.emit({ type, address: engine.endpoint, error });
    }
    if (wasReady) this.events.emit({ type: "disconnect", address: engine.endpoint, error });
    const pipe = engine.pipe;
    if (pipe !== null) {
      const keep = c !== null && !this.immediate && this.earlyAttach() && c.pipe === pipe && !c.stopped;
      if (!keep) {
        if (c && c.pipe === pipe) c.pipe = null;
        this.#terminatePipe(pipe);
      }
    }
    if (c && this.#connecters.get(c.address) === c) this.#retry(c, error);
    this.#maybeFinishClose();
  }

  #newPipe(endpoint: string): Pipe {
    const pipe = new Pipe(this, endpoint, this.sendHighWaterMark, this.receiveHighWaterMark);
    if (this.opts.conflate === true && CONFLATING.has(this.type)) pipe.conflate = true;
    return pipe;
  }

  #terminatePipe(pipe: Pipe): void {
    if (pipe.terminated) return;
    pipe.terminated = true;
    pipe.outQ.clear();
    this.pipes.delete(pipe);
    this.xdetach(pipe);
  }

  // -- PipeOwner ---------------------------------------------------------------

  /** @internal A pipe got a message. */
  pipeReadable(pipe: Pipe): void {
    this.xreadable(pipe);
    this.wakeReceiver();
  }

  /** @internal Serves a waiting receive(), for hooks that queue messages outside pipeReadable (XPUB's xdetach). */
  protected wakeReceiver(): void {
    const w = this.#recvWaiter;
    if (w === null) return;
    const m = this.xrecv();
    if (m === undefined) return;
    this.#recvWaiter = null;
    this.#settle(w);
    w.resolve(m);
  }

  /** @internal A pipe has room again. */
  pipeWritable(_pipe: Pipe): void {
    const w = this.#sendWaiter;
    if (w === null) return;
    let ok: boolean;
    try {
      ok = this.xsend(w.msg!);
    } catch (e) {
      this.#sendWaiter = null;
      this.#settle(w);
      w.reject(e as Error);
      return;
    }
    if (!ok) return;
    this.#sendWaiter = null;
    this.#settle(w);
    w.resolve();
  }

  // -- send / receive ------------------------------------------------------------

  /** @internal Sends a message (public as `send()` on sending types). */
  protected send_(input: MessageInput, options?: CallOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new ZmqError("ETERM", "Socket is closed"));
    let msg: Msg;
    try {
      msg = toMsg(input);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#sendWaiter !== null) {
      return Promise.reject(
        new ZmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time"),
      );
    }
    try {
      if (this.xsend(msg)) return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.sendTimeout === 0) {
      return Promise.reject(new ZmqError("EAGAIN", "Socket is busy writing; no peer is ready to take the message"));
    }
    return this.#wait<void>("send", this.sendTimeout, options?.signal, msg);
  }

  /** @internal Receives a message (public as `receive()` on receiving types). */
  protected receive_(options?: CallOptions): Promise<Msg> {
    if (this.#closed) return Promise.reject(new ZmqError("ETERM", "Socket is closed"));
    if (this.#recvWaiter !== null) {
      return Promise.reject(
        new ZmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time"),
      );
    }
    let m: Msg | undefined;
    try {
      m = this.xrecv();
    } catch (e) {
      return Promise.reject(e);
    }
    if (m !== undefined) return Promise.resolve(m);
    if (this.receiveTimeout === 0) {
      return Promise.reject(new ZmqError("EAGAIN", "Socket is busy reading; no message is available"));
    }
    return this.#wait<Msg>("receive", this.receiveTimeout, options?.signal);
  }

  /** @internal Async iteration over received messages until close. */
  protected iterate_(): AsyncIterableIterator<Msg> {
    // Hand-written rather than an async generator: one promise per message.
    const done = (): IteratorResult<Msg, undefined> => ({ value: undefined, done: true });
    const it: AsyncIterableIterator<Msg> = {
      [Symbol.asyncIterator]: () => it,
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.#closed) return Promise.resolve(done());
        if (this.#recvWaiter === null) {
          const m = this.xrecv();
          if (m !== undefined) return Promise.resolve({ value: m, done: false });
        }
        return this.receive_().then((value) => ({ value, done: false }), (e) => {
          if (this.#closed && (e as ZmqError).code === "ETERM") return done();
          throw e;
        });
      },
      return: (): Promise<IteratorResult<Msg, undefined>> => Promise.resolve(done()),
    };
    return it;
  }

  #wait<T>(kind: "send" | "receive", timeout: number, signal: AbortSignal | undefined, msg?: Msg): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = { resolve, reject, timer: undefined, signal, onAbort: undefined, msg };
      const clear = () => {
        if (kind === "send" ? this.#sendWaiter === w as unknown : this.#recvWaiter === w as unknown) {
          if (kind === "send") this.#sendWaiter = null;
          else this.#recvWaiter = null;
          return true;
        }
        return false;
      };
      if (timeout > 0) {
        w.timer = setTimeout(() => {
          if (!clear()) return;
          this.#settle(w);
          reject(
            new ZmqError(
              "EAGAIN",
              kind === "send" ? "Socket is busy writing; send timed out" : "Socket is busy reading; receive timed out",
            ),
          );
        }, timeout);
      }
      if (signal) {
        w.onAbort = () => {
          if (!clear()) return;
          this.#settle(w);
          reject(signal.reason);
        };
        signal.addEventListener("abort", w.onAbort, { once: true });
      }
      if (kind === "send") this.#sendWaiter = w as unknown as Waiter<void>;
      else this.#recvWaiter = w as unknown as Waiter<Msg>;
    });
  }

  #settle(w: Waiter<unknown>): void {
    clearTimeout(w.timer);
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
  }

  // -- close -----------------------------------------------------------------------

  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #lingerDone = false;

  #lingering(c: Connecter): boolean {
    return !this.#lingerDone && this.linger !== 0 && c.pipe !== null && c.pipe.outQ.length > 0;
  }

  /**
   * Closes the socket. Pending `send()`/`receive()` calls reject with ETERM.
   * Messages already queued keep being delivered for up to `linger` ms
   * (forever with -1, not at all with 0).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [this.#sendWaiter, this.#recvWaiter]) {
      if (w) {
        this.#settle(w);
        w.reject(new ZmqError("ETERM", "Socket is closed"));
      }
    }
    this.#sendWaiter = this.#recvWaiter = null;
    for (const name of this.#inprocNames) this.context.inproc.unbind(name, this);
    this.#inprocNames.clear();
    for (const c of this.#connecters.values()) if (!this.#lingering(c)) c.unwatch?.();
    const ls = new Set(this.#listeners.values());
    this.#listeners.clear();
    for (const l of ls) l.close().catch(() => {});
    for (const c of this.#connecters.values()) {
      if (!this.#lingering(c)) {
        c.stopped = true;
        clearTimeout(c.timer);
      }
    }
    // Before "end", which finishing below may emit at once.
    this.events.emit({ type: "close" });
    if (this.linger > 0) {
      this.#lingerTimer = setTimeout(() => this.#endLinger(), this.linger);
    }
    if (this.linger === 0) this.#endLinger();
    else {
      for (const e of this.#engines) e.close();
      this.#maybeFinishClose();
    }
  }

  #endLinger(): void {
    this.#lingerDone = true;
    clearTimeout(this.#lingerTimer);
    for (const c of this.#connecters.values()) {
      c.stopped = true;
      clearTimeout(c.timer);
      c.unwatch?.();
    }
    for (const e of [...this.#engines]) e.destroy();
    this.#connecters.clear();
    this.#finishClose();
  }

  #maybeFinishClose(): void {
    if (!this.#closed || this.#lingerDone) return;
    for (const c of this.#connecters.values()) if (this.#lingering(c)) return;
    if (this.#engines.size > 0) return;
    this.#lingerDone = true;
    clearTimeout(this.#lingerTimer);
    this.#finishClose();
  }

  #finishClose(): void {
    for (const p of [...this.pipes]) this.#terminatePipe(p);
    this.events.end();
  }

  /** Closes the socket (`using` support). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the socket (`await using` support). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ZmqError("ETERM", "Socket is closed");
  }

  // -- routing policy hooks ---------------------------------------------------------

  /** @internal Whether connect() creates the pipe before the connection is up. */
  protected earlyAttach(): boolean {
    return true;
  }
  /** @internal Whether this type sends the Identity property. */
  protected sendsIdentity(): boolean {
    return false;
  }
  /** @internal A new pipe; return a string to refuse the peer with that reason. */
  protected abstract xattach(pipe: Pipe): void | string;
  /** @internal A pipe is gone. */
  protected abstract xdetach(pipe: Pipe): void;
  /** @internal A pipe got a (new) handshaken connection: resend state, probe. */
  protected xconnected(_pipe: Pipe): void {}
  /** @internal Sends; false means "would block". May throw (EFSM, EHOSTUNREACH). */
  protected xsend(_msg: Msg): boolean {
    throw new ZmqError("ENOTSUP", `${this.type} sockets cannot send`);
  }
  /** @internal Receives; undefined means "nothing yet". */
  protected xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", `${this.type} sockets cannot receive`);
  }
  /** @internal A pipe got a message (before any waiting receive is served). */
  protected xreadable(_pipe: Pipe): void {}
}

defineSecurityAccessors(SocketBase.prototype);
