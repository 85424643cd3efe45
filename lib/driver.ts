// One contract for every endpoint scheme: a driver binds an endpoint and
// makes connection attempts for connect(); the socket's core does the rest
// (reconnecting, linger, events) the same way for all. Byte-stream
// transports (tcp, ipc, ws, wss) become drivers through streamDriver();
// inproc and udp have their own. Registered by scheme.

import type { Endpoint } from "./endpoint.ts";
import type { EngineHost, EngineLike } from "./engine.ts";
import type { EventHub } from "./events.ts";
import type { Context } from "./context.ts";
import type { Connection, Transport } from "./transport.ts";

/** What a driver gets from the socket that binds or connects through it. */
export interface DriverHost extends EngineHost {
  readonly type: string;
  readonly context: Context;
  readonly events: EventHub;
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
 * import { registerTransport } from "./mod.ts";
 * import { nodeTransport } from "./transports/node.ts";
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
 * import { registerDriver, streamDriver } from "./lib/driver.ts";
 * import { nodeTransport } from "./transports/node.ts";
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
 * @example
 * ```ts
 * import "./mod.ts";
 * import { driverFor } from "./lib/driver.ts";
 * console.log(typeof driverFor("tcp", "tcp://127.0.0.1:5555").bind); // "function"
 * ```
 */
export function driverFor(scheme: string, address: string): Driver {
  const d = drivers.get(scheme);
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
 * import { streamDriver } from "./lib/driver.ts";
 * import { nodeTransport } from "./transports/node.ts";
 * console.log(streamDriver(nodeTransport).timed); // true
 * ```
 */
export function streamDriver(transport: Transport): Driver {
  return {
    timed: true,
    async bind(host, ep) {
      let endpoint = ep.address;
      const listener = await transport.listen(
        ep,
        (conn) => host.accept(conn, endpoint),
        (error) => host.events.emit({ type: "accept:error", address: endpoint, error }),
      );
      endpoint = listener.endpoint;
      // Listening alone does not keep the process alive (lib/keepalive.ts).
      listener.unref?.();
      return listener;
    },
    async connect(host, ep) {
      const conn = await transport.connect(ep);
      return {
        start: (connecter) => host.startEngine(conn, ep.address, connecter),
        discard: () => conn.destroy(),
      };
    },
  };
}
