/**
 * ZAP, the ZeroMQ Authentication Protocol (RFC 27/ZAP): a server-side socket
 * asks an authenticator whether to admit each peer, with the peer's address
 * and credentials (PLAIN's username and password, CURVE's public key). Here
 * an authenticator is a function, registered per socket (the `authenticator`
 * option) or per {@link Context} ({@link setAuthenticator}).
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { Dealer } from "./sockets/dealer.ts";
import { HandshakeError } from "./errors.ts";
import { parseErrorReason, parseMetadata } from "./zmtp/command.ts";
import type { FrameCodec, HandshakeDone, HandshakeStep } from "./zmtp/mechanism.ts";
import { z85Decode, z85Encode } from "./z85.ts";

/**
 * RFC 27 status codes: 200 admit, 300 temporary failure, 400 refuse, 500 internal error.
 *
 * @example
 * ```ts
 * import type { ZapStatusCode } from "./mod.ts";
 * const code: ZapStatusCode = "400";
 * ```
 */
export type ZapStatusCode = "200" | "300" | "400" | "500";

/**
 * What an authenticator is asked (RFC 27 §"Request").
 *
 * @example
 * ```ts
 * import type { ZapRequest } from "./mod.ts";
 * const who = (req: ZapRequest) => `${req.mechanism} client at ${req.address}`;
 * ```
 */
export interface ZapRequest {
  /** Protocol version, "1.0". */
  readonly version: "1.0";
  /** The server socket's `zapDomain` ("" when unset). */
  readonly domain: string;
  /** The peer's IP address (no port), as libzmq reports it. */
  readonly address: string;
  /** The server socket's own routing id (libzmq sends this), may be empty. */
  readonly routingId: Uint8Array;
  /** The security mechanism. */
  readonly mechanism: "NULL" | "PLAIN" | "CURVE";
  /** PLAIN: [username, password]; CURVE: [client public key, 32 bytes]; NULL: []. */
  readonly credentials: Uint8Array[];
}

/**
 * An authenticator's answer (RFC 27 §"Reply").
 *
 * @example
 * ```ts
 * import type { ZapReply } from "./mod.ts";
 * const ok: ZapReply = { statusCode: "200", userId: "ann", metadata: { "X-Role": "admin" } };
 * ```
 */
export interface ZapReply {
  /** "200" admits the peer; anything else refuses it. */
  statusCode: ZapStatusCode;
  /** Human-readable reason. */
  statusText?: string;
  /** The authenticated user, exposed as the "User-Id" property. */
  userId?: string;
  /** Extra properties attached to the peer (RFC 27 metadata). */
  metadata?: Record<string, string | Uint8Array> | Map<string, string | Uint8Array>;
}

/**
 * Decides whether to admit a peer. May be async. Throwing counts as a "500"
 * reply.
 *
 * @example
 * ```ts
 * import type { Authenticator } from "./mod.ts";
 * const onlyLocal: Authenticator = (req) =>
 *   req.address === "127.0.0.1" ? { statusCode: "200", userId: "local" } : { statusCode: "400", statusText: "Not local" };
 * ```
 */
export type Authenticator = (request: ZapRequest) => ZapReply | Promise<ZapReply>;

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
 * import { createAuthenticator, Reply, setAuthenticator } from "./mod.ts";
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
 * import { Context, getAuthenticator } from "./mod.ts";
 * console.log(getAuthenticator(new Context())); // undefined
 * ```
 */
export function getAuthenticator(context: Context): Authenticator | undefined {
  return registry.get(context);
}

// -- libzmq's way: a ZAP handler socket ----------------------------------------

const ZAP_NAME = "zeromq.zap.01";
const dec = new TextDecoder();
const socketClients = new WeakMap<Context, Authenticator>();

/**
 * The authenticator that forwards to a ZAP handler socket bound on
 * `inproc://zeromq.zap.01` in the context, as libzmq (and so zeromq.js)
 * programs install one: RFC 27 requests over a DEALER, replies matched by
 * request id. Used when neither the socket nor the context has a function.
 *
 * @param context The context to look in.
 * @returns The authenticator, or undefined when nothing is bound there.
 *
 * @example
 * ```ts
 * import { Context } from "./mod.ts";
 * import { handlerSocketAuthenticator } from "./lib/zap.ts";
 * console.log(handlerSocketAuthenticator(new Context())); // undefined
 * ```
 */
export function handlerSocketAuthenticator(context: Context): Authenticator | undefined {
  if (context.inproc.lookup(ZAP_NAME) === undefined) return undefined;
  let auth = socketClients.get(context);
  if (auth === undefined) socketClients.set(context, auth = zapSocketClient(context));
  return auth;
}

function zapSocketClient(context: Context): Authenticator {
  const pending = new Map<string, (r: ZapReply) => void>();
  let next = 0;
  // Imported when first needed: a static import would close a module cycle
  // (security.ts -> zap.ts -> dealer.ts -> socket_base.ts -> security.ts).
  const dealer: Promise<Dealer> = import("./sockets/dealer.ts").then(({ Dealer }) => {
    const d = new Dealer({ context, linger: 0 });
    d.connect(`inproc://${ZAP_NAME}`);
    (async () => {
      for await (const [, , id, status, text, userId, metadata] of d) {
        const key = id ? dec.decode(id) : "";
        const resolve = pending.get(key);
        if (resolve === undefined) continue;
        pending.delete(key);
        let md: Map<string, Uint8Array>;
        try {
          md = parseMetadata(metadata ?? new Uint8Array(0));
        } catch {
          resolve({ statusCode: "500", statusText: "ZAP handler sent malformed metadata" });
          continue;
        }
        resolve({
          statusCode: (status ? dec.decode(status) : "") as ZapStatusCode,
          statusText: text ? dec.decode(text) : "",
          userId: userId ? dec.decode(userId) : "",
          metadata: md,
        });
      }
    })().catch(() => {});
    return d;
  });
  return async (req) => {
    const d = await dealer;
    const id = String(++next);
    const reply = new Promise<ZapReply>((resolve) => pending.set(id, resolve));
    await d.send(["", "1.0", id, req.domain, req.address, req.routingId, req.mechanism, ...req.credentials]);
    return reply;
  };
}

// -- what the mechanisms use -------------------------------------------------

/** A checked ZAP reply. */
export interface ZapOutcome {
  readonly statusCode: ZapStatusCode;
  readonly statusText: string;
  readonly userId: string;
  readonly metadata: Map<string, Uint8Array>;
}

/** Asks ZAP about one peer: the mechanism supplies its name and credentials. */
export type ZapCheck = (mechanism: ZapRequest["mechanism"], credentials: Uint8Array[]) => Promise<ZapOutcome>;

const enc = new TextEncoder();
const STATUS = new Set(["200", "300", "400", "500"]);

/**
 * Binds an authenticator to one connection's request fields.
 *
 * @param auth The authenticator.
 * @param fields Domain, the peer's transport address ("ip:port"), our routing id.
 * @returns The check a mechanism calls.
 *
 * @example
 * ```ts
 * import { zapCheck } from "./lib/zap.ts";
 * const check = zapCheck(() => ({ statusCode: "200" }), { domain: "", peerAddress: "127.0.0.1:4000", routingId: new Uint8Array(0) });
 * console.log((await check("NULL", [])).statusCode); // "200"
 * ```
 */
export function zapCheck(
  auth: Authenticator,
  fields: { domain: string; peerAddress: string; routingId: Uint8Array },
): ZapCheck {
  const address = ipOf(fields.peerAddress);
  return async (mechanism, credentials) => {
    let reply: ZapReply;
    try {
      reply = await auth({
        version: "1.0",
        domain: fields.domain,
        address,
        routingId: fields.routingId,
        mechanism,
        credentials,
      });
    } catch (e) {
      return outcome("500", `authenticator threw: ${(e as Error)?.message ?? e}`);
    }
    if (reply === null || typeof reply !== "object" || !STATUS.has(reply.statusCode)) {
      return outcome("500", "authenticator returned an invalid reply");
    }
    const metadata = new Map<string, Uint8Array>();
    const md = reply.metadata;
    if (md) {
      for (const [k, v] of md instanceof Map ? md : Object.entries(md)) {
        metadata.set(k, typeof v === "string" ? enc.encode(v) : v);
      }
    }
    return { statusCode: reply.statusCode, statusText: reply.statusText ?? "", userId: reply.userId ?? "", metadata };
  };
}

function outcome(statusCode: ZapStatusCode, statusText: string): ZapOutcome {
  return { statusCode, statusText, userId: "", metadata: new Map() };
}

// "1.2.3.4:5555" -> "1.2.3.4", "::1:5555" -> "::1", "[::1]:5555" -> "::1";
// IPv4-mapped IPv6 addresses as plain IPv4, like libzmq on an IPv4 socket.
function ipOf(peer: string): string {
  const colon = peer.lastIndexOf(":");
  let ip = colon > 0 && /^\d+$/.test(peer.slice(colon + 1)) ? peer.slice(0, colon) : peer;
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * The handshake step for a refusal. 300 closes without an ERROR (RFC 27: try
 * again later); 400 and 500 send ERROR with the bare status code, which is
 * what libzmq sends and what its clients recognise as an authentication
 * failure.
 *
 * @param o The ZAP outcome (not 200).
 * @returns The step that sends ERROR.
 * @throws {HandshakeError} For 300.
 *
 * @example
 * ```ts
 * import { zapRefused } from "./lib/zap.ts";
 * console.log(zapRefused({ statusCode: "400", statusText: "", userId: "", metadata: new Map() }).error); // "400"
 * ```
 */
export function zapRefused(o: ZapOutcome): HandshakeStep {
  if (o.statusCode === "300") {
    throw new HandshakeError(`ZAP authentication failed temporarily (300${o.statusText ? ` ${o.statusText}` : ""})`);
  }
  return { send: [], error: o.statusCode };
}

/**
 * The handshake outcome with ZAP's User-Id and metadata merged into the
 * peer's properties (as libzmq merges them into message metadata). The
 * peer's own ZMTP properties win on a clash, so ZAP cannot change its
 * Socket-Type or Identity.
 *
 * @param properties The peer's handshake metadata.
 * @param zap The ZAP outcome, when ZAP was asked.
 * @param codec The frame codec, for CURVE.
 * @returns What the mechanism reports as done.
 *
 * @example
 * ```ts
 * import { zapDone } from "./lib/zap.ts";
 * const done = zapDone(new Map(), { statusCode: "200", statusText: "", userId: "ann", metadata: new Map() });
 * console.log(done.userId); // "ann"
 * ```
 */
export function zapDone(
  properties: Map<string, Uint8Array>,
  zap: ZapOutcome | undefined,
  codec?: FrameCodec,
): HandshakeDone {
  if (zap === undefined) return codec ? { properties, codec } : { properties };
  const merged = new Map<string, Uint8Array>();
  if (zap.userId !== "") merged.set("User-Id", enc.encode(zap.userId));
  for (const [k, v] of zap.metadata) merged.set(k, v);
  for (const [k, v] of properties) {
    for (const m of merged.keys()) if (m.toLowerCase() === k.toLowerCase()) merged.delete(m);
    merged.set(k, v);
  }
  const done = { properties: merged, userId: zap.userId, zapProperties: zap.metadata };
  return codec ? { ...done, codec } : done;
}

/**
 * The peer answered our handshake with ERROR (`body` is the whole command). A
 * bare ZAP status code means its authenticator refused us. Thrown rather than
 * answered, as libzmq does.
 *
 * @param body The ERROR command body.
 * @throws {HandshakeError} Always.
 *
 * @example
 * ```ts
 * import { peerRefused } from "./lib/zap.ts";
 * try {
 *   peerRefused(new Uint8Array([5, 69, 82, 82, 79, 82, 3, 52, 48, 48])); // ERROR "400"
 * } catch (e) {
 *   console.log((e as Error).message); // "server refused authentication (ZAP status 400)"
 * }
 * ```
 */
export function peerRefused(body: Uint8Array): never {
  const reason = parseErrorReason(body.subarray(6));
  if (/^[345]00$/.test(reason)) throw new HandshakeError(`server refused authentication (ZAP status ${reason})`);
  throw new HandshakeError(`peer sent ERROR: ${reason}`);
}

// -- a ready-made authenticator ------------------------------------------------

/**
 * Rules for {@link createAuthenticator}, in the spirit of czmq's zauth.
 *
 * @example
 * ```ts
 * import type { AuthenticatorOptions } from "./mod.ts";
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
  /** CURVE: "any" admits every client key; else the allowed keys (Z85 or 32 bytes). Without it every CURVE client is refused. */
  curve?: "any" | Iterable<string | Uint8Array>;
  /** Apply only to this ZAP domain; other domains are refused. Default: any domain. */
  domain?: string;
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
 * import { createAuthenticator, curveKeyPair, z85Decode } from "./mod.ts";
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
  let curve: "any" | Set<string> | undefined;
  if (keys === "any") curve = "any";
  else if (keys !== undefined) {
    curve = new Set([...keys].map((k) => typeof k === "string" ? checkZ85Key(k) : z85Encode(k)));
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
        return curve === "any" || curve?.has(key)
          ? { statusCode: "200", statusText: "OK", userId: key }
          : no("Client key not allowed");
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
