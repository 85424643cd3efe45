// PAIR (RFC 31): exactly one peer; further peers are refused while it lives.

import { isMsg, type Msg, type Pipe } from "../pipe.ts";
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

/**
 * Options of a {@link Pair}.
 *
 * @example
 * ```ts
 * import { Pair, type PairOptions } from "zmtp-zeromq";
 * const options: PairOptions = { linger: 0 };
 * new Pair(options).close();
 * ```
 */
export interface PairOptions extends SocketOptions, SendOptions, ReceiveOptions {}

/**
 * @internal The routing policy of PAIR, over the pipes the core manages:
 * one pipe, others refused while it lives. DGRAM uses it too, for its one
 * udp:// endpoint, with a check of what is sent.
 */
export class PairPolicy implements Policy {
  #pipe: Pipe | null = null;
  #refusal: string;
  #check: ((msg: Msg) => void) | undefined;

  /**
   * @param refusal Why a second pipe is refused.
   * @param check Throws for a message the type cannot send.
   */
  constructor(refusal = "PAIR socket already has a peer", check?: (msg: Msg) => void) {
    this.#refusal = refusal;
    this.#check = check;
  }

  attach(pipe: Pipe): void | string {
    if (this.#pipe !== null) return this.#refusal;
    this.#pipe = pipe;
  }

  detach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }

  send(msg: Msg): boolean {
    this.#check?.(msg);
    const p = this.#pipe;
    if (p === null || !p.canWrite()) return false;
    p.write(msg);
    return true;
  }

  hasIn(): boolean {
    return this.#pipe !== null && this.#pipe.inQ.length > 0;
  }

  hasOut(): boolean {
    return this.#pipe !== null && this.#pipe.canWrite();
  }

  recv(): Msg | undefined {
    const p = this.#pipe;
    if (p === null) return undefined;
    for (let m = p.read(); m !== undefined; m = p.read()) if (isMsg(m)) return m;
    return undefined;
  }
}

/**
 * An exclusive pair: talks to one {@link Pair} peer at a time.
 *
 * @example
 * ```ts
 * import { Pair } from "zmtp-zeromq";
 * const a = new Pair();
 * await a.bind("tcp://127.0.0.1:*");
 * const b = new Pair();
 * b.connect(a.lastEndpoint!);
 * await b.send("ping");
 * console.log(String.fromCharCode(...(await a.receive())[0])); // "ping"
 * a.close();
 * b.close();
 * ```
 */
export class Pair extends SocketBase {
  /**
   * Creates a PAIR socket.
   *
   * @param options Socket options.
   */
  constructor(options?: PairOptions) {
    super("PAIR", options, () => new PairPolicy());
  }
}

/**
 * The send and receive options of a Pair, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Pair } from "zmtp-zeromq";
 * const socket = new Pair();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Pair extends Writable, Readable, Required<SendOptions & ReceiveOptions> {}
defineSocket(Pair.prototype, "PAIR", "both");
