// PULL (RFC 30): fair-queues messages from PUSH peers.

import { defineOptions } from "../options.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { type CallOptions, type ConflateOptions, SocketBase, type SocketOptions } from "../socket_base.ts";

/** Options of a {@link Pull}. */
export interface PullOptions extends SocketOptions, ConflateOptions {}

/**
 * Receives messages fair-queued from connected {@link Push} sockets.
 *
 * @example
 * ```ts
 * import { Pull } from "./mod.ts";
 * const pull = new Pull({ receiveTimeout: 100 });
 * await pull.bind("tcp://127.0.0.1:*");
 * console.log(pull.lastEndpoint);
 * pull.close();
 * ```
 */
export class Pull extends SocketBase {
  #in = new FairQueue();

  /** @param options Socket options. */
  constructor(options?: PullOptions) {
    super("PULL", options);
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

  protected override xattach(pipe: Pipe): void {
    this.#in.add(pipe);
  }
  protected override xdetach(pipe: Pipe): void {
    if (pipe.inQ.length === 0) this.#in.remove(pipe);
  }
  protected override xrecv(): Msg | undefined {
    return this.#in.recv();
  }
}

// Its own options as properties, from the rows in lib/options.ts.
export interface Pull extends Required<ConflateOptions> {}
defineOptions(Pull.prototype, "PULL");
