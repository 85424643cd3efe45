// STREAM (libzmq's ZMQ_STREAM): raw TCP (or ipc) with routing ids. No ZMTP
// on the wire: each chunk read from a peer is received as [routingId, data],
// [routingId, data] writes the bytes to that peer, [routingId, ""] closes
// its connection. With `notify` (the default) an empty data frame also
// tells when a peer connects and when it goes away.

import { ZmqError } from "../errors.ts";
import { latin1 } from "../bytes.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { rawFramer } from "../zmtp/raw_framer.ts";
import {
  core,
  defineSocket,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  type Writable,
} from "../socket_base.ts";
import type { Policy, SocketCore } from "../core.ts";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Options of a {@link Stream}.
 *
 * @example
 * ```ts
 * import { Stream, type StreamOptions } from "zmtp-zeromq";
 * const options: StreamOptions = { linger: 0 };
 * new Stream(options).close();
 * ```
 */
export interface StreamOptions extends SocketOptions, StreamOwnOptions {}

/**
 * The options only a {@link Stream} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { Stream, type StreamOwnOptions } from "zmtp-zeromq";
 * const own: StreamOwnOptions = {}; // only the options a Stream has
 * new Stream({ ...own, linger: 0 }).close();
 * ```
 */
export interface StreamOwnOptions extends SendOptions, ReceiveOptions {
  /** ZMQ_STREAM_NOTIFY: an empty message when a peer connects or disconnects. Default true. */
  notify?: boolean;
}

/**
 * The options of {@link Stream.connect}.
 *
 * @example
 * ```ts
 * import { Stream, type StreamConnectOptions } from "zmtp-zeromq";
 * const s = new Stream({ linger: 0 });
 * const opts: StreamConnectOptions = { routingId: "web" };
 * s.connect("tcp://127.0.0.1:8080", opts);
 * s.close();
 * ```
 */
export interface StreamConnectOptions {
  /** ZMQ_CONNECT_ROUTING_ID: the routing id of this connection, instead of a generated one. */
  routingId?: string | Uint8Array;
}

// What a STREAM keeps per pipe.
interface PeerState {
  // The notify option when the connection was made (libzmq's engine copies it).
  notify: boolean;
  // We closed it (an empty frame): no disconnect notification.
  closing: boolean;
}

// libzmq has STREAM only on its stream transports (tcp, ipc); elsewhere
// no peer could speak raw bytes to it.
const NOT_RAW = new Set(["inproc", "ws", "wss", "udp"]);

function checkTransport(address: unknown): void {
  if (typeof address !== "string") return;
  const scheme = address.slice(0, Math.max(0, address.indexOf("://")));
  if (NOT_RAW.has(scheme)) {
    throw new ZmqError("ENOCOMPATPROTO", `A STREAM socket carries raw bytes over tcp:// or ipc://, not ${scheme}://`, {
      address,
    });
  }
}

// The routing policy of STREAM, over the pipes the core manages.
class StreamPolicy implements Policy {
  #core: SocketCore;
  #in = new FairQueue();
  #byId = new Map<string, Pipe>();
  // libzmq starts generated ids at a random 32-bit value, prefixed by 0x00.
  #nextId = (Math.random() * 0x100000000) >>> 0;
  readonly framer = rawFramer;

  constructor(core: SocketCore) {
    this.#core = core;
  }

  /** A routing id already names a peer. */
  has(id: Uint8Array): boolean {
    return this.#byId.has(latin1(id));
  }

  attach(pipe: Pipe): void | string {
    // connect()'s routingId, else a generated one (libzmq: always assigned).
    let id = pipe.routingId;
    if (id !== null && id.length > 0) {
      if (this.has(id)) return "Duplicate routing id";
    } else {
      id = this.#generate();
    }
    pipe.routingId = id;
    pipe.state = { notify: this.#core.opts.notify === true, closing: false } satisfies PeerState;
    this.#byId.set(latin1(id), pipe);
    this.#in.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#forget(pipe);
    this.#in.detach(pipe);
  }

  #forget(pipe: Pipe): void {
    if (pipe.routingId !== null && this.#byId.get(latin1(pipe.routingId)) === pipe) {
      this.#byId.delete(latin1(pipe.routingId));
    }
  }

  // The notifications come in order with the data (libzmq's raw engine
  // pushes them into the pipe): first thing on a connection, last thing.
  connected(pipe: Pipe): void {
    const s = pipe.state as PeerState;
    s.notify = this.#core.opts.notify === true;
    if (s.notify) pipe.pushIn([EMPTY]);
  }

  disconnected(pipe: Pipe): void {
    const s = pipe.state as PeerState;
    if (s.notify && !s.closing) pipe.pushIn([EMPTY]);
  }

  #generate(): Uint8Array {
    const id = new Uint8Array(5);
    new DataView(id.buffer).setUint32(1, this.#nextId);
    this.#nextId = (this.#nextId + 1) >>> 0;
    return id;
  }

  send(msg: Msg): boolean {
    if (msg.length !== 2) {
      throw new ZmqError("EINVAL", "A STREAM message is a routing id frame and one data frame");
    }
    const pipe = this.#byId.get(latin1(msg[0]));
    // libzmq's stream_t::xsend: an unknown id fails whatever the options.
    if (pipe === undefined || pipe.terminated) {
      throw new ZmqError("EHOSTUNREACH", "Host unreachable: no peer with that routing id");
    }
    const data = msg[1];
    if (data.length === 0) {
      // Closes that connection once what is queued for it is written.
      (pipe.state as PeerState).closing = true;
      this.#forget(pipe);
      this.#core.closePipe(pipe);
      return true;
    }
    // At the HWM the send waits, as libzmq's (EAGAIN, retried).
    if (!pipe.canWrite()) return false;
    pipe.write([data]);
    return true;
  }

  hasIn(): boolean {
    return this.#in.hasIn();
  }

  // libzmq's stream_t: always writable (where a message goes depends on it).
  hasOut(): boolean {
    return true;
  }

  recv(): Msg | undefined {
    const r = this.#in.recvFrom();
    if (r === undefined) return undefined;
    const [m, pipe] = r;
    return [pipe.routingId!, m[0]];
  }
}

/**
 * Talks to non-ZeroMQ peers over tcp:// (or ipc://): raw bytes with routing
 * ids, as libzmq's ZMQ_STREAM. Receives `[routingId, data]` for each chunk
 * a peer sends, and `[routingId, ""]` when a peer connects or goes away
 * (with `notify`, the default); sends `[routingId, data]` to write bytes to
 * a peer, `[routingId, ""]` to close its connection. An unknown routing id
 * fails with EHOSTUNREACH.
 *
 * @example
 * ```ts
 * import { Stream } from "zmtp-zeromq";
 * const stream = new Stream();
 * await stream.bind("tcp://127.0.0.1:*");
 * await stream.send(["nobody", "hi"]).catch((e) => console.log(e.code)); // "EHOSTUNREACH"
 * stream.close();
 * ```
 */
export class Stream extends SocketBase {
  /**
   * Creates a STREAM socket.
   *
   * @param options Socket options.
   */
  constructor(options?: StreamOptions) {
    super("STREAM", options, (c) => new StreamPolicy(c));
  }

  /**
   * Binds to a tcp:// or ipc:// endpoint and accepts raw connections on it.
   *
   * @param address e.g. `tcp://127.0.0.1:8080`.
   * @returns Resolves once bound; rejects with ENOCOMPATPROTO for inproc://,
   *   ws://, wss:// and udp://, otherwise as every socket's bind().
   */
  override bind(address: string): Promise<void> {
    if (!this.closed) {
      try {
        checkTransport(address);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return super.bind(address);
  }

  /**
   * Connects to a tcp:// or ipc:// endpoint. Messages for the connection's
   * routing id queue until it is up.
   *
   * @param address e.g. `tcp://127.0.0.1:8080`.
   * @param options `routingId` names this connection (ZMQ_CONNECT_ROUTING_ID);
   *   otherwise it gets a generated one, seen in its connect notification.
   * @throws {ZmqError} ENOCOMPATPROTO for inproc://, ws://, wss:// and udp://;
   *   EINVAL for a routing id already in use; otherwise as every socket's connect().
   */
  override connect(address: string, options?: StreamConnectOptions): void {
    if (!this.closed) {
      checkTransport(address);
      const rid = options?.routingId;
      if (rid !== undefined) {
        const id = typeof rid === "string" ? encoder.encode(rid) : rid;
        if ((core(this).policy as StreamPolicy).has(id)) {
          throw new ZmqError("EINVAL", "Routing id already in use by another peer", { address });
        }
      }
    }
    super.connect(address, options);
  }
}

/**
 * The options only a Stream has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Stream } from "zmtp-zeromq";
 * const socket = new Stream();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Stream extends Writable, Readable, Required<StreamOwnOptions> {}
defineSocket(Stream.prototype, "STREAM", "both");
