// ZMTP over a byte stream: the version negotiation, then frames. ZMTP 3.x
// (RFC 23, RFC 37) normally; ZMTP 2.0 (RFC 15) and 1.0 (RFC 13) with older
// peers, as libzmq downgrades:
//
// - Our 10-byte signature goes out first. Its padding doubles as the header
//   of a ZMTP 1.0 identity frame, so a 1.0 peer (first octet not 0xff, or
//   the low bit of octet 9 clear) just gets our identity's body next.
// - Once the peer's signature is in, only our major version (3) follows;
//   the peer's revision octet (10) decides the rest: 0 or 1 (ZMTP 1.0/2.0
//   with a greeting) gets our socket type octet and identity frame, and
//   that framing from then on; 3 gets the rest of the ZMTP 3 greeting.
//
// An older peer's greeting ends with its identity frame: only then is the
// engine told, with what READY would have said (socket type, identity).

import { COMMAND, encodeFrame, FrameDecoder, FrameEncoder } from "./frame.ts";
import type { Framer, FramerContext, FramerHandler } from "./framer.ts";
import {
  encodeGreetingRest,
  encodeSignature,
  GREETING_SIZE,
  isSignature,
  LEGACY_SOCKET_TYPES,
  parseGreeting,
  type PeerGreeting,
  SIGNATURE_SIZE,
} from "./greeting.ts";
import { encodeV1, V1Decoder } from "./v1.ts";
import { HandshakeError, ProtocolError } from "../errors.ts";

// Length of a ZMTP 1.0/2.0 greeting: signature, revision, socket type.
const LEGACY_GREETING_SIZE = 12;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/**
 * The framing of tcp:// and ipc://: ZMTP 3.x greeting and frames, or ZMTP
 * 2.0/1.0 with a peer that speaks only those. Its encode() is the
 * FrameEncoder's own (no extra call on the hot path) except with ZMTP 1.0.
 */
export class ZmtpFramer extends FrameEncoder implements Framer {
  #h: FramerHandler;
  #ctx: FramerContext;
  #greeting: Uint8Array | null = new Uint8Array(GREETING_SIZE);
  #greetingLen = 0;
  // What of our greeting went out after the signature.
  #sentMajor = false;
  #sentRest = false;
  #decoder: {
    push(chunk: Uint8Array): void;
    target?(): Uint8Array | undefined;
    filled?(n: number): void;
    readSize?(): number;
  };

  /**
   * @param handler Receives the greeting bytes to send, the peer's greeting and the frames.
   * @param ctx Our mechanism and role, the size limit and the transport's allocator.
   */
  constructor(handler: FramerHandler, ctx: FramerContext) {
    super(ctx.alloc);
    this.#h = handler;
    this.#ctx = ctx;
    this.#decoder = new FrameDecoder(handler.frame, ctx.maxMessageSize, ctx.alloc, ctx.view, ctx.subarray);
  }

  start(): void {
    this.#h.send(encodeSignature(this.#ctx.legacy?.identity.length ?? 0));
  }

  // Direct reads only once the greeting is in (and not with ZMTP 1.0's decoder).
  target(): Uint8Array | undefined {
    return this.#greeting === null ? this.#decoder.target?.() : undefined;
  }

  filled(n: number): void {
    this.#decoder.filled!(n);
  }

  readSize(): number {
    return this.#greeting === null ? this.#decoder.readSize?.() ?? 0 : 0;
  }

  receive(chunk: Uint8Array): void {
    const g = this.#greeting;
    if (g === null) {
      this.#decoder.push(chunk);
      return;
    }
    if (chunk.length === 0) return;
    const before = this.#greetingLen;
    if (before === 0 && chunk[0] !== 0xff) {
      this.#unversioned([chunk]);
      return;
    }
    const take = Math.min(GREETING_SIZE - before, chunk.length);
    g.set(chunk.subarray(0, take), before);
    const len = this.#greetingLen = before + take;
    if (len < SIGNATURE_SIZE) return;
    if (before < SIGNATURE_SIZE && !isSignature(g)) {
      this.#unversioned([g.subarray(0, len), chunk.subarray(take)]);
      return;
    }
    if (len === SIGNATURE_SIZE) {
      if (!this.#sentMajor) this.#h.send(Uint8Array.of(3));
      this.#sentMajor = true;
      return;
    }
    const revision = g[10];
    if (revision < 2) {
      this.#versionedLegacy(g, len, chunk.subarray(take));
      return;
    }
    if (!this.#sentRest) {
      const rest = encodeGreetingRest(this.#ctx.mechanism, this.#ctx.asServer);
      this.#h.send(this.#sentMajor ? rest.subarray(1) : rest);
      this.#sentMajor = this.#sentRest = true;
    }
    if (len < GREETING_SIZE) return;
    this.#greeting = null;
    this.#h.greeting(parseGreeting(g));
    if (take < chunk.length) this.#decoder.push(chunk.subarray(take));
  }

  // Our side of an older greeting, for a peer that may have one.
  #own(version: string): { socketType: string; identity: Uint8Array } {
    const own = this.#ctx.legacy;
    if (own === undefined) {
      throw new HandshakeError(
        `peer speaks ZMTP ${version}, which has no security mechanism; this socket uses ${this.#ctx.mechanism}`,
      );
    }
    // Types born with ZMTP 3 (CLIENT, RADIO, ...) have no older framing.
    if (!LEGACY_SOCKET_TYPES.includes(own.socketType)) {
      throw new HandshakeError(`peer speaks ZMTP ${version}, which has no ${own.socketType} sockets`);
    }
    return own;
  }

  // A ZMTP 1.0 peer without a greeting: all it sent is frames, its identity first.
  #unversioned(pieces: Uint8Array[]): void {
    const own = this.#own("1.0 (no greeting)");
    // Our signature was the header of our identity frame: its body follows.
    if (own.identity.length > 0) this.#h.send(own.identity);
    this.#downgrade(1, null, pieces);
  }

  // Revision 0 (libzmq's ZMTP 1.0 with a greeting) or 1 (ZMTP 2.0).
  #versionedLegacy(g: Uint8Array, len: number, after: Uint8Array): void {
    const version = g[10] === 1 ? "2.0" : "1.0";
    if (!this.#sentRest) {
      const own = this.#own(version);
      const type = LEGACY_SOCKET_TYPES.indexOf(own.socketType);
      const identity = g[10] === 1
        ? [encodeFrame(0, own.identity)]
        : encodeV1((n) => new Uint8Array(n), [0], [own.identity], 1);
      this.#h.send(concat([this.#sentMajor ? new Uint8Array(0) : Uint8Array.of(3), Uint8Array.of(type), ...identity]));
      this.#sentMajor = this.#sentRest = true;
    }
    if (len < LEGACY_GREETING_SIZE) return;
    const peerType = LEGACY_SOCKET_TYPES[g[11]];
    if (peerType === undefined) throw new HandshakeError(`invalid ZMTP ${version} socket type ${g[11]}`);
    this.#downgrade(g[10] === 1 ? 2 : 1, peerType, [g.subarray(LEGACY_GREETING_SIZE, len), after]);
  }

  // From now on the older framing, both ways; the peer's first frame is its identity.
  #downgrade(major: 1 | 2, socketType: string | null, pieces: Uint8Array[]): void {
    this.#greeting = null;
    const h = this.#h, ctx = this.#ctx;
    let identityDue = true;
    const onFrame = (flags: number, body: Uint8Array): void => {
      if (identityDue) {
        identityDue = false;
        const greeting: PeerGreeting = {
          major,
          minor: 0,
          mechanism: "NULL",
          asServer: false,
          legacy: { socketType, identity: body.slice() },
        };
        h.greeting(greeting);
        return;
      }
      // RFC 15 reserves the bits past MORE and LONG: no commands before ZMTP 3.
      if ((flags & COMMAND) !== 0) throw new ProtocolError("ZMTP 2.0 frame with the COMMAND flag");
      h.frame(flags, body);
    };
    if (major === 2) this.#decoder = new FrameDecoder(onFrame, ctx.maxMessageSize, ctx.alloc, ctx.view, ctx.subarray);
    else {
      this.#decoder = new V1Decoder(onFrame, ctx.maxMessageSize, ctx.alloc, ctx.view, socketType === null);
      const alloc = ctx.alloc ?? ((n: number) => new Uint8Array(n));
      // An own property shadows FrameEncoder's encode() for this connection only.
      this.encode = (flags, bodies, count) => encodeV1(alloc, flags, bodies, count);
    }
    for (const p of pieces) if (p.length > 0) this.#decoder.push(p);
  }
}
