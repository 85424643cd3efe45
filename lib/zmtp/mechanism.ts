// The security mechanism contract (RFC 23 §"Authentication and
// Confidentiality"). A mechanism runs between the greeting and the first
// message: it consumes handshake commands and answers with commands until it
// has the peer's metadata. NULL, PLAIN and CURVE all implement this.

/** What a mechanism knows about the local socket and the connection. */
export interface MechanismContext {
  /** Our socket type name as sent in READY ("PUSH", "ROUTER", ...). */
  readonly socketType: string;
  /** Our routing id, sent as the Identity property, if the type sends one. */
  readonly identity: Uint8Array | undefined;
  /** The peer's address as the transport reports it (for ZAP). */
  readonly peerAddress: string;
  /** Extra metadata properties to send in READY/INITIATE (RFC 37 "X-" names). */
  readonly properties?: Iterable<[string, Uint8Array | string]>;
}

/** Frame-level protection installed after the handshake (CURVE's MESSAGE). */
export interface FrameCodec {
  /** Wraps one frame (its MORE/COMMAND flags and body) into a command body. */
  encode(flags: number, body: Uint8Array): Uint8Array;
  /**
   * Unwraps a received command body. Returns null when the command is not a
   * wrapped frame (the caller then handles it as a plain command).
   * Throws on a forged, replayed or malformed one.
   */
  decode(commandBody: Uint8Array): { flags: number; body: Uint8Array } | null;
}

/** The outcome of the handshake once a mechanism has finished. */
export interface HandshakeDone {
  /** The peer's metadata (Socket-Type, Identity, ...). */
  readonly properties: Map<string, Uint8Array>;
  /** User-Id and properties from a ZAP reply, if one was asked. */
  readonly userId?: string;
  readonly zapProperties?: Map<string, Uint8Array>;
  /** Present when frames must be wrapped from now on. */
  readonly codec?: FrameCodec;
  /** The peer's framing carries no socket type (ZMTP 1.0): none is checked, as libzmq. */
  readonly untypedPeer?: boolean;
}

/** One step of a handshake: commands to send, and whether it is over. */
export interface HandshakeStep {
  /** Command bodies to send, in order. */
  readonly send: Uint8Array[];
  /** Set once the handshake succeeded. */
  readonly done?: HandshakeDone;
  /** Set when the handshake failed: the reason goes out in an ERROR command. */
  readonly error?: string;
}

/** A security mechanism instance, one per connection. */
export interface Mechanism {
  /** The name in the greeting ("NULL", "PLAIN", "CURVE"). */
  readonly name: string;
  /** Our as-server bit in the greeting. */
  readonly asServer: boolean;
  /**
   * Optional: the flags of this mechanism's handshake frames, sent and
   * received. Unset, they are COMMAND frames (a non-command frame fails the
   * handshake); set (0 for bare ZWS2.0's routing ids), every frame goes to
   * `receive()` with its flags, which checks them.
   */
  readonly handshakeFlags?: number;
  /** Commands to send as soon as the greeting is exchanged; may wait (e.g. for WebCrypto). */
  start(peer: { asServer: boolean; minor: number }): HandshakeStep | Promise<HandshakeStep>;
  /** Handles one handshake command body (with its frame flags); may wait (e.g. for ZAP). */
  receive(command: Uint8Array, flags: number): HandshakeStep | Promise<HandshakeStep>;
}

/** Creates a mechanism for one connection. */
export type MechanismFactory = (ctx: MechanismContext) => Mechanism;
