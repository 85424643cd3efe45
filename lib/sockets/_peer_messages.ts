// The libzmq 4.3.5 draft options that make up a message for each peer
// (ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG), on the types libzmq
// allows them; lib/core.ts sends and delivers them.

/**
 * ZMQ_HELLO_MSG (ROUTER, DEALER, SERVER, CLIENT, PEER).
 *
 * @example
 * ```ts
 * import { Dealer, type HelloMessageOptions } from "zmtp-zeromq";
 * const opts: HelloMessageOptions = { helloMessage: "hello" };
 * new Dealer(opts).close();
 * ```
 */
export interface HelloMessageOptions {
  /** Sent to each new peer (every connection, reconnections too) before anything else; null for none. */
  helloMessage?: string | Uint8Array | null;
}

/**
 * ZMQ_DISCONNECT_MSG (ROUTER, SERVER, PEER).
 *
 * @example
 * ```ts
 * import { type DisconnectMessageOptions, Router } from "zmtp-zeromq";
 * const opts: DisconnectMessageOptions = { disconnectMessage: "gone" };
 * new Router(opts).close();
 * ```
 */
export interface DisconnectMessageOptions {
  /** Received from an accepted peer whose handshaken connection is gone, as if it had sent it; null for none. */
  disconnectMessage?: string | Uint8Array | null;
}

/**
 * ZMQ_HICCUP_MSG (DEALER, CLIENT, PEER).
 *
 * @example
 * ```ts
 * import { Dealer, type HiccupMessageOptions } from "zmtp-zeromq";
 * const opts: HiccupMessageOptions = { hiccupMessage: "reconnected" };
 * new Dealer(opts).close();
 * ```
 */
export interface HiccupMessageOptions {
  /** Received from a connect()ed peer whose handshaken connection is gone (before the reconnection); null for none. */
  hiccupMessage?: string | Uint8Array | null;
}
