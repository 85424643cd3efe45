/**
 * A pure-TypeScript ZeroMQ: the ZMTP 3.1 wire protocol and ZeroMQ's socket
 * patterns, on Deno, Bun and Node, interoperable with libzmq. The API
 * follows zeromq.js v6, so moving over is an import change.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "./mod.ts";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await push.send("hello");
 * const [msg] = await pull.receive();
 * console.log(new TextDecoder().decode(msg));
 * push.close();
 * pull.close();
 * ```
 *
 * @module
 */

import "./transports/tcp.ts";
export { type WsTlsOptions, wsTransport, type WsTransportOptions } from "./transports/websocket.ts";
import "./transports/udp.ts";

export { Push } from "./lib/sockets/push.ts";
export { Pull } from "./lib/sockets/pull.ts";
export { Pair } from "./lib/sockets/pair.ts";
export { Publisher, type PublisherOptions } from "./lib/sockets/pub.ts";
export { Subscriber } from "./lib/sockets/sub.ts";
export { XPublisher, type XPublisherOptions } from "./lib/sockets/xpub.ts";
export { XSubscriber } from "./lib/sockets/xsub.ts";
export { Request, type RequestOptions } from "./lib/sockets/req.ts";
export { Reply } from "./lib/sockets/rep.ts";
export { Dealer, type DealerOptions } from "./lib/sockets/dealer.ts";
export { Router, type RouterOptions } from "./lib/sockets/router.ts";
export { Radio, type RadioSendOptions } from "./lib/sockets/radio.ts";
export { Dish, type DishMessage } from "./lib/sockets/dish.ts";
export {
  type CallOptions,
  type MessageInput,
  type MessageLike,
  SocketBase,
  type SocketOptions,
} from "./lib/socket_base.ts";
export { Context } from "./lib/context.ts";
export { type ErrorCode, HandshakeError, ProtocolError, ZmqError } from "./lib/errors.ts";
export { type SocketEvent, SocketEvents, type SocketEventType } from "./lib/events.ts";
export {
  type Connection,
  type ConnectionHandler,
  fromStreams,
  type Listener,
  registerTransport,
  type StreamDuplex,
  type Transport,
} from "./lib/transport.ts";
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
  getAuthenticator,
  setAuthenticator,
  type ZapReply,
  type ZapRequest,
  type ZapStatusCode,
} from "./lib/zap.ts";
export { z85Decode, z85Encode } from "./lib/z85.ts";
