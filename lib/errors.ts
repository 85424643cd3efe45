/**
 * Errors raised by sockets, as zeromq.js gives them: a `code` with libzmq's
 * errno name, the `errno` number libzmq has for it on Linux, and a message
 * that starts with zeromq.js's text for that code (detail may follow).
 *
 * @module
 */

/**
 * The error codes this library raises, named after libzmq's errno values.
 *
 * @example
 * ```ts
 * import { type ErrorCode, ZmqError } from "zmtp-zeromq";
 * const code: ErrorCode = "EAGAIN";
 * console.log(new ZmqError(code).errno); // 11
 * ```
 */
export type ErrorCode =
  | "EAGAIN"
  | "EBADF"
  | "EBUSY"
  | "EFAULT"
  | "EFSM"
  | "EHOSTUNREACH"
  | "ETERM"
  | "ENOTSUP"
  | "EINVAL"
  | "EMFILE"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENODEV"
  | "ENOCOMPATPROTO"
  | "ENOENT"
  | "EPROTO"
  | "EPROTONOSUPPORT"
  | "EMSGSIZE"
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "ETIMEDOUT"
  | "ENAMETOOLONG"
  | "EACCES"
  | "ENETUNREACH";

// libzmq's errno values on Linux (its own codes are ZMQ_HAUSNUMERO 156384712
// plus an offset) and zeromq.js's message for each: its own wording for a
// few codes, zmq_strerror()'s for the rest.
const ERRNO: { readonly [C in ErrorCode]: readonly [number, string] } = {
  EAGAIN: [11, "Operation was not possible or timed out"],
  EBADF: [9, "Socket is closed"],
  EBUSY: [16, "Socket is busy"],
  EFAULT: [14, "Bad address"],
  EFSM: [156384763, "Operation cannot be accomplished in current state"],
  EHOSTUNREACH: [113, "Host unreachable"],
  ETERM: [156384765, "Context was terminated"],
  ENOTSUP: [95, "Operation not supported"],
  EINVAL: [22, "Invalid argument"],
  EMFILE: [24, "Too many open file descriptors"],
  EADDRINUSE: [98, "Address already in use"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
  ENODEV: [19, "No such device"],
  ENOCOMPATPROTO: [156384764, "The protocol is not compatible with the socket type"],
  ENOENT: [2, "No such endpoint"],
  EPROTO: [71, "Protocol error"],
  EPROTONOSUPPORT: [93, "Protocol not supported"],
  EMSGSIZE: [90, "Message too long"],
  ECONNREFUSED: [111, "Connection refused"],
  ECONNRESET: [104, "Connection reset by peer"],
  ETIMEDOUT: [110, "Connection timed out"],
  ENAMETOOLONG: [36, "File name too long"],
  EACCES: [13, "Permission denied"],
  ENETUNREACH: [101, "Network is unreachable"],
};

/**
 * libzmq's errno number for a code (Linux values, as zeromq.js reports them).
 *
 * @param code The error code.
 * @returns The number, e.g. 11 for EAGAIN.
 * @example
 * ```ts
 * import { errnoOf } from "zmtp-zeromq";
 * console.log(errnoOf("EFSM")); // 156384763
 * ```
 */
export function errnoOf(code: ErrorCode): number {
  return ERRNO[code][0];
}

/**
 * zeromq.js's message for a code: "Socket is closed" for EBADF,
 * "Operation was not possible or timed out" for EAGAIN, ...
 *
 * @param code The error code.
 * @returns The message.
 * @example
 * ```ts
 * import { errnoMessage } from "zmtp-zeromq";
 * console.log(errnoMessage("ENOENT")); // "No such endpoint"
 * ```
 */
export function errnoMessage(code: ErrorCode): string {
  return ERRNO[code][1];
}

/**
 * An error from a socket operation: `code` and `errno` say what happened,
 * as zeromq.js's errors do.
 *
 * @example
 * ```ts
 * import { Pull, ZmqError } from "zmtp-zeromq";
 * const pull = new Pull({ receiveTimeout: 0 });
 * try {
 *   await pull.receive();
 * } catch (e) {
 *   if (e instanceof ZmqError && e.code === "EAGAIN") console.log("nothing yet", e.errno); // 11
 * }
 * pull.close();
 * ```
 */
export class ZmqError extends Error {
  /** The libzmq-style error code. */
  readonly code: ErrorCode;
  /** libzmq's errno number for `code` (Linux values), as zeromq.js gives it. */
  readonly errno: number;
  /** The endpoint involved, when there is one. */
  readonly address?: string;

  /**
   * Creates an error.
   *
   * @param code The error code.
   * @param message A human readable message; zeromq.js's text for `code` when absent.
   * @param options The cause and the endpoint, if any.
   */
  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; address?: string },
  ) {
    super(message ?? errnoMessage(code), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "ZmqError";
    this.code = code;
    this.errno = errnoOf(code);
    if (options?.address !== undefined) this.address = options.address;
  }
}

/**
 * A ZmqError whose message is zeromq.js's text for `code`, then ": " and
 * the detail when there is one.
 *
 * @param code The error code.
 * @param detail What exactly went wrong, if worth saying.
 * @param options The cause and the endpoint, if any.
 * @returns The error.
 * @example
 * ```ts
 * import { zmqError } from "./errors.ts";
 * console.log(zmqError("EFSM", "send a request first").message);
 * // "Operation cannot be accomplished in current state: send a request first"
 * ```
 */
export function zmqError(code: ErrorCode, detail?: string, options?: { cause?: unknown; address?: string }): ZmqError {
  return new ZmqError(code, detail ? `${errnoMessage(code)}: ${detail}` : undefined, options);
}

/**
 * A RangeError for an argument out of range, carrying zeromq.js's `code`
 * "EINVAL" and `errno` 22 too (zeromq.js throws EINVAL there).
 *
 * @param detail What is out of range.
 * @returns The error: `instanceof RangeError`, `code` "EINVAL".
 * @example
 * ```ts
 * import { invalidArgument } from "./errors.ts";
 * const e = invalidArgument('option "linger" must be from -1 to 2147483647');
 * console.log(e instanceof RangeError, e.code); // true "EINVAL"
 * ```
 */
export function invalidArgument(detail: string): RangeError & { readonly code: "EINVAL"; readonly errno: number } {
  const e = new RangeError(`${errnoMessage("EINVAL")}: ${detail}`) as RangeError & { code: "EINVAL"; errno: number };
  e.code = "EINVAL";
  e.errno = errnoOf("EINVAL");
  return e;
}

/**
 * A peer broke the ZMTP protocol (bad frame, bad command, oversized frame).
 * Only the offending connection is closed.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "zmtp-zeromq";
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
 * import { HandshakeError } from "zmtp-zeromq";
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
   * For kind "auth": the ZAP status code of the refusal, as zeromq.js's
   * AuthError has it (300 temporary, 400 refused, 500 internal error).
   */
  readonly status?: AuthStatus;

  /**
   * Creates a handshake error.
   *
   * @param message Why the handshake failed.
   * @param code Defaults to `EPROTO`.
   * @param kind Defaults to "protocol".
   * @param status For kind "auth": the ZAP status code; 400 when absent.
   */
  constructor(
    message: string,
    code: ErrorCode = "EPROTO",
    kind: HandshakeErrorKind = "protocol",
    status?: AuthStatus,
  ) {
    super(code, message);
    this.name = "HandshakeError";
    this.kind = kind;
    if (kind === "auth") this.status = status ?? 400;
  }
}

/**
 * A ZAP status code of a refused peer (RFC 27): 300 temporary failure, 400
 * authentication failure, 500 internal error.
 *
 * @example
 * ```ts
 * import { type AuthStatus, HandshakeError } from "zmtp-zeromq";
 * const s: AuthStatus | undefined = new HandshakeError("no", "EPROTO", "auth", 300).status; // 300
 * ```
 */
export type AuthStatus = 300 | 400 | 500;

/**
 * Why a handshake failed, as {@link HandshakeError.kind} says.
 *
 * @example
 * ```ts
 * import { HandshakeError, type HandshakeErrorKind } from "zmtp-zeromq";
 * const kind: HandshakeErrorKind = new HandshakeError("no").kind; // "protocol"
 * ```
 */
export type HandshakeErrorKind = "auth" | "protocol";

/**
 * An authentication failure: a {@link HandshakeError} of kind "auth".
 *
 * @param message Why the peer was refused.
 * @param status The ZAP status code, when ZAP refused it; 400 when absent.
 * @returns The error.
 * @example
 * ```ts
 * import { authError } from "./errors.ts";
 * console.log(authError("wrong password").kind); // "auth"
 * ```
 */
export function authError(message: string, status?: AuthStatus): HandshakeError {
  return new HandshakeError(message, "EPROTO", "auth", status);
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
  EHOSTUNREACH: "EHOSTUNREACH",
  ENETUNREACH: "ENETUNREACH",
  NetworkUnreachable: "ENETUNREACH",
  ETIMEDOUT: "ETIMEDOUT",
  TimedOut: "ETIMEDOUT",
  ECONNRESET: "ECONNRESET",
  ConnectionReset: "ECONNRESET",
  EACCES: "EACCES",
  PermissionDenied: "EACCES",
  ENAMETOOLONG: "ENAMETOOLONG",
};

/**
 * A runtime's error for a bind or connect as a {@link ZmqError} with
 * libzmq's code (EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, ENOENT,
 * EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, ECONNRESET, EACCES), a message of
 * zeromq.js's text, the runtime's and the endpoint, and the original as its
 * cause; a ZmqError, and any other error, as it is.
 *
 * @param e What the runtime threw.
 * @param address The endpoint.
 * @returns The error to report.
 * @example
 * ```ts
 * import { systemError } from "./errors.ts";
 * const e = systemError(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }), "tcp://127.0.0.1:5555");
 * console.log((e as { code?: string }).code); // "EADDRINUSE"
 * ```
 */
export function systemError(e: unknown, address: string): Error {
  if (e instanceof ZmqError) return e;
  const err = e as { code?: unknown; name?: unknown; message?: unknown } | null;
  const pick = (k: unknown) => typeof k === "string" && Object.hasOwn(SYSTEM_CODES, k) ? SYSTEM_CODES[k] : undefined;
  const code = pick(err?.code) ?? pick(err?.name);
  if (code === undefined) return e instanceof Error ? e : new Error(String(e));
  // zeromq.js's text first, then what the runtime said.
  return zmqError(code, `${String(err?.message)} (${address})`, { cause: e, address });
}
