// ROUTER (RFC 28): every peer gets a routing id (its Identity property, the
// id given to connect(), or a generated one); received messages are prefixed
// with it and sent messages are routed by their first frame.

import type { RoutingIdOptions } from "./_routing_id.ts";
import type { DisconnectMessageOptions, HelloMessageOptions } from "./_peer_messages.ts";
import { ZmqError } from "../errors.ts";
import { latin1 } from "../bytes.ts";
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
import type { Policy, SocketCore } from "../core.ts";

/**
 * Options of a {@link Router}.
 *
 * @example
 * ```ts
 * import { Router, type RouterOptions } from "zmtp-zeromq";
 * const options: RouterOptions = { linger: 0 };
 * new Router(options).close();
 * ```
 */
export interface RouterOptions extends SocketOptions, RouterOwnOptions {}

/**
 * The options only a {@link Router} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Router, type RouterOwnOptions } from "zmtp-zeromq";
 * const own: RouterOwnOptions = { mandatory: true };
 * new Router({ ...own, linger: 0 }).close();
 * ```
 */
export interface RouterOwnOptions
  extends RoutingIdOptions, SendOptions, ReceiveOptions, HelloMessageOptions, DisconnectMessageOptions {
  /** ZMQ_ROUTER_MANDATORY: fail with EHOSTUNREACH for unknown ids, wait at the HWM. */
  mandatory?: boolean;
  /** ZMQ_ROUTER_HANDOVER: a new peer with a taken id replaces the old one. */
  handover?: boolean;
  /**
   * ZMQ_ROUTER_NOTIFY: flags, 1 to receive `[routingId, ""]` from each new
   * peer when its handshake is done, 2 to receive it when a peer's
   * connection is gone (3: both). Default 0.
   */
  notify?: number;
}

// The routing policy of ROUTER, over the pipes the core manages.
class RouterPolicy implements Policy {
  #core: SocketCore;
  #in = new FairQueue();
  #byId = new Map<string, Pipe>();
  // libzmq starts generated ids at a random 32-bit value, prefixed by 0x00.
  #nextId = (Math.random() * 0x100000000) >>> 0;
  readonly sendsIdentity = true;
  // Pipes exist only once the peer's identity is known.
  readonly earlyAttach = false;

  constructor(core: SocketCore) {
    this.#core = core;
  }

  attach(pipe: Pipe): void | string {
    let id = pipe.routingId ?? pipe.peer?.identity ?? null;
    if (id !== null && id.length > 0) {
      const old = this.#byId.get(latin1(id));
      if (old !== undefined) {
        if (!this.#core.opts.handover) return "Duplicate routing id";
        this.#byId.delete(latin1(id));
        old.routingId = this.#generate();
        this.#byId.set(latin1(old.routingId), old);
        old.engine?.destroy();
      }
    } else {
      id = this.#generate();
    }
    pipe.routingId = id;
    this.#byId.set(latin1(id), pipe);
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    if (pipe.routingId !== null && this.#byId.get(latin1(pipe.routingId)) === pipe) {
      this.#byId.delete(latin1(pipe.routingId));
    }
    this.#in.detach(pipe);
  }

  #generate(): Uint8Array {
    const id = new Uint8Array(5);
    new DataView(id.buffer).setUint32(1, this.#nextId);
    this.#nextId = (this.#nextId + 1) >>> 0;
    return id;
  }

  send(msg: Msg): boolean {
    if (msg.length < 2) {
      throw new ZmqError("EINVAL", "A ROUTER message needs a routing id frame and at least one more part");
    }
    const pipe = this.#byId.get(latin1(msg[0]));
    if (pipe === undefined || pipe.terminated) {
      if (this.#core.opts.mandatory) {
        throw new ZmqError("EHOSTUNREACH", "Host unreachable: no peer with that routing id");
      }
      return true;
    }
    if (!pipe.canWrite()) return !this.#core.opts.mandatory;
    pipe.write(msg.slice(1));
    return true;
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }

  // libzmq's router_t: always writable (where a message goes depends on it), unless mandatory.
  hasOut(): boolean {
    if (!this.#core.opts.mandatory) return true;
    for (const p of this.#byId.values()) if (p.canWrite()) return true;
    return false;
  }

  recv(): Msg | undefined {
    const r = this.#in.recvFrom();
    if (r === undefined) return undefined;
    const [m, pipe] = r;
    return [pipe.routingId!, ...m];
  }
}

/**
 * Routes by identity: receives `[routingId, ...frames]` and sends
 * `[routingId, ...frames]` to that peer. Unroutable messages are dropped
 * (or rejected with EHOSTUNREACH when `mandatory`).
 *
 * @example
 * ```ts
 * import { Router } from "zmtp-zeromq";
 * const router = new Router({ mandatory: true });
 * await router.bind("tcp://127.0.0.1:*");
 * await router.send(["nobody", "hi"]).catch((e) => console.log(e.code)); // "EHOSTUNREACH"
 * router.close();
 * ```
 */
export class Router extends SocketBase {
  /**
   * Creates a ROUTER socket.
   *
   * @param options Socket options.
   */
  constructor(options?: RouterOptions) {
    super("ROUTER", options, (c) => new RouterPolicy(c));
  }
}

/**
 * The options only a Router has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Router } from "zmtp-zeromq";
 * const socket = new Router();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Router extends Writable, Readable, Required<RouterOwnOptions> {}
defineSocket(Router.prototype, "ROUTER", "both");
