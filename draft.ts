/**
 * The draft socket types, as zeromq.js's `zeromq/draft` entry offers them:
 * RADIO and DISH (libzmq's group pub/sub, RFC 48, over tcp, ipc, inproc, ws
 * and udp), SERVER and CLIENT (RFC 41), SCATTER and GATHER, the UDP
 * `Datagram`, and libzmq's PEER and CHANNEL, which zeromq.js lacks. All but
 * RADIO, DISH and DGRAM take single-part messages only. Importing this
 * module registers the same transports as `mod.ts`, so it works on its own.
 *
 * @example
 * ```ts
 * import { Dish, Radio } from "zmtp-zeromq/draft";
 * const dish = new Dish();
 * await dish.bind("inproc://weather");
 * dish.join("berlin");
 * const radio = new Radio();
 * radio.connect("inproc://weather");
 * await radio.send("sunny", { group: "berlin" });
 * const [body, { group }] = await dish.receive();
 * console.log(new TextDecoder().decode(group), new TextDecoder().decode(body));
 * radio.close();
 * dish.close();
 * ```
 *
 * @module
 */

import "./transports/buffer.ts";
import "./transports/tcp.ts";
import "./transports/udp.ts";

// The types the draft sockets refer to (the base class, the shared options,
// events, messages), so that this entry's declarations are complete on
// their own; the values stay in the main entry.
export type * from "./browser.ts";
export { Radio, type RadioOptions, type RadioOwnOptions, type RadioSendOptions } from "./lib/sockets/radio.ts";
export { Dish, type DishMessage } from "./lib/sockets/dish.ts";
export {
  Server,
  type ServerMessage,
  type ServerOptions,
  type ServerOwnOptions,
  type ServerRoutingOptions,
  type ServerSendOptions,
} from "./lib/sockets/server.ts";
export { Client, type ClientOptions, type ClientOwnOptions } from "./lib/sockets/client.ts";
export { Scatter, type ScatterOptions } from "./lib/sockets/scatter.ts";
export { Gather, type GatherOptions } from "./lib/sockets/gather.ts";
export { Peer, type PeerOptions, type PeerOwnOptions } from "./lib/sockets/peer.ts";
export { Channel, type ChannelOptions } from "./lib/sockets/channel.ts";
export { Datagram, type DatagramOptions } from "./lib/sockets/dgram.ts";
