/**
 * Socket events, in the spirit of zeromq.js's `socket.events` observer and
 * libzmq's `zmq_socket_monitor`.
 *
 * @module
 */

/** Event types a socket reports. */
export type SocketEventType =
  | "bind"
  | "bind:error"
  | "accept"
  | "accept:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "close"
  | "close:error"
  | "disconnect"
  | "handshake"
  | "handshake:error:protocol"
  | "handshake:error:auth"
  | "handshake:error:other"
  | "end"
  | "unknown";

/** One event. */
export interface SocketEvent {
  /** What happened. */
  type: SocketEventType;
  /** The endpoint involved. */
  address?: string;
  /** The peer's address (accepted connections). */
  remoteAddress?: string;
  /** For `connect:retry`, the delay before the next attempt in ms. */
  interval?: number;
  /** For error events. */
  error?: Error;
  /** For `handshake`: the User-Id a ZAP authenticator gave the peer, if any. */
  userId?: string;
  /** For `handshake`: the peer's properties (Socket-Type, Identity, ZAP metadata, ...). */
  properties?: Map<string, Uint8Array>;
}

/**
 * Receives a socket's events: listen with `on()`, or iterate with
 * `for await`. Iteration ends when the socket closes.
 *
 * @example
 * ```ts
 * import { Pull } from "./mod.ts";
 * const pull = new Pull();
 * pull.events.on("handshake", (e) => console.log("peer up at", e.address));
 * pull.close();
 * ```
 */
export class SocketEvents implements AsyncIterable<SocketEvent> {
  #listeners = new Map<string, Set<(e: SocketEvent) => void>>();
  #queue: SocketEvent[] = [];
  #waiter: ((r: IteratorResult<SocketEvent>) => void) | null = null;
  #iterating = false;
  #ended = false;

  /**
   * Adds a listener for one event type.
   *
   * @param type The event type.
   * @param listener Called with each event of that type.
   * @returns This object, for chaining.
   */
  on(type: SocketEventType, listener: (e: SocketEvent) => void): this {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    set.add(listener);
    return this;
  }

  /**
   * Removes a listener.
   *
   * @param type The event type.
   * @param listener The listener passed to `on()`.
   * @returns This object, for chaining.
   */
  off(type: SocketEventType, listener: (e: SocketEvent) => void): this {
    this.#listeners.get(type)?.delete(listener);
    return this;
  }

  /** Delivers an event (internal). */
  emit(e: SocketEvent): void {
    const set = this.#listeners.get(e.type);
    if (set) { for (const l of set) l(e); }
    if (!this.#iterating || this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w({ value: e, done: false });
    } else if (this.#queue.length < 10000) {
      this.#queue.push(e);
    }
  }

  /** Ends iteration (internal, on socket close). */
  end(): void {
    this.emit({ type: "end" });
    this.#ended = true;
    const w = this.#waiter;
    this.#waiter = null;
    w?.({ value: undefined, done: true });
  }

  /** Iterates over events until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    this.#iterating = true;
    return {
      next: () => {
        const e = this.#queue.shift();
        if (e) return Promise.resolve({ value: e, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => this.#waiter = r);
      },
      return: () => {
        this.#iterating = false;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
