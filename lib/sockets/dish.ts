// DISH (RFC 48): joins groups, fair-queues what RADIO peers send and keeps
// only messages of joined groups. Over ZMTP the joins go to every peer as
// JOIN/LEAVE commands (sent again after each reconnect) and a message is two
// frames, group then body; over udp:// the datagrams are filtered here.

import { carryMetadata } from "../metadata.ts";
import { latin1 } from "../bytes.ts";
import { ZmqError } from "../errors.ts";
import { Membership, type Msg, type Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import {
  type CallOptions,
  core,
  defineSocket,
  type ReceiveOptions,
  SocketBase,
  type SocketOptions,
  toFrame,
} from "../socket_base.ts";
import type { Policy } from "../core.ts";
import { toConnected } from "../routing/fan_out.ts";
import { GROUP_MAX_LENGTH } from "../udp.ts";

/** @internal A group as bytes, checked against RFC 48's grammar (1..255-valued octets, at most 255). */
export function groupBytes(group: string | Uint8Array): Uint8Array {
  if (typeof group !== "string" && !(group instanceof Uint8Array)) {
    throw new TypeError("A group must be a string or a Uint8Array");
  }
  const g = toFrame(group);
  if (g.length > GROUP_MAX_LENGTH) {
    throw new RangeError(`A group is at most ${GROUP_MAX_LENGTH} bytes, got ${g.length}`);
  }
  if (g.includes(0)) throw new RangeError("A group cannot contain a NUL byte");
  return g;
}

/** @internal A group's bytes as a map key (one char per byte). */
export function groupKey(group: Uint8Array): string {
  return latin1(group);
}

/**
 * What {@link Dish.receive} resolves to: the body, and the group it was sent to.
 *
 * @example
 * ```ts
 * import { Dish, type DishMessage } from "zmtp-zeromq";
 * const dish = new Dish({ receiveTimeout: 10 });
 * const m: DishMessage | null = await dish.receive().catch(() => null);
 * console.log(m); // null: nothing was sent
 * dish.close();
 * ```
 */
export type DishMessage = [Uint8Array, { group: Uint8Array }];

/**
 * Options of a {@link Dish}.
 *
 * @example
 * ```ts
 * import { Dish, type DishOptions } from "zmtp-zeromq";
 * const options: DishOptions = { linger: 0 };
 * new Dish(options).close();
 * ```
 */
export interface DishOptions extends SocketOptions, ReceiveOptions {}

// The routing policy of DISH: JOIN/LEAVE to every connected RADIO (all the
// groups again after each reconnect), messages of joined groups fair-queued.
class DishPolicy implements Policy {
  #in = new FairQueue();
  #pipes = new Set<Pipe>();
  readonly joined = new Map<string, Uint8Array>();

  /** Tells every connected RADIO; pipes without a connection hear every group when they connect. */
  tell(join: boolean, group: Uint8Array): void {
    toConnected(this.#pipes, new Membership(join, group));
  }

  // udp:// drops datagrams of groups not joined before they take queue room.
  acceptsGroup(group: Uint8Array): boolean {
    return this.joined.has(groupKey(group));
  }

  attach(pipe: Pipe): void {
    this.#in.add(pipe);
    if (!pipe.endpoint.startsWith("udp://")) this.#pipes.add(pipe);
  }

  // libzmq "hiccups" the pipe: JOIN/LEAVE queued for the old connection are
  // dropped and the current groups sent afresh.
  connected(pipe: Pipe): void {
    if (!this.#pipes.has(pipe)) return;
    pipe.outQ.clear();
    for (const g of this.joined.values()) pipe.write(new Membership(true, g));
  }

  detach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#in.detach(pipe);
  }

  // Only `group body` messages of joined groups (RFC 37: thread-safe types drop multipart).
  // What is there to read is known by reading it: messages of groups not
  // joined are dropped (libzmq's dish_t prefetches the same way).
  #next: Msg | undefined = undefined;

  hasIn(): boolean {
    return this.#next !== undefined || (this.#next = this.recv()) !== undefined;
  }

  recv(): Msg | undefined {
    const next = this.#next;
    if (next !== undefined) {
      this.#next = undefined;
      return next;
    }
    for (;;) {
      const m = this.#in.recv();
      if (m === undefined) return undefined;
      if (m.length === 2 && m[0].length <= GROUP_MAX_LENGTH && this.joined.has(groupKey(m[0]))) return m;
    }
  }
}

/**
 * Receives the messages of the groups it joined from {@link Radio} sockets.
 * Bind it to a `udp://` endpoint (`udp://127.0.0.1:5555`, `udp://*:5555`,
 * or a multicast group such as `udp://239.0.0.1:5555` or
 * `udp://eth0;239.0.0.1:5555`), or use it over tcp, ipc and inproc.
 *
 * @example
 * ```ts
 * import { Dish, Radio } from "zmtp-zeromq";
 * const dish = new Dish({ receiveTimeout: 1000 });
 * await dish.bind("udp://127.0.0.1:*");
 * dish.join("news");
 * const radio = new Radio();
 * radio.connect(dish.lastEndpoint!);
 * await radio.send("hello", { group: "news" });
 * const [body, { group }] = await dish.receive();
 * console.log(new TextDecoder().decode(group), new TextDecoder().decode(body)); // news hello
 * radio.close();
 * dish.close();
 * ```
 */
export class Dish extends SocketBase {
  #policy: DishPolicy;

  /**
   * Creates a DISH socket.
   *
   * @param options Socket options; `linger` defaults to 0, as in libzmq.
   */
  constructor(options?: DishOptions) {
    const policy = new DishPolicy();
    super("DISH", options, () => policy);
    this.#policy = policy;
  }

  /**
   * Joins groups: messages sent to them are received from now on.
   *
   * @param groups Strings (UTF-8) or bytes, each at most 255 bytes.
   * @throws {ZmqError} EINVAL when a group is joined already.
   * @throws {RangeError} For a group over 255 bytes or containing a NUL byte.
   */
  join(...groups: (string | Uint8Array)[]): void {
    for (const g of groups) {
      const bytes = groupBytes(g);
      const key = groupKey(bytes);
      if (this.#policy.joined.has(key)) throw new ZmqError("EINVAL", `Group "${g}" is joined already`);
      this.#policy.joined.set(key, bytes.slice());
      this.#policy.tell(true, bytes);
    }
  }

  /**
   * Leaves groups joined before; messages of theirs still queued are dropped.
   *
   * @param groups Strings (UTF-8) or bytes.
   * @throws {ZmqError} EINVAL when a group is not joined.
   */
  leave(...groups: (string | Uint8Array)[]): void {
    for (const g of groups) {
      const bytes = groupBytes(g);
      if (!this.#policy.joined.delete(groupKey(bytes))) throw new ZmqError("EINVAL", `Group "${g}" is not joined`);
      this.#policy.tell(false, bytes);
    }
  }

  /**
   * Waits for the next message of a joined group.
   *
   * @param options An AbortSignal to stop waiting.
   * @returns `[body, { group }]`, as zeromq.js's draft Dish.
   */
  receive(options?: CallOptions): Promise<DishMessage> {
    // Not async: EBADF and EBUSY throw at the call, as on every socket.
    return core(this).receive(options).then((m): DishMessage => carryMetadata(m, [m[1], { group: m[0] }]));
  }

  /** Iterates over received messages until the socket closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<DishMessage, void, undefined> {
    for await (const [group, body] of core(this).iterate()) yield [body, { group }];
  }
}

/**
 * The receive options of a Dish, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Dish } from "zmtp-zeromq";
 * const socket = new Dish();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Dish extends Required<ReceiveOptions> {}
defineSocket(Dish.prototype, "DISH");
