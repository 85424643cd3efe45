// inproc:// — two sockets of one context joined by a pair of pipes. Messages
// move from one pipe's outbound queue to the other's inbound queue as the
// same Uint8Array objects: no framing, no copies, no runtime API, so it runs
// in browsers and edge workers too. HWMs hold on both sides, as in libzmq.
// Between threads, lib/inproc_threads.ts carries them instead.

import type { EngineLike } from "./engine.ts";
import { isCompatible } from "./compatibility.ts";
import type { PeerInfo, Pipe } from "./pipe.ts";
import { ZmqError } from "./errors.ts";
import type { InprocSocket } from "./inproc_registry.ts";
import { type Driver, type Link, registerDriver } from "./driver.ts";
import { dialThread } from "./inproc_threads.ts";

// One side of an inproc connection; `peer` is the other side.
class InprocEngine implements EngineLike {
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  peer!: InprocEngine;
  readonly host: InprocSocket;
  #kicked = false;
  #moving = false;
  // Set when our inbound queue is full: the peer stops moving messages to us.
  inPaused = false;
  closed = false;

  constructor(host: InprocSocket, endpoint: string) {
    this.host = host;
    this.endpoint = endpoint;
  }

  // Messages move at once (no I/O to wait for); a kick during a move just
  // makes the running loop go on.
  kick(): void {
    if (this.closed) return;
    if (this.#moving) {
      this.#kicked = true;
      return;
    }
    this.#flush();
  }

  // Moves our outbound messages into the peer's inbound queue.
  #flush(force = false): void {
    const from = this.pipe, to = this.peer.pipe;
    if (from === null || to === null || this.peer.closed) return;
    this.#moving = true;
    try {
      do {
        this.#kicked = false;
        while (from.outQ.length > 0 && (force || !this.peer.inPaused)) {
          to.pushIn(from.takeOut()!);
        }
      } while (this.#kicked);
    } finally {
      this.#moving = false;
    }
  }

  pauseInput(): void {
    this.inPaused = true;
  }

  resumeInput(): void {
    this.inPaused = false;
    this.peer.kick();
  }

  // Delivers what is queued (regardless of the peer's HWM), then disconnects.
  close(): void {
    if (this.closed) return;
    this.#flush(true);
    this.#disconnect();
  }

  destroy(): void {
    this.#disconnect();
  }

  #disconnect(): void {
    if (this.closed) return;
    this.closed = true;
    this.pipe?.setEngine(null);
    this.host.engineClosed(this, undefined, true);
    if (!this.peer.closed) {
      this.peer.closed = true;
      this.peer.pipe?.setEngine(null);
      this.peer.host.engineClosed(this.peer, undefined, true);
    }
  }
}

function peerInfo(s: InprocSocket): PeerInfo {
  return {
    socketType: s.type,
    identity: s.inprocIdentity(),
    properties: new Map([["Socket-Type", new TextEncoder().encode(s.type)]]),
    remoteAddress: "inproc",
    minor: 1,
  };
}

/**
 * Joins a connecting socket to a bound one. Returns the connecting side's
 * engine, or null when the socket types are incompatible (then neither side
 * gets a pipe, as libzmq refuses the connection).
 */
export function linkInproc(
  binder: InprocSocket,
  connecter: InprocSocket,
  endpoint: string,
  connecterState: unknown,
): EngineLike | null {
  if (!isCompatible(binder.type, connecter.type)) return null;
  const b = new InprocEngine(binder, endpoint);
  const c = new InprocEngine(connecter, endpoint);
  b.peer = c;
  c.peer = b;
  c.connecter = connecterState;
  const done = { properties: new Map<string, Uint8Array>() };
  const pc = connecter.engineReady(c, peerInfo(binder), done);
  if (typeof pc === "string") return null;
  const pb = binder.engineReady(b, peerInfo(connecter), done);
  if (typeof pb === "string") {
    c.closed = true;
    connecter.engineClosed(c, new ZmqError("EPROTO", pb), true);
    return null;
  }
  b.pipe = pb;
  c.pipe = pc;
  pb.setEngine(b);
  pc.setEngine(c);
  return c;
}

// inproc:// as a driver: bind takes the name in the context; connect links
// at once to a bound name, or waits for the bind (libzmq allows connect
// before bind). After a link ended (or was refused) it waits for the name to
// be bound again. Unbinding leaves the links made (as libzmq does). A name
// bound in another thread (same context: the default one) is reached
// through lib/inproc_threads.ts: a waiting connect asks the other threads,
// and links to the first that has it bound.
const inprocDriver: Driver = {
  redialAtOnce: true,
  bind(host, ep) {
    host.context.inproc.bind(ep.path, host);
    return {
      endpoint: ep.address,
      keepsConnections: true,
      quiet: true,
      close: () => {
        host.context.inproc.unbind(ep.path, host);
        return Promise.resolve();
      },
    };
  },
  connect(host, ep, signal, again) {
    const reg = host.context.inproc;
    const link = (binder: InprocSocket): Link => ({
      quiet: true,
      start: (connecter) => linkInproc(binder, host, ep.address, connecter),
      discard() {},
    });
    const bound = (): InprocSocket | undefined => {
      const b = reg.lookup(ep.path);
      return b === host ? undefined : b;
    };
    const now = again ? undefined : bound();
    if (now !== undefined) return link(now);
    return new Promise<Link>((resolve, reject) => {
      const unwatch = reg.watch(ep.path, () => {
        const b = bound();
        if (b === undefined) return;
        done();
        resolve(link(b));
      });
      // Asks again on each attempt: a thread whose link ended may still
      // have the name bound (its peer was taken for gone, wrongly).
      const unwatchElsewhere = reg.watchElsewhere(ep.path, (thread) => {
        done();
        resolve(dialThread(host, ep.address, `${reg.key}/${ep.path}`, thread, signal));
      });
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const done = () => {
        unwatch();
        unwatchElsewhere();
        signal.removeEventListener("abort", aborted);
      };
      signal.addEventListener("abort", aborted, { once: true });
    });
  },
};

registerDriver("inproc", inprocDriver);
