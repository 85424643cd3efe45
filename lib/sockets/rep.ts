// REP (RFC 28): fair-queues requests, keeps each one's envelope (every frame
// up to and including the empty delimiter) and routes the reply back with it.

import { ZmqError } from "../errors.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
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
 * Options of a {@link Reply}.
 *
 * @example
 * ```ts
 * import { Reply, type ReplyOptions } from "zmtp-zeromq";
 * const options: ReplyOptions = { linger: 0 };
 * new Reply(options).close();
 * ```
 */
export interface ReplyOptions extends SocketOptions, ReplyOwnOptions {}

/**
 * The options only a {@link Reply} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Reply, type ReplyOwnOptions } from "zmtp-zeromq";
 * const own: ReplyOwnOptions = {}; // only the options a Reply has
 * new Reply({ ...own, linger: 0 }).close();
 * ```
 */
export interface ReplyOwnOptions extends SendOptions, ReceiveOptions {
  /** ZMQ_ROUTING_ID: accepted as zeromq.js does; a REP announces no routing id (libzmq neither). */
  routingId?: string | Uint8Array | null;
}

// The routing policy of REP, over the pipes the core manages.
class ReplyPolicy implements Policy {
  #in = new FairQueue();
  #replyTo: Pipe | null = null;
  #envelope: Msg = [];

  attach(pipe: Pipe): void {
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#in.detach(pipe);
  }

  recv(): Msg | undefined {
    if (this.#replyTo !== null) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: a reply is owed");
    }
    for (;;) {
      const r = this.#in.recvFrom();
      if (r === undefined) return undefined;
      const [m, pipe] = r;
      let i = 0;
      while (i < m.length && m[i].length !== 0) i++;
      // No delimiter, or nothing after it: not a request; drop it.
      if (i >= m.length - 1) continue;
      this.#envelope = m.slice(0, i + 1);
      this.#replyTo = pipe;
      return m.slice(i + 1);
    }
  }

  // libzmq's rep_t: readable only while no reply is owed, writable only while one is.
  hasIn(): boolean {
    return this.#replyTo === null && this.#in.hasIn();
  }

  hasOut(): boolean {
    return this.#replyTo !== null;
  }

  send(msg: Msg): boolean {
    const p = this.#replyTo;
    if (p === null) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: receive a request first");
    }
    this.#replyTo = null;
    // Like libzmq (REP is a ROUTER inside): a reply to a gone or full peer is dropped.
    if (p.canWrite()) p.write(this.#envelope.concat(msg));
    this.#envelope = [];
    return true;
  }
}

/**
 * The server side of request/reply: `receive()` a request, then `send()`
 * its reply. Replies to peers that are gone are dropped.
 *
 * @example
 * ```ts
 * import { Reply } from "zmtp-zeromq";
 * const rep = new Reply();
 * await rep.bind("tcp://127.0.0.1:*");
 * // for await (const [req] of rep) await rep.send(req);
 * rep.close();
 * ```
 */
export class Reply extends SocketBase {
  /**
   * Creates a REP socket.
   *
   * @param options Socket options.
   */
  constructor(options?: ReplyOptions) {
    super("REP", options, () => new ReplyPolicy());
  }
}

/**
 * The options only a Reply has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Reply } from "zmtp-zeromq";
 * const socket = new Reply();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Reply extends Writable, Readable, Required<ReplyOwnOptions> {}
defineSocket(Reply.prototype, "REP", "both");
