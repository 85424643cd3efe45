// ZMTP 3.x greeting (RFC 23 §"Version Negotiation", RFC 37).
//
//   greeting  = signature version mechanism as-server filler
//   signature = %xFF padding %x7F          ; padding is 8 octets, ignored
//   version   = version-major version-minor
//   mechanism = 20OCTET                    ; NUL-padded ASCII name
//   as-server = %x00 | %x01
//   filler    = 31%x00

import { HandshakeError } from "../errors.ts";
import { latin1 } from "../bytes.ts";

/** Length of the signature part, sent before anything else. */
export const SIGNATURE_SIZE = 10;
/** Full greeting length. */
export const GREETING_SIZE = 64;

/** What the peer's greeting told us. */
export interface PeerGreeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
  /**
   * A ZMTP 1.0 or 2.0 peer (major 1 or 2): no security handshake follows,
   * its greeting carried what READY would. `socketType` is null for ZMTP 1.0,
   * which has none.
   */
  legacy?: { socketType: string | null; identity: Uint8Array };
}

/**
 * The ZMTP 2.0 socket type octets (RFC 15), by value: the types that existed
 * before ZMTP 3.
 */
export const LEGACY_SOCKET_TYPES: readonly string[] = [
  "PAIR",
  "PUB",
  "SUB",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "PULL",
  "PUSH",
  "XPUB",
  "XSUB",
];

/**
 * The 10-byte signature. Its padding is what a ZMTP 1.0 peer reads as the
 * 8-octet length of our identity frame (identity + flags octet), and byte 9
 * as that frame's flags, as libzmq writes it; any padding is valid ZMTP 3.
 */
export function encodeSignature(identityLength = 0): Uint8Array {
  const b = new Uint8Array(SIGNATURE_SIZE);
  b[0] = 0xff;
  // An identity is at most 255 octets: the length fits in the last two.
  b[7] = (identityLength + 1) >> 8;
  b[8] = (identityLength + 1) & 0xff;
  b[9] = 0x7f;
  return b;
}

/** The 54 bytes after the signature: version 3.1, mechanism, as-server, filler. */
export function encodeGreetingRest(mechanism: string, asServer: boolean): Uint8Array {
  const b = new Uint8Array(GREETING_SIZE - SIGNATURE_SIZE);
  b[0] = 3;
  b[1] = 1;
  for (let i = 0; i < mechanism.length && i < 20; i++) b[2 + i] = mechanism.charCodeAt(i);
  b[22] = asServer ? 1 : 0;
  return b;
}

/**
 * True when the first 10 bytes are a ZMTP 2.0+ signature. Only byte 0 and
 * the low bit of byte 9 are meaningful; the padding in between is ignored
 * (libzmq puts a length there). Anything else is a ZMTP 1.0 peer's first
 * frame, its identity (RFC 13), as libzmq reads it.
 */
export function isSignature(b: Uint8Array): boolean {
  return b[0] === 0xff && (b[9] & 1) === 1;
}

/** Parses a complete 64-byte greeting (signature already checked). */
export function parseGreeting(b: Uint8Array): PeerGreeting {
  const major = b[10], minor = b[11];
  if (major < 3) throw new HandshakeError(`unsupported ZMTP version ${major}.${minor}`);
  let end = 12;
  while (end < 32 && b[end] !== 0) end++;
  const mechanism = latin1(b, 12, end);
  return { major, minor, mechanism, asServer: b[32] === 1 };
}
