// ZWS 2.0 framing (RFC 45): ZeroMQ over WebSocket messages.
//
//   zws-frame = flags body        ; one binary WebSocket message per frame
//   flags: bit 0 MORE, bit 1 COMMAND; bits 2-7 reserved (zero)
//
// There is no greeting on the wire: the subprotocol the WebSocket upgrade
// settled names the mechanism, so the peer is known at once. Its handshake
// commands then travel as COMMAND frames, as over TCP. Heartbeats are
// WebSocket pings and pongs where the WebSocket can send them, as libzmq's
// ws engine does (it ignores PING commands).

import { ProtocolError } from "../errors.ts";
import { encodeCommand, isCommand } from "./command.ts";
import { COMMAND, MORE } from "./frame.ts";
import type { Framer, FramerContext, FramerHandler } from "./framer.ts";
import type { Mechanism } from "./mechanism.ts";

/** ZWS flag: another frame of the same message follows. */
export const ZWS_MORE = 0x01;
/** ZWS flag: the frame is a command. */
export const ZWS_COMMAND = 0x02;

/** What the framer needs to know about a ZWS connection. */
export interface ZwsOptions {
  /** The peer's mechanism, from the subprotocol; null until one was agreed. */
  readonly mechanism: string | null;
  /** The peer's as-server bit (the subprotocol does not carry one). */
  readonly peerAsServer: boolean;
  /** Sends a WebSocket ping for a heartbeat; false when the WebSocket cannot. */
  readonly ping?: () => boolean;
  /** The mechanism this subprotocol runs instead of the socket's (bare ZWS2.0). */
  readonly replace?: (own: Mechanism) => Mechanism;
}

/**
 * Encodes one frame as a ZWS message: the flags byte, then the body (copied).
 *
 * @param zmtpFlags The frame's ZMTP flags (MORE, COMMAND; LONG is ignored).
 * @param body The frame body.
 * @returns The WebSocket message payload.
 * @example
 * ```ts
 * import { encodeZws } from "./zws_framer.ts";
 * encodeZws(0x01, new Uint8Array([7])); // Uint8Array [1, 7]
 * ```
 */
export function encodeZws(zmtpFlags: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = (zmtpFlags & MORE) | ((zmtpFlags & COMMAND) >> 1);
  out.set(body, 1);
  return out;
}

/**
 * The ZMTP flags of one ZWS message (its body is `message.subarray(1)`).
 *
 * @param message A binary WebSocket message.
 * @returns MORE and COMMAND as the engine knows them.
 * @throws {ProtocolError} On an empty message or reserved flag bits.
 * @example
 * ```ts
 * import { zwsFlags } from "./zws_framer.ts";
 * zwsFlags(new Uint8Array([2, 0x05])); // 4: a command
 * ```
 */
export function zwsFlags(message: Uint8Array): number {
  if (message.length === 0) throw new ProtocolError("empty ZWS frame (no flags byte)");
  const f = message[0];
  if ((f & ~(ZWS_MORE | ZWS_COMMAND)) !== 0) {
    throw new ProtocolError(`ZWS frame with reserved flag bits set (0x${f.toString(16).padStart(2, "0")})`);
  }
  return (f & ZWS_MORE) | ((f & ZWS_COMMAND) << 1);
}

/** The ZWS frame a WebSocket pong stands for: a PONG command (the answer to a heartbeat). */
export const ZWS_PONG: Uint8Array = encodeZws(COMMAND, encodeCommand("PONG"));

/** The framing of ws:// and wss://: one ZWS frame per WebSocket message. */
export class ZwsFramer implements Framer {
  #h: FramerHandler;
  #opts: ZwsOptions;
  #maxSize: number;

  /**
   * @param handler Receives the peer's greeting (at once) and the frames.
   * @param ctx Our side; only the size limit matters here.
   * @param options The subprotocol's mechanism, and what the WebSocket can do.
   */
  constructor(handler: FramerHandler, ctx: FramerContext, options: ZwsOptions) {
    this.#h = handler;
    this.#maxSize = ctx.maxMessageSize < 0 ? Number.MAX_SAFE_INTEGER : ctx.maxMessageSize;
    this.#opts = options;
    if (options.replace !== undefined) this.mechanism = options.replace;
  }

  /** Set for a subprotocol that runs a mechanism of its own. */
  mechanism?: (own: Mechanism) => Mechanism;

  /** The peer is known from the subprotocol (ZWS 2.0 maps to ZMTP 3.0's rules). */
  start(): void {
    const mechanism = this.#opts.mechanism;
    if (mechanism === null) return;
    this.#h.greeting({ major: 3, minor: 0, mechanism, asServer: this.#opts.peerAsServer });
  }

  /** One WebSocket message: one frame. */
  receive(message: Uint8Array): void {
    const flags = zwsFlags(message);
    const size = message.length - 1;
    if (size > this.#maxSize) {
      throw new ProtocolError(`frame of ${size} bytes exceeds maxMessageSize ${this.#maxSize}`, "EMSGSIZE");
    }
    this.#h.frame(flags, new Uint8Array(message.buffer, message.byteOffset + 1, size));
  }

  /** One message per frame; a heartbeat PING becomes a WebSocket ping where it can. */
  encode(flags: readonly number[], bodies: readonly Uint8Array[], count: number): readonly Uint8Array[] {
    const out: Uint8Array[] = [];
    const ping = this.#opts.ping;
    for (let i = 0; i < count; i++) {
      const f = flags[i], body = bodies[i];
      if ((f & COMMAND) !== 0 && ping !== undefined && isCommand(body, "PING") && ping()) continue;
      const m = new Uint8Array(1 + body.length);
      m[0] = (f & MORE) | ((f & COMMAND) >> 1);
      m.set(body, 1);
      out.push(m);
    }
    return out;
  }
}
