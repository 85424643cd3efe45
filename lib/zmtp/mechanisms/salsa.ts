// XSalsa20-Poly1305 (NaCl's crypto_secretbox, as CURVE's boxes use it),
// written for many small messages under one key: no allocation per box, the
// Salsa20 core and the Poly1305 block on local variables, and everything
// in place in the caller's buffer.
//
// XSalsa20 is HSalsa20(key, nonce[0..16]) then Salsa20 under that subkey
// with nonce[16..24]. A CURVE connection fixes the first 16 nonce bytes per
// direction ("CurveZMQMESSAGEC"/"...S"), so the subkey is computed once per
// direction (subkey()) and each MESSAGE costs only Salsa20 and Poly1305.
// Poly1305 uses ten 13-bit limbs, so every product and sum stays an integer
// below 2^32 (the layout of poly1305-donna's 16-bit variant); 26-bit limbs
// would need 64-bit products. Six 22-bit limbs in doubles (36 products a
// block instead of 100) measured 25% faster on Deno 2.9 but no faster on
// Node 20 and 40% slower on Bun 1.4, so not that.
// seal() and open() run the same computation compiled to WebAssembly where
// the runtime allows it (salsa.wat: native rotations, and 64-bit products
// that let Poly1305 take five 26-bit limbs), copying the message through the
// module's memory; where WebAssembly cannot be compiled (a page's CSP, some
// edge runtimes) or for messages over 1 MiB, the TypeScript below does it.
// Both are checked against NaCl's vectors and @noble/ciphers:
// tests/curve_crypto_test.ts.

import { SALSA_WASM } from "./salsa_wasm.ts";

// "expand 32-byte k" as little-endian words.
const C0 = 0x61707865, C1 = 0x3320646e, C2 = 0x79622d32, C3 = 0x6b206574;

// Scratch shared by every call (JavaScript runs one call at a time here).
const ks = new Uint32Array(16); // one Salsa20 keystream block
const last = new Uint8Array(16); // Poly1305's padded final block
const tagWords = new Uint16Array(8); // a computed tag
const pk = new Uint32Array(8); // the Poly1305 key: block 0's first 32 bytes

const le32 = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

// One Salsa20 block (20 rounds) into ks; with `hsalsa`, HSalsa20's output
// (no feed-forward) in ks[0..8) instead. n0..n3 are the words at state
// positions 6..9: nonce and block counter for Salsa20, the 16-byte input for
// HSalsa20.
function core(k: Uint32Array, n0: number, n1: number, n2: number, n3: number, hsalsa: boolean): void {
  const j1 = k[0], j2 = k[1], j3 = k[2], j4 = k[3], j11 = k[4], j12 = k[5], j13 = k[6], j14 = k[7];
  let x0 = C0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = C1, x6 = n0, x7 = n1;
  let x8 = n2, x9 = n3, x10 = C2, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = C3;
  let t: number;
  for (let i = 0; i < 10; i++) {
    // Column round.
    t = (x0 + x12) | 0, x4 ^= (t << 7) | (t >>> 25);
    t = (x4 + x0) | 0, x8 ^= (t << 9) | (t >>> 23);
    t = (x8 + x4) | 0, x12 ^= (t << 13) | (t >>> 19);
    t = (x12 + x8) | 0, x0 ^= (t << 18) | (t >>> 14);
    t = (x5 + x1) | 0, x9 ^= (t << 7) | (t >>> 25);
    t = (x9 + x5) | 0, x13 ^= (t << 9) | (t >>> 23);
    t = (x13 + x9) | 0, x1 ^= (t << 13) | (t >>> 19);
    t = (x1 + x13) | 0, x5 ^= (t << 18) | (t >>> 14);
    t = (x10 + x6) | 0, x14 ^= (t << 7) | (t >>> 25);
    t = (x14 + x10) | 0, x2 ^= (t << 9) | (t >>> 23);
    t = (x2 + x14) | 0, x6 ^= (t << 13) | (t >>> 19);
    t = (x6 + x2) | 0, x10 ^= (t << 18) | (t >>> 14);
    t = (x15 + x11) | 0, x3 ^= (t << 7) | (t >>> 25);
    t = (x3 + x15) | 0, x7 ^= (t << 9) | (t >>> 23);
    t = (x7 + x3) | 0, x11 ^= (t << 13) | (t >>> 19);
    t = (x11 + x7) | 0, x15 ^= (t << 18) | (t >>> 14);
    // Row round.
    t = (x0 + x3) | 0, x1 ^= (t << 7) | (t >>> 25);
    t = (x1 + x0) | 0, x2 ^= (t << 9) | (t >>> 23);
    t = (x2 + x1) | 0, x3 ^= (t << 13) | (t >>> 19);
    t = (x3 + x2) | 0, x0 ^= (t << 18) | (t >>> 14);
    t = (x5 + x4) | 0, x6 ^= (t << 7) | (t >>> 25);
    t = (x6 + x5) | 0, x7 ^= (t << 9) | (t >>> 23);
    t = (x7 + x6) | 0, x4 ^= (t << 13) | (t >>> 19);
    t = (x4 + x7) | 0, x5 ^= (t << 18) | (t >>> 14);
    t = (x10 + x9) | 0, x11 ^= (t << 7) | (t >>> 25);
    t = (x11 + x10) | 0, x8 ^= (t << 9) | (t >>> 23);
    t = (x8 + x11) | 0, x9 ^= (t << 13) | (t >>> 19);
    t = (x9 + x8) | 0, x10 ^= (t << 18) | (t >>> 14);
    t = (x15 + x14) | 0, x12 ^= (t << 7) | (t >>> 25);
    t = (x12 + x15) | 0, x13 ^= (t << 9) | (t >>> 23);
    t = (x13 + x12) | 0, x14 ^= (t << 13) | (t >>> 19);
    t = (x14 + x13) | 0, x15 ^= (t << 18) | (t >>> 14);
  }
  if (hsalsa) {
    ks[0] = x0, ks[1] = x5, ks[2] = x10, ks[3] = x15, ks[4] = x6, ks[5] = x7, ks[6] = x8, ks[7] = x9;
    return;
  }
  ks[0] = x0 + C0, ks[1] = x1 + j1, ks[2] = x2 + j2, ks[3] = x3 + j3;
  ks[4] = x4 + j4, ks[5] = x5 + C1, ks[6] = x6 + n0, ks[7] = x7 + n1;
  ks[8] = x8 + n2, ks[9] = x9 + n3, ks[10] = x10 + C2, ks[11] = x11 + j11;
  ks[12] = x12 + j12, ks[13] = x13 + j13, ks[14] = x14 + j14, ks[15] = x15 + C3;
}

function xor4(buf: Uint8Array, p: number, w: number): void {
  buf[p] ^= w, buf[p + 1] ^= w >>> 8, buf[p + 2] ^= w >>> 16, buf[p + 3] ^= w >>> 24;
}

/**
 * HSalsa20 of a 32-byte key and a 16-byte input (NaCl's key derivation,
 * and XSalsa20's first step), as the eight words of a Salsa20 key.
 *
 * @param key 32 bytes.
 * @param input 16 bytes read from `at`.
 * @param at Where `input`'s 16 bytes start.
 * @returns The derived key as words (what seal() and open() take).
 *
 * @example
 * ```ts
 * import { subkey } from "./salsa.ts";
 * console.log(subkey(new Uint8Array(32), new Uint8Array(16)).length); // 8
 * ```
 */
export function subkey(key: Uint8Array, input: Uint8Array, at = 0): Uint32Array {
  const k = keyWords(key);
  core(k, le32(input, at), le32(input, at + 4), le32(input, at + 8), le32(input, at + 12), true);
  return ks.slice(0, 8);
}

function keyWords(key: Uint8Array): Uint32Array {
  const k = new Uint32Array(8);
  for (let i = 0; i < 8; i++) k[i] = le32(key, 4 * i);
  return k;
}

// XORs the keystream from byte 32 of block 0 onward over buf[at, at+len):
// block 0 must already be in ks (its first 32 bytes are the Poly1305 key).
function xorStream(k: Uint32Array, n0: number, n1: number, buf: Uint8Array, at: number, len: number): void {
  const end = at + len;
  let p = at;
  // The rest of block 0: words 8..15.
  for (let i = 8; i < 16 && p < end; i++) {
    const w = ks[i];
    if (end - p >= 4) {
      xor4(buf, p, w);
      p += 4;
    } else {
      for (let s = 0; p < end; s += 8) buf[p++] ^= w >>> s;
    }
  }
  let lo = 1, hi = 0;
  // Whole blocks (the bulk of a long message; long ones go through
  // WebAssembly unless it is unavailable).
  for (; end - p >= 64; p += 64) {
    core(k, n0, n1, lo, hi, false);
    for (let i = 0; i < 16; i++) xor4(buf, p + 4 * i, ks[i]);
    if (++lo === 0x100000000) lo = 0, hi++;
  }
  if (p < end) {
    core(k, n0, n1, lo, hi, false);
    for (let i = 0; p < end; i++) buf[p++] ^= ks[i >> 2] >>> ((i & 3) << 3);
  }
}

// Poly1305 of m[at, at+len) under the one-time key in pk (r, then s), into
// tagWords.
function poly1305(m: Uint8Array, at: number, len: number): void {
  const k0 = pk[0], k1 = pk[1], k2 = pk[2], k3 = pk[3];
  // r, clamped, as 13-bit limbs; s_i = 5 r_i folds limbs past 2^130 back.
  const t0 = k0 & 0xffff, t1 = k0 >>> 16, t2 = k1 & 0xffff, t3 = k1 >>> 16;
  const t4 = k2 & 0xffff, t5 = k2 >>> 16, t6 = k3 & 0xffff, t7 = k3 >>> 16;
  const r0 = t0 & 0x1fff;
  const r1 = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  const r2 = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  const r3 = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  const r4 = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  const r5 = (t4 >>> 1) & 0x1ffe;
  const r6 = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  const r7 = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  const r8 = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  const r9 = (t7 >>> 5) & 0x007f;
  const s1 = 5 * r1, s2 = 5 * r2, s3 = 5 * r3, s4 = 5 * r4, s5 = 5 * r5;
  const s6 = 5 * r6, s7 = 5 * r7, s8 = 5 * r8, s9 = 5 * r9;
  let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0, h8 = 0, h9 = 0;
  const end = at + len;
  for (let p = at; p < end; p += 16) {
    let b = m, q = p, hibit = 1 << 11;
    if (end - p < 16) {
      // The final partial block: its bytes, a 1, zeros; no 2^128 bit.
      const n = end - p;
      for (let i = 0; i < 16; i++) last[i] = i < n ? m[p + i] : i === n ? 1 : 0;
      b = last, q = 0, hibit = 0;
    }
    const m0 = b[q] | (b[q + 1] << 8), m1 = b[q + 2] | (b[q + 3] << 8);
    const m2 = b[q + 4] | (b[q + 5] << 8), m3 = b[q + 6] | (b[q + 7] << 8);
    const m4 = b[q + 8] | (b[q + 9] << 8), m5 = b[q + 10] | (b[q + 11] << 8);
    const m6 = b[q + 12] | (b[q + 13] << 8), m7 = b[q + 14] | (b[q + 15] << 8);
    h0 += m0 & 0x1fff;
    h1 += ((m0 >>> 13) | (m1 << 3)) & 0x1fff;
    h2 += ((m1 >>> 10) | (m2 << 6)) & 0x1fff;
    h3 += ((m2 >>> 7) | (m3 << 9)) & 0x1fff;
    h4 += ((m3 >>> 4) | (m4 << 12)) & 0x1fff;
    h5 += (m4 >>> 1) & 0x1fff;
    h6 += ((m4 >>> 14) | (m5 << 2)) & 0x1fff;
    h7 += ((m5 >>> 11) | (m6 << 5)) & 0x1fff;
    h8 += ((m6 >>> 8) | (m7 << 8)) & 0x1fff;
    h9 += (m7 >>> 5) | hibit;
    {
      // h *= r mod 2^130 - 5. Each product is below 2^30 and each sum of
      // five below 2^32, so int32 arithmetic that wraps (Math.imul, | 0)
      // keeps every bit, read back unsigned by >>>; the engines then use
      // machine integers rather than doubles.
      let c = 0;
      let d0 = (Math.imul(h0, r0) + Math.imul(h1, s9) + Math.imul(h2, s8) + Math.imul(h3, s7) + Math.imul(h4, s6)) | 0;
      c = d0 >>> 13;
      d0 &= 0x1fff;
      d0 = (d0 + Math.imul(h5, s5) + Math.imul(h6, s4) + Math.imul(h7, s3) + Math.imul(h8, s2) + Math.imul(h9, s1)) | 0;
      c += d0 >>> 13;
      d0 &= 0x1fff;
      let d1 = (c + Math.imul(h0, r1) + Math.imul(h1, r0) + Math.imul(h2, s9) + Math.imul(h3, s8) + Math.imul(h4, s7)) |
        0;
      c = d1 >>> 13;
      d1 &= 0x1fff;
      d1 = (d1 + Math.imul(h5, s6) + Math.imul(h6, s5) + Math.imul(h7, s4) + Math.imul(h8, s3) + Math.imul(h9, s2)) | 0;
      c += d1 >>> 13;
      d1 &= 0x1fff;
      let d2 = (c + Math.imul(h0, r2) + Math.imul(h1, r1) + Math.imul(h2, r0) + Math.imul(h3, s9) + Math.imul(h4, s8)) |
        0;
      c = d2 >>> 13;
      d2 &= 0x1fff;
      d2 = (d2 + Math.imul(h5, s7) + Math.imul(h6, s6) + Math.imul(h7, s5) + Math.imul(h8, s4) + Math.imul(h9, s3)) | 0;
      c += d2 >>> 13;
      d2 &= 0x1fff;
      let d3 = (c + Math.imul(h0, r3) + Math.imul(h1, r2) + Math.imul(h2, r1) + Math.imul(h3, r0) + Math.imul(h4, s9)) |
        0;
      c = d3 >>> 13;
      d3 &= 0x1fff;
      d3 = (d3 + Math.imul(h5, s8) + Math.imul(h6, s7) + Math.imul(h7, s6) + Math.imul(h8, s5) + Math.imul(h9, s4)) | 0;
      c += d3 >>> 13;
      d3 &= 0x1fff;
      let d4 = (c + Math.imul(h0, r4) + Math.imul(h1, r3) + Math.imul(h2, r2) + Math.imul(h3, r1) + Math.imul(h4, r0)) |
        0;
      c = d4 >>> 13;
      d4 &= 0x1fff;
      d4 = (d4 + Math.imul(h5, s9) + Math.imul(h6, s8) + Math.imul(h7, s7) + Math.imul(h8, s6) + Math.imul(h9, s5)) | 0;
      c += d4 >>> 13;
      d4 &= 0x1fff;
      let d5 = (c + Math.imul(h0, r5) + Math.imul(h1, r4) + Math.imul(h2, r3) + Math.imul(h3, r2) + Math.imul(h4, r1)) |
        0;
      c = d5 >>> 13;
      d5 &= 0x1fff;
      d5 = (d5 + Math.imul(h5, r0) + Math.imul(h6, s9) + Math.imul(h7, s8) + Math.imul(h8, s7) + Math.imul(h9, s6)) | 0;
      c += d5 >>> 13;
      d5 &= 0x1fff;
      let d6 = (c + Math.imul(h0, r6) + Math.imul(h1, r5) + Math.imul(h2, r4) + Math.imul(h3, r3) + Math.imul(h4, r2)) |
        0;
      c = d6 >>> 13;
      d6 &= 0x1fff;
      d6 = (d6 + Math.imul(h5, r1) + Math.imul(h6, r0) + Math.imul(h7, s9) + Math.imul(h8, s8) + Math.imul(h9, s7)) | 0;
      c += d6 >>> 13;
      d6 &= 0x1fff;
      let d7 = (c + Math.imul(h0, r7) + Math.imul(h1, r6) + Math.imul(h2, r5) + Math.imul(h3, r4) + Math.imul(h4, r3)) |
        0;
      c = d7 >>> 13;
      d7 &= 0x1fff;
      d7 = (d7 + Math.imul(h5, r2) + Math.imul(h6, r1) + Math.imul(h7, r0) + Math.imul(h8, s9) + Math.imul(h9, s8)) | 0;
      c += d7 >>> 13;
      d7 &= 0x1fff;
      let d8 = (c + Math.imul(h0, r8) + Math.imul(h1, r7) + Math.imul(h2, r6) + Math.imul(h3, r5) + Math.imul(h4, r4)) |
        0;
      c = d8 >>> 13;
      d8 &= 0x1fff;
      d8 = (d8 + Math.imul(h5, r3) + Math.imul(h6, r2) + Math.imul(h7, r1) + Math.imul(h8, r0) + Math.imul(h9, s9)) | 0;
      c += d8 >>> 13;
      d8 &= 0x1fff;
      let d9 = (c + Math.imul(h0, r9) + Math.imul(h1, r8) + Math.imul(h2, r7) + Math.imul(h3, r6) + Math.imul(h4, r5)) |
        0;
      c = d9 >>> 13;
      d9 &= 0x1fff;
      d9 = (d9 + Math.imul(h5, r4) + Math.imul(h6, r3) + Math.imul(h7, r2) + Math.imul(h8, r1) + Math.imul(h9, r0)) | 0;
      c += d9 >>> 13;
      d9 &= 0x1fff;
      c = ((c << 2) + c) | 0;
      c = (c + d0) | 0;
      d0 = c & 0x1fff;
      c = c >>> 13;
      d1 += c;
      h0 = d0, h1 = d1, h2 = d2, h3 = d3, h4 = d4, h5 = d5, h6 = d6, h7 = d7, h8 = d8, h9 = d9;
    }
  }
  // Full carry, then h mod p: g = h + 5 - 2^130 is taken when it does not
  // borrow, chosen by mask rather than by branch.
  let c = h1 >>> 13;
  h1 &= 0x1fff;
  h2 += c, c = h2 >>> 13, h2 &= 0x1fff;
  h3 += c, c = h3 >>> 13, h3 &= 0x1fff;
  h4 += c, c = h4 >>> 13, h4 &= 0x1fff;
  h5 += c, c = h5 >>> 13, h5 &= 0x1fff;
  h6 += c, c = h6 >>> 13, h6 &= 0x1fff;
  h7 += c, c = h7 >>> 13, h7 &= 0x1fff;
  h8 += c, c = h8 >>> 13, h8 &= 0x1fff;
  h9 += c, c = h9 >>> 13, h9 &= 0x1fff;
  h0 += c * 5, c = h0 >>> 13, h0 &= 0x1fff;
  h1 += c, c = h1 >>> 13, h1 &= 0x1fff;
  h2 += c;
  let g0 = h0 + 5;
  c = g0 >>> 13, g0 &= 0x1fff;
  let g1 = h1 + c;
  c = g1 >>> 13, g1 &= 0x1fff;
  let g2 = h2 + c;
  c = g2 >>> 13, g2 &= 0x1fff;
  let g3 = h3 + c;
  c = g3 >>> 13, g3 &= 0x1fff;
  let g4 = h4 + c;
  c = g4 >>> 13, g4 &= 0x1fff;
  let g5 = h5 + c;
  c = g5 >>> 13, g5 &= 0x1fff;
  let g6 = h6 + c;
  c = g6 >>> 13, g6 &= 0x1fff;
  let g7 = h7 + c;
  c = g7 >>> 13, g7 &= 0x1fff;
  let g8 = h8 + c;
  c = g8 >>> 13, g8 &= 0x1fff;
  let g9 = h9 + c;
  c = g9 >>> 13, g9 &= 0x1fff;
  // c is 1 exactly when h >= 2^130 - 5: then g (with 2^130 dropped) is h mod p.
  const mg = -c, mh = ~mg;
  h0 = (h0 & mh) | (g0 & mg), h1 = (h1 & mh) | (g1 & mg), h2 = (h2 & mh) | (g2 & mg);
  h3 = (h3 & mh) | (g3 & mg), h4 = (h4 & mh) | (g4 & mg), h5 = (h5 & mh) | (g5 & mg);
  h6 = (h6 & mh) | (g6 & mg), h7 = (h7 & mh) | (g7 & mg), h8 = (h8 & mh) | (g8 & mg);
  h9 = (h9 & mh) | (g9 & mg);
  // Back to 16-bit words, plus s, mod 2^128.
  const w0 = (h0 | (h1 << 13)) & 0xffff;
  const w1 = ((h1 >>> 3) | (h2 << 10)) & 0xffff;
  const w2 = ((h2 >>> 6) | (h3 << 7)) & 0xffff;
  const w3 = ((h3 >>> 9) | (h4 << 4)) & 0xffff;
  const w4 = ((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff;
  const w5 = ((h6 >>> 2) | (h7 << 11)) & 0xffff;
  const w6 = ((h7 >>> 5) | (h8 << 8)) & 0xffff;
  const w7 = ((h8 >>> 8) | (h9 << 5)) & 0xffff;
  const k4 = pk[4], k5 = pk[5], k6 = pk[6], k7 = pk[7];
  let f = w0 + (k4 & 0xffff);
  tagWords[0] = f;
  f = w1 + (k4 >>> 16) + (f >>> 16);
  tagWords[1] = f;
  f = w2 + (k5 & 0xffff) + (f >>> 16);
  tagWords[2] = f;
  f = w3 + (k5 >>> 16) + (f >>> 16);
  tagWords[3] = f;
  f = w4 + (k6 & 0xffff) + (f >>> 16);
  tagWords[4] = f;
  f = w5 + (k6 >>> 16) + (f >>> 16);
  tagWords[5] = f;
  f = w6 + (k7 & 0xffff) + (f >>> 16);
  tagWords[6] = f;
  f = w7 + (k7 >>> 16) + (f >>> 16);
  tagWords[7] = f;
}

// -- the WebAssembly path ------------------------------------------------------

interface Wasm {
  memory: WebAssembly.Memory;
  bytes: Uint8Array;
  words: Uint32Array;
  seal(n0: number, n1: number, len: number): void;
  open(n0: number, n1: number, len: number): number;
  auth(len: number): void;
  simd(on: number): void;
  /** The subkey now in the module's memory. */
  key: Uint32Array | null;
}

// Where salsa.wat keeps the tag and the message.
const W_TAG = 128, W_MSG = 512;
// Messages up to this size go through the module (whose memory grows to
// fit them); longer ones stay in TypeScript, in place.
const W_MAX = 1 << 20;

// undefined: not tried yet; null: not available (or switched off).
let wasm: Wasm | null | undefined;
let wasmAllowed = true;
let simdWanted = true;

function loadWasm(): Wasm | null {
  // salsa.wat's words are little-endian, as Uint32Array's are on every
  // platform that runs JavaScript engines today; checked all the same.
  if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) return null;
  try {
    const bin = Uint8Array.from(atob(SALSA_WASM), (c) => c.charCodeAt(0));
    const e = new WebAssembly.Instance(new WebAssembly.Module(bin)).exports;
    const memory = e.memory as WebAssembly.Memory;
    (e.simd as Wasm["simd"])(simdWanted ? 1 : 0);
    return {
      memory,
      bytes: new Uint8Array(memory.buffer),
      words: new Uint32Array(memory.buffer, 0, 8),
      seal: e.seal as Wasm["seal"],
      open: e.open as Wasm["open"],
      auth: e.auth as Wasm["auth"],
      simd: e.simd as Wasm["simd"],
      key: null,
    };
  } catch {
    return null;
  }
}

// The module, with room for a message of `len` bytes (and salsa.wat's 32
// bytes of scratch after it), or null to do it in TypeScript.
function wasmRoom(len: number): Wasm | null {
  if (wasm === undefined) wasm = wasmAllowed ? loadWasm() : null;
  const w = wasm;
  if (w === null || len > W_MAX) return null;
  const need = W_MSG + len + 32;
  if (need > w.memory.buffer.byteLength) {
    w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
    // grow() keeps the contents (the subkey too); only the views are new.
    w.bytes = new Uint8Array(w.memory.buffer);
    w.words = new Uint32Array(w.memory.buffer, 0, 8);
  }
  return w;
}

// The module with the subkey `k` in place, or null.
function wasmFor(k: Uint32Array, len: number): Wasm | null {
  const w = wasmRoom(len);
  if (w === null) return null;
  if (w.key !== k) {
    w.words.set(k.subarray(0, 8));
    w.key = k;
  }
  return w;
}

function copyIn(m: Uint8Array, buf: Uint8Array, at: number, len: number): void {
  if (len <= 64) { for (let i = 0; i < len; i++) m[W_MSG + i] = buf[at + i]; }
  else m.set(buf.subarray(at, at + len), W_MSG);
}

function copyOut(m: Uint8Array, buf: Uint8Array, at: number, len: number): void {
  if (len <= 64) { for (let i = 0; i < len; i++) buf[at + i] = m[W_MSG + i]; }
  else buf.set(m.subarray(W_MSG, W_MSG + len), at);
}

/**
 * Whether the WebAssembly path makes a long message's keystream four blocks
 * at a time with SIMD (the default) or one block at a time: for an engine
 * whose SIMD code runs slower than its scalar code (JavaScriptCore's, in
 * `bench/curve_bench.ts boxes-all`), which the runtime's transport module
 * says. Either way the output is the same.
 *
 * @param on False for one block at a time.
 * @returns The setting before.
 *
 * @example
 * ```ts
 * import { useSimd } from "./salsa.ts";
 * const was = useSimd(false);
 * useSimd(was);
 * ```
 */
export function useSimd(on: boolean): boolean {
  const was = simdWanted;
  simdWanted = on;
  if (wasm) wasm.simd(on ? 1 : 0);
  return was;
}

/**
 * Switches the WebAssembly path of {@link seal} and {@link open} off or back
 * on (for tests and benchmarks that compare the two), and says whether it is
 * in use.
 *
 * @param on False to use only the TypeScript implementation.
 * @returns True when seal() and open() will use WebAssembly.
 *
 * @example
 * ```ts
 * import { useWasm } from "./salsa.ts";
 * const had = useWasm(false); // TypeScript only
 * useWasm(true);
 * console.log(typeof had); // boolean
 * ```
 */
export function useWasm(on: boolean): boolean {
  wasmAllowed = on;
  wasm = undefined;
  if (!on) return false;
  wasm = loadWasm();
  return wasm !== null;
}

/**
 * Encrypts buf[at, at+len) in place with XSalsa20 and writes its Poly1305
 * tag to tag[tagAt, tagAt+16): crypto_secretbox, laid out as the caller
 * likes. The tag may overlap nothing of the message.
 *
 * @param k The XSalsa20 subkey (from subkey()).
 * @param n0 Salsa20 nonce, first word (nonce bytes 16..20, little-endian).
 * @param n1 Second word (nonce bytes 20..24).
 * @param buf The plaintext, encrypted in place.
 * @param at Where it starts.
 * @param len Its length.
 * @param tag Where the tag goes.
 * @param tagAt Its offset there.
 *
 * @example
 * ```ts
 * import { seal, subkey } from "./salsa.ts";
 * const k = subkey(new Uint8Array(32), new Uint8Array(16));
 * const box = new Uint8Array(19);
 * box.set([1, 2, 3], 16);
 * seal(k, 0, 0, box, 16, 3, box, 0);
 * ```
 */
export function seal(
  k: Uint32Array,
  n0: number,
  n1: number,
  buf: Uint8Array,
  at: number,
  len: number,
  tag: Uint8Array,
  tagAt: number,
): void {
  const w = wasmFor(k, len);
  if (w !== null) {
    const m = w.bytes;
    copyIn(m, buf, at, len);
    w.seal(n0, n1, len);
    copyOut(m, buf, at, len);
    for (let i = 0; i < 16; i++) tag[tagAt + i] = m[W_TAG + i];
    return;
  }
  core(k, n0, n1, 0, 0, false);
  pk[0] = ks[0], pk[1] = ks[1], pk[2] = ks[2], pk[3] = ks[3];
  pk[4] = ks[4], pk[5] = ks[5], pk[6] = ks[6], pk[7] = ks[7];
  xorStream(k, n0, n1, buf, at, len);
  poly1305(buf, at, len);
  for (let i = 0; i < 8; i++) {
    const w = tagWords[i];
    tag[tagAt + 2 * i] = w, tag[tagAt + 2 * i + 1] = w >>> 8;
  }
}

/**
 * Checks the tag of buf[at, at+len) and, only when it matches, decrypts it
 * in place: crypto_secretbox_open.
 *
 * @param k The XSalsa20 subkey.
 * @param n0 Salsa20 nonce, first word.
 * @param n1 Second word.
 * @param buf The ciphertext, decrypted in place when authentic.
 * @param at Where it starts.
 * @param len Its length.
 * @param tag Holds the 16-byte tag.
 * @param tagAt Its offset there.
 * @returns False (and buf untouched) when the tag does not match.
 *
 * @example
 * ```ts
 * import { open, subkey } from "./salsa.ts";
 * const k = subkey(new Uint8Array(32), new Uint8Array(16));
 * console.log(open(k, 0, 0, new Uint8Array(20), 16, 4, new Uint8Array(20), 0)); // false
 * ```
 */
export function open(
  k: Uint32Array,
  n0: number,
  n1: number,
  buf: Uint8Array,
  at: number,
  len: number,
  tag: Uint8Array,
  tagAt: number,
): boolean {
  const w = wasmFor(k, len);
  if (w !== null) {
    const m = w.bytes;
    for (let i = 0; i < 16; i++) m[W_TAG + i] = tag[tagAt + i];
    copyIn(m, buf, at, len);
    if (w.open(n0, n1, len) === 0) return false;
    copyOut(m, buf, at, len);
    return true;
  }
  core(k, n0, n1, 0, 0, false);
  pk[0] = ks[0], pk[1] = ks[1], pk[2] = ks[2], pk[3] = ks[3];
  pk[4] = ks[4], pk[5] = ks[5], pk[6] = ks[6], pk[7] = ks[7];
  poly1305(buf, at, len);
  // Constant time: every word is compared whatever the first difference.
  let d = 0;
  for (let i = 0; i < 8; i++) d |= tagWords[i] ^ (tag[tagAt + 2 * i] | (tag[tagAt + 2 * i + 1] << 8));
  if (d !== 0) return false;
  xorStream(k, n0, n1, buf, at, len);
  return true;
}

/**
 * Poly1305 alone (crypto_onetimeauth): the tag of `m` under a one-time
 * 32-byte key, by the same path as seal() and open() (WebAssembly or not).
 * For tests against published vectors.
 *
 * @param key 32 bytes: r then s.
 * @param m The message.
 * @returns The 16-byte tag.
 *
 * @example
 * ```ts
 * import { onetimeauth } from "./salsa.ts";
 * console.log(onetimeauth(new Uint8Array(32), new Uint8Array(5)).length); // 16
 * ```
 */
export function onetimeauth(key: Uint8Array, m: Uint8Array): Uint8Array {
  const w = wasmRoom(m.length);
  if (w !== null) {
    const b = w.bytes;
    b.set(key.subarray(0, 32), 32);
    copyIn(b, m, 0, m.length);
    w.auth(m.length);
    return b.slice(W_TAG, W_TAG + 16);
  }
  for (let i = 0; i < 8; i++) pk[i] = le32(key, 4 * i);
  poly1305(m, 0, m.length);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = tagWords[i >> 1] >>> ((i & 1) << 3);
  return out;
}
