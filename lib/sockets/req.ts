// REQ (RFC 28): strict send/receive alternation; each request gets an empty
// delimiter frame and goes round-robin; the reply must come from the peer
// the request went to, else it is dropped.

import type { RoutingIdOptions } from "./_routing_id.ts";
import { ZmqError } from "../errors.ts";
import { isMsg, type Msg, type Pipe } from "../pipe.ts";
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
import type { Policy, SocketCore } from "../core.ts";

/**
 * Options of a {@link Request}.
 *
 * @example
 * ```ts
 * import { Request, type RequestOptions } from "zmtp-zeromq";
 * const options: RequestOptions = { linger: 0 };
 * new Request(options).close();
 * ```
 */
export interface RequestOptions extends SocketOptions, RequestOwnOptions {}

/**
 * The options only a {@link Request} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Request, type RequestOwnOptions } from "zmtp-zeromq";
 * const own: RequestOwnOptions = {}; // only the options a Request has
 * new Request({ ...own, linger: 0 }).close();
 * ```
 */
export interface RequestOwnOptions extends RoutingIdOptions, SendOptions, ReceiveOptions {
  /** ZMQ_REQ_CORRELATE: prefix requests with an id and accept only its reply. */
  correlate?: boolean;
  /** ZMQ_REQ_RELAXED: allow a new request before the reply came. */
  relaxed?: boolean;
}

const EMPTY = new Uint8Array(0);

// The routing policy of REQ, over the pipes the core manages.
class RequestPolicy implements Policy {
  #core: SocketCore;
  #out = new RoundRobin();
  #replyPipe: Pipe | null = null;
  #receiving = false;
  #requestId = (Math.random() * 0x100000000) >>> 0;
  readonly sendsIdentity = true;

  constructor(core: SocketCore) {
    this.#core = core;
  }

  attach(pipe: Pipe): void {
    this.#out.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#out.remove(pipe);
    if (this.#replyPipe === pipe && this.#core.opts.relaxed) this.#replyPipe = null;
  }

  send(msg: Msg): boolean {
    if (this.#receiving && !this.#core.opts.relaxed) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: a reply is outstanding");
    }
    let full: Msg;
    if (this.#core.opts.correlate) {
      const id = new Uint8Array(4);
      new DataView(id.buffer).setUint32(0, (this.#requestId + 1) >>> 0);
      full = [id, EMPTY, ...msg];
    } else {
      full = [EMPTY, ...msg];
    }
    const p = this.#out.send(full);
    if (p === undefined) return false;
    if (this.#core.opts.correlate) this.#requestId = (this.#requestId + 1) >>> 0;
    this.#replyPipe = p;
    this.#receiving = true;
    return true;
  }

  recv(): Msg | undefined {
    if (!this.#receiving) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: send a request first");
    }
    const p = this.#replyPipe;
    if (p === null) return undefined;
    for (let m = p.read(); m !== undefined; m = p.read()) {
      if (!isMsg(m)) continue;
      const body = this.#strip(m);
      if (body === undefined) continue;
      this.#receiving = false;
      this.#replyPipe = null;
      return body;
    }
    return undefined;
  }

  // libzmq's req_t: readable only while a reply is awaited, writable unless one is (strictly).
  hasIn(): boolean {
    return this.#receiving && this.#replyPipe !== null && this.#replyPipe.inQ.length > 0;
  }

  hasOut(): boolean {
    return (!this.#receiving || this.#core.opts.relaxed) && this.#out.hasOut();
  }

  // Replies from other peers (late ones, with `relaxed`) are dropped.
  readable(pipe: Pipe): void {
    if (pipe !== this.#replyPipe) { while (pipe.read() !== undefined); }
  }

  #strip(m: Msg): Msg | undefined {
    let i = 0;
    if (this.#core.opts.correlate) {
      const id = m[0];
      if (id.length !== 4 || new DataView(id.buffer, id.byteOffset, 4).getUint32(0) !== this.#requestId) {
        return undefined;
      }
      i = 1;
    }
    if (m.length < i + 2 || m[i].length !== 0) return undefined;
    return m.slice(i + 1);
  }
}

/**
 * The client side of request/reply: `send()` a request, then `receive()`
 * its reply, then the next request.
 *
 * @example
 * ```ts
 * import { Reply, Request } from "zmtp-zeromq";
 * const rep = new Reply();
 * await rep.bind("tcp://127.0.0.1:*");
 * const req = new Request();
 * req.connect(rep.lastEndpoint!);
 * await req.send("2+2");
 * await rep.receive();
 * await rep.send("4");
 * const [answer] = await req.receive();
 * console.log(new TextDecoder().decode(answer)); // "4"
 * req.close();
 * rep.close();
 * ```
 */
export class Request extends SocketBase {
  /**
   * Creates a REQ socket.
   *
   * @param options Socket options.
   */
  constructor(options?: RequestOptions) {
    super("REQ", options, (c) => new RequestPolicy(c));
  }
}

/**
 * The options only a Request has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Request } from "zmtp-zeromq";
 * const socket = new Request();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Request extends Writable, Readable, Required<RequestOwnOptions> {}
defineSocket(Request.prototype, "REQ", "both");
