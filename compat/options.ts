/**
 * The socket options of zeromq.js 5 (`setsockopt`/`getsockopt` by libzmq
 * number or by name), each mapped to this library's option of the same
 * libzmq meaning, with the value conventions of zeromq.js 5: integers for
 * flags (0/1), text for identities, Z85 text for CURVE keys. Options this
 * library has no counterpart for throw, naming the option and why.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as C from "./constants.ts";

/**
 * The socket types `socket()` knows, by zeromq.js 5's names. "xreq" and
 * "xrep" are the old names of "dealer" and "router"; "stream" is refused
 * (not implemented by this library yet).
 *
 * @example
 * ```ts
 * import { socket, type SocketType } from "zmtp-zeromq/v5-compat";
 * const t: SocketType = "push";
 * socket(t).close();
 * ```
 */
export type SocketType =
  | "pair"
  | "pub"
  | "sub"
  | "req"
  | "rep"
  | "dealer"
  | "xreq"
  | "router"
  | "xrep"
  | "pull"
  | "push"
  | "xpub"
  | "xsub"
  | "stream";

/**
 * The socket type numbers by zeromq.js 5 name, as zeromq.js 5 exported them.
 *
 * @example
 * ```ts
 * import { types } from "zmtp-zeromq/v5-compat";
 * console.log(types.push); // 8
 * ```
 */
export const types: Readonly<Record<SocketType, number>> = Object.freeze({
  pub: C.ZMQ_PUB,
  xpub: C.ZMQ_XPUB,
  sub: C.ZMQ_SUB,
  xsub: C.ZMQ_XSUB,
  req: C.ZMQ_REQ,
  xreq: C.ZMQ_XREQ,
  rep: C.ZMQ_REP,
  xrep: C.ZMQ_XREP,
  push: C.ZMQ_PUSH,
  pull: C.ZMQ_PULL,
  dealer: C.ZMQ_DEALER,
  router: C.ZMQ_ROUTER,
  pair: C.ZMQ_PAIR,
  stream: C.ZMQ_STREAM,
});

/**
 * The option names zeromq.js 5 knew (its `options` map, as zeromq.js 6's
 * compatibility layer has it): each is also a property of {@link Socket}
 * and a key of `socket()`'s options.
 *
 * @example
 * ```ts
 * import { options, ZMQ_LINGER } from "zmtp-zeromq/v5-compat";
 * console.log(options.linger === ZMQ_LINGER); // true
 * ```
 */
export const options: Readonly<{
  _fd: number;
  _ioevents: number;
  _receiveMore: number;
  _subscribe: number;
  _unsubscribe: number;
  affinity: number;
  backlog: number;
  identity: number;
  linger: number;
  rate: number;
  rcvbuf: number;
  last_endpoint: number;
  reconnect_ivl: number;
  recovery_ivl: number;
  sndbuf: number;
  mechanism: number;
  plain_server: number;
  plain_username: number;
  plain_password: number;
  curve_server: number;
  curve_publickey: number;
  curve_secretkey: number;
  curve_serverkey: number;
  zap_domain: number;
  heartbeat_ivl: number;
  heartbeat_ttl: number;
  heartbeat_timeout: number;
  connect_timeout: number;
}> = Object.freeze({
  _fd: C.ZMQ_FD,
  _ioevents: C.ZMQ_EVENTS,
  _receiveMore: C.ZMQ_RCVMORE,
  _subscribe: C.ZMQ_SUBSCRIBE,
  _unsubscribe: C.ZMQ_UNSUBSCRIBE,
  affinity: C.ZMQ_AFFINITY,
  backlog: C.ZMQ_BACKLOG,
  identity: C.ZMQ_IDENTITY,
  linger: C.ZMQ_LINGER,
  rate: C.ZMQ_RATE,
  rcvbuf: C.ZMQ_RCVBUF,
  last_endpoint: C.ZMQ_LAST_ENDPOINT,
  reconnect_ivl: C.ZMQ_RECONNECT_IVL,
  recovery_ivl: C.ZMQ_RECOVERY_IVL,
  sndbuf: C.ZMQ_SNDBUF,
  mechanism: C.ZMQ_MECHANISM,
  plain_server: C.ZMQ_PLAIN_SERVER,
  plain_username: C.ZMQ_PLAIN_USERNAME,
  plain_password: C.ZMQ_PLAIN_PASSWORD,
  curve_server: C.ZMQ_CURVE_SERVER,
  curve_publickey: C.ZMQ_CURVE_PUBLICKEY,
  curve_secretkey: C.ZMQ_CURVE_SECRETKEY,
  curve_serverkey: C.ZMQ_CURVE_SERVERKEY,
  zap_domain: C.ZMQ_ZAP_DOMAIN,
  heartbeat_ivl: C.ZMQ_HEARTBEAT_IVL,
  heartbeat_ttl: C.ZMQ_HEARTBEAT_TTL,
  heartbeat_timeout: C.ZMQ_HEARTBEAT_TIMEOUT,
  connect_timeout: C.ZMQ_CONNECT_TIMEOUT,
});

/**
 * The monitor event names by libzmq event number, as zeromq.js 5 exported
 * them: `monitor()` emits these names.
 *
 * @example
 * ```ts
 * import { events } from "zmtp-zeromq/v5-compat";
 * console.log(events[8]); // "listen"
 * ```
 */
export const events: Readonly<Record<number, string>> = Object.freeze({
  1: "connect",
  2: "connect_delay",
  4: "connect_retry",
  8: "listen",
  16: "bind_error",
  32: "accept",
  64: "accept_error",
  128: "close",
  256: "close_error",
  512: "disconnect",
});

// -- the table -----------------------------------------------------------------

/** What an option handler works on: one compat socket's state. */
export interface OptionHost {
  /** The zeromq.js 5 type name. */
  readonly type: SocketType;
  /** The library socket (its option properties, by this library's names). */
  readonly lib: object;
  /** Values kept here: an identity on types that send none, ZMQ_RCVTIMEO. */
  readonly local: Map<number, unknown>;
  /** The security family whose option was set last (PLAIN or CURVE), for ZMQ_MECHANISM. */
  lastFamily: "PLAIN" | "CURVE" | undefined;
  /** SUB only: adds a subscription. */
  subscribe(prefix: string | Uint8Array): void;
  /** SUB only: removes a subscription. */
  unsubscribe(prefix: string | Uint8Array): void;
}

type Kind = "int" | "bool" | "text" | "key" | "bytes";

interface Mapped {
  readonly zmq: string;
  readonly kind: Kind;
  /** This library's option property. */
  readonly lib: string;
  readonly writeOnly?: boolean;
}

interface Special {
  readonly zmq: string;
  readonly get?: (h: OptionHost) => unknown;
  readonly set?: (h: OptionHost, v: unknown, name: string) => void;
}

interface Unsupported {
  readonly zmq: string;
  readonly unsupported: string;
}

type Row = Mapped | Special | Unsupported;

const dec = new TextDecoder();

// A zeromq.js 5 value for a text option: a string, or bytes (Buffer) as its setters made of strings.
function asText(v: unknown, name: string): string | null {
  if (v === null || typeof v === "string") return v;
  if (v instanceof Uint8Array) return dec.decode(v);
  throw new TypeError(`Option ${name} must be a string or a Buffer`);
}

function asBytes(v: unknown, name: string): string | Uint8Array | null {
  if (v === null || typeof v === "string") return v;
  if (v instanceof Uint8Array) return Uint8Array.prototype.slice.call(v);
  throw new TypeError(`Option ${name} must be a string or a Buffer`);
}

// libzmq takes a CURVE key as 32 bytes, or as 40 (or 41, NUL-terminated) bytes of Z85 text.
function asKey(v: unknown, name: string): string | Uint8Array | null {
  if (v === null || typeof v === "string") return v;
  if (v instanceof Uint8Array) {
    if (v.length === 32) return Uint8Array.prototype.slice.call(v);
    if (v.length === 40 || (v.length === 41 && v[40] === 0)) return dec.decode(v.subarray(0, 40));
    throw new TypeError(`Option ${name} must be 32 bytes or 40 characters of Z85, got ${v.length} bytes`);
  }
  throw new TypeError(`Option ${name} must be a string or a Buffer`);
}

function asInt(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`Option ${name} must be an integer`);
  return v;
}

function asBool(v: unknown, name: string): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isInteger(v)) return v !== 0;
  throw new TypeError(`Option ${name} must be 0, 1 or a boolean`);
}

const map = (zmq: string, kind: Kind, lib: string, writeOnly = false): Mapped => ({ zmq, kind, lib, writeOnly });
const no = (zmq: string, unsupported: string): Unsupported => ({ zmq, unsupported });

const NO_PGM = "this library has no multicast (pgm/epgm) transport";
const NO_KERNEL = "this library leaves the kernel's socket settings to the runtime";
const NO_ADDR_FAMILY = "the address given to bind() or connect() decides between IPv4 and IPv6";

const ROUTING_TYPES: readonly SocketType[] = ["req", "rep", "dealer", "router", "xreq", "xrep"];

/** The numeric type of a zeromq.js 5 type name. */
function typeNumber(t: SocketType): number {
  return types[t];
}

function mechanism(h: OptionHost): number {
  const o = h.lib as Record<string, unknown>;
  const plain = o.plainServer === true || o.plainUsername !== null || o.plainPassword !== null;
  const curve = o.curveServer === true || o.curvePublicKey !== null || o.curveSecretKey !== null ||
    o.curveServerKey !== null;
  if (plain && curve) return h.lastFamily === "PLAIN" ? 1 : 2;
  return curve ? 2 : plain ? 1 : 0;
}

const TABLE: ReadonlyMap<number, Row> = new Map<number, Row>([
  [C.ZMQ_IO_THREADS, no("ZMQ_IO_THREADS", "it is a context option: use Context.setMaxThreads()")],
  [C.ZMQ_MAX_SOCKETS, no("ZMQ_MAX_SOCKETS", "it is a context option: use Context.setMaxSockets()")],
  [C.ZMQ_AFFINITY, no("ZMQ_AFFINITY", "this library has no I/O threads to pin")],
  [C.ZMQ_IDENTITY, {
    zmq: "ZMQ_IDENTITY",
    get(h) {
      const v = ROUTING_TYPES.includes(h.type)
        ? (h.lib as { routingId: string | Uint8Array | null }).routingId
        : h.local.get(C.ZMQ_IDENTITY) as string | Uint8Array | undefined;
      return v === null || v === undefined ? "" : typeof v === "string" ? v : dec.decode(v);
    },
    set(h, v, name) {
      const id = asBytes(v, name);
      if (ROUTING_TYPES.includes(h.type)) {
        (h.lib as { routingId: unknown }).routingId = id;
        return;
      }
      // libzmq accepts an identity on every type but announces it only from REQ, DEALER and ROUTER.
      const n = typeof id === "string" ? Buffer.byteLength(id) : id?.length;
      if (n !== undefined && (n < 1 || n > 255)) throw new RangeError(`Option ${name} must be 1 to 255 bytes`);
      h.local.set(C.ZMQ_IDENTITY, id);
    },
  }],
  [C.ZMQ_SUBSCRIBE, {
    zmq: "ZMQ_SUBSCRIBE",
    set: (h, v, name) => h.subscribe(asBytes(v, name) ?? ""),
  }],
  [C.ZMQ_UNSUBSCRIBE, {
    zmq: "ZMQ_UNSUBSCRIBE",
    set: (h, v, name) => h.unsubscribe(asBytes(v, name) ?? ""),
  }],
  [C.ZMQ_RATE, no("ZMQ_RATE", NO_PGM)],
  [C.ZMQ_RECOVERY_IVL, no("ZMQ_RECOVERY_IVL", NO_PGM)],
  [C.ZMQ_SNDBUF, no("ZMQ_SNDBUF", NO_KERNEL)],
  [C.ZMQ_RCVBUF, no("ZMQ_RCVBUF", NO_KERNEL)],
  [C.ZMQ_RCVMORE, no("ZMQ_RCVMORE", 'messages arrive whole, each part an argument of the "message" event')],
  [C.ZMQ_FD, no("ZMQ_FD", "these sockets have no file descriptor")],
  [C.ZMQ_EVENTS, no("ZMQ_EVENTS", 'there is nothing to poll: messages come as "message" events')],
  [C.ZMQ_TYPE, { zmq: "ZMQ_TYPE", get: (h) => typeNumber(h.type) }],
  [C.ZMQ_LINGER, map("ZMQ_LINGER", "int", "linger")],
  [C.ZMQ_RECONNECT_IVL, map("ZMQ_RECONNECT_IVL", "int", "reconnectInterval")],
  [C.ZMQ_BACKLOG, no("ZMQ_BACKLOG", NO_KERNEL)],
  [C.ZMQ_RECONNECT_IVL_MAX, map("ZMQ_RECONNECT_IVL_MAX", "int", "reconnectMaxInterval")],
  [C.ZMQ_MAXMSGSIZE, map("ZMQ_MAXMSGSIZE", "int", "maxMessageSize")],
  [C.ZMQ_SNDHWM, map("ZMQ_SNDHWM", "int", "sendHighWaterMark")],
  [C.ZMQ_RCVHWM, map("ZMQ_RCVHWM", "int", "receiveHighWaterMark")],
  [C.ZMQ_MULTICAST_HOPS, no("ZMQ_MULTICAST_HOPS", NO_PGM)],
  // Kept, not applied: "message" events are read without a timeout, as in zeromq.js 5.
  [C.ZMQ_RCVTIMEO, {
    zmq: "ZMQ_RCVTIMEO",
    get: (h) => h.local.get(C.ZMQ_RCVTIMEO) ?? -1,
    set(h, v, name) {
      const n = asInt(v, name);
      if (n < -1) throw new RangeError(`Option ${name} must be -1 or more`);
      h.local.set(C.ZMQ_RCVTIMEO, n);
    },
  }],
  [C.ZMQ_SNDTIMEO, map("ZMQ_SNDTIMEO", "int", "sendTimeout")],
  [C.ZMQ_IPV4ONLY, no("ZMQ_IPV4ONLY", NO_ADDR_FAMILY)],
  [C.ZMQ_LAST_ENDPOINT, {
    zmq: "ZMQ_LAST_ENDPOINT",
    get: (h) => (h.lib as { lastEndpoint: string | null }).lastEndpoint ?? "",
  }],
  [C.ZMQ_ROUTER_MANDATORY, map("ZMQ_ROUTER_MANDATORY", "bool", "mandatory")],
  [C.ZMQ_TCP_KEEPALIVE, no("ZMQ_TCP_KEEPALIVE", NO_KERNEL)],
  [C.ZMQ_TCP_KEEPALIVE_CNT, no("ZMQ_TCP_KEEPALIVE_CNT", NO_KERNEL)],
  [C.ZMQ_TCP_KEEPALIVE_IDLE, no("ZMQ_TCP_KEEPALIVE_IDLE", NO_KERNEL)],
  [C.ZMQ_TCP_KEEPALIVE_INTVL, no("ZMQ_TCP_KEEPALIVE_INTVL", NO_KERNEL)],
  [C.ZMQ_TCP_ACCEPT_FILTER, no("ZMQ_TCP_ACCEPT_FILTER", "libzmq deprecated it; filter in a ZAP authenticator")],
  [C.ZMQ_DELAY_ATTACH_ON_CONNECT, map("ZMQ_IMMEDIATE", "bool", "immediate")],
  [C.ZMQ_XPUB_VERBOSE, {
    zmq: "ZMQ_XPUB_VERBOSE",
    set(h, v, name) {
      (h.lib as { verbosity: unknown }).verbosity = asBool(v, name) ? "allSubs" : null;
    },
  }],
  [C.ZMQ_ROUTER_RAW, no("ZMQ_ROUTER_RAW", "raw TCP (ZMQ_STREAM) is not implemented by this library yet")],
  [C.ZMQ_IPV6, no("ZMQ_IPV6", NO_ADDR_FAMILY)],
  [C.ZMQ_MECHANISM, { zmq: "ZMQ_MECHANISM", get: mechanism }],
  [C.ZMQ_PLAIN_SERVER, map("ZMQ_PLAIN_SERVER", "bool", "plainServer")],
  [C.ZMQ_PLAIN_USERNAME, map("ZMQ_PLAIN_USERNAME", "text", "plainUsername")],
  [C.ZMQ_PLAIN_PASSWORD, map("ZMQ_PLAIN_PASSWORD", "text", "plainPassword")],
  [C.ZMQ_CURVE_SERVER, map("ZMQ_CURVE_SERVER", "bool", "curveServer")],
  [C.ZMQ_CURVE_PUBLICKEY, map("ZMQ_CURVE_PUBLICKEY", "key", "curvePublicKey")],
  [C.ZMQ_CURVE_SECRETKEY, map("ZMQ_CURVE_SECRETKEY", "key", "curveSecretKey")],
  [C.ZMQ_CURVE_SERVERKEY, map("ZMQ_CURVE_SERVERKEY", "key", "curveServerKey")],
  [C.ZMQ_PROBE_ROUTER, map("ZMQ_PROBE_ROUTER", "bool", "probeRouter")],
  [C.ZMQ_REQ_CORRELATE, map("ZMQ_REQ_CORRELATE", "bool", "correlate")],
  [C.ZMQ_REQ_RELAXED, map("ZMQ_REQ_RELAXED", "bool", "relaxed")],
  [C.ZMQ_CONFLATE, map("ZMQ_CONFLATE", "bool", "conflate")],
  [C.ZMQ_ZAP_DOMAIN, map("ZMQ_ZAP_DOMAIN", "text", "zapDomain")],
  [C.ZMQ_ROUTER_HANDOVER, map("ZMQ_ROUTER_HANDOVER", "bool", "handover")],
  [C.ZMQ_HANDSHAKE_IVL, map("ZMQ_HANDSHAKE_IVL", "int", "handshakeInterval")],
  [C.ZMQ_XPUB_NODROP, map("ZMQ_XPUB_NODROP", "bool", "noDrop")],
  [C.ZMQ_XPUB_WELCOME_MSG, map("ZMQ_XPUB_WELCOME_MSG", "bytes", "welcomeMessage", true)],
  [C.ZMQ_INVERT_MATCHING, map("ZMQ_INVERT_MATCHING", "bool", "invertMatching")],
  [C.ZMQ_HEARTBEAT_IVL, map("ZMQ_HEARTBEAT_IVL", "int", "heartbeatInterval")],
  [C.ZMQ_HEARTBEAT_TTL, map("ZMQ_HEARTBEAT_TTL", "int", "heartbeatTimeToLive")],
  [C.ZMQ_HEARTBEAT_TIMEOUT, map("ZMQ_HEARTBEAT_TIMEOUT", "int", "heartbeatTimeout")],
  [C.ZMQ_XPUB_VERBOSER, {
    zmq: "ZMQ_XPUB_VERBOSER",
    set(h, v, name) {
      (h.lib as { verbosity: unknown }).verbosity = asBool(v, name) ? "allSubsUnsubs" : null;
    },
  }],
  [C.ZMQ_CONNECT_TIMEOUT, map("ZMQ_CONNECT_TIMEOUT", "int", "connectTimeout")],
]);

/**
 * Every option name a socket takes: zeromq.js 5's {@link options}, plus the
 * libzmq name of each socket option in lower case without `ZMQ_` (`sndhwm`,
 * `router_mandatory`, ...), as properties and `socket()` option keys. Left
 * out: `type`, `subscribe`, `unsubscribe`, `events`, `fd` and `rcvmore`,
 * which would shadow a Socket member (their zeromq.js 5 names stay).
 */
export const OPTION_NAMES: ReadonlyMap<string, number> = (() => {
  const names = new Map<string, number>(Object.entries(options));
  const aliases: [string, number][] = [
    ["routing_id", C.ZMQ_ROUTING_ID],
    ["recovery_ivl_msec", C.ZMQ_RECOVERY_IVL_MSEC],
    ["reconnect_ivl_max", C.ZMQ_RECONNECT_IVL_MAX],
    ["maxmsgsize", C.ZMQ_MAXMSGSIZE],
    ["sndhwm", C.ZMQ_SNDHWM],
    ["rcvhwm", C.ZMQ_RCVHWM],
    ["multicast_hops", C.ZMQ_MULTICAST_HOPS],
    ["rcvtimeo", C.ZMQ_RCVTIMEO],
    ["sndtimeo", C.ZMQ_SNDTIMEO],
    ["ipv4only", C.ZMQ_IPV4ONLY],
    ["router_mandatory", C.ZMQ_ROUTER_MANDATORY],
    ["tcp_keepalive", C.ZMQ_TCP_KEEPALIVE],
    ["tcp_keepalive_cnt", C.ZMQ_TCP_KEEPALIVE_CNT],
    ["tcp_keepalive_idle", C.ZMQ_TCP_KEEPALIVE_IDLE],
    ["tcp_keepalive_intvl", C.ZMQ_TCP_KEEPALIVE_INTVL],
    ["tcp_accept_filter", C.ZMQ_TCP_ACCEPT_FILTER],
    ["delay_attach_on_connect", C.ZMQ_DELAY_ATTACH_ON_CONNECT],
    ["immediate", C.ZMQ_IMMEDIATE],
    ["xpub_verbose", C.ZMQ_XPUB_VERBOSE],
    ["router_raw", C.ZMQ_ROUTER_RAW],
    ["ipv6", C.ZMQ_IPV6],
    ["probe_router", C.ZMQ_PROBE_ROUTER],
    ["req_correlate", C.ZMQ_REQ_CORRELATE],
    ["req_relaxed", C.ZMQ_REQ_RELAXED],
    ["conflate", C.ZMQ_CONFLATE],
    ["router_handover", C.ZMQ_ROUTER_HANDOVER],
    ["handshake_ivl", C.ZMQ_HANDSHAKE_IVL],
    ["xpub_nodrop", C.ZMQ_XPUB_NODROP],
    ["xpub_welcome_msg", C.ZMQ_XPUB_WELCOME_MSG],
    ["invert_matching", C.ZMQ_INVERT_MATCHING],
    ["xpub_verboser", C.ZMQ_XPUB_VERBOSER],
  ];
  for (const [name, n] of aliases) names.set(name, n);
  return names;
})();

/** The option number of `option` (a number, or one of {@link OPTION_NAMES}). */
export function optionNumber(option: number | string): number {
  if (typeof option === "number") return option;
  const n = OPTION_NAMES.get(option);
  if (n === undefined) throw new TypeError(`Unknown socket option "${option}"`);
  return n;
}

function rowOf(option: number | string): [number, Row] {
  const n = optionNumber(option);
  const row = TABLE.get(n);
  if (row === undefined) throw new TypeError(`Unknown socket option ${n}`);
  if ("unsupported" in row) throw new TypeError(`Socket option ${row.zmq} is not supported: ${row.unsupported}`);
  return [n, row];
}

// Errors from this library's option checks name its own option; say the libzmq one too.
function rethrow(e: unknown, zmq: string, type: SocketType): never {
  const msg = (e as Error).message;
  if (e instanceof RangeError) throw new RangeError(`${zmq}: ${msg}`, { cause: e });
  if (e instanceof TypeError) throw new TypeError(`${zmq} on a ${type} socket: ${msg}`, { cause: e });
  throw e;
}

/**
 * Reads one option, as zeromq.js 5's `getsockopt()` did.
 *
 * @param h The socket's state.
 * @param option The option number or name.
 * @returns The value: a number (flags as 0/1), a string, or null.
 */
export function getOption(h: OptionHost, option: number | string): unknown {
  const [, row] = rowOf(option);
  if ("get" in row || "set" in row) {
    const s = row as Special;
    if (s.get === undefined) throw new TypeError(`Socket option ${row.zmq} is write-only`);
    return s.get(h);
  }
  const m = row as Mapped;
  if (m.writeOnly) throw new TypeError(`Socket option ${row.zmq} is write-only`);
  let v: unknown;
  try {
    v = (h.lib as Record<string, unknown>)[m.lib];
  } catch (e) {
    rethrow(e, m.zmq, h.type);
  }
  if (v === undefined) throw new TypeError(`Socket option ${m.zmq} does not apply to ${h.type} sockets`);
  return m.kind === "bool" ? (v ? 1 : 0) : v;
}

/**
 * Sets one option, as zeromq.js 5's `setsockopt()` did.
 *
 * @param h The socket's state.
 * @param option The option number or name.
 * @param value The value: integers (flags as 0/1 or booleans), strings or Buffers.
 */
export function setOption(h: OptionHost, option: number | string, value: unknown): void {
  const [, row] = rowOf(option);
  const label = typeof option === "string" ? `${option} (${row.zmq})` : row.zmq;
  if ("get" in row || "set" in row) {
    const s = row as Special;
    if (s.set === undefined) throw new TypeError(`Socket option ${row.zmq} is read-only`);
    try {
      s.set(h, value, label);
    } catch (e) {
      rethrow(e, row.zmq, h.type);
    }
    return;
  }
  const m = row as Mapped;
  let v: unknown;
  switch (m.kind) {
    case "int":
      v = asInt(value, label);
      break;
    case "bool":
      v = asBool(value, label);
      break;
    case "text":
      v = asText(value, label);
      break;
    case "key":
      v = asKey(value, label);
      break;
    case "bytes":
      v = asBytes(value, label);
      break;
  }
  const lib = h.lib as Record<string, unknown>;
  if (!(m.lib in lib)) throw new TypeError(`Socket option ${m.zmq} does not apply to ${h.type} sockets`);
  try {
    lib[m.lib] = v;
  } catch (e) {
    rethrow(e, m.zmq, h.type);
  }
  if (v !== null && v !== false) {
    if (m.lib.startsWith("plain")) h.lastFamily = "PLAIN";
    else if (m.lib.startsWith("curve")) h.lastFamily = "CURVE";
  }
}
