/**
 * TCP over `Deno.connect`/`Deno.listen`. A Deno.Conn is the Web Streams
 * duplex of the transport contract; reads go straight to `conn.read()` into
 * fresh buffers, which avoids a stream hop per chunk.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import { formatHostPort } from "../lib/endpoint.ts";
import type { Connection, ConnectionHandler, Listener, Transport } from "../lib/transport.ts";
import { ZmqError } from "../lib/errors.ts";

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;

const READ_SIZE = 65536;
const HIGH = 1 << 20;

class DenoConnection implements Connection {
  readonly remoteAddress: string;
  // deno-lint-ignore no-explicit-any
  #conn: any;
  #h: ConnectionHandler | null = null;
  #paused = false;
  #wake: (() => void) | null = null;
  #closed = false;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #needDrain = false;
  #ending = false;
  #shut = false;

  // deno-lint-ignore no-explicit-any
  constructor(conn: any) {
    this.#conn = conn;
    const a = conn.remoteAddr;
    this.remoteAddress = a?.hostname !== undefined ? `${a.hostname}:${a.port}` : "unix";
    try {
      conn.setNoDelay?.(true);
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
      // costs less than a fresh zeroed 64 KiB buffer per read.
      const buf = new Uint8Array(READ_SIZE);
      while (!this.#closed) {
        if (this.#paused) await new Promise<void>((r) => this.#wake = r);
        if (this.#closed) break;
        const n = await this.#conn.read(buf);
        if (n === null) break;
        if (n > 0) this.#h?.onData(buf.slice(0, n));
      }
    } catch (e) {
      if (!this.#closed) err = e as Error;
    }
    this.#finish(err);
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (!this.#writing) this.#writeLoop();
    if (this.#queued >= HIGH) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        let chunk: Uint8Array;
        // Large chunks (the engine's uncopied bodies) go out as they are;
        // small ones queued meanwhile are merged into one write.
        if (this.#queue.length === 1 || this.#queue[0].length >= 16384) chunk = this.#queue.shift()!;
        else {
          // Coalesce what queued up while the last write was in flight.
          let n = 0, total = 0;
          while (n < this.#queue.length && this.#queue[n].length < 16384) total += this.#queue[n++].length;
          chunk = new Uint8Array(total);
          let at = 0;
          for (const c of this.#queue.splice(0, n)) {
            chunk.set(c, at);
            at += c.length;
          }
        }
        let off = 0;
        while (off < chunk.length) off += await this.#conn.write(chunk.subarray(off));
        this.#queued -= chunk.length;
        if (this.#needDrain && this.#queued < HIGH / 2) {
          this.#needDrain = false;
          this.#h?.onDrain();
        }
      }
    } catch (e) {
      this.#finish(e as Error);
    }
    this.#writing = false;
    if (this.#ending && this.#queue.length === 0) this.#halfClose();
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
    if (!this.#writing && this.#queue.length === 0) this.#halfClose();
  }

  destroy(): void {
    this.#finish();
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  #finish(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.resume();
    const h = this.#h;
    this.#h = null;
    h?.onClose(err);
  }
}

// deno-lint-ignore no-explicit-any
function mapError(e: any, address: string): Error {
  const name = e?.name;
  const code = name === "AddrInUse"
    ? "EADDRINUSE"
    : name === "ConnectionRefused"
    ? "ECONNREFUSED"
    : name === "AddrNotAvailable"
    ? "EADDRNOTAVAIL"
    : name === "NotFound"
    ? "ENOENT"
    : undefined;
  return code ? new ZmqError(code, `${e.message} (${address})`, { cause: e, address }) : e;
}

/** TCP/IPC transport built on Deno's native sockets. */
export const denoTransport: Transport = {
  async connect(ep: Endpoint): Promise<Connection> {
    try {
      const conn = ep.scheme === "ipc"
        ? await D.connect({ transport: "unix", path: ep.path })
        : await D.connect({ hostname: ep.host, port: ep.port });
      return new DenoConnection(conn);
    } catch (e) {
      throw mapError(e, ep.address);
    }
  },

  listen(ep: Endpoint, onConnection: (c: Connection) => void, onError?: (e: Error) => void): Promise<Listener> {
    // deno-lint-ignore no-explicit-any
    let listener: any;
    try {
      listener = ep.scheme === "ipc"
        ? D.listen({ transport: "unix", path: ep.path })
        : D.listen({ hostname: ep.host, port: ep.port });
    } catch (e) {
      return Promise.reject(mapError(e, ep.address));
    }
    const loop = new AcceptLoop(
      () => listener.accept(),
      // deno-lint-ignore no-explicit-any
      (conn: any) => onConnection(new DenoConnection(conn)),
      onError,
    );
    const a = listener.addr;
    const endpoint = ep.scheme === "ipc" ? ep.address : formatHostPort("tcp", a.hostname, a.port);
    return Promise.resolve({
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
    });
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
          this.#timer = setTimeout(r, pause);
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
