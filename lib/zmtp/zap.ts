// The ZAP step of a security handshake (RFC 27), as the mechanisms see it:
// what an authenticator is asked and answers, the check bound to one
// connection, and the handshake steps for a refusal or an admission. Pure:
// who answers (a function, a handler socket) is decided above the codec.

import { authError, type AuthStatus, HandshakeError } from "../errors.ts";
import { parseErrorReason } from "./command.ts";
import type { FrameCodec, HandshakeDone, HandshakeStep } from "./mechanism.ts";

/**
 * RFC 27 status codes: 200 admit, 300 temporary failure, 400 refuse, 500 internal error.
 *
 * @example
 * ```ts
 * import type { ZapStatusCode } from "zmtp-zeromq";
 * const code: ZapStatusCode = "400";
 * ```
 */
export type ZapStatusCode = "200" | "300" | "400" | "500";

/**
 * What an authenticator is asked (RFC 27 §"Request").
 *
 * @example
 * ```ts
 * import type { ZapRequest } from "zmtp-zeromq";
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
 * import type { ZapReply } from "zmtp-zeromq";
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
 * import type { Authenticator } from "zmtp-zeromq";
 * const onlyLocal: Authenticator = (req) =>
 *   req.address === "127.0.0.1" ? { statusCode: "200", userId: "local" } : { statusCode: "400", statusText: "Not local" };
 * ```
 */
export type Authenticator = (request: ZapRequest) => ZapReply | Promise<ZapReply>;

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
 * import { zapCheck } from "./zap.ts";
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
 * import { zapRefused } from "./zap.ts";
 * console.log(zapRefused({ statusCode: "400", statusText: "", userId: "", metadata: new Map() }).error); // "400"
 * ```
 */
export function zapRefused(o: ZapOutcome): HandshakeStep {
  if (o.statusCode === "300") {
    throw authError(`ZAP authentication failed temporarily (300${o.statusText ? ` ${o.statusText}` : ""})`, 300);
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
 * import { zapDone } from "./zap.ts";
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
 * import { peerRefused } from "./zap.ts";
 * try {
 *   peerRefused(new Uint8Array([5, 69, 82, 82, 79, 82, 3, 52, 48, 48])); // ERROR "400"
 * } catch (e) {
 *   console.log((e as Error).message); // "server refused authentication (ZAP status 400)"
 * }
 * ```
 */
export function peerRefused(body: Uint8Array): never {
  const reason = parseErrorReason(body.subarray(6));
  if (/^[345]00$/.test(reason)) {
    throw authError(`server refused authentication (ZAP status ${reason})`, Number(reason) as AuthStatus);
  }
  throw new HandshakeError(`peer sent ERROR: ${reason}`);
}
