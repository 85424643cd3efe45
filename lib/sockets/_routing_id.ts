// The options of the socket types that announce a routing id (REQ, DEALER,
// ROUTER; REP accepts routingId too, as in zeromq.js). Their rows are in
// lib/options.ts.

/**
 * Options of the types that announce a routing id.
 *
 * @example
 * ```ts
 * import { Dealer, type RoutingIdOptions } from "zmtp-zeromq";
 * const opts: RoutingIdOptions = { routingId: "worker-1" };
 * new Dealer(opts).close();
 * ```
 */
export interface RoutingIdOptions {
  /** ZMQ_ROUTING_ID: how a ROUTER peer addresses this socket, 1 to 255 bytes. */
  routingId?: string | Uint8Array | null;
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  probeRouter?: boolean;
}
