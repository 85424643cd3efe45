// XPUB (RFC 29): fan-out to subscribers whose prefixes match the first
// frame, dropping for peers at their HWM; subscriptions arrive as
// 0x01/0x00-prefixed messages (or SUBSCRIBE/CANCEL commands, which the engine
// turns into those) and, on XPUB, are handed to the user. With `manual`
// (ZMQ_XPUB_MANUAL) they are only handed over: the user's subscribe() and
// unsubscribe() apply them, to the peer of the subscription read last.

import { show } from "../trace.ts";
import { latin1 } from "../bytes.ts";
import { zmqError } from "../errors.ts";
import { isMsg, type Msg, type Pipe, Subscription } from "../pipe.ts";
import { Queue } from "../queue.ts";
import { PipeTrie } from "../routing/trie.ts";
import {
  defineSocket,
  type InvertMatchingOptions,
  type MessageLike,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  type SocketOptions,
  toFrame,
  type Writable,
} from "../socket_base.ts";
import type { Policy, SocketCore } from "../core.ts";
import { fanOut } from "../routing/fan_out.ts";

/**
 * Options of an {@link XPublisher}.
 *
 * @example
 * ```ts
 * import { XPublisher, type XPublisherOptions } from "zmtp-zeromq";
 * const options: XPublisherOptions = { linger: 0 };
 * new XPublisher(options).close();
 * ```
 */
export interface XPublisherOptions extends SocketOptions, XPublisherOwnOptions {}

/**
 * The options only an {@link XPublisher} has, with the send and receive options.
 *
 * @example
 * ```ts
 * import { XPublisher, type XPublisherOwnOptions } from "zmtp-zeromq";
 * const own: XPublisherOwnOptions = {}; // only the options a XPublisher has
 * new XPublisher({ ...own, linger: 0 }).close();
 * ```
 */
export interface XPublisherOwnOptions extends InvertMatchingOptions, SendOptions, ReceiveOptions {
  /** ZMQ_XPUB_NODROP: wait (or fail with EAGAIN) instead of dropping at the HWM. */
  noDrop?: boolean;
  /**
   * ZMQ_XPUB_MANUAL: subscriptions are handed to the user (every one,
   * duplicates too) but not applied; {@link XPublisher.subscribe} and
   * {@link XPublisher.unsubscribe} apply them to the peer whose subscription
   * was received last. Default false.
   */
  manual?: boolean;
  /**
   * ZMQ_XPUB_MANUAL_LAST_VALUE: `manual`, and the first send() after a
   * subscription was read goes only to that subscription's peer (a last
   * value cache). Default false.
   */
  manualLastValue?: boolean;
  /**
   * ZMQ_ONLY_FIRST_SUBSCRIBE: a multi-part message is scanned for
   * (un)subscriptions only when its first frame is one; otherwise it is
   * handed over whole. Without it every frame that starts with 1 or 0 is
   * taken for one, as libzmq does. Default false.
   */
  onlyFirstSubscribe?: boolean;
  /** ZMQ_XPUB_VERBOSE(R): which duplicate (un)subscriptions reach the user. */
  verbosity?: null | "allSubs" | "allSubsUnsubs";
  /** ZMQ_XPUB_WELCOME_MSG: sent to each new subscriber. */
  welcomeMessage?: string | Uint8Array | null;
}

/**
 * The routing policy of PUB and XPUB: fan-out to the subscribers whose
 * prefixes match the first frame; subscriptions are processed as they
 * arrive and, on XPUB, handed to the user.
 */
export class PublisherPolicy implements Policy {
  #core: SocketCore;
  #subs = new PipeTrie();
  #pipes = new Set<Pipe>();
  // What the user receives; `from` is the peer of a subscription (null: one
  // whose peer is gone), which manual mode remembers when it is read.
  #user = new Queue<{ msg: Msg; from?: Pipe | null }>();
  #deliver: boolean;
  // Manual mode: each peer's subscriptions as it sent them, to cancel on detach.
  #manualSubs = new Map<Pipe, Map<string, Uint8Array>>();
  #last: Pipe | null = null;

  constructor(core: SocketCore, deliver: boolean) {
    this.#core = core;
    this.#deliver = deliver;
  }

  attach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    // libzmq's subscribe_to_all: over epgm no subscription travels, the pipe
    // takes everything from the start (a connect()'s pipe, before its engine).
    if (pipe.endpoint.startsWith("epgm://")) this.#subs.add(new Uint8Array(0), pipe);
  }

  connected(pipe: Pipe): void {
    const w = this.#core.opts.welcomeMessage;
    if (w !== null && w !== undefined) pipe.write([toFrame(w)]);
  }

  detach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    const manual = this.#manualSubs.get(pipe);
    if (manual !== undefined || (this.#deliver && this.#manual())) {
      // libzmq: every topic the peer sent becomes a cancellation, and what
      // the user applied for it goes silently.
      this.#manualSubs.delete(pipe);
      this.#subs.removePipe(pipe, () => {});
      for (const topic of manual?.values() ?? []) {
        this.#user.push({ msg: [new Subscription(false, topic).message()], from: null });
      }
    } else {
      this.#subs.removePipe(pipe, (topic) => {
        if (!this.#deliver) return;
        this.#user.push({ msg: [new Subscription(false, topic).message()] });
      });
    }
    if (this.#last === pipe) this.#last = null;
    // The cancellations must reach a receive() already waiting.
    this.#core.wakeReceiver();
  }

  // Subscriptions are processed as soon as they arrive: SUBSCRIBE/CANCEL
  // commands come typed; a one-frame message starting with 1 or 0 is one
  // too (ZMTP 3.0, and what libzmq 4.3's SUB sends), as libzmq's XPUB reads it.
  readable(pipe: Pipe): void {
    for (let m = pipe.read(); m !== undefined; m = pipe.read()) {
      if (m instanceof Subscription) this.#subscription(pipe, m.subscribe, m.topic);
      else if (isMsg(m)) this.#message(pipe, m);
    }
  }

  // libzmq's XPUB reads each frame of a message: one that starts with 1 or 0
  // is an (un)subscription, the others go up to the user; with
  // onlyFirstSubscribe only when the first frame is one.
  #message(pipe: Pipe, m: Msg): void {
    const isSub = (f: Uint8Array) => f.length > 0 && (f[0] === 1 || f[0] === 0);
    if (m.length > 1 && !(this.#core.opts.onlyFirstSubscribe && !isSub(m[0]))) {
      // The user's frames first, as libzmq queues each frame in turn.
      const rest = m.filter((f) => !isSub(f));
      if (this.#deliver && rest.length > 0) this.#user.push({ msg: rest });
      for (const f of m) if (isSub(f)) this.#subscription(pipe, f[0] === 1, f.subarray(1));
      return;
    } else if (m.length === 1 && isSub(m[0])) {
      this.#subscription(pipe, m[0][0] === 1, m[0].subarray(1));
      return;
    }
    // Any other message from a subscriber goes up as is (libzmq XPUB).
    if (this.#deliver) this.#user.push({ msg: m });
  }

  #manual(): boolean {
    return this.#core.opts.manual || this.#core.opts.manualLastValue;
  }

  #subscription(pipe: Pipe, subscribe: boolean, topic: Uint8Array): void {
    this.#core.trace?.(`${pipe.endpoint}: peer ${subscribe ? "subscribes to" : "cancels"} ${show(topic)}`);
    if (this.#deliver && this.#manual()) {
      let mine = this.#manualSubs.get(pipe);
      if (mine === undefined) this.#manualSubs.set(pipe, mine = new Map());
      if (subscribe) mine.set(latin1(topic), topic.slice());
      else mine.delete(latin1(topic));
      this.#user.push({ msg: [new Subscription(subscribe, topic).message()], from: pipe });
      return;
    }
    const verbosity = this.#core.opts.verbosity;
    const news = subscribe ? this.#subs.add(topic, pipe) : this.#subs.remove(topic, pipe);
    const tell = news || (subscribe ? verbosity !== null : verbosity === "allSubsUnsubs");
    if (this.#deliver && tell) this.#user.push({ msg: [new Subscription(subscribe, topic).message()] });
  }

  /**
   * Manual mode: applies a subscription, or cancels one, for the peer whose
   * subscription the user received last (nothing when it is gone).
   */
  apply(subscribe: boolean, topic: Uint8Array): void {
    if (!this.#manual()) {
      throw zmqError("EINVAL", "subscribe() and unsubscribe() on an XPublisher need `manual`");
    }
    const p = this.#last;
    if (p === null || !this.#pipes.has(p)) return;
    if (subscribe) this.#subs.add(topic, p);
    else this.#subs.remove(topic, p);
  }

  send(msg: Msg): boolean {
    if (this.#core.opts.manualLastValue && this.#last !== null) return this.#sendToLast(msg);
    if (!this.#core.opts.noDrop && !this.#core.opts.invertMatching) {
      // The common case, without building a list.
      this.#subs.match(msg[0], (p) => {
        if (p.canWrite()) p.write(msg);
      });
      return true;
    }
    const targets = this.#targets(msg[0]);
    if (this.#core.opts.noDrop) {
      for (const p of targets) if (!p.canWrite()) return false;
    }
    fanOut(targets, msg);
    return true;
  }

  // ZMQ_XPUB_MANUAL_LAST_VALUE: the message goes to the peer of the
  // subscription read last, if it matches, and later ones to all again.
  #sendToLast(msg: Msg): boolean {
    const last = this.#last!;
    const targets = this.#targets(msg[0]).filter((p) => p === last);
    if (this.#core.opts.noDrop && targets.some((p) => !p.canWrite())) return false;
    this.#last = null;
    fanOut(targets, msg);
    return true;
  }

  // The pipes a message goes to: those subscribed to a prefix of its first
  // frame, or with invertMatching those that are not.
  #targets(topic: Uint8Array): Pipe[] {
    const hit: Pipe[] = [];
    if (!this.#core.opts.invertMatching) {
      this.#subs.match(topic, (p) => hit.push(p));
      return hit;
    }
    const mark = this.#subs.match(topic, () => {});
    for (const p of this.#pipes) if (p.mark !== mark) hit.push(p);
    return hit;
  }

  recv(): Msg | undefined {
    const e = this.#user.shift();
    if (e === undefined) return undefined;
    if (e.from !== undefined && this.#manual()) this.#last = e.from;
    return e.msg;
  }

  hasIn(): boolean {
    return this.#user.length > 0;
  }

  // libzmq's dist_t: a publisher is always writable (a send drops for peers at their HWM).
  hasOut(): boolean {
    return true;
  }
}

/**
 * A publisher that also receives its subscribers' (un)subscriptions as
 * messages: byte 1 or 0 followed by the topic. Use it to build proxies and
 * last-value caches.
 *
 * @example
 * ```ts
 * import { Subscriber, XPublisher } from "zmtp-zeromq";
 * const xpub = new XPublisher();
 * await xpub.bind("tcp://127.0.0.1:*");
 * const sub = new Subscriber();
 * sub.connect(xpub.lastEndpoint!);
 * sub.subscribe("news");
 * const [s] = await xpub.receive();
 * console.log(s[0], new TextDecoder().decode(s.subarray(1))); // 1 "news"
 * sub.close();
 * xpub.close();
 * ```
 */
export class XPublisher extends SocketBase {
  #policy: PublisherPolicy;

  /**
   * Creates a XPUB socket.
   *
   * @param options Socket options.
   */
  constructor(options?: XPublisherOptions) {
    let policy!: PublisherPolicy;
    super("XPUB", options, (c) => policy = new PublisherPolicy(c, true));
    this.#policy = policy;
  }

  /**
   * With `manual`: subscribes the peer whose subscription was received last
   * to each prefix (all messages without one), as ZMQ_SUBSCRIBE on a manual
   * XPUB does in libzmq.
   *
   * @param prefixes The prefixes.
   * @throws {ZmqError} EINVAL without `manual`.
   */
  subscribe(...prefixes: MessageLike[]): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const p of prefixes) this.#policy.apply(true, toFrame(p).slice());
  }

  /**
   * With `manual`: cancels a subscription of the peer whose subscription was
   * received last, as ZMQ_UNSUBSCRIBE on a manual XPUB does in libzmq.
   *
   * @param prefixes The prefixes.
   * @throws {ZmqError} EINVAL without `manual`.
   */
  unsubscribe(...prefixes: MessageLike[]): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const p of prefixes) this.#policy.apply(false, toFrame(p).slice());
  }
}

/**
 * The options only an XPublisher has, as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { XPublisher } from "zmtp-zeromq";
 * const socket = new XPublisher();
 * socket.linger = 0; // every option is a property
 * console.log(socket.linger); // 0
 * socket.close();
 * ```
 */
export interface XPublisher extends Writable, Readable, Required<XPublisherOwnOptions> {}
defineSocket(XPublisher.prototype, "XPUB", "both");
