// XSUB (RFC 29): sends subscriptions to every publisher (resent after each
// reconnect), fair-queues what they publish. SUB adds local filtering.

import { type Msg, type Pipe, Subscription } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { TopicSet } from "../routing/trie.ts";
import { type CallOptions, type MessageInput, SocketBase, type SocketOptions } from "../socket_base.ts";

/** @internal Shared by Subscriber and XSubscriber. */
export abstract class SubscriberBase extends SocketBase {
  #in = new FairQueue();
  #pipes = new Set<Pipe>();
  #topics = new TopicSet();
  #filter: boolean;

  /** @internal */
  constructor(type: "SUB" | "XSUB", options: SocketOptions | undefined, filter: boolean) {
    super(type, options);
    this.#filter = filter;
  }

  /** @internal Adds a subscription and tells the publishers. */
  protected subscribe_(topic: Uint8Array): void {
    this.#topics.add(topic);
    // libzmq forwards every subscribe, deduplication is the publisher's job.
    this.#toAll(new Subscription(true, topic));
  }

  /** @internal Drops a subscription; publishers hear when its count is 0. */
  protected unsubscribe_(topic: Uint8Array): void {
    if (this.#topics.remove(topic)) this.#toAll(new Subscription(false, topic));
  }

  #toAll(m: Msg | Subscription): void {
    // Pipes without a connection get every subscription on connect.
    for (const p of this.#pipes) if (p.engine !== null) p.write(m);
  }

  protected override xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    this.#in.add(pipe);
  }

  protected override xconnected(pipe: Pipe): void {
    for (const t of this.#topics.topics()) pipe.write(new Subscription(true, t));
  }

  protected override xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    if (pipe.inQ.length === 0) this.#in.remove(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    const data = msg[0];
    if (msg.length === 1 && data.length > 0 && data[0] === 1) {
      this.subscribe_(data.slice(1));
    } else if (msg.length === 1 && data.length > 0 && data[0] === 0) {
      this.unsubscribe_(data.slice(1));
    } else {
      // Other messages go upstream to every publisher (libzmq XSUB).
      for (const p of this.#pipes) if (p.canWrite()) p.write(msg);
    }
    return true;
  }

  protected override xrecv(): Msg | undefined {
    for (;;) {
      const m = this.#in.recv();
      if (m === undefined || !this.#filter || this.#topics.matches(m[0]) !== this.opts.invertMatching) return m;
    }
  }
}

/**
 * A subscriber that subscribes by sending messages: byte 1 (subscribe) or 0
 * (unsubscribe) followed by the topic. Other messages go to every publisher.
 *
 * @example
 * ```ts
 * import { XSubscriber } from "./mod.ts";
 * const xsub = new XSubscriber();
 * await xsub.send(new Uint8Array([1])); // subscribe to everything
 * xsub.close();
 * ```
 */
export class XSubscriber extends SubscriberBase {
  /** @param options Socket options. */
  constructor(options?: SocketOptions) {
    super("XSUB", options, false);
  }

  /**
   * Sends a (un)subscription or a message upstream.
   *
   * @param message One part or an array of parts.
   * @param options An AbortSignal.
   * @returns Resolves once queued.
   */
  send(message: MessageInput, options?: CallOptions): Promise<void> {
    return this.send_(message, options);
  }

  /**
   * Waits for the next published message.
   *
   * @param options An AbortSignal to stop waiting.
   * @returns The message's frames.
   */
  receive(options?: CallOptions): Promise<Uint8Array[]> {
    return this.receive_(options);
  }

  /** Iterates over received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[]> {
    return this.iterate_();
  }
}
