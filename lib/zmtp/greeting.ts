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
}

/**
 * The 10-byte signature. libzmq writes a padding of 00..00 01 (the ZMTP 1.0
 * length of an identity frame); any padding is valid, so we mirror it.
 */
export function encodeSignature(): Uint8Array {
  const b = new Uint8Array(SIGNATURE_SIZE);
  b[0] = 0xff;
  b[8] = 0x01;
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
 * Checks the first 10 bytes. Only byte 0 and the low bit of byte 9 are
 * meaningful; the padding in between is ignored (libzmq puts 0x01 there).
 */
export function checkSignature(b: Uint8Array): void {
  if (b[0] !== 0xff || (b[9] & 1) !== 1) {
    throw new HandshakeError("invalid ZMTP signature");
  }
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
