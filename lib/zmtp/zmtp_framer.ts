// ZMTP 3.x over a byte stream (RFC 23, RFC 37): the greeting, then frames.
//
// The signature goes out first; the rest of our greeting follows once the
// peer's signature is in (how libzmq tells ZMTP 1.0/2.0 peers apart, so an
// older framing can be negotiated here later). Then the FrameDecoder and
// FrameEncoder carry frames both ways.

import { FrameDecoder, FrameEncoder } from "./frame.ts";
import type { Framer, FramerContext, FramerHandler } from "./framer.ts";
import {
  checkSignature,
  encodeGreetingRest,
  encodeSignature,
  GREETING_SIZE,
  parseGreeting,
  SIGNATURE_SIZE,
} from "./greeting.ts";

/**
 * The framing of tcp:// and ipc://: ZMTP 3.x greeting and frames. Its
 * encode() is the FrameEncoder's own (no extra call on the hot path).
 */
export class ZmtpFramer extends FrameEncoder implements Framer {
  #h: FramerHandler;
  #ctx: FramerContext;
  #greeting: Uint8Array | null = new Uint8Array(GREETING_SIZE);
  #greetingLen = 0;
  #decoder: FrameDecoder;

  /**
   * @param handler Receives the greeting bytes to send, the peer's greeting and the frames.
   * @param ctx Our mechanism and role, the size limit and the transport's allocator.
   */
  constructor(handler: FramerHandler, ctx: FramerContext) {
    super(ctx.alloc);
    this.#h = handler;
    this.#ctx = ctx;
    this.#decoder = new FrameDecoder(handler.frame, ctx.maxMessageSize, ctx.alloc, ctx.view);
  }

  start(): void {
    this.#h.send(encodeSignature());
  }

  receive(chunk: Uint8Array): void {
    const g = this.#greeting;
    if (g === null) {
      this.#decoder.push(chunk);
      return;
    }
    const take = Math.min(GREETING_SIZE - this.#greetingLen, chunk.length);
    g.set(chunk.subarray(0, take), this.#greetingLen);
    const before = this.#greetingLen;
    this.#greetingLen += take;
    if (before < SIGNATURE_SIZE && this.#greetingLen >= SIGNATURE_SIZE) {
      checkSignature(g);
      this.#h.send(encodeGreetingRest(this.#ctx.mechanism, this.#ctx.asServer));
    }
    if (this.#greetingLen < GREETING_SIZE) return;
    this.#greeting = null;
    this.#h.greeting(parseGreeting(g));
    if (take < chunk.length) this.#decoder.push(chunk.subarray(take));
  }
}
