// DGRAM: raw UDP. Bound to a udp:// endpoint, it receives every datagram as
// `[address, body]` (the address is the sender's `ip:port`, NUL-terminated
// as libzmq gives it) and sends `[address, body]` as a datagram of the body
// to that address. Only udp://, and only bind (see lib/udp.ts).

import { ZmqError, zmqError } from "../errors.ts";
import { PairPolicy } from "./pair.ts";
import {
  defineSocket,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";

/**
 * Options of a {@link Datagram}.
 *
 * @example
 * ```ts
 * import { Datagram, type DatagramOptions } from "zmtp-zeromq/draft";
 * const options: DatagramOptions = { linger: 0 };
 * new Datagram(options).close();
 * ```
 */
export interface DatagramOptions extends SocketOptions, SendOptions, ReceiveOptions {}

// The routing policy of DGRAM: PAIR's, over the one pipe of its udp:// endpoint.
const datagramPolicy = () =>
  new PairPolicy("DGRAM socket already has an endpoint", (msg) => {
    if (msg.length !== 2) {
      throw new ZmqError("EINVAL", `DGRAM messages have exactly two parts, address and body, got ${msg.length}`);
    }
  });

function udpOnly(address: unknown): void {
  if (typeof address === "string" && address.includes("://") && !address.startsWith("udp://")) {
    throw zmqError("ENOCOMPATPROTO", `A DGRAM socket works over udp:// only, not ${address}`, { address });
  }
}

/**
 * Raw UDP, as zeromq.js's draft Datagram: bind it to a `udp://` endpoint;
 * `receive()` gives `[address, body]` for each datagram that arrives, and
 * `send([address, body])` sends the body to `address` (`"ip:port"`, as
 * received, or written by hand).
 *
 * @example
 * ```ts
 * import { Datagram } from "zmtp-zeromq/draft";
 * const a = new Datagram();
 * await a.bind("udp://127.0.0.1:*");
 * const b = new Datagram();
 * await b.bind("udp://127.0.0.1:*");
 * await b.send([a.lastEndpoint!.slice("udp://".length), "ping"]);
 * const [from, body] = await a.receive();
 * await a.send([from, body]);
 * console.log(new TextDecoder().decode((await b.receive())[1])); // "ping"
 * a.close();
 * b.close();
 * ```
 */
export class Datagram extends SocketBase {
  /**
   * Creates a DGRAM socket.
   *
   * @param options Socket options.
   */
  constructor(options?: DatagramOptions) {
    super("DGRAM", options, datagramPolicy);
  }

  /**
   * Binds to a `udp://` endpoint (`udp://127.0.0.1:5555`, `udp://*:*`).
   *
   * @param address The endpoint.
   * @returns Resolves once bound; rejects with ENOCOMPATPROTO for another transport.
   */
  override bind(address: string): Promise<void> {
    try {
      udpOnly(address);
    } catch (e) {
      return Promise.reject(e);
    }
    return super.bind(address);
  }

  /**
   * Not for a DGRAM here: it binds (libzmq lets it connect too).
   *
   * @param address The endpoint.
   * @throws {ZmqError} ENOCOMPATPROTO.
   */
  override connect(address: string): void {
    udpOnly(address);
    super.connect(address);
  }
}

/**
 * The send and receive options of a Datagram, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Datagram } from "zmtp-zeromq/draft";
 * const socket = new Datagram();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Datagram extends Writable, Readable, Required<SendOptions & ReceiveOptions> {}
defineSocket(Datagram.prototype, "DGRAM", "both");
