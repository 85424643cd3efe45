/**
 * TCP and IPC over `Bun.connect`/`Bun.listen`, fed from Bun's socket
 * callbacks (no stream hop per chunk). Bun's `write()` may take part of a
 * buffer; the rest waits here for `drain`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Endpoint } from "../lib/endpoint.ts";
import { formatHostPort } from "../lib/endpoint.ts";
import type { Connection, ConnectionHandler, Listener, Transport, TransportOptions } from "../lib/transport.ts";
import { systemError } from "../lib/errors.ts";
import { resolveHost } from "./resolve.ts";
import { WriteQueue } from "../lib/write_queue.ts";

// deno-lint-ignore no-explicit-any
type BunSocket = any;
// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;

class BunConnection implements Connection {
  readonly remoteAddress: string;
  sock: BunSocket;
  h: ConnectionHandler | null = null;
  // Events that arrive before start() (data right after open).
  early: Uint8Array[] = [];
  earlyClose: { err?: Error } | null = null;
  // What Bun's write() did not take yet, until its drain event.
  #queue = new WriteQueue(() => this.h?.onDrain());
  #ending = false;
  #shut = false;
  closed = false;

  constructor(sock: BunSocket, o?: TransportOptions) {
    this.sock = sock;
    this.remoteAddress = sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort ?? ""}` : "unix";
    sock.data = this;
    try {
      sock.setNoDelay?.(true);
      // libzmq's tune_tcp_keepalives: Bun sets on/off and the idle time
      // (TCP_KEEPIDLE), not the probe count or interval.
      if (o?.tcpKeepalive === 1) {
        sock.setKeepAlive(true, (o.tcpKeepaliveIdle ?? -1) > 0 ? o.tcpKeepaliveIdle! * 1000 : 0);
      } else if (o?.tcpKeepalive === 0) sock.setKeepAlive(false);
      // ZMQ_TOS, on connected and accepted connections alike (libzmq sets it on both).
      if ((o?.typeOfService ?? 0) > 0) sock.setTypeOfService?.(o!.typeOfService!);
    } catch { /* unix */ }
  }

  start(h: ConnectionHandler): void {
    this.h = h;
    for (const c of this.early) h.onData(c);
    this.early = [];
    if (this.earlyClose) this.closedBy(this.earlyClose.err);
  }

  // Bun hands over Buffers, the class of received frames: the decoder cuts
  // frames out of them with subarray(), which on Bun costs less than
  // Buffer.from() of the ArrayBuffer (64 B PUSH->PULL 1.05x, bench/ab.mjs).
  readonly framesBySubarray = true;

  onData(d: Uint8Array): void {
    if (this.h) this.h.onData(d);
    else this.early.push(d);
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.#ending) return false;
    if (this.#queue.empty) {
      const n = this.sock.write(chunk);
      if (n >= chunk.length) return true;
      chunk = chunk.subarray(Math.max(0, n));
    }
    return this.#queue.push(chunk);
  }

  onDrainEvent(): void {
    this.#queue.flush((c) => this.sock.write(c));
    if (this.#queue.empty && this.#ending) this.#halfClose();
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  alloc(size: number): Uint8Array {
    return Buffer.allocUnsafe(size);
  }

  pause(): void {
    // Once ending, reading goes on until the peer's EOF.
    if (!this.#ending) this.sock.pause?.();
  }

  resume(): void {
    this.sock.resume?.();
  }

  end(): void {
    if (this.closed || this.#ending) return;
    this.#ending = true;
    this.sock.resume?.();
    if (this.#queue.empty) this.#halfClose();
  }

  // Everything written is in the kernel: shutdown() sends our EOF and keeps
  // reading; Bun reports close once the peer's EOF (or an error) arrives.
  // Bun's end() would close the fd at once, without a half-close.
  #halfClose(): void {
    if (this.#shut || this.closed) return;
    this.#shut = true;
    this.sock.shutdown();
  }

  destroy(): void {
    if (this.closed) return;
    this.sock.terminate?.() ?? this.sock.end();
    this.closedBy();
  }

  unref(): void {
    this.sock.unref?.();
  }

  closedBy(err?: Error): void {
    if (this.closed) return;
    if (!this.h) {
      this.earlyClose = { err };
      return;
    }
    this.closed = true;
    this.#queue.clear();
    const h = this.h;
    this.h = null;
    h.onClose(err);
  }
}

const handlers = {
  data(s: BunSocket, d: Uint8Array) {
    (s.data as BunConnection).onData(d);
  },
  drain(s: BunSocket) {
    (s.data as BunConnection | undefined)?.onDrainEvent();
  },
  close(s: BunSocket, err?: Error) {
    (s.data as BunConnection | undefined)?.closedBy(err ?? undefined);
  },
  error(s: BunSocket, err: Error) {
    (s.data as BunConnection | undefined)?.closedBy(err);
  },
  end(s: BunSocket) {
    s.end();
  },
};

/** TCP/IPC transport built on Bun's native sockets. */
export const bunTransport: Transport = {
  async connect(ep: Endpoint, o?: TransportOptions): Promise<Connection> {
    const ipc = ep.scheme === "ipc";
    const target = ipc
      ? { unix: ep.path }
      : { hostname: await resolveHost(ep.host, o?.ipv6, false, ep.address), port: ep.port };
    return new Promise((resolve, reject) => {
      let settled = false;
      B.connect({
        ...target,
        socket: {
          ...handlers,
          open(s: BunSocket) {
            settled = true;
            resolve(new BunConnection(s, ipc ? undefined : o));
          },
          connectError(_s: BunSocket, err: Error) {
            if (!settled) {
              settled = true;
              reject(systemError(err, ep.address));
            }
          },
        },
      }).catch((e: unknown) => {
        if (!settled) {
          settled = true;
          reject(systemError(e, ep.address));
        }
      });
    });
  },

  async listen(
    ep: Endpoint,
    onConnection: (c: Connection) => void,
    onError?: (e: Error) => void,
    o?: TransportOptions,
  ): Promise<Listener> {
    const ipc = ep.scheme === "ipc";
    const target = ipc
      ? { unix: ep.path }
      : { hostname: await resolveHost(ep.host, o?.ipv6, true, ep.address), port: ep.port };
    // deno-lint-ignore no-explicit-any
    let server: any;
    try {
      server = B.listen({
        ...target,
        exclusive: true,
        ...(o?.backlog !== undefined ? { backlog: o.backlog } : {}),
        socket: {
          ...handlers,
          open(s: BunSocket) {
            try {
              onConnection(new BunConnection(s, ipc ? undefined : o));
            } catch (e) {
              // A throwing handler (an event listener, say) loses this connection only.
              s.terminate?.() ?? s.end();
              onError?.(e as Error);
            }
          },
        },
      });
    } catch (e) {
      throw systemError(e, ep.address);
    }
    const endpoint = ipc ? ep.address : formatHostPort("tcp", server.hostname ?? ep.host, server.port);
    return {
      endpoint,
      close: () => {
        server.stop(false);
        return Promise.resolve();
      },
      unref: () => server.unref?.(),
    };
  },
};
