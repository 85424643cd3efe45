/**
 * Socket options as data: one row per option with its zeromq.js name, its
 * libzmq name, its default, the check of a new value, the socket types it
 * applies to and when a change takes effect. {@link defineOptions} turns the
 * rows into properties; the constructor options go through the same rows, so
 * an unknown option, an option of another socket type and a bad value are
 * refused alike. Adding an option is adding a row. The socket types of a
 * row are zeromq.js's: the send options (`sendHighWaterMark`, `sendTimeout`,
 * `sendBufferSize`, `multicastHops`) exist on the types that send, the
 * receive options on the types that receive.
 *
 * libzmq 4.3.5's draft options act in lib/core.ts (`helloMessage`,
 * `disconnectMessage`, `hiccupMessage`, ROUTER `notify` and `reconnectStop`,
 * for every transport), in the policies (XPUB `manualLastValue`,
 * `onlyFirstSubscribe` on XPUB and XSUB, RADIO `noDrop`), in lib/udp.ts and
 * transports/udp.ts (`multicastHops`, `multicastLoop`) and lib/socks.ts
 * (`socksUsername`, `socksPassword`).
 *
 * The tcp options reach the transports through the driver (lib/driver.ts:
 * `tcpAcceptFilter` and the `ipv6` checks there, lib/socks.ts for
 * `socksProxy`, the adapters in transports/ for `backlog`, the keepalive
 * options and, on Bun, `typeOfService`). Those a runtime cannot set are stored without effect, and the
 * README's list of options without effect names each (`sendBufferSize`,
 * `receiveBufferSize`, `typeOfService`, `tcpMaxRetransmitTimeout`,
 * `interface`, `tcpKeepaliveCount`, `tcpKeepaliveInterval`, and some per
 * runtime). Stored, without meaning here (as in a libzmq built without
 * the transport or platform they serve): `affinity` (no I/O threads),
 * `priority` (SO_PRIORITY, which no runtime here can set), `loopbackFastPath` (Windows), `vmciBufferSize`,
 * `vmciBufferMinSize`, `vmciBufferMaxSize`, `vmciConnectTimeout` (vmci).
 *
 * @module
 */

import { invalidArgument, ZmqError } from "./errors.ts";

import type { Authenticator } from "./zmtp/zap.ts";
import { z85Decode, z85Encode } from "./z85.ts";
import { metadataOption } from "./metadata.ts";

/**
 * The socket types, by their ZMTP names.
 *
 * @example
 * ```ts
 * import { Dealer, type SocketTypeName } from "zmtp-zeromq";
 * const d = new Dealer();
 * const name: SocketTypeName = d.typeName;
 * console.log(name); // DEALER
 * d.close();
 * ```
 */
export type SocketTypeName =
  | "PAIR"
  | "PUB"
  | "SUB"
  | "XPUB"
  | "XSUB"
  | "PUSH"
  | "PULL"
  | "REQ"
  | "REP"
  | "DEALER"
  | "ROUTER"
  | "RADIO"
  | "DISH"
  | "SERVER"
  | "CLIENT"
  | "SCATTER"
  | "GATHER"
  | "PEER"
  | "CHANNEL"
  | "DGRAM"
  | "STREAM";

/** One option. `T` is what is stored; the property reads back `show(value)`. */
export interface OptionRow<T> {
  /** libzmq's name of the option. */
  readonly zmq: string;
  /** The value a new socket starts with. */
  readonly default: T;
  /** A socket type's own default, where it differs. */
  readonly typeDefault?: Partial<Record<SocketTypeName, T>>;
  /** Checks a new value and returns what to store; throws TypeError or RangeError. */
  readonly parse: (value: unknown, name: string) => T;
  /** The socket types that have the option; every type when absent. */
  readonly types?: readonly SocketTypeName[];
  /**
   * When a change takes effect: "now" on everything, "connection" on the
   * connections made after it (bind/connect read the value), as in libzmq.
   */
  readonly applies: "now" | "connection";
  /** How the property reads back, when not as stored (CURVE keys in Z85). */
  readonly show?: (value: T) => unknown;
  /** A socket type's own check, where it differs (ROUTER's `notify` takes flags, STREAM's a boolean). */
  readonly typeParse?: Partial<Record<SocketTypeName, (value: unknown, name: string) => T>>;
  /** How a new value combines with the stored one, when it does not replace it (accept filters add up). */
  readonly merge?: (old: T, value: T) => T;
}

const enc = new TextEncoder();

function int(min: number, max = 0x7fffffff): (v: unknown, name: string) => number {
  return (v, name) => {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`Option "${name}" must be an integer`);
    if (v < min || v > max) throw invalidArgument(`option "${name}" must be from ${min} to ${max}`);
    return v;
  };
}

function oneOfInts(values: readonly number[]): (v: unknown, name: string) => number {
  return (v, name) => {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`Option "${name}" must be an integer`);
    if (!values.includes(v)) throw invalidArgument(`option "${name}" must be one of ${values.join(", ")}`);
    return v;
  };
}

function bool(v: unknown, name: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`Option "${name}" must be a boolean`);
  return v;
}

function text(maxBytes: number): (v: unknown, name: string) => string {
  return (v, name) => {
    if (typeof v !== "string") throw new TypeError(`Option "${name}" must be a string`);
    if (enc.encode(v).length > maxBytes) throw invalidArgument(`option "${name}" is limited to ${maxBytes} bytes`);
    return v;
  };
}

function textOrNull(maxBytes: number): (v: unknown, name: string) => string | null {
  const t = text(maxBytes);
  return (v, name) => v === null ? null : t(v, name);
}

// A string option where "" and null both mean "none" (stored as null).
function textOrNone(maxBytes: number): (v: unknown, name: string) => string | null {
  const t = textOrNull(maxBytes);
  return (v, name) => t(v, name) || null;
}

// ZMQ_ZAP_DOMAIN: null clears it (zeromq.js reads an empty domain as null).
function zapDomain(v: unknown, name: string): string {
  return v === null ? "" : text(255)(v, name);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;

// ZMQ_TCP_ACCEPT_FILTER: each value adds an IPv4 or IPv6 address with an
// optional /mask (libzmq's tcp_address_mask_t); null or "" clears them all.
function acceptFilter(v: unknown, name: string): string[] {
  if (v === null || v === "") return [];
  if (typeof v !== "string") throw new TypeError(`Option "${name}" must be a string or null`);
  const [addr, mask, extra] = v.split("/");
  const v4 = IPV4.test(addr);
  if (extra !== undefined || (!v4 && !(IPV6.test(addr) && addr.split("::").length <= 2))) {
    throw invalidArgument(`option "${name}" must be an IPv4 or IPv6 address with an optional /mask`);
  }
  if (mask !== undefined && (!/^\d{1,3}$/.test(mask) || Number(mask) > (v4 ? 32 : 128))) {
    throw invalidArgument(`option "${name}" has a bad mask "/${mask}"`);
  }
  return [v];
}

// Text or bytes, kept as given (a copy of bytes); null for none.
function bytesOrText(v: unknown, name: string): string | Uint8Array | null {
  if (v === null || typeof v === "string") return v;
  if (v instanceof Uint8Array) return v.slice();
  throw new TypeError(`Option "${name}" must be a string, a Uint8Array or null`);
}

// ZMQ_HELLO_MSG and the like: a message, kept as given; null or an empty one for none.
function messageOption(v: unknown, name: string): string | Uint8Array | null {
  const m = bytesOrText(v, name);
  return m === null || m.length === 0 ? null : m;
}

// A routing id is 1 to 255 bytes (RFC 23 §"The Routing Id"; libzmq's ZMQ_ROUTING_ID).
function routingId(v: unknown, name: string): string | Uint8Array | null {
  const id = bytesOrText(v, name);
  const n = typeof id === "string" ? enc.encode(id).length : id?.length;
  if (n !== undefined && (n < 1 || n > 255)) throw invalidArgument(`option "${name}" must be 1 to 255 bytes`);
  return id;
}

/**
 * A CURVE key from an option value: 40 characters of Z85 or 32 bytes.
 *
 * @param v The value.
 * @param name The option's name, for the error.
 * @returns The 32 key bytes, or null for null.
 * @throws {TypeError} For anything else.
 * @example
 * ```ts
 * import { curveKey } from "./options.ts";
 * console.log(curveKey(new Uint8Array(32), "curveSecretKey")?.length); // 32
 * ```
 */
export function curveKey(v: unknown, name: string): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" && v.length === 40) return z85Decode(v);
  if (v instanceof Uint8Array && v.length === 32) return v.slice();
  throw new TypeError(`Option "${name}" must be a 40-character Z85 string or 32 bytes`);
}

function oneOf<T>(values: readonly T[]): (v: unknown, name: string) => T {
  return (v, name) => {
    if (!values.includes(v as T)) {
      throw new TypeError(`Option "${name}" must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}`);
    }
    return v as T;
  };
}

// The types that send and the types that receive, as zeromq.js gives the
// send and receive options to them.
const SENDING: readonly SocketTypeName[] = [
  "PAIR",
  "PUB",
  "XPUB",
  "XSUB",
  "PUSH",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "RADIO",
  "SERVER",
  "CLIENT",
  "SCATTER",
  "PEER",
  "CHANNEL",
  "DGRAM",
  "STREAM",
];
const RECEIVING: readonly SocketTypeName[] = [
  "PAIR",
  "SUB",
  "XPUB",
  "XSUB",
  "PULL",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "DISH",
  "SERVER",
  "CLIENT",
  "GATHER",
  "PEER",
  "CHANNEL",
  "DGRAM",
  "STREAM",
];

function authenticator(v: unknown, name: string): Authenticator | null {
  if (v !== null && typeof v !== "function") throw new TypeError(`Option "${name}" must be a function or null`);
  return v as Authenticator | null;
}

const z85 = (v: Uint8Array | null): string | null => v === null ? null : z85Encode(v);

const row = <T>(r: OptionRow<T>): OptionRow<T> => r;

/** The stored value of each option (what `opts` holds), by its zeromq.js name. */
export interface OptionValues {
  linger: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  sendTimeout: number;
  receiveTimeout: number;
  reconnectInterval: number;
  reconnectMaxInterval: number;
  immediate: boolean;
  maxMessageSize: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  connectTimeout: number;
  metadata: Readonly<Record<string, string>>;
  conflate: boolean;
  invertMatching: boolean;
  routingId: string | Uint8Array | null;
  probeRouter: boolean;
  correlate: boolean;
  relaxed: boolean;
  mandatory: boolean;
  handover: boolean;
  notify: boolean | number;
  noDrop: boolean;
  manualLastValue: boolean;
  onlyFirstSubscribe: boolean;
  helloMessage: string | Uint8Array | null;
  disconnectMessage: string | Uint8Array | null;
  hiccupMessage: string | Uint8Array | null;
  reconnectStop: number;
  multicastLoop: boolean;
  priority: number;
  socksUsername: string | null;
  socksPassword: string | null;
  verbosity: null | "allSubs" | "allSubsUnsubs";
  welcomeMessage: string | Uint8Array | null;
  plainServer: boolean;
  plainUsername: string | null;
  plainPassword: string | null;
  curveServer: boolean;
  curvePublicKey: Uint8Array | null;
  curveSecretKey: Uint8Array | null;
  curveServerKey: Uint8Array | null;
  zapDomain: string;
  authenticator: Authenticator | null;
  zapEnforceDomain: boolean;
  manual: boolean;
  affinity: number;
  rate: number;
  recoveryInterval: number;
  multicastHops: number;
  multicastMaxTransportDataUnit: number;
  backlog: number;
  ipv6: boolean;
  tcpKeepalive: number;
  tcpKeepaliveCount: number;
  tcpKeepaliveIdle: number;
  tcpKeepaliveInterval: number;
  tcpAcceptFilter: string[];
  tcpMaxRetransmitTimeout: number;
  sendBufferSize: number;
  receiveBufferSize: number;
  typeOfService: number;
  socksProxy: string | null;
  interface: string | null;
  loopbackFastPath: boolean;
  vmciBufferSize: number;
  vmciBufferMinSize: number;
  vmciBufferMaxSize: number;
  vmciConnectTimeout: number;
}

/** The name of an option. */
export type OptionName = keyof OptionValues;

/** Every socket option, by its zeromq.js name: the table. */
export const OPTIONS: { readonly [K in OptionName]: OptionRow<OptionValues[K]> } = {
  // libzmq's XSUB (so SUB) and DISH start with linger 0; the others with
  // -1, or 0 in a context with `blocky` false.
  linger: row({
    zmq: "ZMQ_LINGER",
    default: -1,
    typeDefault: { SUB: 0, XSUB: 0, DISH: 0 },
    parse: int(-1),
    applies: "now",
  }),
  sendHighWaterMark: row({
    zmq: "ZMQ_SNDHWM",
    default: 1000,
    parse: int(0),
    types: SENDING,
    applies: "connection",
  }),
  receiveHighWaterMark: row({
    zmq: "ZMQ_RCVHWM",
    default: 1000,
    parse: int(0),
    types: RECEIVING,
    applies: "connection",
  }),
  sendTimeout: row({ zmq: "ZMQ_SNDTIMEO", default: -1, parse: int(-1), types: SENDING, applies: "now" }),
  receiveTimeout: row({ zmq: "ZMQ_RCVTIMEO", default: -1, parse: int(-1), types: RECEIVING, applies: "now" }),
  reconnectInterval: row({ zmq: "ZMQ_RECONNECT_IVL", default: 100, parse: int(-1), applies: "now" }),
  reconnectMaxInterval: row({ zmq: "ZMQ_RECONNECT_IVL_MAX", default: 0, parse: int(0), applies: "now" }),
  immediate: row({ zmq: "ZMQ_IMMEDIATE", default: false, parse: bool, applies: "connection" }),
  maxMessageSize: row({
    zmq: "ZMQ_MAXMSGSIZE",
    default: -1,
    parse: int(-1, Number.MAX_SAFE_INTEGER),
    applies: "connection",
  }),
  handshakeInterval: row({ zmq: "ZMQ_HANDSHAKE_IVL", default: 30000, parse: int(0), applies: "connection" }),
  heartbeatInterval: row({ zmq: "ZMQ_HEARTBEAT_IVL", default: 0, parse: int(0), applies: "connection" }),
  // -1: the heartbeat interval.
  heartbeatTimeout: row({ zmq: "ZMQ_HEARTBEAT_TIMEOUT", default: -1, parse: int(-1), applies: "connection" }),
  heartbeatTimeToLive: row({
    zmq: "ZMQ_HEARTBEAT_TTL",
    default: 0,
    parse: int(0, 6553599),
    applies: "connection",
  }),
  connectTimeout: row({ zmq: "ZMQ_CONNECT_TIMEOUT", default: 0, parse: int(0), applies: "connection" }),
  // Our "X-" properties, sent in READY (lib/metadata.ts); a new value replaces the set.
  metadata: row({
    zmq: "ZMQ_METADATA",
    default: Object.freeze({}) as Readonly<Record<string, string>>,
    parse: metadataOption,
    applies: "connection",
  }),
  conflate: row({
    zmq: "ZMQ_CONFLATE",
    default: false,
    parse: bool,
    types: ["PUSH", "PULL", "PUB", "SUB", "DEALER"],
    applies: "connection",
  }),
  invertMatching: row({
    zmq: "ZMQ_INVERT_MATCHING",
    default: false,
    parse: bool,
    types: ["PUB", "SUB", "XPUB"],
    applies: "now",
  }),
  routingId: row({
    zmq: "ZMQ_ROUTING_ID",
    default: null as string | Uint8Array | null,
    parse: routingId,
    types: ["REQ", "REP", "DEALER", "ROUTER"],
    applies: "connection",
  }),
  probeRouter: row({
    zmq: "ZMQ_PROBE_ROUTER",
    default: false,
    parse: bool,
    types: ["REQ", "DEALER", "ROUTER"],
    applies: "connection",
  }),
  correlate: row({ zmq: "ZMQ_REQ_CORRELATE", default: false, parse: bool, types: ["REQ"], applies: "now" }),
  relaxed: row({ zmq: "ZMQ_REQ_RELAXED", default: false, parse: bool, types: ["REQ"], applies: "now" }),
  mandatory: row({ zmq: "ZMQ_ROUTER_MANDATORY", default: false, parse: bool, types: ["ROUTER"], applies: "now" }),
  handover: row({ zmq: "ZMQ_ROUTER_HANDOVER", default: false, parse: bool, types: ["ROUTER"], applies: "now" }),
  // STREAM: ZMQ_STREAM_NOTIFY, a boolean; ROUTER: ZMQ_ROUTER_NOTIFY, the
  // flags 1 (an empty message from each new peer) and 2 (one from each peer gone).
  notify: row({
    zmq: "ZMQ_STREAM_NOTIFY/ZMQ_ROUTER_NOTIFY",
    default: true as boolean | number,
    typeDefault: { ROUTER: 0 },
    parse: bool,
    typeParse: { ROUTER: int(0, 3) },
    types: ["STREAM", "ROUTER"],
    applies: "connection",
  }),
  noDrop: row({
    zmq: "ZMQ_XPUB_NODROP",
    default: false,
    parse: bool,
    types: ["PUB", "XPUB", "RADIO"],
    applies: "now",
  }),
  // Manual mode, and a send() right after reading a subscription goes only to its peer (a last value cache).
  manualLastValue: row({
    zmq: "ZMQ_XPUB_MANUAL_LAST_VALUE",
    default: false,
    parse: bool,
    types: ["XPUB"],
    applies: "now",
  }),
  // Only the first frame of a multi-part message can make it a subscription.
  onlyFirstSubscribe: row({
    zmq: "ZMQ_ONLY_FIRST_SUBSCRIBE",
    default: false,
    parse: bool,
    types: ["XPUB", "XSUB"],
    applies: "now",
  }),
  // libzmq's can_send_hello_msg, can_recv_disconnect_msg and can_recv_hiccup_msg types.
  helloMessage: row({
    zmq: "ZMQ_HELLO_MSG",
    default: null as string | Uint8Array | null,
    parse: messageOption,
    types: ["ROUTER", "DEALER", "SERVER", "CLIENT", "PEER"],
    applies: "connection",
  }),
  disconnectMessage: row({
    zmq: "ZMQ_DISCONNECT_MSG",
    default: null as string | Uint8Array | null,
    parse: messageOption,
    types: ["ROUTER", "SERVER", "PEER"],
    applies: "now",
  }),
  hiccupMessage: row({
    zmq: "ZMQ_HICCUP_MSG",
    default: null as string | Uint8Array | null,
    parse: messageOption,
    types: ["DEALER", "CLIENT", "PEER"],
    applies: "now",
  }),
  // Flags: 1 after a refused connection, 2 after a failed handshake, 4 after disconnect() (ipc).
  reconnectStop: row({ zmq: "ZMQ_RECONNECT_STOP", default: 0, parse: int(0, 7), applies: "now" }),
  verbosity: row({
    zmq: "ZMQ_XPUB_VERBOSE/ZMQ_XPUB_VERBOSER",
    default: null as null | "allSubs" | "allSubsUnsubs",
    parse: oneOf([null, "allSubs", "allSubsUnsubs"] as const),
    types: ["XPUB"],
    applies: "now",
  }),
  welcomeMessage: row({
    zmq: "ZMQ_XPUB_WELCOME_MSG",
    default: null as string | Uint8Array | null,
    parse: bytesOrText,
    types: ["XPUB"],
    applies: "connection",
  }),
  plainServer: row({ zmq: "ZMQ_PLAIN_SERVER", default: false, parse: bool, applies: "connection" }),
  plainUsername: row({
    zmq: "ZMQ_PLAIN_USERNAME",
    default: null as string | null,
    parse: textOrNull(255),
    applies: "connection",
  }),
  plainPassword: row({
    zmq: "ZMQ_PLAIN_PASSWORD",
    default: null as string | null,
    parse: textOrNull(255),
    applies: "connection",
  }),
  curveServer: row({ zmq: "ZMQ_CURVE_SERVER", default: false, parse: bool, applies: "connection" }),
  curvePublicKey: row({
    zmq: "ZMQ_CURVE_PUBLICKEY",
    default: null as Uint8Array | null,
    parse: curveKey,
    applies: "connection",
    show: z85,
  }),
  curveSecretKey: row({
    zmq: "ZMQ_CURVE_SECRETKEY",
    default: null as Uint8Array | null,
    parse: curveKey,
    applies: "connection",
    show: z85,
  }),
  curveServerKey: row({
    zmq: "ZMQ_CURVE_SERVERKEY",
    default: null as Uint8Array | null,
    parse: curveKey,
    applies: "connection",
    show: z85,
  }),
  zapDomain: row({
    zmq: "ZMQ_ZAP_DOMAIN",
    default: "",
    parse: zapDomain,
    applies: "connection",
    show: (v) => v === "" ? null : v,
  }),
  authenticator: row({
    zmq: "(a ZAP handler)",
    default: null as Authenticator | null,
    parse: authenticator,
    applies: "connection",
  }),
  zapEnforceDomain: row({ zmq: "ZMQ_ZAP_ENFORCE_DOMAIN", default: false, parse: bool, applies: "connection" }),
  manual: row({ zmq: "ZMQ_XPUB_MANUAL", default: false, parse: bool, types: ["XPUB"], applies: "now" }),
  // Stored only: see the module doc.
  affinity: row({
    zmq: "ZMQ_AFFINITY",
    default: 0,
    parse: int(0, Number.MAX_SAFE_INTEGER),
    applies: "connection",
  }),
  rate: row({ zmq: "ZMQ_RATE", default: 100, parse: int(1), applies: "connection" }),
  recoveryInterval: row({ zmq: "ZMQ_RECOVERY_IVL", default: 10000, parse: int(0), applies: "connection" }),
  // The TTL of udp multicast sent; an IP TTL is at most 255.
  multicastHops: row({
    zmq: "ZMQ_MULTICAST_HOPS",
    default: 1,
    parse: int(1, 255),
    types: SENDING,
    applies: "connection",
  }),
  multicastLoop: row({ zmq: "ZMQ_MULTICAST_LOOP", default: true, parse: bool, applies: "connection" }),
  // SO_PRIORITY: no runtime here can set it (see the module doc).
  priority: row({ zmq: "ZMQ_PRIORITY", default: 0, parse: int(0), applies: "connection" }),
  multicastMaxTransportDataUnit: row({
    zmq: "ZMQ_MULTICAST_MAXTPDU",
    default: 1500,
    parse: int(1),
    applies: "connection",
  }),
  backlog: row({ zmq: "ZMQ_BACKLOG", default: 100, parse: int(0), applies: "connection" }),
  // The default is the context's `ipv6`.
  ipv6: row({ zmq: "ZMQ_IPV6", default: false, parse: bool, applies: "connection" }),
  tcpKeepalive: row({ zmq: "ZMQ_TCP_KEEPALIVE", default: -1, parse: oneOfInts([-1, 0, 1]), applies: "connection" }),
  tcpKeepaliveCount: row({ zmq: "ZMQ_TCP_KEEPALIVE_CNT", default: -1, parse: int(-1), applies: "connection" }),
  tcpKeepaliveIdle: row({ zmq: "ZMQ_TCP_KEEPALIVE_IDLE", default: -1, parse: int(-1), applies: "connection" }),
  tcpKeepaliveInterval: row({ zmq: "ZMQ_TCP_KEEPALIVE_INTVL", default: -1, parse: int(-1), applies: "connection" }),
  // Each value set adds a filter, null clears them; reads back joined by ",", null for none.
  tcpAcceptFilter: row({
    zmq: "ZMQ_TCP_ACCEPT_FILTER",
    default: [] as string[],
    parse: acceptFilter,
    applies: "connection",
    show: (v) => v.length === 0 ? null : v.join(","),
    merge: (old, v) => v.length === 0 ? [] : [...old, ...v],
  }),
  tcpMaxRetransmitTimeout: row({ zmq: "ZMQ_TCP_MAXRT", default: 0, parse: int(0), applies: "connection" }),
  sendBufferSize: row({
    zmq: "ZMQ_SNDBUF",
    default: -1,
    parse: int(-1),
    types: SENDING,
    applies: "connection",
  }),
  receiveBufferSize: row({
    zmq: "ZMQ_RCVBUF",
    default: -1,
    parse: int(-1),
    types: RECEIVING,
    applies: "connection",
  }),
  typeOfService: row({ zmq: "ZMQ_TOS", default: 0, parse: int(0), applies: "connection" }),
  socksProxy: row({
    zmq: "ZMQ_SOCKS_PROXY",
    default: null as string | null,
    parse: textOrNone(0x7fffffff),
    applies: "connection",
  }),
  // RFC 1929 username/password authentication with the SOCKS5 proxy.
  socksUsername: row({
    zmq: "ZMQ_SOCKS_USERNAME",
    default: null as string | null,
    parse: textOrNone(255),
    applies: "connection",
  }),
  socksPassword: row({
    zmq: "ZMQ_SOCKS_PASSWORD",
    default: null as string | null,
    parse: textOrNone(255),
    applies: "connection",
  }),
  // ZMQ_BINDTODEVICE: an interface name, as IFNAMSIZ allows.
  interface: row({
    zmq: "ZMQ_BINDTODEVICE",
    default: null as string | null,
    parse: textOrNone(15),
    applies: "connection",
  }),
  loopbackFastPath: row({ zmq: "ZMQ_LOOPBACK_FASTPATH", default: false, parse: bool, applies: "connection" }),
  vmciBufferSize: row({
    zmq: "ZMQ_VMCI_BUFFER_SIZE",
    default: 0,
    parse: int(0, Number.MAX_SAFE_INTEGER),
    applies: "connection",
  }),
  vmciBufferMinSize: row({
    zmq: "ZMQ_VMCI_BUFFER_MIN_SIZE",
    default: 0,
    parse: int(0, Number.MAX_SAFE_INTEGER),
    applies: "connection",
  }),
  vmciBufferMaxSize: row({
    zmq: "ZMQ_VMCI_BUFFER_MAX_SIZE",
    default: 0,
    parse: int(0, Number.MAX_SAFE_INTEGER),
    applies: "connection",
  }),
  vmciConnectTimeout: row({ zmq: "ZMQ_VMCI_CONNECT_TIMEOUT", default: -1, parse: int(-1), applies: "connection" }),
};

/** True when the option exists for sockets of `type`. */
export function hasOption(name: string, type: string): name is OptionName {
  if (!Object.hasOwn(OPTIONS, name)) return false;
  const types = (OPTIONS[name as OptionName] as OptionRow<unknown>).types;
  return types === undefined || types.includes(type as SocketTypeName);
}

/**
 * The option values a new socket of `type` starts with.
 *
 * @param type The socket type ("PUSH", ...).
 * @param inherited Defaults the socket takes from its context (`linger`, `ipv6`); a type's own default wins.
 * @returns A fresh object with every option's default.
 * @example
 * ```ts
 * import { defaultOptions } from "./options.ts";
 * console.log(defaultOptions("DISH").linger); // 0
 * ```
 */
export function defaultOptions(type: string, inherited: Partial<OptionValues> = {}): OptionValues {
  const out: Record<string, unknown> = {};
  const from = inherited as Record<string, unknown>;
  for (const [name, r] of Object.entries(OPTIONS) as [string, OptionRow<unknown>][]) {
    out[name] = r.typeDefault?.[type as SocketTypeName] ?? (name in from ? from[name] : r.default);
  }
  return out as unknown as OptionValues;
}

// The PLAIN or CURVE option set last, per option values object: with both
// configured, the last one set chooses the mechanism, as in libzmq.
const lastFamily = new WeakMap<object, "PLAIN" | "CURVE">();

/**
 * The security family (PLAIN or CURVE) whose option was set last.
 *
 * @param opts A socket's option values.
 * @returns The family, if any was set.
 * @example
 * ```ts
 * import { defaultOptions, lastSecurityFamily, setOption } from "./options.ts";
 * const opts = defaultOptions("REQ");
 * setOption(opts, "REQ", "plainUsername", "admin");
 * console.log(lastSecurityFamily(opts)); // "PLAIN"
 * ```
 */
export function lastSecurityFamily(opts: OptionValues): "PLAIN" | "CURVE" | undefined {
  return lastFamily.get(opts);
}

/**
 * Sets one option of a socket of `type` after checking it.
 *
 * @param opts The socket's option values.
 * @param type The socket type.
 * @param name The option's zeromq.js name.
 * @param value The new value.
 * @throws {TypeError} For an unknown option, one of another socket type, or a value of the wrong type.
 * @throws {RangeError} For a value out of range.
 * @example
 * ```ts
 * import { defaultOptions, setOption } from "./options.ts";
 * const opts = defaultOptions("PUSH");
 * setOption(opts, "PUSH", "linger", 0);
 * console.log(opts.linger); // 0
 * ```
 */
export function setOption(opts: OptionValues, type: string, name: string, value: unknown): void {
  if (!Object.hasOwn(OPTIONS, name)) throw new TypeError(`Unknown option "${name}" for ${type} socket`);
  if (!hasOption(name, type)) throw new TypeError(`Option "${name}" does not apply to ${type} sockets`);
  const r = OPTIONS[name] as OptionRow<unknown>;
  const stored = opts as unknown as Record<string, unknown>;
  const v = (r.typeParse?.[type as SocketTypeName] ?? r.parse)(value, name);
  stored[name] = r.merge !== undefined ? r.merge(stored[name], v) : v;
  if (v !== null && v !== false) {
    if (name.startsWith("plain")) lastFamily.set(opts, "PLAIN");
    else if (name.startsWith("curve")) lastFamily.set(opts, "CURVE");
  }
}

/**
 * Defines the options that sockets of `type` have as properties of a socket
 * class's prototype (every type's options when `type` is absent). `holder`
 * finds a socket's option values and type.
 *
 * @param proto The class's prototype.
 * @param type The socket type whose own options to define; absent: the options of every type.
 * @param holder Where an instance keeps its option values and type name.
 * @example
 * ```ts
 * import { defaultOptions, defineOptions } from "./options.ts";
 * class S {
 *   type = "ROUTER";
 *   opts = defaultOptions("ROUTER");
 * }
 * defineOptions(S.prototype, "ROUTER", (s) => s as S);
 * const s = new S() as S & { mandatory: boolean };
 * s.mandatory = true;
 * console.log(s.opts.mandatory); // true
 * ```
 */
export function defineOptions(
  proto: object,
  type: SocketTypeName | undefined,
  holder: (self: object) => { readonly opts: OptionValues; readonly type: string; readonly closed?: boolean },
): void {
  for (const [name, r] of Object.entries(OPTIONS) as [OptionName, OptionRow<unknown>][]) {
    const mine = type === undefined ? r.types === undefined : r.types?.includes(type) === true;
    if (!mine) continue;
    const show = r.show;
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const v = holder(this).opts[name];
        return show !== undefined ? show(v) : v;
      },
      set(this: object, v: unknown) {
        const h = holder(this);
        // As zeromq.js: setting an option of a closed socket is EBADF (reading one back is not).
        if (h.closed === true) throw new ZmqError("EBADF");
        setOption(h.opts, h.type, name, v);
      },
    });
  }
}

/** The stored value of each context option, by its zeromq.js name. */
export interface ContextValues {
  blocky: boolean;
  ioThreads: number;
  maxMessageSize: number;
  maxSockets: number;
  ipv6: boolean;
  threadPriority: number;
  threadSchedulingPolicy: number;
}

/**
 * Every context option, by its zeromq.js name (libzmq's zmq_ctx_set). Only
 * `blocky` (the linger of new sockets), `ipv6` (the `ipv6` of new sockets)
 * and `maxSockets` (EMFILE beyond it) have an effect here; `ioThreads`,
 * `threadPriority` and `threadSchedulingPolicy` have no threads to act on
 * and `maxMessageSize` is unused by libzmq 4.3.5 as well: they are stored.
 */
export const CONTEXT_OPTIONS: { readonly [K in keyof ContextValues]: OptionRow<ContextValues[K]> } = {
  blocky: row({ zmq: "ZMQ_BLOCKY", default: true, parse: bool, applies: "now" }),
  ioThreads: row({ zmq: "ZMQ_IO_THREADS", default: 1, parse: int(0), applies: "now" }),
  maxMessageSize: row({ zmq: "ZMQ_MAX_MSGSZ", default: 0x7fffffff, parse: int(0), applies: "now" }),
  maxSockets: row({ zmq: "ZMQ_MAX_SOCKETS", default: 1023, parse: int(1), applies: "now" }),
  ipv6: row({ zmq: "ZMQ_IPV6", default: false, parse: bool, applies: "now" }),
  threadPriority: row({ zmq: "ZMQ_THREAD_PRIORITY", default: -1, parse: int(0), applies: "now" }),
  threadSchedulingPolicy: row({ zmq: "ZMQ_THREAD_SCHED_POLICY", default: -1, parse: int(0), applies: "now" }),
};

/**
 * A context's option values with their defaults, then `options` applied.
 *
 * @param options The constructor's options, if any.
 * @returns The values.
 * @throws {TypeError} For options that are not an object, an unknown option or a value of the wrong type.
 * @throws {RangeError} For a value out of range (`code` "EINVAL").
 * @example
 * ```ts
 * import { contextOptions } from "./options.ts";
 * console.log(contextOptions({ ioThreads: 4 }).ioThreads); // 4
 * ```
 */
export function contextOptions(options: unknown): ContextValues {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError("Options must be an object");
  }
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(CONTEXT_OPTIONS)) out[name] = r.default;
  const values = out as unknown as ContextValues;
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) setContextOption(values, k, v);
  return values;
}

/**
 * Sets one context option after checking it.
 *
 * @param values The context's option values.
 * @param name The option's zeromq.js name.
 * @param value The new value.
 * @throws {TypeError} For an unknown option or a value of the wrong type.
 * @throws {RangeError} For a value out of range (`code` "EINVAL").
 * @example
 * ```ts
 * import { contextOptions, setContextOption } from "./options.ts";
 * const values = contextOptions(undefined);
 * setContextOption(values, "blocky", false);
 * console.log(values.blocky); // false
 * ```
 */
export function setContextOption(values: ContextValues, name: string, value: unknown): void {
  if (!Object.hasOwn(CONTEXT_OPTIONS, name)) throw new TypeError(`Unknown context option "${name}"`);
  const r = CONTEXT_OPTIONS[name as keyof ContextValues] as OptionRow<unknown>;
  (values as unknown as Record<string, unknown>)[name] = r.parse(value, name);
}
