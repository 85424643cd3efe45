// Messages as users hand them over: one part or an array of parts, each a
// string, a number, null, an ArrayBuffer or a typed array; and the per-call
// options of send() and receive().

import type { Msg } from "./pipe.ts";

/**
 * One part of a message as the user gives it.
 *
 * @example
 * ```ts
 * import type { MessageLike } from "zmtp-zeromq";
 * const parts: MessageLike[] = ["text", 7, null, new Uint8Array(2), new ArrayBuffer(1)];
 * console.log(parts.length); // 5
 * ```
 */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;

/**
 * A message to send: one part or an array of parts.
 *
 * @example
 * ```ts
 * import { type MessageInput, Push } from "zmtp-zeromq";
 * const msg: MessageInput = ["topic", new Uint8Array([1, 2]), 42, null];
 * const push = new Push({ sendTimeout: 0 });
 * await push.send(msg).catch((e) => console.log(e.code)); // EAGAIN: no peer
 * push.close();
 * ```
 */
export type MessageInput = MessageLike | MessageLike[];

/**
 * Per-call options for `send()` and `receive()`.
 *
 * @example
 * ```ts
 * import { type CallOptions, Pull } from "zmtp-zeromq";
 * const pull = new Pull();
 * const call: CallOptions = { signal: AbortSignal.timeout(10) };
 * await pull.receive(call).catch((e) => console.log(e.name)); // TimeoutError
 * pull.close();
 * ```
 */
export interface CallOptions {
  /** Aborts the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * receive() only: the message carries the metadata of the connection it
   * came over, read with `metadataOf(message)` (libzmq's zmq_msg_gets).
   */
  metadata?: boolean;
}

const encoder = new TextEncoder();

/** Converts one user-supplied part to bytes (no copy for byte arrays). */
export function toFrame(part: MessageLike): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return encoder.encode(part);
  if (part === null || part === undefined) return new Uint8Array(0);
  if (typeof part === "number") return encoder.encode(String(part));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) {
    return new Uint8Array(part);
  }
  throw new TypeError("Message parts must be strings, numbers, null, ArrayBuffers or typed arrays");
}

/** Converts a message to frames. */
export function toMsg(input: MessageInput): Msg {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new TypeError("A message needs at least one part");
    const out: Msg = new Array(input.length);
    for (let i = 0; i < input.length; i++) out[i] = toFrame(input[i]);
    return out;
  }
  return [toFrame(input)];
}
