/**
 * `epgm://iface;group:port`: PUB/XPUB and SUB/XSUB over PGM (RFC 3208)
 * encapsulated in UDP, as libzmq does it with OpenPGM, and interoperable
 * with it. A PUB or XPUB is a PGM source (lib/pgm/sender.ts), a SUB or
 * XSUB a PGM receiver of every source on the group (lib/pgm/receiver.ts);
 * ZeroMQ messages travel as libzmq lays them out (lib/pgm/framing.ts).
 * Both bind and connect open the endpoint, as in libzmq. Datagrams travel
 * on the group's port both ways (libzmq sets it as OpenPGM's multicast and
 * unicast encapsulation port), through the runtime's datagram sockets
 * (lib/udp.ts's contract, filled by transports/udp.ts).
 *
 * `pgm://` (PGM straight over IP) needs raw sockets, which JavaScript
 * runtimes do not have.
 *
 * @module
 */

import type { Endpoint } from "./endpoint.ts";
import type { EngineLike } from "./engine.ts";
import { HandshakeError, ProtocolError, zmqError } from "./errors.ts";
import { isMsg, type PeerInfo, type Pipe } from "./pipe.ts";
import { type Driver, type DriverHost, registerDriver } from "./driver.ts";
import { type DatagramSource, datagramTransport, type SessionSocket } from "./udp.ts";
import { unrefTimer } from "./keepalive.ts";
import { macrotask } from "./defer.ts";
import { NAK, NNAK, type Packet, parsePacket, SPMR } from "./pgm/packet.ts";
import { type PgmClock, type PgmIo, PgmSender, type SenderStats } from "./pgm/sender.ts";
import { PgmReceiver, type ReceiverStats } from "./pgm/receiver.ts";
import { ApduDecoder, packMessages } from "./pgm/framing.ts";

const SENDERS = new Set(["PUB", "XPUB"]);
const RECEIVERS = new Set(["SUB", "XSUB"]);

/** What an epgm:// endpoint means. */
export interface EpgmTarget {
  readonly group: string;
  readonly port: number;
  /** The interface (address or name) before `;`, if any. */
  readonly iface?: string;
}

/**
 * Reads an epgm:// endpoint: an IPv4 multicast group and a port (not 0),
 * after an optional interface and `;`.
 *
 * @param ep The parsed endpoint.
 * @returns The target.
 * @throws {TypeError} When it is not one (the socket reports EINVAL).
 */
export function epgmTarget(ep: Endpoint): EpgmTarget {
  const m = /^(\d+)\.\d+\.\d+\.\d+$/.exec(ep.host);
  if (m === null || Number(m[1]) < 224 || Number(m[1]) > 239 || ep.host.split(".").some((x) => Number(x) > 255)) {
    throw new TypeError(`Invalid endpoint "${ep.address}": "${ep.host}" is not an IPv4 multicast group`);
  }
  if (ep.port === 0) throw new TypeError(`Invalid endpoint "${ep.address}": epgm needs a port`);
  const iface = ep.source;
  return { group: ep.host, port: ep.port, ...(iface !== undefined && iface !== "" && iface !== "*" ? { iface } : {}) };
}

/**
 * Checks an epgm:// endpoint for a socket type, as libzmq does.
 *
 * @throws {ZmqError} ENOCOMPATPROTO for a type other than PUB, XPUB, SUB, XSUB.
 */
export function checkEpgm(type: string, ep: Endpoint): EpgmTarget {
  if (!SENDERS.has(type) && !RECEIVERS.has(type)) {
    throw zmqError("ENOCOMPATPROTO", `epgm:// is only for PUB, XPUB, SUB and XSUB sockets, not ${type}`, {
      address: ep.address,
    });
  }
  return epgmTarget(ep);
}

/** An epgm:// endpoint's counters. */
export interface EpgmStats {
  readonly endpoint: string;
  readonly role: "sender" | "receiver";
  readonly pgm: SenderStats | ReceiverStats;
  /** Datagrams dropped before PGM looked at them (malformed, bad checksum), and framing errors. */
  readonly malformed: number;
}

const engines = new Set<EpgmEngine>();

/** @internal Loss on purpose, for tests where the kernel cannot (no netem): true drops the datagram. */
export interface EpgmFaults {
  incoming?(datagram: Uint8Array): boolean;
  outgoing?(datagram: Uint8Array): boolean;
}

let faults: EpgmFaults | null = null;

/** @internal Installs (or, with null, removes) {@link EpgmFaults} for every epgm:// endpoint. */
export function setEpgmFaults(f: EpgmFaults | null): void {
  faults = f;
}

/** @internal Counters of every open epgm:// endpoint in this process (tests, diagnostics). */
export function epgmStatistics(): EpgmStats[] {
  return [...engines].map((e) => e.statistics());
}

const clock: PgmClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => unrefTimer(setTimeout(fn, ms)),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?(b: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256);
  return b;
}

const enum State {
  Opened,
  Active,
  Closing,
  Closed,
}

/** One epgm:// endpoint of a socket: a PGM source or receiver and the pipe it serves. */
export class EpgmEngine implements EngineLike {
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  #host: DriverHost;
  #target: EpgmTarget;
  #sock: SessionSocket | null = null;
  #sender: PgmSender | null = null;
  #receiver: PgmReceiver | null = null;
  #decoders = new Map<string, ApduDecoder>();
  #state = State.Opened;
  #kicked = false;
  #paused = false;
  #malformed = 0;
  #flushBound = () => this.#flush();

  /** @internal */
  constructor(host: DriverHost, endpoint: string, target: EpgmTarget) {
    this.#host = host;
    this.endpoint = endpoint;
    this.#target = target;
  }

  get #sending(): boolean {
    return SENDERS.has(this.#host.type);
  }

  /** @internal Gives the engine its datagram socket and starts PGM on it. */
  attach(sock: SessionSocket): void {
    this.#sock = sock;
    if (this.#state === State.Closed) {
      sock.close();
      return;
    }
    const o = this.#host.opts;
    const t = this.#target;
    const io: PgmIo = {
      multicast: (d) => this.#out(d, null),
      unicast: (d, host) => this.#out(d, host),
    };
    if (this.#sending) {
      let sport = 0;
      while (sport === 0 || sport === t.port) sport = (randomBytes(2)[0] << 8) | randomBytes(1)[0];
      this.#sender = new PgmSender(
        {
          gsi: randomBytes(6),
          sport,
          dport: t.port,
          group: t.group,
          nla: sock.interfaceAddress,
          maxTpdu: o.multicastMaxTransportDataUnit,
          rate: o.rate,
          recoveryInterval: o.recoveryInterval,
        },
        io,
        clock,
      );
      this.#sender.onDrain = () => this.kick();
    } else {
      const tpdu = o.multicastMaxTransportDataUnit;
      this.#receiver = new PgmReceiver(
        {
          dport: t.port,
          group: t.group,
          windowSqns: Math.max(64, Math.floor((o.rate / 8) * o.recoveryInterval / tpdu)),
        },
        io,
        clock,
        {
          apdu: (source, apdu) => this.#apdu(source, apdu),
          loss: (source) => this.#decoders.get(source)?.reset(),
        },
      );
    }
    engines.add(this);
  }

  // One datagram in flight at a time: one runtime's datagram API reorders
  // concurrent sends, and a receiver takes a reordered first packet for its
  // join point (and later ones for losses).
  #outQ: [Uint8Array, string | null][] = [];
  #busy = false;
  #out(d: Uint8Array, host: string | null): void {
    if (faults?.outgoing?.(d) || this.#state === State.Closed) return;
    this.#outQ.push([d, host]);
    if (!this.#busy) this.#next();
  }
  #next(): void {
    const item = this.#outQ.shift();
    const sock = this.#sock;
    if (item === undefined || sock === null || this.#state === State.Closed) {
      this.#busy = false;
      return;
    }
    this.#busy = true;
    if (item[1] === null) sock.send(item[0], this.#sent);
    else sock.sendTo(item[0], item[1], this.#target.port, this.#sent);
  }
  #sent = (error?: Error) => {
    if (error) this.#report(error);
    this.#next();
    // Closing waits for the last datagram to leave.
    if (!this.#busy && this.#state === State.Closing) this.kick();
  };

  /** @internal Counters. */
  statistics(): EpgmStats {
    return {
      endpoint: this.endpoint,
      role: this.#sender !== null ? "sender" : "receiver",
      pgm: this.#sender?.stats ?? this.#receiver!.stats,
      malformed: this.#malformed,
    };
  }

  /** Reports to the socket as a peer of the matching kind (a PUB's epgm pipe takes every message: lib/sockets/xpub.ts). */
  start(): void {
    if (this.#state !== State.Opened) return;
    const peer: PeerInfo = {
      socketType: this.#sending ? "SUB" : "PUB",
      identity: new Uint8Array(0),
      properties: new Map(),
      remoteAddress: this.endpoint,
      minor: 1,
    };
    const pipe = this.#host.engineReady(this, peer, { properties: new Map() });
    if (typeof pipe === "string") {
      this.#finish(new HandshakeError(pipe));
      return;
    }
    this.#state = State.Active;
    this.pipe = pipe;
    pipe.setEngine(this);
  }

  /** @internal A datagram arrived. */
  onDatagram(d: Uint8Array, _from: DatagramSource): void {
    if (this.#state !== State.Active && this.#state !== State.Closing) return;
    if (faults?.incoming?.(d)) return;
    const p = parsePacket(d);
    if (typeof p === "string") {
      this.#malformed++;
      this.#report(new ProtocolError(`dropped a PGM packet of ${d.length} bytes: ${p}`));
      return;
    }
    if (p.type === NAK || p.type === NNAK || p.type === SPMR) {
      if (this.#sender !== null) this.#sender.onPacket(p);
      // Every socket here shares the port: a unicast NAK reaches only one of them.
      else if (p.type !== SPMR) forwardUpstream(this.#target.port, p);
      return;
    }
    this.#receiver?.onPacket(p);
  }

  /** @internal An upstream packet another endpoint on the port received. */
  upstream(port: number, p: Packet): void {
    if (port === this.#target.port) this.#sender?.onPacket(p);
  }

  #apdu(source: string, apdu: Uint8Array): void {
    const pipe = this.pipe;
    if (pipe === null) return;
    let dec = this.#decoders.get(source);
    if (dec === undefined) this.#decoders.set(source, dec = new ApduDecoder(this.#host.opts.maxMessageSize));
    try {
      dec.push(apdu, (msg) => {
        // A full queue drops whole messages (the stream stays in step).
        if (!this.#paused) pipe.pushIn(msg);
      });
    } catch (e) {
      this.#malformed++;
      this.#report(e instanceof Error ? new ProtocolError(e.message) : new ProtocolError(String(e)));
    }
  }

  /** @internal The datagram socket failed. */
  onError(error: Error): void {
    this.#finish(error);
  }

  kick(): void {
    if (this.#kicked || this.#state === State.Closed) return;
    this.#kicked = true;
    // A macrotask later, so that a burst of sends fills APDUs as libzmq's I/O thread does.
    macrotask(this.#flushBound);
  }

  pauseInput(): void {
    this.#paused = true;
  }

  resumeInput(): void {
    this.#paused = false;
  }

  // Takes what the pipe holds, as libzmq's sender fills APDUs with what is queued.
  #flush(): void {
    this.#kicked = false;
    const pipe = this.pipe;
    if (pipe === null || this.#state === State.Opened || this.#state === State.Closed) return;
    const sender = this.#sender;
    const batch: Uint8Array[][] = [];
    let bytes = 0;
    const limit = sender === null ? Infinity : sender.maxApdu * 64;
    while (pipe.outQ.length > 0 && !(sender?.full ?? false) && bytes < limit) {
      const m = pipe.takeOut()!;
      // A receiver has nothing to send: subscriptions do not travel over PGM.
      if (sender === null || !isMsg(m)) continue;
      batch.push(m);
      for (const f of m) bytes += f.length + 10;
      if (bytes >= limit) {
        for (const apdu of packMessages(batch, sender.maxApdu)) sender.send(apdu);
        batch.length = 0;
        bytes = 0;
      }
    }
    if (sender !== null && batch.length > 0) {
      for (const apdu of packMessages(batch, sender.maxApdu)) {
        sender.send(apdu);
      }
    }
    if (pipe.outQ.length > 0 && !(sender?.full ?? false)) this.kick();
    const drained = pipe.outQ.length === 0 && (sender === null || sender.queued === 0);
    if (this.#state === State.Closing && drained && !this.#busy) {
      this.#finish();
    } else if (this.#state === State.Closing && sender !== null && sender.queued > 0) {
      // The rate limit holds the rest back: look again shortly (linger bounds the wait).
      clock.setTimeout(() => this.#flush(), 10);
    }
  }

  #report(error: Error): void {
    this.#host.events.emit({ type: "unknown", address: this.endpoint, error });
  }

  /** Closes once what is queued has been sent (as the rate allows). */
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
    engines.delete(this);
    this.#sender?.close();
    this.#receiver?.close();
    this.#sock?.close();
    if (!wasActive) {
      if (error) this.#host.engineClosed(this, error, false);
      return;
    }
    this.pipe?.setEngine(null);
    this.#host.engineClosed(this, error, true);
  }
}

function forwardUpstream(port: number, p: Packet): void {
  for (const e of engines) e.upstream(port, p);
}

/**
 * Opens an epgm:// endpoint (bind and connect do the same). The engine is
 * not started: the caller starts it, or destroys it if no longer wanted.
 */
async function openEpgm(host: DriverHost, ep: Endpoint): Promise<EpgmEngine> {
  const target = checkEpgm(host.type, ep);
  const datagrams = datagramTransport();
  if (datagrams?.session === undefined) {
    throw new TypeError(`Transport "epgm" is not available in this runtime (endpoint "${ep.address}")`);
  }
  let engine: EpgmEngine | null = null;
  let failed: Error | undefined;
  const sock = await datagrams.session(
    {
      family: 4,
      host: target.group,
      port: target.port,
      multicast: true,
      ...(target.iface ? { iface: target.iface } : {}),
    },
    {
      onDatagram: (d, from) => engine?.onDatagram(d, from),
      onError: (e) => engine === null ? failed = e : engine.onError(e),
    },
    // libzmq turns multicast loopback off; on the loopback interface data comes back all the same.
    { hops: host.opts.multicastHops, loop: false },
  );
  if (failed) {
    sock.close();
    throw failed;
  }
  engine = new EpgmEngine(host, ep.address, target);
  engine.attach(sock);
  return engine;
}

const epgmDriver: Driver = {
  check(type, ep) {
    checkEpgm(type, ep);
  },
  async bind(host, ep) {
    const engine = await openEpgm(host, ep);
    engine.start();
    return {
      endpoint: engine.endpoint,
      close() {
        engine.destroy();
        return Promise.resolve();
      },
    };
  },
  async connect(host, ep) {
    const engine = await openEpgm(host, ep);
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

registerDriver("epgm", epgmDriver);
