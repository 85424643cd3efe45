/**
 * ZeroMQ messages inside PGM, as libzmq's pgm_sender and pgm_receiver lay
 * them out: the messages are one byte stream of ZMTP 1.0 frames
 *
 *   frame = (size-byte / %xFF size-8-bytes) flags body   ; size counts flags + body
 *   flags = %x00 / %x01                                  ; 1: more frames follow
 *
 * cut into APDUs of at most one TPDU's payload, each APDU led by two
 * bytes: the offset (after those two) of the first frame there that starts
 * a message, or 0xFFFF when none does. A receiver joins a source's stream
 * at such a start, and again after data it could not recover.
 *
 * @module
 */

/** "No message starts in this APDU." */
export const NO_START = 0xffff;

/**
 * Cuts messages into APDUs of at most `maxApdu` bytes (the 2-byte offset
 * included), the last one possibly short, as libzmq's sender fills its
 * buffer with what is queued.
 *
 * @param msgs The messages, each a list of frames.
 * @param maxApdu The largest APDU (libzmq: the PGM MSS).
 * @returns The APDUs.
 */
export function packMessages(msgs: readonly (readonly Uint8Array[])[], maxApdu: number): Uint8Array[] {
  if (maxApdu < 3 || maxApdu > 0xffff + 2) throw new RangeError(`Bad APDU size ${maxApdu}`);
  const out: Uint8Array[] = [];
  let buf = new Uint8Array(maxApdu);
  let pos = 2;
  let offset = NO_START;
  const close = () => {
    buf[0] = offset >> 8;
    buf[1] = offset & 0xff;
    out.push(pos === buf.length ? buf : buf.slice(0, pos));
    buf = new Uint8Array(maxApdu);
    pos = 2;
    offset = NO_START;
  };
  const write = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length) {
      if (pos === buf.length) close();
      const n = Math.min(bytes.length - i, buf.length - pos);
      buf.set(bytes.subarray(i, i + n), pos);
      pos += n;
      i += n;
    }
  };
  for (const msg of msgs) {
    for (let f = 0; f < msg.length; f++) {
      const body = msg[f];
      const more = f < msg.length - 1 ? 1 : 0;
      const size = body.length + 1;
      let head: Uint8Array;
      if (size < 0xff) head = Uint8Array.of(size, more);
      else {
        head = new Uint8Array(10);
        head[0] = 0xff;
        new DataView(head.buffer).setBigUint64(1, BigInt(size));
        head[9] = more;
      }
      // A message starting at the very end of a full APDU starts in the next one.
      if (pos === buf.length) close();
      if (f === 0 && offset === NO_START) offset = pos - 2;
      write(head);
      write(body);
    }
  }
  if (pos > 2) close();
  return out;
}

/** Why a stream could not be decoded. */
export class FramingError extends Error {}

/**
 * Reassembles messages from one source's APDUs: skips to the first message
 * start, then decodes frames across APDUs. {@link reset} after a loss makes
 * it wait for the next start again (the message in progress is dropped).
 */
export class ApduDecoder {
  #joined = false;
  // The frame being read: header bytes first, then the body.
  #head = new Uint8Array(10);
  #headLen = 0;
  #body: Uint8Array | null = null;
  #bodyPos = 0;
  #more = false;
  #frames: Uint8Array[] = [];
  #maxMessageSize: number;

  /** @param maxMessageSize Largest frame accepted, -1 for no limit (libzmq checks each frame). */
  constructor(maxMessageSize = -1) {
    this.#maxMessageSize = maxMessageSize;
  }

  /** True once a message start has been seen. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Forgets the stream: after a loss, wait for the next message start. */
  reset(): void {
    this.#joined = false;
    this.#headLen = 0;
    this.#body = null;
    this.#frames = [];
  }

  /**
   * Feeds one APDU.
   *
   * @param apdu The APDU, offset first.
   * @param deliver Gets each complete message.
   * @throws {FramingError} For a bad offset or frame; the decoder is reset.
   */
  push(apdu: Uint8Array, deliver: (msg: Uint8Array[]) => void): void {
    if (apdu.length < 2) {
      this.reset();
      throw new FramingError(`APDU of ${apdu.length} bytes`);
    }
    const offset = (apdu[0] << 8) | apdu[1];
    let p = 2;
    if (!this.#joined) {
      if (offset === NO_START) return;
      if (offset > apdu.length - 2) throw new FramingError(`message offset ${offset} past the APDU`);
      p += offset;
      this.#joined = true;
    }
    try {
      this.#decode(apdu, p, deliver);
    } catch (e) {
      this.reset();
      throw e;
    }
  }

  #decode(b: Uint8Array, p: number, deliver: (msg: Uint8Array[]) => void): void {
    while (p < b.length) {
      if (this.#body === null) {
        let full: number;
        for (;;) {
          full = this.#headLen > 0 && this.#head[0] === 0xff ? 10 : 2;
          if (this.#headLen >= full) break;
          if (p >= b.length) return;
          this.#head[this.#headLen++] = b[p++];
        }
        let size: number;
        if (full === 2) size = this.#head[0];
        else {
          const big = new DataView(this.#head.buffer).getBigUint64(1);
          if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new FramingError("frame size out of range");
          size = Number(big);
        }
        if (size === 0) throw new FramingError("frame without flags");
        const flags = this.#head[full - 1];
        size -= 1;
        if (this.#maxMessageSize >= 0 && size > this.#maxMessageSize) {
          throw new FramingError(`frame of ${size} bytes is larger than maxMessageSize`);
        }
        if (size > 0x7fffffff) throw new FramingError(`frame of ${size} bytes`);
        this.#more = (flags & 1) !== 0;
        this.#body = new Uint8Array(size);
        this.#bodyPos = 0;
        this.#headLen = 0;
      }
      const body = this.#body;
      const n = Math.min(body.length - this.#bodyPos, b.length - p);
      body.set(b.subarray(p, p + n), this.#bodyPos);
      this.#bodyPos += n;
      p += n;
      if (this.#bodyPos < body.length) return;
      this.#body = null;
      this.#frames.push(body);
      if (!this.#more) {
        const msg = this.#frames;
        this.#frames = [];
        deliver(msg);
      }
    }
  }
}
