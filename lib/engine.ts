// The ZMTP engine: drives one connection through the greeting, the security
// handshake and the traffic phase, moving messages between the connection
// and a pipe. Pure protocol logic over the callback Connection contract.

import { authError, HandshakeError, ProtocolError } from "./errors.ts";
import { latin1 } from "./bytes.ts";
import {
  checkSignature,
  encodeGreetingRest,
  encodeSignature,
  GREETING_SIZE,
  parseGreeting,
  SIGNATURE_SIZE,
} from "./zmtp/greeting.ts";
import { COMMAND, encodeFrame, FrameDecoder, headerSize, MORE, writeHeader } from "./zmtp/frame.ts";
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
import type { Connection } from "./transport.ts";
import { isMsg, Membership, type PeerInfo, type Pipe, type PipeEngine, type PipeItem, Subscription } from "./pipe.ts";

/** Engine settings, taken from socket options. */
export interface EngineOptions {
  maxMessageSize: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
}

/** What a socket sees of an engine: ZMTP over a connection, or inproc. */
export interface EngineLike extends PipeEngine {
  /** The endpoint the connection was made for. */
  readonly endpoint: string;
  /** The pipe served, once the handshake is done. */
  pipe: Pipe | null;
  /** The socket's connect() state this engine belongs to, if any. */
  connecter?: unknown;
  /** Closes once queued messages are flushed. */
  close(): void;
}

/** What the engine reports to its socket. */
export interface EngineHost {
  /** Handshake done: return the pipe to serve, or a reason to refuse the peer. */
  engineReady(engine: EngineLike, peer: PeerInfo, done: HandshakeDone): Pipe | string;
  /** The connection is gone; `error` says why when it was not a clean close. */
  engineClosed(engine: EngineLike, error: Error | undefined, wasReady: boolean): void;
}

const enum State {
  Signature,
  Greeting,
  Handshake,
  Active,
  Closed,
}

const EMPTY = new Uint8Array(0);
// Bodies at least this large go out as their own write, without a copy.
const ZERO_COPY = 16384;
// One write carries at most this many bytes of copied frames.
const BATCH = 262144;
// Header and command name of a queued command, besides its topic or group.
const COMMAND_ROOM = 20;
// How long a connection we gave up on may take to flush the ERROR we sent
// before it is destroyed: a silent peer must not hold it open.
const ERROR_FLUSH_MS = 250;

/** One connection speaking ZMTP 3.x. */
export class Engine implements EngineLike {
  readonly conn: Connection;
  readonly endpoint: string;
  pipe: Pipe | null = null;
  connecter?: unknown;
  peer: PeerInfo | null = null;
  #host: EngineHost;
  #mech: Mechanism;
  #opts: EngineOptions;
  #state = State.Signature;
  #greeting = new Uint8Array(GREETING_SIZE);
  #greetingLen = 0;
  #decoder: FrameDecoder;
  #codec: FrameCodec | undefined;
  #minor = 1;
  #parts: Uint8Array[] = [];
  #kicked = false;
  #blocked = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #lastRecv = Date.now();
  #remoteTtl = 0;
  #handshakeBusy = false;
  #handshakeBacklog: Uint8Array[] = [];
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
    this.#decoder = new FrameDecoder(
      (f, b) => this.#onFrame(f, b),
      opts.maxMessageSize,
      conn.alloc?.bind(conn),
    );
  }

  /** Starts the greeting; the signature goes out before we read anything. */
  start(): void {
    if (this.#opts.handshakeInterval > 0) {
      this.#handshakeTimer = setTimeout(
        () => this.#fail(new HandshakeError("handshake timed out", "ETIMEDOUT")),
        this.#opts.handshakeInterval,
      );
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
    });
    if (this.#state !== State.Closed) this.conn.write(encodeSignature());
  }

  /** True once the handshake completed and the engine carries messages. */
  get ready(): boolean {
    return this.#state === State.Active;
  }

  // -- inbound -------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#state === State.Closed) return;
    this.#lastRecv = Date.now();
    // Closing: the peer's bytes only matter as a sign of life until its EOF.
    if (this.#ended) return;
    try {
      if (this.#state < State.Handshake) {
        const take = Math.min(GREETING_SIZE - this.#greetingLen, chunk.length);
        this.#greeting.set(chunk.subarray(0, take), this.#greetingLen);
        const before = this.#greetingLen;
        this.#greetingLen += take;
        if (before < SIGNATURE_SIZE && this.#greetingLen >= SIGNATURE_SIZE) {
          checkSignature(this.#greeting);
          this.#state = State.Greeting;
          this.conn.write(encodeGreetingRest(this.#mech.name, this.#mech.asServer));
        }
        if (this.#greetingLen < GREETING_SIZE) return;
        this.#onGreeting();
        if (take === chunk.length) return;
        chunk = chunk.subarray(take);
      }
      this.#decoder.push(chunk);
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  #onGreeting(): void {
    const g = parseGreeting(this.#greeting);
    if (g.mechanism !== this.#mech.name) {
      throw new HandshakeError(`peer uses mechanism ${g.mechanism}, we use ${this.#mech.name}`);
    }
    this.#minor = g.major > 3 ? 1 : g.minor;
    this.#state = State.Handshake;
    this.#applyStep(this.#mech.start({ asServer: g.asServer, minor: this.#minor }));
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (this.#state === State.Closed) return;
    if (this.#state === State.Handshake) {
      if ((flags & COMMAND) === 0) throw new ProtocolError("message frame during handshake");
      // A mechanism may answer asynchronously (ZAP); keep order meanwhile.
      if (this.#handshakeBusy) {
        this.#handshakeBacklog.push(body.slice());
        return;
      }
      this.#handshakeCommand(body);
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
    this.#parts.push(body);
    if ((flags & MORE) === 0) {
      const msg = this.#parts;
      this.#parts = [];
      this.pipe!.pushIn(msg);
    }
  }

  #handshakeCommand(body: Uint8Array): void {
    const step = this.#mech.receive(body);
    if (step instanceof Promise) {
      this.#handshakeBusy = true;
      step.then((s) => {
        this.#handshakeBusy = false;
        if (this.#state === State.Closed) return;
        try {
          this.#applyStep(s);
          while (this.#state === State.Handshake && !this.#handshakeBusy && this.#handshakeBacklog.length) {
            this.#handshakeCommand(this.#handshakeBacklog.shift()!);
          }
          // Frames that arrived after the handshake's last command.
          if (this.#state === State.Active && this.#handshakeBacklog.length) {
            const rest = this.#handshakeBacklog;
            this.#handshakeBacklog = [];
            for (const b of rest) this.#onFrame(COMMAND, b);
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
    for (const cmd of step.send) this.conn.write(encodeFrame(COMMAND, cmd));
    if (step.error !== undefined) {
      this.conn.write(encodeFrame(COMMAND, encodeError(step.error)));
      this.#errorSent = true;
      // A bare status code is a ZAP refusal (RFC 27), sent as libzmq does.
      if (/^[345]00$/.test(step.error)) throw authError(`ZAP authentication refused the peer (status ${step.error})`);
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
    const pipe = this.#host.engineReady(this, this.peer, done);
    if (typeof pipe === "string") {
      this.conn.write(this.#frame(COMMAND, encodeError(pipe)));
      this.#errorSent = true;
      throw new HandshakeError(pipe);
    }
    this.#state = State.Active;
    this.pipe = pipe;
    this.#startHeartbeat();
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
      this.conn.write(this.#frame(COMMAND, encodePong(data)));
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

  // Encodes queued messages into as few writes as possible.
  #flush(): void {
    this.#kicked = false;
    const pipe = this.pipe;
    if (pipe === null || this.#state !== State.Active || this.#ended) return;
    const q = pipe.outQ;
    while (!this.#blocked && q.length > 0) {
      // Size the batch.
      let total = 0;
      let count = 0;
      let big: Uint8Array | null = null;
      const n = q.length;
      const items: PipeItem[] = [];
      while (count < n && total < BATCH) {
        const m = pipe.takeOut()!;
        items.push(m);
        count++;
        if (!isMsg(m)) {
          total += COMMAND_ROOM + (m instanceof Subscription ? m.topic.length : m.group.length);
          continue;
        }
        for (let i = 0; i < m.length; i++) total += headerSize(m[i].length) + m[i].length;
        if (m.length > 0 && m[m.length - 1].length >= ZERO_COPY) {
          big = m[m.length - 1];
          total -= big.length;
          break;
        }
      }
      if (this.#codec !== undefined) {
        this.#writeWrapped(items);
        continue;
      }
      const out = this.conn.alloc !== undefined ? this.conn.alloc(total) : new Uint8Array(total);
      let at = 0;
      for (let k = 0; k < items.length; k++) {
        const m = items[k];
        if (!isMsg(m)) {
          const s = this.#commandFrame(m);
          at = writeHeader(out, at, s.flags, s.body.length);
          out.set(s.body, at);
          at += s.body.length;
          continue;
        }
        const last = m.length - 1;
        for (let i = 0; i <= last; i++) {
          const f = m[i];
          const flags = i < last ? MORE : 0;
          at = writeHeader(out, at, flags, f.length);
          if (f === big && k === items.length - 1 && i === last) continue;
          out.set(f, at);
          at += f.length;
        }
      }
      let ok = this.conn.write(at === total ? out : out.subarray(0, at));
      if (big !== null) ok = this.conn.write(big);
      if (!ok) this.#blocked = true;
    }
    if (this.#closing && q.length === 0) {
      this.#ended = true;
      this.conn.end();
    }
  }

  // A command queued with messages as one frame: SUBSCRIBE/CANCEL to a ZMTP
  // 3.1 peer (the 0x01/0x00-prefixed message to a 3.0 one), JOIN/LEAVE.
  #commandFrame(c: Subscription | Membership): { flags: number; body: Uint8Array } {
    if (c instanceof Membership) return { flags: COMMAND, body: encodeCommand(c.join ? "JOIN" : "LEAVE", c.group) };
    if (this.#minor >= 1) return { flags: COMMAND, body: encodeCommand(c.subscribe ? "SUBSCRIBE" : "CANCEL", c.topic) };
    return { flags: 0, body: c.message() };
  }

  #writeWrapped(items: PipeItem[]): void {
    const frames: Uint8Array[] = [];
    for (const m of items) {
      if (!isMsg(m)) {
        const s = this.#commandFrame(m);
        frames.push(this.#frame(s.flags, s.body));
        continue;
      }
      for (let i = 0; i < m.length; i++) frames.push(this.#frame(i < m.length - 1 ? MORE : 0, m[i]));
    }
    let total = 0;
    for (const f of frames) total += f.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const f of frames) {
      out.set(f, at);
      at += f.length;
    }
    if (!this.conn.write(out)) this.#blocked = true;
  }

  // One frame, wrapped by the security codec when there is one.
  #frame(flags: number, body: Uint8Array): Uint8Array {
    // Flags 0, as libzmq frames MESSAGE (it would take COMMAND or MORE on the
    // outer frame as flags of the wrapped frame).
    if (this.#codec !== undefined) return encodeFrame(0, this.#codec.encode(flags, body));
    return encodeFrame(flags, body);
  }

  // -- heartbeats (RFC 37 §"Connection Heartbeating") -------------------------

  #startHeartbeat(): void {
    const ivl = this.#opts.heartbeatInterval;
    if (ivl <= 0 && this.#remoteTtl <= 0) return;
    const tick = ivl > 0 ? ivl : Math.max(100, this.#remoteTtl / 2);
    this.#heartbeatTimer = setInterval(() => {
      const idle = Date.now() - this.#lastRecv;
      const timeout = this.#opts.heartbeatTimeout > 0 ? this.#opts.heartbeatTimeout : ivl;
      if ((ivl > 0 && idle > timeout + ivl) || (this.#remoteTtl > 0 && idle > this.#remoteTtl)) {
        this.#fail(new ProtocolError("heartbeat timed out", "ETIMEDOUT"));
        return;
      }
      if (ivl > 0 && !this.#ended) {
        const ttl = Math.min(0xffff, Math.floor(this.#opts.heartbeatTimeToLive / 100));
        this.conn.write(this.#frame(COMMAND, encodePing(ttl)));
      }
    }, tick);
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
      this.#dropTimer = setTimeout(() => this.conn.destroy(), ERROR_FLUSH_MS);
      this.conn.end();
    } else {
      this.conn.destroy();
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
    this.#parts = [];
    this.pipe?.setEngine(null);
    this.#host.engineClosed(this, error, wasReady);
  }
}
