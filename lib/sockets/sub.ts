// SUB (RFC 29): subscribe()/unsubscribe() by prefix; receives only matches.

import {
  type ConflateOptions,
  defineSocket,
  type InvertMatchingOptions,
  type MessageLike,
  type Readable,
  type ReceiveOptions,
  SocketBase,
  type SocketOptions,
  toFrame,
} from "../socket_base.ts";
import { SubscriberPolicy } from "./xsub.ts";

/**
 * Options of a {@link Subscriber}.
 *
 * @example
 * ```ts
 * import { Subscriber, type SubscriberOptions } from "zmtp-zeromq";
 * const options: SubscriberOptions = { linger: 0 };
 * new Subscriber(options).close();
 * ```
 */
export interface SubscriberOptions extends SocketOptions, SubscriberOwnOptions {}

/**
 * The options only a {@link Subscriber} has.
 *
 * @example
 * ```ts
 * import { Subscriber, type SubscriberOwnOptions } from "zmtp-zeromq";
 * const own: SubscriberOwnOptions = {}; // only the options a Subscriber has
 * new Subscriber({ ...own, linger: 0 }).close();
 * ```
 */
export interface SubscriberOwnOptions extends ConflateOptions, InvertMatchingOptions, ReceiveOptions {}

/**
 * Receives messages from {@link Publisher}s whose first frame starts with a
 * subscribed prefix. A new subscriber receives nothing until it subscribes.
 *
 * @example
 * ```ts
 * import { Subscriber } from "zmtp-zeromq";
 * const sub = new Subscriber();
 * sub.subscribe("weather");
 * sub.subscribe(); // everything
 * sub.unsubscribe();
 * sub.close();
 * ```
 */
export class Subscriber extends SocketBase {
  #policy!: SubscriberPolicy;

  /**
   * Creates a SUB socket.
   *
   * @param options Socket options.
   */
  constructor(options?: SubscriberOptions) {
    let policy!: SubscriberPolicy;
    super("SUB", options, (c) => policy = new SubscriberPolicy(c, true));
    this.#policy = policy;
  }

  /**
   * Subscribes to messages starting with each prefix; no argument means all.
   *
   * @param prefixes Topic prefixes.
   */
  subscribe(...prefixes: MessageLike[]): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const p of prefixes) this.#policy.subscribe(toFrame(p).slice());
  }

  /**
   * Removes subscriptions made with the same prefixes; no argument removes
   * the "everything" subscription.
   *
   * @param prefixes Topic prefixes.
   */
  unsubscribe(...prefixes: MessageLike[]): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const p of prefixes) this.#policy.unsubscribe(toFrame(p).slice());
  }
}

/**
 * The options only a Subscriber has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Subscriber } from "zmtp-zeromq";
 * const socket = new Subscriber();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Subscriber extends Readable, Required<SubscriberOwnOptions> {}
defineSocket(Subscriber.prototype, "SUB", "receive");
