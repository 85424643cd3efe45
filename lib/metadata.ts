// Per-message metadata (libzmq's zmq_msg_gets): what the peer announced in
// its handshake (Socket-Type, Identity, its ZMQ_METADATA "X-" properties),
// what ZAP said of it (User-Id and the reply's metadata) and the
// connection's Peer-Address. One object per connection, made at the
// handshake; a message received with receive({ metadata: true }) carries a
// reference to it under a symbol. Only when asked: a symbol property on an
// array costs an allocation per message, which the normal path must not pay.

import { invalidArgument } from "./errors.ts";

/**
 * A received message's metadata: property names to values (UTF-8 text, as
 * zmq_msg_gets gives C strings). `get()` and `has()` also find a name
 * written in another case, since property names are case-insensitive
 * (RFC 37); iteration gives the names as the peer wrote them.
 *
 * @example
 * ```ts
 * import { Metadata } from "zmtp-zeromq";
 * const m = new Metadata([["Socket-Type", "DEALER"]]);
 * console.log(m.get("socket-type")); // "DEALER"
 * ```
 */
export class Metadata extends Map<string, string> {
  /** The value of `name`, in any case; undefined when the peer sent none. */
  override get(name: string): string | undefined {
    const v = super.get(name);
    if (v !== undefined) return v;
    const want = name.toLowerCase();
    for (const [k, value] of this) if (k.toLowerCase() === want) return value;
    return undefined;
  }

  /** True when the peer sent `name`, in any case. */
  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** The key of a received message's metadata (see {@link metadataOf}). */
export const METADATA: unique symbol = Symbol("zmtp.metadata");

/**
 * The metadata of a message returned by `receive({ metadata: true })`:
 * the properties of the connection it came over (libzmq's zmq_msg_gets).
 * `Socket-Type` and `Identity` (REQ, DEALER, ROUTER peers) as the peer
 * announced them, its `X-` properties (its `metadata` option), `User-Id`
 * and any metadata from a ZAP authenticator that admitted it, and
 * `Peer-Address` (the peer's IP address over tcp and ws). Undefined for
 * messages that came over no ZMTP connection: inproc, udp, ZMTP 1.0/2.0
 * peers, as in libzmq; and for messages received without `metadata: true`.
 *
 * @param message A received message.
 * @returns Its metadata, or undefined.
 * @example
 * ```ts
 * import { metadataOf, Pull, Push } from "zmtp-zeromq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push({ metadata: { "X-Tenant": "blue" } });
 * push.connect(pull.lastEndpoint!);
 * await push.send("hi");
 * const meta = metadataOf(await pull.receive({ metadata: true }));
 * console.log(meta?.get("X-Tenant"), meta?.get("Socket-Type")); // "blue" "PUSH"
 * push.close();
 * pull.close();
 * ```
 */
export function metadataOf(message: readonly unknown[]): Metadata | undefined {
  return (message as { [METADATA]?: Metadata })[METADATA];
}

/**
 * @internal Gives `to`, a message a socket type rebuilt from a received one
 * (SERVER's [body, { routingId }]), the metadata `from` carries.
 */
export function carryMetadata<T extends unknown[]>(from: readonly unknown[], to: T): T {
  const m = (from as { [METADATA]?: Metadata })[METADATA];
  if (m !== undefined) (to as { [METADATA]?: Metadata })[METADATA] = m;
  return to;
}

/** What a connection's metadata is made of. */
export interface MetadataSource {
  /** The peer's handshake properties (with ZAP's merged in, the peer's winning). */
  readonly properties: Map<string, Uint8Array>;
  /** Set when ZAP admitted the peer: its User-Id ("" for none). */
  readonly userId?: string;
  /** The ZAP reply's metadata. */
  readonly zapProperties?: Map<string, Uint8Array>;
  /** The transport's address of the peer ("1.2.3.4:5555", "[::1]:5555", "unix"). */
  readonly remoteAddress: string;
}

const dec = new TextDecoder();
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]*)$/;

/**
 * A connection's metadata as libzmq compiles it: Peer-Address first, then
 * ZAP's User-Id and metadata, then the peer's own properties, an earlier
 * source winning a clash of exact names (libzmq's map inserts).
 *
 * @param src The handshake's outcome and the peer's address.
 * @returns The metadata its messages carry.
 * @example
 * ```ts
 * import { connectionMetadata } from "./metadata.ts";
 * const m = connectionMetadata({ properties: new Map(), remoteAddress: "127.0.0.1:5555" });
 * console.log(m.get("Peer-Address")); // "127.0.0.1"
 * ```
 */
export function connectionMetadata(src: MetadataSource): Metadata {
  const m = new Metadata();
  const ip = peerIp(src.remoteAddress);
  if (ip !== undefined) m.set("Peer-Address", ip);
  if (src.userId !== undefined && !m.has("User-Id")) m.set("User-Id", src.userId);
  for (const [k, v] of src.zapProperties ?? []) if (!hasExact(m, k)) m.set(k, dec.decode(v));
  for (const [k, v] of src.properties) if (!hasExact(m, k)) m.set(k, dec.decode(v));
  return m;
}

function hasExact(m: Metadata, k: string): boolean {
  return Map.prototype.has.call(m, k);
}

// "1.2.3.4:5555" -> "1.2.3.4", "[::1]:5555" / "::1:5555" -> "::1"; IPv4-mapped
// IPv6 as plain IPv4. ipc ("unix") has none: libzmq finds no IP there.
function peerIp(remote: string): string | undefined {
  const colon = remote.lastIndexOf(":");
  let ip = colon > 0 && /^\d+$/.test(remote.slice(colon + 1)) ? remote.slice(0, colon) : remote;
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip.startsWith("::ffff:") && ip.includes(".")) ip = ip.slice(7);
  return IP.test(ip) ? ip : undefined;
}

// RFC 37's name-char: ALPHA / DIGIT / "-" / "_" / "." / "+".
const NAME = /^[A-Za-z0-9\-_.+]+$/;

/**
 * Checks the `metadata` option (libzmq's ZMQ_METADATA): an object of
 * `X-` names to string values, or libzmq's "X-Name:value" strings (one, or
 * an array). Names start with "X-" (libzmq refuses others), are at most 255
 * characters of RFC 37's name characters; values are non-empty. A new value
 * replaces the whole set; null or {} clears it.
 *
 * @param v The value given.
 * @param name The option's name, for the error.
 * @returns The properties, as a frozen object.
 * @throws {TypeError} For a value of the wrong type.
 * @throws {RangeError} For a bad name or value (`code` "EINVAL").
 * @example
 * ```ts
 * import { metadataOption } from "./metadata.ts";
 * console.log(metadataOption("X-Color:red", "metadata")); // { "X-Color": "red" }
 * ```
 */
export function metadataOption(v: unknown, name: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  const add = (key: string, value: unknown) => {
    if (typeof value !== "string") throw new TypeError(`Option "${name}": the value of "${key}" must be a string`);
    if (!key.startsWith("X-") || key.length > 255 || !NAME.test(key)) {
      throw invalidArgument(
        `option "${name}": property name "${key}" must start with "X-" and be at most 255 letters, digits, "-", "_", "." or "+"`,
      );
    }
    if (value === "") throw invalidArgument(`option "${name}": property "${key}" needs a value`);
    out[key] = value;
  };
  const addText = (s: unknown) => {
    if (typeof s !== "string") {
      throw new TypeError(`Option "${name}" must be an object, "X-Name:value" strings or null`);
    }
    const at = s.indexOf(":");
    if (at <= 0) throw invalidArgument(`option "${name}": "${s}" is not "X-Name:value"`);
    add(s.slice(0, at), s.slice(at + 1));
  };
  if (v === null) return Object.freeze(out);
  if (typeof v === "string") addText(v);
  else if (Array.isArray(v)) { for (const s of v) addText(s); }
  else if (
    typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  ) {
    for (const [k, value] of Object.entries(v)) add(k, value);
  } else if (v instanceof Map) { for (const [k, value] of v) add(String(k), value); }
  else throw new TypeError(`Option "${name}" must be an object, "X-Name:value" strings or null`);
  return Object.freeze(out);
}
