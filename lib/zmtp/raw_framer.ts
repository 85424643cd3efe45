// The framing of STREAM sockets (libzmq's raw engine): no greeting and no
// handshake, the bytes as they come. Each chunk read is one single-frame
// message; each message body written goes out as it is. ZMTP commands
// (an ERROR for a refused peer, heartbeats) have no place on a raw
// connection and are never written.

import { COMMAND } from "./frame.ts";
import type { Framer, FramerContext, FramerHandler } from "./framer.ts";
import type { HandshakeStep, Mechanism } from "./mechanism.ts";

// What the engine takes for the peer's READY: a STREAM peer, known at once.
const RAW_PEER: HandshakeStep = {
  send: [],
  done: { properties: new Map([["Socket-Type", new TextEncoder().encode("STREAM")]]) },
};

/** Raw bytes both ways: a chunk in is a frame, a frame out is its bytes. */
export class RawFramer implements Framer {
  readonly closesOutright = true;
  #h: FramerHandler;
  #ctx: FramerContext;

  /**
   * @param handler Receives each chunk as a frame.
   * @param ctx Our mechanism's name (the "greeting" echoes it) and the frame view.
   */
  constructor(handler: FramerHandler, ctx: FramerContext) {
    this.#h = handler;
    this.#ctx = ctx;
  }

  // Nothing is negotiated: the peer is known before any byte moves.
  start(): void {
    this.#h.greeting({ major: 3, minor: 1, mechanism: this.#ctx.mechanism, asServer: !this.#ctx.asServer });
  }

  receive(chunk: Uint8Array): void {
    const view = this.#ctx.view;
    this.#h.frame(0, view === undefined ? chunk : view(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  encode(flags: readonly number[], bodies: readonly Uint8Array[], count: number): readonly Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if ((flags[i] & COMMAND) === 0 && bodies[i].length > 0) out.push(bodies[i]);
    }
    return out;
  }

  // No security handshake on a raw connection (libzmq's raw engine runs none).
  mechanism(own: Mechanism): Mechanism {
    return {
      name: own.name,
      asServer: own.asServer,
      start: () => RAW_PEER,
      receive: () => RAW_PEER,
    };
  }
}

/**
 * Makes the raw framer of a connection (the factory a STREAM policy gives).
 *
 * @param handler The engine's framer handler.
 * @param ctx The framer context.
 * @returns A raw framer.
 * @example
 * ```ts
 * import { rawFramer } from "./raw_framer.ts";
 * const f = rawFramer({ send() {}, greeting() {}, frame() {} }, { mechanism: "NULL", asServer: false, maxMessageSize: -1 });
 * console.log(f.encode([0], [new Uint8Array([104, 105])], 1).length); // 1
 * ```
 */
export function rawFramer(handler: FramerHandler, ctx: FramerContext): Framer {
  return new RawFramer(handler, ctx);
}
