// Which socket types may talk to which (RFC 28, 29, 30, 31 and libzmq's
// mechanism_t::check_socket_type, plus the draft types libzmq ships).

/** Peer types each socket type accepts. */
export const COMPATIBLE: Readonly<Record<string, readonly string[]>> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  CLIENT: ["SERVER"],
  SERVER: ["CLIENT"],
  SCATTER: ["GATHER"],
  GATHER: ["SCATTER"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
  // A udp:// endpoint of a DGRAM reports itself as a DGRAM peer.
  DGRAM: ["DGRAM"],
};

/** True when a socket of type `ours` may talk to a peer of type `theirs`. */
export function isCompatible(ours: string, theirs: string): boolean {
  return COMPATIBLE[ours]?.includes(theirs) ?? false;
}
