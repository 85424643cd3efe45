/**
 * A proxy that forwards messages both ways between two sockets, like
 * `zmq_proxy` and zeromq.js's `Proxy`: ROUTER/DEALER brokers, XSUB/XPUB
 * forwarders, PULL/PUSH streamers.
 *
 * @module
 */

import { core, SocketBase } from "./socket_base.ts";
import type { CallOptions, MessageInput } from "./socket_base.ts";
import { ZmqError } from "./errors.ts";

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
 * import { Dealer, Proxy, Router } from "zmtp-zeromq";
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
  #state: "new" | "running" | "done" = "new";

  /**
   * Creates a proxy between two sockets; `run()` starts it.
   *
   * @param frontEnd The front-end socket (e.g. a Router or XSubscriber).
   * @param backEnd The back-end socket (e.g. a Dealer or XPublisher).
   * @throws {TypeError} When either is not a socket.
   */
  constructor(frontEnd: F, backEnd: B) {
    if (!(frontEnd instanceof SocketBase) || !(backEnd instanceof SocketBase)) {
      throw new TypeError("Invalid argument: the front and back ends must be sockets");
    }
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
  }

  /**
   * Forwards messages until `terminate()`, then closes both sockets.
   *
   * @returns Resolves once the proxy has stopped.
   * @throws {ZmqError} EINVAL at the call, as zeromq.js, when a socket is
   *   neither bound nor connected (or closed).
   * @throws {TypeError} When it is running already.
   */
  run(): Promise<void> {
    if (this.#state === "running") throw new TypeError("Proxy is already running");
    for (const [s, name] of [[this.frontEnd, "Front-end"], [this.backEnd, "Back-end"]] as const) {
      if (core(s).endpointCount === 0) throw new ZmqError("EINVAL", `${name} socket must be bound or connected`);
    }
    this.#state = "running";
    return this.#run();
  }

  async #run(): Promise<void> {
    try {
      await Promise.all([this.#pump(this.frontEnd, this.backEnd), this.#pump(this.backEnd, this.frontEnd)]);
    } finally {
      this.#state = "done";
      this.frontEnd.close();
      this.backEnd.close();
    }
  }

  /**
   * Suspends forwarding until `resume()`.
   *
   * @throws {ZmqError} EBADF when the proxy is not running, as zeromq.js.
   */
  pause(): void {
    this.#checkRunning();
    this.#paused ??= new Promise((r) => this.#unpause = r);
  }

  /**
   * Resumes forwarding after `pause()`.
   *
   * @throws {ZmqError} EBADF when the proxy is not running, as zeromq.js.
   */
  resume(): void {
    this.#checkRunning();
    this.#resume();
  }

  /**
   * Stops the proxy; `run()` resolves and both sockets are closed.
   *
   * @throws {ZmqError} EBADF when the proxy is not running (not started, or terminated), as zeromq.js.
   */
  terminate(): void {
    this.#checkRunning();
    this.#abort.abort();
    this.#resume();
  }

  #resume(): void {
    const r = this.#unpause;
    this.#paused = this.#unpause = null;
    r?.();
  }

  // zeromq.js's proxy has no control socket before run() or after it ended.
  #checkRunning(): void {
    if (this.#state !== "running" || this.#abort.signal.aborted) throw new ZmqError("EBADF");
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
