// CHANNEL: the thread-safe PAIR. One peer; further peers are refused while
// it lives; messages are single-part (a multipart one from the wire is
// dropped, as libzmq does).

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
import { checkSinglePart } from "./_single_part.ts";

/**
 * Options of a {@link Channel}.
 *
 * @example
 * ```ts
 * import { Channel, type ChannelOptions } from "zmtp-zeromq/draft";
 * const options: ChannelOptions = { linger: 0 };
 * new Channel(options).close();
 * ```
 */
export interface ChannelOptions extends SocketOptions, SendOptions, ReceiveOptions {}

// The routing policy of CHANNEL, over the pipes the core manages.
class ChannelPolicy implements Policy {
  #pipe: Pipe | null = null;
  #next: Msg | undefined = undefined;

  attach(pipe: Pipe): void | string {
    if (this.#pipe !== null) return "CHANNEL socket already has a peer";
    this.#pipe = pipe;
  }

  detach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }

  send(msg: Msg): boolean {
    checkSinglePart(msg, "CHANNEL");
    const p = this.#pipe;
    if (p === null || !p.canWrite()) return false;
    p.write(msg);
    return true;
  }

  hasIn(): boolean {
    return this.#next !== undefined || (this.#next = this.recv()) !== undefined;
  }

  hasOut(): boolean {
    return this.#pipe !== null && this.#pipe.canWrite();
  }

  recv(): Msg | undefined {
    const next = this.#next;
    if (next !== undefined) {
      this.#next = undefined;
      return next;
    }
    const p = this.#pipe;
    if (p === null) return undefined;
    for (let m = p.read(); m !== undefined; m = p.read()) if (isMsg(m) && m.length === 1) return m;
    return undefined;
  }
}

/**
 * An exclusive pair for single-part messages: talks to one {@link Channel}
 * peer at a time (libzmq's thread-safe PAIR).
 *
 * @example
 * ```ts
 * import { Channel } from "zmtp-zeromq/draft";
 * const a = new Channel();
 * await a.bind("inproc://channel-doc");
 * const b = new Channel();
 * b.connect("inproc://channel-doc");
 * await b.send("ping");
 * console.log(new TextDecoder().decode((await a.receive())[0])); // "ping"
 * a.close();
 * b.close();
 * ```
 */
export class Channel extends SocketBase {
  /**
   * Creates a CHANNEL socket.
   *
   * @param options Socket options.
   */
  constructor(options?: ChannelOptions) {
    super("CHANNEL", options, () => new ChannelPolicy());
  }
}

/**
 * The send and receive options of a Channel, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Channel } from "zmtp-zeromq/draft";
 * const socket = new Channel();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Channel extends Writable, Readable, Required<SendOptions & ReceiveOptions> {}
defineSocket(Channel.prototype, "CHANNEL", "both");
