/**
 * The receiver side of PGM (RFC 3208 §6), with the settings libzmq gives
 * OpenPGM: one receive window per source (per TSI), joined at the first
 * data packet seen or just after the leading edge of the first SPM; gaps
 * are asked for with NAKs after a random back-off (50 ms), repeated when no
 * NCF comes (200 ms) or no repair after the NCF (200 ms), 50 times at most;
 * data the source's trailing edge has passed is lost, which is reported so
 * that the stream above can resynchronise. APDUs come out in order, whole
 * (OPT_FRAGMENT reassembled). Runtime-free, as the sender.
 *
 * @module
 */

import {
  type DataPacket,
  encodeNak,
  encodeSpmr,
  MAX_NAK_LIST,
  NAK,
  type NakPacket,
  NCF,
  ODATA,
  type Packet,
  RDATA,
  seqDiff,
  seqLess,
  SPM,
  type SpmPacket,
} from "./packet.ts";
import type { PgmClock, PgmIo } from "./sender.ts";

/** A receiver's settings. */
export interface ReceiverConfig {
  /** The session's port. */
  readonly dport: number;
  /** The group joined, IPv4. */
  readonly group: string;
  /** Largest APDU reassembled from fragments. */
  readonly maxApdu?: number;
  /** Most packets held per source ahead of a gap (libzmq: rate × recoveryInterval / maxTpdu). */
  readonly windowSqns?: number;
  readonly nakBackoff?: number;
  readonly nakRepeat?: number;
  readonly rdataWait?: number;
  readonly nakRetries?: number;
  /** Most sources tracked at once. */
  readonly maxSources?: number;
}

/** What a receiver counted. */
export interface ReceiverStats {
  odata: number;
  rdata: number;
  spms: number;
  ncfs: number;
  /** NAK packets sent. */
  naks: number;
  /** Packets recovered by a repair. */
  repaired: number;
  /** Packets given up as lost. */
  lost: number;
  duplicates: number;
  /** Packets dropped: not for this session, malformed fragments, too many sources. */
  dropped: number;
}

/** The receiver's user: ordered APDUs per source, and losses. */
export interface ReceiverHandler {
  apdu(source: string, apdu: Uint8Array): void;
  /** Data of `source` could not be recovered: what follows does not continue what came before. */
  loss(source: string): void;
}

const enum Nak {
  Backoff,
  WaitNcf,
  WaitData,
}

interface Gap {
  state: Nak;
  deadline: number;
  ncfRetries: number;
  dataRetries: number;
  naked: boolean;
}

interface Source {
  readonly key: string;
  readonly gsi: Uint8Array;
  readonly sport: number;
  nla: string | null;
  spmSqn: number | null;
  /** Next sequence number to deliver. */
  next: number;
  /** Highest sequence number known to exist. */
  lead: number;
  held: Map<number, DataPacket>;
  gaps: Map<number, Gap>;
  // The APDU being reassembled from fragments.
  apdu: { first: number; buf: Uint8Array; filled: number } | null;
  spmrSent: boolean;
}

function keyOf(gsi: Uint8Array, sport: number): string {
  let s = "";
  for (let i = 0; i < 6; i++) s += gsi[i].toString(16).padStart(2, "0");
  return `${s}.${sport}`;
}

/** The receiving half of a PGM session: every source seen on one group and port. */
export class PgmReceiver {
  readonly stats: ReceiverStats = {
    odata: 0,
    rdata: 0,
    spms: 0,
    ncfs: 0,
    naks: 0,
    repaired: 0,
    lost: 0,
    duplicates: 0,
    dropped: 0,
  };
  #cfg: Required<ReceiverConfig>;
  #io: PgmIo;
  #clock: PgmClock;
  #handler: ReceiverHandler;
  #sources = new Map<string, Source>();
  #timer: unknown = null;
  #timerAt = Infinity;
  #closed = false;

  constructor(cfg: ReceiverConfig, io: PgmIo, clock: PgmClock, handler: ReceiverHandler) {
    this.#cfg = {
      maxApdu: 1 << 24,
      windowSqns: 1 << 16,
      nakBackoff: 50,
      nakRepeat: 200,
      rdataWait: 200,
      nakRetries: 50,
      maxSources: 256,
      ...cfg,
    };
    this.#io = io;
    this.#clock = clock;
    this.#handler = handler;
  }

  /** Sources currently tracked. */
  get sources(): number {
    return this.#sources.size;
  }

  /** A downstream packet arrived (SPM, ODATA, RDATA, NCF); anything else is ignored. */
  onPacket(p: Packet): void {
    if (this.#closed) return;
    if (p.type !== SPM && p.type !== ODATA && p.type !== RDATA && p.type !== NCF) return;
    this.#onDownstream(p);
    this.#arm();
  }

  #onDownstream(p: SpmPacket | DataPacket | NakPacket): void {
    // Downstream the destination port is the session's.
    if (p.dport !== this.#cfg.dport) {
      this.stats.dropped++;
      return;
    }
    const key = keyOf(p.gsi, p.sport);
    let s = this.#sources.get(key);
    if (s === undefined) {
      if (p.type === NCF) return;
      if (this.#sources.size >= this.#cfg.maxSources) {
        this.stats.dropped++;
        return;
      }
      // Defined by its first packet: after an SPM's lead, or at a data packet.
      const next = p.type === SPM ? (p.lead + 1) >>> 0 : (p as DataPacket).sqn;
      s = {
        key,
        gsi: p.gsi,
        sport: p.sport,
        nla: null,
        spmSqn: null,
        next,
        lead: (next - 1) >>> 0,
        held: new Map(),
        gaps: new Map(),
        apdu: null,
        spmrSent: false,
      };
      this.#sources.set(key, s);
    }
    if (p.type === SPM) this.#onSpm(s, p);
    else if (p.type === NCF) this.#onNcf(s, (p as NakPacket).sqns);
    else this.#onData(s, p as DataPacket);
  }

  /** Stops every timer; nothing more is sent or delivered. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#sources.clear();
  }

  #onSpm(s: Source, p: SpmPacket): void {
    this.stats.spms++;
    // An older SPM (reordered) says nothing new.
    if (s.spmSqn !== null && !seqLess(s.spmSqn, p.sqn)) return;
    s.spmSqn = p.sqn;
    s.nla = p.nla;
    if (p.fin && p.lead === ((s.next - 1) >>> 0) && s.gaps.size === 0) {
      this.#sources.delete(s.key);
      return;
    }
    this.#advanceLead(s, p.lead);
    this.#applyTrail(s, p.trail);
    this.#deliver(s);
  }

  #onNcf(s: Source, sqns: number[]): void {
    this.stats.ncfs++;
    const now = this.#clock.now();
    for (const sqn of sqns) {
      const g = s.gaps.get(sqn);
      // An NCF for a packet not asked for yet stands for our own NAK (suppression).
      if (g === undefined || g.state === Nak.WaitData) continue;
      g.state = Nak.WaitData;
      g.deadline = now + this.#cfg.rdataWait;
    }
  }

  #onData(s: Source, p: DataPacket): void {
    if (p.type === ODATA) this.stats.odata++;
    else this.stats.rdata++;
    const sqn = p.sqn;
    if (seqLess(sqn, s.next) || s.held.has(sqn)) {
      this.stats.duplicates++;
      this.#applyTrail(s, p.trail);
      this.#deliver(s);
      return;
    }
    // Too far ahead to hold: what lies before cannot all be kept.
    if (seqDiff(s.next, sqn) >= this.#cfg.windowSqns) {
      this.#lose(s, (sqn - this.#cfg.windowSqns + 1) >>> 0);
    }
    this.#advanceLead(s, sqn);
    if (s.gaps.delete(sqn) && p.type === RDATA) this.stats.repaired++;
    s.held.set(sqn, p);
    this.#applyTrail(s, p.trail);
    this.#deliver(s);
  }

  // Everything up to `lead` exists: what is missing becomes a gap to NAK.
  #advanceLead(s: Source, lead: number): void {
    if (!seqLess(s.lead, lead)) return;
    if (seqDiff(s.next, lead) >= this.#cfg.windowSqns) this.#lose(s, (lead - this.#cfg.windowSqns + 1) >>> 0);
    const now = this.#clock.now();
    let from = seqLess(s.lead, s.next) ? s.next : (s.lead + 1) >>> 0;
    for (; seqLess(from, lead); from = (from + 1) >>> 0) {
      if (!s.held.has(from) && !s.gaps.has(from)) {
        s.gaps.set(from, {
          state: Nak.Backoff,
          deadline: now + Math.random() * this.#cfg.nakBackoff,
          ncfRetries: 0,
          dataRetries: 0,
          naked: false,
        });
      }
    }
    s.lead = lead;
    // The lead itself, when it came from an SPM and is not here.
    if (!s.held.has(lead) && !s.gaps.has(lead) && !seqLess(lead, s.next)) {
      s.gaps.set(lead, {
        state: Nak.Backoff,
        deadline: now + Math.random() * this.#cfg.nakBackoff,
        ncfRetries: 0,
        dataRetries: 0,
        naked: false,
      });
    }
  }

  // The source no longer holds anything before `trail`: what is missing there is lost.
  #applyTrail(s: Source, trail: number): void {
    if (seqLess(s.next, trail)) {
      for (let q = s.next; seqLess(q, trail); q = (q + 1) >>> 0) {
        if (s.gaps.has(q)) {
          this.#lose(s, trail);
          return;
        }
        if (!s.held.has(q)) break;
      }
    }
  }

  // Gives up everything before `upTo` that is not here.
  #lose(s: Source, upTo: number): void {
    let lost = false;
    while (seqLess(s.next, upTo)) {
      const p = s.held.get(s.next);
      if (p !== undefined) {
        s.held.delete(s.next);
        this.#take(s, p);
      } else {
        lost = true;
        this.stats.lost++;
        s.gaps.delete(s.next);
        s.apdu = null;
      }
      s.next = (s.next + 1) >>> 0;
    }
    if (seqLess(s.lead, s.next)) s.lead = (s.next - 1) >>> 0;
    if (lost) this.#handler.loss(s.key);
  }

  #deliver(s: Source): void {
    for (let p = s.held.get(s.next); p !== undefined; p = s.held.get(s.next)) {
      s.held.delete(s.next);
      s.next = (s.next + 1) >>> 0;
      this.#take(s, p);
      if (this.#closed) return;
    }
  }

  // One in-order TSDU: an APDU, or a fragment of one.
  #take(s: Source, p: DataPacket): void {
    const f = p.fragment;
    if (f === undefined) {
      if (s.apdu !== null) {
        // A whole packet in the middle of an APDU: that APDU is broken.
        s.apdu = null;
        this.stats.dropped++;
        this.#handler.loss(s.key);
      }
      this.#handler.apdu(s.key, p.data);
      return;
    }
    if (f.offset === 0 && f.first === p.sqn) {
      if (s.apdu !== null) {
        this.stats.dropped++;
        this.#handler.loss(s.key);
      }
      if (f.length > this.#cfg.maxApdu || f.length < p.data.length) {
        s.apdu = null;
        this.stats.dropped++;
        return;
      }
      s.apdu = { first: f.first, buf: new Uint8Array(f.length), filled: 0 };
    }
    const a = s.apdu;
    if (a === null || a.first !== f.first || a.filled !== f.offset || a.buf.length !== f.length) {
      // A fragment of an APDU whose start we do not have (joined mid-way, or lost).
      if (a !== null) this.#handler.loss(s.key);
      s.apdu = null;
      this.stats.dropped++;
      return;
    }
    a.buf.set(p.data, a.filled);
    a.filled += p.data.length;
    if (a.filled === a.buf.length) {
      s.apdu = null;
      this.#handler.apdu(s.key, a.buf);
    }
  }

  // One timer for the earliest NAK deadline of all sources.
  #arm(): void {
    if (this.#closed) return;
    let at = Infinity;
    for (const s of this.#sources.values()) for (const g of s.gaps.values()) if (g.deadline < at) at = g.deadline;
    if (at === Infinity || at >= this.#timerAt) return;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#tick();
    }, Math.max(0, at - this.#clock.now()));
  }

  #tick(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    for (const s of [...this.#sources.values()]) {
      const ask: number[] = [];
      let giveUp: number | null = null;
      for (const [sqn, g] of s.gaps) {
        if (g.deadline > now) continue;
        if (g.state === Nak.WaitNcf && ++g.ncfRetries > this.#cfg.nakRetries) giveUp = sqn;
        else if (g.state === Nak.WaitData && ++g.dataRetries > this.#cfg.nakRetries) giveUp = sqn;
        else if (s.nla === null) {
          // No SPM yet: nowhere to send NAKs. Ask for one (to the group, as OpenPGM does).
          if (!s.spmrSent) {
            s.spmrSent = true;
            this.#io.multicast(encodeSpmr({ sport: this.#cfg.dport, dport: s.sport, gsi: s.gsi }));
          }
          g.deadline = now + this.#cfg.nakRepeat;
        } else {
          ask.push(sqn);
          g.state = Nak.WaitNcf;
          g.deadline = now + this.#cfg.nakRepeat;
          g.naked = true;
        }
      }
      if (giveUp !== null) {
        // Give up that packet and, with it, everything before it.
        this.#lose(s, (giveUp + 1) >>> 0);
        this.#deliver(s);
        continue;
      }
      ask.sort((a, b) => seqDiff(b, a));
      for (let i = 0; i < ask.length; i += MAX_NAK_LIST + 1) {
        const sqns = ask.slice(i, i + MAX_NAK_LIST + 1);
        const up = { sport: this.#cfg.dport, dport: s.sport, gsi: s.gsi };
        this.#io.unicast(encodeNak(up, NAK, sqns, s.nla!, this.#cfg.group), s.nla!);
        this.stats.naks++;
      }
    }
    this.#arm();
  }
}
