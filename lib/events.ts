/**
 * Socket events as zeromq.js reports them (libzmq's `zmq_socket_monitor`):
 * the typed {@link Event} union and the {@link Observer} that receives a
 * socket's events, by `receive()`/`for await` or by `on()` listeners.
 *
 * @module
 */

import { ZmqError } from "./errors.ts";
import type { AuthStatus, HandshakeError } from "./errors.ts";
import { hold, release } from "./keepalive.ts";

/**
 * The error of an error event: zeromq.js's ErrnoError. Errors this library
 * raises are {@link ZmqError}s and carry both fields; an error passed on from
 * a runtime may lack them.
 *
 * @example
 * ```ts
 * import { type ErrnoError, Push } from "zmtp-zeromq";
 * const push = new Push();
 * push.events.on("connect:retry", (e) => {
 *   const err: ErrnoError | undefined = e.error;
 *   console.log(err?.code); // ECONNREFUSED
 * });
 * push.close();
 * ```
 */
export interface ErrnoError extends Error {
  /** libzmq's errno name, e.g. "EADDRINUSE". */
  code?: string;
  /** libzmq's errno number (Linux values), e.g. 98. */
  errno?: number;
}

/**
 * The error of `handshake:error:auth`: zeromq.js's AuthError, a {@link HandshakeError} of kind "auth".
 *
 * @example
 * ```ts
 * import { type AuthError, Reply } from "zmtp-zeromq";
 * const rep = new Reply();
 * rep.events.on("handshake:error:auth", (e) => {
 *   const err: AuthError = e.error;
 *   console.log(err.status); // 400: refused by the authenticator
 * });
 * rep.close();
 * ```
 */
export interface AuthError extends HandshakeError {
  /** The ZAP status code: 300 temporary, 400 refused, 500 internal error. */
  readonly status: AuthStatus;
}

/**
 * One event, by its `type` (zeromq.js's names for libzmq's monitor events).
 * `address` is the endpoint involved, with its scheme (`tcp://127.0.0.1:5555`),
 * except for `bind:error`, which carries the address without the scheme
 * (`127.0.0.1:5555`) as libzmq 4.3.5 reports it. Fields beyond zeromq.js's:
 * `remoteAddress` (accept, handshake), `userId` and `properties` (handshake),
 * `error` (disconnect, unknown).
 *
 * @example
 * ```ts
 * import { type Event, Pull } from "zmtp-zeromq";
 * const pull = new Pull();
 * const seen: Event[] = [];
 * pull.events.on("bind", (e) => seen.push(e));
 * await pull.bind("tcp://127.0.0.1:*");
 * console.log(seen[0].type); // bind
 * pull.close();
 * ```
 */
export type Event =
  | { type: "accept"; address: string; remoteAddress?: string }
  | { type: "accept:error"; address: string; error: ErrnoError }
  | { type: "bind"; address: string }
  | { type: "bind:error"; address: string; error: ErrnoError }
  | { type: "connect"; address: string }
  | { type: "connect:delay"; address: string }
  | {
    type: "connect:retry";
    address: string;
    interval: number;
    /** Why the attempt failed, or the connection ended (refused, unreachable, unresolvable, ...). */
    error?: ErrnoError;
  }
  | { type: "close"; address: string }
  | { type: "close:error"; address: string; error: ErrnoError }
  | { type: "disconnect"; address: string; error?: ErrnoError }
  | { type: "end" }
  | {
    type: "handshake";
    address: string;
    remoteAddress?: string;
    /** The User-Id a ZAP authenticator gave the peer, if any. */
    userId?: string;
    /** The peer's properties (Socket-Type, Identity, ZAP metadata, ...). */
    properties?: Map<string, Uint8Array>;
  }
  | { type: "handshake:error:protocol"; address: string; error: ZmqError }
  | { type: "handshake:error:auth"; address: string; error: AuthError }
  | { type: "handshake:error:other"; address: string; error: ErrnoError }
  | { type: "unknown"; address?: string; error?: ErrnoError };

/**
 * Every event type: see {@link Event}.
 *
 * @example
 * ```ts
 * import type { EventType } from "zmtp-zeromq";
 * const kinds: EventType[] = ["connect", "disconnect", "handshake"];
 * console.log(kinds.length); // 3
 * ```
 */
export type EventType = Event["type"];

/**
 * The event of one type, e.g. `EventOfType<"connect:retry">` has `interval`.
 *
 * @example
 * ```ts
 * import { type EventOfType, Pull } from "zmtp-zeromq";
 * const pull = new Pull();
 * const onBind = (e: EventOfType<"bind">) => console.log(e.address);
 * pull.events.on("bind", onBind);
 * await pull.bind("tcp://127.0.0.1:*"); // tcp://127.0.0.1:<port>
 * pull.close();
 * ```
 */
export type EventOfType<E extends EventType = EventType> = Extract<Event, { type: E }>;

/**
 * Our earlier name of {@link Event}.
 *
 * @example
 * ```ts
 * import type { Event, SocketEvent } from "zmtp-zeromq";
 * const e: SocketEvent = { type: "end" };
 * const same: Event = e;
 * console.log(same.type); // end
 * ```
 */
export type SocketEvent = Event;
/**
 * Our earlier name of {@link EventType}.
 *
 * @example
 * ```ts
 * import type { SocketEventType } from "zmtp-zeromq";
 * const t: SocketEventType = "handshake";
 * console.log(t); // handshake
 * ```
 */
export type SocketEventType = EventType;

// Events an observer keeps for reading before it drops new ones (libzmq's
// monitor socket drops at its high-water mark too).
const QUEUE_LIMIT = 10000;

type Listener = (e: Event) => void;

/**
 * A socket's source of events (internal): the core emits into it and every
 * {@link Observer} attached gets each event.
 */
export class EventHub {
  #observers = new Set<{ deliver(e: Event): void; finish(): void }>();
  #ended = false;

  /** True once the socket closed for good. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Attaches an observer (internal). */
  attach(o: { deliver(e: Event): void; finish(): void }): void {
    if (this.#ended) o.finish();
    else this.#observers.add(o);
  }

  /** Detaches an observer (internal). */
  detach(o: { deliver(e: Event): void; finish(): void }): void {
    this.#observers.delete(o);
  }

  /** Delivers an event to every observer (internal). */
  emit(e: Event): void {
    if (this.#ended || this.#observers.size === 0) return;
    // No `key: undefined` entries: events compare equal to zeromq.js's.
    const r = e as unknown as Record<string, unknown>;
    for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
    for (const o of [...this.#observers]) o.deliver(e);
  }

  /** The socket closed: "end", then no more events (internal). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const all = [...this.#observers];
    this.#observers.clear();
    for (const o of all) o.finish();
  }
}

// The hub of each observed socket: a socket registers itself here so an
// Observer can be made from the public socket alone, as in zeromq.js.
let hubOf: (socket: object) => EventHub | undefined = () => undefined;

/**
 * Lets {@link Observer} find a socket's hub (internal, for SocketBase).
 *
 * @param find Returns the hub of a socket, undefined for anything else.
 */
export function setHubResolver(find: (socket: object) => EventHub | undefined): void {
  hubOf = find;
}

/**
 * The events of one socket, as zeromq.js's Observer: read them with
 * `receive()` or `for await`, or listen with `on()` (emitter mode; the two
 * are exclusive, as in zeromq.js). Events are kept from the moment the
 * observer exists, so none is lost between creating it and reading.
 * `socket.events` is one, made on first use; `new Observer(socket)` makes
 * another that sees every event too. After the socket closes, the last
 * event is `end` and the observer is closed once that is read (an observer
 * of a socket already closed has just `end`).
 *
 * @example
 * ```ts
 * import { Pull } from "zmtp-zeromq";
 * const pull = new Pull();
 * const events = pull.events; // from now on, nothing is missed
 * await pull.bind("tcp://127.0.0.1:*");
 * const e = await events.receive();
 * console.log(e.type); // "bind"
 * pull.close();
 * ```
 */
export class Observer implements AsyncIterable<Event> {
  #hub: EventHub | null;
  #queue: Event[] = [];
  #waiter: { resolve(e: Event): void; reject(e: Error): void } | null = null;
  #listeners: Map<string, Set<Listener>> | null = null;
  #flushing = false;
  #closed = false;
  // Holds the process alive (lib/keepalive.ts): while a receive() waits, or in emitter mode.
  #held = false;
  #sink = { deliver: (e: Event) => this.#deliver(e), finish: () => this.#finish() };

  /**
   * Observes a socket. Usually `socket.events` is all you need.
   *
   * @param socket The socket to observe.
   * @throws {TypeError} For something other than a socket of this library.
   */
  constructor(socket: object) {
    const hub = hubOf(socket);
    if (hub === undefined) throw new TypeError("Socket must be a socket object");
    this.#hub = hub;
    hub.attach(this.#sink);
  }

  /** True once the observer was closed, by `close()` or after it delivered `end`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops observing: no more events are kept or delivered. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub?.detach(this.#sink);
    this.#hub = null;
    this.#queue = [];
    this.#unhold();
    const w = this.#waiter;
    this.#waiter = null;
    w?.reject(new ZmqError("EAGAIN"));
  }

  /**
   * The next event: at once if one is queued, else when it happens.
   *
   * @returns The event.
   * @throws {Error} When the observer is in emitter mode (after `on()`).
   * @throws {ZmqError} EBADF when the observer is closed, EBUSY while another receive() waits.
   */
  receive(): Promise<Event> {
    if (this.#listeners !== null) {
      throw new Error(
        "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().",
      );
    }
    if (this.#closed) throw new ZmqError("EBADF");
    if (this.#waiter !== null) {
      throw new ZmqError(
        "EBUSY",
        "Observer is busy reading; only one receive operation may be in progress at any time",
      );
    }
    const e = this.#queue.shift();
    if (e !== undefined) {
      if (e.type === "end") this.#closeAfterEnd();
      return Promise.resolve(e);
    }
    // Waiting for an event keeps the process alive, as in zeromq.js.
    this.#hold();
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  /**
   * Calls `listener` with each event of `type`. Switches the observer to
   * emitter mode for good: `receive()` then throws. Events already queued
   * are delivered to the listeners after the current turn.
   *
   * @param type The event type.
   * @param listener Called with each event of that type.
   * @returns This observer, for chaining.
   */
  on<E extends EventType>(type: E, listener: (e: EventOfType<E>) => void): this {
    if (this.#listeners === null) {
      this.#listeners = new Map();
      // zeromq.js's emitter reads events until the end: it keeps the process alive until then.
      if (!this.#closed) this.#hold();
      if (this.#queue.length > 0) this.#scheduleFlush();
    }
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    set.add(listener as Listener);
    return this;
  }

  /**
   * Removes a listener added with `on()`.
   *
   * @param type The event type.
   * @param listener The listener.
   * @returns This observer, for chaining.
   */
  off<E extends EventType>(type: E, listener: (e: EventOfType<E>) => void): this {
    this.#listeners?.get(type)?.delete(listener as Listener);
    return this;
  }

  /** Iterates over events; ends after `end` (the socket closed) or `close()`. */
  [Symbol.asyncIterator](): AsyncIterator<Event, undefined> {
    return {
      next: async (): Promise<IteratorResult<Event, undefined>> => {
        if (this.#closed) return { value: undefined, done: true };
        try {
          return { value: await this.receive(), done: false };
        } catch (e) {
          if (this.#closed && (e as ZmqError).code === "EAGAIN") return { value: undefined, done: true };
          throw e;
        }
      },
    };
  }

  #deliver(e: Event): void {
    if (this.#closed) return;
    if (this.#listeners !== null) {
      // In order: behind what is still queued for the listeners.
      if (this.#queue.length > 0) this.#queue.push(e);
      else this.#dispatch(e);
      return;
    }
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      this.#unhold();
      if (e.type === "end") this.#closeAfterEnd();
      w.resolve(e);
    } else if (this.#queue.length < QUEUE_LIMIT || e.type === "end") {
      this.#queue.push(e);
    }
  }

  #finish(): void {
    this.#hub = null;
    this.#deliver({ type: "end" });
  }

  #closeAfterEnd(): void {
    this.#closed = true;
    this.#queue = [];
    this.#unhold();
    // A receive() from before on() was called waits no more.
    const w = this.#waiter;
    this.#waiter = null;
    w?.reject(new ZmqError("EAGAIN"));
  }

  #hold(): void {
    if (this.#held) return;
    this.#held = true;
    hold();
  }

  #unhold(): void {
    if (!this.#held) return;
    this.#held = false;
    release();
  }

  #dispatch(e: Event): void {
    if (e.type === "end") this.#closeAfterEnd();
    const set = this.#listeners?.get(e.type);
    if (set) { for (const l of [...set]) l(e); }
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      while (this.#queue.length > 0 && !this.#closed) this.#dispatch(this.#queue.shift()!);
    });
  }
}
