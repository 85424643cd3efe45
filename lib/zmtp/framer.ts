// The seam between the engine and a connection: a framer settles the
// protocol version with the peer (a greeting, or what the transport already
// negotiated) and turns frames into the bytes or messages of one framing,
// and back. The engine above it runs the security handshake, heartbeats,
// commands and the pipe, whatever the framing: ZMTP 3.x over byte streams
// (zmtp_framer.ts), ZWS 2.0 over WebSocket messages (zws_framer.ts).
//
// Framers do no I/O of their own: inbound chunks are pushed in, outbound
// chunks are returned (or, during a greeting, handed to `send`).

import type { PeerGreeting } from "./greeting.ts";
import type { Mechanism } from "./mechanism.ts";

export type { PeerGreeting };

/** What a framer reports to its engine. */
export interface FramerHandler {
  /** Bytes of the version negotiation (a greeting), to write in order. */
  send(chunk: Uint8Array): void;
  /** The negotiation is over: what the peer announced. */
  greeting(peer: PeerGreeting): void;
  /** One frame arrived (MORE and COMMAND flags); `body` may be a view into the chunk. */
  frame(flags: number, body: Uint8Array): void;
}

/** What a framer knows about its side of the connection. */
export interface FramerContext {
  /** Our mechanism's name, as our greeting announces it. */
  readonly mechanism: string;
  /** Our as-server role in that mechanism. */
  readonly asServer: boolean;
  /** Largest frame body accepted; negative means no limit. */
  readonly maxMessageSize: number;
  /** The transport's allocator for outbound batches and inbound bodies, if it has one. */
  readonly alloc?: (size: number) => Uint8Array;
  /** Makes each received frame body as a view over its bytes (lib/frames.ts); a plain Uint8Array without it. */
  readonly view?: (buffer: ArrayBufferLike, offset: number, length: number) => Uint8Array;
  /** The chunks received are of the frame class: a frame inside one is its subarray() (see Connection.framesBySubarray). */
  readonly subarray?: boolean;
  /**
   * Our socket type and routing id as a ZMTP 1.0/2.0 greeting carries them.
   * Absent, such peers are refused: they run no security mechanism, so only
   * a plain NULL socket may talk to them (as libzmq, which refuses them once
   * ZAP or a mechanism is configured).
   */
  readonly legacy?: { readonly socketType: string; readonly identity: Uint8Array };
}

/** One connection's framing. */
export interface Framer {
  /** Starts the negotiation: a greeting goes to `send`, or the peer is known at once. */
  start(): void;
  /**
   * Takes inbound data: a chunk of a byte stream (any boundaries), or one
   * whole message on a message transport. Throws a ProtocolError or a
   * HandshakeError on bad input.
   */
  receive(chunk: Uint8Array): void;
  /**
   * Encodes `count` frames (`flags[i]`, `bodies[i]`) into the chunks to write,
   * in order: as few as the framing allows. Valid once the peer's greeting
   * is in.
   */
  encode(flags: readonly number[], bodies: readonly Uint8Array[], count: number): readonly Uint8Array[];
  /** A connection we close is destroyed soon after its end, whether or not the peer ends too (raw: no ZMTP peer to wait for). */
  readonly closesOutright?: boolean;
  /**
   * Optional: the mechanism this framing runs instead of the socket's, once
   * the greeting named it (bare ZWS2.0 trades routing ids instead of READY).
   */
  mechanism?(own: Mechanism): Mechanism;
  /** Optional, for byte streams: see {@link ConnectionHandler.target}. */
  target?(): Uint8Array | undefined;
  /** Optional: `n` bytes were read into the last target. */
  filled?(n: number): void;
  /** Optional: see {@link ConnectionHandler.readSize}. */
  readSize?(): number;
}
