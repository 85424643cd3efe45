/**
 * Errors raised by sockets, with a `code` close to libzmq's errno names so
 * callers can branch on it.
 *
 * @module
 */

/** The error codes this library raises, named after libzmq's errno values. */
export type ErrorCode =
  | "EAGAIN"
  | "EBUSY"
  | "EFSM"
  | "EHOSTUNREACH"
  | "ETERM"
  | "ENOTSUP"
  | "EINVAL"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENOENT"
  | "EPROTO"
  | "EMSGSIZE"
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "ETIMEDOUT";

/**
 * An error from a socket operation. `code` says what happened.
 *
 * @example
 * ```ts
 * import { Pull, ZmqError } from "./mod.ts";
 * const pull = new Pull({ receiveTimeout: 0 });
 * try {
 *   await pull.receive();
 * } catch (e) {
 *   if (e instanceof ZmqError && e.code === "EAGAIN") console.log("nothing yet");
 * }
 * pull.close();
 * ```
 */
export class ZmqError extends Error {
  /** The libzmq-style error code. */
  readonly code: ErrorCode;
  /** The endpoint involved, when there is one. */
  readonly address?: string;

  /**
   * Creates an error.
   *
   * @param code The error code.
   * @param message A human readable message.
   * @param options The cause and the endpoint, if any.
   */
  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; address?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "ZmqError";
    this.code = code;
    if (options?.address !== undefined) this.address = options.address;
  }
}

/**
 * A peer broke the ZMTP protocol (bad frame, bad command, oversized frame).
 * Only the offending connection is closed.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./mod.ts";
 * const e = new ProtocolError("frame of 2000000 bytes exceeds maxMessageSize");
 * console.log(e.code); // "EPROTO"
 * ```
 */
export class ProtocolError extends ZmqError {
  /**
   * Creates a protocol error.
   *
   * @param message What the peer did wrong.
   * @param code Defaults to `EPROTO`.
   */
  constructor(message: string, code: ErrorCode = "EPROTO") {
    super(code, message);
    this.name = "ProtocolError";
  }
}

/**
 * The ZMTP greeting or the security handshake failed (bad signature, mechanism
 * mismatch, incompatible socket type, authentication refused).
 *
 * @example
 * ```ts
 * import { HandshakeError } from "./mod.ts";
 * const e = new HandshakeError("peer socket type PUB is not compatible with PUSH");
 * console.log(e.code); // "EPROTO"
 * ```
 */
export class HandshakeError extends ZmqError {
  /**
   * What failed: "auth" for authentication (refused credentials or keys, ZAP,
   * a security option missing), "protocol" for the rest. Sockets report the
   * two as `handshake:error:auth` and `handshake:error:protocol`.
   */
  readonly kind: HandshakeErrorKind;

  /**
   * Creates a handshake error.
   *
   * @param message Why the handshake failed.
   * @param code Defaults to `EPROTO`.
   * @param kind Defaults to "protocol".
   */
  constructor(message: string, code: ErrorCode = "EPROTO", kind: HandshakeErrorKind = "protocol") {
    super(code, message);
    this.name = "HandshakeError";
    this.kind = kind;
  }
}

/**
 * Why a handshake failed, as {@link HandshakeError.kind} says.
 *
 * @example
 * ```ts
 * import { HandshakeError, type HandshakeErrorKind } from "./mod.ts";
 * const kind: HandshakeErrorKind = new HandshakeError("no").kind; // "protocol"
 * ```
 */
export type HandshakeErrorKind = "auth" | "protocol";

/**
 * An authentication failure: a {@link HandshakeError} of kind "auth".
 *
 * @param message Why the peer was refused.
 * @returns The error.
 * @example
 * ```ts
 * import { authError } from "./lib/errors.ts";
 * console.log(authError("wrong password").kind); // "auth"
 * ```
 */
export function authError(message: string): HandshakeError {
  return new HandshakeError(message, "EPROTO", "auth");
}

// libzmq's errno names for what the runtimes report: Node (and Bun) put an
// errno name in `code`, Deno names the error class.
const SYSTEM_CODES: Readonly<Record<string, ErrorCode>> = {
  EADDRINUSE: "EADDRINUSE",
  AddrInUse: "EADDRINUSE",
  EADDRNOTAVAIL: "EADDRNOTAVAIL",
  AddrNotAvailable: "EADDRNOTAVAIL",
  ECONNREFUSED: "ECONNREFUSED",
  ConnectionRefused: "ECONNREFUSED",
  ENOENT: "ENOENT",
  NotFound: "ENOENT",
};

/**
 * A runtime's error for a bind or connect as a {@link ZmqError} with
 * libzmq's code (EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, ENOENT), the
 * endpoint in its message and the original as its cause; any other error
 * as it is.
 *
 * @param e What the runtime threw.
 * @param address The endpoint.
 * @returns The error to report.
 * @example
 * ```ts
 * import { systemError } from "./lib/errors.ts";
 * const e = systemError(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }), "tcp://127.0.0.1:5555");
 * console.log((e as { code?: string }).code); // "EADDRINUSE"
 * ```
 */
export function systemError(e: unknown, address: string): Error {
  const err = e as { code?: unknown; name?: unknown; message?: unknown } | null;
  const pick = (k: unknown) => typeof k === "string" && Object.hasOwn(SYSTEM_CODES, k) ? SYSTEM_CODES[k] : undefined;
  const code = pick(err?.code) ?? pick(err?.name);
  if (code === undefined) return e instanceof Error ? e : new Error(String(e));
  return new ZmqError(code, `${String(err?.message)} (${address})`, { cause: e, address });
}
