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

  listen(ep: Endpoint, onConnection: (c: Connection) => void): Promise<Listener> {
    // deno-lint-ignore no-explicit-any
    let listener: any;
    try {
      listener = ep.scheme === "ipc"
        ? D.listen({ transport: "unix", path: ep.path })
        : D.listen({ hostname: ep.host, port: ep.port });
    } catch (e) {
      return Promise.reject(mapError(e, ep.address));
    }
    let open = true;
    const accepting = (async () => {
      try {
        for await (const conn of listener) onConnection(new DenoConnection(conn));
      } catch (e) {
        if (open) console.error("zeromq: accept loop failed:", e);
      }
    })();
    const a = listener.addr;
    const endpoint = ep.scheme === "ipc" ? ep.address : formatHostPort("tcp", a.hostname, a.port);
    return Promise.resolve({
      endpoint,
      close: async () => {
        open = false;
        try {
          listener.close();
        } catch { /* closed */ }
        // The port is free only once the pending accept has ended; a bind
        // of the same endpoint right after unbind() must succeed.
        await accepting;
      },
    });
  },
};
