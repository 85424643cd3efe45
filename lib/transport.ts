/**
 * The transport contract. A transport turns an endpoint into byte-stream
 * connections; everything above it (greeting, handshake, frames, pipes) is
 * runtime-agnostic. Runtime adapters live in `transports/`.
 *
 * The public contract is a Web Streams duplex ({@link StreamDuplex}, the
 * shape of the socket objects that server and edge runtimes hand out).
 * Internally the engine drives a callback {@link Connection}, which an
 * adapter in `transports/` may fill straight from its runtime's data
 * callbacks to avoid a promise per chunk; {@link fromStreams} makes one from
 * any duplex.
 *
 * @module
 */

import type { Endpoint } from "./endpoint.ts";

/** A byte-stream duplex on Web Streams: a readable, a writable and close(). */
export interface StreamDuplex {
  /** The bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions. */
  close(): void;
}

/** Receives a connection's events. */
export interface ConnectionHandler {
  /** Bytes arrived. The chunk is ours to keep (adapters must not reuse it). */
  onData(chunk: Uint8Array): void;
  /** The connection ended (cleanly or with an error). Called once. */
  onClose(error?: Error): void;
  /** A write that returned false has been flushed. */
  onDrain(): void;
}

/** One byte-stream connection, driven by callbacks. */
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
  /** Closes at once, dropping unwritten bytes; also ends a pending `end()`. */
  destroy(): void;
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
}

/** A bound endpoint accepting connections. */
export interface Listener {
  /** The endpoint actually bound (port and path resolved), for `lastEndpoint`. */
  readonly endpoint: string;
  /** Stops accepting. Open connections are not affected. */
  close(): Promise<void>;
}

/** A transport for one or more URL schemes. */
export interface Transport {
  /** Opens a connection to `endpoint`. Rejects when it cannot (refused, no such path). */
  connect(endpoint: Endpoint): Promise<Connection>;
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
  ): Promise<Listener>;
}

/**
 * Wraps a Web Streams duplex as a {@link Connection}.
 *
 * @param duplex The readable/writable pair of a byte-stream socket.
 * @param remoteAddress The peer address to report.
 * @returns A connection the engine can drive.
 * @example
 * ```ts
 * import { fromStreams } from "./lib/transport.ts";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const conn = fromStreams({ readable, writable, close() {} }, "loopback");
 * ```
 */
export function fromStreams(duplex: StreamDuplex, remoteAddress: string): Connection {
  return new StreamConnection(duplex, remoteAddress);
}

// Writes are chained on the writer's ready promise; up to HIGH bytes may be
// in flight before write() reports backpressure.
const HIGH = 1 << 20;

class StreamConnection implements Connection {
  readonly remoteAddress: string;
  #duplex: StreamDuplex;
  #handler: ConnectionHandler | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #pending = 0;
  #needDrain = false;
  #paused = false;
  #resumeWait: (() => void) | null = null;
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
        if (value.length > 0) this.#handler!.onData(value);
      }
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    this.#finish(error);
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed) return false;
    this.#pending += chunk.length;
    const len = chunk.length;
    this.#writer.write(chunk).then(() => {
      this.#pending -= len;
      if (this.#needDrain && this.#pending < HIGH / 2) {
        this.#needDrain = false;
        this.#handler?.onDrain();
      }
    }, (e) => this.#finish(e instanceof Error ? e : new Error(String(e))));
    if (this.#pending >= HIGH) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const r = this.#resumeWait;
    this.#resumeWait = null;
    r?.();
  }

  end(): void {
    if (this.#closed) return;
    // Close after queued writes complete.
    this.#writer.close().catch(() => {}).finally(() => this.destroy());
  }

  destroy(): void {
    if (this.#closed) return;
    this.#finish();
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.resume();
    try {
      this.#reader?.cancel().catch(() => {});
    } catch { /* already released */ }
    try {
      this.#duplex.close();
    } catch { /* already closed */ }
    const h = this.#handler;
    this.#handler = null;
    h?.onClose(error);
  }
}
