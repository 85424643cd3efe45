// CURVE mechanism (RFC 26/CurveZMQ), byte-compatible with libzmq 4.3:
//
//   C: HELLO    = "\x05HELLO" version(1,0) padding[72] C' nonce8 Box[64 zeros](C'->S)
//   S: WELCOME  = "\x07WELCOME" nonce16 Box[S' cookie](S->C')
//   C: INITIATE = "\x08INITIATE" cookie nonce8 Box[C vouch-nonce16 vouch metadata](C'->S')
//               vouch  = Box[C' S](C->S'),      cookie = nonce16 SecretBox[C' s'](K)
//   S: READY    = "\x05READY" nonce8 Box[metadata](S'->C')
//   both: MESSAGE = "\x07MESSAGE" nonce8 Box[flags body](C'<->S')
//
// Box is NaCl's crypto_box: X25519, the HSalsa20 "beforenm" step, then
// XSalsa20-Poly1305, written as tag (16) + ciphertext. Long nonces are a
// 16-byte prefix plus an 8-byte counter; each side counts from 1 (HELLO,
// INITIATE and MESSAGEs share the client's counter; READY and MESSAGEs the
// server's), and a peer's counter must strictly increase.

import { x25519 } from "@noble/curves/ed25519.js";
import { open, seal, subkey } from "./salsa.ts";
import { authError, HandshakeError } from "../../errors.ts";
import { encodeMetadata, parseCommand, parseMetadata } from "../command.ts";
import type { FrameCodec, HandshakeStep, Mechanism, MechanismContext } from "../mechanism.ts";
import { readyProperties } from "./null.ts";
import { peerRefused, type ZapCheck, zapDone, zapRefused } from "../zap.ts";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HELLO = ascii("\x05HELLO");
const WELCOME = ascii("\x07WELCOME");
const INITIATE = ascii("\x08INITIATE");
const READY = ascii("\x05READY");
const ERROR = ascii("\x05ERROR");
const MESSAGE = ascii("\x07MESSAGE");
const N_HELLO = ascii("CurveZMQHELLO---");
const N_WELCOME = ascii("WELCOME-");
const N_INITIATE = ascii("CurveZMQINITIATE");
const N_READY = ascii("CurveZMQREADY---");
const N_MESSAGE_C = ascii("CurveZMQMESSAGEC");
const N_MESSAGE_S = ascii("CurveZMQMESSAGES");
const N_VOUCH = ascii("VOUCH---");
const N_COOKIE = ascii("COOKIE--");
const ZERO32 = new Uint8Array(32);
// ZMTP frame flags, and their bits inside a MESSAGE box (libzmq's msg_t flags).
const MORE = 0x01, COMMAND = 0x04, BOX_MORE = 0x01, BOX_COMMAND = 0x02;

// -- crypto_box ---------------------------------------------------------------

const le32 = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** HSalsa20 of a key and a 16-byte input: NaCl's key derivation step. */
function hsalsa20(key: Uint8Array, input16: Uint8Array): Uint8Array {
  const w = subkey(key, input16);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = w[i >> 2] >>> ((i & 3) << 3);
  return out;
}

/**
 * NaCl's crypto_box_beforenm: the symmetric key two X25519 parties share,
 * from the raw shared secret.
 *
 * @param sharedSecret The 32-byte X25519 output.
 * @returns The 32-byte box key.
 *
 * @example
 * ```ts
 * import { x25519 } from "@noble/curves/ed25519.js";
 * import { boxKey } from "./curve.ts";
 * const a = x25519.utils.randomSecretKey(), b = x25519.utils.randomSecretKey();
 * const k = boxKey(x25519.getSharedSecret(a, x25519.getPublicKey(b)));
 * console.log(k.length); // 32
 * ```
 */
export function boxKey(sharedSecret: Uint8Array): Uint8Array {
  return hsalsa20(sharedSecret, new Uint8Array(16));
}

/**
 * crypto_box_afternm without NaCl's zero padding: tag (16) then ciphertext.
 *
 * @param key A key from {@link boxKey} (or a secretbox key).
 * @param nonce 24 bytes.
 * @param plaintext The bytes to seal.
 * @returns `plaintext.length + 16` bytes.
 *
 * @example
 * ```ts
 * import { boxOpen, boxSeal } from "./curve.ts";
 * const key = new Uint8Array(32), nonce = new Uint8Array(24);
 * const box = boxSeal(key, nonce, new Uint8Array([1, 2, 3]));
 * console.log(boxOpen(key, nonce, box)); // Uint8Array [1, 2, 3]
 * ```
 */
export function boxSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce.length !== 24) throw new RangeError("box key is 32 bytes and its nonce 24");
  const out = new Uint8Array(16 + plaintext.length);
  out.set(plaintext, 16);
  seal(subkey(key, nonce), le32(nonce, 16), le32(nonce, 20), out, 16, plaintext.length, out, 0);
  return out;
}

/**
 * Opens a box made by {@link boxSeal}.
 *
 * @param key The box key.
 * @param nonce 24 bytes.
 * @param box Tag then ciphertext.
 * @returns The plaintext, or null when the box does not authenticate.
 *
 * @example
 * ```ts
 * import { boxOpen } from "./curve.ts";
 * console.log(boxOpen(new Uint8Array(32), new Uint8Array(24), new Uint8Array(20))); // null
 * ```
 */
export function boxOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | null {
  if (key.length !== 32 || nonce.length !== 24) throw new RangeError("box key is 32 bytes and its nonce 24");
  if (box.length < 16) return null;
  const out = box.slice(16);
  return open(subkey(key, nonce), le32(nonce, 16), le32(nonce, 20), out, 0, out.length, box, 0) ? out : null;
}

function concat(...parts: Uint8Array[]): Uint8Array {
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

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, Math.floor(n / 0x100000000));
  v.setUint32(4, n >>> 0);
  return b;
}

function readU64(b: Uint8Array, at: number): number {
  const hi = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const lo = ((b[at + 4] << 24) | (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7]) >>> 0;
  return hi * 0x100000000 + lo;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

// -- X25519 -------------------------------------------------------------------
//
// WebCrypto's X25519 where the runtime has it, @noble/curves otherwise.
// Measured per shared secret, importing the peer's raw key included (ms):
// Deno 2.x 0.11 vs noble 0.37, Node 20 0.12 vs 0.91, Bun 0.05 vs 0.33, so a
// server handshake (three shared secrets) is 3-7x cheaper with WebCrypto.
// WebCrypto is async: the mechanism's steps may wait (the engine keeps
// frames that arrive meanwhile in order), the client's start() included.

const X25519 = { name: "X25519" };
let webX25519: Promise<boolean> | undefined;

function hasWebX25519(): Promise<boolean> {
  return webX25519 ??= (async () => {
    try {
      const base = new Uint8Array(32);
      base[0] = 9;
      await crypto.subtle.importKey("raw", base, X25519, false, []);
      return true;
    } catch {
      return false;
    }
  })();
}

const b64url = (b: Uint8Array): string =>
  btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (s: string): Uint8Array =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/**
 * An X25519 key pair as raw bytes, with its WebCrypto handle made on first
 * use and kept.
 *
 * @example
 * ```ts
 * import { CurveKeyPair } from "./curve.ts";
 * const kp = CurveKeyPair.generate();
 * console.log(kp.publicKey.length, kp.secretKey.length); // 32 32
 * ```
 */
export class CurveKeyPair {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** The 32-byte secret key. */
  readonly secretKey: Uint8Array;
  #handle: Promise<CryptoKey> | undefined;

  /**
   * @param secretKey 32 bytes.
   * @param publicKey Its public key; computed when omitted.
   */
  constructor(secretKey: Uint8Array, publicKey?: Uint8Array, handle?: CryptoKey) {
    this.secretKey = secretKey;
    this.publicKey = publicKey ?? x25519.getPublicKey(secretKey);
    if (handle) this.#handle = Promise.resolve(handle);
  }

  /** A fresh random key pair, computed synchronously. */
  static generate(): CurveKeyPair {
    return new CurveKeyPair(x25519.utils.randomSecretKey());
  }

  /** A fresh random key pair, by WebCrypto when available. */
  static async generateAsync(): Promise<CurveKeyPair> {
    if (!await hasWebX25519()) return CurveKeyPair.generate();
    const kp = await crypto.subtle.generateKey(X25519, true, ["deriveBits"]) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", kp.privateKey);
    return new CurveKeyPair(fromB64url(jwk.d!), fromB64url(jwk.x!), kp.privateKey);
  }

  /** The shared secret with a peer's public key, computed synchronously. */
  sharedSync(peer: Uint8Array): Uint8Array {
    return x25519.getSharedSecret(this.secretKey, peer);
  }

  /** The shared secret with a peer's public key. Rejects for a low-order key. */
  async shared(peer: Uint8Array): Promise<Uint8Array> {
    if (!await hasWebX25519()) return this.sharedSync(peer);
    this.#handle ??= crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "X25519", d: b64url(this.secretKey), x: b64url(this.publicKey) },
      X25519,
      false,
      ["deriveBits"],
    );
    const pub = await crypto.subtle.importKey("raw", peer.slice(), X25519, false, []);
    const bits = await crypto.subtle.deriveBits({ name: "X25519", public: pub } as Algorithm, await this.#handle, 256);
    const out = new Uint8Array(bits);
    // WebCrypto implementations differ on rejecting the all-zero result.
    if (equal(out, ZERO32)) throw new Error("low-order public key");
    return out;
  }
}

// -- MESSAGE codec ------------------------------------------------------------

// MESSAGE boxes of small frames are cut from shared slabs: in V8 a typed
// array over 64 bytes gets a backing store of its own, which costs more
// than sealing a 64-byte frame, while a view of a slab costs a fifth of
// that. A slab's bytes are written once and never reused, so a box stays
// valid however long the transport holds it.
const SLAB = 65536, SLAB_MAX = 2048;
let slab = new ArrayBuffer(SLAB);
let slabAt = 0;

function boxBuffer(n: number): Uint8Array {
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (slabAt + n > SLAB) slab = new ArrayBuffer(SLAB), slabAt = 0;
  const b = new Uint8Array(slab, slabAt, n);
  slabAt += n;
  return b;
}

/**
 * Wraps frames in MESSAGE boxes once the handshake is done. The nonce prefix
 * is fixed per direction, so XSalsa20's HSalsa20 step is done once per
 * direction here and each MESSAGE costs only Salsa20 and Poly1305.
 *
 * @example
 * ```ts
 * import { CurveCodec } from "./curve.ts";
 * const key = new Uint8Array(32);
 * const client = new CurveCodec(key, false, 3, 1);
 * const server = new CurveCodec(key, true, 2, 2);
 * const box = client.encode(0, new TextEncoder().encode("hi"));
 * console.log(server.decode(box)?.body); // Uint8Array [104, 105]
 * ```
 */
export class CurveCodec implements FrameCodec {
  #sendKey: Uint32Array;
  #recvKey: Uint32Array;
  #nonce: number;
  #peerNonce: number;

  /**
   * @param key The connection's box key (C' and S').
   * @param asServer Which side we are: picks the nonce prefixes.
   * @param nonce Our next short nonce.
   * @param peerNonce The peer's last short nonce.
   */
  constructor(key: Uint8Array, asServer: boolean, nonce: number, peerNonce: number) {
    this.#sendKey = subkey(key, asServer ? N_MESSAGE_S : N_MESSAGE_C);
    this.#recvKey = subkey(key, asServer ? N_MESSAGE_C : N_MESSAGE_S);
    this.#nonce = nonce;
    this.#peerNonce = peerNonce;
  }

  /** Seals one frame; flags are ZMTP frame flags (MORE, COMMAND). */
  encode(flags: number, body: Uint8Array): Uint8Array {
    // "\x07MESSAGE" nonce8 tag16 | flags body, the box sealed in place.
    const out = boxBuffer(33 + body.length);
    for (let i = 0; i < 8; i++) out[i] = MESSAGE[i];
    const n = this.#nonce++;
    const hi = Math.floor(n / 0x100000000), lo = n >>> 0;
    out[8] = hi >>> 24, out[9] = hi >>> 16, out[10] = hi >>> 8, out[11] = hi;
    out[12] = lo >>> 24, out[13] = lo >>> 16, out[14] = lo >>> 8, out[15] = lo;
    out[32] = ((flags & MORE) ? BOX_MORE : 0) | ((flags & COMMAND) ? BOX_COMMAND : 0);
    out.set(body, 33);
    seal(this.#sendKey, le32(out, 8), le32(out, 12), out, 32, body.length + 1, out, 16);
    return out;
  }

  /**
   * Opens one MESSAGE, decrypting it in place (the received bytes are
   * this frame's alone). Throws a HandshakeError (reported like libzmq's
   * HANDSHAKE_FAILED_PROTOCOL) on anything else, forged or replayed.
   */
  decode(body: Uint8Array): { flags: number; body: Uint8Array } {
    if (body.length < 33 || !startsWith(body, MESSAGE)) {
      throw new HandshakeError("CURVE expects MESSAGE commands after the handshake");
    }
    const n = readU64(body, 8);
    if (n <= this.#peerNonce) throw new HandshakeError("CURVE MESSAGE nonce did not increase (replayed or reordered)");
    if (!open(this.#recvKey, le32(body, 8), le32(body, 12), body, 32, body.length - 32, body, 16)) {
      throw new HandshakeError("CURVE MESSAGE failed its integrity check (forged or corrupted)");
    }
    this.#peerNonce = n;
    const f = body[32];
    return {
      flags: ((f & BOX_MORE) ? MORE : 0) | ((f & BOX_COMMAND) ? COMMAND : 0),
      // subarray() keeps the received frame's class (a Buffer where the
      // frame view makes Buffers), so receive() need not re-view it.
      body: body.subarray(33),
    };
  }
}

// -- the mechanism ----------------------------------------------------------

/** Keys and roles for one CURVE connection. */
export interface CurveOptions {
  /** True for the server role (ZMQ_CURVE_SERVER). */
  asServer: boolean;
  /** Our long-term key pair. */
  keyPair: CurveKeyPair;
  /** The server's long-term public key (client role). */
  serverKey?: Uint8Array;
  /** Asks the ZAP handler (server role); absent: every client key is accepted. */
  zap?: ZapCheck;
}

const enum St {
  Start,
  Welcome, // client: HELLO sent
  Ready, // client: INITIATE sent
  Hello, // server: waiting for HELLO
  Initiate, // server: WELCOME sent
  Done,
}

const fail = (msg: string): never => {
  throw new HandshakeError(msg);
};
// A refused key or credential: reported as an authentication failure.
const failAuth = (msg: string): never => {
  throw authError(msg);
};

/**
 * The CURVE security mechanism, client or server.
 *
 * @example
 * ```ts
 * import { CurveKeyPair, CurveMechanism } from "./curve.ts";
 * const server = CurveKeyPair.generate();
 * const ctx = { socketType: "REQ", identity: new Uint8Array(0), peerAddress: "127.0.0.1:5555" };
 * const mech = new CurveMechanism(ctx, { asServer: false, keyPair: CurveKeyPair.generate(), serverKey: server.publicKey });
 * const [hello] = (await mech.start()).send;
 * console.log(hello.length); // 200
 * ```
 */
export class CurveMechanism implements Mechanism {
  readonly name = "CURVE";
  readonly asServer: boolean;
  #ctx: MechanismContext;
  #opts: CurveOptions;
  #state = St.Start;
  #nonce = 1;
  #peerNonce = 0;
  #cn: CurveKeyPair | undefined; // our short-term key pair
  #peerCn: Uint8Array | undefined; // the peer's short-term public key
  #helloKey: Uint8Array | undefined; // box key of (C', S)
  #key: Uint8Array | undefined; // box key of (C', S')
  #cookieKey: Uint8Array | undefined;
  // The client's short-term key pair and HELLO box key, made ahead (by
  // WebCrypto where the runtime has it) while the greetings are exchanged.
  #early: Promise<{ cn: CurveKeyPair; helloKey: Uint8Array }> | undefined;

  /**
   * @param ctx The socket's handshake context (metadata).
   * @param opts Role, keys and the ZAP check.
   */
  constructor(ctx: MechanismContext, opts: CurveOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.asServer = opts.asServer;
    // Start the HELLO's key pair and shared secret now: the greeting
    // exchange leaves time for them, and start() waits for what is left.
    const serverKey = opts.serverKey;
    if (!opts.asServer && serverKey?.length === 32) {
      this.#early = CurveKeyPair.generateAsync().then(async (cn) => ({
        cn,
        helloKey: boxKey(await cn.shared(serverKey)),
      }));
      // Its failure (a low-order server key) is start()'s to report.
      this.#early.catch(() => {});
    }
  }

  // libzmq 4.3 sends as-server 0 in every greeting, so the peer's bit
  // tells nothing; a role mix-up shows as an unexpected command.
  start(): HandshakeStep | Promise<HandshakeStep> {
    if (this.asServer) {
      this.#state = St.Hello;
      return { send: [] };
    }
    if (this.#opts.serverKey?.length !== 32 || this.#early === undefined) {
      failAuth("CURVE client has no valid curveServerKey");
    }
    this.#state = St.Welcome;
    return this.#early!.then(({ cn, helloKey }) => this.#hello1(cn, helloKey), () => {
      return failAuth("CURVE server key is not a valid public key");
    });
  }

  #hello1(cn: CurveKeyPair, helloKey: Uint8Array): HandshakeStep {
    this.#cn = cn;
    this.#helloKey = helloKey;
    const n = u64(this.#nonce++);
    const box = boxSeal(this.#helloKey, concat(N_HELLO, n), new Uint8Array(64));
    const hello = new Uint8Array(200);
    hello.set(HELLO, 0);
    hello[6] = 1; // version 1.0; 72 bytes of zero padding follow
    hello.set(this.#cn.publicKey, 80);
    hello.set(n, 112);
    hello.set(box, 120);
    return { send: [hello] };
  }

  receive(body: Uint8Array): HandshakeStep | Promise<HandshakeStep> {
    switch (this.#state) {
      case St.Hello:
        return this.#hello(body);
      case St.Initiate:
        return this.#initiate(body);
      case St.Welcome:
        return this.#welcome(body);
      case St.Ready:
        return this.#ready(body);
      default:
        return fail(`unexpected ${parseCommand(body).name} command in CURVE handshake`);
    }
  }

  // -- server ---------------------------------------------------------------

  async #hello(body: Uint8Array): Promise<HandshakeStep> {
    if (!startsWith(body, HELLO)) fail(`expected CURVE HELLO, got ${parseCommand(body).name}`);
    if (body.length !== 200) fail(`malformed CURVE HELLO: ${body.length} bytes, not 200`);
    if (body[6] !== 1 || body[7] !== 0) fail(`unsupported CURVE version ${body[6]}.${body[7]}`);
    if (!equal(body.subarray(8, 80), new Uint8Array(72))) fail("malformed CURVE HELLO: padding is not zero");
    const cn = body.slice(80, 112);
    this.#peerNonce = readU64(body, 112);
    this.#peerCn = cn;
    const [shared, sn] = await Promise.all([
      this.#opts.keyPair.shared(cn).catch(() => failAuth("CURVE HELLO carries an invalid short-term key")),
      CurveKeyPair.generateAsync(),
    ]);
    this.#helloKey = boxKey(shared);
    const sig = boxOpen(this.#helloKey, concat(N_HELLO, body.subarray(112, 120)), body.subarray(120));
    // The usual cause: the client was given another server's public key.
    if (sig === null) failAuth("CURVE HELLO did not decrypt: the client has the wrong server key");
    if (!equal(sig!, new Uint8Array(64))) fail("malformed CURVE HELLO: signature box is not 64 zeros");
    this.#cn = sn;
    // A fresh cookie key per connection: the cookie only has to survive
    // until this connection's INITIATE.
    this.#cookieKey = random(32);
    const cookieNonce = random(16);
    const cookie = boxSeal(this.#cookieKey, concat(N_COOKIE, cookieNonce), concat(cn, sn.secretKey));
    const welcomeNonce = random(16);
    const box = boxSeal(this.#helloKey, concat(N_WELCOME, welcomeNonce), concat(sn.publicKey, cookieNonce, cookie));
    this.#state = St.Initiate;
    return { send: [concat(WELCOME, welcomeNonce, box)] };
  }

  async #initiate(body: Uint8Array): Promise<HandshakeStep> {
    if (!startsWith(body, INITIATE)) fail(`expected CURVE INITIATE, got ${parseCommand(body).name}`);
    if (body.length < 257) fail(`malformed CURVE INITIATE: ${body.length} bytes`);
    const cookie = boxOpen(this.#cookieKey!, concat(N_COOKIE, body.subarray(9, 25)), body.subarray(25, 105));
    if (
      cookie === null || !equal(cookie.subarray(0, 32), this.#peerCn!) ||
      !equal(cookie.subarray(32), this.#cn!.secretKey)
    ) {
      fail("CURVE INITIATE carries a bad cookie");
    }
    const n = readU64(body, 105);
    if (n <= this.#peerNonce) fail("CURVE INITIATE nonce did not increase");
    this.#peerNonce = n;
    this.#key = boxKey(await this.#cn!.shared(this.#peerCn!));
    const plain = boxOpen(this.#key, concat(N_INITIATE, body.subarray(105, 113)), body.subarray(113));
    if (plain === null) fail("CURVE INITIATE did not decrypt");
    const clientKey = plain!.slice(0, 32);
    const vouchKey = boxKey(
      await this.#cn!.shared(clientKey).catch(() => failAuth("CURVE INITIATE carries an invalid client key")),
    );
    const vouch = boxOpen(vouchKey, concat(N_VOUCH, plain!.subarray(32, 48)), plain!.subarray(48, 128));
    if (vouch === null) failAuth("CURVE INITIATE vouch did not decrypt: the client key does not match");
    if (!equal(vouch!.subarray(0, 32), this.#peerCn!) || !equal(vouch!.subarray(32), this.#opts.keyPair.publicKey)) {
      failAuth("CURVE INITIATE vouch names another key");
    }
    const properties = parseMetadata(plain!.subarray(128));
    const zap = this.#opts.zap ? await this.#opts.zap("CURVE", [clientKey]) : undefined;
    if (zap && zap.statusCode !== "200") return zapRefused(zap);
    const ready = concat(
      READY,
      u64(this.#nonce),
      boxSeal(this.#key, concat(N_READY, u64(this.#nonce)), this.#metadata()),
    );
    this.#nonce++;
    this.#state = St.Done;
    return { send: [ready], done: zapDone(properties, zap, this.#codec()) };
  }

  // -- client ---------------------------------------------------------------

  #welcome(body: Uint8Array): HandshakeStep | Promise<HandshakeStep> {
    if (startsWith(body, ERROR)) return peerRefused(body);
    if (!startsWith(body, WELCOME)) fail(`expected CURVE WELCOME, got ${parseCommand(body).name}`);
    if (body.length !== 168) fail(`malformed CURVE WELCOME: ${body.length} bytes, not 168`);
    const plain = boxOpen(this.#helloKey!, concat(N_WELCOME, body.subarray(8, 24)), body.subarray(24));
    if (plain === null) failAuth("CURVE WELCOME did not decrypt: wrong server key?");
    return this.#sendInitiate(plain!.slice(0, 32), plain!.slice(32, 128));
  }

  async #sendInitiate(serverCn: Uint8Array, cookie: Uint8Array): Promise<HandshakeStep> {
    const [k, v] = await Promise.all([
      this.#cn!.shared(serverCn),
      this.#opts.keyPair.shared(serverCn),
    ]).catch(() => failAuth("CURVE WELCOME carries an invalid server short-term key"));
    this.#key = boxKey(k);
    const vouchNonce = random(16);
    const vouch = boxSeal(boxKey(v), concat(N_VOUCH, vouchNonce), concat(this.#cn!.publicKey, this.#opts.serverKey!));
    const n = u64(this.#nonce++);
    const plain = concat(this.#opts.keyPair.publicKey, vouchNonce, vouch, this.#metadata());
    const box = boxSeal(this.#key, concat(N_INITIATE, n), plain);
    this.#state = St.Ready;
    return { send: [concat(INITIATE, cookie, n, box)] };
  }

  #ready(body: Uint8Array): HandshakeStep {
    if (startsWith(body, ERROR)) return peerRefused(body);
    if (!startsWith(body, READY)) fail(`expected CURVE READY, got ${parseCommand(body).name}`);
    if (body.length < 30) fail(`malformed CURVE READY: ${body.length} bytes`);
    const plain = boxOpen(this.#key!, concat(N_READY, body.subarray(6, 14)), body.subarray(14));
    if (plain === null) fail("CURVE READY did not decrypt");
    this.#peerNonce = readU64(body, 6);
    this.#state = St.Done;
    return { send: [], done: { properties: parseMetadata(plain!), codec: this.#codec() } };
  }

  // -- shared -----------------------------------------------------------------

  #metadata(): Uint8Array {
    return encodeMetadata(readyProperties(this.#ctx));
  }

  #codec(): CurveCodec {
    return new CurveCodec(this.#key!, this.asServer, this.#nonce, this.#peerNonce);
  }
}

function startsWith(body: Uint8Array, prefix: Uint8Array): boolean {
  if (body.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (body[i] !== prefix[i]) return false;
  return true;
}
