// GATHER: PULL for single-part messages, fair-queued from SCATTER peers;
// a multipart message from the wire is dropped, as libzmq does.

import type { Msg, Pipe } from "../pipe.ts";
import { defineSocket, type Readable, type ReceiveOptions, SocketBase, type SocketOptions } from "../socket_base.ts";
import type { Policy } from "../core.ts";
import { SinglePartQueue } from "./_single_part.ts";

/**
 * Options of a {@link Gather}.
 *
 * @example
 * ```ts
 * import { Gather, type GatherOptions } from "zmtp-zeromq/draft";
 * const options: GatherOptions = { linger: 0 };
 * new Gather(options).close();
 * ```
 */
export interface GatherOptions extends SocketOptions, ReceiveOptions {}

// The routing policy of GATHER, over the pipes the core manages.
class GatherPolicy implements Policy {
  #in = new SinglePartQueue();

  attach(pipe: Pipe): void {
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#in.detach(pipe);
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
 * Receives single-part messages fair-queued from connected {@link Scatter}
 * sockets (the thread-safe PULL). `receive()` resolves to `[message]`.
 *
 * @example
 * ```ts
 * import { Gather } from "zmtp-zeromq/draft";
 * const gather = new Gather({ receiveTimeout: 10 });
 * await gather.receive().catch((e) => console.log(e.code)); // "EAGAIN"
 * gather.close();
 * ```
 */
export class Gather extends SocketBase {
  /**
   * Creates a GATHER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: GatherOptions) {
    super("GATHER", options, () => new GatherPolicy());
  }
}

/**
 * The receive options of a Gather, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Gather } from "zmtp-zeromq/draft";
 * const socket = new Gather();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Gather extends Readable, Required<ReceiveOptions> {}
defineSocket(Gather.prototype, "GATHER", "receive");
