/**
 * Socket options as data: one row per option with its zeromq.js name, its
 * libzmq name, its default, the check of a new value, the socket types it
 * applies to and when a change takes effect. {@link defineOptions} turns the
 * rows into properties; the constructor options go through the same rows, so
 * an unknown option, an option of another socket type and a bad value are
 * refused alike. Adding an option is adding a row.
 *
 * @module
 */

import type { Authenticator } from "./zmtp/zap.ts";
import { z85Decode, z85Encode } from "./z85.ts";

/** The socket types, by their ZMTP names. */
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
  | "DISH";

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
}

const enc = new TextEncoder();

function int(min: number, max = 0x7fffffff): (v: unknown, name: string) => number {
  return (v, name) => {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`Option "${name}" must be an integer`);
    if (v < min || v > max) throw new RangeError(`Option "${name}" must be from ${min} to ${max}`);
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
    if (enc.encode(v).length > maxBytes) throw new RangeError(`Option "${name}" is limited to ${maxBytes} bytes`);
    return v;
  };
}

function textOrNull(maxBytes: number): (v: unknown, name: string) => string | null {
  const t = text(maxBytes);
  return (v, name) => v === null ? null : t(v, name);
}

// Text or bytes, kept as given (a copy of bytes); null for none.
function bytesOrText(v: unknown, name: string): string | Uint8Array | null {
  if (v === null || typeof v === "string") return v;
  if (v instanceof Uint8Array) return v.slice();
  throw new TypeError(`Option "${name}" must be a string, a Uint8Array or null`);
}

// A routing id is 1 to 255 bytes (RFC 23 §"The Routing Id"; libzmq's ZMQ_ROUTING_ID).
function routingId(v: unknown, name: string): string | Uint8Array | null {
  const id = bytesOrText(v, name);
  const n = typeof id === "string" ? enc.encode(id).length : id?.length;
  if (n !== undefined && (n < 1 || n > 255)) throw new RangeError(`Option "${name}" must be 1 to 255 bytes`);
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
 * import { curveKey } from "./lib/options.ts";
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
  conflate: boolean;
  invertMatching: boolean;
  routingId: string | Uint8Array | null;
  probeRouter: boolean;
  correlate: boolean;
  relaxed: boolean;
  mandatory: boolean;
  handover: boolean;
  noDrop: boolean;
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
}

/** The name of an option. */
export type OptionName = keyof OptionValues;

/** Every socket option, by its zeromq.js name: the table. */
export const OPTIONS: { readonly [K in OptionName]: OptionRow<OptionValues[K]> } = {
  linger: row({ zmq: "ZMQ_LINGER", default: -1, typeDefault: { DISH: 0 }, parse: int(-1), applies: "now" }),
  sendHighWaterMark: row({ zmq: "ZMQ_SNDHWM", default: 1000, parse: int(0), applies: "connection" }),
  receiveHighWaterMark: row({ zmq: "ZMQ_RCVHWM", default: 1000, parse: int(0), applies: "connection" }),
  sendTimeout: row({ zmq: "ZMQ_SNDTIMEO", default: -1, parse: int(-1), applies: "now" }),
  receiveTimeout: row({ zmq: "ZMQ_RCVTIMEO", default: -1, parse: int(-1), applies: "now" }),
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
  heartbeatTimeout: row({ zmq: "ZMQ_HEARTBEAT_TIMEOUT", default: 0, parse: int(0), applies: "connection" }),
  heartbeatTimeToLive: row({
    zmq: "ZMQ_HEARTBEAT_TTL",
    default: 0,
    parse: int(0, 6553599),
    applies: "connection",
  }),
  connectTimeout: row({ zmq: "ZMQ_CONNECT_TIMEOUT", default: 0, parse: int(0), applies: "connection" }),
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
  noDrop: row({ zmq: "ZMQ_XPUB_NODROP", default: false, parse: bool, types: ["PUB", "XPUB"], applies: "now" }),
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
  zapDomain: row({ zmq: "ZMQ_ZAP_DOMAIN", default: "", parse: text(255), applies: "connection" }),
  authenticator: row({
    zmq: "(a ZAP handler)",
    default: null as Authenticator | null,
    parse: authenticator,
    applies: "connection",
  }),
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
 * @returns A fresh object with every option's default.
 * @example
 * ```ts
 * import { defaultOptions } from "./lib/options.ts";
 * console.log(defaultOptions("DISH").linger); // 0
 * ```
 */
export function defaultOptions(type: string): OptionValues {
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(OPTIONS) as [string, OptionRow<unknown>][]) {
    out[name] = r.typeDefault?.[type as SocketTypeName] ?? r.default;
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
 * import { defaultOptions, lastSecurityFamily, setOption } from "./lib/options.ts";
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
 * import { defaultOptions, setOption } from "./lib/options.ts";
 * const opts = defaultOptions("PUSH");
 * setOption(opts, "PUSH", "linger", 0);
 * console.log(opts.linger); // 0
 * ```
 */
export function setOption(opts: OptionValues, type: string, name: string, value: unknown): void {
  if (!Object.hasOwn(OPTIONS, name)) throw new TypeError(`Unknown option "${name}" for ${type} socket`);
  if (!hasOption(name, type)) throw new TypeError(`Option "${name}" does not apply to ${type} sockets`);
  const v = (OPTIONS[name] as OptionRow<unknown>).parse(value, name);
  (opts as unknown as Record<string, unknown>)[name] = v;
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
 * import { defaultOptions, defineOptions } from "./lib/options.ts";
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
  holder: (self: object) => { readonly opts: OptionValues; readonly type: string },
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
        setOption(h.opts, h.type, name, v);
      },
    });
  }
}
