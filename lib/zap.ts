/**
 * ZAP, the ZeroMQ Authentication Protocol (RFC 27/ZAP): a server-side socket
 * asks an authenticator whether to admit each peer, with the peer's address
 * and credentials (PLAIN's username and password, CURVE's public key). Here
 * an authenticator is a function, registered per socket (the `authenticator`
 * option) or per {@link Context} ({@link setAuthenticator}), or a ZAP handler
 * socket bound on `inproc://zeromq.zap.01` as in libzmq (lib/zap_handler.ts).
 * The mechanisms' side of ZAP is in lib/zmtp/zap.ts.
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { Authenticator, ZapReply } from "./zmtp/zap.ts";
import { z85Decode, z85Encode } from "./z85.ts";

export type { Authenticator, ZapReply, ZapRequest, ZapStatusCode } from "./zmtp/zap.ts";

const dec = new TextDecoder();

const registry = new WeakMap<Context, Authenticator>();

/**
 * Installs (or with null removes) the authenticator every socket of a context
 * uses unless it has its own `authenticator` option. Like binding a ZAP
 * handler on `inproc://zeromq.zap.01` in libzmq.
 *
 * @param context The context, e.g. `socket.context` or one made with `new Context()`.
 * @param authenticator The function, or null to remove it.
 *
 * @example
 * ```ts
 * import { createAuthenticator, Reply, setAuthenticator } from "zmtp-zeromq";
 * const rep = new Reply({ plainServer: true });
 * setAuthenticator(rep.context, createAuthenticator({ plain: { admin: "secret" } }));
 * setAuthenticator(rep.context, null);
 * rep.close();
 * ```
 */
export function setAuthenticator(context: Context, authenticator: Authenticator | null): void {
  if (authenticator === null) registry.delete(context);
  else if (typeof authenticator === "function") registry.set(context, authenticator);
  else throw new TypeError("An authenticator must be a function or null");
}

/**
 * The authenticator installed on a context, if any.
 *
 * @param context The context.
 * @returns The function given to {@link setAuthenticator}, or undefined.
 *
 * @example
 * ```ts
 * import { Context, getAuthenticator } from "zmtp-zeromq";
 * console.log(getAuthenticator(new Context())); // undefined
 * ```
 */
export function getAuthenticator(context: Context): Authenticator | undefined {
  return registry.get(context);
}

// -- a ZAP handler socket, as libzmq has it -------------------------------------

let handlerName: string | undefined;
let handlerClient: ((context: Context) => Authenticator) | undefined;
const handlerClients = new WeakMap<Context, Authenticator>();

/**
 * Registers how to reach a ZAP handler socket (lib/zap_handler.ts does, on
 * import): the inproc name it binds and a client for a context.
 *
 * @param name The inproc name, "zeromq.zap.01".
 * @param client Makes the authenticator that asks the handler socket of a context.
 * @example
 * ```ts
 * import { useHandlerSocket } from "./zap.ts";
 * import "./zap_handler.ts"; // registers libzmq's handler socket client
 * console.log(typeof useHandlerSocket); // "function"
 * ```
 */
export function useHandlerSocket(name: string, client: (context: Context) => Authenticator): void {
  handlerName = name;
  handlerClient = client;
}

/**
 * The authenticator that forwards to a ZAP handler socket bound on
 * `inproc://zeromq.zap.01` in the context. Used when neither the socket nor
 * the context has a function.
 *
 * @param context The context to look in.
 * @returns The authenticator, or undefined when nothing is bound there.
 *
 * @example
 * ```ts
 * import { Context } from "zmtp-zeromq";
 * import { handlerSocketAuthenticator } from "./zap.ts";
 * console.log(handlerSocketAuthenticator(new Context())); // undefined
 * ```
 */
export function handlerSocketAuthenticator(context: Context): Authenticator | undefined {
  if (handlerName === undefined || handlerClient === undefined) return undefined;
  if (context.inproc.lookup(handlerName) === undefined) return undefined;
  let auth = handlerClients.get(context);
  if (auth === undefined) handlerClients.set(context, auth = handlerClient(context));
  return auth;
}

// -- a ready-made authenticator ------------------------------------------------

/**
 * Rules for {@link createAuthenticator}, in the spirit of czmq's zauth.
 *
 * @example
 * ```ts
 * import type { AuthenticatorOptions } from "zmtp-zeromq";
 * const rules: AuthenticatorOptions = { allow: ["127.0.0.1"], plain: { admin: "secret" }, curve: "any" };
 * ```
 */
export interface AuthenticatorOptions {
  /** Admit only these IP addresses (when non-empty); PLAIN and CURVE still check credentials. */
  allow?: Iterable<string>;
  /** Refuse these IP addresses (used when `allow` is empty). */
  deny?: Iterable<string>;
  /** PLAIN: username to password. Without it every PLAIN client is refused. */
  plain?: Record<string, string> | Map<string, string>;
  /**
   * CURVE: "any" (or "*", czmq's CURVE_ALLOW_ANY) admits every client key;
   * else the allowed keys (Z85 or 32 bytes) or certificates, whose metadata
   * is attached to the admitted peer as czmq's zauth does (e.g. from
   * `loadCertDirectory()`). Without it every CURVE client is refused.
   */
  curve?: "any" | "*" | Iterable<string | Uint8Array | CurveCert>;
  /** Apply only to this ZAP domain; other domains are refused. Default: any domain. */
  domain?: string;
}

/**
 * A certificate as {@link AuthenticatorOptions.curve} takes it: a public key
 * and optional metadata (a {@link Cert} fits).
 *
 * @example
 * ```ts
 * import type { CurveCert } from "./zap.ts";
 * const c: CurveCert = { publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", metadata: { name: "Ann" } };
 * ```
 */
export interface CurveCert {
  /** The client's public key, Z85 or 32 bytes. */
  publicKey: string | Uint8Array;
  /** Properties for the admitted peer (ZAP metadata). */
  metadata?: Record<string, string>;
}

/**
 * Builds an authenticator from allow/deny lists, like czmq's zauth: an
 * address on `deny` (or off a non-empty `allow`) is refused; NULL peers are
 * otherwise admitted, PLAIN peers must match `plain`, CURVE peers `curve`.
 * The User-Id is the username (PLAIN) or the Z85 client key (CURVE).
 *
 * @param options The rules.
 * @returns The authenticator.
 *
 * @example
 * ```ts
 * import { createAuthenticator, curveKeyPair, z85Decode } from "zmtp-zeromq";
 * const client = curveKeyPair();
 * const auth = createAuthenticator({ deny: ["10.0.0.66"], curve: [client.publicKey] });
 * const reply = await auth({
 *   version: "1.0", domain: "", address: "127.0.0.1", routingId: new Uint8Array(0),
 *   mechanism: "CURVE", credentials: [z85Decode(client.publicKey)],
 * });
 * console.log(reply.statusCode); // "200"
 * ```
 */
export function createAuthenticator(options: AuthenticatorOptions = {}): Authenticator {
  const allow = new Set(options.allow ?? []);
  const deny = new Set(options.deny ?? []);
  const plain = options.plain === undefined
    ? undefined
    : new Map(options.plain instanceof Map ? options.plain : Object.entries(options.plain));
  const keys = options.curve;
  let curve: "any" | Map<string, Record<string, string> | undefined> | undefined;
  if (keys === "any" || keys === "*") curve = "any";
  else if (keys !== undefined) {
    curve = new Map();
    for (const k of keys) {
      const cert = typeof k === "string" || k instanceof Uint8Array ? { publicKey: k } : k;
      const key = typeof cert.publicKey === "string" ? checkZ85Key(cert.publicKey) : z85Encode(cert.publicKey);
      // The first certificate of a key wins, as in czmq's certificate store.
      if (!curve.has(key)) curve.set(key, cert.metadata);
    }
  }
  const no = (statusText: string): ZapReply => ({ statusCode: "400", statusText });
  return (req) => {
    if (options.domain !== undefined && req.domain !== options.domain) return no("Unknown domain");
    if (allow.size > 0 ? !allow.has(req.address) : deny.has(req.address)) return no("Address not allowed");
    switch (req.mechanism) {
      case "NULL":
        return { statusCode: "200", statusText: "OK" };
      case "PLAIN": {
        const [user, pass] = req.credentials.map((c) => dec.decode(c));
        const want = plain?.get(user);
        return want !== undefined && sameText(want, pass)
          ? { statusCode: "200", statusText: "OK", userId: user }
          : no("Invalid username or password");
      }
      case "CURVE": {
        if (req.credentials[0]?.length !== 32) return no("Invalid client key");
        const key = z85Encode(req.credentials[0]);
        if (curve === "any") return { statusCode: "200", statusText: "OK", userId: key };
        if (!curve?.has(key)) return no("Client key not allowed");
        const metadata = curve.get(key);
        return metadata
          ? { statusCode: "200", statusText: "OK", userId: key, metadata }
          : { statusCode: "200", statusText: "OK", userId: key };
      }
      default:
        return no("Unsupported mechanism");
    }
  };
}

function checkZ85Key(k: string): string {
  if (z85Decode(k).length !== 32) throw new TypeError("A CURVE key in Z85 must be 40 characters");
  return k;
}

// Compares without an early exit on the first difference.
function sameText(a: string, b: string | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
