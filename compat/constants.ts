/**
 * The numeric constants of zeromq.js 5 (libzmq's values from zmq.h), as
 * named exports of `v5-compat.ts`.
 *
 * @module
 */

// -- Socket types (the `type` numbers of libzmq's zmq_socket())

/**
 * ZMQ_PAIR (0): the PAIR socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_PAIR } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PAIR); // 0
 * ```
 */
export const ZMQ_PAIR = 0;

/**
 * ZMQ_PUB (1): the PUB socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_PUB } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PUB); // 1
 * ```
 */
export const ZMQ_PUB = 1;

/**
 * ZMQ_SUB (2): the SUB socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_SUB } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SUB); // 2
 * ```
 */
export const ZMQ_SUB = 2;

/**
 * ZMQ_REQ (3): the REQ socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_REQ } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_REQ); // 3
 * ```
 */
export const ZMQ_REQ = 3;

/**
 * ZMQ_REP (4): the REP socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_REP } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_REP); // 4
 * ```
 */
export const ZMQ_REP = 4;

/**
 * ZMQ_DEALER (5): the DEALER socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_DEALER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_DEALER); // 5
 * ```
 */
export const ZMQ_DEALER = 5;

/**
 * ZMQ_XREQ (5): the old name of ZMQ_DEALER.
 *
 * @example
 * ```ts
 * import { ZMQ_XREQ } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XREQ); // 5
 * ```
 */
export const ZMQ_XREQ = 5;

/**
 * ZMQ_ROUTER (6): the ROUTER socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_ROUTER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ROUTER); // 6
 * ```
 */
export const ZMQ_ROUTER = 6;

/**
 * ZMQ_XREP (6): the old name of ZMQ_ROUTER.
 *
 * @example
 * ```ts
 * import { ZMQ_XREP } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XREP); // 6
 * ```
 */
export const ZMQ_XREP = 6;

/**
 * ZMQ_PULL (7): the PULL socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_PULL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PULL); // 7
 * ```
 */
export const ZMQ_PULL = 7;

/**
 * ZMQ_PUSH (8): the PUSH socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_PUSH } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PUSH); // 8
 * ```
 */
export const ZMQ_PUSH = 8;

/**
 * ZMQ_XPUB (9): the XPUB socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_XPUB } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XPUB); // 9
 * ```
 */
export const ZMQ_XPUB = 9;

/**
 * ZMQ_XSUB (10): the XSUB socket type.
 *
 * @example
 * ```ts
 * import { ZMQ_XSUB } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XSUB); // 10
 * ```
 */
export const ZMQ_XSUB = 10;

/**
 * ZMQ_STREAM (11): the STREAM socket type (not implemented by this library: `socket("stream")` throws).
 *
 * @example
 * ```ts
 * import { ZMQ_STREAM } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_STREAM); // 11
 * ```
 */
export const ZMQ_STREAM = 11;

// -- Socket options (libzmq's zmq_setsockopt() numbers)

/**
 * ZMQ_AFFINITY (4): I/O thread affinity (not supported: there are no I/O threads).
 *
 * @example
 * ```ts
 * import { ZMQ_AFFINITY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_AFFINITY); // 4
 * ```
 */
export const ZMQ_AFFINITY = 4;

/**
 * ZMQ_IDENTITY (5): the socket's identity (routing id), 1 to 255 bytes.
 *
 * @example
 * ```ts
 * import { ZMQ_IDENTITY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_IDENTITY); // 5
 * ```
 */
export const ZMQ_IDENTITY = 5;

/**
 * ZMQ_ROUTING_ID (5): libzmq 4's name of ZMQ_IDENTITY.
 *
 * @example
 * ```ts
 * import { ZMQ_ROUTING_ID } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ROUTING_ID); // 5
 * ```
 */
export const ZMQ_ROUTING_ID = 5;

/**
 * ZMQ_SUBSCRIBE (6): adds a SUB subscription (write-only).
 *
 * @example
 * ```ts
 * import { ZMQ_SUBSCRIBE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SUBSCRIBE); // 6
 * ```
 */
export const ZMQ_SUBSCRIBE = 6;

/**
 * ZMQ_UNSUBSCRIBE (7): removes a SUB subscription (write-only).
 *
 * @example
 * ```ts
 * import { ZMQ_UNSUBSCRIBE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_UNSUBSCRIBE); // 7
 * ```
 */
export const ZMQ_UNSUBSCRIBE = 7;

/**
 * ZMQ_RATE (8): multicast data rate (not supported: no pgm transport).
 *
 * @example
 * ```ts
 * import { ZMQ_RATE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RATE); // 8
 * ```
 */
export const ZMQ_RATE = 8;

/**
 * ZMQ_RECOVERY_IVL (9): multicast recovery interval (not supported: no pgm transport).
 *
 * @example
 * ```ts
 * import { ZMQ_RECOVERY_IVL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RECOVERY_IVL); // 9
 * ```
 */
export const ZMQ_RECOVERY_IVL = 9;

/**
 * ZMQ_RECOVERY_IVL_MSEC (9): the old name of ZMQ_RECOVERY_IVL.
 *
 * @example
 * ```ts
 * import { ZMQ_RECOVERY_IVL_MSEC } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RECOVERY_IVL_MSEC); // 9
 * ```
 */
export const ZMQ_RECOVERY_IVL_MSEC = 9;

/**
 * ZMQ_SNDBUF (11): kernel send buffer size (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_SNDBUF } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SNDBUF); // 11
 * ```
 */
export const ZMQ_SNDBUF = 11;

/**
 * ZMQ_RCVBUF (12): kernel receive buffer size (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_RCVBUF } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RCVBUF); // 12
 * ```
 */
export const ZMQ_RCVBUF = 12;

/**
 * ZMQ_RCVMORE (13): more parts to come (not supported: messages arrive whole).
 *
 * @example
 * ```ts
 * import { ZMQ_RCVMORE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RCVMORE); // 13
 * ```
 */
export const ZMQ_RCVMORE = 13;

/**
 * ZMQ_FD (14): the socket's file descriptor (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_FD } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_FD); // 14
 * ```
 */
export const ZMQ_FD = 14;

/**
 * ZMQ_EVENTS (15): the poll state (not supported: listen for "message").
 *
 * @example
 * ```ts
 * import { ZMQ_EVENTS } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_EVENTS); // 15
 * ```
 */
export const ZMQ_EVENTS = 15;

/**
 * ZMQ_TYPE (16): the socket type number (read-only).
 *
 * @example
 * ```ts
 * import { ZMQ_TYPE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TYPE); // 16
 * ```
 */
export const ZMQ_TYPE = 16;

/**
 * ZMQ_LINGER (17): ms to keep delivering queued messages after close; -1 forever.
 *
 * @example
 * ```ts
 * import { ZMQ_LINGER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_LINGER); // 17
 * ```
 */
export const ZMQ_LINGER = 17;

/**
 * ZMQ_RECONNECT_IVL (18): ms before reconnecting; -1 never.
 *
 * @example
 * ```ts
 * import { ZMQ_RECONNECT_IVL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RECONNECT_IVL); // 18
 * ```
 */
export const ZMQ_RECONNECT_IVL = 18;

/**
 * ZMQ_BACKLOG (19): the listen backlog (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_BACKLOG } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_BACKLOG); // 19
 * ```
 */
export const ZMQ_BACKLOG = 19;

/**
 * ZMQ_RECONNECT_IVL_MAX (21): the reconnect backoff ceiling in ms; 0 for none.
 *
 * @example
 * ```ts
 * import { ZMQ_RECONNECT_IVL_MAX } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RECONNECT_IVL_MAX); // 21
 * ```
 */
export const ZMQ_RECONNECT_IVL_MAX = 21;

/**
 * ZMQ_MAXMSGSIZE (22): the largest accepted message in bytes; -1 for no limit.
 *
 * @example
 * ```ts
 * import { ZMQ_MAXMSGSIZE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_MAXMSGSIZE); // 22
 * ```
 */
export const ZMQ_MAXMSGSIZE = 22;

/**
 * ZMQ_SNDHWM (23): the per-peer send queue limit in messages.
 *
 * @example
 * ```ts
 * import { ZMQ_SNDHWM } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SNDHWM); // 23
 * ```
 */
export const ZMQ_SNDHWM = 23;

/**
 * ZMQ_RCVHWM (24): the per-peer receive queue limit in messages.
 *
 * @example
 * ```ts
 * import { ZMQ_RCVHWM } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RCVHWM); // 24
 * ```
 */
export const ZMQ_RCVHWM = 24;

/**
 * ZMQ_MULTICAST_HOPS (25): multicast hops (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_MULTICAST_HOPS } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_MULTICAST_HOPS); // 25
 * ```
 */
export const ZMQ_MULTICAST_HOPS = 25;

/**
 * ZMQ_RCVTIMEO (27): receive timeout in ms (kept, but "message" events never time out).
 *
 * @example
 * ```ts
 * import { ZMQ_RCVTIMEO } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_RCVTIMEO); // 27
 * ```
 */
export const ZMQ_RCVTIMEO = 27;

/**
 * ZMQ_SNDTIMEO (28): ms a message may wait to be queued before its send fails with EAGAIN.
 *
 * @example
 * ```ts
 * import { ZMQ_SNDTIMEO } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SNDTIMEO); // 28
 * ```
 */
export const ZMQ_SNDTIMEO = 28;

/**
 * ZMQ_IPV4ONLY (31): IPv4 only (not supported: the address decides).
 *
 * @example
 * ```ts
 * import { ZMQ_IPV4ONLY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_IPV4ONLY); // 31
 * ```
 */
export const ZMQ_IPV4ONLY = 31;

/**
 * ZMQ_LAST_ENDPOINT (32): the endpoint last bound (read-only).
 *
 * @example
 * ```ts
 * import { ZMQ_LAST_ENDPOINT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_LAST_ENDPOINT); // 32
 * ```
 */
export const ZMQ_LAST_ENDPOINT = 32;

/**
 * ZMQ_ROUTER_MANDATORY (33): ROUTER: fail with EHOSTUNREACH for unknown peers instead of dropping.
 *
 * @example
 * ```ts
 * import { ZMQ_ROUTER_MANDATORY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ROUTER_MANDATORY); // 33
 * ```
 */
export const ZMQ_ROUTER_MANDATORY = 33;

/**
 * ZMQ_TCP_KEEPALIVE (34): TCP keepalive (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_TCP_KEEPALIVE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TCP_KEEPALIVE); // 34
 * ```
 */
export const ZMQ_TCP_KEEPALIVE = 34;

/**
 * ZMQ_TCP_KEEPALIVE_CNT (35): TCP keepalive count (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_TCP_KEEPALIVE_CNT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TCP_KEEPALIVE_CNT); // 35
 * ```
 */
export const ZMQ_TCP_KEEPALIVE_CNT = 35;

/**
 * ZMQ_TCP_KEEPALIVE_IDLE (36): TCP keepalive idle time (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_TCP_KEEPALIVE_IDLE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TCP_KEEPALIVE_IDLE); // 36
 * ```
 */
export const ZMQ_TCP_KEEPALIVE_IDLE = 36;

/**
 * ZMQ_TCP_KEEPALIVE_INTVL (37): TCP keepalive interval (not supported).
 *
 * @example
 * ```ts
 * import { ZMQ_TCP_KEEPALIVE_INTVL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TCP_KEEPALIVE_INTVL); // 37
 * ```
 */
export const ZMQ_TCP_KEEPALIVE_INTVL = 37;

/**
 * ZMQ_TCP_ACCEPT_FILTER (38): TCP accept filter (not supported; deprecated in libzmq).
 *
 * @example
 * ```ts
 * import { ZMQ_TCP_ACCEPT_FILTER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_TCP_ACCEPT_FILTER); // 38
 * ```
 */
export const ZMQ_TCP_ACCEPT_FILTER = 38;

/**
 * ZMQ_DELAY_ATTACH_ON_CONNECT (39): queue messages only to completed connections.
 *
 * @example
 * ```ts
 * import { ZMQ_DELAY_ATTACH_ON_CONNECT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_DELAY_ATTACH_ON_CONNECT); // 39
 * ```
 */
export const ZMQ_DELAY_ATTACH_ON_CONNECT = 39;

/**
 * ZMQ_IMMEDIATE (39): libzmq 4's name of ZMQ_DELAY_ATTACH_ON_CONNECT.
 *
 * @example
 * ```ts
 * import { ZMQ_IMMEDIATE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_IMMEDIATE); // 39
 * ```
 */
export const ZMQ_IMMEDIATE = 39;

/**
 * ZMQ_XPUB_VERBOSE (40): XPUB: pass on every subscription, not only new ones (write-only).
 *
 * @example
 * ```ts
 * import { ZMQ_XPUB_VERBOSE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XPUB_VERBOSE); // 40
 * ```
 */
export const ZMQ_XPUB_VERBOSE = 40;

/**
 * ZMQ_ROUTER_RAW (41): raw TCP on a ROUTER (not supported: ZMQ_STREAM is not implemented).
 *
 * @example
 * ```ts
 * import { ZMQ_ROUTER_RAW } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ROUTER_RAW); // 41
 * ```
 */
export const ZMQ_ROUTER_RAW = 41;

/**
 * ZMQ_IPV6 (42): IPv6 (not supported: the address decides).
 *
 * @example
 * ```ts
 * import { ZMQ_IPV6 } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_IPV6); // 42
 * ```
 */
export const ZMQ_IPV6 = 42;

/**
 * ZMQ_MECHANISM (43): the security mechanism: 0 NULL, 1 PLAIN, 2 CURVE (read-only).
 *
 * @example
 * ```ts
 * import { ZMQ_MECHANISM } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_MECHANISM); // 43
 * ```
 */
export const ZMQ_MECHANISM = 43;

/**
 * ZMQ_PLAIN_SERVER (44): be the PLAIN server.
 *
 * @example
 * ```ts
 * import { ZMQ_PLAIN_SERVER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PLAIN_SERVER); // 44
 * ```
 */
export const ZMQ_PLAIN_SERVER = 44;

/**
 * ZMQ_PLAIN_USERNAME (45): the PLAIN client's username.
 *
 * @example
 * ```ts
 * import { ZMQ_PLAIN_USERNAME } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PLAIN_USERNAME); // 45
 * ```
 */
export const ZMQ_PLAIN_USERNAME = 45;

/**
 * ZMQ_PLAIN_PASSWORD (46): the PLAIN client's password.
 *
 * @example
 * ```ts
 * import { ZMQ_PLAIN_PASSWORD } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PLAIN_PASSWORD); // 46
 * ```
 */
export const ZMQ_PLAIN_PASSWORD = 46;

/**
 * ZMQ_CURVE_SERVER (47): be the CURVE server.
 *
 * @example
 * ```ts
 * import { ZMQ_CURVE_SERVER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CURVE_SERVER); // 47
 * ```
 */
export const ZMQ_CURVE_SERVER = 47;

/**
 * ZMQ_CURVE_PUBLICKEY (48): our CURVE public key: 32 bytes or 40 characters of Z85.
 *
 * @example
 * ```ts
 * import { ZMQ_CURVE_PUBLICKEY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CURVE_PUBLICKEY); // 48
 * ```
 */
export const ZMQ_CURVE_PUBLICKEY = 48;

/**
 * ZMQ_CURVE_SECRETKEY (49): our CURVE secret key: 32 bytes or 40 characters of Z85.
 *
 * @example
 * ```ts
 * import { ZMQ_CURVE_SECRETKEY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CURVE_SECRETKEY); // 49
 * ```
 */
export const ZMQ_CURVE_SECRETKEY = 49;

/**
 * ZMQ_CURVE_SERVERKEY (50): the CURVE server's public key: 32 bytes or 40 characters of Z85.
 *
 * @example
 * ```ts
 * import { ZMQ_CURVE_SERVERKEY } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CURVE_SERVERKEY); // 50
 * ```
 */
export const ZMQ_CURVE_SERVERKEY = 50;

/**
 * ZMQ_PROBE_ROUTER (51): send an empty message to each new peer (REQ, DEALER, ROUTER).
 *
 * @example
 * ```ts
 * import { ZMQ_PROBE_ROUTER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_PROBE_ROUTER); // 51
 * ```
 */
export const ZMQ_PROBE_ROUTER = 51;

/**
 * ZMQ_REQ_CORRELATE (52): REQ: tag requests and accept only the matching reply.
 *
 * @example
 * ```ts
 * import { ZMQ_REQ_CORRELATE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_REQ_CORRELATE); // 52
 * ```
 */
export const ZMQ_REQ_CORRELATE = 52;

/**
 * ZMQ_REQ_RELAXED (53): REQ: allow a new request before the reply came.
 *
 * @example
 * ```ts
 * import { ZMQ_REQ_RELAXED } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_REQ_RELAXED); // 53
 * ```
 */
export const ZMQ_REQ_RELAXED = 53;

/**
 * ZMQ_CONFLATE (54): keep only the last message in each queue.
 *
 * @example
 * ```ts
 * import { ZMQ_CONFLATE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CONFLATE); // 54
 * ```
 */
export const ZMQ_CONFLATE = 54;

/**
 * ZMQ_ZAP_DOMAIN (55): the ZAP domain.
 *
 * @example
 * ```ts
 * import { ZMQ_ZAP_DOMAIN } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ZAP_DOMAIN); // 55
 * ```
 */
export const ZMQ_ZAP_DOMAIN = 55;

/**
 * ZMQ_ROUTER_HANDOVER (56): ROUTER: a new peer with a taken routing id takes it over.
 *
 * @example
 * ```ts
 * import { ZMQ_ROUTER_HANDOVER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_ROUTER_HANDOVER); // 56
 * ```
 */
export const ZMQ_ROUTER_HANDOVER = 56;

/**
 * ZMQ_HANDSHAKE_IVL (66): ms a peer has to finish the handshake; 0 for no limit.
 *
 * @example
 * ```ts
 * import { ZMQ_HANDSHAKE_IVL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_HANDSHAKE_IVL); // 66
 * ```
 */
export const ZMQ_HANDSHAKE_IVL = 66;

/**
 * ZMQ_XPUB_NODROP (69): PUB/XPUB: block instead of dropping at the high-water mark.
 *
 * @example
 * ```ts
 * import { ZMQ_XPUB_NODROP } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XPUB_NODROP); // 69
 * ```
 */
export const ZMQ_XPUB_NODROP = 69;

/**
 * ZMQ_XPUB_WELCOME_MSG (72): XPUB: a message sent to each new subscriber.
 *
 * @example
 * ```ts
 * import { ZMQ_XPUB_WELCOME_MSG } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XPUB_WELCOME_MSG); // 72
 * ```
 */
export const ZMQ_XPUB_WELCOME_MSG = 72;

/**
 * ZMQ_INVERT_MATCHING (74): PUB/SUB/XPUB: deliver what matches no subscription.
 *
 * @example
 * ```ts
 * import { ZMQ_INVERT_MATCHING } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_INVERT_MATCHING); // 74
 * ```
 */
export const ZMQ_INVERT_MATCHING = 74;

/**
 * ZMQ_HEARTBEAT_IVL (75): ms between heartbeat PINGs; 0 for none.
 *
 * @example
 * ```ts
 * import { ZMQ_HEARTBEAT_IVL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_HEARTBEAT_IVL); // 75
 * ```
 */
export const ZMQ_HEARTBEAT_IVL = 75;

/**
 * ZMQ_HEARTBEAT_TTL (76): ms the peer should wait for our heartbeats.
 *
 * @example
 * ```ts
 * import { ZMQ_HEARTBEAT_TTL } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_HEARTBEAT_TTL); // 76
 * ```
 */
export const ZMQ_HEARTBEAT_TTL = 76;

/**
 * ZMQ_HEARTBEAT_TIMEOUT (77): ms without traffic before a heartbeating connection is dropped.
 *
 * @example
 * ```ts
 * import { ZMQ_HEARTBEAT_TIMEOUT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_HEARTBEAT_TIMEOUT); // 77
 * ```
 */
export const ZMQ_HEARTBEAT_TIMEOUT = 77;

/**
 * ZMQ_XPUB_VERBOSER (78): XPUB: pass on every subscription and unsubscription (write-only).
 *
 * @example
 * ```ts
 * import { ZMQ_XPUB_VERBOSER } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_XPUB_VERBOSER); // 78
 * ```
 */
export const ZMQ_XPUB_VERBOSER = 78;

/**
 * ZMQ_CONNECT_TIMEOUT (79): ms for one TCP connect attempt; 0 for the OS default.
 *
 * @example
 * ```ts
 * import { ZMQ_CONNECT_TIMEOUT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CONNECT_TIMEOUT); // 79
 * ```
 */
export const ZMQ_CONNECT_TIMEOUT = 79;

// -- Context options (read and set through Context's static methods)

/**
 * ZMQ_IO_THREADS (1): the context's I/O thread count.
 *
 * @example
 * ```ts
 * import { ZMQ_IO_THREADS } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_IO_THREADS); // 1
 * ```
 */
export const ZMQ_IO_THREADS = 1;

/**
 * ZMQ_MAX_SOCKETS (2): the context's socket limit.
 *
 * @example
 * ```ts
 * import { ZMQ_MAX_SOCKETS } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_MAX_SOCKETS); // 2
 * ```
 */
export const ZMQ_MAX_SOCKETS = 2;

// -- The send flag

/**
 * ZMQ_SNDMORE (2): more parts follow: `send()` holds the parts until a call without it.
 *
 * @example
 * ```ts
 * import { ZMQ_SNDMORE } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_SNDMORE); // 2
 * ```
 */
export const ZMQ_SNDMORE = 2;

// -- Poll states

/**
 * ZMQ_POLLIN (1): readable.
 *
 * @example
 * ```ts
 * import { ZMQ_POLLIN } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_POLLIN); // 1
 * ```
 */
export const ZMQ_POLLIN = 1;

/**
 * ZMQ_POLLOUT (2): writable.
 *
 * @example
 * ```ts
 * import { ZMQ_POLLOUT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_POLLOUT); // 2
 * ```
 */
export const ZMQ_POLLOUT = 2;

/**
 * ZMQ_POLLERR (4): error.
 *
 * @example
 * ```ts
 * import { ZMQ_POLLERR } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_POLLERR); // 4
 * ```
 */
export const ZMQ_POLLERR = 4;

// -- Capabilities: what this layer can do (all of them, always 1)

/**
 * ZMQ_CAN_MONITOR (1): `monitor()` works.
 *
 * @example
 * ```ts
 * import { ZMQ_CAN_MONITOR } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CAN_MONITOR); // 1
 * ```
 */
export const ZMQ_CAN_MONITOR = 1;

/**
 * ZMQ_CAN_DISCONNECT (1): `disconnect()` works.
 *
 * @example
 * ```ts
 * import { ZMQ_CAN_DISCONNECT } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CAN_DISCONNECT); // 1
 * ```
 */
export const ZMQ_CAN_DISCONNECT = 1;

/**
 * ZMQ_CAN_UNBIND (1): `unbind()` works.
 *
 * @example
 * ```ts
 * import { ZMQ_CAN_UNBIND } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CAN_UNBIND); // 1
 * ```
 */
export const ZMQ_CAN_UNBIND = 1;

/**
 * ZMQ_CAN_SET_CTX (1): the Context options can be set.
 *
 * @example
 * ```ts
 * import { ZMQ_CAN_SET_CTX } from "zmtp-zeromq/v5-compat";
 * console.log(ZMQ_CAN_SET_CTX); // 1
 * ```
 */
export const ZMQ_CAN_SET_CTX = 1;

// -- Socket states, as zeromq.js 5 numbered them

/**
 * STATE_READY (0): open and idle.
 *
 * @example
 * ```ts
 * import { STATE_READY } from "zmtp-zeromq/v5-compat";
 * console.log(STATE_READY); // 0
 * ```
 */
export const STATE_READY = 0;

/**
 * STATE_BUSY (1): in a call.
 *
 * @example
 * ```ts
 * import { STATE_BUSY } from "zmtp-zeromq/v5-compat";
 * console.log(STATE_BUSY); // 1
 * ```
 */
export const STATE_BUSY = 1;

/**
 * STATE_CLOSED (2): closed.
 *
 * @example
 * ```ts
 * import { STATE_CLOSED } from "zmtp-zeromq/v5-compat";
 * console.log(STATE_CLOSED); // 2
 * ```
 */
export const STATE_CLOSED = 2;
