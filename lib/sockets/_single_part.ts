// What the thread-safe draft types (CLIENT, SERVER, SCATTER, GATHER, PEER,
// CHANNEL) share: messages are one frame (RFC 41). A multipart send fails
// with EINVAL; a multipart message from the wire is dropped whole, as
// libzmq's xrecv of these types does. SERVER and PEER name each peer by a
// 32-bit routing id (never 0), which zeromq.js gives as a number.

import { ZmqError } from "../errors.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair_queue.ts";
import { type MessageLike, toFrame } from "../message.ts";

/** @internal The one frame of a message for a single-part type; EINVAL for more. */
export function checkSinglePart(msg: Msg, type: string): void {
  if (msg.length !== 1) throw new ZmqError("EINVAL", `${type} messages have exactly one part, got ${msg.length}`);
}

/** @internal A message given to a single-part send(): one part, or an array of one. */
export function onePart(message: MessageLike | MessageLike[], type: string): Uint8Array {
  if (Array.isArray(message)) {
    if (message.length !== 1) {
      throw new ZmqError("EINVAL", `${type} messages have exactly one part, got ${message.length}`);
    }
    message = message[0];
  }
  return toFrame(message);
}

/**
 * @internal Fair-queued reading that keeps single-frame messages only. What
 * there is to read is known by reading it (a multipart message is not a
 * message here), so one is read ahead for hasIn().
 */
export class SinglePartQueue {
  #fq = new FairQueue();
  #next: [Uint8Array, Pipe] | undefined = undefined;

  add(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#fq.detach(pipe);
  }

  hasIn(): boolean {
    return this.#next !== undefined || (this.#next = this.#read()) !== undefined;
  }

  /** The next single-frame message and the pipe it came from, or undefined. */
  recv(): [Uint8Array, Pipe] | undefined {
    const next = this.#next;
    if (next !== undefined) {
      this.#next = undefined;
      return next;
    }
    return this.#read();
  }

  #read(): [Uint8Array, Pipe] | undefined {
    for (;;) {
      const r = this.#fq.recvFrom();
      if (r === undefined) return undefined;
      if (r[0].length === 1) return [r[0][0], r[1]];
    }
  }
}

/** @internal A routing id as the 4-byte frame that carries it through the core. */
export function routingIdFrame(id: number): Uint8Array {
  const f = new Uint8Array(4);
  new DataView(f.buffer).setUint32(0, id);
  return f;
}

/** @internal The routing id a 4-byte frame carries. */
export function routingIdOfFrame(f: Uint8Array): number {
  return new DataView(f.buffer, f.byteOffset, 4).getUint32(0);
}

/** @internal Checks a routing id given to send(): an integer 0..2^32-1. */
export function checkRoutingId(id: unknown): number {
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new TypeError('Option "routingId" must be an integer from 0 to 4294967295');
  }
  return id;
}
