// PAIR (RFC 31): exactly one peer; further peers are refused while it lives.

import type { Msg, Pipe } from "../pipe.ts";
import { type CallOptions, type MessageInput, SocketBase, type SocketOptions } from "../socket_base.ts";

/**
 * An exclusive pair: talks to one {@link Pair} peer at a time.
 *
 * @example
 * ```ts
 * import { Pair } from "./mod.ts";
 * const a = new Pair();
 * await a.bind("tcp://127.0.0.1:*");
 * const b = new Pair();
 * b.connect(a.lastEndpoint!);
 * await b.send("ping");
 * console.log(String.fromCharCode(...(await a.receive())[0])); // "ping"
 * a.close();
 * b.close();
 * ```
 */
export class Pair extends SocketBase {
  #pipe: Pipe | null = null;

  /** @param options Socket options. */
  constructor(options?: SocketOptions) {
    super("PAIR", options);
  }

  /**
   * Queues a message for the peer; waits while there is none or it is full.
   *
   * @param message One part or an array of parts.
   * @param options An AbortSignal to stop waiting.
   * @returns Resolves once queued.
   */
  send(message: MessageInput, options?: CallOptions): Promise<void> {
    return this.send_(message, options);
  }

  /**
   * Waits for the next message.
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

  protected override xattach(pipe: Pipe): void | string {
    if (this.#pipe !== null) return "PAIR socket already has a peer";
    this.#pipe = pipe;
  }
  protected override xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }
  protected override xsend(msg: Msg): boolean {
    const p = this.#pipe;
    if (p === null || !p.canWrite()) return false;
    p.write(msg);
    return true;
  }
  protected override xrecv(): Msg | undefined {
    return this.#pipe?.read();
  }
}
