/**
 * The public face every socket type shares: bind/connect, close, events,
 * options as properties. Everything else lives in the private core
 * (lib/core.ts); a socket type hands the core its routing policy.
 *
 * @module
 */

import { type Policy, SocketCore } from "./core.ts";
import type { SocketEvents } from "./events.ts";
import type { SecurityAccessors, SecurityOptions } from "./security.ts";
import type { Context } from "./context.ts";
import { defineOptions, type SocketTypeName } from "./options.ts";

export { type CallOptions, type MessageInput, type MessageLike, toFrame } from "./message.ts";

/** The options every socket has besides security (zeromq.js names; libzmq's in the comments). */
export interface BaseOptions {
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
}

/** Options every socket has (zeromq.js names; libzmq's in the comments). */
export interface SocketOptions extends BaseOptions, SecurityOptions {
  /** The context, which scopes inproc names. Default: the global context. */
  context?: Context;
}

/**
 * ZMQ_CONFLATE: keep only the last message in each queue, ignoring the
 * high-water marks; single-part messages only. PUSH, PULL, PUB, SUB and
 * DEALER have it, as in libzmq; set it before bind/connect.
 */
export interface ConflateOptions {
  /** ZMQ_CONFLATE: keep only the last message per queue. Default false. */
  conflate?: boolean;
}

/**
 * ZMQ_INVERT_MATCHING: PUB/XPUB send to the subscribers whose prefixes do
 * NOT match, SUB receives the messages that match none of its prefixes.
 * Both ends must set it, as in libzmq.
 */
export interface InvertMatchingOptions {
  /** ZMQ_INVERT_MATCHING: invert prefix matching. Default false. */
  invertMatching?: boolean;
}

// The core of a socket, for the socket type files; never exported by mod.ts.
let coreOf: (socket: SocketBase) => SocketCore;

/** The options every socket has, as properties (from the table in lib/options.ts). */
export interface SocketBase extends SecurityAccessors, Required<BaseOptions> {}
/**
 * Base class of all socket types. Not used directly: create a {@link Push},
 * {@link Pull}, {@link Request}, ...
 */
export abstract class SocketBase {
  #core: SocketCore;

  static {
    coreOf = (socket) => socket.#core;
  }

  /** @internal */
  constructor(type: SocketTypeName, options: object | undefined, policy: (core: SocketCore) => Policy) {
    this.#core = new SocketCore(type, options, policy);
  }

  /** The socket type name sent in the handshake ("PUSH", "ROUTER", ...). */
  get type(): string {
    return this.#core.type;
  }
  /** Events (connect, accept, handshake, disconnect, errors) of this socket. */
  get events(): SocketEvents {
    return this.#core.events;
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
   * @returns Resolves once bound; `lastEndpoint` then holds the resolved address.
   * @throws {TypeError} For a malformed endpoint or unknown transport.
   */
  bind(address: string): Promise<void> {
    return this.#core.bind(address);
  }

  /**
   * Stops accepting on an endpoint given to `bind()` (or its `lastEndpoint`).
   * Connections accepted on it are closed too, as in libzmq (inproc ones stay).
   *
   * @param address The endpoint.
   */
  unbind(address: string): Promise<void> {
    return this.#core.unbind(address);
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
    this.#core.connect(address, options);
  }

  /**
   * Stops connecting to an endpoint and drops its connection.
   *
   * @param address An endpoint given to `connect()`.
   */
  disconnect(address: string): void {
    this.#core.disconnect(address);
  }

  /**
   * Closes the socket. Pending `send()`/`receive()` calls reject with ETERM.
   * Messages already queued keep being delivered for up to `linger` ms
   * (forever with -1, not at all with 0).
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
 * The private core of a socket (for lib/sockets/; not part of the API).
 *
 * @param socket A socket.
 * @returns Its core.
 * @example
 * ```ts
 * import { Push } from "./mod.ts";
 * import { core } from "./lib/socket_base.ts";
 * const push = new Push();
 * console.log(core(push).type); // "PUSH"
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
 * import { defineSocketOptions } from "./lib/socket_base.ts";
 * console.log(typeof defineSocketOptions); // "function"
 * ```
 */
export function defineSocketOptions(proto: SocketBase, type?: SocketTypeName): void {
  defineOptions(proto, type, (s) => coreOf(s as SocketBase));
}

defineSocketOptions(SocketBase.prototype);
