/**
 * The public face every socket type shares: bind/connect, close, events,
 * options as properties. Everything else lives in the private core
 * (lib/core.ts); a socket type hands the core its routing policy.
 *
 * @module
 */

import { type Policy, SocketCore } from "./core.ts";
import { Observer, setHubResolver } from "./events.ts";
import { mechanismOf, type SecurityAccessors, type SecurityOptions } from "./security.ts";
import type { Context } from "./context.ts";
import { defineOptions, type SocketTypeName } from "./options.ts";

export { type CallOptions, type MessageInput, type MessageLike, toFrame } from "./message.ts";
import type { CallOptions, MessageInput } from "./message.ts";

/**
 * The socket types as zeromq.js numbers them (libzmq's ZMQ_PAIR ... ZMQ_DGRAM):
 * the value of {@link SocketBase.type}.
 *
 * @example
 * ```ts
 * import { SocketType } from "zmtp-zeromq";
 * console.log(SocketType.Pair, SocketType.Router); // 0 6
 * ```
 */
export const SocketType = {
  Pair: 0,
  Publisher: 1,
  Subscriber: 2,
  Request: 3,
  Reply: 4,
  Dealer: 5,
  Router: 6,
  Pull: 7,
  Push: 8,
  XPublisher: 9,
  XSubscriber: 10,
  Stream: 11,
  Server: 12,
  Client: 13,
  Radio: 14,
  Dish: 15,
  Gather: 16,
  Scatter: 17,
  Datagram: 18,
  /** libzmq's ZMQ_PEER (zeromq.js has no Peer). */
  Peer: 19,
  /** libzmq's ZMQ_CHANNEL (zeromq.js has no Channel). */
  Channel: 20,
} as const;

/**
 * A socket type number, as {@link SocketType} lists them.
 *
 * @example
 * ```ts
 * import { Pull, SocketType } from "zmtp-zeromq";
 * const pull = new Pull();
 * const t: SocketType = pull.type;
 * console.log(t === SocketType.Pull); // true
 * pull.close();
 * ```
 */
export type SocketType = typeof SocketType[keyof typeof SocketType];

const TYPE_NUMBER: Readonly<Record<SocketTypeName, SocketType>> = {
  PAIR: SocketType.Pair,
  PUB: SocketType.Publisher,
  SUB: SocketType.Subscriber,
  REQ: SocketType.Request,
  REP: SocketType.Reply,
  DEALER: SocketType.Dealer,
  ROUTER: SocketType.Router,
  PULL: SocketType.Pull,
  PUSH: SocketType.Push,
  XPUB: SocketType.XPublisher,
  XSUB: SocketType.XSubscriber,
  RADIO: SocketType.Radio,
  DISH: SocketType.Dish,
  SERVER: SocketType.Server,
  CLIENT: SocketType.Client,
  SCATTER: SocketType.Scatter,
  GATHER: SocketType.Gather,
  PEER: SocketType.Peer,
  CHANNEL: SocketType.Channel,
  DGRAM: SocketType.Datagram,
  STREAM: SocketType.Stream,
};

// libzmq's thread-safe types (ZMQ_THREAD_SAFE): the draft ones but DGRAM.
const THREAD_SAFE: ReadonlySet<SocketTypeName> = new Set<SocketTypeName>([
  "RADIO",
  "DISH",
  "SERVER",
  "CLIENT",
  "SCATTER",
  "GATHER",
  "PEER",
  "CHANNEL",
]);

/**
 * The options of the types that send (zeromq.js's Writable).
 *
 * @example
 * ```ts
 * import { Push, type SendOptions } from "zmtp-zeromq";
 * const opts: SendOptions = { sendTimeout: 100, sendHighWaterMark: 10 };
 * new Push(opts).close();
 * ```
 */
export interface SendOptions {
  /** ZMQ_SNDHWM: per-peer outbound queue limit in messages; 0 for none. Default 1000. */
  sendHighWaterMark?: number;
  /** ZMQ_SNDTIMEO: ms `send()` may wait; -1 forever, 0 fail at once. Default -1. */
  sendTimeout?: number;
  /** ZMQ_SNDBUF: the kernel's send buffer in bytes, -1 the OS default; no effect here (README). Default -1. */
  sendBufferSize?: number;
  /** ZMQ_MULTICAST_HOPS: multicast TTL (epgm). Default 1. */
  multicastHops?: number;
}

/**
 * The options of the types that receive (zeromq.js's Readable).
 *
 * @example
 * ```ts
 * import { Pull, type ReceiveOptions } from "zmtp-zeromq";
 * const opts: ReceiveOptions = { receiveTimeout: 100, receiveHighWaterMark: 10 };
 * new Pull(opts).close();
 * ```
 */
export interface ReceiveOptions {
  /** ZMQ_RCVHWM: per-peer inbound queue limit in messages; 0 for none. Default 1000. */
  receiveHighWaterMark?: number;
  /** ZMQ_RCVTIMEO: ms `receive()` may wait; -1 forever, 0 fail at once. Default -1. */
  receiveTimeout?: number;
  /** ZMQ_RCVBUF: the kernel's receive buffer in bytes, -1 the OS default; no effect here (README). Default -1. */
  receiveBufferSize?: number;
}

/**
 * The options every socket has besides security (zeromq.js names; libzmq's in the comments).
 *
 * @example
 * ```ts
 * import { type BaseOptions, Dealer } from "zmtp-zeromq";
 * const base: BaseOptions = { linger: 0, reconnectInterval: 50 };
 * new Dealer(base).close();
 * ```
 */
export interface BaseOptions {
  /** ZMQ_LINGER: ms to keep flushing pending messages after close; -1 forever, 0 drop. Default -1 (0 for SUB, XSUB, DISH, and in a context with `blocky` false). */
  linger?: number;
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
  /** ZMQ_HEARTBEAT_TIMEOUT: ms without traffic before the connection is dropped; -1 the interval. Default -1. */
  heartbeatTimeout?: number;
  /** ZMQ_HEARTBEAT_TTL: ms the peer should wait for us, sent in PING. Default 0. */
  heartbeatTimeToLive?: number;
  /** ZMQ_CONNECT_TIMEOUT: ms for one TCP connect attempt; 0 the OS default. Default 0. */
  connectTimeout?: number;
  /**
   * ZMQ_METADATA: "X-" properties sent to every peer in the handshake, which
   * it reads per message (libzmq's zmq_msg_gets; here `metadataOf()`):
   * `{ "X-Name": "value" }` or libzmq's "X-Name:value" strings. Names start
   * with "X-", at most 255 characters; values are non-empty. Setting replaces
   * the set; reads back as an object. Default {}.
   */
  metadata?: Readonly<Record<string, string>> | string | string[] | null;
  /** ZMQ_ZAP_ENFORCE_DOMAIN: with a `zapDomain`, fail handshakes when no ZAP handler answers, instead of admitting. Default false. */
  zapEnforceDomain?: boolean;
  /** ZMQ_AFFINITY: I/O thread affinity; stored only (no I/O threads here). Default 0. */
  affinity?: number;
  /** ZMQ_RATE: multicast data rate in kbit/s (epgm: the sender's limit, and the window sizes). Default 100. */
  rate?: number;
  /** ZMQ_RECOVERY_IVL: multicast recovery interval in ms (epgm: how long data stays repairable). Default 10000. */
  recoveryInterval?: number;
  /** ZMQ_MULTICAST_MAXTPDU: largest multicast packet, IP and UDP headers included (epgm). Default 1500. */
  multicastMaxTransportDataUnit?: number;
  /** ZMQ_BACKLOG: the listen backlog; Node only (README). Default 100. */
  backlog?: number;
  /** ZMQ_IPV6: connect to and accept IPv6 as well. Default: the context's `ipv6`. */
  ipv6?: boolean;
  /** ZMQ_TCP_KEEPALIVE: SO_KEEPALIVE, -1 the OS default, 0 off, 1 on. Default -1. */
  tcpKeepalive?: number;
  /** ZMQ_TCP_KEEPALIVE_CNT: TCP_KEEPCNT, -1 the OS default; no effect here (README). Default -1. */
  tcpKeepaliveCount?: number;
  /** ZMQ_TCP_KEEPALIVE_IDLE: TCP_KEEPIDLE in s, -1 the OS default; not on Deno (README). Default -1. */
  tcpKeepaliveIdle?: number;
  /** ZMQ_TCP_KEEPALIVE_INTVL: TCP_KEEPINTVL in s, -1 the OS default; no effect here (README). Default -1. */
  tcpKeepaliveInterval?: number;
  /**
   * ZMQ_TCP_ACCEPT_FILTER: each value set adds an address/mask peers must
   * match (`10.0.0.0/8`), null clears them; reads back joined by ",".
   * Stored, not yet applied. Default null.
   */
  tcpAcceptFilter?: string | null;
  /** ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT in ms, 0 the OS default; no effect here (README). Default 0. */
  tcpMaxRetransmitTimeout?: number;
  /** ZMQ_TOS: the IP type of service; no effect here (README). Default 0. */
  typeOfService?: number;
  /** ZMQ_SOCKS_PROXY: connect through this SOCKS5 proxy (host:port). Default null. */
  socksProxy?: string | null;
  /** ZMQ_SOCKS_USERNAME: with one, RFC 1929 username/password authentication is offered to the proxy. Default null. */
  socksUsername?: string | null;
  /** ZMQ_SOCKS_PASSWORD: the password for `socksUsername`. Default null. */
  socksPassword?: string | null;
  /**
   * ZMQ_RECONNECT_STOP: flags that end a connect()ed endpoint instead of
   * reconnecting: 1 after a refused connection, 2 after a connection lost
   * or timed out in its handshake, 4 after a refused ipc connection once
   * disconnect() was called. A refused handshake always ends it. Default 0.
   */
  reconnectStop?: number;
  /** ZMQ_MULTICAST_LOOP: udp multicast sent is looped back to this host. Default true. */
  multicastLoop?: boolean;
  /** ZMQ_PRIORITY: SO_PRIORITY; no effect here (README). Default 0. */
  priority?: number;
  /** ZMQ_BINDTODEVICE: bind connections to this network interface; no effect here (README). Default null. */
  interface?: string | null;
  /** ZMQ_LOOPBACK_FASTPATH: Windows' loopback fast path; stored only. Default false. */
  loopbackFastPath?: boolean;
  /** ZMQ_VMCI_BUFFER_SIZE: stored only (no vmci transport). Default 0. */
  vmciBufferSize?: number;
  /** ZMQ_VMCI_BUFFER_MIN_SIZE: stored only (no vmci transport). Default 0. */
  vmciBufferMinSize?: number;
  /** ZMQ_VMCI_BUFFER_MAX_SIZE: stored only (no vmci transport). Default 0. */
  vmciBufferMaxSize?: number;
  /** ZMQ_VMCI_CONNECT_TIMEOUT: stored only (no vmci transport). Default -1. */
  vmciConnectTimeout?: number;
}

/**
 * Options every socket has (zeromq.js names; libzmq's in the comments).
 *
 * @example
 * ```ts
 * import { Push, type SocketOptions } from "zmtp-zeromq";
 * const opts: SocketOptions = { linger: 0, immediate: true };
 * new Push(opts).close();
 * ```
 */
export interface SocketOptions extends BaseOptions, SecurityOptions {
  /** The context, which scopes inproc names. Default: the global context. */
  context?: Context;
}

/**
 * ZMQ_CONFLATE: keep only the last message in each queue, ignoring the
 * high-water marks; single-part messages only. PUSH, PULL, PUB, SUB and
 * DEALER have it, as in libzmq; set it before bind/connect.
 *
 * @example
 * ```ts
 * import { type ConflateOptions, Pull } from "zmtp-zeromq";
 * const opts: ConflateOptions = { conflate: true }; // keep only the last message
 * new Pull(opts).close();
 * ```
 */
export interface ConflateOptions {
  /** ZMQ_CONFLATE: keep only the last message per queue. Default false. */
  conflate?: boolean;
}

/**
 * ZMQ_INVERT_MATCHING: PUB/XPUB send to the subscribers whose prefixes do
 * NOT match, SUB receives the messages that match none of its prefixes.
 * Both ends must set it, as in libzmq.
 *
 * @example
 * ```ts
 * import { type InvertMatchingOptions, Subscriber } from "zmtp-zeromq";
 * const opts: InvertMatchingOptions = { invertMatching: true }; // receive what does NOT match
 * new Subscriber(opts).close();
 * ```
 */
export interface InvertMatchingOptions {
  /** ZMQ_INVERT_MATCHING: invert prefix matching. Default false. */
  invertMatching?: boolean;
}

// The core of a socket, for the socket type files; never exported by mod.ts.
let coreOf: (socket: SocketBase) => SocketCore;

/**
 * The options every socket has, as properties (from the table in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Dealer } from "zmtp-zeromq";
 * const d = new Dealer();
 * d.reconnectInterval = 50; // every option of every socket is a property
 * console.log(d.reconnectInterval); // 50
 * d.close();
 * ```
 */
export interface SocketBase extends SecurityAccessors, Required<Omit<BaseOptions, "tcpAcceptFilter">> {
  /** ZMQ_TCP_ACCEPT_FILTER: set adds a filter, null clears; reads back the filters joined by ",", or null. */
  tcpAcceptFilter: string | null;
}
/**
 * Base class of all socket types (zeromq.js's `Socket`, exported under that
 * name too). Not used directly: create a {@link Push}, {@link Pull},
 * {@link Request}, ...
 *
 * @example
 * ```ts
 * import { Pull, Push, Socket } from "zmtp-zeromq";
 * const sockets: Socket[] = [new Push(), new Pull()];
 * for (const s of sockets) console.log(s instanceof Socket, s.closed); // true false
 * for (const s of sockets) s.close();
 * ```
 */
export abstract class SocketBase {
  #core: SocketCore;
  #events: Observer | undefined;

  static {
    coreOf = (socket) => socket.#core;
    setHubResolver((s) => #core in s ? (s as SocketBase).#core.events : undefined);
  }

  /** @internal */
  constructor(type: SocketTypeName, options: object | undefined, policy: (core: SocketCore) => Policy) {
    this.#core = new SocketCore(type, options, policy);
  }

  /** ZMQ_TYPE: the socket type as zeromq.js numbers it ({@link SocketType}), e.g. 8 for a Push. */
  get type(): SocketType {
    return TYPE_NUMBER[this.#core.type];
  }
  /** The socket type's ZMTP name, as sent in the handshake ("PUSH", "ROUTER", ...). */
  get typeName(): SocketTypeName {
    return this.#core.type;
  }
  /**
   * The {@link Observer} of this socket's events (connect, accept,
   * handshake, disconnect, errors, end), made on first use: events from then
   * on are kept until read. Always the same object.
   */
  get events(): Observer {
    return this.#events ??= new Observer(this);
  }
  /** True when a `receive()` would complete at once; always false for types that cannot receive. */
  get readable(): boolean {
    return this.#core.readable;
  }
  /** True when a `send()` would complete at once; always false for types that cannot send. */
  get writable(): boolean {
    return this.#core.writable;
  }
  /** The security mechanism the options select: null (NULL), "plain" or "curve". */
  get securityMechanism(): null | "plain" | "curve" {
    const m = mechanismOf(this.#core.opts);
    return m === "NULL" ? null : m === "PLAIN" ? "plain" : "curve";
  }
  /** ZMQ_THREAD_SAFE, as libzmq answers it: true for the draft types but DGRAM. */
  get threadSafe(): boolean {
    return THREAD_SAFE.has(this.#core.type);
  }
  /** The context this socket belongs to. */
  get context(): Context {
    return this.#core.context;
  }
  /** ZMQ_LAST_ENDPOINT: the endpoint last bound, with its port resolved. */
  get lastEndpoint(): string | null {
    return this.#core.lastEndpoint;
  }
  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * Binds to an endpoint and accepts connections on it.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`, `tcp://*:*`.
   * @returns Resolves once bound; `lastEndpoint` then holds the resolved
   *   address. Rejects, as zeromq.js does, with a ZmqError: EINVAL for a
   *   malformed endpoint (the reason is its `cause`), EPROTONOSUPPORT for an
   *   unknown transport, EADDRINUSE, ...
   * @throws {ZmqError} EBADF at the call when the socket is closed.
   */
  bind(address: string): Promise<void> {
    return this.#core.bind(address);
  }

  /**
   * Stops accepting on an endpoint given to `bind()` (or its `lastEndpoint`).
   * Connections accepted on it are closed too, as in libzmq (inproc ones stay).
   *
   * @param address The endpoint.
   * @returns Resolves once unbound; rejects with ENOENT when not bound there
   *   (EINVAL, EPROTONOSUPPORT for a malformed endpoint).
   * @throws {ZmqError} EBADF at the call when the socket is closed.
   */
  unbind(address: string): Promise<void> {
    return this.#core.unbind(address);
  }

  /**
   * Connects to an endpoint. Returns at once; the connection is made in the
   * background and re-made after failures every `reconnectInterval` ms.
   * An `inproc://` name not bound yet is waited for (libzmq allows connect
   * before bind). inproc does not reach across threads (Workers) yet: when
   * the name is bound in another thread instead, now or later, the socket's
   * `events` get an `unknown` event whose error has code ENOTSUP, and the
   * connect goes on waiting for a bind in its own thread (messages sent
   * meanwhile stay queued for it).
   *
   * @param address e.g. `tcp://127.0.0.1:5555`.
   * @param options `routingId` names this peer on a ROUTER socket (ZMQ_CONNECT_ROUTING_ID).
   * @throws {ZmqError} At the call, as zeromq.js: EINVAL for a malformed
   *   endpoint (the reason is its `cause`), EPROTONOSUPPORT for an unknown
   *   transport, EBADF when the socket is closed.
   */
  connect(address: string, options?: { routingId?: string | Uint8Array }): void {
    this.#core.connect(address, options);
  }

  /**
   * Stops connecting to an endpoint and drops its connection.
   *
   * @param address An endpoint given to `connect()`.
   * @throws {ZmqError} ENOENT when not connected there (EINVAL,
   *   EPROTONOSUPPORT for a malformed endpoint), EBADF when the socket is closed.
   */
  disconnect(address: string): void {
    this.#core.disconnect(address);
  }

  /**
   * Closes the socket. Pending `send()`/`receive()` calls reject with EAGAIN
   * (as in zeromq.js); later calls throw EBADF. Messages already queued keep
   * being delivered for up to `linger` ms (forever with -1, not at all with 0).
   */
  close(): void {
    this.#core.close();
  }

  /** Closes the socket (`using` support). */
  [Symbol.dispose](): void {
    this.#core.close();
  }

  /** Closes the socket (`await using` support). */
  [Symbol.asyncDispose](): Promise<void> {
    this.#core.close();
    return Promise.resolve();
  }
}

/**
 * What a socket that sends has: `send()`. Documented once here and merged
 * into each sending type (zeromq.js's `Writable`).
 *
 * @example
 * ```ts
 * import { Pull, Push, type Writable } from "zmtp-zeromq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push: Writable = new Push();
 * (push as Push).connect(pull.lastEndpoint!);
 * await push.send(["part 1", "part 2"]);
 * (push as Push).close();
 * pull.close();
 * ```
 */
export interface Writable {
  /**
   * Sends a message: queued for a peer as the socket type routes it. Waits
   * while every peer it could go to is at its high-water mark (the types
   * that drop there, PUB/XPUB/ROUTER/RADIO, resolve at once); rejects with
   * EAGAIN after `sendTimeout`, with the signal's reason when aborted, and
   * with the type's own errors (REQ's EFSM, ROUTER's EHOSTUNREACH, ...).
   *
   * @param message One part or an array of parts (multipart).
   * @param options An AbortSignal to stop waiting.
   * @returns Resolves once the message is queued (or dropped by a type that drops).
   */
  send(message: MessageInput, options?: CallOptions): Promise<void>;
}

/**
 * What a socket that receives has: `receive()` and async iteration.
 * Documented once here and merged into each receiving type (zeromq.js's
 * `Readable`).
 *
 * @example
 * ```ts
 * import { Pull, type Readable } from "zmtp-zeromq";
 * const pull = new Pull({ receiveTimeout: 10 });
 * const r: Readable = pull;
 * await r.receive().catch((e) => console.log(e.code)); // "EAGAIN"
 * pull.close();
 * ```
 */
export interface Readable {
  /**
   * Waits for the next message. Rejects with EAGAIN after `receiveTimeout`,
   * with the signal's reason when aborted, and with the type's own errors
   * (REQ's and REP's EFSM).
   *
   * @param options An AbortSignal to stop waiting.
   * @returns The message's frames (ROUTER: the sender's routing id first):
   *   Node `Buffer`s on Node, Bun and Deno, as zeromq.js gives them, plain
   *   `Uint8Array`s in browsers; views of the received bytes, never copies.
   */
  receive(options?: CallOptions): Promise<Uint8Array[]>;
  /**
   * Iterates over received messages until the socket closes.
   *
   * @returns The iterator.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[]>;
}

/**
 * Gives a socket class what its type has: its own options as properties
 * (from lib/options.ts), `send()` when it sends ({@link Writable}) and
 * `receive()` with async iteration when it receives ({@link Readable}).
 *
 * @param proto The class's prototype.
 * @param type The socket type.
 * @param io "send", "receive" or "both"; absent for a type that has its own.
 * @example
 * ```ts
 * import { defineSocket } from "./socket_base.ts";
 * console.log(typeof defineSocket); // "function"
 * ```
 */
export function defineSocket(proto: SocketBase, type: SocketTypeName, io?: "send" | "receive" | "both"): void {
  defineSocketOptions(proto, type);
  if (io === "send" || io === "both") defineWritable(proto);
  if (io === "receive" || io === "both") defineReadable(proto);
}

function defineWritable(proto: SocketBase): void {
  Object.defineProperty(proto, "send", {
    configurable: true,
    writable: true,
    value(this: SocketBase, message: MessageInput, options?: CallOptions): Promise<void> {
      return coreOf(this).send(message, options);
    },
  });
}

function defineReadable(proto: SocketBase): void {
  Object.defineProperty(proto, "receive", {
    configurable: true,
    writable: true,
    value(this: SocketBase, options?: CallOptions): Promise<Uint8Array[]> {
      return coreOf(this).receive(options);
    },
  });
  Object.defineProperty(proto, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value(this: SocketBase): AsyncIterator<Uint8Array[]> {
      return coreOf(this).iterate();
    },
  });
}

/**
 * The private core of a socket (for lib/sockets/; not part of the API).
 *
 * @param socket A socket.
 * @returns Its core.
 * @example
 * ```ts
 * import { Push } from "zmtp-zeromq";
 * import { core } from "./socket_base.ts";
 * const push = new Push();
 * console.log(core(push).type); // "PUSH" (push.type is 8)
 * push.close();
 * ```
 */
export function core(socket: SocketBase): SocketCore {
  return coreOf(socket);
}

/**
 * Defines the options of sockets of `type` (every type's when absent) as
 * properties of a socket class's prototype, from the table in lib/options.ts.
 *
 * @param proto The class's prototype.
 * @param type The socket type whose own options to define.
 * @example
 * ```ts
 * import { defineSocketOptions } from "./socket_base.ts";
 * console.log(typeof defineSocketOptions); // "function"
 * ```
 */
export function defineSocketOptions(proto: SocketBase, type?: SocketTypeName): void {
  defineOptions(proto, type, (s) => coreOf(s as SocketBase));
}

defineSocketOptions(SocketBase.prototype);
