// One contract for every endpoint scheme: a driver binds an endpoint and
// makes connection attempts for connect(); the socket's core does the rest
// (reconnecting, linger, events) the same way for all. Byte-stream
// transports (tcp, ipc, ws, wss) become drivers through streamDriver();
// inproc and udp have their own. Registered by scheme.

import type { Endpoint } from "./endpoint.ts";
import type { EngineHost, EngineLike } from "./engine.ts";
import type { EventHub } from "./events.ts";
import type { Context } from "./context.ts";
import type { Connection, Transport, TransportOptions } from "./transport.ts";
import type { OptionValues } from "./options.ts";
import { parseEndpoint } from "./endpoint.ts";
import { zmqError } from "./errors.ts";
import { mechanismOf } from "./security.ts";
import { parseIPv4, parseIPv6, socksConnect } from "./socks.ts";

/** What a driver gets from the socket that binds or connects through it. */
export interface DriverHost extends EngineHost {
  readonly type: string;
  readonly context: Context;
  readonly events: EventHub;
  /** The socket's options, read at bind and at each connection attempt. */
  readonly opts: OptionValues;
  /** Runs ZMTP over a connection accepted on the bound `endpoint`. */
  accept(conn: Connection, endpoint: string): void;
  /** Runs ZMTP over a connection made for a connect(). */
  startEngine(conn: Connection, endpoint: string, connecter: unknown): EngineLike;
  /** The Identity an inproc peer sees. */
  inprocIdentity(): Uint8Array;
  /** udp:// (DISH): false drops a datagram of this group before it takes queue room. */
  acceptsGroup(group: Uint8Array): boolean;
}

/** One bound endpoint. */
export interface Binding {
  /** The endpoint actually bound (port and path resolved), for `lastEndpoint`. */
  readonly endpoint: string;
  /** Unbinds. */
  close(): Promise<void>;
  /** The connections made through it stay after unbind (inproc, as in libzmq); else they close with it. */
  readonly keepsConnections?: boolean;
  /** No bind and close events for it (inproc, as libzmq's monitor has none). */
  readonly quiet?: boolean;
}

/** A connection attempt that succeeded, not yet serving the socket. */
export interface Link {
  /** Starts serving `connecter` (the socket's state of that connect()); the engine, or null if refused. */
  start(connecter: unknown): EngineLike | null;
  /** Drops it: the socket no longer wants it (disconnected, closed, timed out). */
  discard(): void;
  /** No `connect` event for it (inproc, as libzmq's monitor has none). */
  readonly quiet?: boolean;
}

/** How one scheme binds and connects. */
export interface Driver {
  /** Refuses, at the call, an endpoint a socket type cannot use (throws). */
  check?(type: string, ep: Endpoint, binding: boolean): void;
  /** Binds `ep`; accepted connections go to `host.accept()`, failures to accept one to `accept:error`. */
  bind(host: DriverHost, ep: Endpoint): Binding | Promise<Binding>;
  /**
   * One attempt for connect(). Rejects when it fails: the socket tries again
   * after reconnectInterval, unless it was a protocol error. `signal` ends
   * an attempt still pending (disconnect, close). A Link returned at once
   * serves before connect() returns. `again` is true for the attempts after
   * a connection ended.
   */
  connect(host: DriverHost, ep: Endpoint, signal: AbortSignal, again: boolean): Link | Promise<Link>;
  /** After a connection ends, the next attempt starts at once (inproc: it waits for the next bind). */
  readonly redialAtOnce?: boolean;
  /** connectTimeout bounds an attempt (not for inproc, which waits for the bind). */
  readonly timed?: boolean;
}

const drivers = new Map<string, Driver>();
const transports = new Map<string, Transport>();

/**
 * Registers the transport used for a scheme (`tcp`, `ipc`, `ws`, ...).
 *
 * @param scheme The endpoint scheme, without `://`.
 * @param transport The implementation.
 * @example
 * ```ts
 * import { registerTransport } from "zmtp-zeromq";
 * import { nodeTransport } from "../transports/node.ts";
 * registerTransport("tcp", nodeTransport);
 * ```
 */
export function registerTransport(scheme: string, transport: Transport): void {
  transports.set(scheme, transport);
  registerDriver(scheme, streamDriver(transport));
}

/** The transport registered for a scheme, if any. */
export function getTransport(scheme: string): Transport | undefined {
  return transports.get(scheme);
}

/**
 * Registers the driver of a scheme (`tcp`, `ipc`, `ws`, `inproc`, `udp`, ...).
 *
 * @param scheme The endpoint scheme, without `://`.
 * @param driver The driver.
 * @example
 * ```ts
 * import { registerDriver, streamDriver } from "./driver.ts";
 * import { nodeTransport } from "../transports/node.ts";
 * registerDriver("tcp", streamDriver(nodeTransport));
 * ```
 */
export function registerDriver(scheme: string, driver: Driver): void {
  drivers.set(scheme, driver);
}

/**
 * The driver registered for a scheme.
 *
 * @param scheme The endpoint scheme.
 * @param address The endpoint, for the error.
 * @returns The driver.
 * @throws {TypeError} When the runtime has none for it.
 * @throws {ZmqError} EPROTONOSUPPORT for pgm://, naming epgm:// instead.
 * @example
 * ```ts
 * import "zmtp-zeromq";
 * import { driverFor } from "./driver.ts";
 * console.log(typeof driverFor("tcp", "tcp://127.0.0.1:5555").bind); // "function"
 * ```
 */
export function driverFor(scheme: string, address: string): Driver {
  const d = drivers.get(scheme);
  if (d === undefined && scheme === "pgm") {
    throw zmqError(
      "EPROTONOSUPPORT",
      "pgm:// (PGM over raw IP) needs raw sockets, which JavaScript runtimes do not have; use epgm:// (PGM over UDP, as libzmq's epgm)",
      { address },
    );
  }
  if (d === undefined) {
    throw new TypeError(`Transport "${scheme}" is not available in this runtime (endpoint "${address}")`);
  }
  return d;
}

/**
 * The driver of a byte-stream transport: ZMTP runs over each connection.
 *
 * @param transport Connects and listens for the scheme.
 * @returns The driver.
 * @example
 * ```ts
 * import { streamDriver } from "./driver.ts";
 * import { nodeTransport } from "../transports/node.ts";
 * console.log(streamDriver(nodeTransport).timed); // true
 * ```
 */
export function streamDriver(transport: Transport): Driver {
  return {
    timed: true,
    async bind(host, ep) {
      const o = host.opts;
      let target = ep;
      let filters: Filter[] = [];
      if (ep.scheme === "tcp") {
        // libzmq resolves a bind address in one family: an IPv6 address
        // without ipv6 is "no such device"; `*` is the IPv6 any (which
        // takes IPv4 too) with it.
        if (!o.ipv6 && ep.host.includes(":")) {
          throw zmqError("ENODEV", `ipv6 is off for ${ep.address}`, { address: ep.address });
        }
        if (o.ipv6 && /^tcp:\/\/\*:/.test(ep.address)) target = { ...ep, host: "::" };
        filters = o.tcpAcceptFilter.map(parseFilter);
      }
      let endpoint = ep.address;
      const listener = await transport.listen(
        target,
        (conn) => {
          // tcp_listener closes a connection from an address no filter takes
          // as soon as it is accepted, and reports a failed accept.
          if (filters.length > 0 && !filters.some((f) => f.matches(conn.remoteAddress))) {
            conn.destroy();
            host.events.emit({
              type: "accept:error",
              address: endpoint,
              error: zmqError("ECONNREFUSED", `${conn.remoteAddress} is not in tcpAcceptFilter`, { address: endpoint }),
            });
            return;
          }
          host.accept(conn, endpoint);
        },
        (error) => host.events.emit({ type: "accept:error", address: endpoint, error }),
        transportOptions(o),
      );
      endpoint = listener.endpoint;
      // Listening alone does not keep the process alive (lib/keepalive.ts).
      listener.unref?.();
      return listener;
    },
    async connect(host, ep, signal) {
      const o = host.opts;
      let conn: Connection;
      if (ep.scheme === "tcp" && o.socksProxy !== null) {
        // The proxy is resolved here, the target by the proxy.
        const proxy = parseEndpoint(`tcp://${o.socksProxy}`, false);
        checkFamily(proxy.host, o.ipv6, ep.address);
        // ZMQ_SOCKS_USERNAME: RFC 1929 authentication is offered when there is one.
        const auth = o.socksUsername !== null
          ? { username: o.socksUsername, password: o.socksPassword ?? "" }
          : undefined;
        conn = await socksConnect(await transport.connect(proxy, transportOptions(o)), ep.host, ep.port, signal, auth);
      } else {
        if (ep.scheme === "tcp") checkFamily(ep.host, o.ipv6, ep.address);
        conn = await transport.connect(ep, transportOptions(o));
      }
      return {
        start: (connecter) => host.startEngine(conn, ep.address, connecter),
        discard: () => conn.destroy(),
      };
    },
  };
}

// An IPv6 address cannot be connected to without ipv6 (libzmq: the attempt
// fails and is retried).
function checkFamily(host: string, ipv6: boolean, address: string): void {
  if (!ipv6 && host.includes(":")) throw zmqError("EINVAL", `ipv6 is off for ${address}`, { address });
}

function transportOptions(o: OptionValues): TransportOptions {
  return {
    ipv6: o.ipv6,
    backlog: o.backlog,
    tcpKeepalive: o.tcpKeepalive,
    tcpKeepaliveIdle: o.tcpKeepaliveIdle,
    tcpKeepaliveCount: o.tcpKeepaliveCount,
    tcpKeepaliveInterval: o.tcpKeepaliveInterval,
    typeOfService: o.typeOfService,
    mechanism: mechanismOf(o),
  };
}

interface Filter {
  matches(remoteAddress: string): boolean;
}

// One tcpAcceptFilter value, `address[/bits]` (checked when it was set):
// the peer's address matches when its first `bits` bits are the filter's
// (all of them without a mask), in the same family. An IPv4 peer on a
// dual-stack listener (::ffff:a.b.c.d) counts as IPv4.
function parseFilter(text: string): Filter {
  const [addr, mask] = text.split("/");
  const want = ipBytes(addr);
  if (want === null) return { matches: () => false };
  // A mapped IPv4 filter's mask counts its IPv6 prefix.
  const shift = want.length === 4 && addr.includes(":") ? 96 : 0;
  const bits = mask !== undefined ? Math.max(0, Number(mask) - shift) : want.length * 8;
  return {
    matches(remote) {
      const got = ipBytes(peerHost(remote));
      if (got === null || got.length !== want.length) return false;
      for (let i = 0; i < bits; i += 8) {
        const m = bits - i >= 8 ? 0xff : (0xff << (8 - (bits - i))) & 0xff;
        if ((got[i >> 3] & m) !== (want[i >> 3] & m)) return false;
      }
      return true;
    },
  };
}

function ipBytes(host: string): number[] | null {
  const v6 = parseIPv6(host);
  if (v6 !== null && v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
  return v6 ?? parseIPv4(host);
}

// "1.2.3.4:5", "::1:5", "[::1]:5" -> the host part.
function peerHost(remote: string): string {
  const colon = remote.lastIndexOf(":");
  const host = colon >= 0 ? remote.slice(0, colon) : remote;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
