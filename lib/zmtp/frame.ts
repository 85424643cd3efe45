// ZMTP 3.x framing (RFC 23 §"Framing").
//
//   frame      = short-frame | long-frame
//   short-frame = flags size body          ; size is 1 octet
//   long-frame  = flags size body          ; size is 8 octets, network order
//   flags: bit 0 MORE, bit 1 LONG, bit 2 COMMAND; bits 3-7 reserved
//
// The decoder takes chunks with arbitrary boundaries and hands out bodies as
// subarray views of the chunk whenever a frame lies inside one chunk, so a
// chunk holding many frames costs no copy. The encoder, its mirror, writes
// frames into one buffer so many messages leave in a single write; a large
// body is not copied but goes out as a chunk of its own.

import { ProtocolError } from "../errors.ts";

/** Makes a body over `length` bytes of `buffer` from `offset`, without copying. */
export type FrameView = (buffer: ArrayBufferLike, offset: number, length: number) => Uint8Array;

/** Another frame of the same message follows. */
export const MORE = 0x01;
/** The size field is 8 octets. */
export const LONG = 0x02;
/** The frame is a command, not a message frame. */
export const COMMAND = 0x04;

/** Called for each complete frame; `body` may be a view into the chunk. */
export type FrameHandler = (flags: number, body: Uint8Array) => void;

// A body that has not all arrived is never allocated at the size its header
// announces (a peer may announce 2^50 bytes and send nothing): up to STAGE
// bytes are allocated at once; a larger one is kept as the pieces that
// arrive, joined once it is complete, so memory follows what was received.
// Each byte is copied once either way. Pieces under SMALL are first copied
// into a STAGE-sized buffer, so that a body trickling in a few bytes per read
// does not cost an array entry (and a chunk) per few bytes.
const STAGE = 65536;
const SMALL = 16384;
// A read sized for the next large frame takes this much more, for the small
// frames (routing ids, envelopes) that may come with it.
const SLACK = 64;

/**
 * Incremental frame decoder. Throws {@link ProtocolError} on a frame whose
 * header announces more than `maxSize` bytes, before allocating anything;
 * it throws nothing else.
 */
export class FrameDecoder {
  #onFrame: FrameHandler;
  #maxSize: number;
  // Partial header (at most 9 bytes) carried across chunks.
  #head = new Uint8Array(9);
  #headLen = 0;
  // The body of a frame begun in an earlier chunk: `#size` bytes announced,
  // `#have` received, kept in `#parts` and in `#stage` (`#staged` bytes).
  #pending = false;
  #size = 0;
  #have = 0;
  #parts: Uint8Array[] = [];
  #stage: Uint8Array | null = null;
  #staged = 0;
  #flags = 0;
  // The size of the last large frame (header and body), for readSize().
  #lastLarge = 0;
  #alloc: (size: number) => Uint8Array;
  #view: FrameView;
  #subarray: boolean;
  #empty: Uint8Array;

  /**
   * @param onFrame Receives every decoded frame.
   * @param maxSize Largest frame body accepted; negative means no limit.
   * @param alloc Buffers for bodies that span chunks (the transport's may skip zeroing).
   * @param view Makes every body handed out, as a view over its bytes (a plain Uint8Array by default).
   * @param subarray The chunks pushed are of the class `view` makes: a body inside one chunk is the chunk's
   * `subarray()` instead of a new view.
   */
  constructor(
    onFrame: FrameHandler,
    maxSize = -1,
    alloc?: (size: number) => Uint8Array,
    view?: FrameView,
    subarray = false,
  ) {
    this.#onFrame = onFrame;
    this.#subarray = subarray;
    this.#alloc = alloc ?? ((n) => new Uint8Array(n));
    this.#view = view ?? ((b, o, n) => new Uint8Array(b, o, n));
    this.#empty = this.#view(new ArrayBuffer(0), 0, 0);
    this.#maxSize = maxSize < 0 ? Number.MAX_SAFE_INTEGER : maxSize;
  }

  /** Decodes as many frames as `chunk` completes. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.length;
    // The last large frame this chunk completes or holds whole, for readSize().
    this.#lastLarge = 0;
    if (this.#pending || this.#headLen > 0) {
      pos = this.#resume(chunk);
      if (pos < 0) return;
    }
    let large = this.#lastLarge;
    const onFrame = this.#onFrame, view = this.#view, sub = this.#subarray;
    const buffer = chunk.buffer, base = chunk.byteOffset;
    while (pos < len) {
      const flags = chunk[pos];
      let size: number;
      let start: number;
      if ((flags & LONG) === 0) {
        if (pos + 2 > len) break;
        size = chunk[pos + 1];
        start = pos + 2;
      } else {
        if (pos + 9 > len) break;
        size = this.#longSize(chunk, pos + 1);
        start = pos + 9;
      }
      if (size > this.#maxSize) this.#tooLarge(size);
      const end = start + size;
      if (end > len) {
        this.#begin(flags, size);
        this.#add(chunk.subarray(start, len));
        this.#lastLarge = large;
        return;
      }
      // A view made from the buffer: cheaper than subarray() of a plain
      // Uint8Array in V8 and JSC. A chunk of the frame class is cut with
      // subarray(), which keeps the class and skips making a view.
      onFrame(flags, size === 0 ? this.#empty : sub ? chunk.subarray(start, end) : view(buffer, base + start, size));
      if (size >= SMALL) large = end - pos;
      pos = end;
    }
    if (pos < len) {
      this.#head.set(chunk.subarray(pos, len));
      this.#headLen = len - pos;
    }
    this.#lastLarge = large;
  }

  // Completes a frame begun in an earlier chunk; returns the position after
  // it, or -1 when the chunk was consumed without completing it.
  #resume(chunk: Uint8Array): number {
    let pos = 0;
    if (!this.#pending) {
      const head = this.#head;
      const need = (head[0] & LONG) === 0 ? 2 : 9;
      // head[0] is known once headLen >= 1; headLen < need here.
      const take = Math.min(need - this.#headLen, chunk.length);
      head.set(chunk.subarray(0, take), this.#headLen);
      this.#headLen += take;
      pos = take;
      if (this.#headLen < need) return -1;
      const size = need === 2 ? head[1] : this.#longSize(head, 1);
      if (size > this.#maxSize) this.#tooLarge(size);
      this.#headLen = 0;
      const flags = head[0];
      if (size === 0) {
        this.#onFrame(flags, this.#empty);
        return pos;
      }
      // Whole body inside the rest of this chunk: hand out a view.
      if (chunk.length - pos >= size) {
        this.#onFrame(
          flags,
          this.#subarray ? chunk.subarray(pos, pos + size) : this.#view(chunk.buffer, chunk.byteOffset + pos, size),
        );
        if (size >= SMALL) this.#lastLarge = size + need;
        return pos + size;
      }
      this.#begin(flags, size);
    }
    const take = Math.min(this.#size - this.#have, chunk.length - pos);
    this.#add(chunk.subarray(pos, pos + take));
    pos += take;
    if (this.#have < this.#size) return -1;
    this.#complete();
    return pos;
  }

  /**
   * Where the next read may put its bytes directly: the unfilled rest of the
   * buffer of a large body under way (at most 64 KiB of it at a time), or
   * undefined. After such a read, call {@link filled}.
   */
  target(): Uint8Array | undefined {
    if (!this.#pending || this.#size - this.#have < SMALL) return undefined;
    let stage = this.#stage;
    if (stage === null || this.#staged === stage.length) {
      this.#flushStage();
      stage = this.#stage = this.#allocate(Math.min(STAGE, this.#size - this.#have));
      this.#staged = 0;
    }
    return stage.subarray(this.#staged);
  }

  /** `n` bytes were read into the last {@link target}: the frame completes once its body is all in. */
  filled(n: number): void {
    this.#staged += n;
    this.#have += n;
    if (this.#have === this.#size) this.#complete();
  }

  /**
   * How large a fresh read buffer should be to take the next frame whole,
   * as a view without a copy: the size of the last large frame when the
   * stream carries such frames, else 0 (the transport's own reads).
   */
  readSize(): number {
    return this.#pending || this.#headLen > 0 || this.#lastLarge === 0 ? 0 : this.#lastLarge + SLACK;
  }

  #complete(): void {
    this.#pending = false;
    if (this.#size >= SMALL) this.#lastLarge = this.#size + 9;
    let body: Uint8Array;
    if (this.#stage !== null && this.#parts.length === 0) body = this.#stage;
    else {
      this.#flushStage();
      const parts = this.#parts;
      body = parts.length === 1 ? parts[0] : this.#join(parts);
    }
    this.#parts = [];
    this.#stage = null;
    this.#onFrame(this.#flags, this.#view(body.buffer, body.byteOffset, body.length));
  }

  #begin(flags: number, size: number): void {
    this.#pending = true;
    this.#flags = flags;
    this.#size = size;
    this.#have = 0;
    // A body up to STAGE bytes gets its buffer now; a larger one as it arrives.
    if (size <= STAGE) {
      this.#stage = this.#allocate(size);
      this.#staged = 0;
    }
  }

  // Keeps a piece of the pending body; it never goes past the body's end.
  #add(piece: Uint8Array): void {
    const n = piece.length;
    if (n === 0) return;
    let stage = this.#stage;
    if (stage === null || stage.length - this.#staged < n) {
      this.#flushStage();
      // A large piece is kept as it is (the chunk is ours to keep).
      if (n >= SMALL) {
        this.#parts.push(piece);
        this.#have += n;
        return;
      }
      stage = this.#stage = this.#allocate(Math.min(STAGE, this.#size - this.#have));
      this.#staged = 0;
    }
    stage.set(piece, this.#staged);
    this.#staged += n;
    this.#have += n;
  }

  #flushStage(): void {
    const stage = this.#stage;
    if (stage === null) return;
    if (this.#staged > 0) this.#parts.push(stage.subarray(0, this.#staged));
    this.#stage = null;
  }

  #join(parts: Uint8Array[]): Uint8Array {
    const body = this.#allocate(this.#size);
    let at = 0;
    for (const p of parts) {
      body.set(p, at);
      at += p.length;
    }
    return body;
  }

  // A body the runtime cannot allocate (beyond its largest array, or out of
  // memory) is the peer's problem, reported like an oversized frame.
  #allocate(n: number): Uint8Array {
    try {
      return this.#alloc(n);
    } catch (e) {
      throw new ProtocolError(`frame of ${n} bytes cannot be allocated: ${(e as Error).message}`, "EMSGSIZE");
    }
  }

  #longSize(b: Uint8Array, at: number): number {
    const hi = (b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]) >>> 0;
    const lo = (b[at + 4] << 24 | b[at + 5] << 16 | b[at + 6] << 8 | b[at + 7]) >>> 0;
    if (hi >= 0x200000) this.#tooLarge(Infinity);
    return hi * 0x100000000 + lo;
  }

  #tooLarge(size: number): never {
    throw new ProtocolError(
      `frame of ${size} bytes exceeds maxMessageSize ${this.#maxSize}`,
      "EMSGSIZE",
    );
  }
}

/** Size of the header for a body of `size` bytes. */
export function headerSize(size: number): number {
  return size > 255 ? 9 : 2;
}

/**
 * Writes a frame header at `at` in `out`; returns the position after it.
 * `flags` carries MORE and COMMAND; LONG is set here when needed.
 */
export function writeHeader(out: Uint8Array, at: number, flags: number, size: number): number {
  if (size > 255) {
    out[at] = flags | LONG;
    const hi = Math.floor(size / 0x100000000);
    out[at + 1] = hi >>> 24 & 0xff;
    out[at + 2] = hi >>> 16 & 0xff;
    out[at + 3] = hi >>> 8 & 0xff;
    out[at + 4] = hi & 0xff;
    out[at + 5] = size >>> 24 & 0xff;
    out[at + 6] = size >>> 16 & 0xff;
    out[at + 7] = size >>> 8 & 0xff;
    out[at + 8] = size & 0xff;
    return at + 9;
  }
  out[at] = flags;
  out[at + 1] = size;
  return at + 2;
}

/** Encodes one frame as a fresh array (handshake and tests; not the hot path). */
export function encodeFrame(flags: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerSize(body.length) + body.length);
  out.set(body, writeHeader(out, 0, flags, body.length));
  return out;
}

/** Bodies at least this large are written as chunks of their own, uncopied. */
export const ZERO_COPY = 16384;

/**
 * Batch frame encoder: frames in, the chunks to write out. Small frames are
 * copied into one buffer of the exact size (from `alloc`, which may skip
 * zeroing); each body of {@link ZERO_COPY} bytes or more becomes a chunk of
 * its own between views of that buffer.
 */
export class FrameEncoder {
  #alloc: (size: number) => Uint8Array;

  /** @param alloc The transport's allocator, if it has one. */
  constructor(alloc?: (size: number) => Uint8Array) {
    this.#alloc = alloc ?? ((n) => new Uint8Array(n));
  }

  /**
   * Encodes `count` frames.
   *
   * @param flags MORE and COMMAND of each frame (LONG is set here).
   * @param bodies The frame bodies.
   * @param count How many of them.
   * @returns The chunks, in order.
   */
  encode(flags: readonly number[], bodies: readonly Uint8Array[], count: number): readonly Uint8Array[] {
    let total = 0, big = 0;
    for (let i = 0; i < count; i++) {
      const n = bodies[i].length;
      if (n >= ZERO_COPY) {
        total += 9;
        big++;
      } else total += n > 255 ? 9 + n : 2 + n;
    }
    const buf = this.#alloc(total);
    let at = 0;
    if (big === 0) {
      for (let i = 0; i < count; i++) {
        const body = bodies[i];
        at = writeHeader(buf, at, flags[i], body.length);
        buf.set(body, at);
        at += body.length;
      }
      return [buf];
    }
    const out: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < count; i++) {
      const body = bodies[i];
      at = writeHeader(buf, at, flags[i], body.length);
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
}
