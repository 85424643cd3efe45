/**
 * `udp://` for RADIO and DISH, as libzmq's udp_engine and udp_address do it:
 * no connection and no handshake, one datagram per message laid out as
 *
 *   datagram = group-size group body   ; group-size is one octet, 0..255
 *
 * A DISH binds and receives (filtering by the groups it joined); a RADIO
 * connects and sends every message to the target, unicast or multicast.
 * A DGRAM binds and does both, raw: a datagram is the body alone, and a
 * message is `[address, body]`, the address `ip:port` NUL-terminated as
 * libzmq's udp_engine gives it (a send takes it with or without the NUL).
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
import { latin1 } from "./bytes.ts";

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

const encoder = new TextEncoder();

/**
 * A DGRAM message's address frame for a datagram's source: `ip:port` and a
 * NUL, as libzmq's udp_engine makes it.
 *
 * @param from The source.
 * @returns The frame.
 */
export function addressFrame(from: DatagramSource): Uint8Array {
  return encoder.encode(`${from.host}:${from.port}\0`);
}

/**
 * Reads a DGRAM message's address frame: `ip:port`, a trailing NUL allowed.
 *
 * @param f The frame.
 * @returns The destination, or null when it is not one (port 0 is not).
 */
export function parseAddressFrame(f: Uint8Array): DatagramSource | null {
  let text = latin1(f);
  if (text.endsWith("\0")) text = text.slice(0, -1);
  const m = /^\[?([0-9A-Fa-f.:]+?)\]?:(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port === 0 || port > 65535) return null;
  return { host: m[1], port };
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

/** Where a datagram came from. */
export interface DatagramSource {
  readonly host: string;
  readonly port: number;
}

/** Receives a datagram socket's events. */
export interface DatagramHandler {
  /** A datagram arrived from `from`; it is ours to keep (the adapter must not reuse it). */
  onDatagram(datagram: Uint8Array, from: DatagramSource): void;
  /** The socket failed and is unusable. */
  onError(error: Error): void;
}

/** One datagram socket opened by a runtime adapter. */
export interface DatagramSocket {
  /** The local port (what a DISH bound to port 0 got). */
  readonly localPort: number;
  /** Sends one datagram to the target; `done` runs once the OS took it (or it failed). */
  send(datagram: Uint8Array, done: (error?: Error) => void): void;
  /** Sends one datagram to `host:port` (DGRAM); `done` as for send(). */
  sendTo(datagram: Uint8Array, host: string, port: number, done: (error?: Error) => void): void;
  /** Closes at once, leaving the multicast group if one was joined. */
  close(): void;
}

/** How a socket sends to a multicast group (ZMQ_MULTICAST_HOPS, ZMQ_MULTICAST_LOOP). */
export interface MulticastOptions {
  /** The TTL of what is sent. */
  readonly hops: number;
  /** What is sent is looped back to this host. */
  readonly loop: boolean;
}

/** The runtime side of udp://, filled by `transports/udp.ts`. */
export interface DatagramTransport {
  /** A socket sending to `target` (for multicast: on its interface, with `multicast`'s TTL and loopback). */
  sender(target: UdpTarget, handler: DatagramHandler, multicast?: MulticastOptions): Promise<DatagramSocket>;
  /** A socket bound for `target` (for multicast: on the group's port, joined to it). */
  receiver(target: UdpTarget, handler: DatagramHandler, multicast?: MulticastOptions): Promise<DatagramSocket>;
  /**
   * epgm://: a socket bound to the group's port on every address (shared
   * with other such sockets), joined to the group on the interface, that
   * sends to the group on that interface with `hops` as TTL and `loop` as
   * multicast loopback, and unicast with sendTo().
   */
  session?(target: UdpTarget, handler: DatagramHandler, options: SessionOptions): Promise<SessionSocket>;
}

/** How an epgm:// datagram socket sends multicast. */
export interface SessionOptions {
  readonly hops: number;
  readonly loop: boolean;
}

/** An epgm:// datagram socket. */
export interface SessionSocket extends DatagramSocket {
  /** The IPv4 address of the interface, where unicast (NAKs) reaches this host. */
  readonly interfaceAddress: string;
}

let datagrams: DatagramTransport | undefined;

/** @internal The runtime's datagram sockets, if any (epgm://). */
export function datagramTransport(): DatagramTransport | undefined {
  return datagrams;
}

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
 * Checks a udp:// endpoint for a socket: only a DISH or a DGRAM binds and
 * only a RADIO connects (libzmq answers ENOCOMPATPROTO otherwise; it lets a
 * DGRAM connect too, which is not done here).
 *
 * @param type The socket type.
 * @param ep The endpoint.
 * @param binding True for bind.
 * @returns The target.
 * @throws {ZmqError} ENOCOMPATPROTO for other socket types or directions.
 */
export function checkUdp(type: string, ep: Endpoint, binding: boolean): UdpTarget {
  if (binding ? type !== "DISH" && type !== "DGRAM" : type !== "RADIO") {
    throw zmqError(
      "ENOCOMPATPROTO",
      `udp:// is only for RADIO (connect), DISH and DGRAM (bind) sockets; a ${type} socket cannot ${
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
  #raw: boolean;
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
  constructor(host: UdpHost, endpoint: string, sending: boolean, raw = false) {
    this.#host = host;
    this.endpoint = endpoint;
    this.#sending = sending || raw;
    this.#raw = raw;
  }

  /** @internal Gives the engine its datagram socket. */
  attach(sock: DatagramSocket): void {
    this.#sock = sock;
    if (this.#state === State.Closed) sock.close();
  }

  /** Reports to the socket as a peer that is a DISH (sending), a RADIO (receiving) or a DGRAM (raw). */
  start(): void {
    if (this.#state !== State.Opened) return;
    const peer: PeerInfo = {
      socketType: this.#raw ? "DGRAM" : this.#sending ? "DISH" : "RADIO",
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
  onDatagram(d: Uint8Array, from: DatagramSource): void {
    const pipe = this.pipe;
    if (this.#state !== State.Active || pipe === null) return;
    if (this.#raw) {
      if (!this.#paused) pipe.pushIn([addressFrame(from), d]);
      return;
    }
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
      if (this.#raw) {
        const to = parseAddressFrame(m[0]);
        // libzmq drops a message whose address does not parse.
        if (to === null) {
          this.#report(new ZmqError("EINVAL", `dropped a message to "${latin1(m[0])}": not an ip:port address`));
          continue;
        }
        if (m[1].length > MAX_DATAGRAM) {
          this.#report(
            new ZmqError("EMSGSIZE", `dropped a message of ${m[1].length} bytes (more than ${MAX_DATAGRAM})`),
          );
          continue;
        }
        this.#busy = true;
        this.#sock!.sendTo(m[1], to.host, to.port, this.#sent);
        continue;
      }
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
    onDatagram: (d, from) => engine?.onDatagram(d, from),
    onError: (e) => engine === null ? failed = e : engine.onError(e),
  };
  const multicast = { hops: host.opts.multicastHops, loop: host.opts.multicastLoop };
  const sock = binding
    ? await datagrams.receiver(target, handler, multicast)
    : await datagrams.sender(target, handler, multicast);
  if (failed) {
    sock.close();
    throw failed;
  }
  let endpoint = ep.address;
  if (binding && ep.port === 0) {
    const host = target.family === 6 ? `[${ep.host}]` : ep.host;
    endpoint = `udp://${ep.source !== undefined ? ep.source + ";" : ""}${host}:${sock.localPort}`;
  }
  engine = new UdpEngine(host, endpoint, !binding, host.type === "DGRAM");
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
