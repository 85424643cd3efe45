// ZMTP 1.0 framing (RFC 13), spoken to peers that send no ZMTP 3 greeting
// (libzmq 2.x, and what libzmq's revision-0 greeting announces).
//
//   frame  = length flags body
//   length = OCTET | %xFF 8OCTET      ; counts the flags octet and the body
//   flags  = bit 0 MORE, the other bits reserved (ignored)
//
// There are no commands: every frame is a message frame.

import { HandshakeError, ProtocolError } from "../errors.ts";
import { FrameDecoder, type FrameHandler, type FrameView, LONG, MORE, ZERO_COPY } from "./frame.ts";

/**
 * Incremental ZMTP 1.0 decoder, the same contract as {@link FrameDecoder}: a
 * body inside one chunk is handed out as a view; one spanning chunks is
 * gathered by an inner FrameDecoder fed a ZMTP 3 header, so memory follows
 * what arrived, never what a header announced.
 */
export class V1Decoder {
  #onFrame: FrameHandler;
  #maxSize: number;
  #view: FrameView;
  #empty: Uint8Array;
  // Partial header carried across chunks: length (1 or 9 octets), then flags.
  #head = new Uint8Array(10);
  #headLen = 0;
  // Body bytes still owed to the inner decoder for a frame spanning chunks.
  #owed = 0;
  #spanning: FrameDecoder;
  // The first frame (the peer's identity) is checked strictly: see the constructor.
  #first: boolean;

  /**
   * @param onFrame Receives every decoded frame (flags: MORE only).
   * @param maxSize Largest body accepted; negative means no limit.
   * @param alloc Buffers for bodies that span chunks.
   * @param view Makes every body handed out, as a view over its bytes.
   * @param strictFirst The first frame decides whether the peer speaks ZMTP
   *   at all (nothing before it said so): a zero length or reserved flag bits
   *   there (RFC 13: they are zero) are no ZMTP 1.0 peer, an HTTP request
   *   say, and throw a HandshakeError. Later frames' reserved bits are
   *   ignored, as libzmq does.
   */
  constructor(
    onFrame: FrameHandler,
    maxSize = -1,
    alloc?: (size: number) => Uint8Array,
    view?: FrameView,
    strictFirst = false,
  ) {
    this.#first = strictFirst;
    this.#onFrame = onFrame;
    this.#maxSize = maxSize < 0 ? Number.MAX_SAFE_INTEGER : maxSize;
    this.#view = view ?? ((b, o, n) => new Uint8Array(b, o, n));
    this.#empty = this.#view(new ArrayBuffer(0), 0, 0);
    this.#spanning = new FrameDecoder((f, b) => onFrame(f & MORE, b), maxSize, alloc, view);
  }

  /** Decodes as many frames as `chunk` completes. Throws a ProtocolError on a bad header. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.length;
    if (this.#owed > 0) {
      const take = Math.min(this.#owed, len);
      this.#owed -= take;
      this.#spanning.push(chunk.subarray(0, take));
      pos = take;
    }
    const head = this.#head;
    while (pos < len) {
      // The header, byte by byte into #head: it is at most 10 octets.
      head[this.#headLen++] = chunk[pos++];
      // A zero length is wrong at once: no flags octet need follow.
      if (this.#headLen === 1 && head[0] === 0) this.#zeroLength();
      const need = head[0] === 0xff ? 10 : 2;
      if (this.#headLen < need) continue;
      this.#headLen = 0;
      const length = need === 2 ? head[0] : this.#longLength(head);
      if (length === 0) this.#zeroLength();
      if (this.#first) {
        this.#first = false;
        if ((head[need - 1] & ~MORE) !== 0) throw this.#notZmtp();
      }
      const size = length - 1;
      if (size > this.#maxSize) this.#tooLarge(size);
      const flags = head[need - 1] & MORE;
      if (pos + size <= len) {
        this.#onFrame(flags, size === 0 ? this.#empty : this.#view(chunk.buffer, chunk.byteOffset + pos, size));
        pos += size;
        continue;
      }
      // The body continues in later chunks: the inner decoder gathers it.
      this.#spanning.push(spanHeader(flags, size));
      this.#spanning.push(chunk.subarray(pos, len));
      this.#owed = size - (len - pos);
      return;
    }
  }

  #zeroLength(): never {
    if (this.#first) throw this.#notZmtp();
    throw new ProtocolError("ZMTP 1.0 frame without a flags octet");
  }

  #notZmtp(): HandshakeError {
    return new HandshakeError("invalid ZMTP signature (nor a ZMTP 1.0 identity frame)");
  }

  #longLength(b: Uint8Array): number {
    const hi = (b[1] << 24 | b[2] << 16 | b[3] << 8 | b[4]) >>> 0;
    const lo = (b[5] << 24 | b[6] << 16 | b[7] << 8 | b[8]) >>> 0;
    if (hi >= 0x200000) this.#tooLarge(Infinity);
    return hi * 0x100000000 + lo;
  }

  #tooLarge(size: number): never {
    throw new ProtocolError(`frame of ${size} bytes exceeds maxMessageSize ${this.#maxSize}`, "EMSGSIZE");
  }
}

// A ZMTP 3 long header for a body of `size` bytes.
function spanHeader(flags: number, size: number): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = flags | LONG;
  const hi = Math.floor(size / 0x100000000);
  new DataView(h.buffer).setUint32(1, hi);
  new DataView(h.buffer).setUint32(5, size >>> 0);
  return h;
}

/** Size of the ZMTP 1.0 header (length and flags) for a body of `size` bytes. */
function v1HeaderSize(size: number): number {
  return size + 1 < 0xff ? 2 : 10;
}

function writeV1Header(out: Uint8Array, at: number, flags: number, size: number): number {
  const length = size + 1;
  if (length < 0xff) {
    out[at] = length;
    out[at + 1] = flags & MORE;
    return at + 2;
  }
  out[at] = 0xff;
  const v = new DataView(out.buffer, out.byteOffset + at + 1, 8);
  v.setUint32(0, Math.floor(length / 0x100000000));
  v.setUint32(4, length >>> 0);
  out[at + 9] = flags & MORE;
  return at + 10;
}

/**
 * Encodes `count` frames in ZMTP 1.0 framing, batched as the FrameEncoder
 * does: small bodies copied into one buffer, each body of ZERO_COPY bytes or
 * more a chunk of its own. Only MORE survives of the flags.
 */
export function encodeV1(
  alloc: (size: number) => Uint8Array,
  flags: readonly number[],
  bodies: readonly Uint8Array[],
  count: number,
): Uint8Array[] {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const n = bodies[i].length;
    total += v1HeaderSize(n) + (n >= ZERO_COPY ? 0 : n);
  }
  const buf = alloc(total);
  const out: Uint8Array[] = [];
  let at = 0, from = 0;
  for (let i = 0; i < count; i++) {
    const body = bodies[i];
    at = writeV1Header(buf, at, flags[i], body.length);
    if (body.length >= ZERO_COPY) {
      out.push(buf.subarray(from, at), body);
      from = at;
    } else {
      buf.set(body, at);
      at += body.length;
    }
  }
  if (at > from) out.push(buf.subarray(from, at));
  return out;
}
