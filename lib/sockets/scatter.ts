// SCATTER: PUSH for single-part messages, round-robin to GATHER peers;
// blocks when all are full.

import type { Msg, Pipe } from "../pipe.ts";
import { RoundRobin } from "../routing/round_robin.ts";
import { defineSocket, type SendOptions, SocketBase, type SocketOptions, type Writable } from "../socket_base.ts";
import type { Policy } from "../core.ts";
import { checkSinglePart } from "./_single_part.ts";

/**
 * Options of a {@link Scatter}.
 *
 * @example
 * ```ts
 * import { Scatter, type ScatterOptions } from "zmtp-zeromq/draft";
 * const options: ScatterOptions = { linger: 0 };
 * new Scatter(options).close();
 * ```
 */
export interface ScatterOptions extends SocketOptions, SendOptions {}

// The routing policy of SCATTER, over the pipes the core manages.
class ScatterPolicy implements Policy {
  #out = new RoundRobin();

  attach(pipe: Pipe): void {
    this.#out.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#out.remove(pipe);
  }

  send(msg: Msg): boolean {
    checkSinglePart(msg, "SCATTER");
    return this.#out.send(msg) !== undefined;
  }

  hasOut(): boolean {
    return this.#out.hasOut();
  }
}

/**
 * Sends single-part messages round-robin to connected {@link Gather}
 * sockets (the thread-safe PUSH). When every peer is at its high-water mark
 * (or there is none), `send()` waits; a multipart send fails with EINVAL.
 *
 * @example
 * ```ts
 * import { Gather, Scatter } from "zmtp-zeromq/draft";
 * const gather = new Gather();
 * await gather.bind("tcp://127.0.0.1:*");
 * const scatter = new Scatter();
 * scatter.connect(gather.lastEndpoint!);
 * await scatter.send("job 1");
 * const [job] = await gather.receive();
 * console.log(new TextDecoder().decode(job)); // "job 1"
 * scatter.close();
 * gather.close();
 * ```
 */
export class Scatter extends SocketBase {
  /**
   * Creates a SCATTER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: ScatterOptions) {
    super("SCATTER", options, () => new ScatterPolicy());
  }
}

/**
 * The send options of a Scatter, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Scatter } from "zmtp-zeromq/draft";
 * const socket = new Scatter();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Scatter extends Writable, Required<SendOptions> {}
defineSocket(Scatter.prototype, "SCATTER", "send");
