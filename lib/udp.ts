/**
 * `udp://` for RADIO and DISH, as libzmq's udp_engine and udp_address do it:
 * no connection and no handshake, one datagram per message laid out as
 *
 *   datagram = group-size group body   ; group-size is one octet, 0..255
 *
 * A DISH binds and receives (filtering by the groups it joined); a RADIO
 * connects and sends every message to the target, unicast or multicast.
 * The runtime's datagram sockets come through the {@link DatagramTransport}
 * contract, which `transports/udp.ts` fills.
 *
 * @module
 */

import type { Endpoint } from "./endpoint.ts";
import type { EngineLike } from "./engine.ts";
import { HandshakeError, ProtocolError, ZmqError, zmqError } from "./errors.ts";
import { isMsg, type PeerInfo, type Pipe } from "./pipe.ts";
import type { Listener } from "./transport.ts";
import { type Driver, type DriverHost, registerDriver } from "./driver.ts";

/** Largest datagram sent or accepted, in bytes (libzmq's MAX_UDP_MSG). */
export const MAX_DATAGRAM = 8192;

/** ZMQ_GROUP_MAX_LENGTH. */
export const GROUP_MAX_LENGTH = 255;

/**
 * Lays out one RADIO message as a datagram.
 *
 * @param group The group, at most 255 bytes.
 * @param body The message body.
 * @returns `group-size group body`.
 */
export function encodeDatagram(group: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + group.length + body.length);
  out[0] = group.length;
  out.set(group, 1);
  out.set(body, 1 + group.length);
  return out;
}

/**
 * Splits a datagram into group and body (views, no copies).
 *
 * @param d The datagram.
 * @returns `[group, body]`, or null when it is empty or its group-size runs past its end.
 */
export function decodeDatagram(d: Uint8Array): [Uint8Array, Uint8Array] | null {
  if (d.length === 0 || d[0] > d.length - 1) return null;
  return [d.subarray(1, 1 + d[0]), d.subarray(1 + d[0])];
}

/** What a udp:// endpoint means for the socket that uses it. */
export interface UdpTarget {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Where a RADIO sends; for a DISH, the address to bind (unicast) or the group to join (multicast). */
  readonly host: string;
  readonly port: number;
  /** True when `host` is a multicast group. */
  readonly multicast: boolean;
  /** The interface before `;` (a name such as `eth0` or an address), for multicast only. */
  readonly iface?: string;
}

function isMulticast(host: string): boolean {
  if (host.includes(":")) return /^ff/i.test(host);
  const m = /^(\d+)\.\d+\.\d+\.\d+$/.exec(host);
  return m !== null && Number(m[1]) >= 224 && Number(m[1]) <= 239;
}

/**
 * Reads a udp:// endpoint with libzmq's rules (udp_address.cpp): `iface;`
 * only before a multicast group, a unicast address is the bind address of
 * a DISH and the destination of a RADIO.
 *
 * @param ep The parsed endpoint.
 * @returns The target.
 * @throws {TypeError} For an interface before a unicast address, or a multicast interface.
 */
export function udpTarget(ep: Endpoint): UdpTarget {
  const multicast = isMulticast(ep.host);
  const family = ep.host.includes(":") ? 6 : 4;
  let iface = ep.source;
  if (iface !== undefined) {
    if (!multicast) {
      throw new TypeError(`Invalid endpoint "${ep.address}": an interface (before ";") needs a multicast group`);
    }
    if (iface.length === 0 || isMulticast(iface)) {
      throw new TypeError(`Invalid endpoint "${ep.address}": "${iface}" is not an interface`);
    }
    if (iface === "*") iface = undefined;
  }
  return { family, host: ep.host, port: ep.port, multicast, ...(iface !== undefined ? { iface } : {}) };
}

/** Receives a datagram socket's events. */
export interface DatagramHandler {
  /** A datagram arrived; it is ours to keep (the adapter must not reuse it). */
  onDatagram(datagram: Uint8Array): void;
  /** The socket failed and is unusable. */
  onError(error: Error): void;
}

/** One datagram socket opened by a runtime adapter. */
export interface DatagramSocket {
  /** The local port (what a DISH bound to port 0 got). */
  readonly localPort: number;
  /** Sends one datagram to the target; `done` runs once the OS took it (or it failed). */
  send(datagram: Uint8Array, done: (error?: Error) => void): void;
  /** Closes at once, leaving the multicast group if one was joined. */
  close(): void;
}

/** The runtime side of udp://, filled by `transports/udp.ts`. */
export interface DatagramTransport {
  /** A socket sending to `target` (for multicast: on its interface, with loopback). */
  sender(target: UdpTarget, handler: DatagramHandler): Promise<DatagramSocket>;
  /** A socket bound for `target` (for multicast: on the group's port, joined to it). */
  receiver(target: UdpTarget, handler: DatagramHandler): Promise<DatagramSocket>;
}

let datagrams: DatagramTransport | undefined;

/**
 * Installs the runtime's datagram sockets for udp://.
 *
 * @param transport The adapter.
 */
export function registerDatagramTransport(transport: DatagramTransport): void {
  datagrams = transport;
}

/** What udp needs from a socket. */
export type UdpHost = DriverHost;

/**
 * Checks a udp:// endpoint for a socket: only a DISH binds and only a RADIO
 * connects (libzmq answers ENOCOMPATPROTO otherwise).
 *
 * @param type The socket type.
 * @param ep The endpoint.
 * @param binding True for bind.
 * @returns The target.
 * @throws {ZmqError} ENOCOMPATPROTO for other socket types or directions.
 */
export function checkUdp(type: string, ep: Endpoint, binding: boolean): UdpTarget {
  if (type !== (binding ? "DISH" : "RADIO")) {
    throw zmqError(
      "ENOCOMPATPROTO",
      `udp:// is only for RADIO (connect) and DISH (bind) sockets; a ${type} socket cannot ${
        binding ? "bind" : "connect"
      } to ${ep.address}`,
      { address: ep.address },
    );
  }
  return udpTarget(ep);
}

const enum State {
  Opened,
  Active,
  Closing,
  Closed,
}

/**
 * One udp:// endpoint of a socket: a datagram socket and the pipe it serves.
 * A sending engine has one datagram in flight at a time, so order holds on
 * every runtime (one runtime's datagram API reorders concurrent sends) and a slow
 * socket leaves messages in the pipe, where the RADIO's HWM drops them.
 */
export class UdpEngine implements EngineLike {
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  #host: UdpHost;
  #sock: DatagramSocket | null = null;
  #sending: boolean;
  #state = State.Opened;
  #busy = false;
  #kicked = false;
  #paused = false;
  #flushBound = () => this.#flush();
  #sent = (error?: Error) => {
    this.#busy = false;
    if (error) this.#report(error);
    this.#flush();
  };

  /** @internal */
  constructor(host: UdpHost, endpoint: string, sending: boolean) {
    this.#host = host;
    this.endpoint = endpoint;
    this.#sending = sending;
  }

  /** @internal Gives the engine its datagram socket. */
  attach(sock: DatagramSocket): void {
    this.#sock = sock;
    if (this.#state === State.Closed) sock.close();
  }

  /** Reports to the socket as a peer that is a DISH (sending) or a RADIO (receiving). */
  start(): void {
    if (this.#state !== State.Opened) return;
    const peer: PeerInfo = {
      socketType: this.#sending ? "DISH" : "RADIO",
      identity: new Uint8Array(0),
      properties: new Map(),
      remoteAddress: this.endpoint,
      minor: 1,
    };
    const pipe = this.#host.engineReady(this, peer, { properties: new Map() });
    if (typeof pipe === "string") {
      this.#state = State.Closed;
      this.#sock?.close();
      this.#host.engineClosed(this, new HandshakeError(pipe), false);
      return;
    }
    this.#state = State.Active;
    this.pipe = pipe;
    pipe.setEngine(this);
  }

  /** @internal A datagram arrived. */
  onDatagram(d: Uint8Array): void {
    const pipe = this.pipe;
    if (this.#state !== State.Active || pipe === null) return;
    if (d.length > MAX_DATAGRAM) {
      this.#report(new ProtocolError(`dropped a datagram of ${d.length} bytes (more than ${MAX_DATAGRAM})`));
      return;
    }
    const msg = decodeDatagram(d);
    if (msg === null) {
      this.#report(new ProtocolError(`dropped a malformed datagram of ${d.length} bytes`));
      return;
    }
    // RFC 48: a DISH silently drops what does not fit its queue.
    if (this.#paused || this.#host.acceptsGroup?.(msg[0]) === false) return;
    pipe.pushIn(msg);
  }

  /** @internal The datagram socket failed. */
  onError(error: Error): void {
    this.#finish(error);
  }

  kick(): void {
    if (this.#kicked || this.#state === State.Closed) return;
    this.#kicked = true;
    queueMicrotask(this.#flushBound);
  }

  pauseInput(): void {
    this.#paused = true;
  }

  resumeInput(): void {
    this.#paused = false;
  }

  #flush(): void {
    this.#kicked = false;
    const pipe = this.pipe;
    if (pipe === null || this.#state < State.Active || this.#state === State.Closed) return;
    const q = pipe.outQ;
    // A receiving engine has nothing to send: JOIN/LEAVE do not travel over udp.
    while (!this.#busy && q.length > 0) {
      const m = pipe.takeOut()!;
      if (!this.#sending || !isMsg(m) || m.length !== 2) continue;
      const size = 1 + m[0].length + m[1].length;
      if (m[0].length > GROUP_MAX_LENGTH || size > MAX_DATAGRAM) {
        this.#report(
          new ZmqError("EMSGSIZE", `dropped a message of ${size} bytes (more than ${MAX_DATAGRAM} as a datagram)`),
        );
        continue;
      }
      this.#busy = true;
      this.#sock!.send(encodeDatagram(m[0], m[1]), this.#sent);
    }
    if (this.#state === State.Closing && !this.#busy && q.length === 0) this.#finish();
  }

  #report(error: Error): void {
    this.#host.events.emit({ type: "unknown", address: this.endpoint, error });
  }

  /** Closes once queued messages are sent. */
  close(): void {
    if (this.#state === State.Opened) this.#finish();
    if (this.#state !== State.Active) return;
    this.#state = State.Closing;
    this.#flush();
  }

  destroy(): void {
    this.#finish();
  }

  #finish(error?: Error): void {
    if (this.#state === State.Closed) return;
    const wasActive = this.#state !== State.Opened;
    this.#state = State.Closed;
    this.#sock?.close();
    if (!wasActive) return;
    this.pipe?.setEngine(null);
    this.#host.engineClosed(this, error, true);
  }
}

/**
 * Opens the datagram socket for a udp:// endpoint. The engine is not
 * started: the caller starts it (or destroys it if no longer wanted).
 *
 * @param host The socket.
 * @param ep The endpoint (checked with {@link checkUdp}).
 * @param binding True for a DISH bind, false for a RADIO connect.
 * @returns The engine, with `endpoint` resolved (a bound port 0 filled in).
 */
export async function openUdp(host: UdpHost, ep: Endpoint, binding: boolean): Promise<UdpEngine> {
  const target = checkUdp(host.type, ep, binding);
  if (datagrams === undefined) {
    throw new TypeError(`Transport "udp" is not available in this runtime (endpoint "${ep.address}")`);
  }
  // Nothing arrives before the engine exists: that is a microtask away.
  let engine: UdpEngine | null = null;
  let failed: Error | undefined;
  const handler: DatagramHandler = {
    onDatagram: (d) => engine?.onDatagram(d),
    onError: (e) => engine === null ? failed = e : engine.onError(e),
  };
  const sock = binding ? await datagrams.receiver(target, handler) : await datagrams.sender(target, handler);
  if (failed) {
    sock.close();
    throw failed;
  }
  let endpoint = ep.address;
  if (binding && ep.port === 0) {
    const host = target.family === 6 ? `[${ep.host}]` : ep.host;
    endpoint = `udp://${ep.source !== undefined ? ep.source + ";" : ""}${host}:${sock.localPort}`;
  }
  engine = new UdpEngine(host, endpoint, !binding);
  engine.attach(sock);
  return engine;
}

/**
 * Binds a DISH to a udp:// endpoint: the returned listener's `close()`
 * drops the endpoint's pipe, as unbind does in libzmq.
 *
 * @param host The DISH.
 * @param ep The endpoint.
 * @returns A listener for the socket's bookkeeping.
 */
export async function bindUdp(host: UdpHost, ep: Endpoint): Promise<Listener> {
  const engine = await openUdp(host, ep, true);
  engine.start();
  return {
    endpoint: engine.endpoint,
    close() {
      engine.destroy();
      return Promise.resolve();
    },
  };
}

// udp:// as a driver: a DISH binds a datagram socket, a RADIO "connects" by
// opening one; neither has connections to accept.
const udpDriver: Driver = {
  check(type, ep, binding) {
    checkUdp(type, ep, binding);
  },
  bind: bindUdp,
  async connect(host, ep) {
    const engine = await openUdp(host, ep, false);
    return {
      start(connecter) {
        engine.connecter = connecter;
        engine.start();
        return engine;
      },
      discard: () => engine.destroy(),
    };
  },
};

registerDriver("udp", udpDriver);
