// The options of the socket types that announce a routing id (REQ, DEALER,
// ROUTER): defined once here, installed on each of those classes.

/** Options of the types that announce a routing id. */
export interface RoutingIdOptions {
  /** ZMQ_ROUTING_ID: how a ROUTER peer addresses this socket. */
  routingId?: string | Uint8Array | null;
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  probeRouter?: boolean;
}

/** The same options as properties. */
export interface RoutingIdAccessors {
  /** ZMQ_ROUTING_ID: how a ROUTER peer addresses this socket. */
  routingId: string | Uint8Array | null;
  /** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
  probeRouter: boolean;
}

type Opts = Record<string, unknown>;

/** Installs the `routingId` and `probeRouter` properties on a socket class. */
export function defineRoutingIdAccessors(proto: object): void {
  Object.defineProperty(proto, "routingId", {
    configurable: true,
    get(this: { opts: Opts }) {
      return this.opts.routingId;
    },
    set(this: { opts: Opts }, v: string | Uint8Array | null) {
      this.opts.routingId = v;
    },
  });
  Object.defineProperty(proto, "probeRouter", {
    configurable: true,
    get(this: { opts: Opts }) {
      return this.opts.probeRouter;
    },
    set(this: { opts: Opts }, v: boolean) {
      this.opts.probeRouter = !!v;
    },
  });
}
