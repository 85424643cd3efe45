/**
 * TCP over `Deno.connect`/`Deno.listen`. A Deno.Conn is the Web Streams
 * duplex of the transport contract; reads go straight to `conn.read()` into
 * fresh buffers, which avoids a stream hop per chunk.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import { formatHostPort } from "../lib/endpoint.ts";
import type { Connection, ConnectionHandler, Listener, Transport, TransportOptions } from "../lib/transport.ts";
import { systemError } from "../lib/errors.ts";
import { resolveHost } from "./resolve.ts";
import { WriteQueue } from "../lib/write_queue.ts";
import { unrefTimer } from "../lib/keepalive.ts";
import { Buffer } from "node:buffer";

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;

const READ_SIZE = 65536;

class DenoConnection implements Connection {
  readonly remoteAddress: string;
  // deno-lint-ignore no-explicit-any
  #conn: any;
  #h: ConnectionHandler | null = null;
  #paused = false;
  #wake: (() => void) | null = null;
  #closed = false;
  #queue = new WriteQueue(() => this.#h?.onDrain());
  #writing = false;
  #ending = false;
  #shut = false;

  // deno-lint-ignore no-explicit-any
  constructor(conn: any, o?: TransportOptions) {
    this.#conn = conn;
    const a = conn.remoteAddr;
    this.remoteAddress = a?.hostname !== undefined ? `${a.hostname}:${a.port}` : "unix";
    try {
      conn.setNoDelay?.(true);
      // Deno.Conn sets SO_KEEPALIVE only: no idle time, count or interval.
      if (o?.tcpKeepalive === 1 || o?.tcpKeepalive === 0) conn.setKeepAlive?.(o.tcpKeepalive === 1);
    } catch { /* unix sockets */ }
  }

  start(h: ConnectionHandler): void {
    this.#h = h;
    this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    let err: Error | undefined;
    try {
      // One read buffer; each chunk handed on is a right-sized copy, which
      // costs less than a fresh zeroed 64 KiB buffer per read. Large frames
      // skip the copy: the rest of a body under way is read straight into
      // its buffer, and the next one into a fresh buffer of its size, where
      // it stays as a view.
      const buf = new Uint8Array(READ_SIZE);
      const h = this.#h!;
      while (!this.#closed) {
        if (this.#paused) await new Promise<void>((r) => this.#wake = r);
        if (this.#closed) break;
        const into = h.target?.();
        if (into !== undefined) {
          const n = await this.#conn.read(into);
          if (n === null || this.#closed) break;
          if (n > 0) h.filled!(n);
          continue;
        }
        const size = h.readSize?.() ?? 0;
        if (size > 0) {
          const fresh = new Uint8Array(size);
          const n = await this.#conn.read(fresh);
          if (n === null || this.#closed) break;
          if (n > 0) h.onData(Buffer.from(fresh.buffer, 0, n));
          continue;
        }
        const n = await this.#conn.read(buf);
        if (n === null || this.#closed) break;
        if (n > 0) h.onData(Buffer.from(buf.slice(0, n).buffer, 0, n));
      }
    } catch (e) {
      if (!this.#closed) err = e as Error;
    }
    this.#finish(err);
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    const ok = this.#queue.push(chunk);
    if (!this.#writing) this.#writeLoop();
    return ok;
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    const q = this.#queue;
    try {
      // Large chunks (the engine's uncopied bodies) go out as they are;
      // small ones queued while the last write was in flight are merged.
      for (let chunk = q.take(true); chunk !== undefined && !this.#closed; chunk = q.take(true)) {
        let off = 0;
        while (off < chunk.length) off += await this.#conn.write(chunk.subarray(off));
        q.done(chunk.length);
      }
    } catch (e) {
      this.#finish(e as Error);
    }
    this.#writing = false;
    if (this.#ending && q.empty) this.#halfClose();
  }

  // Everything written is in the kernel: send our EOF and let the read loop
  // run on to the peer's, which closes.
  async #halfClose(): Promise<void> {
    if (this.#shut || this.#closed) return;
    this.#shut = true;
    try {
      await this.#conn.closeWrite();
    } catch (e) {
      this.#finish(e as Error);
    }
  }

  pause(): void {
    // Once ending, reading goes on until the peer's EOF.
    if (!this.#ending) this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.resume();
    if (!this.#writing && this.#queue.empty) this.#halfClose();
  }

  destroy(): void {
    this.#finish();
  }

  unref(): void {
    this.#conn.unref?.();
  }

  // Chunks are handed over as Buffers, the class of received frames: the
  // decoder cuts frames out of them with subarray().
  readonly framesBySubarray = true;

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  #finish(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.resume();
    const h = this.#h;
    this.#h = null;
    h?.onClose(err);
  }
}

/** TCP/IPC transport built on Deno's native sockets. */
export const denoTransport: Transport = {
  async connect(ep: Endpoint, o?: TransportOptions): Promise<Connection> {
    try {
      if (ep.scheme === "ipc") return new DenoConnection(await D.connect({ transport: "unix", path: ep.path }));
      const hostname = await resolveHost(ep.host, o?.ipv6, false, ep.address);
      return new DenoConnection(await D.connect({ hostname, port: ep.port }), o);
    } catch (e) {
      throw systemError(e, ep.address);
    }
  },

  async listen(
    ep: Endpoint,
    onConnection: (c: Connection) => void,
    onError?: (e: Error) => void,
    o?: TransportOptions,
  ): Promise<Listener> {
    const ipc = ep.scheme === "ipc";
    const hostname = ipc ? "" : await resolveHost(ep.host, o?.ipv6, true, ep.address);
    // deno-lint-ignore no-explicit-any
    let listener: any;
    try {
      // Deno.listen takes no backlog (the README lists it).
      listener = ipc ? D.listen({ transport: "unix", path: ep.path }) : D.listen({ hostname, port: ep.port });
    } catch (e) {
      throw systemError(e, ep.address);
    }
    const loop = new AcceptLoop(
      () => listener.accept(),
      // deno-lint-ignore no-explicit-any
      (conn: any) => onConnection(new DenoConnection(conn, ipc ? undefined : o)),
      onError,
    );
    const a = listener.addr;
    const endpoint = ipc ? ep.address : formatHostPort("tcp", a.hostname, a.port);
    return {
      endpoint,
      close: async () => {
        loop.stop();
        try {
          listener.close();
        } catch { /* closed */ }
        // The port is free only once the pending accept has ended; a bind
        // of the same endpoint right after unbind() must succeed.
        await loop.done;
      },
      unref: () => listener.unref?.(),
    };
  },
};

// Accept errors that concern only the connection being taken (reset or
// aborted by the peer before we got to it): the next accept follows at
// once, as in libzmq's tcp_listener.
const PER_CONNECTION = new Set([
  "ENOTCONN",
  "ECONNRESET",
  "ECONNABORTED",
  "EPROTO",
  "EPERM",
  "EINTR",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const PER_CONNECTION_NAMES = new Set(["NotConnected", "ConnectionReset", "ConnectionAborted", "Interrupted"]);
// Any other error (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...) may last a while:
// the loop pauses before the next accept, doubling the pause up to a second,
// rather than spinning on it or giving up.
const BACKOFF_MIN = 10;
const BACKOFF_MAX = 1000;

/**
 * @internal Runs `accept()` until `stop()`: a failed accept is reported to
 * `onError` and never ends the loop (only `stop()` does). Exported for tests.
 */
export class AcceptLoop<C extends { close(): void }> {
  /** Settles once the loop has ended after `stop()`. */
  readonly done: Promise<void>;
  #open = true;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | null = null;

  constructor(accept: () => Promise<C>, onAccepted: (c: C) => void, onError?: (e: Error) => void) {
    this.done = this.#run(accept, onAccepted, onError ?? (() => {}));
  }

  /** Ends the loop; a pending backoff pause is cut short. */
  stop(): void {
    this.#open = false;
    clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #run(accept: () => Promise<C>, onAccepted: (c: C) => void, onError: (e: Error) => void): Promise<void> {
    let pause = 0;
    while (this.#open) {
      let conn: C;
      try {
        conn = await accept();
      } catch (e) {
        // Closing the listener ends the pending accept with an error.
        if (!this.#open) return;
        const err = e instanceof Error ? e : new Error(String(e));
        onError(err);
        // The listener's resource is gone: nothing left to accept on.
        if (err.name === "BadResource") return;
        // deno-lint-ignore no-explicit-any
        if (PER_CONNECTION.has((err as any).code) || PER_CONNECTION_NAMES.has(err.name)) continue;
        pause = Math.min(BACKOFF_MAX, Math.max(BACKOFF_MIN, pause * 2));
        await new Promise<void>((r) => {
          this.#wake = r;
          this.#timer = unrefTimer(setTimeout(r, pause));
        });
        this.#wake = null;
        continue;
      }
      pause = 0;
      if (!this.#open) {
        conn.close();
        return;
      }
      try {
        onAccepted(conn);
      } catch (e) {
        // A throwing handler (an event listener, say) loses this connection only.
        try {
          conn.close();
        } catch { /* already closed */ }
        onError(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
}
