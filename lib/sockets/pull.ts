// PULL (RFC 30): fair-queues messages from PUSH peers.

import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import {
  type ConflateOptions,
  defineSocket,
  type Readable,
  type ReceiveOptions,
  SocketBase,
  type SocketOptions,
} from "../socket_base.ts";
import type { Policy } from "../core.ts";

/**
 * Options of a {@link Pull}.
 *
 * @example
 * ```ts
 * import { Pull, type PullOptions } from "zmtp-zeromq";
 * const options: PullOptions = { linger: 0 };
 * new Pull(options).close();
 * ```
 */
export interface PullOptions extends SocketOptions, ReceiveOptions, ConflateOptions {}

// The routing policy of PULL, over the pipes the core manages.
class PullPolicy implements Policy {
  #in = new FairQueue();

  attach(pipe: Pipe): void {
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#in.detach(pipe);
  }

  recv(): Msg | undefined {
    return this.#in.recv();
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }
}

/**
 * Receives messages fair-queued from connected {@link Push} sockets.
 *
 * @example
 * ```ts
 * import { Pull } from "zmtp-zeromq";
 * const pull = new Pull({ receiveTimeout: 100 });
 * await pull.bind("tcp://127.0.0.1:*");
 * console.log(pull.lastEndpoint);
 * pull.close();
 * ```
 */
export class Pull extends SocketBase {
  /**
   * Creates a PULL socket.
   *
   * @param options Socket options.
   */
  constructor(options?: PullOptions) {
    super("PULL", options, () => new PullPolicy());
  }
}

/**
 * The options only a Pull has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Pull } from "zmtp-zeromq";
 * const socket = new Pull();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Pull extends Readable, Required<ConflateOptions & ReceiveOptions> {}
defineSocket(Pull.prototype, "PULL", "receive");
