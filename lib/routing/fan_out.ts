// Fan-out (RFC 29, RFC 48): one message to every pipe of a set, skipping
// those at their high-water mark (PUB, XPUB, XSUB upstream, RADIO), or to
// every connected pipe regardless (subscriptions, JOIN/LEAVE).

import type { Msg, Pipe, PipeItem } from "../pipe.ts";

/** Writes `msg` to each pipe with room; a full one misses it (the mute action of fan-out types). */
export function fanOut(pipes: Iterable<Pipe>, msg: Msg): void {
  for (const p of pipes) if (p.canWrite()) p.write(msg);
}

/**
 * Writes `msg` to each pipe that has a connection now. A pipe without one
 * is told the whole state when it connects, so it must not get it twice.
 */
export function toConnected(pipes: Iterable<Pipe>, msg: PipeItem): void {
  for (const p of pipes) if (p.engine !== null) p.write(msg);
}
