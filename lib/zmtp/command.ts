// ZMTP commands (RFC 23 §"Commands", RFC 37).
//
//   command-body = command-name command-data
//   command-name = OCTET 1*255command-name-char   ; length-prefixed
//   ready        = command-name ("READY") metadata
//   metadata     = *property
//   property     = name value
//   name         = OCTET 1*255name-char
//   value        = 4OCTET *OCTET                  ; 4-octet length, network order
//   error        = command-name ("ERROR") reason  ; reason = OCTET 0*255VCHAR
//   ping         = command-name ("PING") ping-ttl ping-context  ; 2 octets, 0..16 octets
//   pong         = command-name ("PONG") ping-context
//   subscribe    = command-name ("SUBSCRIBE") topic  ; ZMTP 3.1
//   cancel       = command-name ("CANCEL") topic     ; ZMTP 3.1

import { ProtocolError } from "../errors.ts";
import { latin1 } from "../bytes.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A parsed command: its name and the bytes after the name. */
export interface Command {
  name: string;
  data: Uint8Array;
}

/** Encodes a command body (without the frame header). */
export function encodeCommand(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(1 + name.length + data.length);
  out[0] = name.length;
  for (let i = 0; i < name.length; i++) out[1 + i] = name.charCodeAt(i);
  out.set(data, 1 + name.length);
  return out;
}

/** Parses a command body. */
export function parseCommand(body: Uint8Array): Command {
  if (body.length < 1 || body[0] === 0 || body.length < 1 + body[0]) {
    throw new ProtocolError("malformed command frame");
  }
  const n = body[0];
  return { name: latin1(body, 1, 1 + n), data: body.subarray(1 + n) };
}

/** True when the command body's name equals `name` (no allocation). */
export function isCommand(body: Uint8Array, name: string): boolean {
  if (body.length < 1 + name.length || body[0] !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    if (body[1 + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** Encodes metadata properties (names are ASCII, values raw bytes). */
export function encodeMetadata(props: Iterable<[string, Uint8Array | string]>): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [name, v] of props) {
    const value = typeof v === "string" ? enc.encode(v) : v;
    const p = new Uint8Array(1 + name.length + 4 + value.length);
    p[0] = name.length;
    for (let i = 0; i < name.length; i++) p[1 + i] = name.charCodeAt(i);
    new DataView(p.buffer).setUint32(1 + name.length, value.length);
    p.set(value, 5 + name.length);
    parts.push(p);
    total += p.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parses metadata. Property names are case-insensitive (RFC 37), so keys
 * are returned as written but lookups should use {@link getProperty}.
 */
export function parseMetadata(data: Uint8Array): Map<string, Uint8Array> {
  const props = new Map<string, Uint8Array>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos < data.length) {
    const n = data[pos];
    if (n === 0 || pos + 1 + n + 4 > data.length) {
      throw new ProtocolError("malformed metadata in handshake command");
    }
    const name = latin1(data, pos + 1, pos + 1 + n);
    pos += 1 + n;
    const len = view.getUint32(pos);
    pos += 4;
    if (pos + len > data.length) throw new ProtocolError("malformed metadata value");
    props.set(name, data.subarray(pos, pos + len));
    pos += len;
  }
  return props;
}

/** Case-insensitive property lookup. */
export function getProperty(props: Map<string, Uint8Array>, name: string): Uint8Array | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of props) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** READY command with the given properties. */
export function encodeReady(props: Iterable<[string, Uint8Array | string]>): Uint8Array {
  return encodeCommand("READY", encodeMetadata(props));
}

/** ERROR command; the reason is cut to 255 bytes. */
export function encodeError(reason: string): Uint8Array {
  const r = enc.encode(reason).subarray(0, 255);
  const data = new Uint8Array(1 + r.length);
  data[0] = r.length;
  data.set(r, 1);
  return encodeCommand("ERROR", data);
}

/** Reason text of an ERROR command's data. */
export function parseErrorReason(data: Uint8Array): string {
  if (data.length < 1) return "";
  return dec.decode(data.subarray(1, 1 + data[0]));
}

/** PING with a TTL in deciseconds and an optional context (≤ 16 bytes). */
export function encodePing(ttlDeciseconds: number, context: Uint8Array = new Uint8Array(0)): Uint8Array {
  const data = new Uint8Array(2 + Math.min(16, context.length));
  data[0] = ttlDeciseconds >>> 8 & 0xff;
  data[1] = ttlDeciseconds & 0xff;
  data.set(context.subarray(0, 16), 2);
  return encodeCommand("PING", data);
}

/** PONG echoing the PING's context. */
export function encodePong(pingData: Uint8Array): Uint8Array {
  return encodeCommand("PONG", pingData.subarray(2, 18));
}
