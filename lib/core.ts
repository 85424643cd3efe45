// The private core of every socket: options, bind/connect with
// reconnection, the set of pipes, send/receive with timeouts and abort
// signals, linger on close. It is the host of engines and pipes; a socket
// type hands it a Policy and users only ever see the public SocketBase.

import { type Endpoint, parseEndpoint } from "./endpoint.ts";
import { Engine, type EngineLike, type EngineOptions } from "./engine.ts";
import { HandshakeError, systemError, ZmqError, zmqError } from "./errors.ts";
import { type AuthError, type Event, EventHub } from "./events.ts";
import { type Msg, type PeerInfo, Pipe, type PipeOwner } from "./pipe.ts";
import type { Connection } from "./transport.ts";
import { type Binding, type Driver, driverFor, type DriverHost, type Link } from "./driver.ts";
import { isCompatible } from "./compatibility.ts";
import type { HandshakeDone, Mechanism, MechanismContext } from "./zmtp/mechanism.ts";
import { createSecurityMechanism } from "./security.ts";
import { Context, defaultContext } from "./context.ts";
// The drivers of inproc://, udp:// and epgm://, registered on import.
import "./inproc.ts";
import "./udp.ts";
import "./epgm.ts";
import { macrotask } from "./defer.ts";
import { hold, release, unrefTimer } from "./keepalive.ts";
import { defaultOptions, type OptionValues, setOption, type SocketTypeName } from "./options.ts";
import { type CallOptions, type MessageInput, toMsg } from "./message.ts";
import { asFrames } from "./frames.ts";
import { tracing } from "./trace.ts";

// Sockets traced so far, for their names in trace lines (PUSH#3).
let traced = 0;

// One event as a trace line: its type, address and what it carries.
function describeEvent(e: Event): string {
  const r = e as unknown as Record<string, unknown>;
  let line = e.type;
  if (typeof r.address === "string") line += ` ${r.address}`;
  if (typeof r.remoteAddress === "string") line += ` from ${r.remoteAddress}`;
  if (typeof r.interval === "number") line += ` in ${r.interval} ms`;
  if (typeof r.userId === "string" && r.userId !== "") line += ` user ${r.userId}`;
  const err = r.error as { code?: string; message?: string } | undefined;
  if (err !== undefined) line += `: ${err.code ?? "error"} ${err.message ?? ""}`.trimEnd();
  return line;
}
import { METADATA, type Metadata } from "./metadata.ts";

const encoder = new TextEncoder();

// After this many send()/receive() calls in a row that completed at once,
// the next one resolves on a later macrotask: a loop of `await send()` then
// lets I/O and timers run (zeromq.js does the same after 512).
const MAX_SYNC_OPS = 512;
// What a send that completed at once returns: one settled promise for all,
// rather than a new one per message.
const SENT: Promise<void> = Promise.resolve();

/**
 * What a socket type states: its routing policy over the pipes the core
 * manages. The core calls these; users never see them.
 */
export interface Policy {
  /** connect() makes the pipe before the connection is up (all but ROUTER). Default true. */
  readonly earlyAttach?: boolean;
  /** The type announces an Identity in its handshake (REQ, DEALER, ROUTER). */
  readonly sendsIdentity?: boolean;
  /** A new pipe; a string refuses the peer with that reason. */
  attach(pipe: Pipe): void | string;
  /** A pipe is gone (its unread messages may still be read). */
  detach(pipe: Pipe): void;
  /** A pipe got a (new) handshaken connection: resend state, welcome. */
  connected?(pipe: Pipe): void;
  /** A pipe's handshaken connection is gone (the pipe may stay for a reconnect). */
  disconnected?(pipe: Pipe): void;
  /**
   * The type's own framing of its connections (STREAM: raw bytes). Such
   * connections have no ZMTP handshake: no socket type check, no
   * heartbeats, no handshake event.
   */
  readonly framer?: EngineOptions["framer"];
  /** Sends; false means "would block". May throw (EFSM, EHOSTUNREACH). */
  send?(msg: Msg): boolean;
  /** Receives; undefined means "nothing yet". May throw (EFSM). */
  recv?(): Msg | undefined;
  /** A pipe got a message, before a waiting receive() is served. */
  readable?(pipe: Pipe): void;
  /** udp:// (DISH): false drops a datagram of this group before it takes queue room. */
  acceptsGroup?(group: Uint8Array): boolean;
  /** A receive() would complete at once (libzmq's ZMQ_POLLIN); false when absent. */
  hasIn?(): boolean;
  /** A send() would complete at once (libzmq's ZMQ_POLLOUT); false when absent. */
  hasOut?(): boolean;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  msg?: Msg;
  /** receive({ metadata: true }): tag the message with its metadata. */
  meta?: boolean;
}

// State of one connect() endpoint.
interface Connecter {
  address: string;
  driver: Driver;
  endpoint: ReturnType<typeof parseEndpoint>;
  /** The attempt under way, to end it on disconnect or close. */
  attempt: AbortController | null;
  pipe: Pipe | null;
  engine: EngineLike | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  interval: number;
  stopped: boolean;
  /** Given up after a protocol error (see #retry); connect() again revives it. */
  refused: boolean;
  routingId: Uint8Array | undefined;
}

// libzmq 4.3 (session_base_t::engine_error): a lost connection or a timeout
// is retried, a protocol error is not. Bad data from the peer, an ERROR
// command, a refused handshake (ZAP, mechanism, socket type) all end the
// connect()ed endpoint, so a refused client does not hammer the server.
function isProtocolFailure(e: unknown): boolean {
  return e instanceof ZmqError && (e.code === "EPROTO" || e.code === "EMSGSIZE");
}

// ZMQ_RECONNECT_STOP's flags.
const STOP_CONN_REFUSED = 1;
const STOP_HANDSHAKE_FAILED = 2;
const STOP_AFTER_DISCONNECT = 4;
// ZMQ_ROUTER_NOTIFY's flags.
const NOTIFY_CONNECT = 1;
const NOTIFY_DISCONNECT = 2;

const frameOf = (m: string | Uint8Array): Uint8Array => typeof m === "string" ? encoder.encode(m) : m.slice();

// Queues a message ahead of what waits in the pipe (ZMQ_HELLO_MSG goes first, as libzmq's hello_msg_session).
function writeFirst(pipe: Pipe, msg: Msg): void {
  const queued = [];
  for (let m = pipe.outQ.shift(); m !== undefined; m = pipe.outQ.shift()) queued.push(m);
  pipe.outQ.push(msg);
  for (const m of queued) pipe.outQ.push(m);
  pipe.engine?.kick();
}

/** The private core of a socket. */
export class SocketCore implements PipeOwner, DriverHost {
  /** The socket type name sent in the handshake ("PUSH", "ROUTER", ...). */
  readonly type: SocketTypeName;
  /** The routing policy of the socket type. */
  readonly policy: Policy;
  /** Where this socket's events go: to every Observer of it. */
  readonly events: EventHub = new EventHub();
  /** The context this socket belongs to. */
  readonly context: Context;
  /** Option values. */
  readonly opts: OptionValues;
  /** Pipes attached to the routing policy. */
  readonly pipes: Set<Pipe> = new Set<Pipe>();
  #bindings = new Map<string, Binding>();
  #connecters = new Map<string, Connecter>();
  #engines = new Set<EngineLike>();
  #closed = false;
  #lastEndpoint: string | null = null;
  #sendWaiter: Waiter<void> | null = null;
  #recvWaiter: Waiter<Msg> | null = null;
  #syncOps = 0;
  /** PipeOwner: the metadata of the connection the last item read came over. */
  lastMetadata: Metadata | undefined = undefined;
  // ZMQ_RECONNECT_STOP_AFTER_DISCONNECT: disconnect() was called.
  #disconnected = false;

  constructor(type: SocketTypeName, options: object | undefined, policy: (core: SocketCore) => Policy) {
    this.type = type;
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError("Options must be an object");
    }
    const given = options as Record<string, unknown> | undefined;
    const context = given?.context ?? defaultContext;
    if (!(context instanceof Context)) throw new TypeError(`Option "context" must be a Context`);
    this.context = context;
    // libzmq: a socket's linger starts at 0 in a context that is not blocky, its ipv6 at the context's.
    this.opts = defaultOptions(type, { linger: context.blocky ? -1 : 0, ipv6: context.ipv6 });
    if (given !== undefined) {
      for (const [k, v] of Object.entries(given)) {
        if (k !== "context" && v !== undefined) setOption(this.opts, type, k, v);
      }
    }
    this.policy = policy(this);
    context.socketOpened();
    const t = tracing();
    if (t !== null) {
      const name = `${type}#${++traced}`;
      this.trace = (line) => t(`${name} ${line}`);
      this.trace(`opened`);
      this.events.attach({ deliver: (e) => this.trace?.(describeEvent(e)), finish: () => this.trace?.("closed") });
    }
  }

  /** Writes a debug trace line for this socket (lib/trace.ts); null when tracing was off at construction. */
  trace: ((line: string) => void) | null = null;

  /** ZMQ_LAST_ENDPOINT: the endpoint last bound, with its port resolved. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }
  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The endpoints bound or connected (none once closed), as zeromq.js's Proxy counts them. */
  get endpointCount(): number {
    return this.#closed ? 0 : new Set(this.#bindings.values()).size + this.#connecters.size;
  }

  /** A receive() would complete at once. */
  get readable(): boolean {
    return !this.#closed && this.#recvWaiter === null && (this.policy.hasIn?.() ?? false);
  }

  /** A send() would complete at once. */
  get writable(): boolean {
    return !this.#closed && this.#sendWaiter === null && (this.policy.hasOut?.() ?? false);
  }

  /** The Identity property sent in READY, for types that send one. */
  identityBytes(): Uint8Array | undefined {
    const id = this.opts.routingId;
    if (id === null || id === undefined) return undefined;
    return typeof id === "string" ? encoder.encode(id) : id;
  }

  /** Makes the security mechanism for one connection. */
  createMechanism(ctx: MechanismContext): Mechanism {
    return createSecurityMechanism(this.opts, this.context, ctx);
  }

  // -- bind / connect --------------------------------------------------------

  // An endpoint as libzmq checks it, with its errors: EINVAL when it is
  // malformed (no "://", an empty part, a bad address for its transport),
  // EPROTONOSUPPORT for a transport unknown or not available in this
  // runtime, ENOCOMPATPROTO for one this socket type cannot use.
  #resolve(address: unknown, binding: boolean, check = true): { ep: Endpoint; driver: Driver } {
    if (typeof address !== "string") throw new TypeError("Address must be a string");
    const at = address.indexOf("://");
    if (at <= 0 || at + 3 >= address.length) throw new ZmqError("EINVAL", undefined, { address });
    let driver: Driver;
    try {
      driver = driverFor(address.slice(0, at), address);
    } catch (e) {
      if (e instanceof ZmqError) throw e;
      throw new ZmqError("EPROTONOSUPPORT", undefined, { address, cause: e });
    }
    try {
      const ep = parseEndpoint(address, binding);
      if (check) driver.check?.(this.type, ep, binding);
      return { ep, driver };
    } catch (e) {
      // The reason (bad port, wildcard connect, ...) is the cause.
      if (e instanceof TypeError) throw new ZmqError("EINVAL", undefined, { address, cause: e });
      throw e;
    }
  }

  /**
   * Binds to an endpoint and accepts connections on it.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`, `tcp://*:*`.
   * @returns Resolves once bound; `lastEndpoint` then holds the resolved
   *   address. Rejects with EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO,
   *   EADDRINUSE, ... as zeromq.js does.
   * @throws {ZmqError} EBADF at the call when the socket is closed.
   */
  bind(address: string): Promise<void> {
    this.#checkOpen();
    // Arguments are checked at the call (zeromq.js), the endpoint by the promise.
    if (typeof address !== "string") throw new TypeError("Address must be a string");
    let r: { ep: Endpoint; driver: Driver };
    try {
      r = this.#resolve(address, true);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#bind(address, r.ep, r.driver);
  }

  async #bind(address: string, ep: Endpoint, driver: Driver): Promise<void> {
    if (this.#bindings.has(address) && ep.port !== 0) throw new ZmqError("EADDRINUSE", undefined, { address });
    let binding: Binding;
    try {
      // Not awaited before the call: an inproc name is bound when bind() returns.
      binding = await driver.bind(this, ep);
    } catch (e) {
      // zeromq.js's text; the transport's own error is the cause.
      const error = e instanceof ZmqError ? new ZmqError(e.code, undefined, { address, cause: e }) : e as Error;
      // libzmq reports the address without its scheme here (its bind:error only).
      this.events.emit({ type: "bind:error", address: address.slice(address.indexOf("://") + 3), error });
      throw error;
    }
    if (this.#closed) {
      // close() came while binding: the bind succeeded, and is undone (zeromq.js resolves it).
      await binding.close();
      return;
    }
    this.#bindings.set(binding.endpoint, binding);
    if (binding.endpoint !== address) this.#bindings.set(address, binding);
    this.#lastEndpoint = binding.endpoint;
    if (!binding.quiet) this.events.emit({ type: "bind", address: binding.endpoint });
  }

  /**
   * Stops accepting on an endpoint given to `bind()` (or its `lastEndpoint`).
   * Connections accepted on it are closed too, as in libzmq (inproc ones stay).
   *
   * @param address The endpoint.
   * @returns Resolves once unbound; rejects with ENOENT for an endpoint not
   *   bound, EINVAL or EPROTONOSUPPORT for a malformed one.
   * @throws {ZmqError} EBADF at the call when the socket is closed.
   */
  unbind(address: string): Promise<void> {
    this.#checkOpen();
    if (typeof address !== "string") throw new TypeError("Address must be a string");
    const b = this.#bindings.get(address);
    if (!b) {
      try {
        this.#resolve(address, true, false);
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.reject(new ZmqError("ENOENT", undefined, { address }));
    }
    for (const [k, v] of this.#bindings) if (v === b) this.#bindings.delete(k);
    return this.#unbind(b);
  }

  async #unbind(b: Binding): Promise<void> {
    const closing = b.close();
    // libzmq's listener owns what it accepted (term_endpoint): those connections go with it.
    // Before awaiting: a listener's close may wait for its open connections.
    if (!b.keepsConnections) {
      for (const e of [...this.#engines]) if (e.connecter === null && e.endpoint === b.endpoint) e.destroy();
    }
    await closing;
    if (!b.quiet) this.events.emit({ type: "close", address: b.endpoint });
  }

  /**
   * Connects to an endpoint. Returns at once; the connection is made in the
   * background and re-made after failures every `reconnectInterval` ms.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`.
   * @param options `routingId` names this peer on a ROUTER socket (ZMQ_CONNECT_ROUTING_ID).
   * @throws {ZmqError} EBADF when the socket is closed; EINVAL, EPROTONOSUPPORT or ENOCOMPATPROTO for the endpoint.
   */
  connect(address: string, options?: { routingId?: string | Uint8Array }): void {
    this.#checkOpen();
    const { ep, driver } = this.#resolve(address, false);
    const known = this.#connecters.get(address);
    if (known !== undefined) {
      // An endpoint given up after a protocol error is tried again on request.
      if (known.refused) {
        known.refused = false;
        known.stopped = false;
        known.interval = this.opts.reconnectInterval;
        if (!this.opts.immediate && (this.policy.earlyAttach ?? true)) this.#attachEarly(known);
        this.#dial(known);
      }
      return;
    }
    const rid = options?.routingId;
    const c: Connecter = {
      address,
      driver,
      endpoint: ep,
      pipe: null,
      engine: null,
      attempt: null,
      timer: undefined,
      interval: this.opts.reconnectInterval,
      stopped: false,
      refused: false,
      routingId: rid === undefined ? undefined : typeof rid === "string" ? encoder.encode(rid) : rid,
    };
    this.#connecters.set(address, c);
    if (!this.opts.immediate && (this.policy.earlyAttach ?? true)) this.#attachEarly(c);
    this.#dial(c);
  }

  // The pipe of a connect()ed endpoint exists before its connection, so
  // messages queue for it meanwhile (as libzmq without ZMQ_IMMEDIATE).
  #attachEarly(c: Connecter): void {
    c.pipe = this.#newPipe(c.address);
    if (c.routingId) c.pipe.routingId = c.routingId;
    this.policy.attach(c.pipe);
    this.pipes.add(c.pipe);
  }

  /**
   * Stops connecting to an endpoint and drops its connection.
   *
   * @param address An endpoint given to `connect()`.
   * @throws {ZmqError} EBADF when the socket is closed; ENOENT for an endpoint
   *   not connected, EINVAL or EPROTONOSUPPORT for a malformed one.
   */
  disconnect(address: string): void {
    this.#checkOpen();
    const c = this.#connecters.get(address);
    if (!c) {
      this.#resolve(address, false, false);
      throw new ZmqError("ENOENT", undefined, { address });
    }
    this.#connecters.delete(address);
    if ((this.opts.reconnectStop & STOP_AFTER_DISCONNECT) !== 0) this.#disconnected = true;
    this.#stop(c);
    if (c.pipe) this.#terminatePipe(c.pipe);
    c.engine?.destroy();
  }

  // No more attempts for a connect()ed endpoint; a pending one is ended.
  #stop(c: Connecter): void {
    c.stopped = true;
    clearTimeout(c.timer);
    c.attempt?.abort();
    c.attempt = null;
  }

  #wanted(c: Connecter): boolean {
    return !c.stopped && (!this.#closed || this.#lingering(c));
  }

  #dial(c: Connecter, again = false): void {
    if (!this.#wanted(c)) return;
    const attempt = new AbortController();
    c.attempt = attempt;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const linked = (link: Link) => {
      clearTimeout(timeout);
      if (c.attempt !== attempt || !this.#wanted(c)) {
        link.discard();
        return;
      }
      c.attempt = null;
      c.interval = this.opts.reconnectInterval;
      if (!link.quiet) this.events.emit({ type: "connect", address: c.address });
      c.engine = link.start(c);
    };
    const failed = (err: unknown) => {
      clearTimeout(timeout);
      if (c.attempt !== attempt) return;
      c.attempt = null;
      // A transport that refused in its own handshake (a ws upgrade without ZWS).
      if (isProtocolFailure(err)) {
        this.events.emit({ type: "handshake:error:protocol", address: c.address, error: err as ZmqError });
      }
      this.#retry(c, err);
    };
    let result: Link | Promise<Link>;
    try {
      result = c.driver.connect(this, c.endpoint, attempt.signal, again);
    } catch (e) {
      failed(e);
      return;
    }
    // A link made at once (inproc to a bound name) serves before connect() returns, as in libzmq.
    if (!(result instanceof Promise)) return linked(result);
    // A network attempt under way (libzmq: the connect is in progress).
    if (c.driver.timed) this.events.emit({ type: "connect:delay", address: c.address });
    if (c.driver.timed && this.opts.connectTimeout > 0) {
      timeout = unrefTimer(setTimeout(() => {
        attempt.abort();
        failed(zmqError("ETIMEDOUT", "connectTimeout passed"));
      }, this.opts.connectTimeout));
    }
    result.then(linked, failed);
  }

  /** udp:// asks whether a datagram's group is wanted (DISH). */
  acceptsGroup(group: Uint8Array): boolean {
    return this.policy.acceptsGroup?.(group) ?? true;
  }

  /** The Identity an inproc peer sees. */
  inprocIdentity(): Uint8Array {
    return (this.policy.sendsIdentity === true ? this.identityBytes() : undefined) ?? new Uint8Array(0);
  }

  #retry(c: Connecter, err: unknown): void {
    if (!this.#wanted(c)) return;
    if (c.driver.redialAtOnce) {
      if (!this.#closed) this.#dial(c, true);
      return;
    }
    if (c.refused || isProtocolFailure(err) || this.#stopsAfter(c, err)) {
      this.#refuse(c);
      return;
    }
    const ivl = this.opts.reconnectInterval;
    if (ivl < 0) return;
    let delay = c.interval;
    if (this.opts.reconnectMaxInterval > 0) {
      c.interval = Math.min(c.interval * 2, this.opts.reconnectMaxInterval);
      delay = Math.min(delay, this.opts.reconnectMaxInterval);
    }
    // The cause goes with the event: a refused, an unreachable and an
    // unresolvable endpoint would otherwise all look the same.
    const error = err === undefined || err === null ? undefined : systemError(err, c.address);
    this.events.emit({ type: "connect:retry", address: c.address, interval: delay, ...(error && { error }) });
    c.timer = unrefTimer(setTimeout(() => this.#dial(c), delay));
  }

  // ZMQ_RECONNECT_STOP: a refused connection ends the endpoint with
  // CONN_REFUSED, and with AFTER_DISCONNECT an ipc one once disconnect() was
  // called (libzmq's tcp and ipc connecters).
  #stopsAfter(c: Connecter, err: unknown): boolean {
    if (!(err instanceof ZmqError) || err.code !== "ECONNREFUSED") return false;
    const stop = this.opts.reconnectStop;
    if ((stop & STOP_CONN_REFUSED) !== 0) return true;
    return (stop & STOP_AFTER_DISCONNECT) !== 0 && this.#disconnected && c.endpoint.scheme === "ipc";
  }

  // Gives up on a connect()ed endpoint: no more attempts, and its queued
  // messages are dropped with its pipe, as libzmq terminates the session.
  #refuse(c: Connecter): void {
    c.refused = true;
    c.stopped = true;
    clearTimeout(c.timer);
    if (c.pipe) {
      const pipe = c.pipe;
      c.pipe = null;
      this.#terminatePipe(pipe);
    }
  }

  /** Runs ZMTP over a connection accepted on the bound `address`. */
  accept(conn: Connection, address: string): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    this.events.emit({ type: "accept", address, remoteAddress: conn.remoteAddress });
    this.startEngine(conn, address, null);
  }

  /** Runs ZMTP over a connection made for a connect() (`connecter`), or accepted (null). */
  startEngine(conn: Connection, address: string, c: unknown): Engine {
    // An open connection alone does not keep the process alive (lib/keepalive.ts).
    conn.unref?.();
    const mech = this.createMechanism({
      socketType: this.type,
      identity: this.policy.sendsIdentity === true ? (this.identityBytes() ?? new Uint8Array(0)) : undefined,
      peerAddress: conn.remoteAddress,
      properties: Object.entries(this.opts.metadata),
    });
    const engine = new Engine(conn, address, mech, this, {
      maxMessageSize: this.opts.maxMessageSize,
      handshakeInterval: this.opts.handshakeInterval,
      // A framing of the type's own has no room for PING.
      heartbeatInterval: this.policy.framer === undefined ? this.opts.heartbeatInterval : 0,
      // -1 (libzmq's default): the interval, which the engine takes for 0.
      heartbeatTimeout: Math.max(0, this.opts.heartbeatTimeout),
      heartbeatTimeToLive: this.opts.heartbeatTimeToLive,
      framer: this.policy.framer,
    });
    engine.connecter = c;
    this.#engines.add(engine);
    engine.start();
    return engine;
  }

  /** EngineHost: the handshake completed. */
  engineReady(engine: EngineLike, peer: PeerInfo, _done: HandshakeDone): Pipe | string {
    this.#engines.add(engine);
    const raw = this.policy.framer !== undefined;
    if (!raw && !_done.untypedPeer && !isCompatible(this.type, peer.socketType)) {
      // Sent in ERROR; the engine's close reports it (once) as handshake:error:protocol.
      return `Invalid socket type: ${peer.socketType} cannot talk to ${this.type}`;
    }
    const c = (engine.connecter as Connecter | null | undefined) ?? null;
    let pipe = c?.pipe ?? null;
    if (pipe !== null) {
      pipe.peer = peer;
      pipe.setMetadata(engine.metadata);
      this.policy.connected?.(pipe);
    } else {
      pipe = this.#newPipe(engine.endpoint);
      pipe.peer = peer;
      pipe.setMetadata(engine.metadata);
      if (c?.routingId) pipe.routingId = c.routingId;
      const refused = this.policy.attach(pipe);
      if (typeof refused === "string") return refused;
      this.pipes.add(pipe);
      if (c) c.pipe = pipe;
      this.policy.connected?.(pipe);
    }
    // ZMQ_PROBE_ROUTER: an empty message to each new peer (REQ, DEALER, ROUTER).
    if (this.opts.probeRouter && this.policy.sendsIdentity === true) pipe.write([new Uint8Array(0)]);
    // ZMQ_HELLO_MSG: before anything else to each new connection (the row has the types).
    if (this.opts.helloMessage !== null) writeFirst(pipe, [frameOf(this.opts.helloMessage)]);
    // ZMQ_ROUTER_NOTIFY: the new peer "sends" an empty message.
    if (this.type === "ROUTER" && ((this.opts.notify as number) & NOTIFY_CONNECT) !== 0) {
      pipe.pushIn([new Uint8Array(0)]);
    }
    if (!raw) {
      this.events.emit({
        type: "handshake",
        address: engine.endpoint,
        remoteAddress: peer.remoteAddress,
        userId: _done.userId,
        properties: peer.properties,
      });
    }
    queueMicrotask(() => this.pipeWritable(pipe!));
    // Connected while lingering after close(): flush what is queued, then go.
    if (this.#closed) queueMicrotask(() => engine.close());
    return pipe;
  }

  /** EngineHost: a connection ended. */
  engineClosed(engine: EngineLike, error: Error | undefined, wasReady: boolean): void {
    this.#engines.delete(engine);
    const c = (engine.connecter as Connecter | null | undefined) ?? null;
    if (c && c.engine === engine) c.engine = null;
    // A HandshakeError after the handshake is a security failure on a frame
    // (CURVE MESSAGE), which libzmq reports as a failed handshake too.
    if (error && (!wasReady || error instanceof HandshakeError)) {
      const address = engine.endpoint;
      if (!(error instanceof HandshakeError)) this.events.emit({ type: "handshake:error:other", address, error });
      else if (error.kind === "auth") {
        this.events.emit({ type: "handshake:error:auth", address, error: error as AuthError });
      } else this.events.emit({ type: "handshake:error:protocol", address, error });
    }
    if (wasReady) this.events.emit({ type: "disconnect", address: engine.endpoint, error });
    if (c && c.endpoint.scheme !== "inproc" && isProtocolFailure(error)) c.refused = true;
    // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED: a connection lost or timed out in
    // its handshake is taken for a refusal too.
    if (c && !wasReady && c.endpoint.scheme !== "inproc" && (this.opts.reconnectStop & STOP_HANDSHAKE_FAILED) !== 0) {
      c.refused = true;
    }
    const pipe = engine.pipe;
    if (pipe !== null) {
      if (wasReady && !pipe.terminated) this.#lost(pipe, c !== null);
      if (wasReady) this.policy.disconnected?.(pipe);
      const keep = c !== null && !this.opts.immediate && (this.policy.earlyAttach ?? true) && c.pipe === pipe &&
        !c.stopped &&
        !c.refused;
      if (!keep) {
        if (c && c.pipe === pipe) c.pipe = null;
        this.#terminatePipe(pipe);
      }
    }
    if (c && this.#connecters.get(c.address) === c) this.#retry(c, error);
    this.#maybeFinishClose();
  }

  // A handshaken connection is gone: what libzmq then delivers to the socket
  // as if the peer had sent it (the rows limit each option to its types).
  #lost(pipe: Pipe, connected: boolean): void {
    if (this.type === "ROUTER" && ((this.opts.notify as number) & NOTIFY_DISCONNECT) !== 0) {
      pipe.pushIn([new Uint8Array(0)]);
    }
    // ZMQ_DISCONNECT_MSG for an accepted peer, ZMQ_HICCUP_MSG for a connect()ed one.
    const m = connected ? this.opts.hiccupMessage : this.opts.disconnectMessage;
    if (m !== null) pipe.pushIn([frameOf(m)]);
  }

  /**
   * Ends one peer at its socket type's request (STREAM's empty frame): what
   * is queued for it is written, then its connection closes. A connect()ed
   * endpoint is not dialled again, as libzmq ends the session.
   */
  closePipe(pipe: Pipe): void {
    let engine: EngineLike | null = null;
    for (const [address, c] of this.#connecters) {
      if (c.pipe !== pipe) continue;
      this.#connecters.delete(address);
      this.#stop(c);
      engine = c.engine;
    }
    for (const e of this.#engines) if (e.pipe === pipe) engine = e;
    if (engine !== null) engine.close();
    else this.#terminatePipe(pipe);
  }

  #newPipe(endpoint: string): Pipe {
    const pipe = new Pipe(this, endpoint, this.opts.sendHighWaterMark, this.opts.receiveHighWaterMark);
    if (this.opts.conflate) pipe.conflate = true;
    return pipe;
  }

  #terminatePipe(pipe: Pipe): void {
    if (pipe.terminated) return;
    pipe.terminated = true;
    pipe.outQ.clear();
    this.pipes.delete(pipe);
    this.policy.detach(pipe);
  }

  // -- PipeOwner ---------------------------------------------------------------

  /** A pipe got a message. */
  pipeReadable(pipe: Pipe): void {
    this.policy.readable?.(pipe);
    this.wakeReceiver();
  }

  /** Serves a waiting receive(), for hooks that queue messages outside pipeReadable (XPUB's xdetach). */
  wakeReceiver(): void {
    const w = this.#recvWaiter;
    if (w === null) return;
    const m = this.policy.recv!();
    if (m === undefined) return;
    this.#recvWaiter = null;
    this.#settle(w);
    w.resolve(w.meta === true ? this.#tagged(m) : asFrames(m));
  }

  /** A pipe has room again. */
  pipeWritable(_pipe: Pipe): void {
    const w = this.#sendWaiter;
    if (w === null) return;
    let ok: boolean;
    try {
      ok = this.policy.send!(w.msg!);
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

  /**
   * Sends a message (public as `send()` on sending types). As in zeromq.js,
   * a closed socket (EBADF) and a send already waiting (EBUSY) throw at the
   * call; everything else rejects.
   */
  send(input: MessageInput, options?: CallOptions): Promise<void> {
    this.#checkOpen();
    if (this.#sendWaiter !== null) {
      throw new ZmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time");
    }
    let msg: Msg;
    try {
      msg = toMsg(input);
    } catch (e) {
      return Promise.reject(e);
    }
    try {
      if (this.policy.send!(msg)) return this.#done(undefined, SENT);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.opts.sendTimeout === 0) return Promise.reject(new ZmqError("EAGAIN"));
    return this.#wait<void>("send", this.opts.sendTimeout, options?.signal, msg);
  }

  /**
   * Receives a message (public as `receive()` on receiving types). As in
   * zeromq.js, a closed socket (EBADF) and a receive already waiting (EBUSY)
   * throw at the call; everything else rejects.
   */
  receive(options?: CallOptions): Promise<Msg> {
    this.#checkOpen();
    if (this.#recvWaiter !== null) {
      throw new ZmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time");
    }
    let m: Msg | undefined;
    try {
      m = this.policy.recv!();
    } catch (e) {
      return Promise.reject(e);
    }
    const meta = options?.metadata === true;
    if (m !== undefined) return this.#done(meta ? this.#tagged(m) : asFrames(m));
    if (this.opts.receiveTimeout === 0) return Promise.reject(new ZmqError("EAGAIN"));
    return this.#wait<Msg>("receive", this.opts.receiveTimeout, options?.signal, undefined, meta);
  }

  /** Async iteration over received messages until close. */
  iterate(): AsyncIterableIterator<Msg> {
    // Hand-written rather than an async generator: one promise per message.
    const done = (): IteratorResult<Msg, undefined> => ({ value: undefined, done: true });
    const it: AsyncIterableIterator<Msg> = {
      [Symbol.asyncIterator]: () => it,
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.#closed) return Promise.resolve(done());
        if (this.#recvWaiter === null) {
          const m = this.policy.recv!();
          if (m !== undefined) return this.#done({ value: asFrames(m), done: false });
        }
        let p: Promise<Msg>;
        try {
          p = this.receive();
        } catch (e) {
          return Promise.reject(e);
        }
        // close() ends a waiting receive() with EAGAIN: the iteration is over.
        return p.then((value) => ({ value, done: false }), (e) => {
          if (this.#closed && (e as ZmqError).code === "EAGAIN") return done();
          throw e;
        });
      },
      return: (): Promise<IteratorResult<Msg, undefined>> => Promise.resolve(done()),
    };
    return it;
  }

  // A message for receive({ metadata: true }): carrying its connection's
  // metadata (read by metadataOf()), set only when asked, as the store costs
  // an allocation per message. The policy has just read it, or read it
  // ahead (SUB's filter) with no read since.
  #tagged(m: Msg): Msg {
    const meta = this.lastMetadata;
    if (meta !== undefined) (m as Msg & { [METADATA]?: Metadata })[METADATA] = meta;
    return asFrames(m);
  }

  // A call that completed at once: resolved now (with `settled` when the
  // caller has one), or after I/O and timers had a turn when too many did
  // in a row.
  #done<T>(value: T, settled?: Promise<T>): Promise<T> {
    if (++this.#syncOps < MAX_SYNC_OPS) return settled ?? Promise.resolve(value);
    this.#syncOps = 0;
    return new Promise<T>((resolve) => macrotask(() => resolve(value)));
  }

  #wait<T>(
    kind: "send" | "receive",
    timeout: number,
    signal: AbortSignal | undefined,
    msg?: Msg,
    meta?: boolean,
  ): Promise<T> {
    // A call that has to wait gives the event loop its turn anyway.
    this.#syncOps = 0;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = { resolve, reject, timer: undefined, signal, onAbort: undefined, msg, meta };
      // Until #settle: a waiting call keeps the process alive, as in zeromq.js.
      hold();
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
          reject(new ZmqError("EAGAIN"));
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
    release();
    clearTimeout(w.timer);
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
  }

  // -- close -----------------------------------------------------------------------

  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #lingerDone = false;
  #lingerHeld = false;

  #lingering(c: Connecter): boolean {
    return !this.#lingerDone && this.opts.linger !== 0 && c.pipe !== null && c.pipe.outQ.length > 0;
  }

  /**
   * Closes the socket. Pending `send()`/`receive()` calls reject with EAGAIN,
   * as in zeromq.js. Messages already queued keep being delivered for up to
   * `linger` ms (forever with -1, not at all with 0).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.context.socketClosed();
    for (const w of [this.#sendWaiter, this.#recvWaiter]) {
      if (w) {
        this.#settle(w);
        w.reject(new ZmqError("EAGAIN"));
      }
    }
    this.#sendWaiter = this.#recvWaiter = null;
    const bs = new Set(this.#bindings.values());
    this.#bindings.clear();
    for (const b of bs) {
      b.close().catch(() => {});
      // libzmq: each listener reports its close.
      if (!b.quiet) this.events.emit({ type: "close", address: b.endpoint });
    }
    // A connecter with messages queued goes on trying while the socket lingers.
    for (const c of this.#connecters.values()) if (!this.#lingering(c)) this.#stop(c);
    if (this.opts.linger > 0) {
      this.#lingerTimer = setTimeout(() => this.#endLinger(), this.opts.linger);
    }
    if (this.opts.linger === 0) this.#endLinger();
    else {
      // Delivering what is queued keeps the process alive until done or the linger ends.
      this.#lingerHeld = true;
      hold();
      for (const e of this.#engines) e.close();
      this.#maybeFinishClose();
    }
  }

  #endLinger(): void {
    this.#lingerDone = true;
    clearTimeout(this.#lingerTimer);
    for (const c of this.#connecters.values()) this.#stop(c);
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
    if (this.#lingerHeld) {
      this.#lingerHeld = false;
      release();
    }
    for (const p of [...this.pipes]) this.#terminatePipe(p);
    this.events.end();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ZmqError("EBADF");
  }
}
