// XSUB (RFC 29): sends subscriptions to every publisher (resent after each
// reconnect), fair-queues what they publish. SUB adds local filtering.

import { show } from "../trace.ts";
import { type Msg, type Pipe, Subscription } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { TopicSet } from "../routing/trie.ts";
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
import { fanOut, toConnected } from "../routing/fan_out.ts";

/**
 * The routing policy of SUB and XSUB: subscriptions go to every publisher
 * (resent after each reconnect), received messages are fair-queued; SUB
 * filters them by its subscriptions as well.
 */
export class SubscriberPolicy implements Policy {
  #core: SocketCore;
  #in = new FairQueue();
  #pipes = new Set<Pipe>();
  #topics = new TopicSet();
  #filter: boolean;

  constructor(core: SocketCore, filter: boolean) {
    this.#core = core;
    this.#filter = filter;
  }

  /** Adds a subscription and tells the publishers. */
  subscribe(topic: Uint8Array): void {
    this.#core.trace?.(`subscribe ${show(topic)}`);
    this.#topics.add(topic);
    // libzmq forwards every subscribe, deduplication is the publisher's job.
    toConnected(this.#pipes, new Subscription(true, topic));
  }

  /** Drops a subscription; publishers hear when its count is 0. */
  unsubscribe(topic: Uint8Array): void {
    this.#core.trace?.(`unsubscribe ${show(topic)}`);
    if (this.#topics.remove(topic)) toConnected(this.#pipes, new Subscription(false, topic));
  }

  attach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    this.#in.add(pipe);
  }

  connected(pipe: Pipe): void {
    for (const t of this.#topics.topics()) pipe.write(new Subscription(true, t));
  }

  detach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#in.detach(pipe);
  }

  send(msg: Msg): boolean {
    const data = msg[0];
    if (msg.length === 1 && data.length > 0 && data[0] === 1) {
      this.subscribe(data.slice(1));
    } else if (msg.length === 1 && data.length > 0 && data[0] === 0) {
      this.unsubscribe(data.slice(1));
    } else if (msg.length > 1 && !(this.#core.opts.onlyFirstSubscribe && !(data.length > 0 && data[0] <= 1))) {
      this.#sendParts(msg);
    } else {
      // Other messages go upstream to every publisher (libzmq XSUB).
      fanOut(this.#pipes, msg);
    }
    return true;
  }

  // libzmq's XSUB reads each frame of a multi-part message (with
  // onlyFirstSubscribe only when the first is one): 1 and a topic is kept as a
  // subscription (resent after a reconnect), 0 and a topic not subscribed is
  // dropped; the frames go upstream as one message.
  #sendParts(msg: Msg): void {
    const out: Uint8Array[] = [];
    for (const f of msg) {
      if (f.length > 0 && f[0] === 1) this.#topics.add(f.slice(1));
      else if (f.length > 0 && f[0] === 0 && !this.#topics.remove(f.slice(1))) continue;
      out.push(f);
    }
    if (out.length > 0) fanOut(this.#pipes, out);
  }

  recv(): Msg | undefined {
    const m = this.#next;
    if (m !== undefined) {
      this.#next = undefined;
      return m;
    }
    const invert = this.#core.opts.invertMatching;
    for (;;) {
      const m = this.#in.recv();
      if (m === undefined || !this.#filter || this.#topics.matches(m[0]) !== invert) return m;
    }
  }

  // SUB drops what matches no subscription, so whether one is there to read
  // takes reading it (libzmq's xsub_t prefetches the same way).
  #next: Msg | undefined = undefined;

  hasIn(): boolean {
    if (!this.#filter) return this.#in.hasIn();
    return this.#next !== undefined || (this.#next = this.recv()) !== undefined;
  }

  // libzmq's xsub_t: (un)subscriptions can always be sent; SUB has no send().
  hasOut(): boolean {
    return !this.#filter;
  }
}

/**
 * Options of an {@link XSubscriber}.
 *
 * @example
 * ```ts
 * import { XSubscriber, type XSubscriberOptions } from "zmtp-zeromq";
 * const options: XSubscriberOptions = { linger: 0 };
 * new XSubscriber(options).close();
 * ```
 */
export interface XSubscriberOptions extends SocketOptions, XSubscriberOwnOptions {}

/**
 * The options only an {@link XSubscriber} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { XSubscriber, type XSubscriberOwnOptions } from "zmtp-zeromq";
 * const own: XSubscriberOwnOptions = {}; // only the options a XSubscriber has
 * new XSubscriber({ ...own, linger: 0 }).close();
 * ```
 */
export interface XSubscriberOwnOptions extends SendOptions, ReceiveOptions {
  /**
   * ZMQ_ONLY_FIRST_SUBSCRIBE: the frames of a multi-part message after the
   * first are taken for (un)subscriptions only when the first is one.
   * Default false.
   */
  onlyFirstSubscribe?: boolean;
}

/**
 * A subscriber that subscribes by sending messages: byte 1 (subscribe) or 0
 * (unsubscribe) followed by the topic. Other messages go to every publisher.
 *
 * @example
 * ```ts
 * import { XSubscriber } from "zmtp-zeromq";
 * const xsub = new XSubscriber();
 * await xsub.send(new Uint8Array([1])); // subscribe to everything
 * xsub.close();
 * ```
 */
export class XSubscriber extends SocketBase {
  /**
   * Creates a XSUB socket.
   *
   * @param options Socket options.
   */
  constructor(options?: XSubscriberOptions) {
    super("XSUB", options, (c) => new SubscriberPolicy(c, false));
  }
}

/**
 * The send and receive options of an XSubscriber, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { XSubscriber } from "zmtp-zeromq";
 * const socket = new XSubscriber();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface XSubscriber extends Writable, Readable, Required<XSubscriberOwnOptions> {}
defineSocket(XSubscriber.prototype, "XSUB", "both");
