/**
 * TCP and IPC over `node:net` (Node, and Deno/Bun's Node compatibility).
 * Feeds the engine from `'data'` callbacks: no promise per chunk.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { existsSync } from "node:fs";
import * as net from "node:net";
import { dirname } from "node:path";
import type { Endpoint } from "../lib/endpoint.ts";
import { formatHostPort } from "../lib/endpoint.ts";
import type { Connection, ConnectionHandler, Listener, Transport, TransportOptions } from "../lib/transport.ts";
import { systemError, zmqError } from "../lib/errors.ts";
import { resolveHost } from "./resolve.ts";

class NodeConnection implements Connection {
  readonly remoteAddress: string;
  #sock: net.Socket;
  #ending = false;

  constructor(sock: net.Socket, o?: TransportOptions) {
    this.#sock = sock;
    sock.setNoDelay(true);
    // libzmq's tune_tcp_keepalives; node:net sets only on/off and the idle
    // time (TCP_KEEPIDLE), not the probe count or interval.
    if (o?.tcpKeepalive === 1) sock.setKeepAlive(true, (o.tcpKeepaliveIdle ?? -1) > 0 ? o.tcpKeepaliveIdle! * 1000 : 0);
    else if (o?.tcpKeepalive === 0) sock.setKeepAlive(false);
    this.remoteAddress = sock.remoteAddress !== undefined ? `${sock.remoteAddress}:${sock.remotePort}` : "unix";
  }

  start(h: ConnectionHandler): void {
    const s = this.#sock;
    let closed = false;
    const done = (err?: Error) => {
      if (closed) return;
      closed = true;
      h.onClose(err);
    };
    // Received frames are made by lib/frames.ts's view whatever the chunk's class.
    s.on("data", (b: Uint8Array) => h.onData(b));
    s.on("drain", () => h.onDrain());
    s.on("error", (e) => done(e));
    s.on("close", () => done());
    s.on("end", () => s.end());
  }

  write(chunk: Uint8Array): boolean {
    if (this.#sock.destroyed || this.#ending) return false;
    return this.#sock.write(chunk);
  }

  pause(): void {
    // Once ending, reading goes on until the peer's EOF.
    if (!this.#ending) this.#sock.pause();
  }

  resume(): void {
    this.#sock.resume();
  }

  // Flushes and half-closes; node:net (allowHalfOpen off) destroys the
  // socket once the peer's EOF arrives, which needs the socket flowing.
  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#sock.end();
    this.#sock.resume();
  }

  destroy(): void {
    this.#sock.destroy();
  }

  unref(): void {
    this.#sock.unref();
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  alloc(size: number): Uint8Array {
    return Buffer.allocUnsafe(size);
  }
}

/** TCP/IPC transport built on node:net. */
export const nodeTransport: Transport = {
  async connect(ep: Endpoint, o?: TransportOptions): Promise<Connection> {
    const ipc = ep.scheme === "ipc";
    const opts = ipc
      ? { path: ipcPath(ep.path) }
      : { host: await resolveHost(ep.host, o?.ipv6, false, ep.address), port: ep.port };
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(opts as net.NetConnectOpts);
      // An attempt under way does not keep the process alive either (lib/keepalive.ts).
      sock.unref();
      const onError = (e: Error) => {
        sock.destroy();
        reject(systemError(e, ep.address));
      };
      sock.once("error", onError);
      sock.once("connect", () => {
        sock.off("error", onError);
        resolve(new NodeConnection(sock, ipc ? undefined : o));
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
    const host = ipc ? "" : await resolveHost(ep.host, o?.ipv6, true, ep.address);
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (sock) => {
        try {
          onConnection(new NodeConnection(sock, ipc ? undefined : o));
        } catch (e) {
          // A throwing handler (an event listener, say) loses this connection only.
          sock.destroy();
          onError?.(e as Error);
        }
      });
      const failed = (e: Error) => {
        // libuv reports a unix socket in a missing directory as EACCES;
        // Deno, Bun and libzmq say ENOENT.
        if (ipc && (e as { code?: string }).code === "EACCES" && !existsSync(dirname(ep.path))) {
          reject(zmqError("ENOENT", `no directory ${dirname(ep.path)}`, { address: ep.address, cause: e }));
        } else {
          reject(systemError(e, ep.address));
        }
      };
      server.once("error", failed);
      const done = () => {
        // After listen, 'error' means one accept failed (EMFILE, ECONNABORTED):
        // the server goes on listening, and an 'error' nobody listens to
        // would be an uncaught exception.
        server.off("error", failed);
        server.on("error", (e) => onError?.(e));
        const a = server.address();
        const endpoint = typeof a === "object" && a !== null ? formatHostPort("tcp", a.address, a.port) : ep.address;
        resolve({
          endpoint,
          close: () => new Promise<void>((r) => server.close(() => r())),
          unref: () => server.unref(),
        });
      };
      const backlog = o?.backlog;
      if (ipc) server.listen({ path: ipcPath(ep.path), backlog }, done);
      else server.listen({ host, port: ep.port, exclusive: true, backlog }, done);
    });
  },
};

function ipcPath(p: string): string {
  return p.startsWith("@") ? "\0" + p.slice(1) : p;
}
