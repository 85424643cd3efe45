/**
 * The transport contract. A transport turns an endpoint into byte-stream
 * connections; everything above it (greeting, handshake, frames, pipes) is
 * runtime-agnostic. Runtime adapters live in `transports/`.
 *
 * The public contract is a Web Streams duplex ({@link StreamDuplex}, the
 * shape of the socket objects that server and edge runtimes hand out):
 * {@link streamTransport} makes a transport of functions that open and
 * accept duplexes, for `registerTransport()`. Internally the engine drives
 * a callback {@link Connection}, which an adapter in `transports/` may fill
 * straight from its runtime's data callbacks to avoid a promise per chunk;
 * {@link fromStreams} makes one from any duplex.
 *
 * @module
 */

import type { Endpoint } from "./endpoint.ts";
import type { Framer, FramerContext, FramerHandler } from "./zmtp/framer.ts";
import { WriteQueue } from "./write_queue.ts";

/**
 * A byte-stream duplex on Web Streams: a readable, a writable and close().
 *
 * @example
 * ```ts
 * import type { StreamDuplex } from "zmtp-zeromq";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const loop: StreamDuplex = { readable, writable, close: () => {} };
 * console.log(typeof loop.close); // function
 * ```
 */
export interface StreamDuplex {
  /** The bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions. */
  close(): void;
  /** The peer's address for events and ZAP, if the duplex knows it. */
  readonly remoteAddress?: string;
  /** Optional: lets the process exit while the duplex is open (see {@link Connection.unref}). */
  unref?(): void;
}

/**
 * Receives a connection's events.
 *
 * @example
 * ```ts
 * import type { ConnectionHandler } from "zmtp-zeromq";
 * const handler: ConnectionHandler = {
 *   onData: (chunk) => console.log(chunk.length),
 *   onClose: (error) => console.log("closed", error?.message),
 *   onDrain: () => {},
 * };
 * handler.onData(new Uint8Array(3)); // 3
 * ```
 */
export interface ConnectionHandler {
  /** Bytes arrived. The chunk is ours to keep (adapters must not reuse it). */
  onData(chunk: Uint8Array): void;
  /** The connection ended (cleanly or with an error). Called once. */
  onClose(error?: Error): void;
  /** A write that returned false has been flushed. */
  onDrain(): void;
  /**
   * Optional, for adapters that read into buffers of their choice: where the
   * next read may put its bytes directly (the rest of a large frame body
   * under way), or undefined. The adapter reads at most its length into it,
   * then calls {@link filled} with the count instead of `onData`.
   */
  target?(): Uint8Array | undefined;
  /** Optional: `n` bytes (more than 0) were read into the last {@link target}. */
  filled?(n: number): void;
  /**
   * Optional: a size for the next fresh read buffer (the stream carries
   * large frames: one read that size takes the next whole, with no copy),
   * or 0 for the adapter's own.
   */
  readSize?(): number;
}

/**
 * One byte-stream connection, driven by callbacks.
 *
 * @example
 * ```ts
 * import type { Connection } from "zmtp-zeromq";
 * // What a Transport's connect() resolves to and its listener hands over:
 * // the engine starts it with a handler, then writes frames to it.
 * const describe = (c: Connection): string => `${c.remoteAddress}: ${c.write(new Uint8Array(0))}`;
 * console.log(typeof describe); // function
 * ```
 */
export interface Connection {
  /** The peer's address, e.g. `127.0.0.1:5555`, for ZAP and monitoring. */
  readonly remoteAddress: string;
  /** Starts delivering events to `handler`. */
  start(handler: ConnectionHandler): void;
  /**
   * Queues bytes. Returns false when the transport's buffer is full: the
   * caller stops writing until `onDrain`. The buffer must not be mutated after.
   */
  write(chunk: Uint8Array): boolean;
  /** Stops delivering data (inbound backpressure). */
  pause(): void;
  /** Resumes delivering data. */
  resume(): void;
  /**
   * Closes gracefully: flushes what was written, half-closes (the peer reads
   * EOF after our last byte), keeps reading until the peer's EOF or an
   * error, and only then closes and calls `onClose`. A peer that sees the
   * connection hang up instead may discard what it has not read yet (libzmq
   * over ipc, paused at its HWM, does). Meanwhile inbound bytes are still
   * delivered, `pause()` no longer applies (the EOF must be read) and
   * `write()` drops its chunk. Unbounded: the caller destroys the connection
   * when it stops waiting. A transport that cannot half-close closes once
   * flushed.
   */
  end(): void;
  /**
   * Closes at once, dropping unwritten bytes; also ends a pending `end()`.
   * `error` says why when the engine gives up on bad input; a transport may
   * tell the peer (WebSocket: close code 1002).
   */
  destroy(error?: Error): void;
  /**
   * Optional: runs `fn` after the current macrotask and pending I/O (e.g.
   * `setImmediate`). The engine flushes through it so that the messages a
   * producer queues in one turn leave in one write; without it the engine
   * flushes in a microtask.
   */
  defer?(fn: () => void): void;
  /**
   * Optional: a buffer of `size` bytes for the engine to fill and pass to
   * `write()`, without zeroing it first (e.g. `Buffer.allocUnsafe`).
   */
  alloc?(size: number): Uint8Array;
  /**
   * Optional: true when the chunks given to `onData` are already of the
   * class received frames have (lib/frames.ts), so a frame that lies inside
   * one chunk is made by its `subarray()`, which keeps the class, instead of
   * a new view over its bytes (the adapter says where that is cheaper).
   */
  readonly framesBySubarray?: boolean;
  /**
   * Optional: lets the process exit while the connection is open (Node's
   * `socket.unref()`, Deno's `conn.unref()`). The socket calls it on every
   * connection it runs, as zeromq.js's sockets do not keep Node alive: only
   * a pending send or receive, or a close that lingers, does.
   */
  unref?(): void;
}

/**
 * @internal A connection that carries a framing of its own instead of ZMTP
 * 3.x bytes (ws: one ZWS frame per WebSocket message); the engine asks it
 * for its framer once, before start().
 */
export interface FramedConnection extends Connection {
  /** The framer for this connection, reporting to `handler`. */
  framer(handler: FramerHandler, ctx: FramerContext): Framer;
}

/**
 * A bound endpoint accepting connections.
 *
 * @example
 * ```ts
 * import type { Listener } from "zmtp-zeromq";
 * const listener: Listener = { endpoint: "demo://x", close: () => Promise.resolve(), unref: () => {} };
 * await listener.close();
 * console.log(listener.endpoint); // demo://x
 * ```
 */
export interface Listener {
  /** The endpoint actually bound (port and path resolved), for `lastEndpoint`. */
  readonly endpoint: string;
  /** Stops accepting. Open connections are not affected. */
  close(): Promise<void>;
  /** Optional: lets the process exit while listening (see {@link Connection.unref}). */
  unref?(): void;
}

/**
 * The socket options a byte-stream transport applies to the connections and
 * listeners it makes, with the socket's values at connect()/bind() time
 * (zeromq.js's names, libzmq's meaning). A transport ignores what its
 * runtime cannot set; the README lists those.
 *
 * @example
 * ```ts
 * import type { TransportOptions } from "zmtp-zeromq";
 * const o: TransportOptions = { ipv6: false, backlog: 100, tcpKeepalive: 1 };
 * console.log(o.backlog); // 100
 * ```
 */
export interface TransportOptions {
  /** ZMQ_IPV6: names resolve to IPv6 (and IPv4) addresses; false: IPv4 only. */
  readonly ipv6?: boolean;
  /** ZMQ_BACKLOG: the listen queue. */
  readonly backlog?: number;
  /** ZMQ_TCP_KEEPALIVE: -1 leaves the system's setting, 0 off, 1 on. */
  readonly tcpKeepalive?: number;
  /** ZMQ_TCP_KEEPALIVE_IDLE: seconds idle before the first probe; -1 the system's. */
  readonly tcpKeepaliveIdle?: number;
  /** ZMQ_TCP_KEEPALIVE_CNT: probes before the connection is dropped; -1 the system's. */
  readonly tcpKeepaliveCount?: number;
  /** ZMQ_TCP_KEEPALIVE_INTVL: seconds between probes; -1 the system's. */
  readonly tcpKeepaliveInterval?: number;
  /** ZMQ_TOS: the IP type-of-service byte of the connections; 0 the system's. */
  readonly typeOfService?: number;
  /** The socket's security mechanism ("NULL", "PLAIN", "CURVE"), for a transport that cannot carry every one. */
  readonly mechanism?: string;
}

/**
 * A transport for one or more URL schemes.
 *
 * @example
 * ```ts
 * import { registerTransport, type Transport } from "zmtp-zeromq";
 * const none: Transport = {
 *   connect: () => Promise.reject(new Error("nothing to connect to")),
 *   listen: () => Promise.reject(new Error("nothing to listen on")),
 * };
 * registerTransport("none", none);
 * ```
 */
export interface Transport {
  /** Opens a connection to `endpoint`. Rejects when it cannot (refused, no such path). */
  connect(endpoint: Endpoint, options?: TransportOptions): Promise<Connection>;
  /**
   * Binds `endpoint` and calls `onConnection` for every accepted connection.
   * A failure to accept one connection (reset before it was taken, out of
   * file descriptors) goes to `onError`; the listener goes on accepting
   * until `close()`.
   */
  listen(
    endpoint: Endpoint,
    onConnection: (conn: Connection) => void,
    onError?: (error: Error) => void,
    options?: TransportOptions,
  ): Promise<Listener>;
}

/**
 * What {@link streamTransport} needs: how to open, and optionally accept, duplexes.
 *
 * @example
 * ```ts
 * import { registerTransport, streamTransport, type StreamTransportOptions } from "zmtp-zeromq";
 * const opts: StreamTransportOptions = {
 *   connect: () => Promise.reject(new Error("no duplex here")),
 * };
 * registerTransport("mem", streamTransport(opts));
 * ```
 */
export interface StreamTransportOptions {
  /** Opens a duplex to `endpoint`; rejects when it cannot. */
  connect(endpoint: Endpoint): Promise<StreamDuplex>;
  /**
   * Binds `endpoint` and passes every accepted duplex to `accept`. Resolves
   * once bound, with what stops it (and the endpoint bound, when it differs).
   * Without it, bind() is refused.
   */
  listen?(
    endpoint: Endpoint,
    accept: (duplex: StreamDuplex) => void,
  ): Promise<{ readonly endpoint?: string; close(): void | Promise<void> }>;
}

/**
 * Makes a transport of Web Streams duplexes: register it for a scheme with
 * `registerTransport()`, and sockets bind and connect over it as over tcp://.
 *
 * @param options Opens (and accepts) duplexes.
 * @returns The transport.
 * @example
 * ```ts
 * import { registerTransport, streamTransport } from "zmtp-zeromq";
 * // Each connect() gets one end of an in-memory pipe; nobody reads the other.
 * registerTransport("loop", streamTransport({
 *   connect: () => {
 *     const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 *     return Promise.resolve({ readable, writable, close() {} });
 *   },
 * }));
 * ```
 */
export function streamTransport(options: StreamTransportOptions): Transport {
  return {
    async connect(ep) {
      return fromStreams(await options.connect(ep));
    },
    async listen(ep, onConnection, onError) {
      if (options.listen === undefined) throw new TypeError(`This transport cannot bind (${ep.address})`);
      const l = await options.listen(ep, (duplex) => {
        try {
          onConnection(fromStreams(duplex));
        } catch (e) {
          // A throwing handler (an event listener, say) loses this connection only.
          try {
            duplex.close();
          } catch { /* already closed */ }
          onError?.(e instanceof Error ? e : new Error(String(e)));
        }
      });
      return { endpoint: l.endpoint ?? ep.address, close: () => Promise.resolve(l.close()) };
    },
  };
}

/**
 * Wraps a Web Streams duplex as a {@link Connection}.
 *
 * @param duplex The readable/writable pair of a byte-stream socket.
 * @param remoteAddress The peer address to report (default: the duplex's, else "stream").
 * @returns A connection the engine can drive.
 * @example
 * ```ts
 * import { fromStreams } from "./transport.ts";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const conn = fromStreams({ readable, writable, close() {} }, "loopback");
 * ```
 */
export function fromStreams(duplex: StreamDuplex, remoteAddress?: string): Connection {
  return new StreamConnection(duplex, remoteAddress ?? duplex.remoteAddress ?? "stream");
}

// Each write is the writer's; the queue counts the bytes in flight until
// the stream took them, for backpressure.
class StreamConnection implements Connection {
  readonly remoteAddress: string;
  #duplex: StreamDuplex;
  #handler: ConnectionHandler | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #queue = new WriteQueue(() => this.#handler?.onDrain());
  #paused = false;
  #resumeWait: (() => void) | null = null;
  #ending = false;
  #closed = false;

  constructor(duplex: StreamDuplex, remoteAddress: string) {
    this.#duplex = duplex;
    this.remoteAddress = remoteAddress;
    this.#writer = duplex.writable.getWriter();
  }

  start(handler: ConnectionHandler): void {
    this.#handler = handler;
    this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    const reader = this.#reader = this.#duplex.readable.getReader();
    let error: Error | undefined;
    try {
      while (!this.#closed) {
        if (this.#paused) await new Promise<void>((r) => this.#resumeWait = r);
        if (this.#closed) break;
        const { value, done } = await reader.read();
        if (done) break;
        if (value.length > 0) this.#handler?.onData(value);
      }
    } catch (e) {
      if (!this.#closed) error = e instanceof Error ? e : new Error(String(e));
    }
    // The peer's EOF: our side closes after what is queued, as a socket does.
    this.#finish(error, error === undefined);
  }

  unref(): void {
    this.#duplex.unref?.();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    const len = chunk.length;
    this.#writer.write(chunk).then(
      () => this.#queue.done(len),
      (e) => this.#finish(e instanceof Error ? e : new Error(String(e))),
    );
    return this.#queue.sent(len);
  }

  pause(): void {
    // Once ending, reading goes on until the peer's EOF.
    if (!this.#ending) this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const r = this.#resumeWait;
    this.#resumeWait = null;
    r?.();
  }

  // Closing the writable after the queued writes is the half-close: the
  // peer reads EOF after our last byte; the read loop runs on to its EOF.
  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.resume();
    this.#writer.close().catch((e) => this.#finish(e instanceof Error ? e : new Error(String(e))));
  }

  destroy(): void {
    this.#finish();
  }

  #finish(error?: Error, eof = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.resume();
    const close = () => {
      try {
        this.#duplex.close();
      } catch { /* already closed */ }
    };
    if (eof) {
      this.#writer.close().catch(() => {}).finally(close);
    } else {
      // Dropped, not closed: the peer must not take this for a clean EOF.
      this.#writer.abort(error).catch(() => {});
      try {
        this.#reader?.cancel().catch(() => {});
      } catch { /* already released */ }
      close();
    }
    const h = this.#handler;
    this.#handler = null;
    h?.onClose(error);
  }
}
