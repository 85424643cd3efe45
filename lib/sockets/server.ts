// SERVER (RFC 41): talks to many CLIENTs. Each peer gets a 32-bit routing
// id when it attaches (libzmq counts up from a random start, skipping 0);
// a received message carries its sender's id, and a send names the peer it
// goes to. Messages are single-part.

import { carryMetadata } from "../metadata.ts";
import { ZmqError } from "../errors.ts";
import type { Msg, Pipe } from "../pipe.ts";
import type { DisconnectMessageOptions, HelloMessageOptions } from "./_peer_messages.ts";
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
import type { Policy } from "../core.ts";
import { checkRoutingId, onePart, routingIdFrame, routingIdOfFrame, SinglePartQueue } from "./_single_part.ts";

/**
 * Names the peer of a SERVER or PEER message (zeromq.js's ServerRoutingOptions).
 *
 * @example
 * ```ts
 * import type { ServerRoutingOptions } from "zmtp-zeromq/draft";
 * const o: ServerRoutingOptions = { routingId: 7 };
 * console.log(o.routingId); // 7
 * ```
 */
export interface ServerRoutingOptions {
  /** The peer's routing id, as received with its messages. */
  routingId: number;
}

/**
 * Options of one {@link Server.send} (or {@link Peer.send}) call.
 *
 * @example
 * ```ts
 * import { Server, type ServerSendOptions } from "zmtp-zeromq/draft";
 * const server = new Server({ sendTimeout: 0 });
 * const opts: ServerSendOptions = { routingId: 1 };
 * await server.send("reply", opts).catch((e) => console.log(e.code)); // EHOSTUNREACH
 * server.close();
 * ```
 */
export interface ServerSendOptions extends CallOptions, ServerRoutingOptions {}

/**
 * What {@link Server.receive} resolves to: the message, and the routing id of its sender.
 *
 * @example
 * ```ts
 * import { Server, type ServerMessage } from "zmtp-zeromq/draft";
 * const server = new Server({ receiveTimeout: 10 });
 * const m: ServerMessage | null = await server.receive().catch(() => null);
 * console.log(m); // null: no client
 * server.close();
 * ```
 */
export type ServerMessage = [Uint8Array, ServerRoutingOptions];

/**
 * Options of a {@link Server}.
 *
 * @example
 * ```ts
 * import { Server, type ServerOptions } from "zmtp-zeromq/draft";
 * const options: ServerOptions = { linger: 0 };
 * new Server(options).close();
 * ```
 */
export interface ServerOptions extends SocketOptions, ServerOwnOptions {}

/**
 * The options only a {@link Server} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Server, type ServerOwnOptions } from "zmtp-zeromq/draft";
 * const own: ServerOwnOptions = {}; // only the options a Server has
 * new Server({ ...own, linger: 0 }).close();
 * ```
 */
export interface ServerOwnOptions extends SendOptions, ReceiveOptions, HelloMessageOptions, DisconnectMessageOptions {}

/** @internal The routing policy of SERVER (and PEER), over the pipes the core manages. */
export class ServerPolicy implements Policy {
  #in = new SinglePartQueue();
  #byId = new Map<number, Pipe>();
  #nextId = (Math.random() * 0x100000000) >>> 0;
  readonly type: string;
  /** The routing id given to the pipe attached last (PEER's connectPeer). */
  lastId = 0;

  constructor(type: string) {
    this.type = type;
  }

  attach(pipe: Pipe): void {
    let id: number;
    do {
      id = this.#nextId;
      this.#nextId = (this.#nextId + 1) >>> 0;
    } while (id === 0 || this.#byId.has(id));
    pipe.state = id;
    this.#byId.set(id, pipe);
    this.#in.add(pipe);
    this.lastId = id;
  }

  detach(pipe: Pipe): void {
    const id = pipe.state as number;
    if (this.#byId.get(id) === pipe) this.#byId.delete(id);
    this.#in.detach(pipe);
  }

  /** The routing id of a pipe (PEER's connectPeer to an endpoint connected already). */
  idOf(pipe: Pipe): number {
    return pipe.state as number;
  }

  // `[routing id frame, body]`, made by send() below.
  send(msg: Msg): boolean {
    if (msg.length !== 2) throw new ZmqError("EINVAL", `${this.type} messages have exactly one part`);
    const pipe = this.#byId.get(routingIdOfFrame(msg[0]));
    if (pipe === undefined) throw new ZmqError("EHOSTUNREACH");
    if (!pipe.canWrite()) return false;
    pipe.write([msg[1]]);
    return true;
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }

  // libzmq's server_t: always writable (whether a send waits depends on its peer).
  hasOut(): boolean {
    return true;
  }

  recv(): Msg | undefined {
    const r = this.#in.recv();
    return r === undefined ? undefined : [r[0], routingIdFrame(r[1].state as number)];
  }
}

/** @internal send() of SERVER and PEER. */
export function routedSend(
  socket: SocketBase,
  type: string,
  message: MessageLike | [MessageLike],
  options: ServerSendOptions,
): Promise<void> {
  let frames: Msg;
  try {
    frames = [routingIdFrame(checkRoutingId(options?.routingId)), onePart(message, type)];
  } catch (e) {
    return Promise.reject(e);
  }
  return core(socket).send(frames, options);
}

/** @internal receive() of SERVER and PEER. */
export function routedReceive(socket: SocketBase, options?: CallOptions): Promise<ServerMessage> {
  // Not async: EBADF and EBUSY throw at the call, as on every socket.
  return core(socket).receive(options).then((m): ServerMessage =>
    carryMetadata(m, [m[0], { routingId: routingIdOfFrame(m[1]) }])
  );
}

/** @internal Async iteration of SERVER and PEER. */
export async function* routedIterate(socket: SocketBase): AsyncGenerator<ServerMessage, void, undefined> {
  for await (const [body, id] of core(socket).iterate()) yield [body, { routingId: routingIdOfFrame(id) }];
}

/**
 * Serves many {@link Client} sockets: each received message comes with the
 * routing id of the client that sent it, and a reply goes to the client
 * named by `routingId`. Messages are single-part; sending to a routing id
 * with no peer (any more) fails with EHOSTUNREACH.
 *
 * @example
 * ```ts
 * import { Client, Server } from "zmtp-zeromq/draft";
 * const server = new Server();
 * await server.bind("tcp://127.0.0.1:*");
 * const client = new Client();
 * client.connect(server.lastEndpoint!);
 * await client.send("ping");
 * const [msg, { routingId }] = await server.receive();
 * await server.send(msg, { routingId });
 * const [echo] = await client.receive();
 * console.log(new TextDecoder().decode(echo)); // "ping"
 * client.close();
 * server.close();
 * ```
 */
export class Server extends SocketBase {
  /**
   * Creates a SERVER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: ServerOptions) {
    super("SERVER", options, () => new ServerPolicy("SERVER"));
  }

  /**
   * Sends a message to one client. Waits while that client is at its
   * high-water mark.
   *
   * @param message One part (SERVER messages are single-part).
   * @param options The client's `routingId`, and an AbortSignal to stop waiting.
   * @returns Resolves once queued.
   * @throws {ZmqError} EHOSTUNREACH (rejects) when no peer has that routing
   *   id, EINVAL for more than one part.
   */
  send(message: MessageLike | [MessageLike], options: ServerSendOptions): Promise<void> {
    return routedSend(this, "SERVER", message, options);
  }

  /**
   * Waits for the next message from any client (fair-queued).
   *
   * @param options An AbortSignal to stop waiting.
   * @returns `[message, { routingId }]`, as zeromq.js's draft Server.
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
 * The send and receive options of a Server, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Server } from "zmtp-zeromq/draft";
 * const socket = new Server();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Server extends Required<ServerOwnOptions> {}
defineSocket(Server.prototype, "SERVER");
