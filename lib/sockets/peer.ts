// PEER: a SERVER that also connects, peer to peer. connectPeer() gives the
// routing id of the peer it connects to at once (the pipe exists before the
// connection, so ZMQ_IMMEDIATE is refused with EFAULT, as in libzmq), and
// sends name their peer by routing id, as on a SERVER.

import { ZmqError } from "../errors.ts";
import type { Pipe } from "../pipe.ts";
import type { DisconnectMessageOptions, HelloMessageOptions, HiccupMessageOptions } from "./_peer_messages.ts";
import {
  type CallOptions,
  core,
  defineSocket,
  type MessageLike,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
} from "../socket_base.ts";
import {
  routedIterate,
  routedReceive,
  routedSend,
  type ServerMessage,
  ServerPolicy,
  type ServerSendOptions,
} from "./server.ts";

/**
 * Options of a {@link Peer}.
 *
 * @example
 * ```ts
 * import { Peer, type PeerOptions } from "zmtp-zeromq/draft";
 * const options: PeerOptions = { linger: 0 };
 * new Peer(options).close();
 * ```
 */
export interface PeerOptions extends SocketOptions, PeerOwnOptions {}

/**
 * The options only a {@link Peer} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Peer, type PeerOwnOptions } from "zmtp-zeromq/draft";
 * const own: PeerOwnOptions = {}; // only the options a Peer has
 * new Peer({ ...own, linger: 0 }).close();
 * ```
 */
export interface PeerOwnOptions
  extends SendOptions, ReceiveOptions, HelloMessageOptions, DisconnectMessageOptions, HiccupMessageOptions {}

/**
 * Talks to other {@link Peer} sockets, each named by a routing id: the one
 * `connectPeer()` returns for peers it connects to, the one received with
 * their messages for peers that connected here. Messages are single-part;
 * sending to a routing id with no peer fails with EHOSTUNREACH.
 *
 * @example
 * ```ts
 * import { Peer } from "zmtp-zeromq/draft";
 * const a = new Peer();
 * await a.bind("tcp://127.0.0.1:*");
 * const b = new Peer();
 * const toA = b.connectPeer(a.lastEndpoint!);
 * await b.send("hi", { routingId: toA });
 * const [msg, { routingId: toB }] = await a.receive();
 * await a.send(msg, { routingId: toB });
 * console.log(new TextDecoder().decode((await b.receive())[0])); // "hi"
 * a.close();
 * b.close();
 * ```
 */
export class Peer extends SocketBase {
  #policy: ServerPolicy;

  /**
   * Creates a PEER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: PeerOptions) {
    const policy = new ServerPolicy("PEER");
    super("PEER", options, () => policy);
    this.#policy = policy;
  }

  /**
   * Connects to a peer (as `connect()`) and returns its routing id at once;
   * messages sent to it queue until the connection is up.
   *
   * @param address e.g. `tcp://127.0.0.1:5555`.
   * @returns The routing id to send to that peer with.
   * @throws {ZmqError} EFAULT when `immediate` is set (libzmq's rule), and
   *   what `connect()` throws.
   */
  connectPeer(address: string): number {
    if (this.immediate) throw new ZmqError("EFAULT", "connectPeer() cannot work with immediate set");
    const c = core(this);
    const before = this.#policy.lastId;
    const known = [...c.pipes].find((p: Pipe) => p.endpoint === address);
    c.connect(address);
    // An endpoint connected already keeps its peer (and its routing id).
    if (this.#policy.lastId === before && known !== undefined) return this.#policy.idOf(known);
    return this.#policy.lastId;
  }

  /**
   * Sends a message to one peer. Waits while that peer is at its
   * high-water mark.
   *
   * @param message One part (PEER messages are single-part).
   * @param options The peer's `routingId`, and an AbortSignal to stop waiting.
   * @returns Resolves once queued.
   * @throws {ZmqError} EHOSTUNREACH (rejects) when no peer has that routing
   *   id, EINVAL for more than one part.
   */
  send(message: MessageLike | [MessageLike], options: ServerSendOptions): Promise<void> {
    return routedSend(this, "PEER", message, options);
  }

  /**
   * Waits for the next message from any peer (fair-queued).
   *
   * @param options An AbortSignal to stop waiting.
   * @returns `[message, { routingId }]`, as a Server's.
   */
  receive(options?: CallOptions): Promise<ServerMessage> {
    return routedReceive(this, options);
  }

  /** Iterates over received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<ServerMessage, void, undefined> {
    return routedIterate(this);
  }
}

/**
 * The send and receive options of a Peer, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Peer } from "zmtp-zeromq/draft";
 * const socket = new Peer();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Peer extends Required<PeerOwnOptions> {}
defineSocket(Peer.prototype, "PEER");
