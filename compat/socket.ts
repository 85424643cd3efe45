/**
 * The `Socket` of zeromq.js 5: an EventEmitter over one of this library's
 * sockets, with callbacks instead of promises, `send()` that queues, and
 * messages as "message" events of Buffers.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import {
  Dealer,
  Pair,
  parseEndpoint,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type SocketBase,
  type SocketEvent,
  type SocketEventType,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import { ZMQ_SNDMORE } from "./constants.ts";
import { getOption, OPTION_NAMES, type OptionHost, setOption, type SocketType } from "./options.ts";

/**
 * A callback of `bind()`, `unbind()` and `send()`: called with no argument
 * on success, with the error on failure.
 *
 * @example
 * ```ts
 * import { type Callback, socket } from "zmtp-zeromq/v5-compat";
 * const done: Callback = (err) => console.log(err ? `failed: ${err.message}` : "bound");
 * const s = socket("pull");
 * s.bind("tcp://127.0.0.1:*", (err) => {
 *   done(err);
 *   s.close();
 * });
 * ```
 */
export type Callback = (err?: Error) => void;

/**
 * One part of a message for `send()`: a Buffer or other bytes, a string, or
 * anything else, sent as its `String()` text as zeromq.js 5 did (a number
 * as its digits); null and undefined are an empty part.
 *
 * @example
 * ```ts
 * import { type MessagePart, socket } from "zmtp-zeromq/v5-compat";
 * const parts: MessagePart[] = ["topic", 42, new Uint8Array([1, 2])];
 * const s = socket("pub");
 * s.send(parts);
 * s.close();
 * ```
 */
export type MessagePart = Uint8Array | ArrayBuffer | ArrayBufferView | string | number | boolean | null | undefined;

// What a library socket offers the layer; sending and receiving depend on its type.
interface LibSocket extends SocketBase {
  /** On the types that send (the option belongs to them). */
  sendTimeout?: number;
  send?(message: Uint8Array[], options?: { signal?: AbortSignal }): Promise<void>;
  receive?(options?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
  subscribe?(...prefixes: (string | Uint8Array)[]): void;
  unsubscribe?(...prefixes: (string | Uint8Array)[]): void;
}

function make(type: SocketType): LibSocket {
  switch (type) {
    case "pair":
      return new Pair();
    case "pub":
      return new Publisher();
    case "sub":
      return new Subscriber();
    case "req":
      return new Request();
    case "rep":
      return new Reply();
    case "dealer":
    case "xreq":
      return new Dealer();
    case "router":
    case "xrep":
      return new Router();
    case "pull":
      return new Pull();
    case "push":
      return new Push();
    case "xpub":
      return new XPublisher();
    case "xsub":
      return new XSubscriber();
    case "stream":
      throw new ZmqError("ENOTSUP", 'Socket type "stream" (ZMQ_STREAM) is not implemented by this library yet');
    default:
      throw new TypeError(
        `Unknown socket type ${JSON.stringify(type)}; expected pair, pub, sub, req, rep, dealer, router, ` +
          "pull, push, xpub or xsub",
      );
  }
}

const SEND_ONLY: readonly SocketType[] = ["push", "pub"];
const RECEIVE_ONLY: readonly SocketType[] = ["pull", "sub"];

/** A whole message waiting to be handed to the library socket, with the callbacks of its parts. */
interface Outgoing {
  parts: Uint8Array[];
  cbs: Callback[];
}

const encoder = new TextEncoder();

function toPart(p: unknown): Uint8Array {
  if (p instanceof Uint8Array) return p;
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  if (p instanceof ArrayBuffer) return new Uint8Array(p);
  if (p === null || p === undefined) return new Uint8Array(0);
  return encoder.encode(String(p));
}

function toBuffer(f: Uint8Array): Buffer {
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

// libzmq's errno values on Linux, which zeromq.js 5 passed as the value of failure events.
const ERRNO: Readonly<Record<string, number>> = {
  ENOENT: 2,
  EAGAIN: 11,
  EBUSY: 16,
  EINVAL: 22,
  EPROTO: 71,
  EMSGSIZE: 90,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EFSM: 156384763,
  ETERM: 156384765,
};

function errnoOf(e: Error | undefined): number {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? ERRNO[code] ?? 0 : 0;
}

// Our events, and the zeromq.js 5 monitor event each becomes; the value argument it carries.
// The fields of an event that only some event types have.
const errorOf = (e: SocketEvent): Error | undefined => (e as { error?: Error }).error;
const addressOf = (e: SocketEvent): string | undefined => (e as { address?: string }).address;
const intervalOf = (e: SocketEvent): unknown => (e as { interval?: number }).interval;

const MONITORED: readonly [SocketEventType, string, (e: SocketEvent) => unknown][] = [
  ["connect", "connect", () => undefined],
  ["connect:delay", "connect_delay", () => undefined],
  ["connect:retry", "connect_retry", intervalOf],
  ["bind", "listen", () => undefined],
  ["bind:error", "bind_error", (e) => errnoOf(errorOf(e))],
  ["accept", "accept", () => undefined],
  ["accept:error", "accept_error", (e) => errnoOf(errorOf(e))],
  ["close", "close", () => undefined],
  ["close:error", "close_error", (e) => errnoOf(errorOf(e))],
  ["disconnect", "disconnect", () => undefined],
];
const FAILURES = new Set<SocketEventType>(["bind:error", "accept:error", "close:error"]);

/** The limits `Context` sets: I/O threads (reported only) and open sockets (enforced). */
export const limits: { maxThreads: number; maxSockets: number } = { maxThreads: 1, maxSockets: 1023 };
let openSockets = 0;

// Reasons for aborting a pending library call: distinguishable from its own errors.
const PAUSED = new Error("paused");
const CLOSING = new Error("closing");

// Throws `e` outside whatever is running, as an uncaught exception: what a
// throwing listener or callback did under zeromq.js 5's native callbacks.
function rethrowLater(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

/**
 * A zeromq.js 5 socket: `bind`/`connect` with callbacks, `send(msg, flags,
 * cb)` queueing whole messages (ZMQ_SNDMORE collects parts) in call order,
 * received messages as `"message"` events with one Buffer per part, options
 * by `setsockopt`/`getsockopt` or as properties, and monitor events.
 *
 * Sending never blocks: messages wait in the socket's queue while the peer
 * is not ready (a REQ socket sends each request after the previous reply;
 * a REP socket its reply after the request). Each message's callbacks run
 * once it is queued for the peer; a failure goes to the callbacks or, when
 * it has none, to an "error" event. A "message" listener that throws has
 * its error emitted as "error", and delivery goes on, as in zeromq.js 5.
 *
 * @example
 * ```ts
 * import { Socket } from "zmtp-zeromq/v5-compat";
 * const pull = new Socket("pull");
 * const push = new Socket("push");
 * pull.on("message", (msg) => {
 *   console.log(msg.toString()); // "hello"
 *   push.close();
 *   pull.close();
 * });
 * pull.bind("tcp://127.0.0.1:*", (err) => {
 *   if (err) throw err;
 *   push.connect(pull.last_endpoint);
 *   push.send("hello");
 * });
 * ```
 */
export class Socket extends EventEmitter {
  /** The type name the socket was made with ("push", "router", ...). */
  readonly type: SocketType;
  #lib: LibSocket;
  #host: OptionHost;
  #closed = false;
  #finished = false;
  #paused = false;
  // Sending: the parts of a message still collecting (ZMQ_SNDMORE), then whole messages in order.
  #parts: Uint8Array[] = [];
  #partCbs: Callback[] = [];
  #queue: Outgoing[] = [];
  #sending = false;
  #sendAbort: AbortController | null = null;
  // Receiving: one receive() at a time; messages taken while paused wait in #held.
  #receiving = false;
  #recvAbort: AbortController | null = null;
  #held: Buffer[][] = [];
  // REQ: a request is out; REP: a request came in. The library refuses calls out of turn (EFSM).
  #awaitingReply = false;
  #owesReply = false;
  // bind()/unbind() run one after another, so unbindSync() after bindSync() finds the binding.
  #endpointOps: Promise<void> | null = null;
  #unmonitor: (() => void) | null = null;

  /**
   * Creates a socket.
   *
   * @param type One of {@link SocketType}; "stream" throws (not implemented yet).
   * @throws {TypeError} For an unknown type.
   * @throws {ZmqError} ENOTSUP for "stream".
   */
  constructor(type: SocketType) {
    super();
    if (openSockets >= limits.maxSockets) {
      throw Object.assign(
        new Error(`Too many open sockets: the limit is ${limits.maxSockets} (Context.setMaxSockets())`),
        { code: "EMFILE" },
      );
    }
    this.#lib = make(type);
    openSockets++;
    this.type = type;
    const lib = this.#lib;
    this.#host = {
      type,
      lib,
      local: new Map(),
      lastFamily: undefined,
      subscribe: (p) => this.#subscription("subscribe", p),
      unsubscribe: (p) => this.#subscription("unsubscribe", p),
    };
    this.#startReceiving();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  // -- endpoints -----------------------------------------------------------------

  /**
   * Binds to an endpoint. Emits "bind" with the address, then calls `cb`;
   * a failure goes to `cb`, or to an "error" event without one.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`, `tcp://127.0.0.1:*`, `inproc://name`.
   * @param cb Called once bound, or with the error.
   * @returns This socket.
   */
  bind(address: string, cb?: Callback): this {
    this.#serial(() => this.#lib.bind(address)).then(
      () => {
        this.#emit("bind", address);
        if (cb) this.#call(cb);
      },
      (e) => cb ? this.#call(cb, e) : this.#endpointFailed(e),
    );
    return this;
  }

  /**
   * Binds to an endpoint without a callback. The bind completes in the
   * background (this library binds asynchronously): a malformed address
   * throws at once, any other failure comes as an "error" event, and
   * `last_endpoint` holds the address once bound. A later `unbind()` waits
   * for it.
   *
   * @param address The endpoint.
   * @returns This socket.
   * @throws {TypeError} For a malformed endpoint.
   */
  bindSync(address: string): this {
    parseEndpoint(address, true);
    this.#serial(() => this.#lib.bind(address)).catch((e) => this.#endpointFailed(e));
    return this;
  }

  /**
   * Stops listening on a bound endpoint. Emits "unbind" with the address,
   * then calls `cb`; a failure goes to `cb`, or to an "error" event.
   *
   * @param address The endpoint given to `bind()`, or its `last_endpoint`.
   * @param cb Called once unbound, or with the error.
   * @returns This socket.
   */
  unbind(address: string, cb?: Callback): this {
    this.#serial(() => this.#lib.unbind(address)).then(
      () => {
        this.#emit("unbind", address);
        if (cb) this.#call(cb);
      },
      (e) => cb ? this.#call(cb, e) : this.#endpointFailed(e),
    );
    return this;
  }

  /**
   * Unbinds without a callback, in the background like `bindSync()`;
   * failures come as an "error" event.
   *
   * @param address The endpoint.
   * @returns This socket.
   */
  unbindSync(address: string): this {
    this.#serial(() => this.#lib.unbind(address)).catch((e) => this.#endpointFailed(e));
    return this;
  }

  /**
   * Connects to an endpoint (in the background, reconnecting as needed).
   *
   * @param address e.g. `tcp://127.0.0.1:5555`.
   * @returns This socket.
   * @throws {TypeError} For a malformed endpoint.
   * @throws {ZmqError} ETERM when closed.
   */
  connect(address: string): this {
    this.#lib.connect(address);
    return this;
  }

  /**
   * Stops connecting to an endpoint and drops its connection.
   *
   * @param address An endpoint given to `connect()`.
   * @returns This socket.
   * @throws {ZmqError} ENOENT when not connected to it.
   */
  disconnect(address: string): this {
    this.#lib.disconnect(address);
    return this;
  }

  // A bind or unbind without a callback failed: an "error" event, unless
  // close() came first (closing right after bindSync() is no error).
  #endpointFailed(e: unknown): void {
    if (!this.#closed) this.#raise(e);
  }

  // Runs bind/unbind operations in call order; the first one starts at once
  // (an inproc name is then bound before bind() returns, as in the library).
  #serial(op: () => Promise<void>): Promise<void> {
    let p: Promise<void>;
    if (this.#endpointOps === null) {
      try {
        p = op();
      } catch (e) {
        p = Promise.reject(e);
      }
    } else {
      p = this.#endpointOps.then(op);
    }
    const tail = p.then(() => {}, () => {});
    this.#endpointOps = tail;
    tail.then(() => {
      if (this.#endpointOps === tail) this.#endpointOps = null;
    });
    return p;
  }

  // -- sending -------------------------------------------------------------------

  /**
   * Queues a message. An array is one message of several parts; with
   * `ZMQ_SNDMORE` in `flags` the parts are held until a call without it
   * completes the message. Messages go out in the order of the calls.
   *
   * @param message One part, or an array of parts.
   * @param flags 0, or ZMQ_SNDMORE.
   * @param cb Called once the message is queued for the peer, or with the error.
   * @returns This socket.
   */
  send(message: MessagePart | MessagePart[], flags: number | null = 0, cb?: Callback): this {
    if (Array.isArray(message)) { for (const p of message) this.#parts.push(toPart(p)); }
    else this.#parts.push(toPart(message));
    if (cb) this.#partCbs.push(cb);
    if (((flags ?? 0) & ZMQ_SNDMORE) !== 0) return this;
    const item: Outgoing = { parts: this.#parts, cbs: this.#partCbs };
    this.#parts = [];
    this.#partCbs = [];
    let refused: Error | undefined;
    if (this.#closed) refused = new ZmqError("ETERM", "Socket is closed");
    else if (RECEIVE_ONLY.includes(this.type)) {
      refused = new ZmqError("ENOTSUP", `Cannot send on a ${this.type} socket`);
    } else if (item.parts.length === 0) refused = new TypeError("A message needs at least one part");
    if (refused !== undefined) {
      const e = refused;
      queueMicrotask(() => this.#settle(item, e));
      return this;
    }
    this.#queue.push(item);
    this.#flush();
    return this;
  }

  // Whose turn it is: REQ sends after the reply came (any time when relaxed), REP after a request came.
  #mayGo(): boolean {
    if (this.type === "req") return !this.#awaitingReply || (this.#lib as Request).relaxed;
    if (this.type === "rep") return this.#owesReply;
    return true;
  }

  #flush(): void {
    if (this.#sending || this.#paused || this.#closed || this.#queue.length === 0 || !this.#mayGo()) return;
    void this.#sendLoop();
  }

  async #sendLoop(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0 && !this.#paused && !this.#closed && this.#mayGo()) {
        const item = this.#queue[0];
        const abort = this.#sendAbort ??= new AbortController();
        let error: unknown;
        try {
          // The first message goes to the library before send() returns.
          await this.#lib.send!(item.parts, { signal: abort.signal });
        } catch (e) {
          error = e;
        }
        // close() aborted the wait: the message stays first in the queue for #finishClose().
        if (error === CLOSING) break;
        this.#queue.shift();
        if (error === undefined) this.#sent();
        this.#settle(item, error as Error | undefined);
      }
    } finally {
      this.#sending = false;
    }
    if (this.#closed) this.#finishClose();
  }

  // A message went to the library: REQ now waits for the reply, REP for the next request.
  #sent(): void {
    if (this.type === "req") {
      this.#awaitingReply = true;
      this.#startReceiving();
    } else if (this.type === "rep") {
      this.#owesReply = false;
      this.#startReceiving();
    }
  }

  // Calls a message's callbacks; a failure without any becomes an "error" event (unless `quiet`).
  #settle(item: Outgoing, error?: Error, quiet = false): void {
    for (const cb of item.cbs) error === undefined ? this.#call(cb) : this.#call(cb, error);
    if (error !== undefined && item.cbs.length === 0 && !quiet) this.#raise(error);
  }

  // -- receiving -----------------------------------------------------------------

  #mayReceive(): boolean {
    if (SEND_ONLY.includes(this.type)) return false;
    if (this.type === "req") return this.#awaitingReply;
    if (this.type === "rep") return !this.#owesReply;
    return true;
  }

  #startReceiving(): void {
    if (this.#receiving || this.#paused || this.#closed || !this.#mayReceive()) return;
    void this.#receiveLoop();
  }

  async #receiveLoop(): Promise<void> {
    this.#receiving = true;
    try {
      while (!this.#paused && !this.#closed && this.#mayReceive()) {
        const abort = this.#recvAbort ??= new AbortController();
        let msg: Uint8Array[];
        try {
          msg = await this.#lib.receive!({ signal: abort.signal });
        } catch (e) {
          if (this.#closed || abort.signal.aborted) break;
          this.#raise(e);
          // Not at once: a failure that repeats must not starve the event loop.
          await new Promise((r) => setTimeout(r, 0));
          continue;
        }
        if (this.#closed) break;
        if (this.type === "req") this.#awaitingReply = false;
        else if (this.type === "rep") this.#owesReply = true;
        const frames = msg.map(toBuffer);
        // Taken just as pause() was called: delivered by resume(), in order.
        if (this.#paused || this.#held.length > 0) this.#held.push(frames);
        else this.#deliver(frames);
        if (this.type === "req" || this.type === "rep") this.#flush();
      }
    } finally {
      this.#receiving = false;
    }
  }

  #deliver(frames: Buffer[]): void {
    try {
      this.emit("message", ...frames);
    } catch (e) {
      // As zeromq.js 5: a throwing "message" listener's error becomes an "error" event.
      this.#raise(e);
    }
  }

  /**
   * Stops delivering "message" events and sending queued messages until
   * `resume()`. Messages arriving meanwhile wait in the socket (up to its
   * receive high-water mark); `send()` keeps queueing.
   *
   * @returns This socket.
   */
  pause(): this {
    this.#paused = true;
    this.#recvAbort?.abort(PAUSED);
    this.#recvAbort = null;
    return this;
  }

  /**
   * Delivers what arrived while paused, then carries on receiving and sending.
   *
   * @returns This socket.
   */
  resume(): this {
    this.#paused = false;
    while (this.#held.length > 0 && !this.#paused && !this.#closed) this.#deliver(this.#held.shift()!);
    this.#startReceiving();
    this.#flush();
    return this;
  }

  /**
   * Not available: zeromq.js 5's synchronous read has no counterpart over
   * this library's asynchronous sockets.
   *
   * @returns Never.
   * @throws {Error} Always: listen for "message" events instead.
   */
  read(): never {
    throw new Error('read() is not available in this compatibility layer: listen for "message" events instead');
  }

  // -- subscriptions -------------------------------------------------------------

  /**
   * Subscribes a SUB socket to messages staring with `filter` ("" for all).
   *
   * @param filter The prefix.
   * @returns This socket.
   * @throws {TypeError} On other socket types.
   */
  subscribe(filter: string | Uint8Array): this {
    this.#subscription("subscribe", filter);
    return this;
  }

  /**
   * Removes a SUB socket's subscription.
   *
   * @param filter The prefix given to `subscribe()`.
   * @returns This socket.
   * @throws {TypeError} On other socket types.
   */
  unsubscribe(filter: string | Uint8Array): this {
    this.#subscription("unsubscribe", filter);
    return this;
  }

  #subscription(op: "subscribe" | "unsubscribe", filter: string | Uint8Array): void {
    if (this.type !== "sub") {
      throw new TypeError(`${op}() needs a sub socket, not ${this.type} (an xsub socket sends subscription messages)`);
    }
    this.#lib[op]!(filter);
  }

  // -- options -------------------------------------------------------------------

  /**
   * Sets an option by libzmq number (ZMQ_LINGER, ...) or name ("linger").
   * Options this library has no counterpart for throw, naming why.
   *
   * @param option The option.
   * @param value Integers (flags as 0/1 or booleans), strings or Buffers.
   * @returns This socket.
   * @throws {TypeError} For an unknown, unsupported or read-only option, or a value of the wrong type.
   * @throws {RangeError} For a value out of range.
   */
  setsockopt(option: number | string, value: unknown): this {
    setOption(this.#host, option, value);
    return this;
  }

  /**
   * Reads an option by libzmq number or name.
   *
   * @param option The option.
   * @returns Its value: a number (flags as 0/1), a string or null.
   * @throws {TypeError} For an unknown, unsupported or write-only option.
   */
  getsockopt(option: number | string): unknown {
    return getOption(this.#host, option);
  }

  // -- monitor -------------------------------------------------------------------

  /**
   * Emits the socket's monitor events under zeromq.js 5's names, with
   * `(value, address, error)`: "connect", "connect_delay", "connect_retry"
   * (value: the retry interval), "listen", "bind_error" (value: the errno),
   * "accept", "accept_error", "close", "close_error", "disconnect". Events
   * are delivered as they happen, so the polling arguments are checked and
   * otherwise ignored.
   *
   * @param interval zeromq.js 5's polling interval in ms (ignored).
   * @param numOfEvents zeromq.js 5's events per poll (ignored).
   * @returns This socket.
   * @throws {TypeError} For a non-positive interval or a negative count.
   */
  monitor(interval?: number, numOfEvents?: number): this {
    if (interval !== undefined && (typeof interval !== "number" || !(interval > 0))) {
      throw new TypeError("The monitor interval must be a positive number");
    }
    if (numOfEvents !== undefined && (typeof numOfEvents !== "number" || !(numOfEvents >= 0))) {
      throw new TypeError("The number of monitor events must not be negative");
    }
    if (this.#unmonitor !== null) return this;
    const events = this.#lib.events;
    const listeners = MONITORED.map(([type, name, value]) => {
      const l = (e: SocketEvent) => {
        const error = FAILURES.has(type) ? errorOf(e) : undefined;
        // Outside the library's own call stack, which a throwing listener must not unwind.
        queueMicrotask(() => this.emit(name, value(e), addressOf(e), error));
      };
      events.on(type, l);
      return [type, l] as const;
    });
    this.#unmonitor = () => {
      for (const [type, l] of listeners) events.off(type, l);
    };
    return this;
  }

  /**
   * Stops the monitor events.
   *
   * @returns This socket.
   */
  unmonitor(): this {
    this.#unmonitor?.();
    this.#unmonitor = null;
    return this;
  }

  // -- close ---------------------------------------------------------------------

  /**
   * Closes the socket. Messages already queued are handed on as far as the
   * peers take them without waiting, then delivered for up to `linger` ms;
   * the callbacks of the rest are called with an ETERM error. No "message"
   * events follow.
   *
   * @returns This socket.
   */
  close(): this {
    if (this.#closed) return this;
    this.#closed = true;
    openSockets--;
    this.#recvAbort?.abort(CLOSING);
    this.#held = [];
    if (this.#parts.length > 0) {
      const partial = { parts: this.#parts, cbs: this.#partCbs };
      this.#parts = [];
      this.#partCbs = [];
      queueMicrotask(() =>
        this.#settle(partial, new ZmqError("ETERM", "Socket closed before the message was complete"))
      );
    }
    // A send waiting for room is called off; #sendLoop then finishes the close.
    if (this.#sending) this.#sendAbort?.abort(CLOSING);
    else this.#finishClose();
    return this;
  }

  #finishClose(): void {
    if (this.#finished) return;
    this.#finished = true;
    const lib = this.#lib;
    // What zeromq.js 5 had handed to libzmq by now: each queued message the
    // socket takes without waiting. The library then lingers with them.
    if (!this.#paused && this.#queue.length > 0) {
      lib.sendTimeout = 0;
      while (this.#queue.length > 0 && this.#mayGo()) {
        const item = this.#queue.shift()!;
        lib.send!(item.parts).then(() => this.#settle(item), (e) => this.#settle(item, e, true));
        if (this.type === "req") this.#awaitingReply = true;
        else if (this.type === "rep") this.#owesReply = false;
      }
    }
    const left = this.#queue;
    this.#queue = [];
    const closed = new ZmqError("ETERM", "Socket closed before the message was sent");
    if (left.length > 0) {
      queueMicrotask(() => {
        for (const item of left) this.#settle(item, closed, true);
      });
    }
    lib.close();
  }

  // -- helpers -------------------------------------------------------------------

  #emit(name: string, ...args: unknown[]): void {
    try {
      this.emit(name, ...args);
    } catch (e) {
      rethrowLater(e);
    }
  }

  #call(cb: Callback, ...args: [Error?]): void {
    try {
      cb.apply(this, args);
    } catch (e) {
      rethrowLater(e);
    }
  }

  // An "error" event; without a listener, an uncaught exception, as with zeromq.js 5.
  #raise(error: unknown): void {
    try {
      this.emit("error", error);
    } catch (e) {
      rethrowLater(e);
    }
  }
}

/**
 * The options of {@link Socket} as properties, by zeromq.js 5's names (and
 * libzmq's, in lower case without `ZMQ_`): reading one is
 * `getsockopt(name)`, setting it `setsockopt(name, value)`. Properties of
 * options this library does not support throw when used.
 *
 * @example
 * ```ts
 * import { socket } from "zmtp-zeromq/v5-compat";
 * const s = socket("dealer");
 * s.identity = "worker-1";
 * s.linger = 0;
 * console.log(s.identity, s.getsockopt("linger")); // "worker-1" 0
 * s.close();
 * ```
 */
export interface SocketOptionProperties {
  /** ZMQ_AFFINITY (not supported). */
  affinity: number;
  /** ZMQ_BACKLOG (not supported). */
  backlog: number;
  /** ZMQ_RATE (not supported). */
  rate: number;
  /** ZMQ_RECOVERY_IVL (not supported). */
  recovery_ivl: number;
  /** ZMQ_RECOVERY_IVL_MSEC (not supported). */
  recovery_ivl_msec: number;
  /** ZMQ_SNDBUF (not supported). */
  sndbuf: number;
  /** ZMQ_RCVBUF (not supported). */
  rcvbuf: number;
  /** ZMQ_MULTICAST_HOPS (not supported). */
  multicast_hops: number;
  /** ZMQ_IPV4ONLY (not supported). */
  ipv4only: number;
  /** ZMQ_IPV6 (not supported). */
  ipv6: number;
  /** ZMQ_TCP_KEEPALIVE (not supported). */
  tcp_keepalive: number;
  /** ZMQ_TCP_KEEPALIVE_CNT (not supported). */
  tcp_keepalive_cnt: number;
  /** ZMQ_TCP_KEEPALIVE_IDLE (not supported). */
  tcp_keepalive_idle: number;
  /** ZMQ_TCP_KEEPALIVE_INTVL (not supported). */
  tcp_keepalive_intvl: number;
  /** ZMQ_TCP_ACCEPT_FILTER (not supported). */
  tcp_accept_filter: string;
  /** ZMQ_ROUTER_RAW (not supported). */
  router_raw: number;
  /** ZMQ_FD (not supported). */
  _fd: number;
  /** ZMQ_EVENTS (not supported). */
  _ioevents: number;
  /** ZMQ_RCVMORE (not supported). */
  _receiveMore: number;
  /** ZMQ_SUBSCRIBE (write-only): setting it subscribes a SUB socket. */
  _subscribe: string | Uint8Array;
  /** ZMQ_UNSUBSCRIBE (write-only): setting it unsubscribes a SUB socket. */
  _unsubscribe: string | Uint8Array;
  /** ZMQ_IDENTITY: the routing id, 1 to 255 bytes; reads back as text. */
  identity: string | Uint8Array;
  /** ZMQ_ROUTING_ID: the same as `identity`. */
  routing_id: string | Uint8Array;
  /** ZMQ_LINGER in ms; -1 forever. */
  linger: number;
  /** ZMQ_RECONNECT_IVL in ms; -1 never. */
  reconnect_ivl: number;
  /** ZMQ_RECONNECT_IVL_MAX in ms; 0 for no backoff. */
  reconnect_ivl_max: number;
  /** ZMQ_MAXMSGSIZE in bytes; -1 for no limit. */
  maxmsgsize: number;
  /** ZMQ_SNDHWM in messages. */
  sndhwm: number;
  /** ZMQ_RCVHWM in messages. */
  rcvhwm: number;
  /** ZMQ_SNDTIMEO in ms; -1 forever. */
  sndtimeo: number;
  /** ZMQ_RCVTIMEO in ms (kept; "message" events do not time out). */
  rcvtimeo: number;
  /** ZMQ_LAST_ENDPOINT (read-only): "" before the first bind completes. */
  readonly last_endpoint: string;
  /** ZMQ_ROUTER_MANDATORY, 0 or 1. */
  router_mandatory: number | boolean;
  /** ZMQ_ROUTER_HANDOVER, 0 or 1. */
  router_handover: number | boolean;
  /** ZMQ_DELAY_ATTACH_ON_CONNECT, 0 or 1. */
  delay_attach_on_connect: number | boolean;
  /** ZMQ_IMMEDIATE, 0 or 1. */
  immediate: number | boolean;
  /** ZMQ_XPUB_VERBOSE (write-only), 0 or 1. */
  xpub_verbose: number | boolean;
  /** ZMQ_XPUB_VERBOSER (write-only), 0 or 1. */
  xpub_verboser: number | boolean;
  /** ZMQ_XPUB_NODROP, 0 or 1. */
  xpub_nodrop: number | boolean;
  /** ZMQ_XPUB_WELCOME_MSG (write-only). */
  xpub_welcome_msg: string | Uint8Array | null;
  /** ZMQ_PROBE_ROUTER, 0 or 1. */
  probe_router: number | boolean;
  /** ZMQ_REQ_CORRELATE, 0 or 1. */
  req_correlate: number | boolean;
  /** ZMQ_REQ_RELAXED, 0 or 1. */
  req_relaxed: number | boolean;
  /** ZMQ_CONFLATE, 0 or 1. */
  conflate: number | boolean;
  /** ZMQ_INVERT_MATCHING, 0 or 1. */
  invert_matching: number | boolean;
  /** ZMQ_HANDSHAKE_IVL in ms. */
  handshake_ivl: number;
  /** ZMQ_MECHANISM (read-only): 0 NULL, 1 PLAIN, 2 CURVE. */
  readonly mechanism: number;
  /** ZMQ_PLAIN_SERVER, 0 or 1. */
  plain_server: number | boolean;
  /** ZMQ_PLAIN_USERNAME. */
  plain_username: string | Uint8Array | null;
  /** ZMQ_PLAIN_PASSWORD. */
  plain_password: string | Uint8Array | null;
  /** ZMQ_CURVE_SERVER, 0 or 1. */
  curve_server: number | boolean;
  /** ZMQ_CURVE_PUBLICKEY: set as 32 bytes or Z85, reads back in Z85. */
  curve_publickey: string | Uint8Array | null;
  /** ZMQ_CURVE_SECRETKEY: set as 32 bytes or Z85, reads back in Z85. */
  curve_secretkey: string | Uint8Array | null;
  /** ZMQ_CURVE_SERVERKEY: set as 32 bytes or Z85, reads back in Z85. */
  curve_serverkey: string | Uint8Array | null;
  /** ZMQ_ZAP_DOMAIN. */
  zap_domain: string | Uint8Array;
  /** ZMQ_HEARTBEAT_IVL in ms. */
  heartbeat_ivl: number;
  /** ZMQ_HEARTBEAT_TTL in ms. */
  heartbeat_ttl: number;
  /** ZMQ_HEARTBEAT_TIMEOUT in ms. */
  heartbeat_timeout: number;
  /** ZMQ_CONNECT_TIMEOUT in ms. */
  connect_timeout: number;
}

/**
 * The option properties of a {@link Socket}.
 *
 * @example
 * ```ts
 * import { socket } from "zmtp-zeromq/v5-compat";
 * const s = socket("push");
 * s.linger = 0; // the options as properties, as zeromq.js 5 has them
 * s.close();
 * ```
 */
export interface Socket extends SocketOptionProperties {}

for (const [name, option] of OPTION_NAMES) {
  Object.defineProperty(Socket.prototype, name, {
    configurable: true,
    enumerable: false,
    get(this: Socket) {
      return this.getsockopt(option);
    },
    set(this: Socket, v: unknown) {
      this.setsockopt(option, v);
    },
  });
}

/**
 * Creates a socket, as zeromq.js 5's `zmq.socket()` did; `options` sets
 * properties by their names (`linger`, `identity`, `sndhwm`, ...).
 *
 * @param type The socket type name.
 * @param options Option names and values.
 * @returns The socket.
 * @throws {TypeError} For an unknown type or option, or a bad value (the socket is closed then).
 * @example
 * ```ts
 * import { socket } from "zmtp-zeromq/v5-compat";
 * const push = socket("push", { linger: 0, sndhwm: 10 });
 * console.log(push.sndhwm); // 10
 * push.close();
 * ```
 */
export function createSocket(type: SocketType, options: Record<string, unknown> = {}): Socket {
  const sock = new Socket(type);
  try {
    for (const [k, v] of Object.entries(options)) {
      if (!OPTION_NAMES.has(k)) throw new TypeError(`Unknown socket option "${k}"`);
      sock.setsockopt(k, v);
    }
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}
