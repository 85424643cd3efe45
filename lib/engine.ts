// The ZMTP engine: drives one connection through the version negotiation,
// the security handshake and the traffic phase, moving messages between the
// connection and a pipe. The framing is the framer's (lib/zmtp/framer.ts):
// ZMTP 3.x over byte streams unless the connection brings its own (ws). Pure
// protocol logic over the callback Connection contract.

import { authError, type AuthStatus, HandshakeError, ProtocolError } from "./errors.ts";
import { latin1 } from "./bytes.ts";
import { COMMAND, MORE } from "./zmtp/frame.ts";
import type { Framer, FramerContext, FramerHandler, PeerGreeting } from "./zmtp/framer.ts";
import { ZmtpFramer } from "./zmtp/zmtp_framer.ts";
import {
  encodeCommand,
  encodeError,
  encodePing,
  encodePong,
  getProperty,
  isCommand,
  parseErrorReason,
} from "./zmtp/command.ts";
import type { FrameCodec, HandshakeDone, HandshakeStep, Mechanism } from "./zmtp/mechanism.ts";
import { NullMechanism } from "./zmtp/mechanisms/null.ts";
import type { Connection, FramedConnection } from "./transport.ts";
import { isMsg, Membership, type PeerInfo, type Pipe, type PipeEngine, Subscription } from "./pipe.ts";
import { frameView } from "./frames.ts";
import { unrefTimer } from "./keepalive.ts";
import { connectionMetadata, type Metadata } from "./metadata.ts";

/** Engine settings, taken from socket options. */
export interface EngineOptions {
  maxMessageSize: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  /** The socket type's own framing, over any connection (STREAM: raw bytes). */
  framer?: (handler: FramerHandler, ctx: FramerContext) => Framer;
}

/** What a socket sees of an engine: ZMTP over a connection, or inproc. */
export interface EngineLike extends PipeEngine {
  /** The endpoint the connection was made for. */
  readonly endpoint: string;
  /** The pipe served, once the handshake is done. */
  pipe: Pipe | null;
  /** The socket's connect() state this engine belongs to, if any. */
  connecter?: unknown;
  /** What the messages it receives carry (lib/metadata.ts), once the handshake is done. */
  readonly metadata?: Metadata;
  /** Closes once queued messages are flushed. */
  close(): void;
}

/** What the engine reports to its socket. */
export interface EngineHost {
  /** Handshake done: return the pipe to serve, or a reason to refuse the peer. */
  engineReady(engine: EngineLike, peer: PeerInfo, done: HandshakeDone): Pipe | string;
  /** The connection is gone; `error` says why when it was not a clean close. */
  engineClosed(engine: EngineLike, error: Error | undefined, wasReady: boolean): void;
  /** Writes a debug trace line (lib/trace.ts), when tracing is on. */
  readonly trace?: ((line: string) => void) | null;
}

const enum State {
  Greeting,
  Handshake,
  Active,
  Closed,
}

const EMPTY = new Uint8Array(0);
// One flush hands the framer at most about this many bytes at a time.
const BATCH = 262144;
// What a frame costs in a batch besides its body (a header, a command name).
const FRAME_ROOM = 2;
// How long a connection we gave up on may take to flush the ERROR we sent
// before it is destroyed: a silent peer must not hold it open.
const ERROR_FLUSH_MS = 250;
// How long a raw (STREAM) connection we closed waits for the peer's end.
const RAW_END_MS = 1000;

/** One connection speaking ZMTP (3.x, or 2.0/1.0 with a peer that knows no newer). */
export class Engine implements EngineLike {
  readonly conn: Connection;
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  peer: PeerInfo | null = null;
  metadata: Metadata | undefined;
  #host: EngineHost;
  #mech: Mechanism;
  #opts: EngineOptions;
  #state = State.Greeting;
  #framer: Framer;
  // Scratch arrays of the frames handed to the framer, reused by every flush.
  #flags: number[] = [];
  #bodies: Uint8Array[] = [];
  #codec: FrameCodec | undefined;
  #minor = 1;
  // The peer speaks ZMTP 1 or 2 (no handshake, commands or heartbeats); 0 for ZMTP 3.
  #legacy = 0;
  #ownType: string | undefined;
  // The frames so far of a message under way (null between messages).
  #parts: Uint8Array[] | null = null;
  #kicked = false;
  #blocked = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #lastRecv = Date.now();
  #remoteTtl = 0;
  #handshakeBusy = false;
  #handshakeBacklog: { flags: number; body: Uint8Array }[] = [];
  #flushBound = () => this.#flush();
  #closing = false;
  // conn.end() was called: nothing more is written, inbound bytes are dropped.
  #ended = false;
  // An ERROR command was written (a refused handshake).
  #errorSent = false;
  #dropTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(conn: Connection, endpoint: string, mech: Mechanism, host: EngineHost, opts: EngineOptions) {
    this.conn = conn;
    this.endpoint = endpoint;
    this.#mech = mech;
    this.#host = host;
    this.#opts = opts;
    const handler: FramerHandler = {
      send: (chunk) => {
        if (!this.#ended) this.conn.write(chunk);
      },
      greeting: (g) => this.#onGreeting(g),
      frame: (f, b) => this.#onFrame(f, b),
    };
    // Only a plain NULL socket may talk to a ZMTP 1.0/2.0 peer (libzmq refuses
    // them with a mechanism or ZAP): its socket type and routing id go in
    // their greeting.
    const own = mech instanceof NullMechanism ? mech.context : undefined;
    this.#ownType = own?.socketType;
    const ctx: FramerContext = {
      legacy: own && { socketType: own.socketType, identity: own.identity ?? EMPTY },
      mechanism: mech.name,
      asServer: mech.asServer,
      maxMessageSize: opts.maxMessageSize,
      alloc: conn.alloc?.bind(conn),
      view: frameView(),
      subarray: conn.framesBySubarray === true,
    };
    const framed = conn as Partial<FramedConnection>;
    this.#framer = opts.framer !== undefined
      ? opts.framer(handler, ctx)
      : framed.framer !== undefined
      ? framed.framer(handler, ctx)
      : new ZmtpFramer(handler, ctx);
  }

  /** Starts the version negotiation (ZMTP: our signature goes out before we read anything), then reading. */
  start(): void {
    if (this.#opts.handshakeInterval > 0) {
      // The library's timers never keep the process alive (lib/keepalive.ts).
      this.#handshakeTimer = unrefTimer(setTimeout(
        () => this.#fail(new HandshakeError("handshake timed out", "ETIMEDOUT")),
        this.#opts.handshakeInterval,
      ));
    }
    // The framer first: a framing that knows the peer at once (ws) must
    // have its greeting before any frame arrives.
    try {
      this.#framer.start();
    } catch (e) {
      this.#fail(e as Error);
      return;
    }
    this.conn.start({
      onData: (chunk) => this.#onData(chunk),
      onClose: (err) => {
        clearTimeout(this.#dropTimer);
        this.#closed(err);
      },
      onDrain: () => {
        this.#blocked = false;
        this.#flush();
      },
      target: () => this.#state === State.Closed || this.#ended ? undefined : this.#framer.target?.(),
      filled: (n) => this.#onFilled(n),
      readSize: () => this.#framer.readSize?.() ?? 0,
    });
  }

  /** True once the handshake completed and the engine carries messages. */
  get ready(): boolean {
    return this.#state === State.Active;
  }

  // -- inbound -------------------------------------------------------------

  // Bytes arrived (as a chunk, or read into a target): a sign of life, and
  // all they are once we are closing, until the peer's EOF.
  #takes(): boolean {
    if (this.#state === State.Closed) return false;
    this.#lastRecv = Date.now();
    return !this.#ended;
  }

  #onData(chunk: Uint8Array): void {
    if (!this.#takes()) return;
    try {
      this.#framer.receive(chunk);
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  #onFilled(n: number): void {
    if (!this.#takes()) return;
    try {
      this.#framer.filled!(n);
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  #onGreeting(g: PeerGreeting): void {
    this.#host.trace?.(
      `${this.endpoint}: greeting from ${this.conn.remoteAddress}: ZMTP ${g.major}.${g.minor}` +
        (g.legacy !== undefined ? " (legacy framing)" : `, ${g.mechanism}${g.asServer ? " as server" : ""}`),
    );
    if (g.legacy !== undefined) {
      this.#legacyReady(g.major, g.legacy);
      return;
    }
    if (g.mechanism !== this.#mech.name) {
      throw new HandshakeError(`peer uses mechanism ${g.mechanism}, we use ${this.#mech.name}`);
    }
    // The framing may run a handshake of its own instead (bare ZWS2.0).
    if (this.#framer.mechanism !== undefined) this.#mech = this.#framer.mechanism(this.#mech);
    this.#minor = g.major > 3 ? 1 : g.minor;
    this.#state = State.Handshake;
    this.#takeStep(this.#mech.start({ asServer: g.asServer, minor: this.#minor }));
  }

  // An older peer's greeting said what READY would have: it is ready at once
  // (libzmq's handshake_v1_0/v2_0), speaking ZMTP 3.0's subscription messages.
  #legacyReady(major: number, peer: { socketType: string | null; identity: Uint8Array }): void {
    this.#legacy = major;
    this.#minor = 0;
    const props = new Map<string, Uint8Array>();
    if (peer.socketType !== null) props.set("Socket-Type", Uint8Array.from(peer.socketType, (c) => c.charCodeAt(0)));
    if (peer.identity.length > 0) props.set("Identity", peer.identity);
    this.#state = State.Handshake;
    this.#onReady({ properties: props, untypedPeer: peer.socketType === null });
    // A ZMTP 1.0 subscriber filters for itself and sends no subscriptions:
    // libzmq's PUB and XPUB subscribe it to everything.
    if (major === 1 && (this.#ownType === "PUB" || this.#ownType === "XPUB")) {
      this.pipe!.pushIn(new Subscription(true, EMPTY));
    }
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (this.#state === State.Closed) return;
    if (this.#state === State.Handshake) {
      if (this.#mech.handshakeFlags === undefined && (flags & COMMAND) === 0) {
        throw new ProtocolError("message frame during handshake");
      }
      // A mechanism may answer asynchronously (ZAP); keep order meanwhile.
      if (this.#handshakeBusy) {
        this.#handshakeBacklog.push({ flags, body: body.slice() });
        return;
      }
      this.#handshakeFrame(flags, body);
      return;
    }
    // With a codec every frame is wrapped, whatever its flags: libzmq sends
    // CURVE's MESSAGE commands in plain final frames (flags 0).
    if (this.#codec !== undefined) {
      const inner = this.#codec.decode(body);
      if (inner !== null) {
        flags = inner.flags;
        body = inner.body;
      }
    }
    if ((flags & COMMAND) !== 0) {
      this.#onCommand(body);
      return;
    }
    // A message starts as a literal: push() onto an empty array would make
    // room for 17 frames, garbage for every one-frame message.
    const parts = this.#parts;
    if (parts === null) {
      if ((flags & MORE) === 0) this.pipe!.pushIn([body]);
      else this.#parts = [body];
      return;
    }
    parts.push(body);
    if ((flags & MORE) === 0) {
      this.#parts = null;
      this.pipe!.pushIn(parts);
    }
  }

  #handshakeFrame(flags: number, body: Uint8Array): void {
    this.#takeStep(this.#mech.receive(body, flags));
  }

  // A step now, or once the mechanism has it (ZAP, WebCrypto); the frames
  // that arrive meanwhile wait in order.
  #takeStep(step: HandshakeStep | Promise<HandshakeStep>): void {
    if (step instanceof Promise) {
      this.#handshakeBusy = true;
      step.then((s) => {
        this.#handshakeBusy = false;
        if (this.#state === State.Closed) return;
        try {
          this.#applyStep(s);
          while (this.#state === State.Handshake && !this.#handshakeBusy && this.#handshakeBacklog.length) {
            const f = this.#handshakeBacklog.shift()!;
            this.#handshakeFrame(f.flags, f.body);
          }
          // Frames that arrived after the handshake's last command.
          if (this.#state === State.Active && this.#handshakeBacklog.length) {
            const rest = this.#handshakeBacklog;
            this.#handshakeBacklog = [];
            for (const f of rest) this.#onFrame(f.flags, f.body);
          }
        } catch (e) {
          this.#fail(e as Error);
        }
      }, (e) => this.#fail(e as Error));
      return;
    }
    this.#applyStep(step);
  }

  #applyStep(step: HandshakeStep): void {
    const flags = this.#mech.handshakeFlags ?? COMMAND;
    for (const cmd of step.send) this.#write(flags, cmd);
    if (step.error !== undefined) {
      this.#write(COMMAND, encodeError(step.error));
      this.#errorSent = true;
      // A bare status code is a ZAP refusal (RFC 27), sent as libzmq does.
      if (/^[345]00$/.test(step.error)) {
        throw authError(`ZAP authentication refused the peer (status ${step.error})`, Number(step.error) as AuthStatus);
      }
      throw new HandshakeError(step.error);
    }
    if (step.done !== undefined) this.#onReady(step.done);
  }

  #onReady(done: HandshakeDone): void {
    clearTimeout(this.#handshakeTimer);
    const props = done.properties;
    const socketType = latin1(getProperty(props, "Socket-Type") ?? EMPTY);
    const identity = getProperty(props, "Identity") ?? EMPTY;
    this.peer = { socketType, identity, properties: props, remoteAddress: this.conn.remoteAddress, minor: this.#minor };
    this.#codec = done.codec;
    // libzmq gives ZMTP 1.0/2.0 peers' messages none, a raw (STREAM)
    // connection's only the Peer-Address.
    if (this.#legacy === 0) {
      const remoteAddress = this.conn.remoteAddress;
      const m = connectionMetadata(
        this.#opts.framer !== undefined ? { properties: new Map(), remoteAddress } : { ...done, remoteAddress },
      );
      if (m.size > 0) this.metadata = m;
    }
    const pipe = this.#host.engineReady(this, this.peer, done);
    if (typeof pipe === "string") {
      // ZMTP 1.0/2.0 have no ERROR command: the peer just sees the close.
      if (this.#legacy === 0) {
        this.#writeCommand(encodeError(pipe));
        this.#errorSent = true;
      }
      throw new HandshakeError(pipe);
    }
    this.#state = State.Active;
    this.pipe = pipe;
    // Nor PING: heartbeats are for ZMTP 3.1 peers only (libzmq).
    if (this.#legacy === 0) this.#startHeartbeat();
    pipe.setEngine(this);
  }

  #onCommand(body: Uint8Array): void {
    if (isCommand(body, "PING")) {
      const data = body.subarray(5);
      if (data.length < 2) throw new ProtocolError("malformed PING");
      const ttl = (data[0] << 8 | data[1]) * 100;
      if (ttl > 0) {
        this.#remoteTtl = ttl;
        // RFC 37: the TTL binds us even without heartbeats of our own (libzmq starts a TTL timer).
        if (this.#heartbeatTimer === undefined) this.#startHeartbeat();
      }
      this.#writeCommand(encodePong(data));
    } else if (isCommand(body, "SUBSCRIBE") || isCommand(body, "CANCEL")) {
      // In order with messages, typed; only a subscriber's matter to us
      // (RFC 37: other peers' stray commands are ignored).
      const t = this.peer!.socketType;
      if (t === "SUB" || t === "XSUB") {
        this.pipe!.pushIn(new Subscription(body[1] === 0x53, body.subarray(1 + body[0])));
      }
    } else if (isCommand(body, "JOIN") || isCommand(body, "LEAVE")) {
      if (this.peer!.socketType === "DISH") {
        this.pipe!.pushIn(new Membership(body[1] === 0x4a, body.subarray(1 + body[0])));
      }
    } else if (isCommand(body, "ERROR")) {
      throw new ProtocolError(`peer sent ERROR: ${parseErrorReason(body.subarray(6))}`);
    }
    // PONG and unknown commands are ignored (RFC 37: unknown commands MAY be ignored).
  }

  // -- outbound ------------------------------------------------------------

  /** Outbound messages are waiting: flush at the end of this tick, once. */
  kick(): void {
    if (this.#kicked || this.#state !== State.Active) return;
    this.#kicked = true;
    if (this.conn.defer !== undefined) this.conn.defer(this.#flushBound);
    else queueMicrotask(this.#flushBound);
  }

  pauseInput(): void {
    this.conn.pause();
  }

  resumeInput(): void {
    this.conn.resume();
  }

  // Hands queued messages to the framer in batches, and writes what it makes of them.
  #flush(): void {
    this.#kicked = false;
    const pipe = this.pipe;
    if (pipe === null || this.#state !== State.Active || this.#ended) return;
    const q = pipe.outQ;
    const flags = this.#flags, bodies = this.#bodies;
    while (!this.#blocked && q.length > 0) {
      let n = 0, bytes = 0;
      while (q.length > 0 && bytes < BATCH) {
        const m = pipe.takeOut()!;
        if (!isMsg(m)) {
          const c = this.#commandFrame(m);
          flags[n] = c.flags;
          bodies[n++] = c.body;
          bytes += FRAME_ROOM + c.body.length;
          continue;
        }
        const last = m.length - 1;
        for (let i = 0; i <= last; i++) {
          flags[n] = i < last ? MORE : 0;
          bodies[n++] = m[i];
          bytes += FRAME_ROOM + m[i].length;
        }
      }
      const codec = this.#codec;
      if (codec !== undefined) {
        // Flags 0, as libzmq frames MESSAGE (it would take COMMAND or MORE on
        // the outer frame as flags of the wrapped frame).
        for (let i = 0; i < n; i++) {
          bodies[i] = codec.encode(flags[i], bodies[i]);
          flags[i] = 0;
        }
      }
      const chunks = this.#framer.encode(flags, bodies, n);
      // The scratch arrays must not keep the bodies alive.
      bodies.fill(EMPTY, 0, n);
      for (let i = 0; i < chunks.length; i++) {
        if (!this.conn.write(chunks[i])) this.#blocked = true;
      }
    }
    if (this.#closing && q.length === 0) {
      this.#ended = true;
      this.conn.end();
      // libzmq's raw engine closes outright once flushed; ours half-closes to
      // flush, and a raw peer that ignores our end (an HTTP client keeping
      // the connection alive) must not hold it open for the socket's life.
      if (this.#framer.closesOutright === true && this.#dropTimer === undefined) {
        this.#dropTimer = unrefTimer(setTimeout(() => this.conn.destroy(), RAW_END_MS));
      }
    }
  }

  // A command queued with messages as one frame: SUBSCRIBE/CANCEL to a ZMTP
  // 3.1 peer (the 0x01/0x00-prefixed message to a 3.0 one), JOIN/LEAVE.
  #commandFrame(c: Subscription | Membership): { flags: number; body: Uint8Array } {
    if (c instanceof Membership) return { flags: COMMAND, body: encodeCommand(c.join ? "JOIN" : "LEAVE", c.group) };
    if (this.#minor >= 1) return { flags: COMMAND, body: encodeCommand(c.subscribe ? "SUBSCRIBE" : "CANCEL", c.topic) };
    return { flags: 0, body: c.message() };
  }

  // One command, wrapped by the security codec when there is one.
  #writeCommand(body: Uint8Array): void {
    if (this.#codec !== undefined) this.#write(0, this.#codec.encode(COMMAND, body));
    else this.#write(COMMAND, body);
  }

  // One frame as the framer encodes it (handshake, heartbeats, errors).
  #write(flags: number, body: Uint8Array): void {
    const chunks = this.#framer.encode([flags], [body], 1);
    for (let i = 0; i < chunks.length; i++) this.conn.write(chunks[i]);
  }

  // -- heartbeats (RFC 37 §"Connection Heartbeating") -------------------------

  #startHeartbeat(): void {
    const ivl = this.#opts.heartbeatInterval;
    if (ivl <= 0 && this.#remoteTtl <= 0) return;
    const tick = ivl > 0 ? ivl : Math.max(100, this.#remoteTtl / 2);
    this.#heartbeatTimer = unrefTimer(setInterval(() => {
      const idle = Date.now() - this.#lastRecv;
      const timeout = this.#opts.heartbeatTimeout > 0 ? this.#opts.heartbeatTimeout : ivl;
      if ((ivl > 0 && idle > timeout + ivl) || (this.#remoteTtl > 0 && idle > this.#remoteTtl)) {
        this.#fail(new ProtocolError("heartbeat timed out", "ETIMEDOUT"));
        return;
      }
      if (ivl > 0 && !this.#ended) {
        const ttl = Math.min(0xffff, Math.floor(this.#opts.heartbeatTimeToLive / 100));
        this.#writeCommand(encodePing(ttl));
      }
    }, tick));
  }

  // -- closing ---------------------------------------------------------------

  /**
   * Closes gracefully: writes the pipe's queued messages, then ends the
   * connection, which waits for the peer's EOF, so that the peer can read
   * all of it (the socket bounds this with its linger timer). Before the
   * handshake is done there is nothing to deliver: it closes at once.
   */
  close(): void {
    if (this.#state === State.Closed) return;
    this.#closing = true;
    if (this.#state !== State.Active) {
      this.conn.destroy();
      return;
    }
    this.#flush();
  }

  /** Closes at once. */
  destroy(): void {
    this.#closing = true;
    this.conn.destroy();
  }

  // We give up on the connection (bad input, handshake refused or timed
  // out, heartbeat timed out): report it, then destroy it; a peer that
  // never reads or never closes must not hold it open. An ERROR we sent
  // gets a brief, bounded chance to reach the peer first.
  #fail(error: Error): void {
    if (this.#state === State.Closed) return;
    this.#closed(error);
    if (this.#errorSent && !this.#ended) {
      this.#ended = true;
      // Armed first: a transport may report the close from inside end().
      this.#dropTimer = unrefTimer(setTimeout(() => this.conn.destroy(error), ERROR_FLUSH_MS));
      this.conn.end();
    } else {
      this.conn.destroy(error);
    }
  }

  #closed(error: Error | undefined): void {
    if (this.#state === State.Closed) return;
    const wasReady = this.#state === State.Active;
    // A peer that hangs up mid-handshake failed it (libzmq: HANDSHAKE_FAILED_NO_DETAIL).
    if (error === undefined && !wasReady && !this.#closing) {
      // ECONNRESET, not EPROTO: a lost connection is retried, a protocol error is not.
      error = new ProtocolError("peer closed the connection during the handshake", "ECONNRESET");
    }
    this.#state = State.Closed;
    clearTimeout(this.#handshakeTimer);
    clearInterval(this.#heartbeatTimer);
    this.#parts = null;
    this.pipe?.setEngine(null);
    this.#host.engineClosed(this, error, wasReady);
  }
}
