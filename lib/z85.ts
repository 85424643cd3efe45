/**
 * Z85 (RFC 32/Z85), the printable encoding ZeroMQ uses for CURVE keys: every
 * 4 bytes become 5 characters, so a 32-byte key is 40 characters.
 *
 * @module
 */

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// Character code -> digit value, 0xff for characters outside the alphabet.
const DECODE = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128).fill(0xff);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Encodes bytes as Z85.
 *
 * @param data Bytes; the length must be a multiple of 4.
 * @returns The Z85 text, 5 characters per 4 bytes.
 * @throws {RangeError} When the length is not a multiple of 4.
 *
 * @example
 * ```ts
 * import { z85Encode } from "zmtp-zeromq";
 * const text = z85Encode(new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]));
 * console.log(text); // "HelloWorld"
 * ```
 */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError("Z85 input length must be a multiple of 4");
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    // Big-endian 32-bit word, kept unsigned.
    let v = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[v % 85];
      v = Math.floor(v / 85);
    }
    out += chunk.join("");
  }
  return out;
}

/**
 * Decodes Z85 text.
 *
 * @param text Z85 characters; the length must be a multiple of 5.
 * @returns The decoded bytes, 4 per 5 characters.
 * @throws {RangeError} On a bad length, a character outside the alphabet, or a
 * group whose value exceeds 32 bits.
 *
 * @example
 * ```ts
 * import { z85Decode } from "zmtp-zeromq";
 * const bytes = z85Decode("HelloWorld");
 * console.log(bytes.length); // 8
 * ```
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new RangeError("Z85 input length must be a multiple of 5");
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? DECODE[c] : 0xff;
      if (d === 0xff) throw new RangeError(`Invalid Z85 character at position ${i + j}`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new RangeError(`Z85 group at position ${i} exceeds 32 bits`);
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
  return out;
}
