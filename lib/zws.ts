// ZWS 2.0, ZeroMQ over WebSocket (RFC 45), as libzmq's ws transport speaks it.
//
//   Sec-WebSocket-Protocol: ZWS2.0/NULL | ZWS2.0/PLAIN | ZWS2.0/CURVE | ZWS2.0
//   zws-frame = flags body        ; one binary WebSocket message per frame
//   flags: bit 0 MORE, bit 1 COMMAND; bits 2-7 reserved (zero)
//
// There is no ZMTP greeting. With ZWS2.0/<mechanism> the mechanism's
// handshake commands travel as COMMAND frames, as over TCP. With the bare
// "ZWS2.0" (no mechanism) each side's first frame is its routing id (maybe
// empty) and there is no metadata at all. Subscriptions travel as ZMTP
// 3.0-style messages (a 0x01/0x00 byte before the topic), which is what
// libzmq's ws encoder writes.
//
// Standard WebSocket clients (browsers, and Deno's, Bun's and the `ws`
// package's WebSocket) refuse subprotocol names with a "/" (not an RFC 6455
// token), so in browsers we offer only "ZWS2.0"; on Deno, Bun and Node our
// own client offers all four, as libzmq's client does; servers take all four.
//
// The ws transport runs the unchanged ZMTP engine: it hands the engine a
// synthesized peer greeting and translates frames between the two framings;
// for the bare protocol it also trades READY for the routing-id frame.

import { COMPATIBLE } from "./compatibility.ts";
import { ProtocolError } from "./errors.ts";
import { encodeReady, getProperty, isCommand, parseMetadata } from "./zmtp/command.ts";
import { COMMAND, headerSize, MORE, writeHeader } from "./zmtp/frame.ts";
import { encodeGreetingRest, encodeSignature, GREETING_SIZE, parseGreeting, SIGNATURE_SIZE } from "./zmtp/greeting.ts";
import { latin1 } from "./bytes.ts";

/** ZWS flag: another frame of the same message follows. */
export const ZWS_MORE = 0x01;
/** ZWS flag: the frame is a command. */
export const ZWS_COMMAND = 0x02;

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
 * import { parseProtocol } from "./lib/zws.ts";
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
 * import { selectProtocol } from "./lib/zws.ts";
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
 * The 64-byte ZMTP greeting the engine would have received from a peer
 * using `mechanism`. Version 3.0, so the engine sends subscriptions as
 * 0x01/0x00-prefixed messages, as ZWS does.
 *
 * @param mechanism The negotiated mechanism.
 * @param asServer The peer's as-server bit.
 * @returns The greeting bytes.
 */
export function peerGreeting(mechanism: string, asServer: boolean): Uint8Array {
  const out = new Uint8Array(GREETING_SIZE);
  out.set(encodeSignature(), 0);
  const rest = encodeGreetingRest(mechanism, asServer);
  rest[1] = 0; // minor version
  out.set(rest, SIGNATURE_SIZE);
  return out;
}

/** What an engine's own greeting says (bytes 12-31 mechanism, 32 as-server). */
export function readGreeting(greeting: Uint8Array): { mechanism: string; asServer: boolean } {
  const { mechanism, asServer } = parseGreeting(greeting);
  return { mechanism, asServer };
}

/**
 * Encodes one frame as a ZWS message: the flags byte, then the body (a copy).
 *
 * @param zmtpFlags The frame's ZMTP flags (MORE, COMMAND; LONG is ignored).
 * @param body The frame body.
 * @returns The WebSocket message payload.
 * @example
 * ```ts
 * import { encodeZws } from "./lib/zws.ts";
 * encodeZws(0x01, new Uint8Array([7])); // Uint8Array [1, 7]
 * ```
 */
export function encodeZws(zmtpFlags: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = (zmtpFlags & MORE ? ZWS_MORE : 0) | (zmtpFlags & COMMAND ? ZWS_COMMAND : 0);
  out.set(body, 1);
  return out;
}

/**
 * Decodes one ZWS message into the ZMTP frame header for its body; the body
 * is `message.subarray(1)`, so the caller can pass header and body on
 * without copying the body.
 *
 * @param message A binary WebSocket message.
 * @returns The ZMTP header (flags and size) for the same frame.
 * @throws {ProtocolError} On an empty message or reserved flag bits.
 * @example
 * ```ts
 * import { zmtpHeader } from "./lib/zws.ts";
 * zmtpHeader(new Uint8Array([2, 0x05])); // Uint8Array [4, 1]: a 1-byte command
 * ```
 */
export function zmtpHeader(message: Uint8Array): Uint8Array {
  if (message.length === 0) throw new ProtocolError("empty ZWS frame (no flags byte)");
  const flags = message[0];
  if ((flags & ~(ZWS_MORE | ZWS_COMMAND)) !== 0) {
    throw new ProtocolError(`ZWS frame with reserved flag bits set (0x${flags.toString(16).padStart(2, "0")})`);
  }
  const size = message.length - 1;
  const out = new Uint8Array(headerSize(size));
  writeHeader(out, 0, (flags & ZWS_MORE ? MORE : 0) | (flags & ZWS_COMMAND ? COMMAND : 0), size);
  return out;
}

/**
 * For the bare "ZWS2.0": what our engine's READY command says, which goes
 * out as the routing-id frame.
 *
 * @param command A command body written by the engine during the handshake.
 * @returns Our socket type and routing id, or undefined if it is not READY.
 */
export function readReady(command: Uint8Array): { socketType: string; identity: Uint8Array } | undefined {
  if (!isCommand(command, "READY")) return undefined;
  const props = parseMetadata(command.subarray(6));
  const type = getProperty(props, "Socket-Type") ?? new Uint8Array(0);
  return {
    socketType: latin1(type),
    identity: getProperty(props, "Identity") ?? new Uint8Array(0),
  };
}

/**
 * For the bare "ZWS2.0": the READY the engine gets in place of the peer's
 * routing-id frame. The peer's socket type is unknown on this protocol, so
 * it is the first type ours accepts (the peer got no type from us either).
 *
 * @param ourType Our socket type.
 * @param routingId The routing id the peer sent (may be empty).
 * @returns A READY command body.
 * @throws {ProtocolError} For a socket type with no counterpart.
 */
export function bareReady(ourType: string, routingId: Uint8Array): Uint8Array {
  const peerType = COMPATIBLE[ourType]?.[0];
  if (peerType === undefined) throw new ProtocolError(`no peer socket type for ${ourType}`);
  const props: [string, Uint8Array | string][] = [["Socket-Type", peerType]];
  if (routingId.length > 0) props.push(["Identity", routingId]);
  return encodeReady(props);
}
