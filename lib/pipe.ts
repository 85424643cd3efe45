// One peer of a socket: its HWM-bounded inbound and outbound queues and the
// engine (connection) currently serving it, if any. A pipe on the connecting
// side outlives its connections (unless `immediate`), so messages queued
// while disconnected go out after the reconnect, as in libzmq.

import { Queue } from "./queue.ts";
import type { Metadata } from "./metadata.ts";

/** A message: one or more frames. */
export type Msg = Uint8Array[];

/** A subscription or cancellation, queued in order with messages. */
export class Subscription {
  constructor(readonly subscribe: boolean, readonly topic: Uint8Array) {}

  /** The ZMTP 3.0 form, a message of 0x01 (subscribe) or 0x00 (cancel) then the topic. */
  message(): Uint8Array {
    const m = new Uint8Array(1 + this.topic.length);
    m[0] = this.subscribe ? 1 : 0;
    m.set(this.topic, 1);
    return m;
  }
}

/** A JOIN or LEAVE of a RADIO/DISH group (RFC 48), queued in order with messages. */
export class Membership {
  constructor(readonly join: boolean, readonly group: Uint8Array) {}
}

/** What travels through a pipe: messages, and the commands queued in order with them. */
export type PipeItem = Msg | Subscription | Membership;

/** True for a message (frames), false for a subscription or a membership. */
export function isMsg(item: PipeItem): item is Msg {
  return Array.isArray(item);
}

/** What a pipe needs from the engine that serves it. */
export interface PipeEngine {
  /** Outbound messages are waiting. */
  kick(): void;
  /** The inbound queue has room again. */
  resumeInput(): void;
  /** The inbound queue is full. */
  pauseInput(): void;
  /** Drops the connection at once. */
  destroy(): void;
}

/** What a pipe tells its socket. */
export interface PipeOwner {
  /** A message was appended to the pipe's inbound queue. */
  pipeReadable(pipe: Pipe): void;
  /** The outbound queue went from full to having room, or the pipe came up. */
  pipeWritable(pipe: Pipe): void;
  /** Set by every read: the metadata of the connection the item came over. */
  lastMetadata: Metadata | undefined;
}

/** Information about the peer, from its handshake metadata. */
export interface PeerInfo {
  socketType: string;
  /** Routing id as the peer announced it (may be empty). */
  identity: Uint8Array;
  properties: Map<string, Uint8Array>;
  remoteAddress: string;
  /** ZMTP minor version the peer spoke (0 or 1). */
  minor: number;
}

let nextPipeId = 1;

/** A bidirectional, HWM-bounded message channel to one peer. */
export class Pipe {
  /** Unique per process, for diagnostics and ordering. */
  readonly id = nextPipeId++;
  readonly owner: PipeOwner;
  /** The endpoint this pipe was made for (connect or bind address). */
  readonly endpoint: string;
  readonly inQ: Queue<PipeItem> = new Queue();
  readonly outQ: Queue<PipeItem> = new Queue();
  sendHwm: number;
  recvHwm: number;
  engine: PipeEngine | null = null;
  peer: PeerInfo | null = null;
  /** Routing id the owning socket assigned (ROUTER), or null. */
  routingId: Uint8Array | null = null;
  /** No more outbound traffic; inbound is drained, then the pipe goes. */
  terminated = false;
  /** True while a full outbound queue makes the socket wait for room. */
  #outFull = false;
  #inPaused = false;
  /** Scratch mark used by fan-out dedupe. */
  mark = 0;
  /** Per-socket-type state (e.g. subscriptions on XPUB). */
  state: unknown = undefined;
  /** ZMQ_CONFLATE: each queue keeps only the last message (HWMs ignored). */
  conflate = false;
  /** The metadata of the connection whose messages are read next. */
  #meta: Metadata | undefined;
  // Metadata of later connections (a reconnect while messages of the last
  // one are unread): each applies after `left` more reads.
  #later: { left: number; meta: Metadata | undefined }[] | null = null;

  constructor(owner: PipeOwner, endpoint: string, sendHwm: number, recvHwm: number) {
    this.owner = owner;
    this.endpoint = endpoint;
    this.sendHwm = sendHwm;
    this.recvHwm = recvHwm;
  }

  /** True when an outbound message can be queued without passing the HWM. */
  canWrite(): boolean {
    if (this.terminated) return false;
    if (this.conflate) return true;
    if (this.sendHwm > 0 && this.outQ.length >= this.sendHwm) {
      this.#outFull = true;
      return false;
    }
    return true;
  }

  /** Queues an outbound message (caller checked canWrite where it matters). */
  write(msg: PipeItem): void {
    if (this.conflate && isMsg(msg)) {
      // Replace the queued message; subscriptions stay.
      const keep: PipeItem[] = [];
      for (let m = this.outQ.shift(); m !== undefined; m = this.outQ.shift()) {
        if (!isMsg(m)) keep.push(m);
      }
      for (const k of keep) this.outQ.push(k);
    }
    this.outQ.push(msg);
    this.engine?.kick();
  }

  /** Takes the next outbound message (engine side). */
  takeOut(): PipeItem | undefined {
    const m = this.outQ.shift();
    if (this.#outFull && (this.sendHwm <= 0 || this.outQ.length < this.sendHwm)) {
      this.#outFull = false;
      this.owner.pipeWritable(this);
    }
    return m;
  }

  /** Appends an inbound message (engine side); pauses input at the HWM. */
  pushIn(msg: PipeItem): void {
    if (this.conflate) {
      this.inQ.clear();
      if (this.#later !== null) {
        this.#meta = this.#later[this.#later.length - 1].meta;
        this.#later = null;
      }
    }
    this.inQ.push(msg);
    if (this.recvHwm > 0 && this.inQ.length >= this.recvHwm && !this.#inPaused) {
      this.#inPaused = true;
      this.engine?.pauseInput();
    }
    this.owner.pipeReadable(this);
  }

  /** Takes the next inbound message (socket side); resumes input below the HWM. */
  read(): PipeItem | undefined {
    const later = this.#later;
    if (later !== null) {
      while (later.length > 0 && later[0].left === 0) this.#meta = later.shift()!.meta;
      if (later.length === 0) this.#later = null;
      else if (this.inQ.length > 0) later[0].left--;
    }
    const m = this.inQ.shift();
    this.owner.lastMetadata = this.#meta;
    if (this.#inPaused && this.inQ.length <= (this.recvHwm >> 1)) {
      this.#inPaused = false;
      this.engine?.resumeInput();
    }
    return m;
  }

  /**
   * The metadata of the messages of a new connection (libzmq attaches its
   * engine's to each message). Messages of the previous one still queued
   * keep theirs.
   */
  setMetadata(meta: Metadata | undefined): void {
    const queued = this.inQ.length;
    if (queued === 0) {
      this.#meta = meta;
      this.#later = null;
      return;
    }
    const later = this.#later ??= [];
    let ahead = 0;
    for (const e of later) ahead += e.left;
    later.push({ left: Math.max(0, queued - ahead), meta });
  }

  /** Attaches the engine serving this pipe, or detaches it with null. */
  setEngine(engine: PipeEngine | null): void {
    this.engine = engine;
    if (engine !== null) {
      if (this.#inPaused) engine.pauseInput();
      if (this.outQ.length > 0) engine.kick();
    }
  }
}
