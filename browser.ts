/**
 * The browser and edge-worker entry: every socket type, security, `inproc://`
 * and the `ws://`/`wss://` client (through the standard `WebSocket`), with no
 * Deno, Bun or Node API anywhere in its module graph. tcp, ipc and udp need
 * a server runtime: use `mod.ts` there.
 *
 * @example
 * ```ts
 * import { Pair } from "zmtp-zeromq/browser";
 * const a = new Pair();
 * await a.bind("inproc://demo");
 * const b = new Pair();
 * b.connect("inproc://demo");
 * await b.send("hi from the page");
 * console.log(new TextDecoder().decode((await a.receive())[0]));
 * a.close();
 * b.close();
 * ```
 *
 * @module
 */

// libzmq's ZAP handler socket (inproc://zeromq.zap.01) as an authenticator.
import "./lib/zap_handler.ts";

export { type WebSocketLike, type WsTlsOptions, wsTransport, type WsTransportOptions } from "./transports/websocket.ts";

export { Push, type PushOptions } from "./lib/sockets/push.ts";
export { Pull, type PullOptions } from "./lib/sockets/pull.ts";
export { Pair, type PairOptions } from "./lib/sockets/pair.ts";
export { Publisher, type PublisherOptions, type PublisherOwnOptions } from "./lib/sockets/pub.ts";
export { Subscriber, type SubscriberOptions, type SubscriberOwnOptions } from "./lib/sockets/sub.ts";
export { XPublisher, type XPublisherOptions, type XPublisherOwnOptions } from "./lib/sockets/xpub.ts";
export { XSubscriber, type XSubscriberOptions, type XSubscriberOwnOptions } from "./lib/sockets/xsub.ts";
export { Request, type RequestOptions, type RequestOwnOptions } from "./lib/sockets/req.ts";
export { Reply, type ReplyOptions, type ReplyOwnOptions } from "./lib/sockets/rep.ts";
export { Dealer, type DealerOptions } from "./lib/sockets/dealer.ts";
export type { RoutingIdOptions } from "./lib/sockets/_routing_id.ts";
export type {
  DisconnectMessageOptions,
  HelloMessageOptions,
  HiccupMessageOptions,
} from "./lib/sockets/_peer_messages.ts";
export { Router, type RouterOptions, type RouterOwnOptions } from "./lib/sockets/router.ts";
export { Radio, type RadioOptions, type RadioOwnOptions, type RadioSendOptions } from "./lib/sockets/radio.ts";
export { Dish, type DishMessage, type DishOptions } from "./lib/sockets/dish.ts";
export {
  type BaseOptions,
  type CallOptions,
  type ConflateOptions,
  type InvertMatchingOptions,
  type MessageInput,
  type MessageLike,
  type Readable,
  type ReceiveOptions,
  type SendOptions,
  SocketBase,
  // zeromq.js's name of the base class.
  SocketBase as Socket,
  type SocketOptions,
  SocketType,
  type Writable,
} from "./lib/socket_base.ts";
export type { SocketTypeName } from "./lib/options.ts";
export { Metadata, metadataOf } from "./lib/metadata.ts";
export { Context, type ContextOptions, defaultContext as context } from "./lib/context.ts";
export { type Capability, capability, version } from "./lib/capability.ts";
export { Proxy } from "./lib/proxy.ts";
export { setTracer, type Tracer, tracing } from "./lib/trace.ts";
export {
  type AuthStatus,
  errnoMessage,
  errnoOf,
  type ErrorCode,
  HandshakeError,
  type HandshakeErrorKind,
  ProtocolError,
  ZmqError,
} from "./lib/errors.ts";
export {
  type AuthError,
  type ErrnoError,
  type Event,
  type EventOfType,
  type EventType,
  Observer,
  type SocketEvent,
  type SocketEventType,
} from "./lib/events.ts";
export {
  type Connection,
  type ConnectionHandler,
  fromStreams,
  type Listener,
  type StreamDuplex,
  streamTransport,
  type StreamTransportOptions,
  type Transport,
  type TransportOptions,
} from "./lib/transport.ts";
export { registerTransport } from "./lib/driver.ts";
export { type Endpoint, parseEndpoint } from "./lib/endpoint.ts";
export {
  type CurveKey,
  curveKeyPair,
  curvePublicKey,
  type SecurityAccessors,
  type SecurityOptions,
} from "./lib/security.ts";
export {
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
  type CurveCert,
  getAuthenticator,
  setAuthenticator,
  type ZapReply,
  type ZapRequest,
  type ZapStatusCode,
} from "./lib/zap.ts";
export { z85Decode, z85Encode } from "./lib/z85.ts";
