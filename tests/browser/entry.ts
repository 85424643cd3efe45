// The browser build: the socket types, inproc, and the ws:// client. No
// tcp/ipc (transports/tcp.ts loads runtime adapters); binding ws:// needs a
// server runtime and fails here with ENOTSUP. Built by build.ts with esbuild.

import "../../transports/websocket.ts";

export { Push } from "../../lib/sockets/push.ts";
export { Pull } from "../../lib/sockets/pull.ts";
export { Pair } from "../../lib/sockets/pair.ts";
export { Publisher } from "../../lib/sockets/pub.ts";
export { Subscriber } from "../../lib/sockets/sub.ts";
export { XPublisher } from "../../lib/sockets/xpub.ts";
export { XSubscriber } from "../../lib/sockets/xsub.ts";
export { Request } from "../../lib/sockets/req.ts";
export { Reply } from "../../lib/sockets/rep.ts";
export { Dealer } from "../../lib/sockets/dealer.ts";
export { Router } from "../../lib/sockets/router.ts";
export { Context } from "../../lib/context.ts";
export { HandshakeError, ProtocolError, ZmqError } from "../../lib/errors.ts";
export { registerTransport } from "../../lib/transport.ts";
export { wsTransport } from "../../transports/websocket.ts";
