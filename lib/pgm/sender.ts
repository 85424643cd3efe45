/**
 * The source side of PGM (RFC 3208 §5), as OpenPGM's sender behaves with
 * libzmq's settings: ODATA under a rate limit, a transmit window of
 * `rate × recoveryInterval` bytes for repairs, SPMs at start, after data
 * (a heartbeat that slows down) and every 30 s, NAKs answered with an NCF
 * at once and RDATA from the window. Runtime-free: the datagrams and the
 * timers come through {@link PgmIo} and {@link PgmClock}.
 *
 * @module
 */

import {
  encodeData,
  encodeNak,
  encodeSpm,
  type Fragment,
  IP_UDP_HEADERS,
  maxFragmentTsdu,
  maxTsdu,
  NAK,
  NCF,
  NNAK,
  ODATA,
  type Packet,
  RDATA,
  SPMR,
} from "./packet.ts";

/** Where a PGM endpoint's datagrams go. */
export interface PgmIo {
  /** To the group, on the session's port. */
  multicast(packet: Uint8Array): void;
  /** To one address, on the session's port (NAKs). */
  unicast(packet: Uint8Array, host: string): void;
}

/** Timers, so that the protocol can be driven by a test clock too. */
export interface PgmClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A source's settings. */
export interface SenderConfig {
  /** Global source id, 6 bytes. */
  readonly gsi: Uint8Array;
  /** The TSI's source port (random, not 0). */
  readonly sport: number;
  /** The session's port (the endpoint's). */
  readonly dport: number;
  /** The multicast group, IPv4. */
  readonly group: string;
  /** This source's unicast address, for NAKs. */
  readonly nla: string;
  /** ZMQ_MULTICAST_MAXTPDU. */
  readonly maxTpdu: number;
  /** ZMQ_RATE, kbit/s. */
  readonly rate: number;
  /** ZMQ_RECOVERY_IVL, ms. */
  readonly recoveryInterval: number;
}

/** What a source counted. */
export interface SenderStats {
  odata: number;
  rdata: number;
  spms: number;
  ncfs: number;
  /** NAKs accepted (each may ask for several packets). */
  naks: number;
  /** Packets asked for that had left the window. */
  nakMisses: number;
  /** Packets asked for again right after their repair went out (NAK floods): not repeated. */
  nakHeld: number;
  /** Upstream packets dropped: not for this source, or malformed. */
  dropped: number;
}

// OpenPGM's heartbeat after data, as libzmq sets it, then the ambient SPM.
const HEARTBEAT = [100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000];
const AMBIENT = 30000;
// Below the receivers' wait for a repair after its NCF (200 ms in libzmq's settings).
const REPAIR_HOLD = 100;

interface Held {
  readonly data: Uint8Array;
  readonly fragment?: Fragment;
}

/** One PGM source (one TSI). */
export class PgmSender {
  readonly stats: SenderStats = {
    odata: 0,
    rdata: 0,
    spms: 0,
    ncfs: 0,
    naks: 0,
    nakMisses: 0,
    nakHeld: 0,
    dropped: 0,
  };
  /** Runs when the queue of ODATA has room again (after {@link send} said no). */
  onDrain: (() => void) | null = null;
  #cfg: SenderConfig;
  #io: PgmIo;
  #clock: PgmClock;
  #common: { sport: number; dport: number; gsi: Uint8Array };
  #maxTsdu: number;
  #maxFragment: number;
  // Sequence numbers: the next ODATA's, and the oldest kept for repairs.
  #next = 0;
  #trail = 0;
  #window = new Map<number, Held>();
  #windowSqns: number;
  #spmSqn = 0;
  #heartbeat = 0;
  #spmTimer: unknown = null;
  // Rate limit: a token bucket of bytes (TPDU + IP/UDP headers, as OpenPGM counts).
  #bytesPerMs: number;
  #bucket: number;
  #bucketMax: number;
  #filled: number;
  #rateTimer: unknown = null;
  // ODATA waiting for the rate limit, and repairs (sent first).
  #odata: Held[] = [];
  #repairs: number[] = [];
  #repairing = new Set<number>();
  // When each packet was last repaired: NAKs for it soon after are the same loss, not a new one.
  #repairedAt = new Map<number, number>();
  #closed = false;
  #highWater: number;

  constructor(cfg: SenderConfig, io: PgmIo, clock: PgmClock) {
    this.#cfg = cfg;
    this.#io = io;
    this.#clock = clock;
    this.#common = { sport: cfg.sport, dport: cfg.dport, gsi: cfg.gsi };
    this.#maxTsdu = maxTsdu(cfg.maxTpdu);
    this.#maxFragment = maxFragmentTsdu(cfg.maxTpdu);
    if (this.#maxFragment < 1) throw new RangeError(`multicastMaxTransportDataUnit ${cfg.maxTpdu} is too small`);
    // libzmq's pgm_socket_t::compute_sqns.
    this.#windowSqns = Math.max(1, Math.floor((cfg.rate / 8) * cfg.recoveryInterval / cfg.maxTpdu));
    this.#bytesPerMs = cfg.rate * 1000 / 8 / 1000;
    // OpenPGM's bucket: a millisecond of the rate when that holds a TPDU,
    // else a second of it, but at most 64 KiB here: a larger burst overflows
    // a receiver's default socket buffer (loss, then a storm of repairs).
    this.#bucketMax = this.#bytesPerMs >= cfg.maxTpdu
      ? this.#bytesPerMs
      : Math.min(this.#bytesPerMs * 1000, Math.max(cfg.maxTpdu, 65536));
    this.#bucket = this.#bucketMax;
    this.#filled = clock.now();
    // Enough queued ODATA for 100 ms at the rate, at least a few packets.
    this.#highWater = Math.max(16, Math.ceil(this.#bytesPerMs * 100 / cfg.maxTpdu));
    this.#sendSpm();
    this.#scheduleSpm(AMBIENT);
  }

  /** The largest APDU that fits one ODATA unfragmented (libzmq fills exactly this). */
  get maxApdu(): number {
    return this.#maxTsdu;
  }

  /** Packets the transmit window holds for repairs, at most. */
  get windowSqns(): number {
    return this.#windowSqns;
  }

  /** True when the ODATA queue is at its high-water mark: wait for {@link onDrain}. */
  get full(): boolean {
    return this.#odata.length >= this.#highWater;
  }

  /** ODATA not sent yet. */
  get queued(): number {
    return this.#odata.length;
  }

  /**
   * Queues one APDU; larger than one TPDU, it goes as fragments (OPT_FRAGMENT).
   *
   * @param apdu The APDU.
   * @returns False when the queue is full now (the APDU is queued all the same).
   */
  send(apdu: Uint8Array): boolean {
    if (this.#closed) return false;
    if (apdu.length <= this.#maxTsdu) this.#odata.push({ data: apdu });
    else {
      const first = (this.#next + this.#odata.length) >>> 0;
      for (let off = 0; off < apdu.length; off += this.#maxFragment) {
        const data = apdu.subarray(off, Math.min(apdu.length, off + this.#maxFragment));
        this.#odata.push({ data, fragment: { first, offset: off, length: apdu.length } });
      }
    }
    this.#pump();
    return !this.full;
  }

  /** An upstream packet arrived (NAK, N-NAK, SPMR); anything else is not for a source. */
  onPacket(p: Packet): void {
    if (this.#closed) return;
    if (p.type !== NAK && p.type !== NNAK && p.type !== SPMR) return;
    // Upstream the ports are swapped; the GSI is the source's.
    if (p.dport !== this.#cfg.sport || p.sport !== this.#cfg.dport || !sameGsi(p.gsi, this.#cfg.gsi)) {
      this.stats.dropped++;
      return;
    }
    if (p.type === SPMR) {
      this.#sendSpm();
      return;
    }
    if (p.type === NNAK) return;
    if (p.sourceNla !== this.#cfg.nla || p.groupNla !== this.#cfg.group) {
      this.stats.dropped++;
      return;
    }
    this.stats.naks++;
    const confirm: number[] = [];
    for (const sqn of p.sqns) {
      if (!this.#window.has(sqn)) {
        this.stats.nakMisses++;
        continue;
      }
      // One repair per packet however many NAKs ask for it (NAK floods):
      // the receivers wait 200 ms for it before asking again.
      const at = this.#repairedAt.get(sqn);
      if (at !== undefined && this.#clock.now() - at < REPAIR_HOLD) {
        this.stats.nakHeld++;
        continue;
      }
      confirm.push(sqn);
      if (!this.#repairing.has(sqn)) {
        this.#repairing.add(sqn);
        this.#repairs.push(sqn);
      }
    }
    if (confirm.length > 0) {
      this.#io.multicast(encodeNak(this.#common, NCF, confirm, this.#cfg.nla, this.#cfg.group));
      this.stats.ncfs++;
    }
    this.#pump();
  }

  /** Stops: an SPM with OPT_FIN tells receivers, then nothing more is sent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.multicast(
      encodeSpm(this.#common, this.#spmSqn++, this.#trail, (this.#next - 1) >>> 0, this.#cfg.nla, true),
    );
    if (this.#spmTimer !== null) this.#clock.clearTimeout(this.#spmTimer);
    if (this.#rateTimer !== null) this.#clock.clearTimeout(this.#rateTimer);
    this.#spmTimer = this.#rateTimer = null;
    this.#odata = [];
    this.#repairs = [];
    this.#window.clear();
    this.#repairedAt.clear();
  }

  #sendSpm(): void {
    this.#io.multicast(encodeSpm(this.#common, this.#spmSqn, this.#trail, (this.#next - 1) >>> 0, this.#cfg.nla));
    this.#spmSqn = (this.#spmSqn + 1) >>> 0;
    this.stats.spms++;
  }

  #scheduleSpm(ms: number): void {
    if (this.#spmTimer !== null) this.#clock.clearTimeout(this.#spmTimer);
    this.#spmTimer = this.#clock.setTimeout(() => {
      this.#spmTimer = null;
      if (this.#closed) return;
      this.#sendSpm();
      const next = this.#heartbeat < HEARTBEAT.length ? HEARTBEAT[this.#heartbeat++] : AMBIENT;
      this.#scheduleSpm(next);
    }, ms);
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#bucket = Math.min(this.#bucketMax, this.#bucket + (now - this.#filled) * this.#bytesPerMs);
    this.#filled = now;
  }

  // Sends what the rate allows, repairs first; waits on a timer for the rest.
  #pump(): void {
    if (this.#rateTimer !== null || this.#closed) return;
    let sentData = false;
    const wasFull = this.full;
    for (;;) {
      const repair = this.#repairs.length > 0;
      if (!repair && this.#odata.length === 0) break;
      this.#refill();
      let held: Held | undefined;
      let sqn: number;
      if (repair) {
        sqn = this.#repairs[0];
        held = this.#window.get(sqn);
        if (held === undefined) {
          // Left the window while it waited.
          this.#repairs.shift();
          this.#repairing.delete(sqn);
          continue;
        }
      } else {
        held = this.#odata[0];
        sqn = this.#next;
      }
      const size = held.data.length + 24 + (held.fragment ? 20 : 0) + IP_UDP_HEADERS;
      if (this.#bucket < size) {
        const wait = Math.max(1, Math.ceil((size - this.#bucket) / this.#bytesPerMs));
        this.#rateTimer = this.#clock.setTimeout(() => {
          this.#rateTimer = null;
          this.#pump();
        }, wait);
        break;
      }
      this.#bucket -= size;
      if (repair) {
        this.#repairs.shift();
        this.#repairing.delete(sqn);
        this.#io.multicast(encodeData(this.#common, RDATA, sqn, this.#trail, held.data, held.fragment));
        this.stats.rdata++;
        this.#repairedAt.set(sqn, this.#clock.now());
      } else {
        this.#odata.shift();
        this.#window.set(sqn, held);
        this.#next = (this.#next + 1) >>> 0;
        while (this.#window.size > this.#windowSqns) {
          this.#window.delete(this.#trail);
          this.#repairedAt.delete(this.#trail);
          this.#trail = (this.#trail + 1) >>> 0;
        }
        this.#io.multicast(encodeData(this.#common, ODATA, sqn, this.#trail, held.data, held.fragment));
        this.stats.odata++;
        sentData = true;
      }
    }
    if (sentData) {
      // The heartbeat restarts after data: it tells receivers of a lost tail.
      this.#heartbeat = 0;
      this.#scheduleSpm(HEARTBEAT[this.#heartbeat++]);
    }
    if (wasFull && !this.full) this.onDrain?.();
  }
}

function sameGsi(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}
