// ZWS 2.0, ZeroMQ over WebSocket (RFC 45), as libzmq's ws transport speaks
// it: the subprotocols, and the mechanism of the bare one. The framing
// itself is lib/zmtp/zws_framer.ts.
//
//   Sec-WebSocket-Protocol: ZWS2.0/NULL | ZWS2.0/PLAIN | ZWS2.0/CURVE | ZWS2.0
//
// With ZWS2.0/<mechanism> the mechanism's handshake commands travel as
// COMMAND frames, as over TCP. With the bare "ZWS2.0" (no mechanism) each
// side's first frame is its routing id (maybe empty) and there is no
// metadata at all: {@link BareMechanism}. Subscriptions travel as ZMTP
// 3.0-style messages (a 0x01/0x00 byte before the topic), which is what
// libzmq's ws encoder writes.
//
// Standard WebSocket clients (browsers, and Deno's, Bun's and the `ws`
// package's WebSocket) refuse subprotocol names with a "/" (not an RFC 6455
// token), so in browsers we offer only "ZWS2.0"; on Deno, Bun and Node our
// own client offers all four, as libzmq's client does; servers take all four.

import { COMPATIBLE } from "./compatibility.ts";
import { HandshakeError, ProtocolError } from "./errors.ts";
import type { FramerContext, FramerHandler } from "./zmtp/framer.ts";
import type { HandshakeStep, Mechanism } from "./zmtp/mechanism.ts";
import { NullMechanism } from "./zmtp/mechanisms/null.ts";
import { ZwsFramer } from "./zmtp/zws_framer.ts";

/** The subprotocol without a mechanism: routing ids, no handshake. */
export const ZWS_BARE = "ZWS2.0";
const PREFIX = "ZWS2.0/";
const MECHANISMS = ["NULL", "PLAIN", "CURVE"];

/** What our clients offer on Deno, Bun and Node: every mechanism, then the bare protocol. */
export const CLIENT_PROTOCOLS: readonly string[] = [...MECHANISMS.map((m) => PREFIX + m), ZWS_BARE];

/** What a standard WebSocket (browsers) can offer: "/" is not allowed in a subprotocol token. */
export const WEB_CLIENT_PROTOCOLS: readonly string[] = [ZWS_BARE];

/**
 * What a ZWS 2.0 subprotocol means.
 *
 * @param protocol A negotiated subprotocol.
 * @returns The mechanism (NULL for the bare protocol) and whether it is the
 * bare one; undefined for anything that is not ZWS 2.0.
 * @example
 * ```ts
 * import { parseProtocol } from "./zws.ts";
 * parseProtocol("ZWS2.0/PLAIN"); // { mechanism: "PLAIN", bare: false }
 * parseProtocol("chat"); // undefined
 * ```
 */
export function parseProtocol(protocol: string): { mechanism: string; bare: boolean } | undefined {
  if (protocol === ZWS_BARE) return { mechanism: "NULL", bare: true };
  if (!protocol.startsWith(PREFIX)) return undefined;
  const mechanism = protocol.slice(PREFIX.length);
  return MECHANISMS.includes(mechanism) ? { mechanism, bare: false } : undefined;
}

/**
 * Splits a `Sec-WebSocket-Protocol` request header (a comma-separated list,
 * possibly repeated) into its entries.
 *
 * @param header The header value, or null when absent.
 * @returns The offered subprotocols, in the client's order.
 */
export function parseProtocols(header: string | null | undefined): string[] {
  if (!header) return [];
  return header.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * Picks the subprotocol a server answers with, as libzmq does: the one
 * naming the server's mechanism, else the bare "ZWS2.0" for a NULL server.
 *
 * @param offered The client's subprotocols.
 * @param mechanism The server socket's mechanism, when known; without it,
 * the client's first ZWS 2.0 subprotocol.
 * @returns The subprotocol, or undefined when there is none to pick.
 * @example
 * ```ts
 * import { selectProtocol } from "./zws.ts";
 * selectProtocol(["ZWS2.0/NULL", "ZWS2.0"], "NULL"); // "ZWS2.0/NULL"
 * selectProtocol(["ZWS2.0"], "NULL"); // "ZWS2.0"
 * selectProtocol(["ZWS2.0"], "CURVE"); // undefined
 * ```
 */
export function selectProtocol(offered: readonly string[], mechanism?: string): string | undefined {
  if (mechanism === undefined) return offered.find((p) => parseProtocol(p) !== undefined);
  const named = PREFIX + mechanism;
  if (MECHANISMS.includes(mechanism) && offered.includes(named)) return named;
  if (mechanism === "NULL" && offered.includes(ZWS_BARE)) return ZWS_BARE;
  return undefined;
}

/**
 * The framer of a ZWS 2.0 connection.
 *
 * @param handler The engine's side of the framer.
 * @param ctx Our mechanism and role, and the size limit.
 * @param protocol The subprotocol agreed, or null when there is none (the
 * framer then waits: the connection is being refused).
 * @param ping Sends a WebSocket ping; false when the WebSocket cannot.
 * @returns The framer.
 */
export function zwsFramer(
  handler: FramerHandler,
  ctx: FramerContext,
  protocol: string | null,
  ping?: () => boolean,
): ZwsFramer {
  const p = protocol === null ? undefined : parseProtocol(protocol);
  return new ZwsFramer(handler, ctx, {
    mechanism: p?.mechanism ?? null,
    // The subprotocol carries no role: the peer takes the other one, so a
    // mechanism other than ours fails the handshake, as over TCP.
    peerAsServer: p !== undefined && p.mechanism !== "NULL" && !ctx.asServer,
    ping,
    replace: p?.bare ? (own) => new BareMechanism(own) : undefined,
  });
}

const EMPTY = new Uint8Array(0);
const latin1Bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * The bare "ZWS2.0" handshake, in place of NULL's READY exchange: each side
 * sends its routing id (maybe empty) as its first frame, a plain message
 * frame. There is no metadata, so the peer's socket type is taken to be the
 * first type ours accepts (the peer got no type from us either). Like
 * libzmq, it runs no ZAP: a socket whose NULL asks ZAP refuses it.
 */
export class BareMechanism implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  readonly handshakeFlags = 0;
  #own: Mechanism;

  /** @param own The socket's mechanism, whose context it takes (NULL without ZAP). */
  constructor(own: Mechanism) {
    this.#own = own;
  }

  start(): HandshakeStep {
    const own = this.#own;
    if (!(own instanceof NullMechanism)) {
      throw new HandshakeError("ZWS2.0 without a mechanism runs no ZAP; this socket's zapDomain asks for it");
    }
    return { send: [own.context.identity ?? EMPTY] };
  }

  receive(body: Uint8Array, flags: number): HandshakeStep {
    if (flags !== 0) throw new ProtocolError("ZWS2.0: the first frame must be a routing id");
    const ours = (this.#own as NullMechanism).context.socketType;
    const peerType = COMPATIBLE[ours]?.[0];
    if (peerType === undefined) throw new ProtocolError(`no peer socket type for ${ours}`);
    const properties = new Map<string, Uint8Array>([["Socket-Type", latin1Bytes(peerType)]]);
    if (body.length > 0) properties.set("Identity", body.slice());
    return { send: [], done: { properties } };
  }
}
