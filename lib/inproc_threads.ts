// inproc:// between threads (Workers): a connection between a socket here
// and one bound in another thread, found through ThreadNotes
// (lib/inproc_registry.ts). Each connection has a BroadcastChannel of its
// own, named by a random id that only its two ends know: web-standard, so
// it runs on Deno, Bun, Node and in browsers. (A MessagePort would need
// transferring through a Worker's own postMessage, which is the user's;
// BroadcastChannel carries no ports.)
//
// To the socket it is an engine like any other: messages leave the pipe's
// outbound queue in batches, one ArrayBuffer per macrotask (one copy of the
// bytes, no structured clone and no promise per message), and arrive in the
// peer's inbound queue as views over that buffer. HWMs hold as within one
// thread (sndhwm + rcvhwm): the receiver tells its receive HWM when the
// connection is made and how many messages its socket has taken since,
// and the sender keeps at most that HWM on the way or queued there
// (credit-based flow control). A thread that ends (a Worker terminated or
// crashed) says nothing: each end pings the other while idle and takes
// silence for a gone peer, which then counts as a disconnect.

import type { EngineLike } from "./engine.ts";
import { isCompatible } from "./compatibility.ts";
import { isMsg, Membership, type Msg, type PeerInfo, type Pipe, type PipeItem, Subscription } from "./pipe.ts";
import { ZmqError } from "./errors.ts";
import { type InprocSocket, notes, type ThreadPeer } from "./inproc_registry.ts";
import type { Link } from "./driver.ts";
import { frameView } from "./frames.ts";
import { hold, release, unrefChannel, unrefTimer } from "./keepalive.ts";

// An idle connection pings this often, and takes this long a silence for
// a peer thread gone. A thread that blocks its event loop longer than
// SILENT_MS (a synchronous loop) is taken for gone too.
const PING_MS = 500;
const SILENT_MS = 5000;
// A batch holds about this many bytes at most.
const BATCH_BYTES = 1 << 20;
const PREFIX = "zmtp:inproc:";

// What goes over a connection's channel besides batches (ArrayBuffers).
type Ctl =
  | { t: "a"; info: ThreadPeer } // accepted; the binder as a peer
  | { t: "r" } // refused: socket types that cannot talk
  | { t: "c"; n: number } // credit: items the receiver's socket has taken, in all
  | { t: "p" } // ping
  | { t: "x" }; // closed

const KIND_MSG = 0, KIND_SUB = 1, KIND_MEMBER = 2;

function info(s: InprocSocket, ring: SharedArrayBuffer | undefined): ThreadPeer {
  return { type: s.type, identity: s.inprocIdentity(), hwm: Math.max(0, s.opts.receiveHighWaterMark), ring };
}

// The fast path: each end has a ring of shared memory that the other writes
// its batches into, with the credit count in its header, and a wake-up by
// Atomics.notify/waitAsync instead of a message (a BroadcastChannel message
// takes milliseconds in Deno). Without SharedArrayBuffer or waitAsync (a
// browser page that is not cross-origin isolated) batches go over the
// channel. A batch too big for a ring switches that direction to the
// channel for good, marked in the ring so that the order holds.
const RING_BYTES = 1 << 19;
const HEAD = 0, TAIL = 1, WSEQ = 2, TOOK = 3, RSEQ = 4;
const WRAP = 0xffffffff, SWITCH = 0xfffffffe;

// Atomics.waitAsync (ES2024), typed here: the npm build's TypeScript lib predates it.
type WaitResult = { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number) => WaitResult })
  .waitAsync;

/**
 * @internal True when connections between threads can use shared-memory
 * rings (SharedArrayBuffer and Atomics.waitAsync, and in a browser a
 * cross-origin isolated page); else their messages go over a channel.
 */
export function sharedRings(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === "function" && typeof waitAsync === "function" && g.crossOriginIsolated !== false;
}

function newRing(): SharedArrayBuffer | undefined {
  if (!sharedRings()) return undefined;
  try {
    return new SharedArrayBuffer(32 + RING_BYTES);
  } catch {
    return undefined;
  }
}

class Ring {
  readonly h: Int32Array;
  readonly data: Uint8Array;
  readonly dv: DataView;
  readonly cap: number;
  constructor(sab: SharedArrayBuffer) {
    this.h = new Int32Array(sab, 0, 8);
    this.data = new Uint8Array(sab, 32);
    this.dv = new DataView(sab, 32);
    this.cap = this.data.length;
  }

  /** Where a record of `need` bytes goes, or -1 when there is no room now (producer side). */
  place(need: number): number {
    const head = this.h[HEAD], tail = Atomics.load(this.h, TAIL);
    // One byte stays free: head === tail means empty.
    if (head >= tail) {
      if (this.cap - head >= need + (tail === 0 ? 1 : 0)) return head;
      if (tail - 1 >= need) {
        if (this.cap - head >= 4) this.dv.setUint32(head, WRAP, true);
        return 0;
      }
      return -1;
    }
    return tail - head - 1 >= need ? head : -1;
  }

  /** Publishes a record written at `at` of `len` bytes after its length (producer side). */
  publish(at: number, len: number): void {
    this.dv.setUint32(at, len, true);
    let head = at + 4 + (len === SWITCH ? 0 : len);
    if (head === this.cap) head = 0;
    Atomics.store(this.h, HEAD, head);
    Atomics.add(this.h, WSEQ, 1);
    Atomics.notify(this.h, WSEQ);
  }
}

function peerInfo(p: ThreadPeer): PeerInfo {
  return {
    socketType: p.type,
    identity: p.identity,
    properties: new Map([["Socket-Type", new TextEncoder().encode(p.type)]]),
    remoteAddress: "inproc",
    minor: 1,
  };
}

function openChannel(cid: string): BroadcastChannel {
  const ch = new BroadcastChannel(PREFIX + cid);
  unrefChannel(ch);
  return ch;
}

/** One end of an inproc connection to another thread. */
class ThreadEngine implements EngineLike {
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  readonly #host: InprocSocket;
  readonly #ch: BroadcastChannel;
  // The peer's receive HWM (0: none) and the credit count against it.
  readonly #peerHwm: number;
  #sent = 0;
  #peerTook = 0;
  // What arrived here, and how much of it the socket took as last told.
  #delivered = 0;
  #told = 0;
  #flushing = false;
  #creditCheck = false;
  #closed = false;
  #heard = Date.now();
  #spoke = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;
  // The peer's ring we write into (null: the channel), and its header for
  // credits, which stays after a switch to the channel.
  #tx: Ring | null;
  readonly #txHdr: Int32Array | null;
  // Our ring the peer writes into, likewise.
  #rx: Ring | null;
  readonly #rxHdr: Int32Array | null;
  // Taken from the pipe, not yet written (the ring was full).
  #held: PipeItem[] = [];
  #waitingRoom = false;
  // Channel batches that came before the ring's switch mark.
  #early: ArrayBuffer[] = [];

  constructor(
    host: InprocSocket,
    ch: BroadcastChannel,
    endpoint: string,
    peerHwm: number,
    tx: SharedArrayBuffer | undefined,
    rx: SharedArrayBuffer | undefined,
  ) {
    this.#host = host;
    this.#ch = ch;
    this.endpoint = endpoint;
    this.#peerHwm = peerHwm;
    // Only both rings or none: credits go one way or the other both ways.
    const both = tx !== undefined && rx !== undefined;
    this.#tx = both ? new Ring(tx) : null;
    this.#txHdr = this.#tx?.h ?? null;
    this.#rx = both ? new Ring(rx) : null;
    this.#rxHdr = this.#rx?.h ?? null;
  }

  /** Serves `pipe` (given by the socket's engineReady); `early` arrived before. */
  start(pipe: Pipe, early: unknown[]): void {
    this.pipe = pipe;
    this.#ch.onmessage = (e: MessageEvent) => this.#receive(e.data);
    this.#timer = unrefTimer(setInterval(() => this.#tick(), PING_MS));
    pipe.setEngine(this);
    for (const m of early) this.#receive(m);
    if (this.#rx !== null) this.#drain();
  }

  kick(): void {
    if (this.#closed || this.#flushing || this.pipe === null) return;
    // Batched per macrotask.
    this.#flushing = true;
    later(() => {
      this.#flushing = false;
      this.#flush(false);
    });
  }

  pauseInput(): void {
    // Credits keep the peer within our HWM already.
  }

  resumeInput(): void {
    this.#tellCredit();
  }

  // Sends what the peer has room for (all of it when closing) in batches.
  #flush(force: boolean): void {
    const pipe = this.pipe;
    if (pipe === null || this.#closed) return;
    const hdr = this.#txHdr;
    for (;;) {
      // Read before the checks: a change after them ends the wait at once.
      const seq = hdr !== null ? Atomics.load(hdr, RSEQ) : 0;
      if (hdr !== null) this.#peerTook = Math.max(this.#peerTook, Atomics.load(hdr, TOOK));
      const items = this.#held;
      this.#held = [];
      const room = force || this.#peerHwm === 0 ? Infinity : this.#peerHwm - (this.#sent - this.#peerTook);
      let bytes = 0;
      for (const item of items) bytes += size(item);
      // A ring batch stays well within the ring; a bigger message alone switches.
      const limit = this.#tx !== null ? this.#tx.cap >> 3 : BATCH_BYTES;
      while (items.length < room && bytes < limit && pipe.outQ.length > 0) {
        const item = pipe.takeOut()!;
        items.push(item);
        bytes += size(item);
      }
      if (items.length === 0) {
        if (pipe.outQ.length > 0 && hdr !== null) this.#waitForRoom(seq);
        return;
      }
      const tx = this.#tx;
      if (tx !== null && bytes > tx.cap >> 2) {
        // Too big for the ring: the channel from now on, after a mark.
        const at = tx.place(4);
        if (at < 0) {
          this.#held = items;
          this.#waitForRoom(seq);
          return;
        }
        tx.publish(at, SWITCH);
        this.#tx = null;
      }
      if (this.#tx !== null) {
        const at = this.#tx.place(4 + bytes);
        if (at < 0) {
          this.#held = items;
          this.#waitForRoom(seq);
          return;
        }
        encodeInto(this.#tx.data, this.#tx.dv, at + 4, items);
        this.#sent += items.length;
        this.#spoke = Date.now();
        this.#tx.publish(at, bytes);
      } else {
        const buf = new ArrayBuffer(bytes);
        encodeInto(new Uint8Array(buf), new DataView(buf), 0, items);
        this.#sent += items.length;
        this.#post(buf);
      }
    }
  }

  // Flushes again once the peer has taken messages or freed ring space.
  #waitForRoom(seq: number): void {
    if (this.#waitingRoom || this.#closed) return;
    this.#waitingRoom = true;
    const w = waitAsync!(this.#txHdr!, RSEQ, seq);
    const go = () => {
      this.#waitingRoom = false;
      this.#flush(false);
    };
    if (w.async) w.value.then(go);
    else later(go);
  }

  // Takes what the peer wrote into our ring, then waits for more.
  #drain(): void {
    const rx = this.#rx;
    if (rx === null || this.#closed) return;
    const seq = Atomics.load(rx.h, WSEQ);
    const head = Atomics.load(rx.h, HEAD);
    let tail = rx.h[TAIL];
    const batches: ArrayBuffer[] = [];
    let switched = false;
    while (tail !== head) {
      if (rx.cap - tail < 4) {
        tail = 0;
        continue;
      }
      const len = rx.dv.getUint32(tail, true);
      if (len === WRAP) {
        tail = 0;
        continue;
      }
      if (len === SWITCH) {
        tail += 4;
        switched = true;
        break;
      }
      // A copy: the ring's bytes are written over later; frames are views.
      batches.push(rx.data.slice(tail + 4, tail + 4 + len).buffer);
      tail += 4 + len;
      if (tail === rx.cap) tail = 0;
    }
    Atomics.store(rx.h, TAIL, tail);
    if (batches.length > 0) {
      this.#heard = Date.now();
      for (const b of batches) this.#deliver(b);
    } else {
      this.#tellCredit();
    }
    if (switched) {
      this.#rx = null;
      const early = this.#early;
      this.#early = [];
      for (const b of early) this.#deliver(b);
      return;
    }
    if (this.#closed) return;
    const w = waitAsync!(rx.h, WSEQ, seq);
    if (w.async) w.value.then(() => this.#drain());
    else later(() => this.#drain());
  }

  #deliver(m: ArrayBuffer): void {
    const pipe = this.pipe!;
    const items = decode(m);
    this.#delivered += items.length;
    for (const item of items) pipe.pushIn(item);
    this.#tellCredit();
    // What the socket takes after this turn is told after it too.
    if (!this.#creditCheck && this.#peerHwmOfUs() > 0) {
      this.#creditCheck = true;
      later(() => {
        this.#creditCheck = false;
        this.#tellCredit();
      });
    }
  }

  #post(m: ArrayBuffer | Ctl): void {
    this.#spoke = Date.now();
    try {
      this.#ch.postMessage(m);
    } catch (e) {
      this.#gone(e as Error);
    }
  }

  #receive(m: unknown): void {
    if (this.#closed) return;
    this.#heard = Date.now();
    if (m instanceof ArrayBuffer) {
      // Before the ring's switch mark, it waits for the ring's last batches.
      if (this.#rx !== null) this.#early.push(m);
      else this.#deliver(m);
      return;
    }
    const c = m as Ctl;
    if (c === null || typeof c !== "object") return;
    if (c.t === "c") {
      if (c.n > this.#peerTook) this.#peerTook = c.n;
      if (this.pipe !== null && this.pipe.outQ.length > 0) this.#flush(false);
    } else if (c.t === "x") {
      // What the peer wrote into our ring before it closed comes first.
      this.#drain();
      this.#end(undefined, false);
    }
  }

  // Our receive HWM as the peer counts it; only a non-zero one needs credit.
  #peerHwmOfUs(): number {
    return this.pipe?.recvHwm ?? 0;
  }

  #tellCredit(): void {
    const pipe = this.pipe;
    if (pipe === null || this.#closed) return;
    const took = this.#delivered - pipe.inQ.length;
    if (took > this.#told) {
      this.#told = took;
      const hdr = this.#rxHdr;
      if (hdr === null) this.#post({ t: "c", n: took });
      else {
        Atomics.store(hdr, TOOK, took);
        Atomics.add(hdr, RSEQ, 1);
        Atomics.notify(hdr, RSEQ);
      }
    } else if (this.#rxHdr !== null) {
      // Ring space freed without credit (HWM 0, or commands) wakes the peer too.
      Atomics.add(this.#rxHdr, RSEQ, 1);
      Atomics.notify(this.#rxHdr, RSEQ);
    }
  }

  #tick(): void {
    const now = Date.now();
    if (now - this.#heard > SILENT_MS) {
      this.#gone(new ZmqError("ECONNRESET", `The thread at the other end of ${this.endpoint} went silent`));
      return;
    }
    if (now - this.#spoke >= PING_MS) this.#post({ t: "p" });
  }

  #gone(error: Error): void {
    this.#end(error, false);
  }

  // Delivers what is queued (regardless of the peer's HWM), then disconnects.
  close(): void {
    if (this.#closed) return;
    this.#flush(true);
    if (this.#held.length > 0 || (this.pipe !== null && this.pipe.outQ.length > 0)) {
      // The ring is full: the rest goes over the channel, after a mark if
      // there is room for one (else the peer drops what is queued).
      const tx = this.#tx;
      const at = tx?.place(4) ?? -1;
      if (tx !== null && at >= 0) {
        tx.publish(at, SWITCH);
        this.#tx = null;
        this.#flush(true);
      }
    }
    this.#end(undefined, true);
  }

  destroy(): void {
    this.#end(undefined, true);
  }

  #end(error: Error | undefined, tell: boolean): void {
    if (this.#closed) return;
    if (tell) this.#post({ t: "x" });
    this.#closed = true;
    clearInterval(this.#timer);
    this.#ch.onmessage = null;
    this.#ch.close();
    this.pipe?.setEngine(null);
    this.#host.engineClosed(this, error, true);
  }
}

// Runs tasks at the next macrotask (after the current one's microtasks:
// what a burst of sends queues goes in one batch), through a MessageChannel
// of this thread: setTimeout(0) waits 1 to 4 ms in Deno, Bun and browsers
// once nested. Pending tasks keep the process alive, as a socket write in
// flight would. The channel is unref'd where the runtime can (Node, Bun;
// Deno's MessagePort.unref does not let the process exit) and closed after
// IDLE_MS without a task: making one per burst costs more than the burst.
const IDLE_MS = 50;
let tasks: (() => void)[] = [];
let port: MessagePort | null = null;
let used = false;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function later(f: () => void): void {
  tasks.push(f);
  if (tasks.length > 1) return;
  hold();
  used = true;
  if (port === null) {
    const ch = new MessageChannel();
    ch.port1.onmessage = runTasks;
    (ch.port1 as unknown as { unref?: () => void }).unref?.();
    port = ch.port2;
    idleTimer = unrefTimer(setInterval(closeIdle, IDLE_MS));
  }
  port.postMessage(null);
}

function runTasks(): void {
  const run = tasks;
  tasks = [];
  release();
  for (const f of run) f();
}

function closeIdle(): void {
  if (used || tasks.length > 0) {
    used = false;
    return;
  }
  clearInterval(idleTimer);
  port!.close();
  port = null;
}

function size(item: PipeItem): number {
  if (isMsg(item)) {
    let n = 5;
    for (const f of item) n += 4 + f.byteLength;
    return n;
  }
  return 6 + (item instanceof Subscription ? item.topic.byteLength : (item as Membership).group.byteLength);
}

// kind u8, then a message's frame count u32 and each frame's length u32 and
// bytes, or a command's flag u8 and its topic or group.
function encodeInto(u8: Uint8Array, dv: DataView, o: number, items: PipeItem[]): void {
  for (const item of items) {
    if (isMsg(item)) {
      u8[o] = KIND_MSG;
      dv.setUint32(o + 1, item.length, true);
      o += 5;
      for (const f of item) {
        dv.setUint32(o, f.byteLength, true);
        u8.set(f, o + 4);
        o += 4 + f.byteLength;
      }
    } else {
      const sub = item instanceof Subscription;
      const body = sub ? item.topic : (item as Membership).group;
      u8[o] = sub ? KIND_SUB : KIND_MEMBER;
      u8[o + 1] = (sub ? item.subscribe : (item as Membership).join) ? 1 : 0;
      dv.setUint32(o + 2, body.byteLength, true);
      u8.set(body, o + 6);
      o += 6 + body.byteLength;
    }
  }
}

function decode(buf: ArrayBuffer): PipeItem[] {
  const view = frameView();
  const dv = new DataView(buf);
  const items: PipeItem[] = [];
  let o = 0;
  while (o < buf.byteLength) {
    const kind = dv.getUint8(o);
    if (kind === KIND_MSG) {
      const n = dv.getUint32(o + 1, true);
      o += 5;
      const msg: Msg = new Array(n);
      for (let i = 0; i < n; i++) {
        const len = dv.getUint32(o, true);
        msg[i] = view(buf, o + 4, len);
        o += 4 + len;
      }
      items.push(msg);
    } else {
      const on = dv.getUint8(o + 1) === 1;
      const len = dv.getUint32(o + 2, true);
      // A copy: a topic outlives the batch (subscription tries keep it).
      const body = new Uint8Array(buf.slice(o + 6, o + 6 + len));
      items.push(kind === KIND_SUB ? new Subscription(on, body) : new Membership(on, body));
      o += 6 + len;
    }
  }
  return items;
}

/**
 * Dials a name that `thread` has bound (the connect side): asks it over
 * ThreadNotes, and resolves with the link once it accepts. Rejects when it
 * does not answer or `signal` aborts (the socket asks again).
 */
export function dialThread(
  host: InprocSocket,
  address: string,
  key: string,
  thread: string,
  signal: AbortSignal,
): Promise<Link> {
  // Our ring, which the binder writes into.
  const mine = newRing();
  const cid = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${
    Math.random().toString(36).slice(2)
  }`;
  const ch = openChannel(cid);
  return new Promise<Link>((resolve, reject) => {
    const early: unknown[] = [];
    let accepted: ThreadPeer | null = null;
    const fail = (error: Error) => {
      done();
      ch.onmessage = null;
      ch.close();
      reject(error);
    };
    const timer = unrefTimer(setTimeout(
      () => fail(new ZmqError("EHOSTUNREACH", `No answer from the thread that has ${address} bound`)),
      SILENT_MS,
    ));
    const aborted = () => {
      try {
        ch.postMessage({ t: "x" } satisfies Ctl);
      } catch { /* the peer then goes silent and is dropped */ }
      fail(signal.reason);
    };
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
    };
    signal.addEventListener("abort", aborted, { once: true });
    ch.onmessage = (e: MessageEvent) => {
      if (accepted !== null) {
        early.push(e.data);
        return;
      }
      const c = e.data as Ctl;
      if (c === null || typeof c !== "object" || !("t" in c)) return;
      if (c.t === "x") return fail(new ZmqError("ECONNREFUSED", `${address} went away`));
      if (c.t !== "a" && c.t !== "r") return;
      done();
      if (c.t === "r") {
        ch.onmessage = null;
        ch.close();
        // Refused as incompatible within a thread is: no pipe, no retry.
        resolve({ quiet: true, start: () => null, discard() {} });
        return;
      }
      accepted = c.info;
      resolve({
        quiet: true,
        start(connecter) {
          const e = new ThreadEngine(host, ch, address, accepted!.hwm, accepted!.ring, mine);
          e.connecter = connecter;
          const pipe = host.engineReady(e, peerInfo(accepted!), { properties: new Map() });
          if (typeof pipe === "string") {
            ch.postMessage({ t: "x" } satisfies Ctl);
            ch.onmessage = null;
            ch.close();
            host.engineClosed(e, undefined, false);
            return null;
          }
          e.start(pipe, early);
          return e;
        },
        discard() {
          ch.postMessage({ t: "x" } satisfies Ctl);
          ch.onmessage = null;
          ch.close();
        },
      });
    };
    notes.post({ op: "connect", to: thread, key, cid, info: info(host, mine) });
  });
}

// The bind side: a connect from another thread to `binder`'s name.
notes.onConnect = (binder, name, note) => {
  const ch = openChannel(note.cid);
  const refuse = () => {
    ch.postMessage({ t: "r" } satisfies Ctl);
    ch.close();
  };
  const peer = note.info;
  if (!isCompatible(binder.type, peer.type)) return refuse();
  // (No SharedArrayBuffer at all in a page that is not cross-origin isolated.)
  const tx = typeof SharedArrayBuffer === "function" && peer.ring instanceof SharedArrayBuffer ? peer.ring : undefined;
  const mine = tx !== undefined ? newRing() : undefined;
  const e = new ThreadEngine(binder, ch, `inproc://${name}`, Math.max(0, peer.hwm), tx, mine);
  e.connecter = null;
  // A message before the socket takes the engine (the connect closing) waits for it.
  const early: unknown[] = [];
  ch.onmessage = (ev: MessageEvent) => early.push(ev.data);
  const pipe = binder.engineReady(e, peerInfo(peer), { properties: new Map() });
  if (typeof pipe === "string") {
    refuse();
    binder.engineClosed(e, undefined, false);
    return;
  }
  // Told before anything the pipe sends: the channel keeps the order.
  ch.postMessage({ t: "a", info: info(binder, mine) } satisfies Ctl);
  e.start(pipe, early);
};
