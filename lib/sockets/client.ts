// CLIENT (RFC 41): talks to SERVERs, sending round-robin and receiving
// fair-queued, single-part messages only.

import type { Msg, Pipe } from "../pipe.ts";
import type { HelloMessageOptions, HiccupMessageOptions } from "./_peer_messages.ts";
import { RoundRobin } from "../routing/round_robin.ts";
import {
  defineSocket,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";
import type { Policy } from "../core.ts";
import { checkSinglePart, SinglePartQueue } from "./_single_part.ts";

/**
 * Options of a {@link Client}.
 *
 * @example
 * ```ts
 * import { Client, type ClientOptions } from "zmtp-zeromq/draft";
 * const options: ClientOptions = { linger: 0 };
 * new Client(options).close();
 * ```
 */
export interface ClientOptions extends SocketOptions, ClientOwnOptions {}

/**
 * The options only a {@link Client} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Client, type ClientOwnOptions } from "zmtp-zeromq/draft";
 * const own: ClientOwnOptions = {}; // only the options a Client has
 * new Client({ ...own, linger: 0 }).close();
 * ```
 */
export interface ClientOwnOptions extends SendOptions, ReceiveOptions, HelloMessageOptions, HiccupMessageOptions {}

// The routing policy of CLIENT, over the pipes the core manages.
class ClientPolicy implements Policy {
  #out = new RoundRobin();
  #in = new SinglePartQueue();

  attach(pipe: Pipe): void {
    this.#out.add(pipe);
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#out.remove(pipe);
    this.#in.detach(pipe);
  }

  send(msg: Msg): boolean {
    checkSinglePart(msg, "CLIENT");
    return this.#out.send(msg) !== undefined;
  }

  hasOut(): boolean {
    return this.#out.hasOut();
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }

  recv(): Msg | undefined {
    const r = this.#in.recv();
    return r === undefined ? undefined : [r[0]];
  }
}

/**
 * Talks to {@link Server} sockets: sends round-robin among them, receives
 * fair-queued. Messages are single-part (a multipart send fails with
 * EINVAL); `receive()` resolves to `[message]`, as in zeromq.js.
 *
 * @example
 * ```ts
 * import { Client, Server } from "zmtp-zeromq/draft";
 * const server = new Server();
 * await server.bind("inproc://client-doc");
 * const client = new Client();
 * client.connect("inproc://client-doc");
 * await client.send("hello");
 * const [msg, { routingId }] = await server.receive();
 * console.log(new TextDecoder().decode(msg), typeof routingId); // "hello number"
 * client.close();
 * server.close();
 * ```
 */
export class Client extends SocketBase {
  /**
   * Creates a CLIENT socket.
   *
   * @param options Socket options.
   */
  constructor(options?: ClientOptions) {
    super("CLIENT", options, () => new ClientPolicy());
  }
}

/**
 * The send and receive options of a Client, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Client } from "zmtp-zeromq/draft";
 * const socket = new Client();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Client extends Writable, Readable, Required<ClientOwnOptions> {}
defineSocket(Client.prototype, "CLIENT", "both");
