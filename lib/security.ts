/**
 * The security options every socket has (zeromq.js names, libzmq semantics)
 * and the choice of security mechanism for each connection: NULL, PLAIN
 * (RFC 24) or CURVE (RFC 26), with ZAP (RFC 27) on the server side.
 *
 * As in libzmq, setting any PLAIN option selects PLAIN and setting any CURVE
 * option selects CURVE (the last one set wins when both are configured), so
 * a half-configured CURVE socket fails its handshakes instead of silently
 * falling back to NULL.
 *
 * @module
 */

import type { Context } from "./context.ts";
import { authError, HandshakeError, ZmqError } from "./errors.ts";
import { encodeReady, isCommand, parseMetadata } from "./zmtp/command.ts";
import type { HandshakeStep, Mechanism, MechanismContext } from "./zmtp/mechanism.ts";
import { NullMechanism, readyProperties } from "./zmtp/mechanisms/null.ts";
import { PlainMechanism } from "./zmtp/mechanisms/plain.ts";
import { CurveKeyPair, CurveMechanism } from "./zmtp/mechanisms/curve.ts";
import { onetimeauth } from "./zmtp/mechanisms/salsa.ts";
import { getAuthenticator, handlerSocketAuthenticator } from "./zap.ts";
import { type Authenticator, peerRefused, type ZapCheck, zapCheck, zapDone, zapRefused } from "./zmtp/zap.ts";
import { z85Encode } from "./z85.ts";
import { curveKey, lastSecurityFamily, type OptionValues } from "./options.ts";

/**
 * A CURVE key: 32 bytes, or their 40-character Z85 text.
 *
 * @example
 * ```ts
 * import type { CurveKey } from "zmtp-zeromq";
 * const key: CurveKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
 * ```
 */
export type CurveKey = string | Uint8Array;

/**
 * The security options, as constructor options of every socket.
 *
 * @example
 * ```ts
 * import { curveKeyPair, Reply } from "zmtp-zeromq";
 * const { secretKey } = curveKeyPair();
 * const rep = new Reply({ curveServer: true, curveSecretKey: secretKey, zapDomain: "api" });
 * rep.close();
 * ```
 */
export interface SecurityOptions {
  /** ZMQ_PLAIN_SERVER: be the PLAIN server (needs an authenticator to admit anyone). */
  plainServer?: boolean;
  /** ZMQ_PLAIN_USERNAME: be a PLAIN client with this username. */
  plainUsername?: string | null;
  /** ZMQ_PLAIN_PASSWORD: the PLAIN client's password. */
  plainPassword?: string | null;
  /** ZMQ_CURVE_SERVER: be the CURVE server (needs `curveSecretKey`). */
  curveServer?: boolean;
  /** ZMQ_CURVE_PUBLICKEY: our long-term public key (derived from the secret key when unset). */
  curvePublicKey?: CurveKey | null;
  /** ZMQ_CURVE_SECRETKEY: our long-term secret key. */
  curveSecretKey?: CurveKey | null;
  /** ZMQ_CURVE_SERVERKEY: be a CURVE client of the server with this public key. */
  curveServerKey?: CurveKey | null;
  /** ZMQ_ZAP_DOMAIN: the ZAP domain; also turns on ZAP for NULL. Default "" (reads back as null, as in zeromq.js). */
  zapDomain?: string | null;
  /**
   * This socket's ZAP authenticator. Default: the context's
   * ({@link setAuthenticator}), else a ZAP handler socket bound on
   * `inproc://zeromq.zap.01` in the context, as in libzmq.
   */
  authenticator?: Authenticator | null;
}

/**
 * The security options as socket properties. Keys read back in Z85.
 *
 * @example
 * ```ts
 * import { Dealer } from "zmtp-zeromq";
 * const d = new Dealer();
 * d.plainUsername = "admin";
 * d.plainPassword = "secret";
 * console.log(d.plainUsername); // "admin"
 * d.close();
 * ```
 */
export interface SecurityAccessors {
  /** ZMQ_PLAIN_SERVER. */
  plainServer: boolean;
  /** ZMQ_PLAIN_USERNAME. */
  plainUsername: string | null;
  /** ZMQ_PLAIN_PASSWORD. */
  plainPassword: string | null;
  /** ZMQ_CURVE_SERVER. */
  curveServer: boolean;
  /** ZMQ_CURVE_PUBLICKEY: set as Z85 or 32 bytes, reads back in Z85. */
  curvePublicKey: CurveKey | null;
  /** ZMQ_CURVE_SECRETKEY: set as Z85 or 32 bytes, reads back in Z85. */
  curveSecretKey: CurveKey | null;
  /** ZMQ_CURVE_SERVERKEY: set as Z85 or 32 bytes, reads back in Z85. */
  curveServerKey: CurveKey | null;
  /** ZMQ_ZAP_DOMAIN: null when none. */
  zapDomain: string | null;
  /** This socket's ZAP authenticator, or null for the context's. */
  authenticator: Authenticator | null;
}

type Family = "PLAIN" | "CURVE";
const enc = new TextEncoder();

function active(o: OptionValues, family: Family): boolean {
  return family === "PLAIN"
    ? o.plainServer || o.plainUsername !== null || o.plainPassword !== null
    : o.curveServer || o.curvePublicKey !== null || o.curveSecretKey !== null || o.curveServerKey !== null;
}

/**
 * Which mechanism a socket's options select: "NULL", "PLAIN" or "CURVE".
 *
 * @param opts The socket's option values.
 * @returns The mechanism name.
 *
 * @example
 * ```ts
 * import { mechanismOf } from "./security.ts";
 * import { defaultOptions } from "./options.ts";
 * console.log(mechanismOf({ ...defaultOptions("REP"), plainServer: true })); // "PLAIN"
 * ```
 */
export function mechanismOf(opts: OptionValues): "NULL" | Family {
  const plain = active(opts, "PLAIN"), curve = active(opts, "CURVE");
  if (plain && curve) return lastSecurityFamily(opts) ?? "CURVE";
  return curve ? "CURVE" : plain ? "PLAIN" : "NULL";
}

// Long-term key pairs, per secret key option (kept while the option is), so
// that the public key (a scalar multiplication) and the WebCrypto handle are
// made once. Each socket's option holds its own copy of the key, so the same
// key set on many sockets (a client per connection) is also found by its
// bytes: through a keyed hash of them (Poly1305 under a random per-process
// key), never the bytes themselves, and only while some socket keeps it.
const keyPairs = new WeakMap<Uint8Array, CurveKeyPair>();
const byContent = new Map<string, WeakRef<CurveKeyPair>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (byContent.get(id)?.deref() === undefined) byContent.delete(id);
});
let hashKey: Uint8Array | undefined;

function keyPairOf(secret: Uint8Array): CurveKeyPair {
  let keyPair = keyPairs.get(secret);
  if (keyPair !== undefined) return keyPair;
  hashKey ??= crypto.getRandomValues(new Uint8Array(32));
  const id = Array.from(onetimeauth(hashKey, secret), (b) => b.toString(16).padStart(2, "0")).join("");
  keyPair = byContent.get(id)?.deref();
  if (keyPair === undefined) {
    keyPair = new CurveKeyPair(secret);
    byContent.set(id, new WeakRef(keyPair));
    forget.register(keyPair, id);
  }
  keyPairs.set(secret, keyPair);
  return keyPair;
}

/**
 * Makes the security mechanism for one connection from a socket's options.
 * Never throws: a misconfiguration fails that connection's handshake with a
 * HandshakeError naming the missing option.
 *
 * @param opts The socket's option values.
 * @param context The socket's context, for its authenticator.
 * @param ctx What the handshake needs to know about the socket and peer.
 * @returns The mechanism.
 *
 * @example
 * ```ts
 * import { createSecurityMechanism } from "./security.ts";
 * import { defaultOptions } from "./options.ts";
 * import { Context } from "./context.ts";
 * const ctx = { socketType: "PUSH", identity: undefined, peerAddress: "127.0.0.1:5555" };
 * const mech = createSecurityMechanism(defaultOptions("PUSH"), new Context(), ctx);
 * console.log(mech.name); // "NULL"
 * ```
 */
export function createSecurityMechanism(opts: OptionValues, context: Context, ctx: MechanismContext): Mechanism {
  const name = mechanismOf(opts);
  const auth = opts.authenticator ?? getAuthenticator(context) ??
    handlerSocketAuthenticator(context);
  const rid = opts.routingId;
  const zap = auth
    ? zapCheck(auth, {
      domain: opts.zapDomain,
      peerAddress: ctx.peerAddress,
      routingId: typeof rid === "string" ? enc.encode(rid) : rid instanceof Uint8Array ? rid : new Uint8Array(0),
    })
    : undefined;
  // ZMQ_ZAP_ENFORCE_DOMAIN (libzmq 4.3): with a domain set, no ZAP handler
  // fails the handshake instead of admitting the peer unauthenticated.
  const enforce = opts.zapEnforceDomain;
  const unanswered = enforce && opts.zapDomain !== "" && zap === undefined;
  if (name === "NULL") {
    if (unanswered) return new ZapMissing("NULL", false, opts.zapDomain);
    return zap && opts.zapDomain !== "" ? new NullZapMechanism(ctx, zap) : new NullMechanism(ctx);
  }
  if (name === "PLAIN") {
    const asServer = opts.plainServer;
    if (asServer && enforce && opts.zapDomain === "") {
      // libzmq asserts here; a handshake that fails says why instead.
      return new Misconfigured("PLAIN", true, "zapEnforceDomain on a PLAIN server needs a zapDomain");
    }
    return new PlainMechanism(ctx, {
      asServer,
      username: enc.encode(opts.plainUsername ?? ""),
      password: enc.encode(opts.plainPassword ?? ""),
      zap: asServer ? zap : undefined,
    });
  }
  const asServer = opts.curveServer;
  if (asServer && unanswered) return new ZapMissing("CURVE", true, opts.zapDomain);
  const secret = opts.curveSecretKey;
  if (secret === null) return new Misconfigured("CURVE", asServer, "CURVE needs curveSecretKey (see curveKeyPair())");
  const keyPair = keyPairOf(secret);
  const pub = opts.curvePublicKey;
  if (pub !== null && z85Encode(pub) !== z85Encode(keyPair.publicKey)) {
    return new Misconfigured("CURVE", asServer, "curvePublicKey does not belong to curveSecretKey");
  }
  if (!asServer && opts.curveServerKey === null) {
    return new Misconfigured("CURVE", asServer, "CURVE client needs curveServerKey, or set curveServer");
  }
  return new CurveMechanism(ctx, {
    asServer,
    keyPair,
    serverKey: opts.curveServerKey ?? undefined,
    // With zapEnforceDomain and no domain: no ZAP at all (libzmq's Stonehouse).
    zap: asServer && !(enforce && opts.zapDomain === "") ? zap : undefined,
  });
}

// ZAP is enforced for a domain and nobody answers it: the handshake fails
// with no detail, as libzmq's (handshake:error:other, EFAULT).
class ZapMissing implements Mechanism {
  constructor(readonly name: string, readonly asServer: boolean, readonly domain: string) {}
  start(): HandshakeStep {
    throw this.#error();
  }
  receive(): HandshakeStep {
    throw this.#error();
  }
  #error(): ZmqError {
    return new ZmqError("EFAULT", `No ZAP handler for domain "${this.domain}" and zapEnforceDomain is set`);
  }
}

// A mechanism whose options cannot work: it fails the handshake, with a
// message naming the key (so the socket reports handshake:error:auth).
class Misconfigured implements Mechanism {
  constructor(readonly name: string, readonly asServer: boolean, readonly reason: string) {}
  start(): HandshakeStep {
    throw authError(this.reason);
  }
  receive(): HandshakeStep {
    throw authError(this.reason);
  }
}

/**
 * NULL with ZAP (when `zapDomain` is set and an authenticator exists): like
 * libzmq, READY goes out only once ZAP admitted the peer; a refusal sends
 * ERROR with the status code instead (300: just closes). The peer's READY
 * comes first, which every NULL peer sends unprompted; two peers that both
 * wait on ZAP would wait for each other until `handshakeInterval`.
 */
class NullZapMechanism implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  #ctx: MechanismContext;
  #check: ZapCheck;

  constructor(ctx: MechanismContext, check: ZapCheck) {
    this.#ctx = ctx;
    this.#check = check;
  }

  start(): HandshakeStep {
    return { send: [] };
  }

  async receive(body: Uint8Array): Promise<HandshakeStep> {
    if (isCommand(body, "ERROR")) peerRefused(body);
    if (!isCommand(body, "READY")) throw new HandshakeError("unexpected command in NULL handshake");
    const properties = parseMetadata(body.subarray(6));
    const o = await this.#check("NULL", []);
    if (o.statusCode !== "200") return zapRefused(o);
    return { send: [encodeReady(readyProperties(this.#ctx))], done: zapDone(properties, o) };
  }
}

/**
 * Makes a new CURVE key pair, as zeromq.js's `curveKeyPair()` does.
 *
 * @returns The public and secret key, each 40 characters of Z85.
 *
 * @example
 * ```ts
 * import { curveKeyPair, Reply, Request } from "zmtp-zeromq";
 * const server = curveKeyPair();
 * const rep = new Reply({ curveServer: true, curveSecretKey: server.secretKey });
 * const client = curveKeyPair();
 * const req = new Request({
 *   curveServerKey: server.publicKey,
 *   curvePublicKey: client.publicKey,
 *   curveSecretKey: client.secretKey,
 * });
 * console.log(server.publicKey.length); // 40
 * req.close();
 * rep.close();
 * ```
 */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const kp = CurveKeyPair.generate();
  return { publicKey: z85Encode(kp.publicKey), secretKey: z85Encode(kp.secretKey) };
}

/**
 * Derives the public key of a CURVE secret key (libzmq's zmq_curve_public).
 *
 * @param secretKey 40 characters of Z85, or 32 bytes.
 * @returns The public key in Z85.
 * @throws {TypeError} For a malformed key.
 *
 * @example
 * ```ts
 * import { curveKeyPair, curvePublicKey } from "zmtp-zeromq";
 * const kp = curveKeyPair();
 * console.log(curvePublicKey(kp.secretKey) === kp.publicKey); // true
 * ```
 */
export function curvePublicKey(secretKey: CurveKey): string {
  const secret = curveKey(secretKey, "secretKey");
  if (secret === null) throw new TypeError("A secret key is required");
  return z85Encode(new CurveKeyPair(secret).publicKey);
}
