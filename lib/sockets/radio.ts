// RADIO (RFC 48): sends each message to the DISH peers that joined its
// group, dropping for peers at their HWM; a udp:// endpoint gets every
// message (its DISH filters). Over ZMTP a message goes out as two frames,
// group then body (RFC 37 §"The Radio-Dish Pattern"), and the DISH's JOIN
// and LEAVE commands arrive in the pipe as command messages.

import { Membership, type Msg, type Pipe } from "../pipe.ts";
import {
  type CallOptions,
  core,
  defineSocket,
  type MessageLike,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  toFrame,
} from "../socket_base.ts";
import type { Policy, SocketCore } from "../core.ts";
import { fanOut } from "../routing/fan_out.ts";
import { groupBytes, groupKey } from "./dish.ts";

/**
 * Options of one {@link Radio.send} call.
 *
 * @example
 * ```ts
 * import { Radio, type RadioSendOptions } from "zmtp-zeromq";
 * const radio = new Radio();
 * const opts: RadioSendOptions = { group: "news" };
 * await radio.send("hello", opts); // dropped: no dish yet
 * radio.close();
 * ```
 */
export interface RadioSendOptions extends CallOptions {
  /** The group: a string (UTF-8) or bytes, at most 255 bytes. */
  group: string | Uint8Array;
}

// The routing policy of RADIO, over the pipes the core manages.
class RadioPolicy implements Policy {
  #core: SocketCore;
  #groups = new Map<string, Set<Pipe>>();
  #udp = new Set<Pipe>();

  constructor(core: SocketCore) {
    this.#core = core;
  }

  attach(pipe: Pipe): void {
    pipe.state = new Set<string>();
    if (pipe.endpoint.startsWith("udp://")) this.#udp.add(pipe);
  }

  // A (re)connected DISH sends all its JOINs again.
  connected(pipe: Pipe): void {
    this.#forget(pipe);
  }

  detach(pipe: Pipe): void {
    this.#forget(pipe);
    this.#udp.delete(pipe);
  }

  #forget(pipe: Pipe): void {
    const mine = pipe.state as Set<string>;
    for (const g of mine) {
      const set = this.#groups.get(g)!;
      set.delete(pipe);
      if (set.size === 0) this.#groups.delete(g);
    }
    mine.clear();
  }

  // JOIN and LEAVE are applied as they arrive; anything else a peer sends is dropped (RFC 48).
  readable(pipe: Pipe): void {
    const mine = pipe.state as Set<string>;
    for (let m = pipe.read(); m !== undefined; m = pipe.read()) {
      if (!(m instanceof Membership)) continue;
      const key = groupKey(m.group);
      if (m.join) {
        mine.add(key);
        let set = this.#groups.get(key);
        if (!set) this.#groups.set(key, set = new Set());
        set.add(pipe);
      } else if (mine.delete(key)) {
        const set = this.#groups.get(key)!;
        set.delete(pipe);
        if (set.size === 0) this.#groups.delete(key);
      }
    }
  }

  send(msg: Msg): boolean {
    const members = this.#groups.get(groupKey(msg[0]));
    // ZMQ_XPUB_NODROP (libzmq's radio has it too): wait while a receiver is at its HWM.
    if (this.#core.opts.noDrop) {
      for (const p of members ?? []) if (!p.canWrite()) return false;
      for (const p of this.#udp) if (!p.canWrite()) return false;
    }
    if (members) fanOut(members, msg);
    fanOut(this.#udp, msg);
    return true;
  }

  // libzmq's dist_t: always writable (a send drops for peers at their HWM).
  hasOut(): boolean {
    return true;
  }
}

/**
 * Options of a {@link Radio}.
 *
 * @example
 * ```ts
 * import { Radio, type RadioOptions } from "zmtp-zeromq";
 * const options: RadioOptions = { linger: 0 };
 * new Radio(options).close();
 * ```
 */
export interface RadioOptions extends SocketOptions, RadioOwnOptions {}

/**
 * The options only a {@link Radio} has, with the send options.
 *
 * @example
 * ```ts
 * import { Radio, type RadioOwnOptions } from "zmtp-zeromq/draft";
 * const own: RadioOwnOptions = {}; // only the options a Radio has
 * new Radio({ ...own, linger: 0 }).close();
 * ```
 */
export interface RadioOwnOptions extends SendOptions {
  /** ZMQ_XPUB_NODROP: wait (or fail with EAGAIN) instead of dropping when a dish is at its HWM. */
  noDrop?: boolean;
}

/**
 * Distributes messages by group to {@link Dish} sockets: exact matching,
 * never blocks, drops for a peer whose queue is full. Connect it to a
 * `udp://` endpoint (unicast or multicast) where DISH sockets bind, or use
 * it over tcp, ipc and inproc.
 *
 * @example
 * ```ts
 * import { Dish, Radio } from "zmtp-zeromq";
 * const dish = new Dish();
 * await dish.bind("tcp://127.0.0.1:*");
 * dish.join("weather");
 * const radio = new Radio();
 * radio.connect(dish.lastEndpoint!);
 * await new Promise((r) => setTimeout(r, 100)); // let the JOIN arrive
 * await radio.send("sunny", { group: "weather" });
 * const [body, { group }] = await dish.receive();
 * console.log(new TextDecoder().decode(group), new TextDecoder().decode(body));
 * radio.close();
 * dish.close();
 * ```
 */
export class Radio extends SocketBase {
  /**
   * Creates a RADIO socket.
   *
   * @param options Socket options.
   */
  constructor(options?: RadioOptions) {
    super("RADIO", options, (c) => new RadioPolicy(c));
  }

  /**
   * Sends a message to the dishes that joined `options.group`. Resolves at
   * once: a message no peer wants, or for a peer at its HWM, is dropped.
   *
   * @param message One part (RADIO messages are single-part).
   * @param options The group, and an AbortSignal for API symmetry.
   * @returns Resolves once queued (or dropped).
   * @throws {TypeError} Without a group, or with more than one part.
   * @throws {RangeError} For a group over 255 bytes or containing a NUL byte.
   */
  send(message: MessageLike | [MessageLike], options: RadioSendOptions): Promise<void> {
    let group: Uint8Array;
    let body: Uint8Array;
    try {
      if (Array.isArray(message)) {
        if (message.length !== 1) throw new TypeError("RADIO messages have exactly one part");
        message = message[0];
      }
      group = groupBytes(options?.group);
      body = toFrame(message);
    } catch (e) {
      return Promise.reject(e);
    }
    return core(this).send([group, body], options);
  }
}

/**
 * The send options of a Radio, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Radio } from "zmtp-zeromq";
 * const socket = new Radio();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface Radio extends Required<RadioOwnOptions> {}
defineSocket(Radio.prototype, "RADIO");
