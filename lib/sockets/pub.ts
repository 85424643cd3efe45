// PUB (RFC 29): XPUB's fan-out without handing subscriptions to the user.

import {
  type ConflateOptions,
  defineSocket,
  type InvertMatchingOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";
import { PublisherPolicy } from "./xpub.ts";

/**
 * Options of a {@link Publisher}.
 *
 * @example
 * ```ts
 * import { Publisher, type PublisherOptions } from "zmtp-zeromq";
 * const options: PublisherOptions = { linger: 0 };
 * new Publisher(options).close();
 * ```
 */
export interface PublisherOptions extends SocketOptions, PublisherOwnOptions {}

/**
 * The options only a {@link Publisher} has.
 *
 * @example
 * ```ts
 * import { Publisher, type PublisherOwnOptions } from "zmtp-zeromq";
 * const own: PublisherOwnOptions = {}; // only the options a Publisher has
 * new Publisher({ ...own, linger: 0 }).close();
 * ```
 */
export interface PublisherOwnOptions extends ConflateOptions, InvertMatchingOptions, SendOptions {
  /** ZMQ_XPUB_NODROP: wait (or fail with EAGAIN) instead of dropping at the HWM. */
  noDrop?: boolean;
}

/**
 * Publishes messages to every {@link Subscriber} whose subscriptions match
 * the first frame. Never blocks: messages for a subscriber at its
 * high-water mark are dropped (unless `noDrop`).
 *
 * @example
 * ```ts
 * import { Publisher } from "zmtp-zeromq";
 * const pub = new Publisher();
 * await pub.bind("tcp://127.0.0.1:*");
 * await pub.send(["weather", "sunny"]);
 * pub.close();
 * ```
 */
export class Publisher extends SocketBase {
  /**
   * Creates a PUB socket.
   *
   * @param options Socket options.
   */
  constructor(options?: PublisherOptions) {
    super("PUB", options, (c) => new PublisherPolicy(c, false));
  }
}

/**
 * The options only a Publisher has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Publisher } from "zmtp-zeromq";
 * const socket = new Publisher();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Publisher extends Writable, Required<PublisherOwnOptions> {}
defineSocket(Publisher.prototype, "PUB", "send");
