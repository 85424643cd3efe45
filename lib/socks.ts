/**
 * A SOCKS5 client (RFC 1928, with RFC 1929 username/password
 * authentication when a username is given) over the {@link Connection}
 * contract, as libzmq's `ZMQ_SOCKS_PROXY` uses it: the connection to the
 * proxy asks it to CONNECT to the endpoint's host and port (a host name is
 * passed on for the proxy to resolve), and once the proxy has said yes the
 * connection carries ZMTP. Whatever goes wrong before that (the proxy
 * refuses, hangs up, or replies with bytes that are not SOCKS5) fails the
 * attempt, and the socket tries again after `reconnectInterval`, as libzmq
 * does. Runtime-free: the bytes go through any transport.
 *
 * @module
 */

import type { Connection, ConnectionHandler } from "./transport.ts";
import { zmqError } from "./errors.ts";

const VERSION = 5;
const NO_AUTH = 0;
const USER_PASS = 2;
// RFC 1929: the version of the username/password subnegotiation.
const AUTH_VERSION = 1;
const CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_DOMAIN = 3;
const ATYP_IPV6 = 4;

// RFC 1928 §6: the meaning of each REP value.
const REPLIES = [
  "succeeded",
  "general SOCKS server failure",
  "connection not allowed by ruleset",
  "network unreachable",
  "host unreachable",
  "connection refused",
  "TTL expired",
  "command not supported",
  "address type not supported",
];

/**
 * The bytes of a CONNECT request to `host`:`port` (RFC 1928 §4): an IPv4 or
 * IPv6 literal as its address bytes, anything else as a domain name.
 *
 * @param host The target host, IPv6 without brackets.
 * @param port The target port.
 * @returns The request.
 * @throws {RangeError} For a name longer than 255 bytes.
 * @example
 * ```ts
 * import { socksRequest } from "./socks.ts";
 * console.log(socksRequest("127.0.0.1", 5555)); // 5 1 0 1 127 0 0 1 21 179
 * ```
 */
export function socksRequest(host: string, port: number): Uint8Array {
  let addr: Uint8Array;
  const v4 = parseIPv4(host);
  const v6 = v4 === null ? parseIPv6(host) : null;
  if (v4 !== null) addr = Uint8Array.of(ATYP_IPV4, ...v4);
  else if (v6 !== null) addr = Uint8Array.of(ATYP_IPV6, ...v6);
  else {
    const name = new TextEncoder().encode(host);
    if (name.length > 255) throw zmqError("EINVAL", `SOCKS5 host name "${host}" is longer than 255 bytes`);
    addr = Uint8Array.of(ATYP_DOMAIN, name.length, ...name);
  }
  return Uint8Array.of(VERSION, CONNECT, 0, ...addr, port >> 8, port & 0xff);
}

/**
 * Runs the SOCKS5 handshake on a fresh connection to a proxy and resolves
 * with the connection the engine then runs on (bytes the proxy sent after
 * its reply are delivered first). Rejects, with the connection destroyed,
 * when the proxy refuses, closes or breaks the protocol, or on `signal`.
 *
 * @param conn A connection to the proxy, not started.
 * @param host The target host the proxy connects to.
 * @param port The target port.
 * @param signal Ends a pending handshake.
 * @param auth A username (1 to 255 bytes) and password (up to 255) to offer
 *   the proxy besides no authentication (libzmq's ZMQ_SOCKS_USERNAME and
 *   ZMQ_SOCKS_PASSWORD); a refusal fails the attempt.
 * @returns The tunnelled connection.
 * @example
 * ```ts ignore
 * const tunnel = await socksConnect(await transport.connect(proxyEp), "10.0.0.5", 5555);
 * ```
 */
export function socksConnect(
  conn: Connection,
  host: string,
  port: number,
  signal?: AbortSignal,
  auth?: { username: string; password: string },
): Promise<Connection> {
  let request: Uint8Array;
  let login: Uint8Array | null = null;
  try {
    request = socksRequest(host, port);
    if (auth !== undefined) login = socksLogin(auth.username, auth.password);
  } catch (e) {
    conn.destroy();
    return Promise.reject(e);
  }
  const tunnel = new Tunnel(conn);
  return new Promise<Connection>((resolve, reject) => {
    let stage: "choice" | "auth" | "reply" = "choice";
    let buf = new Uint8Array(0);
    let settled = false;
    const fail = (detail: string, code: "ECONNREFUSED" | "ECONNRESET" = "ECONNREFUSED") => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      conn.destroy();
      reject(zmqError(code, `SOCKS5 proxy ${conn.remoteAddress}: ${detail}`));
    };
    const onAbort = () => fail("the attempt was ended", "ECONNRESET");
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);
    tunnel.during = {
      onData(chunk) {
        if (settled) return;
        const all = new Uint8Array(buf.length + chunk.length);
        all.set(buf);
        all.set(chunk, buf.length);
        buf = all;
        if (stage === "choice") {
          if (buf.length < 2) return;
          if (buf[0] !== VERSION) return fail(`not a SOCKS5 reply (version ${buf[0]})`);
          if (buf[1] === USER_PASS && login !== null) {
            buf = buf.subarray(2);
            stage = "auth";
            conn.write(login);
          } else if (buf[1] !== NO_AUTH) return fail("no acceptable authentication method");
          else {
            buf = buf.subarray(2);
            stage = "reply";
            conn.write(request);
          }
        }
        if (stage === "auth") {
          // RFC 1929: VER STATUS, 0 for success.
          if (buf.length < 2) return;
          if (buf[0] !== AUTH_VERSION) return fail(`not a SOCKS5 authentication reply (version ${buf[0]})`);
          if (buf[1] !== 0) return fail("username or password refused");
          buf = buf.subarray(2);
          stage = "reply";
          conn.write(request);
        }
        // VER REP RSV ATYP BND.ADDR BND.PORT
        if (buf.length < 5) return;
        if (buf[0] !== VERSION) return fail(`not a SOCKS5 reply (version ${buf[0]})`);
        if (buf[1] !== 0) return fail(REPLIES[buf[1]] ?? `reply ${buf[1]}`);
        if (buf[2] !== 0) return fail("bad reserved byte in reply");
        const atyp = buf[3];
        const addrLen = atyp === ATYP_IPV4 ? 4 : atyp === ATYP_IPV6 ? 16 : atyp === ATYP_DOMAIN ? 1 + buf[4] : -1;
        if (addrLen < 0) return fail(`bad address type ${atyp} in reply`);
        const len = 4 + addrLen + 2;
        if (buf.length < len) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        // Held until the engine starts; what came after the reply is its.
        conn.pause();
        tunnel.hand(buf.subarray(len));
        resolve(tunnel);
      },
      onClose(error) {
        fail(error !== undefined ? `closed: ${error.message}` : "closed during the handshake", "ECONNRESET");
      },
      onDrain() {},
    };
    conn.start(tunnel);
    conn.write(login === null ? Uint8Array.of(VERSION, 1, NO_AUTH) : Uint8Array.of(VERSION, 2, NO_AUTH, USER_PASS));
  });
}

/**
 * The bytes of an RFC 1929 username/password request.
 *
 * @param username 1 to 255 bytes of UTF-8.
 * @param password Up to 255 bytes of UTF-8.
 * @returns The request.
 * @throws {RangeError} For a username empty or longer than 255 bytes, or a password longer.
 * @example
 * ```ts
 * import { socksLogin } from "./socks.ts";
 * console.log(socksLogin("u", "p")); // 1 1 117 1 112
 * ```
 */
export function socksLogin(username: string, password: string): Uint8Array {
  const enc = new TextEncoder();
  const u = enc.encode(username);
  const p = enc.encode(password);
  if (u.length < 1 || u.length > 255 || p.length > 255) {
    throw zmqError("EINVAL", "A SOCKS5 username is 1 to 255 bytes, a password up to 255");
  }
  return Uint8Array.of(AUTH_VERSION, u.length, ...u, p.length, ...p);
}

// The proxy connection seen by the engine once the handshake is over; until
// then its events go to the handshake.
class Tunnel implements Connection, ConnectionHandler {
  readonly remoteAddress: string;
  during: ConnectionHandler | null = null;
  #conn: Connection;
  #h: ConnectionHandler | null = null;
  #early: Uint8Array | null = null;
  #closed: { error?: Error } | null = null;

  constructor(conn: Connection) {
    this.#conn = conn;
    this.remoteAddress = conn.remoteAddress;
    if (conn.defer !== undefined) this.defer = (fn) => conn.defer!(fn);
    if (conn.alloc !== undefined) this.alloc = (size) => conn.alloc!(size);
  }

  hand(rest: Uint8Array): void {
    this.during = null;
    if (rest.length > 0) this.#early = rest.slice();
  }

  onData(chunk: Uint8Array): void {
    if (this.during !== null) return this.during.onData(chunk);
    if (this.#h !== null) return this.#h.onData(chunk);
    const e = this.#early;
    if (e === null) this.#early = chunk;
    else {
      const all = new Uint8Array(e.length + chunk.length);
      all.set(e);
      all.set(chunk, e.length);
      this.#early = all;
    }
  }

  onClose(error?: Error): void {
    if (this.during !== null) return this.during.onClose(error);
    if (this.#h !== null) return this.#h.onClose(error);
    this.#closed = { error };
  }

  onDrain(): void {
    if (this.during !== null) return this.during.onDrain();
    this.#h?.onDrain();
  }

  start(handler: ConnectionHandler): void {
    this.#h = handler;
    const early = this.#early;
    this.#early = null;
    if (early !== null) handler.onData(early);
    if (this.#closed !== null) return handler.onClose(this.#closed.error);
    this.#conn.resume();
  }

  write(chunk: Uint8Array): boolean {
    return this.#conn.write(chunk);
  }

  pause(): void {
    this.#conn.pause();
  }

  resume(): void {
    this.#conn.resume();
  }

  end(): void {
    this.#conn.end();
  }

  destroy(error?: Error): void {
    this.#conn.destroy(error);
  }

  // The engine unrefs its connection (lib/keepalive.ts): the proxy's is the one to unref.
  unref(): void {
    this.#conn.unref?.();
  }

  defer?: (fn: () => void) => void;
  alloc?: (size: number) => Uint8Array;
}

/**
 * The 4 bytes of a dotted IPv4 address, or null.
 *
 * @param s The text.
 * @returns The bytes, or null when it is not one.
 * @example
 * ```ts
 * import { parseIPv4 } from "./socks.ts";
 * console.log(parseIPv4("10.0.0.1")); // 10 0 0 1
 * ```
 */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out.push(Number(p));
  }
  return out;
}

/**
 * The 16 bytes of an IPv6 address (with `::`, an IPv4 tail, a `%zone`
 * ignored), or null.
 *
 * @param s The text, without brackets.
 * @returns The bytes, or null when it is not one.
 * @example
 * ```ts
 * import { parseIPv6 } from "./socks.ts";
 * console.log(parseIPv6("::1")?.[15]); // 1
 * ```
 */
export function parseIPv6(s: string): number[] | null {
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  if (!s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (t: string): number[] | null => {
    if (t === "") return [];
    const out: number[] = [];
    const parts = t.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(v4[0], v4[1], v4[2], v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        const n = parseInt(p, 16);
        out.push(n >> 8, n & 0xff);
      } else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const fill = 16 - head.length - tail.length;
  if (halves.length === 2 ? fill < 2 : fill !== 0) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}
