// PUSH (RFC 30): round-robin to PULL peers; blocks when all are full.

import type { Msg, Pipe } from "../pipe.ts";
import { RoundRobin } from "../routing/round_robin.ts";
import {
  type ConflateOptions,
  defineSocket,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";
import type { Policy } from "../core.ts";

/**
 * Options of a {@link Push}.
 *
 * @example
 * ```ts
 * import { Push, type PushOptions } from "zmtp-zeromq";
 * const options: PushOptions = { linger: 0 };
 * new Push(options).close();
 * ```
 */
export interface PushOptions extends SocketOptions, SendOptions, ConflateOptions {}

// The routing policy of PUSH, over the pipes the core manages.
class PushPolicy implements Policy {
  #out = new RoundRobin();

  attach(pipe: Pipe): void {
    this.#out.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#out.remove(pipe);
  }

  send(msg: Msg): boolean {
    return this.#out.send(msg) !== undefined;
  }

  hasOut(): boolean {
    return this.#out.hasOut();
  }
}

/**
 * Sends messages round-robin to connected {@link Pull} sockets. When every
 * peer is at its high-water mark (or there is none), `send()` waits.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "zmtp-zeromq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await push.send("job 1");
 * const [job] = await pull.receive();
 * console.log(new TextDecoder().decode(job)); // "job 1"
 * push.close();
 * pull.close();
 * ```
 */
export class Push extends SocketBase {
  /**
   * Creates a PUSH socket.
   *
   * @param options Socket options.
   */
  constructor(options?: PushOptions) {
    super("PUSH", options, () => new PushPolicy());
  }
}

/**
 * The options only a Push has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Push } from "zmtp-zeromq";
 * const socket = new Push();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Push extends Writable, Required<ConflateOptions & SendOptions> {}
defineSocket(Push.prototype, "PUSH", "send");
