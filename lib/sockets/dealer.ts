// DEALER (RFC 28): round-robin out, fair-queue in, no envelope handling.

import type { RoutingIdOptions } from "./_routing_id.ts";
import type { HelloMessageOptions, HiccupMessageOptions } from "./_peer_messages.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { RoundRobin } from "../routing/round_robin.ts";
import {
  type ConflateOptions,
  defineSocket,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";
import type { Policy } from "../core.ts";

/**
 * Options of a {@link Dealer}.
 *
 * @example
 * ```ts
 * import { Dealer, type DealerOptions } from "zmtp-zeromq";
 * const options: DealerOptions = { linger: 0 };
 * new Dealer(options).close();
 * ```
 */
export interface DealerOptions
  extends
    SocketOptions,
    SendOptions,
    ReceiveOptions,
    RoutingIdOptions,
    ConflateOptions,
    HelloMessageOptions,
    HiccupMessageOptions {}

// The routing policy of DEALER, over the pipes the core manages.
class DealerPolicy implements Policy {
  #out = new RoundRobin();
  #in = new FairQueue();
  readonly sendsIdentity = true;

  attach(pipe: Pipe): void {
    this.#out.add(pipe);
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#out.remove(pipe);
    this.#in.detach(pipe);
  }

  send(msg: Msg): boolean {
    return this.#out.send(msg) !== undefined;
  }

  recv(): Msg | undefined {
    return this.#in.recv();
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }

  hasOut(): boolean {
    return this.#out.hasOut();
  }
}

/**
 * Asynchronous request/reply: sends round-robin, receives fair-queued.
 *
 * @example
 * ```ts
 * import { Dealer, Router } from "zmtp-zeromq";
 * const router = new Router();
 * await router.bind("tcp://127.0.0.1:*");
 * const dealer = new Dealer({ routingId: "d1" });
 * dealer.connect(router.lastEndpoint!);
 * await dealer.send("hi");
 * const [id, body] = await router.receive();
 * await router.send([id, "hello " + new TextDecoder().decode(body)]);
 * console.log(new TextDecoder().decode((await dealer.receive())[0])); // "hello hi"
 * dealer.close();
 * router.close();
 * ```
 */
export class Dealer extends SocketBase {
  /**
   * Creates a DEALER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: DealerOptions) {
    super("DEALER", options, () => new DealerPolicy());
  }
}

/**
 * The options only a Dealer has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Dealer } from "zmtp-zeromq";
 * const socket = new Dealer();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Dealer extends
  Writable,
  Readable,
  Required<
    RoutingIdOptions & ConflateOptions & SendOptions & ReceiveOptions & HelloMessageOptions & HiccupMessageOptions
  > {}
defineSocket(Dealer.prototype, "DEALER", "both");
