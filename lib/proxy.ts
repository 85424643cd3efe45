/**
 * A proxy that forwards messages both ways between two sockets, like
 * `zmq_proxy` and zeromq.js's `Proxy`: ROUTER/DEALER brokers, XSUB/XPUB
 * forwarders, PULL/PUSH streamers.
 *
 * @module
 */

import type { SocketBase } from "./socket_base.ts";
import type { CallOptions, MessageInput } from "./socket_base.ts";

interface Receiving {
  receive(options?: CallOptions): Promise<Uint8Array[]>;
}
interface Sending {
  send(message: MessageInput, options?: CallOptions): Promise<void>;
}

const receives = (s: unknown): s is Receiving => typeof (s as Receiving).receive === "function";
const sends = (s: unknown): s is Sending => typeof (s as Sending).send === "function";

/**
 * Forwards every message from the front-end to the back-end socket and
 * back, until `terminate()`. Both sockets must be bound or connected.
 *
 * @example
 * ```ts
 * import { Dealer, Proxy, Router } from "./mod.ts";
 * const proxy = new Proxy(new Router(), new Dealer());
 * await proxy.frontEnd.bind("tcp://127.0.0.1:*");
 * await proxy.backEnd.bind("tcp://127.0.0.1:*");
 * const done = proxy.run(); // REQ clients connect to the front, REP workers to the back
 * proxy.terminate();
 * await done;
 * ```
 */
export class Proxy<F extends SocketBase = SocketBase, B extends SocketBase = SocketBase> {
  /** The front-end socket. */
  readonly frontEnd: F;
  /** The back-end socket. */
  readonly backEnd: B;
  #abort = new AbortController();
  #paused: Promise<void> | null = null;
  #unpause: (() => void) | null = null;
  #running = false;

  /**
   * Creates a proxy between two sockets; `run()` starts it.
   *
   * @param frontEnd The front-end socket (e.g. a Router or XSubscriber).
   * @param backEnd The back-end socket (e.g. a Dealer or XPublisher).
   */
  constructor(frontEnd: F, backEnd: B) {
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
  }

  /**
   * Forwards messages until `terminate()`, then closes both sockets.
   *
   * @returns Resolves once the proxy has stopped.
   */
  async run(): Promise<void> {
    if (this.#running) throw new TypeError("Proxy is already running");
    this.#running = true;
    try {
      await Promise.all([this.#pump(this.frontEnd, this.backEnd), this.#pump(this.backEnd, this.frontEnd)]);
    } finally {
      this.frontEnd.close();
      this.backEnd.close();
    }
  }

  /** Suspends forwarding until `resume()`. */
  pause(): void {
    this.#paused ??= new Promise((r) => this.#unpause = r);
  }

  /** Resumes forwarding after `pause()`. */
  resume(): void {
    const r = this.#unpause;
    this.#paused = this.#unpause = null;
    r?.();
  }

  /** Stops the proxy; `run()` resolves and both sockets are closed. */
  terminate(): void {
    this.#abort.abort();
    this.resume();
  }

  async #pump(from: SocketBase, to: SocketBase): Promise<void> {
    if (!receives(from) || !sends(to)) return;
    const signal = this.#abort.signal;
    while (!signal.aborted && !from.closed && !to.closed) {
      let msg: Uint8Array[];
      try {
        msg = await from.receive({ signal });
        if (this.#paused !== null) await this.#paused;
        if (signal.aborted) return;
        await to.send(msg, { signal });
      } catch (e) {
        if (signal.aborted || from.closed || to.closed) return;
        throw e;
      }
    }
  }
}
